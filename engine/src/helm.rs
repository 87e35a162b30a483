//! Helm charts rendered with `helm template`, and findings on their output mapped back to the templates.
//!
//! Every chart among the inputs whose `Chart.yaml` is checked (not a subchart under a parent's `charts/`, not a
//! library chart) is rendered once per `helm.charts` entry of the configuration, or once with its own
//! `values.yaml` and helm's default release name. The output is linted like any object stream (a virtual
//! file, never reported); each document follows helm's `# Source: CHART/templates/x.yaml` line, so a finding
//! maps back to that template file, at the template line that reads the same as the rendered line when one
//! line does (literal text equal, `{{ … }}` actions matching anything) — else at the template's first line,
//! with the rendered line in the message of a related location.
//!
//! kvet never chooses the binary from the repository: the runner gives it ([`crate::config::Helm::binary`]).
//! Each run has a time limit and an output limit.

use crate::config::Config;
use crate::source::{SourceFile, Span};
use crate::yaml::Document;
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Longest a `helm template` run may take.
const TIME_LIMIT: Duration = Duration::from_secs(120);
/// Most output kvet reads from one run.
const OUTPUT_LIMIT: u64 = 256 << 20;
/// Most of helm's error output kept for the message.
const ERROR_LIMIT: u64 = 64 << 10;

/// One rendering to do.
#[derive(Debug, Clone)]
pub struct Job {
    /// The chart's `Chart.yaml` (input index).
    pub chart_yaml: usize,
    /// The chart directory as the file names spell it (`charts/app`, `.`).
    pub chart: String,
    /// The chart directory on disk (what helm reads).
    pub dir: PathBuf,
    /// Release name.
    pub release: String,
    /// `--namespace`.
    pub namespace: String,
    /// `--values` files.
    pub values: Vec<PathBuf>,
    /// `--set` pairs.
    pub set: Vec<String>,
    /// `--kube-version`: the Kubernetes version kvet checks against, so `.Capabilities.KubeVersion` and a
    /// chart's `kubeVersion` constraint see it.
    pub kube_version: String,
    /// Whether a `helm.charts` entry asked for it (a failure is then an error, not an info).
    pub configured: bool,
    /// Recorded output to replay instead of running helm ([`crate::config::HelmChart::replay`]).
    pub replay: Option<PathBuf>,
}

impl Job {
    /// The command line it runs, for messages (`helm template shop charts/app -f values-prod.yaml`).
    pub fn command_line(&self) -> String {
        let mut s = format!("helm template {} {}", self.release, self.chart);
        if self.namespace != "default" {
            s.push_str(&format!(" --namespace {}", self.namespace));
        }
        for v in &self.values {
            // Shown as the chart's files are named (the disk path depends on where kvet runs).
            let shown = match v.strip_prefix(&self.dir) {
                Ok(rel) => Path::new(&self.chart).join(rel),
                Err(_) => v.clone(),
            };
            s.push_str(&format!(" -f {}", shown.display()));
        }
        for p in &self.set {
            s.push_str(&format!(" --set {p}"));
        }
        s
    }
}

/// What one job gave.
#[derive(Debug)]
pub enum Outcome {
    /// helm printed the chart's objects.
    Rendered(Rendered),
    /// helm failed (or could not run, or ran too long): its message.
    Failed { job: Job, message: String, dependencies: bool },
}

/// A stretch of the output that one template produced.
#[derive(Debug, Clone)]
struct Segment {
    start: usize,
    end: usize,
    /// The `# Source:` path as helm printed it.
    source: String,
    /// The template among the inputs, when it is one.
    file: Option<usize>,
}

/// One chart rendered: helm's output and where each part of it came from.
#[derive(Debug)]
pub struct Rendered {
    pub job: Job,
    /// helm's output (moved into the virtual file by the caller).
    pub text: String,
    segments: Vec<Segment>,
}

/// A chart among the inputs, as the renderer needs it.
pub struct ChartInput<'a> {
    /// Input index of its `Chart.yaml`.
    pub index: usize,
    /// The chart directory as named.
    pub chart: &'a str,
    /// Its `Chart.yaml`.
    pub file: &'a SourceFile,
    /// Its documents.
    pub documents: &'a [Document],
}

