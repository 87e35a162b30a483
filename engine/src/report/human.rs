//! `human`: miette's graphical report for every finding, then the summary line.
//!
//! Each finding becomes a miette [`Diagnostic`] (code = rule id, severity, message, help with a
//! `see: kvet explain <rule>` line — and the rule's generated page when the pack says it is a built-in
//! rule —, a primary label at the span, a secondary label for each related
//! location in the same file, and a related diagnostic with its own snippet for each related
//! location in another file).
//!
//! Snippets are read through [`FileSource`], a [`SourceCode`] that answers from the file's line
//! index and touches only the lines it returns: miette's own `SourceCode for str` scans the text
//! from the beginning for every label, which costs O(file size) per finding.

use super::RenderOptions;
use crate::finding::{Finding, Severity};
use crate::source::{SourceFile, Span};
use crate::Report;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};
use std::fmt;

/// Renders the whole report: every finding, separated by blank lines, then the summary line.
pub(super) fn render(report: &Report, opts: &RenderOptions, pack: Option<&crate::pack::Pack>) -> String {
    let handler = handler(opts);
    let mut out = String::new();
    for finding in &report.findings {
        render_one(&handler, report, finding, super::docs_url_in(pack, &finding.rule), &mut out);
        out.push('\n');
    }
    out.push_str(&super::summary_line(report));
    out.push('\n');
    out
}

/// The human rendering of one finding (no summary line). Used by the fixture harness and the
/// generated rule documentation.
pub fn render_finding_human(report: &Report, finding: &Finding, opts: &RenderOptions) -> String {
    let mut out = String::new();
    render_one(&handler(opts), report, finding, None, &mut out);
    out
}

fn handler(opts: &RenderOptions) -> GraphicalReportHandler {
    let theme = if opts.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_context_lines(opts.context_lines)
        .with_links(false)
        .without_syntax_highlighting()
        .with_show_related_as_nested(true)
}

/// Lines longer than this many bytes (minified JSON, a megabyte key) are not drawn as snippets: miette lays
/// out a snippet column by column, and panics on columns past about two million.
const MAX_SNIPPET_LINE: usize = 4096;

/// Whether a line that the snippet of `span` in `file` would draw is over [`MAX_SNIPPET_LINE`].
fn too_wide(file: &SourceFile, span: Span) -> bool {
    let first = file.position(span.start).line as usize;
    let last = file.position(span.end.max(span.start)).line as usize;
    (first..=last.min(first + 50)).any(|l| file.line_end(l).saturating_sub(file.line_start(l)) > MAX_SNIPPET_LINE)
}

fn render_one(handler: &GraphicalReportHandler, report: &Report, f: &Finding, docs: Option<String>, out: &mut String) {
    let file = report.sources.get(f.file);
    let wide = too_wide(file, f.span) || f.related.iter().any(|r| too_wide(report.sources.get(r.file), r.span));
    let mut s = String::new();
    let drawn = !wide && {
        let diag = diagnostic(report, f, docs);
        // miette is not ours: should it still panic on some input, the finding is printed plainly.
        crate::guard::guard(|| handler.render_report(&mut s, &diag).is_ok()).unwrap_or(false)
    };
    if !drawn {
        // A line too long to draw, or a span that could not be read: a plain line, never a panic.
        let pos = file.position(f.span.start);
        let why = if wide { " (the line is too long to show)" } else { "" };
        s = format!(
            "{}[{}]: {}\n  at {}:{}:{}{why}\n",
            f.severity,
            f.rule,
            crate::source::visible(&f.message),
            crate::source::visible(&file.name),
            pos.line,
            pos.column
        );
        if let Some(help) = f.help.as_deref().filter(|h| !h.is_empty()) {
            s.push_str(&format!("  help: {}\n", crate::source::visible(help)));
        }
    }
    out.push_str(&s);
}

