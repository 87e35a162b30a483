//! `github`: GitHub Actions workflow commands, one per finding, then the summary line; and the Markdown
//! job summary the CLI appends to `$GITHUB_STEP_SUMMARY`.
//!
//! `::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=T::MESSAGE` (`warning` → `::warning`,
//! `info` → `::notice`). Data escapes `%`, `\r`, `\n`; property values also escape `:` and `,` (the
//! escaping of GitHub's `@actions/core`). The message carries the help and the related locations on
//! further lines, and the link to the rule's documentation for built-in rules.

use crate::finding::Severity;
use crate::pack::Pack;
use crate::Report;
use std::fmt::Write;

/// At most this many findings are listed in the job summary (GitHub caps a summary at 1 MiB).
const SUMMARY_ROWS: usize = 500;

/// Escapes the message part of a workflow command.
pub(super) fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            // Other controls (an escape sequence in a file name) are percent-encoded too: the runner leaves
            // them encoded, so the log shows them instead of acting on them.
            c if crate::source::is_unsafe_char(c) => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value of a workflow command.
pub(super) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Renders one workflow command per finding, then the summary line.
pub(super) fn render(report: &Report, pack: Option<&Pack>) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let file = report.sources.get(f.file);
        let start = file.position(f.span.start);
        let end = file.position(f.span.end.max(f.span.start));
        let mut message = f.message.clone();
        if let Some(help) = f.help.as_deref().filter(|h| !h.trim().is_empty()) {
            message.push_str(&format!("\nhelp: {help}"));
        }
        for r in &f.related {
            let rfile = report.sources.get(r.file);
            let pos = rfile.position(r.span.start);
            let name = crate::source::visible(&rfile.name);
            message.push_str(&format!("\nrelated: {name}:{}:{}: {}", pos.line, pos.column, r.message));
        }
        if let Some(url) = super::docs_url_in(pack, &f.rule) {
            message.push_str(&format!("\nsee: {url}"));
        }
        let _ = writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            command(f.severity),
            escape_property(&file.name),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&format!("kvet: {}", f.rule)),
            escape_data(&message),
        );
    }
    out.push_str(&super::summary_line(report));
    out.push('\n');
    out
}