/// The renderings to do for the charts among the inputs: one per matching `helm.charts` entry, or one with
/// the chart's defaults; and the charts (as named) that need no rendering of their own: subcharts (under
/// another chart's `charts/`), which their parent renders, and library charts, which produce nothing.
pub fn jobs(charts: &[ChartInput<'_>], config: &Config) -> (Vec<Job>, Vec<String>) {
    let named: std::collections::HashSet<&str> = charts.iter().map(|c| c.chart).collect();
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for c in charts {
        let parent = Path::new(c.chart).parent().filter(|p| p.file_name().is_some_and(|n| n == "charts"));
        let parent_chart = parent.and_then(Path::parent).map(|pp| {
            let pp = pp.to_string_lossy();
            if pp.is_empty() {
                ".".to_owned()
            } else {
                pp.into_owned()
            }
        });
        if parent_chart.is_some_and(|p| named.contains(p.as_str())) {
            skipped.push(c.chart.to_owned());
            continue;
        }
        let library = c
            .documents
            .first()
            .and_then(|d| d.value.get("type"))
            .and_then(serde_json::Value::as_str)
            .is_some_and(|t| t == "library");
        if library {
            skipped.push(c.chart.to_owned());
            continue;
        }
        let dir = match c.file.disk_path.as_deref().and_then(Path::parent) {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            Some(_) => PathBuf::from("."),
            None => PathBuf::from(c.chart),
        };
        let job = |release: Option<&String>,
                   namespace: Option<&String>,
                   values: &[PathBuf],
                   set: &[String],
                   replay: Option<&PathBuf>,
                   configured| Job {
            chart_yaml: c.index,
            chart: c.chart.to_owned(),
            dir: dir.clone(),
            release: release.cloned().unwrap_or_else(|| "release-name".into()),
            namespace: namespace.cloned().unwrap_or_else(|| config.default_namespace.clone()),
            values: values.to_vec(),
            set: set.to_vec(),
            kube_version: format!("{}.{}.0", config.target_version.0, config.target_version.1),
            configured,
            replay: replay.cloned(),
        };
        let entries: Vec<_> = config.helm.charts.iter().filter(|e| same_dir(&e.chart, &dir)).collect();
        if entries.is_empty() {
            out.push(job(None, None, &[], &[], None, false));
        }
        for e in entries {
            out.push(job(e.release.as_ref(), e.namespace.as_ref(), &e.values, &e.set, e.replay.as_ref(), true));
        }
    }
    (out, skipped)
}

/// Whether two paths name one directory (on disk when both exist, else lexically).
fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => crate::classify::normalize(a) == crate::classify::normalize(b),
    }
}

/// Runs every job with `helm` (in parallel; a job with a recording replays it); `names` maps each input's
/// normalized name to its index, so that `# Source:` lines find their templates. Outcomes are in job order.
pub fn render(jobs: Vec<Job>, helm: Option<&Path>, names: &HashMap<PathBuf, usize>) -> Vec<Outcome> {
    jobs.into_par_iter()
        .filter_map(|job| match (job.replay.clone(), helm) {
            (Some(file), _) => Some(replay(job, &file, names)),
            (None, Some(helm)) => Some(render_one(job, helm, names)),
            (None, None) => None,
        })
        .collect()
}

/// A recorded helm run: the output, or (`.err`) the error message.
fn replay(job: Job, file: &Path, names: &HashMap<PathBuf, usize>) -> Outcome {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            return Outcome::Failed {
                job,
                message: format!("cannot read {}: {e}", file.display()),
                dependencies: false,
            }
        }
    };
    if file.extension().is_some_and(|e| e == "err") {
        let message = error_message(&text);
        let dependencies = is_dependency_error(&message);
        return Outcome::Failed { job, message, dependencies };
    }
    let segments = segments(&text, &job.chart, names);
    Outcome::Rendered(Rendered { job, text, segments })
}

/// helm's error output as one line: without the `Error: ` prefix and the `--debug` hint.
fn error_message(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Use --debug flag"))
        .map(|l| l.strip_prefix("Error: ").unwrap_or(l))
        .collect();
    lines.join("; ")
}