fn diagnostic<'r>(report: &'r Report, f: &Finding, docs: Option<String>) -> FindingDiagnostic<'r> {
    let file = report.sources.get(f.file);
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        f.label.as_deref().filter(|l| !l.is_empty()).map(|l| crate::source::visible(l).into_owned()),
        display_span(file, f.span),
    )];
    let mut related = Vec::new();
    for r in &f.related {
        if r.file == f.file {
            labels.push(LabeledSpan::new_with_span(
                Some(crate::source::visible(&r.message).into_owned()),
                display_span(file, r.span),
            ));
        } else {
            let rfile = report.sources.get(r.file);
            related.push(FindingDiagnostic {
                message: crate::source::visible(&r.message).into_owned(),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source: FileSource { file: rfile },
                labels: vec![LabeledSpan::new_primary_with_span(None, display_span(rfile, r.span))],
                related: Vec::new(),
            });
        }
    }
    let explain = match docs {
        Some(url) => format!("see: kvet explain {} or {url}", f.rule),
        None => format!("see: kvet explain {}", f.rule),
    };
    let help = match &f.help {
        Some(h) if !h.is_empty() => format!("{h}\n{explain}"),
        _ => explain,
    };
    FindingDiagnostic {
        message: f.message.clone(),
        code: Some(f.rule.clone()),
        severity: match f.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        },
        help: Some(help),
        source: FileSource { file },
        labels,
        related,
    }
}

/// A span miette can draw: inside the text, on character boundaries. An empty span at the very end
/// of a file that ends with a line break is moved onto that line break, so it is drawn at the end
/// of the last line instead of on a line that does not exist.
fn display_span(file: &SourceFile, span: Span) -> SourceSpan {
    let text = &*file.text;
    let mut start = floor_char_boundary(text, span.start as usize);
    let end = floor_char_boundary(text, (span.end as usize).max(start));
    if start == end && start == text.len() && text.ends_with('\n') {
        start = text.len() - 1;
        if text[..start].ends_with('\r') {
            start -= 1;
        }
        return SourceSpan::new(start.into(), 0);
    }
    SourceSpan::new(start.into(), end - start)
}

fn floor_char_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A finding as a miette diagnostic.
#[derive(Debug)]
struct FindingDiagnostic<'r> {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: FileSource<'r>,
    labels: Vec<LabeledSpan>,
    related: Vec<FindingDiagnostic<'r>>,
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.as_ref().map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
        }
    }
}

/// A [`SourceCode`] over a [`SourceFile`] that uses its line index: reading a span costs time
/// proportional to the lines returned, not to the size of the file.
pub(crate) struct FileSource<'r> {
    pub(crate) file: &'r SourceFile,
}

impl fmt::Debug for FileSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileSource").field("name", &self.file.name).finish_non_exhaustive()
    }
}