/// A Markdown table cell: one line, pipes escaped.
/// A table cell of text: one line, control characters escaped, and every ASCII punctuation character that
/// Markdown or HTML would act on backslash-escaped — a value from a pull request (`![x](https://…)`, `<!--`,
/// `<img>`) is shown as typed, never rendered. Backticks are shown too, so a message's code spans appear as
/// literal backticks.
fn cell(s: &str) -> String {
    let line = super::short::one_line(s);
    let mut out = String::with_capacity(line.len() + 8);
    for c in crate::source::visible(&line).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '<' | '>' | '#' | '!' | '|' | '~' | '&' | '$'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A table cell inside a code span (the location): one line, control characters escaped, backticks replaced
/// (they would end the span) and pipes escaped (GitHub splits table cells before it reads code spans).
fn code_cell(s: &str) -> String {
    let line = super::short::one_line(s);
    crate::source::visible(&line).replace('`', "'").replace('|', "\\|")
}

/// The job summary (Markdown) for `$GITHUB_STEP_SUMMARY`: the summary line and a table of findings,
/// each rule linked to its documentation when it is a built-in rule of `pack`.
pub fn step_summary(report: &Report, pack: Option<&Pack>) -> String {
    let mut out = String::from("### kvet\n\n");
    let (e, w, i) = super::severity_counts(&report.findings);
    let icon = if e > 0 {
        "❌"
    } else if w > 0 || i > 0 {
        "⚠️"
    } else {
        "✅"
    };
    let _ = writeln!(out, "{icon} {}\n", super::summary_line(report));
    if report.findings.is_empty() {
        return out;
    }
    out.push_str("| severity | rule | location | message |\n|---|---|---|---|\n");
    for f in report.findings.iter().take(SUMMARY_ROWS) {
        let file = report.sources.get(f.file);
        let pos = file.position(f.span.start);
        let rule = match super::docs_url_in(pack, &f.rule) {
            Some(url) => format!("[`{}`]({url})", f.rule),
            None => format!("`{}`", f.rule),
        };
        let _ = writeln!(
            out,
            "| {} | {rule} | `{}:{}:{}` | {} |",
            f.severity,
            code_cell(&file.name),
            pos.line,
            pos.column,
            cell(&f.message)
        );
    }
    if report.findings.len() > SUMMARY_ROWS {
        let _ =
            writeln!(out, "\n… and {} more (see the annotations or the log).", report.findings.len() - SUMMARY_ROWS);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{empty_report, sample_report};
    use super::super::{render, render_with_pack, Format, RenderOptions};
    use super::*;

    #[test]
    fn github_snapshot() {
        let out = render(&sample_report(), Format::Github, &RenderOptions::default());
        assert_eq!(
            out,
            "\
::notice file=apps/db.yaml,line=9,col=9,endLine=9,endColumn=21,title=kvet%3A volume-unused::volume `host` is not mounted by any container
::warning file=apps/db.yaml,line=11,col=19,endLine=11,endColumn=23,title=kvet%3A hostpath-sensitive-path::hostPath `/etc` exposes sensitive node state to Deployment db%0Ahelp: avoid it; mount it read-only if unavoidable%0Arelated: pv.yaml:4:9: this volume is also on the node
::error file=pv.yaml,line=6,col=34,endLine=6,endColumn=41,title=kvet%3A pv-reclaim-recycle::reclaim policy `Recycle` was removed%0Ahelp: use `Delete` or `Retain`%0Arelated: pv.yaml:4:3: for this volume
1 error, 1 warning, 1 info in 2 files (2 resources); 1 suppressed
"
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_data("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
        assert_eq!(escape_property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
        let mut r = sample_report();
        r.findings.truncate(1);
        r.findings[0].message = "50% of\nit: x,y".into();
        r.sources = {
            let mut s = crate::source::SourceMap::default();
            s.add(crate::source::SourceFile::new("a,b:c.yaml", super::super::tests::DEPLOY));
            s
        };
        let out = render(&r, Format::Github, &RenderOptions::default());
        assert!(out.starts_with("::notice file=a%2Cb%3Ac.yaml,line=9,"), "{out}");
        assert!(out.contains("::50%25 of%0Ait: x,y\n"), "{out}");
    }

    #[test]
    fn docs_links_with_the_pack() {
        let pack = Pack::load(&[], &Default::default()).expect("embedded pack");
        let rule = pack.rules().iter().find(|r| r.builtin).expect("a built-in rule");
        let mut r = sample_report();
        r.findings.truncate(1);
        r.findings[0].rule = rule.id.clone();
        let out = render_with_pack(&r, Format::Github, &RenderOptions::default(), Some(&pack));
        let url = format!("https://github.com/kvet-dev/kvet/blob/main/docs/rules/{}.md", rule.id);
        assert!(out.contains(&format!("%0Asee: {url}\n")), "{out}");
        let summary = step_summary(&r, Some(&pack));
        assert!(summary.contains(&format!("[`{}`]({url})", rule.id)), "{summary}");
    }

    #[test]
    fn step_summary_snapshot() {
        assert_eq!(
            step_summary(&sample_report(), None),
            "\
### kvet

❌ 1 error, 1 warning, 1 info in 2 files (2 resources); 1 suppressed

| severity | rule | location | message |
|---|---|---|---|
| info | `volume-unused` | `apps/db.yaml:9:9` | volume \\`host\\` is not mounted by any container |
| warning | `hostpath-sensitive-path` | `apps/db.yaml:11:19` | hostPath \\`/etc\\` exposes sensitive node state to Deployment db |
| error | `pv-reclaim-recycle` | `pv.yaml:6:34` | reclaim policy \\`Recycle\\` was removed |
"
        );
        assert_eq!(step_summary(&empty_report(), None), "### kvet\n\n✅ no problems found in 1 file (1 resource)\n\n");
    }
}