/// Whether helm failed because the chart's dependencies are not fetched.
fn is_dependency_error(message: &str) -> bool {
    message.contains("missing in charts/ directory") || message.contains("helm dependency")
}

fn render_one(job: Job, helm: &Path, names: &HashMap<PathBuf, usize>) -> Outcome {
    let mut cmd = Command::new(helm);
    cmd.arg("template").arg(&job.release).arg(&job.dir);
    cmd.args(["--namespace", &job.namespace, "--kube-version", &job.kube_version, "--skip-tests"]);
    for v in &job.values {
        cmd.arg("--values").arg(v);
    }
    for s in &job.set {
        cmd.arg("--set").arg(s);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let failed = |job: Job, message: String| {
        let dependencies = is_dependency_error(&message);
        Outcome::Failed { job, message, dependencies }
    };
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return failed(job, format!("cannot run {}: {e}", helm.display())),
    };
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        return failed(job, "cannot read helm's output".into());
    };
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let r = stdout.take(OUTPUT_LIMIT + 1).read_to_end(&mut buf);
        (buf, r.is_ok())
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.take(ERROR_LIMIT).read_to_end(&mut buf);
        buf
    });
    let status = match wait_timeout::ChildExt::wait_timeout(&mut child, TIME_LIMIT) {
        Ok(Some(status)) => Some(status),
        Ok(None) | Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    };
    let (out, read_ok) = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    let Some(status) = status else {
        return failed(job, format!("`helm template` did not finish within {} s", TIME_LIMIT.as_secs()));
    };
    if out.len() as u64 > OUTPUT_LIMIT {
        return failed(job, format!("`helm template` printed more than {} MiB", OUTPUT_LIMIT >> 20));
    }
    if !status.success() || !read_ok {
        let message = error_message(&String::from_utf8_lossy(&err));
        let message = if message.is_empty() { format!("helm exited with {status}") } else { message };
        return failed(job, message);
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    let segments = segments(&text, &job.chart, names);
    Outcome::Rendered(Rendered { job, text, segments })
}

/// The `# Source:` segments of helm's output, mapped to the inputs.
fn segments(text: &str, chart: &str, names: &HashMap<PathBuf, usize>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if let Some(source) = line.strip_prefix("# Source: ") {
            let source = source.trim_end().to_owned();
            if let Some(last) = out.last_mut() {
                last.end = at;
            }
            // `CHART-NAME/templates/x.yaml` (a subchart: `CHART-NAME/charts/SUB/templates/x.yaml`).
            let file = source.split_once('/').and_then(|(_, rel)| {
                let path = crate::classify::normalize(&Path::new(chart).join(rel));
                names.get(&path).copied()
            });
            out.push(Segment { start: at, end: text.len(), source, file });
        }
        at += line.len();
    }
    out
}

impl Rendered {
    /// Where the rendered text at `span` came from: the template and the template line that reads the same
    /// (else the template's first line), and whether the line was found. `None` when the output there has no
    /// template among the inputs (a packaged subchart).
    pub fn locate<'s>(
        &self,
        text: &str,
        span: Span,
        sources: impl Fn(usize) -> &'s SourceFile,
    ) -> Option<(usize, Span, bool)> {
        let at = span.start as usize;
        let seg = self.segments.iter().rfind(|s| s.start <= at && at < s.end.max(s.start + 1))?;
        let fi = seg.file?;
        let template = sources(fi);
        let line = line_at(text, at);
        match find_line(&template.text, line) {
            Some(s) => Some((fi, s, true)),
            None => Some((fi, Span::new(0, template.line_end(1)), false)),
        }
    }

    /// The `# Source:` path of the output at `span`.
    pub fn source_at(&self, span: Span) -> Option<&str> {
        let at = span.start as usize;
        self.segments.iter().rfind(|s| s.start <= at).map(|s| s.source.as_str())
    }
}

/// The rendered line at `span` of `text`, trimmed.
pub fn rendered_line(text: &str, span: Span) -> &str {
    line_at(text, span.start as usize).trim()
}

