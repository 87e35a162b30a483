//! `sarif`: SARIF 2.1.0 (OASIS) for GitHub code scanning and other SARIF viewers.
//!
//! One run. `tool.driver.rules` describes the rules that have results (sorted by id) from the pack's
//! metadata: id, a PascalCase `name`, summary, docs (plain and Markdown), default level and, for
//! built-in rules, `helpUri` into the generated `docs/rules/<id>.md`. Each result has a physical
//! location with a 1-based region (end column exclusive, as SARIF defines it), a logical location for
//! the object, related locations for the secondary spans, and `partialFingerprints`.
//!
//! Columns count Unicode code points (`columnKind: unicodeCodePoints`), like every kvet format.
//! The fingerprint hashes what identifies a finding independently of where it sits in the file — rule
//! id, file, object identity, JSON path and message — so inserting lines above a finding does not make
//! code scanning see a new alert; identical findings get an occurrence number.
//!
//! The document is built with `serde_json` (key order as written, pretty-printed, newline-terminated)
//! and checked in tests against the SARIF 2.1.0 JSON schema and by Microsoft's SARIF Multitool.

use crate::finding::{Finding, ObjectRef, Severity};
use crate::pack::Pack;
use crate::source::{SourceFile, Span};
use crate::Report;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// The `$schema` of the document.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of kvet's fingerprint in `partialFingerprints` (versioned: a new recipe gets a new key).
pub(super) const FINGERPRINT_KEY: &str = "kvetFindingHash/v1";

