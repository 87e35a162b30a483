//! `junit`: JUnit XML for CI test-report viewers (GitLab, Jenkins, Azure, test-reporter actions).
//!
//! One `<testsuite>` per reported file (in input order), one `<testcase>` per Kubernetes object in it —
//! passing objects included, so the report shows what was checked — plus a `(file)` testcase for
//! findings that belong to no object (YAML syntax, unused suppressions). A testcase with findings has
//! one `<failure>` whose `type` is the highest severity and whose text lists every finding as
//! `line:col: severity[rule]: message` with its help and related locations. Every finding counts as a
//! failure, whatever `--fail-on` says: the report shows what kvet found, the exit status decides.
//!
//! Deterministic: no timestamps, host names or durations. Text is escaped by `quick-xml`; characters
//! XML 1.0 cannot carry (most C0 controls) are replaced by U+FFFD.

use crate::finding::{Finding, ObjectRef, Severity};
use crate::resource::{self, Resource};
use crate::source::visible;
use crate::source::{FileId, SourceFile, Span};
use crate::Report;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use std::io;

/// One testcase: an object (or the file itself) and its findings.
struct Case<'r> {
    name: String,
    findings: Vec<&'r Finding>,
}

/// Replaces characters that XML 1.0 forbids.
fn xml_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Attribute values on one line (parsers normalise newlines in attributes to spaces anyway).
fn attr(s: &str) -> String {
    xml_safe(&visible(s))
}

fn case_name(o: &ObjectRef, explicit_namespace: Option<&str>) -> String {
    match explicit_namespace {
        Some(ns) => format!("{} {ns}/{} ({})", o.kind, o.name, o.api_version),
        None => format!("{} {} ({})", o.kind, o.name, o.api_version),
    }
}

/// The objects of `file` with the span of each and the namespace written in the manifest.
fn objects(file_id: FileId, file: &SourceFile) -> Vec<(Resource, Span, Option<String>)> {
    let loaded = crate::yaml::load(file);
    let mut out = Vec::new();
    for (i, doc) in loaded.documents.iter().enumerate() {
        let mut resources = Vec::new();
        let mut problems = Vec::new();
        resource::identify(file_id, file, i, doc, "default", &mut resources, &mut problems);
        for r in resources {
            let node = r.node(doc);
            let ns = node.value.pointer("/metadata/namespace").and_then(|v| v.as_str()).map(str::to_string);
            let span = node.spans.span;
            out.push((r, span, ns));
        }
    }
    out
}

fn same_object(a: &ObjectRef, b: &ObjectRef) -> bool {
    a.api_version == b.api_version && a.kind == b.kind && a.name == b.name
}

/// The testcases of one file, in source order, the `(file)` case first.
fn cases<'r>(report: &'r Report, file_id: FileId, file: &SourceFile) -> Vec<Case<'r>> {
    let objects = objects(file_id, file);
    let mut cases: Vec<Case<'r>> =
        objects.iter().map(|(r, _, ns)| Case { name: case_name(&r.object, ns.as_deref()), findings: vec![] }).collect();
    let mut file_level = Case { name: "(file)".into(), findings: vec![] };
    let mut extra: Vec<(ObjectRef, Case<'r>)> = Vec::new();
    for f in report.findings.iter().filter(|f| f.file == file_id) {
        let Some(o) = &f.object else {
            file_level.findings.push(f);
            continue;
        };
        let matching = |(_, (r, _, _)): &(usize, &(Resource, Span, Option<String>))| same_object(&r.object, o);
        let containing = objects
            .iter()
            .enumerate()
            .filter(matching)
            .find(|(_, (_, span, _))| span.start <= f.span.start && f.span.start <= span.end)
            .or_else(|| objects.iter().enumerate().find(matching));
        match containing {
            Some((i, _)) => cases[i].findings.push(f),
            // Not found by re-reading (cannot happen for an unchanged file): a testcase of its own.
            None => match extra.iter_mut().find(|(eo, _)| eo == o) {
                Some((_, c)) => c.findings.push(f),
                None => extra.push((o.clone(), Case { name: case_name(o, o.namespace.as_deref()), findings: vec![f] })),
            },
        }
    }
    let mut all = Vec::with_capacity(cases.len() + extra.len() + 1);
    if !file_level.findings.is_empty() || objects.is_empty() {
        all.push(file_level);
    }
    all.extend(cases);
    all.extend(extra.into_iter().map(|(_, c)| c));
    all
}

