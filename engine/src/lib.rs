//! kvet-engine: loads Kubernetes manifests with exact spans, evaluates the declarative rule pack and
//! renders reports. The engine never prints; the `kvet` binary decides what goes where.
//!
//! Data flow: discover → load (spans) → identify → index → evaluate → suppress → sort → format.

pub mod binding;
pub mod classify;
pub mod config;
pub mod discover;
pub mod eval;
pub mod finding;
pub mod harness;
pub mod index;
pub mod pack;
pub mod quantity;
pub mod report;
pub mod resource;
pub mod schema;
pub mod source;
pub mod suppress;
pub mod timing;
pub mod value;
pub mod workload;
pub mod yaml;

pub use config::Config;
pub use finding::{Finding, ObjectRef, Related, Severity};
pub use pack::Pack;
pub use source::{FileId, Position, SourceFile, SourceMap, Span};

static RELEASE_AT_EXIT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Leaves a run's large structures (documents and their span trees, compiled schemas) to the process's exit
/// instead of freeing them node by node, which costs a few percent of a run. For a process that ends right
/// after the run, like the `kvet` binary; off by default, so a library user's memory stays bounded (then a
/// worker thread frees them while the report is rendered).
pub fn release_at_exit(on: bool) {
    RELEASE_AT_EXIT.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Frees `value` the way [`release_at_exit`] chose.
pub(crate) fn dispose<T: Send + 'static>(value: T) {
    if RELEASE_AT_EXIT.load(std::sync::atomic::Ordering::Relaxed) {
        std::mem::forget(value);
    } else {
        rayon::spawn(move || drop(value));
    }
}

/// Counts shown in every report's summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files read.
    pub files: usize,
    /// Non-empty YAML documents.
    pub documents: usize,
    /// Kubernetes objects (after `kind: List` expansion).
    pub resources: usize,
    /// Files read but not linted because they hold no Kubernetes objects (kustomizations, Helm chart files,
    /// tool configurations, other data): see [`classify`].
    pub skipped: usize,
    /// Findings at error level.
    pub errors: usize,
    /// Findings at warning level.
    pub warnings: usize,
    /// Findings at info level.
    pub infos: usize,
    /// Findings silenced by `kvet-ignore` comments or annotations.
    pub suppressed: usize,
}

/// The result of one run: the files (for snippets), the sorted findings and the summary.
#[derive(Debug)]
pub struct Report {
    /// Every file read, including `--context` files.
    pub sources: SourceMap,
    /// Findings in deterministic order (file, position, rule, message).
    pub findings: Vec<Finding>,
    /// Counts.
    pub summary: Summary,
}

impl Report {
    /// The highest severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Runs the whole check on already-read sources: load, identify, evaluate, suppress, sort.
pub fn check(sources: SourceMap, pack: &Pack, config: &Config) -> Report {
    eval::run(sources, pack, config)
}