/// The template and line a helm error names (`execution error at (app/templates/x.yaml:12:4): …`,
/// `parse error at (app/templates/x.yaml:3): …`), when the template is among the inputs.
pub fn error_location(message: &str, chart: &str, names: &HashMap<PathBuf, usize>) -> Option<(usize, usize)> {
    static AT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = AT.get_or_init(|| regex::Regex::new(r"\(([^()/\s]+)/([^()\s:]+):(\d+)(?::\d+)?\)").expect("valid regex"));
    let caps = re.captures(message)?;
    let path = crate::classify::normalize(&Path::new(chart).join(&caps[2]));
    let file = *names.get(&path)?;
    let line: usize = caps[3].parse().ok()?;
    Some((file, line.max(1)))
}

fn line_at(text: &str, at: usize) -> &str {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// The one line of `template` that reads as `rendered`: equal text, else equal literal text around `{{ … }}`
/// actions — at the same indentation. `None` when no line or several lines do.
fn find_line(template: &str, rendered: &str) -> Option<Span> {
    let want = rendered.trim();
    if want.is_empty() || want == "---" {
        return None;
    }
    let indent = rendered.len() - rendered.trim_start().len();
    let mut exact = Vec::new();
    let mut like = Vec::new();
    let mut start = 0;
    for line in template.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim();
        let lead = body.len() - body.trim_start().len();
        let span = Span::new(start + lead, start + lead + trimmed.len());
        let ind = lead == indent;
        if trimmed == want {
            exact.push((span, ind));
        } else if trimmed.contains("{{") && matches_template(trimmed, want) {
            like.push((span, ind));
        }
        start += line.len();
    }
    // helm never re-indents the literal text of a template: a line it came from has the same indentation.
    let one = |c: &[(Span, bool)]| -> Option<Option<Span>> {
        let same: Vec<Span> = c.iter().filter(|(_, ind)| *ind).map(|(s, _)| *s).collect();
        match (c.len(), same.as_slice()) {
            (0, _) => None,
            (_, [s]) => Some(Some(*s)),
            _ => Some(None),
        }
    };
    match one(&exact) {
        Some(found) => found,
        None => one(&like).flatten(),
    }
}

