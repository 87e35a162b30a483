//! Heuristics on top of the parser: hints for syntax errors and the flattened-document detector.

use super::{Document, Problem};
use crate::finding::Severity;
use crate::source::SourceFile;
use serde_json::Value;

/// Keys that only ever appear nested inside an object, never at its root.
const NESTED_ONLY: &[&str] = &[
    "name",
    "labels",
    "annotations",
    "namespace",
    "containers",
    "initContainers",
    "image",
    "imagePullPolicy",
    "volumeMounts",
    "mountPath",
    "volumes",
    "template",
    "selector",
    "path",
    "claimName",
    "ports",
    "containerPort",
    "env",
    "command",
    "args",
    "restartPolicy",
    "hostPath",
    "emptyDir",
    "configMap",
    "secretName",
    "accessModes",
    "capacity",
    "resources",
    "replicas",
    "serviceName",
    "nodeSelector",
    "persistentVolumeClaim",
    "storageClassName",
    "persistentVolumeReclaimPolicy",
    "volumeClaimTemplates",
];

/// Whether `text` contains any character of [`is_exotic_space`] (memchr on their UTF-8 lead bytes).
pub fn has_exotic_space(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Lead bytes are always character boundaries in valid UTF-8.
    memchr::memchr3_iter(0xC2, 0xE2, 0xE3, bytes).any(|i| text[i..].chars().next().is_some_and(is_exotic_space))
}

/// Characters that look like spaces but are key characters to YAML.
fn is_exotic_space(c: char) -> bool {
    matches!(c, '\u{00a0}' | '\u{2000}'..='\u{200b}' | '\u{3000}')
}

/// Finds a flattened (lost-indentation) document: nested-only keys at the root while `metadata`/`spec` are
/// null or missing, or keys that start with non-breaking/ideographic spaces.
pub fn lost_indentation(file: &SourceFile, doc: &Document, exotic_spaces: bool) -> Option<Problem> {
    let Value::Object(map) = &doc.value else { return None };
    let _ = file;
    // (b) exotic spaces anywhere in a key of this document.
    if let Some((span, key)) = exotic_spaces.then(|| find_exotic_key(&doc.value, &doc.spans)).flatten() {
        return Some(Problem {
            rule: "yaml-lost-indentation",
            severity: Severity::Error,
            span,
            message: format!(
                "Key {} starts with a non-breaking or ideographic space, which YAML reads as part of the key, not as indentation",
                serde_json::to_string(&key).unwrap_or_default()
            ),
            help: Some("Replace non-ASCII spaces (U+00A0, U+3000, …) with ASCII spaces and restore the indentation.".into()),
            related: Vec::new(),
            path: String::new(),
        });
    }
    let empty = |k: &str| map.get(k).is_none_or(Value::is_null);
    let misplaced: Vec<(usize, &str)> = map
        .keys()
        .enumerate()
        .filter(|(_, k)| NESTED_ONLY.contains(&k.as_str()))
        .map(|(i, k)| (i, k.as_str()))
        .collect();
    let is_metadata_key = |k: &str| matches!(k, "name" | "labels" | "annotations" | "namespace");
    // (a) metadata and spec both empty, with nested keys at the root (the fully flattened S0 case), or
    // (a') `spec:` present but null while spec fields (containers, volumes, …) sit at the root.
    let fully = empty("metadata")
        && empty("spec")
        && (misplaced.iter().any(|(_, k)| !is_metadata_key(k)) || map.get("metadata").is_some_and(Value::is_null));
    let spec_only = map.get("spec").is_some_and(Value::is_null) && misplaced.iter().any(|(_, k)| !is_metadata_key(k));
    if misplaced.is_empty() || !(fully || spec_only) {
        return None;
    }
    let misplaced: Vec<(usize, &str)> =
        if fully { misplaced } else { misplaced.into_iter().filter(|(_, k)| !is_metadata_key(k)).collect() };
    let (first_idx, _) = misplaced[0];
    let node = &doc.spans.children[first_idx];
    let span = node.key_span.unwrap_or(node.span);
    let keys: Vec<&str> = misplaced.iter().take(5).map(|(_, k)| *k).collect();
    let parent = if misplaced.iter().any(|(_, k)| matches!(*k, "name" | "labels" | "annotations" | "namespace")) {
        "metadata/spec"
    } else {
        "spec"
    };
    Some(Problem {
        rule: "yaml-lost-indentation",
        severity: Severity::Error,
        span,
        message: format!(
            "Document {} looks flattened: {} appear at the top level although they belong under {parent}",
            doc.index,
            keys.join(", ")
        ),
        help: Some("Restore the indentation (nested fields are indented under their parent key).".into()),
        related: Vec::new(),
        path: String::new(),
    })
}

