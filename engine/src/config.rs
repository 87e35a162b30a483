//! (being written)
/// Run configuration (from `.kvet.yaml` and the command line).
#[derive(Debug, Default, Clone)]
pub struct Config {}