/// Whether `line` (a template line with actions) can render as `want`: its literal parts appear in order, the
/// first at the start and the last at the end; at least two literal characters besides spaces.
fn matches_template(line: &str, want: &str) -> bool {
    let mut literals = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find("{{") {
        literals.push(&rest[..open]);
        match rest[open..].find("}}") {
            Some(close) => rest = &rest[open + close + 2..],
            None => return false,
        }
    }
    literals.push(rest);
    if literals.iter().map(|l| l.trim().len()).sum::<usize>() < 2 {
        return false;
    }
    let (first, last) = (literals[0].trim_start(), literals[literals.len() - 1].trim_end());
    if !want.starts_with(first) || !want.ends_with(last) || want.len() < first.len() + last.len() {
        return false;
    }
    let mut middle = &want[first.len()..want.len() - last.len()];
    for lit in &literals[1..literals.len() - 1] {
        match middle.find(lit) {
            Some(i) => middle = &middle[i + lit.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_lines_are_found_by_literal_text() {
        let t = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"x.fullname\" . }}\nspec:\n  template:\n    spec:\n      containers:\n        - name: {{ .Chart.Name }}\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n          {{- toYaml .Values.resources | nindent 12 }}\n";
        let at = |s: Span| &t[s.start as usize..s.end as usize];
        assert_eq!(find_line(t, "kind: Deployment").map(at), Some("kind: Deployment"));
        assert_eq!(
            find_line(t, "          image: \"nginx:1.16\"").map(at),
            Some("image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"")
        );
        // `name:` twice (metadata and container, different indentation): the indentation decides.
        assert_eq!(find_line(t, "  name: rel-x").map(at), Some("name: {{ include \"x.fullname\" . }}"));
        // What an action alone produced has no line of its own.
        assert_eq!(find_line(t, "            limits:"), None);
        // Equal text at another indentation came from elsewhere (a block of values).
        assert_eq!(find_line(t, "    kind: Deployment"), None);
        assert_eq!(find_line(t, "---"), None);
    }

    #[test]
    fn ambiguous_lines_are_not_guessed() {
        let t = "a:\n  x: {{ .Values.a }}\nb:\n  x: {{ .Values.b }}\n";
        assert_eq!(find_line(t, "  x: 1"), None);
    }

    #[test]
    fn literal_parts_must_appear_in_order() {
        assert!(matches_template("image: \"{{ .r }}:{{ .t }}\"", "image: \"nginx:1\""));
        assert!(!matches_template("image: \"{{ .r }}:{{ .t }}\"", "image: \"nginx\""));
        assert!(!matches_template("{{ .x }}", "anything"));
        assert!(!matches_template("{{- if .x }}", "a: b"));
    }

    #[test]
    fn jobs_skip_subcharts_and_library_charts_and_follow_the_configuration() {
        let files = [
            SourceFile::new("charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n"),
            SourceFile::new("charts/app/charts/db/Chart.yaml", "apiVersion: v2\nname: db\nversion: 1.0.0\n"),
            SourceFile::new(
                "charts/common/Chart.yaml",
                "apiVersion: v2\nname: common\ntype: library\nversion: 1.0.0\n",
            ),
            SourceFile::new("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n"),
        ];
        let loaded: Vec<_> = files.iter().map(crate::yaml::load).collect();
        let names = ["charts/app", "charts/app/charts/db", "charts/common", "charts/web"];
        let charts: Vec<ChartInput<'_>> = (0..files.len())
            .map(|i| ChartInput { index: i, chart: names[i], file: &files[i], documents: &loaded[i].documents })
            .collect();
        let mut config = Config::default();
        for release in ["web-a", "web-b"] {
            config.helm.charts.push(crate::config::HelmChart {
                chart: PathBuf::from("charts/web"),
                release: Some(release.into()),
                namespace: Some("shop".into()),
                values: vec![PathBuf::from("charts/web/values-prod.yaml")],
                set: Vec::new(),
                replay: None,
            });
        }
        let (jobs, skipped) = jobs(&charts, &config);
        let got: Vec<(&str, &str, &str, bool)> =
            jobs.iter().map(|j| (j.chart.as_str(), j.release.as_str(), j.namespace.as_str(), j.configured)).collect();
        assert_eq!(
            got,
            [
                ("charts/app", "release-name", "default", false),
                ("charts/web", "web-a", "shop", true),
                ("charts/web", "web-b", "shop", true)
            ]
        );
        assert_eq!(jobs[1].kube_version, "1.34.0");
        assert_eq!(
            jobs[1].command_line(),
            "helm template web-a charts/web --namespace shop -f charts/web/values-prod.yaml"
        );
        assert_eq!(skipped, ["charts/app/charts/db", "charts/common"]);
    }

    #[test]
    fn error_locations_name_the_template_line() {
        let names: HashMap<PathBuf, usize> = [(PathBuf::from("charts/app/templates/a.yaml"), 7)].into_iter().collect();
        let m = "Error: execution error at (app/templates/a.yaml:12:4): image.tag is required";
        assert_eq!(error_location(m, "charts/app", &names), Some((7, 12)));
        let m = "Error: parse error at (app/templates/a.yaml:3): unexpected EOF";
        assert_eq!(error_location(m, "./charts/app", &names), Some((7, 3)));
        assert_eq!(error_location("Error: chart requires kubeVersion", "charts/app", &names), None);
    }

    #[test]
    fn segments_follow_source_lines() {
        let text =
            "---\n# Source: app/templates/a.yaml\nkind: A\n---\n# Source: app/charts/db/templates/b.yaml\nkind: B\n";
        let names: HashMap<PathBuf, usize> = [(PathBuf::from("charts/app/templates/a.yaml"), 3)].into_iter().collect();
        let segs = segments(text, "charts/app", &names);
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].file, Some(3));
        assert_eq!(segs[1].file, None);
        assert_eq!(&text[segs[1].start..segs[1].end], "# Source: app/charts/db/templates/b.yaml\nkind: B\n");
    }
}