/// Renders the report as a SARIF log.
pub(super) fn render(report: &Report, pack: Option<&Pack>) -> String {
    let mut rule_ids: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rule_index: HashMap<&str, usize> = rule_ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let rules: Vec<Value> = rule_ids.iter().map(|id| rule_descriptor(id, pack)).collect();

    let mut seen: HashMap<String, usize> = HashMap::new();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let hash = fingerprint(report, f);
            let n = seen.entry(hash.clone()).or_insert(0);
            *n += 1;
            let fingerprint = if *n == 1 { hash } else { format!("{hash}:{n}") };
            result(report, f, rule_index[f.rule.as_str()], fingerprint)
        })
        .collect();

    let driver = json!({
        "name": "kvet",
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "informationUri": super::REPOSITORY,
        "rules": rules,
    });
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF asks for messages that are complete sentences.
fn sentence(text: &str) -> String {
    let t = text.trim_end();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// `hostpath-sensitive-path` → `HostpathSensitivePath` (SARIF's `name` is an identifier).
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

fn rule_descriptor(id: &str, pack: Option<&Pack>) -> Value {
    let mut d = Map::new();
    d.insert("id".into(), json!(id));
    d.insert("name".into(), json!(pascal_case(id)));
    let Some(rule) = pack.and_then(|p| p.get(id)) else {
        // Findings outside the pack (e.g. `rule-pack` errors) still need a descriptor.
        d.insert("shortDescription".into(), json!({"text": sentence(&format!("kvet check {id}"))}));
        return Value::Object(d);
    };
    d.insert("shortDescription".into(), json!({"text": sentence(&rule.summary)}));
    let docs = rule.docs.trim();
    let full = if docs.is_empty() { rule.summary.clone() } else { docs.to_string() };
    d.insert("fullDescription".into(), json!({"text": sentence(&full)}));
    let url = super::docs_url_in(pack, id);
    let mut markdown = if docs.is_empty() { sentence(&rule.summary) } else { docs.to_string() };
    if let Some(u) = &url {
        markdown.push_str(&format!("\n\nDocumentation: [{id}]({u})"));
    }
    let text = if docs.is_empty() { sentence(&rule.summary) } else { docs.to_string() };
    d.insert("help".into(), json!({"text": text, "markdown": markdown}));
    if let Some(u) = url {
        d.insert("helpUri".into(), json!(u));
    }
    d.insert("defaultConfiguration".into(), json!({"level": level(rule.severity)}));
    d.insert("properties".into(), json!({"tags": ["kubernetes", rule.area]}));
    Value::Object(d)
}

/// A relative URI reference for a file name as the user gave it: `./` dropped, absolute paths as
/// `file://` URIs, and every byte outside RFC 3986's unreserved set (and `/`) percent-encoded.
pub(super) fn artifact_uri(name: &str) -> String {
    let name = name.replace('\\', "/");
    let (prefix, path) = match name.strip_prefix('/') {
        Some(rest) => ("file:///", rest.to_string()),
        None => ("", name.trim_start_matches("./").to_string()),
    };
    let mut out = String::from(prefix);
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn physical_location(file: &SourceFile, span: Span) -> Value {
    let start = file.position(span.start);
    let end = file.position(span.end.max(span.start));
    json!({
        "artifactLocation": {"uri": artifact_uri(&file.name)},
        "region": {
            "startLine": start.line,
            "startColumn": start.column,
            "endLine": end.line,
            "endColumn": end.column,
        },
    })
}

fn object_name(o: &ObjectRef) -> String {
    match &o.namespace {
        Some(ns) => format!("{}/{}/{ns}/{}", o.api_version, o.kind, o.name),
        None => format!("{}/{}/{}", o.api_version, o.kind, o.name),
    }
}

/// Hex SHA-256 of rule id, file, object identity, JSON path and message (NUL-separated).
fn fingerprint(report: &Report, f: &Finding) -> String {
    let mut h = Sha256::new();
    let object = f.object.as_ref().map(object_name).unwrap_or_default();
    for part in [f.rule.as_str(), report.sources.get(f.file).name.as_str(), &object, &f.path, &f.message] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn result(report: &Report, f: &Finding, rule_index: usize, fingerprint: String) -> Value {
    let file = report.sources.get(f.file);
    let mut location = Map::new();
    location.insert("physicalLocation".into(), physical_location(file, f.span));
    if let Some(o) = &f.object {
        let mut logical = json!({"name": o.name, "fullyQualifiedName": object_name(o), "kind": "object"});
        if !f.path.is_empty() {
            logical["fullyQualifiedName"] = json!(format!("{}#{}", object_name(o), f.path));
        }
        location.insert("logicalLocations".into(), json!([logical]));
    }
    let mut text = sentence(&f.message);
    if let Some(help) = f.help.as_deref().filter(|h| !h.trim().is_empty()) {
        text.push_str(&format!("\nHelp: {}", sentence(help)));
    }
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(f.rule));
    r.insert("ruleIndex".into(), json!(rule_index));
    r.insert("level".into(), json!(level(f.severity)));
    r.insert("message".into(), json!({"text": text}));
    r.insert("locations".into(), json!([Value::Object(location)]));
    if !f.related.is_empty() {
        let related: Vec<Value> = f
            .related
            .iter()
            .enumerate()
            .map(|(i, rel)| {
                json!({
                    "id": i + 1,
                    "physicalLocation": physical_location(report.sources.get(rel.file), rel.span),
                    "message": {"text": sentence(&rel.message)},
                })
            })
            .collect();
        r.insert("relatedLocations".into(), Value::Array(related));
    }
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY, fingerprint);
    r.insert("partialFingerprints".into(), json!(fingerprints));
    let mut props = Map::new();
    if let Some(o) = &f.object {
        props.insert("object".into(), serde_json::to_value(o).unwrap_or(Value::Null));
    }
    if !f.path.is_empty() {
        props.insert("path".into(), json!(f.path));
    }
    if !props.is_empty() {
        r.insert("properties".into(), Value::Object(props));
    }
    Value::Object(r)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{empty_report, sample_report, DEPLOY};
    use super::super::{render, render_with_pack, Format, RenderOptions};
    use super::*;
    use crate::source::SourceFile;

    fn sarif(report: &Report, pack: Option<&Pack>) -> Value {
        let out = render_with_pack(report, Format::Sarif, &RenderOptions::default(), pack);
        serde_json::from_str(&out).expect("valid JSON")
    }

    #[test]
    fn shape_of_a_result() {
        let v = sarif(&sample_report(), None);
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let ids: Vec<&str> =
            run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["hostpath-sensitive-path", "pv-reclaim-recycle", "volume-unused"]);
        let warning = &run["results"][1];
        assert_eq!(warning["ruleId"], "hostpath-sensitive-path");
        assert_eq!(warning["ruleIndex"], 0);
        assert_eq!(warning["level"], "warning");
        assert_eq!(
            warning["message"]["text"],
            "hostPath `/etc` exposes sensitive node state to Deployment db.\nHelp: avoid it; mount it read-only if unavoidable."
        );
        let region = &warning["locations"][0]["physicalLocation"]["region"];
        assert_eq!((region["startLine"].as_u64(), region["startColumn"].as_u64()), (Some(11), Some(19)));
        assert_eq!((region["endLine"].as_u64(), region["endColumn"].as_u64()), (Some(11), Some(23)));
        assert_eq!(warning["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "apps/db.yaml");
        assert_eq!(
            warning["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "apps/v1/Deployment/default/db#spec.template.spec.volumes[0].hostPath.path"
        );
        let related = &warning["relatedLocations"][0];
        assert_eq!(related["physicalLocation"]["artifactLocation"]["uri"], "pv.yaml");
        assert_eq!(related["message"]["text"], "this volume is also on the node.");
        assert_eq!(run["results"][0]["level"], "note");
        assert_eq!(run["results"][2]["level"], "error");
    }

    #[test]
    fn rules_from_the_pack_link_to_the_generated_docs() {
        let pack = Pack::load(&[], &Default::default()).expect("embedded pack");
        let rule = pack.rules().iter().find(|r| r.builtin).expect("a built-in rule");
        let mut report = sample_report();
        report.findings.truncate(1);
        report.findings[0].rule = rule.id.clone();
        let v = sarif(&report, Some(&pack));
        let d = &v["runs"][0]["tool"]["driver"]["rules"][0];
        assert_eq!(d["id"], rule.id.as_str());
        assert_eq!(d["helpUri"], format!("https://github.com/kvet-dev/kvet/blob/main/docs/rules/{}.md", rule.id));
        assert_eq!(d["defaultConfiguration"]["level"], level(rule.severity));
        assert_eq!(d["shortDescription"]["text"], sentence(&rule.summary));
        assert!(d["help"]["markdown"].as_str().unwrap().ends_with(&format!("/docs/rules/{}.md)", rule.id)));
        // Without the pack there is no link.
        let bare = sarif(&report, None);
        assert!(bare["runs"][0]["tool"]["driver"]["rules"][0].get("helpUri").is_none());
    }

    #[test]
    fn fingerprints_ignore_line_numbers_and_tell_findings_apart() {
        let before = sarif(&sample_report(), None);
        // The same manifest with two comment lines on top: every line moves, no fingerprint changes.
        let mut moved = sample_report();
        let shifted = format!("# a comment\n# another\n{DEPLOY}");
        let mut sources = crate::source::SourceMap::default();
        sources.add(SourceFile::new("apps/db.yaml", shifted.as_str()));
        sources.add(SourceFile::new("pv.yaml", super::super::tests::PV));
        moved.sources = sources;
        for f in moved.findings.iter_mut().filter(|f| f.file.0 == 0) {
            f.span = Span::new(f.span.start as usize + 22, f.span.end as usize + 22);
        }
        let after = sarif(&moved, None);
        let prints = |v: &Value| -> Vec<(u64, String)> {
            v["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let line = r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap();
                    (line, r["partialFingerprints"][FINGERPRINT_KEY].as_str().unwrap().to_string())
                })
                .collect()
        };
        let (b, a) = (prints(&before), prints(&after));
        assert_eq!(b[1].0 + 2, a[1].0);
        assert_eq!(b.iter().map(|p| &p.1).collect::<Vec<_>>(), a.iter().map(|p| &p.1).collect::<Vec<_>>());
        // Different findings, different fingerprints; an identical duplicate gets an occurrence number.
        let mut dup = sample_report();
        let copy = dup.findings[2].clone();
        dup.findings.push(copy);
        let d = prints(&sarif(&dup, None));
        assert_eq!(d.len(), 4);
        assert_ne!(d[0].1, d[1].1);
        assert_eq!(d[3].1, format!("{}:2", d[2].1));
    }

    #[test]
    fn uris_and_sentences() {
        assert_eq!(artifact_uri("./apps/my db.yaml"), "apps/my%20db.yaml");
        assert_eq!(artifact_uri("/abs/x#1.yaml"), "file:///abs/x%231.yaml");
        assert_eq!(artifact_uri("-"), "-");
        assert_eq!(artifact_uri("dir\\ü.yaml"), "dir/%C3%BC.yaml");
        assert_eq!(sentence("done"), "done.");
        assert_eq!(sentence("done?"), "done?");
        assert_eq!(pascal_case("pv-reclaim-recycle"), "PvReclaimRecycle");
    }

    #[test]
    fn no_findings_is_a_valid_empty_run() {
        let v = sarif(&empty_report(), None);
        assert_eq!(v["runs"][0]["results"], json!([]));
        assert_eq!(v["runs"][0]["tool"]["driver"]["rules"], json!([]));
        let text = render(&empty_report(), Format::Sarif, &RenderOptions::default());
        assert!(text.ends_with("}\n"));
    }
}
