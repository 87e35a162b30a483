//! kvet-engine: loads Kubernetes manifests with exact spans, evaluates the declarative rule pack and
//! renders reports. The engine never prints; the `kvet` binary decides what goes where.
//!
//! Data flow: discover → load (spans) → identify → index → evaluate → suppress → sort → format.

pub mod binding;
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
    /// One report of several runs (a monorepo's projects, each checked with its own config): files ordered by
    /// name (a file in several runs, named or as context, appears once — reported if any run reported it),
    /// file ids renumbered, findings re-sorted by (file, span, rule, message) and deduplicated, summaries
    /// summed. The result does not depend on the order of `reports`' files within a name.
    pub fn merge(reports: Vec<Report>) -> Report {
        if reports.len() == 1 {
            return reports.into_iter().next().expect("one report");
        }
        let mut summary = Summary::default();
        let mut files: Vec<(usize, FileId, SourceFile)> = Vec::new();
        let mut findings: Vec<(usize, Finding)> = Vec::new();
        for (ri, r) in reports.into_iter().enumerate() {
            let s = r.summary;
            summary.files += s.files;
            summary.documents += s.documents;
            summary.resources += s.resources;
            summary.suppressed += s.suppressed;
            // The text is shared; only the line index is rebuilt.
            files.extend(r.sources.iter().map(|(id, f)| {
                let mut copy = SourceFile::new(f.name.clone(), std::sync::Arc::clone(&f.text));
                copy.reported = f.reported;
                copy.read_error = f.read_error.clone();
                (ri, id, copy)
            }));
            findings.extend(r.findings.into_iter().map(|f| (ri, f)));
        }
        // By name; among equal names, reported first, then run order.
        files.sort_by(|a, b| a.2.name.cmp(&b.2.name).then(b.2.reported.cmp(&a.2.reported)).then(a.0.cmp(&b.0)));
        let mut ids: std::collections::HashMap<(usize, FileId), FileId> = std::collections::HashMap::new();
        let mut sources = SourceMap::default();
        let mut last: Option<FileId> = None;
        for (ri, old, f) in files {
            let same = last.filter(|id| {
                let prev = sources.get(*id);
                prev.name == f.name && prev.text == f.text
            });
            let id = match same {
                Some(id) => id,
                None => {
                    let id = sources.add(f);
                    last = Some(id);
                    id
                }
            };
            ids.insert((ri, old), id);
        }
        let mut findings: Vec<Finding> = findings
            .into_iter()
            .map(|(ri, mut f)| {
                f.file = ids[&(ri, f.file)];
                for rel in &mut f.related {
                    rel.file = ids[&(ri, rel.file)];
                }
                f
            })
            .collect();
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings.dedup();
        summary.errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
        summary.warnings = findings.iter().filter(|f| f.severity == Severity::Warning).count();
        summary.infos = findings.iter().filter(|f| f.severity == Severity::Info).count();
        Report { sources, findings, summary }
    }

    /// The highest severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Runs the whole check on already-read sources: load, identify, evaluate, suppress, sort.
pub fn check(sources: SourceMap, pack: &Pack, config: &Config) -> Report {
    eval::run(sources, pack, config)
}