impl SourceCode for FileSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let file = self.file;
        let text: &'a str = &file.text;
        let len = text.len();
        let start = span.offset();
        let end = start.saturating_add(span.len());
        if start > len || end > len {
            return Err(MietteError::OutOfBounds);
        }
        let start_pos = file.position(start as u32);
        let start_line = start_pos.line as usize;
        // Like miette: the line of the span's last byte (a span ending with a line break does not
        // extend onto the next line).
        let end_line = if end > start { file.position((end - 1) as u32).line as usize } else { start_line };
        // `line_count` does not count the empty "line" after a final line break, but an empty span
        // at the very end of the file sits on it.
        let last_line = file.line_count().max(end_line);
        let first = start_line.saturating_sub(context_lines_before).max(1);
        let last = end_line.saturating_add(context_lines_after).min(last_line);
        let window_start = file.line_start(first);
        let window_end = if last < file.line_count() { file.line_start(last + 1) } else { len };
        let column = if first == start_line { start_pos.column as usize - 1 } else { 0 };
        Ok(Box::new(MietteSpanContents::new_named(
            crate::source::visible(&file.name).into_owned(),
            &file.display_text().as_bytes()[window_start..window_end],
            SourceSpan::new(window_start.into(), window_end - window_start),
            first - 1,
            column,
            last - first + 1,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{empty_report, sample_report};
    use super::super::{render, Format, RenderOptions};
    use super::*;
    use crate::finding::ObjectRef;
    use crate::source::{SourceMap, Span};
    use crate::Summary;

    fn finding(file: crate::FileId, span: Span, rule: &str) -> Finding {
        Finding {
            rule: rule.into(),
            severity: Severity::Error,
            file,
            span,
            object: Some(ObjectRef {
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
                namespace: Some("default".into()),
                name: "x".into(),
            }),
            path: "data".into(),
            message: format!("problem {rule}"),
            help: None,
            label: Some("here".into()),
            related: vec![],
        }
    }

    fn report_of(files: Vec<SourceFile>, findings: Vec<Finding>) -> Report {
        let mut sources = SourceMap::default();
        let n = files.len();
        for f in files {
            sources.add(f);
        }
        Report { sources, findings, summary: Summary { files: n, documents: n, resources: n, ..Summary::default() } }
    }

    #[test]
    fn human_snapshot() {
        let out = render(&sample_report(), Format::Human, &RenderOptions::default());
        assert_eq!(out, EXPECTED, "\n{out}");
    }

    #[test]
    fn human_without_findings() {
        let out = render(&empty_report(), Format::Human, &RenderOptions::default());
        assert_eq!(out, "no problems found in 1 file (1 resource)\n");
    }

    #[test]
    fn colors_only_when_asked() {
        let plain = render(&sample_report(), Format::Human, &RenderOptions::default());
        assert!(!plain.contains('\u{1b}'));
        let color = render(&sample_report(), Format::Human, &RenderOptions { color: true, ..RenderOptions::default() });
        assert!(color.contains('\u{1b}'));
    }

    #[test]
    fn read_span_returns_only_the_window() {
        let text = "l1\nl2\nl3 abc\nl4\nl5\n";
        let file = SourceFile::new("f.yaml", text);
        let src = FileSource { file: &file };
        let at = text.find("abc").unwrap();
        let c = src.read_span(&(at, 3).into(), 1, 1).unwrap();
        assert_eq!(std::str::from_utf8(c.data()).unwrap(), "l2\nl3 abc\nl4\n");
        assert_eq!((c.line(), c.column(), c.line_count()), (1, 0, 3));
        assert_eq!(c.span().offset(), 3);
        assert_eq!(c.name(), Some("f.yaml"));
        let c = src.read_span(&(at, 3).into(), 0, 0).unwrap();
        assert_eq!(std::str::from_utf8(c.data()).unwrap(), "l3 abc\n");
        assert_eq!((c.line(), c.column(), c.line_count()), (2, 3, 1));
        // Clamped at both ends of the file.
        let c = src.read_span(&(0, 1).into(), 5, 5).unwrap();
        assert_eq!(std::str::from_utf8(c.data()).unwrap(), text);
        let c = src.read_span(&(text.len(), 0).into(), 1, 1).unwrap();
        assert_eq!(std::str::from_utf8(c.data()).unwrap(), "l5\n");
        assert!(src.read_span(&(text.len() + 1, 0).into(), 1, 1).is_err());
    }

    #[test]
    fn odd_spans_never_panic() {
        let texts = ["", "\n", "a: 1", "a: 1\n", "a: 1\r\nb: 2\r\n", "näme: ü\n", "k:\tv\n\n\n"];
        for (i, t) in texts.iter().enumerate() {
            let len = t.len() as u32;
            let mut spans = vec![Span::new(0, 0), Span::new(len as usize, len as usize)];
            for s in 0..=len {
                spans.push(Span { start: s, end: s });
                spans.push(Span { start: s, end: len });
                spans.push(Span { start: s, end: s + 1 }); // may run past the end or split a character
            }
            spans.push(Span { start: len + 10, end: len + 20 });
            for span in spans {
                let file = SourceFile::new(format!("f{i}.yaml"), *t);
                let mut f = finding(crate::FileId(0), span, "r");
                f.related = vec![crate::Related { file: crate::FileId(0), span, message: "rel".into() }];
                let r = report_of(vec![file], vec![f]);
                for format in Format::ALL {
                    let out = render(&r, format, &RenderOptions::default());
                    assert!(out.ends_with('\n'));
                }
            }
        }
    }

    #[test]
    fn empty_span_at_end_of_file() {
        let text = "a: 1\nb: 2\n";
        let file = SourceFile::new("eof.yaml", text);
        let f = finding(crate::FileId(0), Span::new(text.len(), text.len()), "eof");
        let r = report_of(vec![file], vec![f]);
        let out = render(&r, Format::Human, &RenderOptions::default());
        assert!(out.contains("[eof.yaml:2:5]"), "{out}");
        assert!(out.contains(" 2 │ b: 2\n"), "{out}");
    }

    /// A 5 MB file and 2,000 findings near its end: every snippet shows the right line. With
    /// miette's own `SourceCode for str` this takes many seconds; with `FileSource` it is instant.
    #[test]
    fn big_file_many_findings() {
        let mut text = String::with_capacity(5_200_000);
        let mut line = 0usize;
        let mut offsets = Vec::new();
        while text.len() < 5_000_000 {
            line += 1;
            if line % 2 == 0 {
                offsets.push((line, text.len() + "  key-".len()));
            }
            text.push_str(&format!("  key-{line:07}: value number {line} of a large stream\n"));
        }
        let total_lines = line;
        let tail: Vec<(usize, usize)> = offsets[offsets.len() - 2000..].to_vec();
        let findings: Vec<Finding> =
            tail.iter().map(|&(_, off)| finding(crate::FileId(0), Span::new(off, off + 7), "big")).collect();
        let r = report_of(vec![SourceFile::new("big.yaml", text)], findings);
        let out = render(&r, Format::Human, &RenderOptions::default());
        for &(l, _) in tail.iter().step_by(97).chain(tail.last()) {
            assert!(out.contains(&format!("[big.yaml:{l}:7]")), "line {l}");
            assert!(out.contains(&format!("{l} │   key-{l:07}: value number {l} of")), "line {l}");
        }
        assert!(tail.last().unwrap().0 <= total_lines);
        assert_eq!(out.matches("× problem big").count(), 2000);
        assert!(out.ends_with("2000 errors, 0 warnings, 0 infos in 1 file (1 resource)\n"));
        let short = render(&r, Format::Short, &RenderOptions::default());
        assert_eq!(short.lines().count(), 2001);
    }

    const EXPECTED: &str = "\
volume-unused

  ☞ volume `host` is not mounted by any container
    ╭─[apps/db.yaml:9:9]
  8 │       volumes:
  9 │         - name: host
    ·         ────────────
 10 │           hostPath:
    ╰────
  help: see: kvet explain volume-unused

hostpath-sensitive-path

  ⚠ hostPath `/etc` exposes sensitive node state to Deployment db
    ╭─[apps/db.yaml:11:19]
 10 │           hostPath:
 11 │             path: /etc
    ·                   ──┬─
    ·                     ╰── sensitive host path
    ╰────
  help: avoid it; mount it read-only if unavoidable
        see: kvet explain hostpath-sensitive-path
  ╰─▶   ☞ this volume is also on the node
         ╭─[pv.yaml:4:9]
       3 │ metadata:
       4 │   name: pv-1
         ·         ────
       5 │ spec:
         ╰────

pv-reclaim-recycle

  × reclaim policy `Recycle` was removed
   ╭─[pv.yaml:6:34]
 3 │ metadata:
 4 │   name: pv-1
   ·   ─────┬────
   ·        ╰── for this volume
 5 │ spec:
 6 │   persistentVolumeReclaimPolicy: Recycle
   ·                                  ───┬───
   ·                                     ╰── removed
   ╰────
  help: use `Delete` or `Retain`
        see: kvet explain pv-reclaim-recycle

1 error, 1 warning, 1 info in 2 files (2 resources); 1 suppressed
";
}