fn failure_text(report: &Report, findings: &[&Finding]) -> String {
    let mut text = String::new();
    for f in findings {
        let file = report.sources.get(f.file);
        let pos = file.position(f.span.start);
        text.push_str(&format!(
            "{}:{}:{}: {}[{}]: {}\n",
            visible(&file.name),
            pos.line,
            pos.column,
            f.severity,
            f.rule,
            visible(&f.message)
        ));
        if !f.path.is_empty() {
            text.push_str(&format!("  at: {}\n", visible(&f.path)));
        }
        if let Some(help) = f.help.as_deref().filter(|h| !h.trim().is_empty()) {
            text.push_str(&format!("  help: {help}\n"));
        }
        for r in &f.related {
            let rfile = report.sources.get(r.file);
            let rpos = rfile.position(r.span.start);
            let (name, message) = (visible(&rfile.name), visible(&r.message));
            text.push_str(&format!("  related: {name}:{}:{}: {message}\n", rpos.line, rpos.column));
        }
    }
    xml_safe(&text)
}

fn write(report: &Report) -> io::Result<Vec<u8>> {
    let files: Vec<(FileId, &SourceFile)> = report.sources.iter().filter(|(_, f)| f.reported).collect();
    let suites: Vec<(&SourceFile, Vec<Case<'_>>)> = files.iter().map(|(id, f)| (*f, cases(report, *id, f))).collect();
    let tests: usize = suites.iter().map(|(_, c)| c.len()).sum();
    let failures: usize = suites.iter().map(|(_, c)| c.iter().filter(|c| !c.findings.is_empty()).count()).sum();

    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("testsuites")
        .with_attribute(("name", "kvet"))
        .with_attribute(("tests", tests.to_string().as_str()))
        .with_attribute(("failures", failures.to_string().as_str()))
        .with_attribute(("errors", "0"))
        .write_inner_content(|w| {
            for (file, cases) in &suites {
                let suite_failures = cases.iter().filter(|c| !c.findings.is_empty()).count();
                let name = attr(&file.name);
                w.create_element("testsuite")
                    .with_attribute(("name", name.as_str()))
                    .with_attribute(("tests", cases.len().to_string().as_str()))
                    .with_attribute(("failures", suite_failures.to_string().as_str()))
                    .with_attribute(("errors", "0"))
                    .with_attribute(("skipped", "0"))
                    .write_inner_content(|w| {
                        for case in cases {
                            let element = w
                                .create_element("testcase")
                                .with_attribute(("name", attr(&case.name).as_str()))
                                .with_attribute(("classname", name.as_str()));
                            if case.findings.is_empty() {
                                element.write_empty()?;
                                continue;
                            }
                            let worst = case.findings.iter().map(|f| f.severity).max().unwrap_or(Severity::Info);
                            let message = match case.findings.as_slice() {
                                [one] => format!("{}[{}]: {}", one.severity, one.rule, one.message),
                                many => format!("{} findings", many.len()),
                            };
                            element.write_inner_content(|w| {
                                w.create_element("failure")
                                    .with_attribute(("message", attr(&message).as_str()))
                                    .with_attribute(("type", worst.as_str()))
                                    .write_text_content(BytesText::new(&failure_text(report, &case.findings)))?;
                                Ok(())
                            })?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    let mut out = w.into_inner();
    out.push(b'\n');
    Ok(out)
}

/// Renders the report as JUnit XML.
pub(super) fn render(report: &Report) -> String {
    // Writing into a Vec cannot fail, and quick-xml writes the UTF-8 it is given.
    write(report).ok().and_then(|bytes| String::from_utf8(bytes).ok()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{empty_report, sample_report};
    use super::super::{render, Format, RenderOptions};
    use super::*;

    #[test]
    fn junit_snapshot() {
        let out = render(&sample_report(), Format::Junit, &RenderOptions::default());
        assert_eq!(
            out,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="kvet" tests="2" failures="2" errors="0">
  <testsuite name="apps/db.yaml" tests="1" failures="1" errors="0" skipped="0">
    <testcase name="Deployment db (apps/v1)" classname="apps/db.yaml">
      <failure message="2 findings" type="warning">apps/db.yaml:9:9: info[volume-unused]: volume `host` is not mounted by any container
  at: spec.template.spec.volumes[0]
apps/db.yaml:11:19: warning[hostpath-sensitive-path]: hostPath `/etc` exposes sensitive node state to Deployment db
  at: spec.template.spec.volumes[0].hostPath.path
  help: avoid it; mount it read-only if unavoidable
  related: pv.yaml:4:9: this volume is also on the node
</failure>
    </testcase>
  </testsuite>
  <testsuite name="pv.yaml" tests="1" failures="1" errors="0" skipped="0">
    <testcase name="PersistentVolume pv-1 (v1)" classname="pv.yaml">
      <failure message="error[pv-reclaim-recycle]: reclaim policy `Recycle` was removed" type="error">pv.yaml:6:34: error[pv-reclaim-recycle]: reclaim policy `Recycle` was removed
  at: spec.persistentVolumeReclaimPolicy
  help: use `Delete` or `Retain`
  related: pv.yaml:4:3: for this volume
</failure>
    </testcase>
  </testsuite>
</testsuites>
"#
        );
    }

    #[test]
    fn passing_objects_file_level_findings_and_escaping() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: team\n---\n\
                    apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n";
        let mut sources = crate::source::SourceMap::default();
        let id = sources.add(SourceFile::new("c<&>.yaml", text));
        let finding = Finding {
            rule: "yaml-x".into(),
            severity: Severity::Error,
            file: id,
            span: Span::new(0, 3),
            object: None,
            path: String::new(),
            message: "bad \"thing\" <here> & \u{1}there".into(),
            help: None,
            label: None,
            related: vec![],
        };
        let report = Report {
            sources,
            findings: vec![finding],
            summary: crate::Summary { files: 1, documents: 2, resources: 2, ..Default::default() },
        };
        let out = render(&report, Format::Junit, &RenderOptions::default());
        assert!(out.contains(r#"<testsuite name="c&lt;&amp;&gt;.yaml" tests="3" failures="1""#), "{out}");
        assert!(out.contains(r#"<testcase name="(file)" classname="c&lt;&amp;&gt;.yaml">"#), "{out}");
        assert!(out.contains(r"bad &quot;thing&quot; &lt;here&gt; &amp; \u{1}there"), "{out}");
        assert!(out.contains(r#"<testcase name="ConfigMap team/a (v1)" classname="c&lt;&amp;&gt;.yaml"/>"#), "{out}");
        assert!(out.contains(r#"<testcase name="ConfigMap b (v1)" classname="c&lt;&amp;&gt;.yaml"/>"#), "{out}");
    }

    #[test]
    fn a_clean_file_is_a_passing_suite() {
        let out = render(&empty_report(), Format::Junit, &RenderOptions::default());
        assert!(out.contains(r#"<testsuites name="kvet" tests="1" failures="0" errors="0">"#), "{out}");
        assert!(out.contains(r#"<testcase name="PersistentVolume pv-1 (v1)" classname="ok.yaml"/>"#), "{out}");
    }
}
