//! `label-syntax`: label keys and values in every place the API server validates them as labels —
//! `metadata.labels`, pod template labels, `nodeSelector`, workload/PVC label selectors (`matchLabels`,
//! `matchExpressions`), the map selectors of Services and ReplicationControllers, and StatefulSet
//! `volumeClaimTemplates`. Hits pick case `key`, `value` or `expression`. Values that are not strings are
//! left to `yaml-scalar-type-coercion`. Runs on the `Object` target; hit paths are relative to the object.

use super::{CheckInput, Hit};
use crate::pack::keywords::{is_dns1123_subdomain, is_label_name};
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

const CHARSET: &str =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// Whether `s` holds a template placeholder (`${VAR}`, `{{ x }}`, `$(VAR)`, `<node-name>`): the file is a
/// template for envsubst, Jinja/Mustache or copy-and-edit, not a manifest to apply as it is.
fn placeholder(s: &str) -> bool {
    s.contains("${") || s.contains("{{") || s.contains("$(") || (s.starts_with('<') && s.ends_with('>'))
}

/// The check template.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    label_syntax(input.target.value)
}

/// Why `key` is not a valid label key (a qualified name), if it is not.
pub fn key_problem(key: &str) -> Option<String> {
    let name = match key.split_once('/') {
        None => key,
        Some((_, rest)) if rest.contains('/') => {
            return Some("a key may contain at most one '/' (an optional DNS subdomain prefix, then the name)".into());
        }
        Some((prefix, name)) => {
            if prefix.is_empty() {
                return Some("the prefix before '/' must not be empty".into());
            }
            if !is_dns1123_subdomain(prefix) {
                return Some(format!("the prefix {prefix} must be a lowercase DNS subdomain (at most 253 characters: 'a-z', '0-9', '-' and '.')"));
            }
            name
        }
    };
    if name.is_empty() {
        return Some("the name part must not be empty".into());
    }
    if name.len() > 63 {
        return Some(format!("the name part must be at most 63 characters (it has {})", name.len()));
    }
    if !is_label_name(name) {
        return Some(format!("the name part {CHARSET}"));
    }
    None
}

/// Why `value` is not a valid label value, if it is not.
pub fn value_problem(value: &str) -> Option<String> {
    if value.len() > 63 {
        return Some(format!("the value must be at most 63 characters (it has {})", value.len()));
    }
    if !value.is_empty() && !is_label_name(value) {
        return Some(format!("the value must be empty or {}", CHARSET.trim_start_matches("must ")));
    }
    None
}

fn keys(path: &[&str]) -> Vec<PathElem> {
    path.iter().map(|k| PathElem::Key((*k).to_owned())).collect()
}

fn join(base: &[PathElem], more: &[PathElem]) -> Vec<PathElem> {
    let mut p = base.to_vec();
    p.extend(more.iter().cloned());
    p
}

fn get<'v>(object: &'v Value, path: &[PathElem]) -> Option<&'v Value> {
    crate::pack::template::walk(object, path)
}

fn hit(path: Vec<PathElem>, case: &str, vars: &[(&str, Value)]) -> Hit {
    let vars: Map<String, Value> = vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    Hit { path, vars, case: Some(case.to_owned()), ..Default::default() }
}

/// A label map (`metadata.labels`, `matchLabels`, `nodeSelector`, a Service selector).
fn check_map(object: &Value, path: &[PathElem], out: &mut Vec<Hit>) {
    let Some(Value::Object(map)) = get(object, path) else { return };
    for (k, v) in map {
        if placeholder(k) || v.as_str().is_some_and(placeholder) {
            continue;
        }
        let key_problem = key_problem(k);
        let value_problem = if key_problem.is_none() { v.as_str().and_then(value_problem) } else { None };
        if key_problem.is_none() && value_problem.is_none() {
            continue; // the common case: nothing is built
        }
        let field = crate::yaml::path_string(path);
        let at = join(path, &[PathElem::Key(k.clone())]);
        let shown = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        if let Some(reason) = key_problem {
            out.push(hit(
                at,
                "key",
                &[("key", json!(k)), ("value", json!(shown)), ("reason", json!(reason)), ("field", json!(field))],
            ));
        } else if let Some(reason) = value_problem {
            out.push(hit(
                at,
                "value",
                &[("key", json!(k)), ("value", json!(shown)), ("reason", json!(reason)), ("field", json!(field))],
            ));
        }
    }
}

