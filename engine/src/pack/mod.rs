//! (being written)
/// The compiled rule pack.
#[derive(Debug, Default)]
pub struct Pack {}
