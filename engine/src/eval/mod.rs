//! (being written)
use crate::{Config, Pack, Report, SourceMap, Summary};
/// Runs the check.
pub fn run(sources: SourceMap, _pack: &Pack, _config: &Config) -> Report {
    Report { sources, findings: Vec::new(), summary: Summary::default() }
}