fn find_exotic_key(value: &Value, spans: &super::SpanNode) -> Option<(crate::source::Span, String)> {
    match value {
        Value::Object(map) => {
            for ((k, v), s) in map.iter().zip(&spans.children) {
                if k.starts_with(is_exotic_space) {
                    return Some((s.key_span.unwrap_or(s.span), k.clone()));
                }
                if let Some(hit) = find_exotic_key(v, s) {
                    return Some(hit);
                }
            }
            None
        }
        Value::Array(items) => items.iter().zip(&spans.children).find_map(|(v, s)| find_exotic_key(v, s)),
        _ => None,
    }
}

/// `name` when `line` (trimmed) starts with an anchor whose name ends in ':' (`&name: value`, `- &name:`).
fn anchor_with_colon(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("- ").map_or(line, str::trim_start).strip_prefix('&')?;
    let name_len = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')).count();
    let after = rest.get(name_len..)?.strip_prefix(':')?;
    (name_len > 0 && after.chars().next().is_none_or(char::is_whitespace)).then(|| &rest[..name_len])
}

/// A hint for a parser error, from the text around it.
pub fn syntax_hint(file: &SourceFile, at: usize, info: &str) -> Option<String> {
    let line_no = file.position(at as u32).line as usize;
    let candidates = [line_no, line_no.saturating_sub(1)];
    for &ln in &candidates {
        if ln == 0 || ln > file.line_count() {
            continue;
        }
        let line = file.line_text(ln);
        let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
        if indent.contains('\t') {
            return Some(format!("line {ln} is indented with a tab; YAML does not allow tabs for indentation"));
        }
        if line.contains('：') {
            return Some(format!("line {ln} has a full-width colon '：'; use an ASCII ':' followed by a space"));
        }
        let trimmed = line.trim();
        if let Some(name) = anchor_with_colon(trimmed) {
            return Some(format!(
                "line {ln}: `&{name}:` is an anchor named `{name}:` (YAML 1.2 anchor names may contain ':'), while kubectl \
                 (go-yaml) ends the anchor at ':' and reads an anchored empty key, `null: …`; remove the '&'"
            ));
        }
        if (trimmed == "..." || trimmed == "…") && !indent.is_empty() {
            return Some(format!("line {ln} is a '{trimmed}' placeholder copied from documentation; remove it"));
        }
    }
    let full_line = file.line_text(line_no);
    // Ignore a trailing comment when looking at the value.
    let line = full_line.find(" #").map_or(full_line, |i| &full_line[..i]);
    if let Some(colon) = line.find(": ") {
        let rest = &line[colon + 2..];
        let rest_trim = rest.trim_start();
        if let Some(c) = rest_trim.chars().next() {
            if matches!(c, '{' | '[' | '*' | '&' | '!' | '%' | '@' | '`')
                && (info.contains("did not find") || info.contains("unexpected character"))
            {
                return Some(format!("a value starting with '{c}' must be quoted"));
            }
        }
        if rest.contains(": ") && !rest_trim.starts_with(['"', '\'']) {
            return Some("a plain value cannot contain ': '; quote the value".into());
        }
    }
    if info.contains("could not find expected ':'")
        || info.contains("did not find expected key")
        || info.contains("invalid indentation")
        || info.contains("simple key")
    {
        // Block scalar whose content is not indented more than its key.
        for ln in (1..line_no).rev().take(20) {
            let l = file.line_text(ln).trim_end();
            if l.ends_with('|') || l.ends_with(">") || l.ends_with("|+") || l.ends_with("|-") || l.ends_with(">-") {
                return Some(format!("the block scalar started on line {ln} must be indented more than its key"));
            }
        }
    }
    None
}