/// A LabelSelector: `matchLabels` and `matchExpressions`.
fn check_selector(object: &Value, path: &[PathElem], out: &mut Vec<Hit>) {
    check_map(object, &join(path, &keys(&["matchLabels"])), out);
    let exprs_path = join(path, &keys(&["matchExpressions"]));
    let Some(Value::Array(exprs)) = get(object, &exprs_path) else { return };
    let field = crate::yaml::path_string(&exprs_path);
    for (i, e) in exprs.iter().enumerate() {
        let Some(e) = e.as_object() else { continue };
        let base = join(&exprs_path, &[PathElem::Index(i)]);
        let key = e.field("key").and_then(Value::as_str).unwrap_or("");
        let op = e.field("operator").and_then(Value::as_str).unwrap_or("");
        let vars = |reason: String| -> Vec<(&str, Value)> {
            vec![("key", json!(key)), ("operator", json!(op)), ("reason", json!(reason)), ("field", json!(field))]
        };
        if let Some(k) = e.field("key").and_then(Value::as_str).filter(|k| !placeholder(k)) {
            if let Some(reason) = key_problem(k) {
                out.push(hit(join(&base, &keys(&["key"])), "expression", &vars(format!("key {k}: {reason}"))));
            }
        }
        let values = match e.field("values") {
            Some(Value::Array(vs)) => Some(vs.as_slice()),
            _ => None,
        };
        let n = values.map_or(0, <[Value]>::len);
        match op {
            "In" | "NotIn" if n == 0 => {
                let at = if e.contains_key("values") { join(&base, &keys(&["values"])) } else { base.clone() };
                out.push(hit(at, "expression", &vars(format!("values must be given when the operator is {op}"))));
            }
            "Exists" | "DoesNotExist" if n > 0 => {
                out.push(hit(
                    join(&base, &keys(&["values"])),
                    "expression",
                    &vars(format!("values must not be given when the operator is {op}")),
                ));
            }
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            _ if e.field("operator").is_some_and(Value::is_string) => {
                out.push(hit(
                    join(&base, &keys(&["operator"])),
                    "expression",
                    &vars(format!("{op} is not a selector operator (In, NotIn, Exists, DoesNotExist)")),
                ));
            }
            _ => {}
        }
        for (j, v) in values.unwrap_or(&[]).iter().enumerate() {
            if v.as_str().is_some_and(placeholder) {
                continue;
            }
            if let Some(reason) = v.as_str().and_then(value_problem) {
                let at = join(&base, &[PathElem::Key("values".into()), PathElem::Index(j)]);
                out.push(hit(at, "expression", &vars(format!("value {}: {reason}", v.as_str().unwrap_or("")))));
            }
        }
    }
}

