//! Rendering a [`Report`]: `human` (miette's graphical report), `short` (one line per finding), `json`
//! (stable, versioned), `sarif` (SARIF 2.1.0 for code scanning), `github` (workflow
//! commands) and `junit` (CI test reports), plus the exit status.
//!
//! Everything here is pure: the functions return strings and the caller decides where they go.
//! Output is deterministic: findings are rendered in the order of `report.findings` (which the
//! engine sorts), and nothing depends on the environment (terminal, `NO_COLOR`, locale).

mod github;
mod human;
mod json;
mod junit;
mod sarif;
mod short;

use crate::finding::{Finding, Severity};
use crate::pack::Pack;
use crate::Report;
use std::fmt;
use std::str::FromStr;

pub use github::step_summary;
pub use human::render_finding_human;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// miette's graphical report: snippet, labels, help; then a summary line.
    Human,
    /// `file:line:col: severity[rule-id]: message`, one line per finding; then a summary line.
    Short,
    /// The stable JSON document (`"version": 1`).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF viewers).
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…,line=…::message`); then a summary line.
    Github,
    /// JUnit XML: a testsuite per file, a testcase per object.
    Junit,
}

impl Format {
    /// Every format, in the order shown in help texts.
    pub const ALL: [Format; 6] =
        [Format::Human, Format::Short, Format::Json, Format::Sarif, Format::Github, Format::Junit];

    /// The name used on the command line (`human`, `short`, `json`, `sarif`, `github`, `junit`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Short => "short",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of [`Format::from_str`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown output format `{0}` (expected one of: human, short, json, sarif, github, junit)")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL.into_iter().find(|f| f.as_str() == s).ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// How to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours (human format only). When false, the output is plain unicode text.
    pub color: bool,
    /// Wrapping width of the human format.
    pub width: usize,
    /// Lines of context shown above and below each snippet (human format).
    pub context_lines: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions { color: false, width: 100, context_lines: 1 }
    }
}

/// Renders the whole report in `format`. The result ends with a newline.
///
/// Without the pack, `sarif` describes each rule by its id only and no format links to rule docs; use
/// [`render_with_pack`] when the pack is at hand.
pub fn render(report: &Report, format: Format, opts: &RenderOptions) -> String {
    render_with_pack(report, format, opts, None)
}

/// Renders the whole report in `format`, taking rule metadata (summary, docs, default severity, docs
/// link) from `pack`. The result ends with a newline.
pub fn render_with_pack(report: &Report, format: Format, opts: &RenderOptions, pack: Option<&Pack>) -> String {
    match format {
        Format::Human => human::render(report, opts, pack),
        Format::Short => short::render(report),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, pack),
        Format::Github => github::render(report, pack),
        Format::Junit => junit::render(report),
    }
}

/// The repository of kvet, from the workspace manifest.
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// The generated documentation page of a built-in rule (`cargo xtask docs` writes `docs/rules/<id>.md`).
pub fn rule_docs_url(id: &str) -> String {
    format!("{REPOSITORY}/blob/main/docs/rules/{id}.md")
}

/// The docs page of `rule` when it is a built-in rule of `pack` (a user's own rules have no page).
pub(crate) fn docs_url_in(pack: Option<&Pack>, rule: &str) -> Option<String> {
    pack.and_then(|p| p.get(rule)).filter(|r| r.builtin).map(|r| rule_docs_url(&r.id))
}

/// The process exit status for `report`: 1 when a finding is at or above `fail_on`, else 0.
/// `None` never fails. (Exit status 2 — usage, config or rule-pack errors — is the CLI's.)
pub fn exit_code(report: &Report, fail_on: Option<Severity>) -> i32 {
    match fail_on {
        Some(min) if report.findings.iter().any(|f| f.severity >= min) => 1,
        _ => 0,
    }
}

/// Errors, warnings and infos among `findings`.
///
/// The renderers count the findings they print rather than trusting `Summary`'s counters, so the
/// summary line always agrees with what is shown.
pub(crate) fn severity_counts(findings: &[Finding]) -> (usize, usize, usize) {
    findings.iter().fold((0, 0, 0), |(e, w, i), f| match f.severity {
        Severity::Error => (e + 1, w, i),
        Severity::Warning => (e, w + 1, i),
        Severity::Info => (e, w, i + 1),
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The closing line of the `human` and `short` formats (no trailing newline), e.g.
/// `1 error, 2 warnings, 0 infos in 4 files (9 resources); 1 suppressed` or
/// `no problems found in 4 files (9 resources)`.
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let scope = format!("{} ({})", plural(s.files, "file", "files"), plural(s.resources, "resource", "resources"));
    let mut line = if report.findings.is_empty() {
        format!("no problems found in {scope}")
    } else {
        let (e, w, i) = severity_counts(&report.findings);
        format!(
            "{}, {}, {} in {scope}",
            plural(e, "error", "errors"),
            plural(w, "warning", "warnings"),
            plural(i, "info", "infos"),
        )
    };
    if s.skipped > 0 {
        line.push_str(&format!("; {} skipped (not Kubernetes manifests)", plural(s.skipped, "file", "files")));
    }
    if s.suppressed > 0 {
        line.push_str(&format!("; {} suppressed", s.suppressed));
    }
    line
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::finding::{ObjectRef, Related};
    use crate::source::{FileId, SourceFile, SourceMap, Span};
    use crate::Summary;

    pub(crate) const DEPLOY: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
spec:
  template:
    spec:
      volumes:
        - name: host
          hostPath:
            path: /etc
";

    pub(crate) const PV: &str = "\
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pv-1
spec:
  persistentVolumeReclaimPolicy: Recycle
";

    fn span_of(text: &str, needle: &str) -> Span {
        let start = text.find(needle).expect("needle");
        Span::new(start, start + needle.len())
    }

    /// A small report: two files, three findings (one with a related location in the other file).
    pub(crate) fn sample_report() -> Report {
        let mut sources = SourceMap::default();
        let a = sources.add(SourceFile::new("apps/db.yaml", DEPLOY));
        let b = sources.add(SourceFile::new("pv.yaml", PV));
        let deploy = ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("default".into()),
            name: "db".into(),
        };
        let pv = ObjectRef {
            api_version: "v1".into(),
            kind: "PersistentVolume".into(),
            namespace: None,
            name: "pv-1".into(),
        };
        let findings = vec![
            Finding {
                rule: "volume-unused".into(),
                severity: Severity::Info,
                file: a,
                span: span_of(DEPLOY, "- name: host"),
                object: Some(deploy.clone()),
                path: "spec.template.spec.volumes[0]".into(),
                message: "volume `host` is not mounted by any container".into(),
                help: None,
                label: None,
                related: vec![],
            },
            Finding {
                rule: "hostpath-sensitive-path".into(),
                severity: Severity::Warning,
                file: a,
                span: span_of(DEPLOY, "/etc"),
                object: Some(deploy),
                path: "spec.template.spec.volumes[0].hostPath.path".into(),
                message: "hostPath `/etc` exposes sensitive node state to Deployment db".into(),
                help: Some("avoid it; mount it read-only if unavoidable".into()),
                label: Some("sensitive host path".into()),
                related: vec![Related {
                    file: b,
                    span: span_of(PV, "pv-1"),
                    message: "this volume is also on the node".into(),
                }],
            },
            Finding {
                rule: "pv-reclaim-recycle".into(),
                severity: Severity::Error,
                file: b,
                span: span_of(PV, "Recycle"),
                object: Some(pv),
                path: "spec.persistentVolumeReclaimPolicy".into(),
                message: "reclaim policy `Recycle` was removed".into(),
                help: Some("use `Delete` or `Retain`".into()),
                label: Some("removed".into()),
                related: vec![Related { file: b, span: span_of(PV, "name: pv-1"), message: "for this volume".into() }],
            },
        ];
        Report {
            sources,
            findings,
            summary: Summary {
                files: 2,
                documents: 2,
                resources: 2,
                errors: 1,
                warnings: 1,
                infos: 1,
                skipped: 0,
                suppressed: 1,
            },
        }
    }

    pub(crate) fn empty_report() -> Report {
        let mut sources = SourceMap::default();
        sources.add(SourceFile::new("ok.yaml", PV));
        Report {
            sources,
            findings: vec![],
            summary: Summary { files: 1, documents: 1, resources: 1, ..Summary::default() },
        }
    }

    #[test]
    fn format_round_trips() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        assert_eq!(
            "xml".parse::<Format>().unwrap_err().to_string(),
            "unknown output format `xml` (expected one of: human, short, json, sarif, github, junit)"
        );
    }

    #[test]
    fn exit_codes() {
        let r = sample_report();
        assert_eq!(exit_code(&r, None), 0);
        assert_eq!(exit_code(&r, Some(Severity::Error)), 1);
        assert_eq!(exit_code(&r, Some(Severity::Info)), 1);
        let mut only_info = sample_report();
        only_info.findings.retain(|f| f.severity == Severity::Info);
        assert_eq!(exit_code(&only_info, Some(Severity::Warning)), 0);
        assert_eq!(exit_code(&only_info, Some(Severity::Info)), 1);
        assert_eq!(exit_code(&empty_report(), Some(Severity::Info)), 0);
    }

    #[test]
    fn summary_lines() {
        assert_eq!(summary_line(&sample_report()), "1 error, 1 warning, 1 info in 2 files (2 resources); 1 suppressed");
        assert_eq!(summary_line(&empty_report()), "no problems found in 1 file (1 resource)");
    }

    #[test]
    fn human_help_links_built_in_rules_to_their_page() {
        let pack = Pack::load(&[], &Default::default()).expect("embedded pack");
        let mut r = sample_report();
        r.findings.truncate(1);
        r.findings[0].rule = "volume-unused".into();
        let opts = RenderOptions { width: 200, ..RenderOptions::default() };
        let linked = render_with_pack(&r, Format::Human, &opts, Some(&pack));
        assert!(
            linked.contains(
                "see: kvet explain volume-unused or https://github.com/kvet-dev/kvet/blob/main/docs/rules/volume-unused.md"
            ),
            "{linked}"
        );
        // Without the pack (or for a rule of the user's own) there is no page to link.
        let plain = render(&r, Format::Human, &opts);
        assert!(plain.contains("see: kvet explain volume-unused\n"), "{plain}");
        assert_eq!(rule_docs_url("x"), "https://github.com/kvet-dev/kvet/blob/main/docs/rules/x.md");
    }

    #[test]
    fn file_id_of_sample_is_stable() {
        // The snapshot tests below rely on the order of the sample's files.
        let r = sample_report();
        assert_eq!(r.sources.get(FileId(0)).name, "apps/db.yaml");
    }
}
