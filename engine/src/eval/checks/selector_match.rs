//! `selector-match`: a workload's `spec.selector` (a LabelSelector: `matchLabels` and `matchExpressions`)
//! must select its own pod template's labels. Missing, empty or malformed selectors are left to
//! declarative cases (and to `labels-invalid`). Runs on the `Object` target; the hit points at
//! `spec.selector`.

use super::{CheckInput, Hit};
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// The check template.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    selector_match(input.target.value)
}

/// A label value as the API would compare it (scalars only).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Whether `selector` matches `labels`: `Ok(None)` if it does, `Ok(Some(requirement))` naming the first
/// requirement that fails, `Err(())` if the selector is malformed or empty (not this check's business).
fn first_unmet(selector: &Map<String, Value>, labels: &Map<String, Value>) -> Result<Option<String>, ()> {
    let label = |k: &str| labels.field(k).and_then(scalar);
    let mut requirements = 0;
    let mut unmet: Option<String> = None;
    match selector.field("matchLabels") {
        None | Some(Value::Null) => {}
        Some(Value::Object(ml)) => {
            for (k, v) in ml {
                requirements += 1;
                let want = scalar(v).ok_or(())?;
                if unmet.is_none() && label(k).as_deref() != Some(want.as_str()) {
                    unmet = Some(format!("{k}={want}"));
                }
            }
        }
        Some(_) => return Err(()),
    }
    match selector.field("matchExpressions") {
        None | Some(Value::Null) => {}
        Some(Value::Array(exprs)) => {
            for e in exprs {
                requirements += 1;
                let key = e.field("key").and_then(Value::as_str).ok_or(())?;
                let op = e.field("operator").and_then(Value::as_str).ok_or(())?;
                let values: Vec<String> = match e.field("values") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(vs)) => vs.iter().map(scalar).collect::<Option<_>>().ok_or(())?,
                    Some(_) => return Err(()),
                };
                let have = label(key);
                let (ok, text) = match op {
                    "In" => {
                        (have.as_ref().is_some_and(|h| values.contains(h)), format!("{key} in ({})", values.join(",")))
                    }
                    "NotIn" => (
                        !have.as_ref().is_some_and(|h| values.contains(h)),
                        format!("{key} notin ({})", values.join(",")),
                    ),
                    "Exists" => (have.is_some(), key.to_owned()),
                    "DoesNotExist" => (have.is_none(), format!("!{key}")),
                    _ => return Err(()),
                };
                if !ok && unmet.is_none() {
                    unmet = Some(text);
                }
            }
        }
        Some(_) => return Err(()),
    }
    if requirements == 0 {
        return Err(());
    }
    Ok(unmet)
}

fn selector_match(object: &Value) -> Vec<Hit> {
    let Some(selector) = object.pointer_at("/spec/selector").and_then(Value::as_object) else { return Vec::new() };
    let empty = Map::new();
    let labels = match object.pointer_at("/spec/template/metadata/labels") {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => &empty,
        Some(_) => return Vec::new(),
    };
    let Ok(Some(unmet)) = first_unmet(selector, labels) else { return Vec::new() };
    let rendered: Vec<String> =
        labels.iter().map(|(k, v)| format!("{k}={}", scalar(v).unwrap_or_else(|| v.to_string()))).collect();
    let mut vars = Map::new();
    vars.insert("labels".into(), json!(if rendered.is_empty() { "(none)".to_owned() } else { rendered.join(",") }));
    vars.insert("requirement".into(), json!(unmet));
    vec![Hit {
        path: vec![PathElem::Key("spec".into()), PathElem::Key("selector".into())],
        vars,
        case: None,
        ..Default::default()
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deploy(selector: Value, labels: Value) -> Value {
        json!({"kind": "Deployment", "spec": {"selector": selector, "template": {"metadata": {"labels": labels}}}})
    }

    fn unmet(o: &Value) -> Option<String> {
        let hits = selector_match(o);
        assert!(hits.len() <= 1);
        hits.first().map(|h| h.vars["requirement"].as_str().unwrap_or("").to_owned())
    }

    #[test]
    fn match_labels_subset_matches() {
        assert_eq!(unmet(&deploy(json!({"matchLabels": {"app": "web"}}), json!({"app": "web", "tier": "fe"}))), None);
    }

    #[test]
    fn match_labels_mismatch() {
        let o = deploy(json!({"matchLabels": {"app": "web"}}), json!({"app": "frontend"}));
        assert_eq!(unmet(&o).as_deref(), Some("app=web"));
        assert_eq!(selector_match(&o)[0].vars["labels"], json!("app=frontend"));
    }

    #[test]
    fn missing_template_labels() {
        let o = json!({"spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"spec": {}}}});
        assert_eq!(unmet(&o).as_deref(), Some("app=web"));
        assert_eq!(selector_match(&o)[0].vars["labels"], json!("(none)"));
    }

    #[test]
    fn expressions() {
        let labels = json!({"app": "web", "track": "stable"});
        let ok = json!({"matchExpressions": [
            {"key": "app", "operator": "In", "values": ["web", "api"]},
            {"key": "track", "operator": "NotIn", "values": ["canary"]},
            {"key": "app", "operator": "Exists"},
            {"key": "debug", "operator": "DoesNotExist"}]});
        assert_eq!(unmet(&deploy(ok, labels.clone())), None);
        let bad = json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "track", "operator": "In", "values": ["canary"]}]});
        assert_eq!(unmet(&deploy(bad, labels.clone())).as_deref(), Some("track in (canary)"));
        let bad = json!({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]});
        assert_eq!(unmet(&deploy(bad, labels)).as_deref(), Some("!app"));
    }

    #[test]
    fn empty_or_malformed_selectors_are_left_to_other_cases() {
        assert_eq!(unmet(&deploy(json!({}), json!({"app": "web"}))), None);
        assert_eq!(unmet(&deploy(json!({"matchLabels": {}}), json!({"app": "web"}))), None);
        assert_eq!(unmet(&deploy(json!({"matchExpressions": [{"key": "a", "operator": "Bogus"}]}), json!({}))), None);
        assert_eq!(unmet(&deploy(json!({"matchLabels": "app=web"}), json!({}))), None);
        assert_eq!(unmet(&json!({"spec": {"selector": "x"}})), None);
    }

    #[test]
    fn scalar_values_compare_as_kubectl_strings() {
        assert_eq!(unmet(&deploy(json!({"matchLabels": {"v": "1"}}), json!({"v": 1}))), None);
    }
}
