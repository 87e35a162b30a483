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
pub mod guard;
pub mod harness;
pub mod helm;
pub mod index;
pub mod kustomize;
pub mod labels;
pub mod pack;
pub mod produced;
pub mod quantity;
pub mod report;
pub mod resource;
pub mod schema;
pub mod sets;
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
            summary.skipped += s.skipped;
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

#[cfg(test)]
mod merge_tests {
    use super::*;

    fn finding(file: u32, start: u32, rule: &str, severity: Severity, related: Option<u32>) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            file: FileId(file),
            span: Span::new(start as usize, start as usize + 1),
            object: None,
            path: String::new(),
            message: format!("{rule} at {start}"),
            help: None,
            label: None,
            related: related
                .map(|f| Related { file: FileId(f), span: Span::new(0, 1), message: "here".into() })
                .into_iter()
                .collect(),
        }
    }

    fn report(files: &[(&str, bool)], findings: Vec<Finding>) -> Report {
        let mut sources = SourceMap::default();
        for (name, reported) in files {
            let mut f = SourceFile::new(*name, "a: 1\nb: 2\n");
            f.reported = *reported;
            sources.add(f);
        }
        let files = files.iter().filter(|f| f.1).count();
        let summary = Summary { files, documents: files, resources: files, suppressed: 1, ..Default::default() };
        Report { sources, findings, summary }
    }

    #[test]
    fn merge_renumbers_files_and_keeps_the_global_order() {
        // Run 1: b/y.yaml (reported) and the context file c/ctx.yaml; run 2: a/x.yaml and the same context file.
        let one = report(
            &[("b/y.yaml", true), ("c/ctx.yaml", false)],
            vec![finding(0, 3, "r2", Severity::Warning, Some(1)), finding(0, 1, "r1", Severity::Error, None)],
        );
        let two =
            report(&[("a/x.yaml", true), ("c/ctx.yaml", false)], vec![finding(0, 2, "r1", Severity::Info, Some(1))]);
        let merged = Report::merge(vec![one, two]);
        let names: Vec<&str> = merged.sources.iter().map(|(_, f)| f.name.as_str()).collect();
        assert_eq!(names, ["a/x.yaml", "b/y.yaml", "c/ctx.yaml"], "by name, the shared context file once");
        let keys: Vec<(u32, u32, &str)> =
            merged.findings.iter().map(|f| (f.file.0, f.span.start, f.rule.as_str())).collect();
        assert_eq!(keys, [(0, 2, "r1"), (1, 1, "r1"), (1, 3, "r2")]);
        assert_eq!(merged.findings[0].related[0].file, FileId(2));
        assert_eq!(merged.findings[2].related[0].file, FileId(2));
        let s = &merged.summary;
        assert_eq!((s.files, s.documents, s.resources, s.suppressed), (2, 2, 2, 2));
        assert_eq!((s.errors, s.warnings, s.infos), (1, 1, 1));
    }
}
