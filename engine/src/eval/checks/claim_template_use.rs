//! `claim-template-use`: StatefulSet `volumeClaimTemplates` that no container mounts (case `unmounted`), or
//! whose name is also the name of a pod volume, which the controller then replaces (case `shadows`).
//! Runs on the `Object` target; hit paths are relative to the object.

use super::{CheckInput, Hit};
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// The check template.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    claim_template_use(input.target.value)
}

fn claim_template_use(object: &Value) -> Vec<Hit> {
    let Some(templates) = object.pointer_at("/spec/volumeClaimTemplates").and_then(Value::as_array) else {
        return Vec::new();
    };
    let pod_spec = object.pointer_at("/spec/template/spec");
    let volumes: Vec<&Value> = pod_spec
        .and_then(|s| s.field("volumes"))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut mounted: Vec<&str> = Vec::new();
    for list in crate::workload::CONTAINER_LISTS {
        let Some(containers) = pod_spec.and_then(|s| s.get(*list)).and_then(Value::as_array) else { continue };
        for c in containers {
            for field in ["volumeMounts", "volumeDevices"] {
                let Some(mounts) = c.get(field).and_then(Value::as_array) else { continue };
                mounted.extend(mounts.iter().filter_map(|m| m.field("name").and_then(Value::as_str)));
            }
        }
    }
    let mut hits = Vec::new();
    for (i, t) in templates.iter().enumerate() {
        let Some(name) = t.pointer_at("/metadata/name").and_then(Value::as_str) else { continue };
        let path = vec![
            PathElem::Key("spec".into()),
            PathElem::Key("volumeClaimTemplates".into()),
            PathElem::Index(i),
            PathElem::Key("metadata".into()),
            PathElem::Key("name".into()),
        ];
        let mut vars = Map::new();
        vars.insert("name".into(), json!(name));
        let shadowed = volumes.iter().find(|v| v.field("name").and_then(Value::as_str) == Some(name));
        if let Some(volume) = shadowed {
            let source = volume.as_object().and_then(|m| m.keys().find(|k| *k != "name").cloned()).unwrap_or_default();
            vars.insert("volumeType".into(), json!(source));
            hits.push(Hit { path, vars, case: Some("shadows".into()), ..Default::default() });
        } else if !mounted.contains(&name) {
            hits.push(Hit { path, vars, case: Some("unmounted".into()), ..Default::default() });
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sts(pod_spec: Value, templates: Value) -> Value {
        json!({"kind": "StatefulSet", "spec": {"template": {"spec": pod_spec}, "volumeClaimTemplates": templates}})
    }

    fn cases(hits: &[Hit]) -> Vec<(String, String)> {
        hits.iter()
            .map(|h| (h.case.clone().unwrap_or_default(), h.vars["name"].as_str().unwrap_or("").to_owned()))
            .collect()
    }

    #[test]
    fn mounted_templates_are_quiet() {
        let o = sts(
            json!({"containers": [{"name": "db", "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                   "initContainers": [{"name": "init", "volumeDevices": [{"name": "raw", "devicePath": "/dev/x"}]}]}),
            json!([{"metadata": {"name": "data"}}, {"metadata": {"name": "raw"}}]),
        );
        assert!(claim_template_use(&o).is_empty());
    }

    #[test]
    fn unmounted_template() {
        let o = sts(
            json!({"containers": [{"name": "db", "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}),
            json!([{"metadata": {"name": "data"}}, {"metadata": {"name": "logs"}}]),
        );
        let hits = claim_template_use(&o);
        assert_eq!(cases(&hits), vec![("unmounted".to_owned(), "logs".to_owned())]);
        assert_eq!(crate::yaml::path_string(&hits[0].path), "spec.volumeClaimTemplates[1].metadata.name");
    }

    #[test]
    fn template_shadowing_a_pod_volume() {
        let o = sts(
            json!({"containers": [{"name": "db", "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                   "volumes": [{"name": "data", "emptyDir": {}}]}),
            json!([{"metadata": {"name": "data"}}]),
        );
        let hits = claim_template_use(&o);
        assert_eq!(cases(&hits), vec![("shadows".to_owned(), "data".to_owned())]);
        assert_eq!(hits[0].vars["volumeType"], json!("emptyDir"));
    }

    #[test]
    fn tolerates_odd_shapes() {
        assert!(claim_template_use(&json!({"spec": {"volumeClaimTemplates": "x"}})).is_empty());
        assert!(claim_template_use(&json!({"spec": {"volumeClaimTemplates": [{"metadata": {}}, 3]}})).is_empty());
        let hits = claim_template_use(&json!({"spec": {"volumeClaimTemplates": [{"metadata": {"name": "d"}}]}}));
        assert_eq!(cases(&hits), vec![("unmounted".to_owned(), "d".to_owned())]);
    }
}