fn label_syntax(object: &Value) -> Vec<Hit> {
    let kind = object.field("kind").and_then(Value::as_str).unwrap_or("");
    let mut out = Vec::new();
    check_map(object, &keys(&["metadata", "labels"]), &mut out);
    if kind != "Pod" {
        if let Some(t) = crate::workload::template_path(kind) {
            check_map(object, &join(&t, &keys(&["metadata", "labels"])), &mut out);
        }
    }
    if let Some(spec) = crate::workload::pod_spec_path(kind) {
        check_map(object, &join(&spec, &keys(&["nodeSelector"])), &mut out);
    }
    match kind {
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "PersistentVolumeClaim" => {
            check_selector(object, &keys(&["spec", "selector"]), &mut out);
        }
        "CronJob" => check_selector(object, &keys(&["spec", "jobTemplate", "spec", "selector"]), &mut out),
        "ReplicationController" | "Service" => check_map(object, &keys(&["spec", "selector"]), &mut out),
        _ => {}
    }
    if kind == "StatefulSet" {
        let n = object.pointer_at("/spec/volumeClaimTemplates").and_then(Value::as_array).map_or(0, Vec::len);
        for i in 0..n {
            let t =
                vec![PathElem::Key("spec".into()), PathElem::Key("volumeClaimTemplates".into()), PathElem::Index(i)];
            check_map(object, &join(&t, &keys(&["metadata", "labels"])), &mut out);
            check_selector(object, &join(&t, &keys(&["spec", "selector"])), &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(o: &Value) -> Vec<(String, String)> {
        label_syntax(o)
            .iter()
            .map(|h| (h.case.clone().unwrap_or_default(), crate::yaml::path_string(&h.path)))
            .collect()
    }

    #[test]
    fn keys() {
        assert_eq!(key_problem("app"), None);
        assert_eq!(key_problem("app.kubernetes.io/name"), None);
        assert_eq!(key_problem("A_b.c-D"), None);
        assert!(key_problem("").is_some());
        assert!(key_problem("/name").is_some());
        assert!(key_problem("Example.com/name").is_some());
        assert!(key_problem("a/b/c").is_some());
        assert!(key_problem("-app").is_some());
        assert!(key_problem("app name").is_some());
        assert!(key_problem(&"a".repeat(64)).is_some());
        assert_eq!(key_problem(&"a".repeat(63)), None);
    }

    #[test]
    fn values() {
        assert_eq!(value_problem(""), None);
        assert_eq!(value_problem("v1.2.3"), None);
        assert!(value_problem("1.0 beta").is_some());
        assert!(value_problem("release-").is_some());
        assert!(value_problem("a/b").is_some());
        assert!(value_problem(&"a".repeat(64)).is_some());
    }

    #[test]
    fn every_label_place_of_a_deployment() {
        let o = json!({"kind": "Deployment", "metadata": {"name": "x", "labels": {"ok": "fine", "bad key": "v"}},
            "spec": {"selector": {"matchLabels": {"app": "web/api"}},
                     "template": {"metadata": {"labels": {"app": "web/api"}}, "spec": {"nodeSelector": {"disk": "ssd ", "n": 1}}}}});
        assert_eq!(
            found(&o),
            vec![
                ("key".into(), "metadata.labels[\"bad key\"]".into()),
                ("value".into(), "spec.template.metadata.labels.app".into()),
                ("value".into(), "spec.template.spec.nodeSelector.disk".into()),
                ("value".into(), "spec.selector.matchLabels.app".into()),
            ]
        );
    }

    #[test]
    fn pod_labels_are_checked_once() {
        let o = json!({"kind": "Pod", "metadata": {"labels": {"a": "-x"}}, "spec": {}});
        assert_eq!(found(&o), vec![("value".into(), "metadata.labels.a".into())]);
    }

    #[test]
    fn match_expressions() {
        let o = json!({"kind": "PersistentVolumeClaim", "spec": {"selector": {"matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["gold"]},
            {"key": "tier", "operator": "In"},
            {"key": "tier", "operator": "Exists", "values": ["x"]},
            {"key": "tier", "operator": "Equals", "values": ["x"]},
            {"key": "_tier", "operator": "NotIn", "values": ["ok", "not ok"]}]}}});
        assert_eq!(
            found(&o),
            vec![
                ("expression".into(), "spec.selector.matchExpressions[1]".into()),
                ("expression".into(), "spec.selector.matchExpressions[2].values".into()),
                ("expression".into(), "spec.selector.matchExpressions[3].operator".into()),
                ("expression".into(), "spec.selector.matchExpressions[4].key".into()),
                ("expression".into(), "spec.selector.matchExpressions[4].values[1]".into()),
            ]
        );
    }

    #[test]
    fn placeholders_are_skipped() {
        let o = json!({"kind": "Pod", "metadata": {"labels": {"a": "${A:-x}", "b": "{{ b }}", "c": "<node-name>", "${K}": "v", "d": "<x"}}});
        assert_eq!(found(&o), vec![("value".into(), "metadata.labels.d".into())]);
    }

    #[test]
    fn service_and_statefulset_templates() {
        let svc = json!({"kind": "Service", "spec": {"selector": {"app": "a b"}}});
        assert_eq!(found(&svc), vec![("value".into(), "spec.selector.app".into())]);
        let sts =
            json!({"kind": "StatefulSet", "spec": {"volumeClaimTemplates": [{"metadata": {"labels": {"k": "v!"}}}]}});
        assert_eq!(found(&sts), vec![("value".into(), "spec.volumeClaimTemplates[0].metadata.labels.k".into())]);
    }
}
