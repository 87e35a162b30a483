//! `short`: `file:line:col: severity[rule-id]: message`, one line per finding (editors, grep), then
//! the summary line.

use crate::Report;
use std::fmt::Write;

/// Renders the report in the short format.
pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let file = report.sources.get(f.file);
        let pos = file.position(f.span.start);
        // One line per finding, whatever the message contains.
        let message = one_line(&f.message);
        let (name, message) = (crate::source::visible(&file.name), crate::source::visible(&message));
        let _ = writeln!(out, "{name}:{}:{}: {}[{}]: {message}", pos.line, pos.column, f.severity, f.rule);
    }
    out.push_str(&super::summary_line(report));
    out.push('\n');
    out
}

/// `s` on one line: its lines joined by spaces (empty ones dropped).
pub(super) fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['\n', '\r']) {
        s.split(['\n', '\r']).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ").into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{empty_report, sample_report};
    use super::super::{render, Format, RenderOptions};

    #[test]
    fn short_snapshot() {
        let out = render(&sample_report(), Format::Short, &RenderOptions::default());
        assert_eq!(
            out,
            "\
apps/db.yaml:9:9: info[volume-unused]: volume `host` is not mounted by any container
apps/db.yaml:11:19: warning[hostpath-sensitive-path]: hostPath `/etc` exposes sensitive node state to Deployment db
pv.yaml:6:34: error[pv-reclaim-recycle]: reclaim policy `Recycle` was removed
1 error, 1 warning, 1 info in 2 files (2 resources); 1 suppressed
"
        );
    }

    #[test]
    fn short_without_findings() {
        let out = render(&empty_report(), Format::Short, &RenderOptions::default());
        assert_eq!(out, "no problems found in 1 file (1 resource)\n");
    }

    #[test]
    fn multi_line_messages_stay_on_one_line() {
        let mut r = sample_report();
        r.findings[1].message = "first\nsecond\r\nthird".into();
        let out = render(&r, Format::Short, &RenderOptions::default());
        assert!(out.contains("\napps/db.yaml:11:19: warning[hostpath-sensitive-path]: first second third\n"));
    }
}
