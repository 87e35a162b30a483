//! `progress-deadline`: a Deployment's `spec.progressDeadlineSeconds` must be greater than
//! `spec.minReadySeconds` (the API server: "must be greater than minReadySeconds"). In `apps/v1` an unset
//! deadline defaults to 600 seconds, so `minReadySeconds: 600` or more without a deadline is rejected as
//! well. Runs on the `Object` target; the hit points at `spec.progressDeadlineSeconds` (or at
//! `spec.minReadySeconds` when the deadline is the default).

use super::{CheckInput, Hit};
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// Default `progressDeadlineSeconds` of `apps/v1` Deployments.
const DEFAULT_DEADLINE: i64 = 600;

/// The check template.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    progress_deadline(input.target.value)
}

fn progress_deadline(object: &Value) -> Vec<Hit> {
    let Some(spec) = object.field("spec").and_then(Value::as_object) else { return Vec::new() };
    let Some(min_ready) = spec.field("minReadySeconds").and_then(Value::as_i64) else { return Vec::new() };
    let (deadline, explicit) = match spec.field("progressDeadlineSeconds") {
        Some(Value::Number(n)) => match n.as_i64() {
            Some(d) => (d, true),
            None => return Vec::new(),
        },
        None | Some(Value::Null) if object.field("apiVersion").and_then(Value::as_str) == Some("apps/v1") => {
            (DEFAULT_DEADLINE, false)
        }
        _ => return Vec::new(),
    };
    if deadline > min_ready {
        return Vec::new();
    }
    let field = if explicit { "progressDeadlineSeconds" } else { "minReadySeconds" };
    let mut vars = Map::new();
    vars.insert("deadline".into(), json!(deadline));
    vars.insert("minReady".into(), json!(min_ready));
    vars.insert(
        "deadlineSource".into(),
        json!(if explicit { "progressDeadlineSeconds" } else { "the default progressDeadlineSeconds" }),
    );
    vec![Hit {
        path: vec![PathElem::Key("spec".into()), PathElem::Key(field.into())],
        vars,
        case: Some("progress-deadline".into()),
        ..Default::default()
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deploy(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": spec})
    }

    fn at(o: &Value) -> Option<String> {
        progress_deadline(o).first().map(|h| crate::yaml::path_string(&h.path))
    }

    #[test]
    fn deadline_greater_than_min_ready_is_fine() {
        assert_eq!(at(&deploy(json!({"minReadySeconds": 10, "progressDeadlineSeconds": 60}))), None);
        assert_eq!(at(&deploy(json!({"minReadySeconds": 10}))), None);
        assert_eq!(at(&deploy(json!({"progressDeadlineSeconds": 5}))), None);
    }

    #[test]
    fn deadline_not_greater() {
        assert_eq!(
            at(&deploy(json!({"minReadySeconds": 60, "progressDeadlineSeconds": 60}))).as_deref(),
            Some("spec.progressDeadlineSeconds")
        );
        assert_eq!(
            at(&deploy(json!({"minReadySeconds": 120, "progressDeadlineSeconds": 30}))).as_deref(),
            Some("spec.progressDeadlineSeconds")
        );
    }

    #[test]
    fn default_deadline_only_in_apps_v1() {
        let o = deploy(json!({"minReadySeconds": 600}));
        assert_eq!(at(&o).as_deref(), Some("spec.minReadySeconds"));
        assert_eq!(progress_deadline(&o)[0].vars["deadline"], json!(600));
        let old = json!({"apiVersion": "extensions/v1beta1", "kind": "Deployment", "spec": {"minReadySeconds": 900}});
        assert_eq!(at(&old), None);
    }

    #[test]
    fn ignores_non_numbers() {
        assert_eq!(at(&deploy(json!({"minReadySeconds": "60", "progressDeadlineSeconds": 10}))), None);
        assert_eq!(at(&deploy(json!({"minReadySeconds": 60, "progressDeadlineSeconds": "10"}))), None);
    }
}
