//! `resource-field-refs`: a `resourceFieldRef.containerName` (in `env[*].valueFrom` of any container, or in a
//! `downwardAPI` volume item, also inside `projected` sources) that names no container of the pod — the
//! kubelet fails with "container {name} not found". Values `check.containerName`, `check.resource`,
//! `check.where` (`env FOO of container app` / `volume podinfo`).

use super::{CheckInput, Hit};
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

fn key(k: &str) -> PathElem {
    PathElem::Key(k.to_owned())
}

/// Reports each `containerName` that is not the name of a container, init container or ephemeral container.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let spec = input.target.value;
    let mut names: Vec<&str> = Vec::new();
    for list in crate::workload::CONTAINER_LISTS {
        for c in spec.get(*list).and_then(Value::as_array).into_iter().flatten() {
            if let Some(n) = c.field("name").and_then(Value::as_str) {
                names.push(n);
            }
        }
    }
    // (path to the resourceFieldRef, the ref, where)
    let mut refs: Vec<(Vec<PathElem>, &Value, String)> = Vec::new();
    for list in crate::workload::CONTAINER_LISTS {
        for (ci, c) in spec.get(*list).and_then(Value::as_array).into_iter().flatten().enumerate() {
            let cname = &crate::workload::container_name(c, ci);
            for (ei, e) in c.field("env").and_then(Value::as_array).into_iter().flatten().enumerate() {
                if let Some(r) = e.pointer_at("/valueFrom/resourceFieldRef") {
                    let ename = e.field("name").and_then(Value::as_str).unwrap_or("");
                    let path = vec![
                        key(list),
                        PathElem::Index(ci),
                        key("env"),
                        PathElem::Index(ei),
                        key("valueFrom"),
                        key("resourceFieldRef"),
                    ];
                    refs.push((path, r, format!("env {ename} of container {cname}")));
                }
            }
        }
    }
    for (vi, v) in spec.field("volumes").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let vname = v.field("name").and_then(Value::as_str).unwrap_or("");
        let mut item_lists: Vec<(Vec<PathElem>, &Value)> = Vec::new();
        if let Some(items) = v.pointer_at("/downwardAPI/items") {
            item_lists.push((vec![key("volumes"), PathElem::Index(vi), key("downwardAPI"), key("items")], items));
        }
        for (si, s) in v.pointer_at("/projected/sources").and_then(Value::as_array).into_iter().flatten().enumerate() {
            if let Some(items) = s.pointer_at("/downwardAPI/items") {
                let path = vec![
                    key("volumes"),
                    PathElem::Index(vi),
                    key("projected"),
                    key("sources"),
                    PathElem::Index(si),
                    key("downwardAPI"),
                    key("items"),
                ];
                item_lists.push((path, items));
            }
        }
        for (prefix, items) in item_lists {
            for (ii, item) in items.as_array().into_iter().flatten().enumerate() {
                if let Some(r) = item.field("resourceFieldRef") {
                    let mut path = prefix.clone();
                    path.extend([PathElem::Index(ii), key("resourceFieldRef")]);
                    refs.push((path, r, format!("volume {vname}")));
                }
            }
        }
    }
    let mut hits = Vec::new();
    for (mut path, r, place) in refs {
        let Some(container) = r.field("containerName").and_then(Value::as_str) else { continue };
        if container.is_empty() || names.contains(&container) {
            continue;
        }
        path.push(key("containerName"));
        let mut vars = Map::new();
        vars.insert("containerName".into(), json!(container));
        vars.insert("resource".into(), r.field("resource").cloned().unwrap_or(Value::Null));
        vars.insert("where".into(), json!(place));
        vars.insert("containers".into(), json!(names.join(", ")));
        hits.push(Hit { path, vars, case: None, ..Default::default() });
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::super::volume_names::run_for_test;
    use super::*;

    #[test]
    fn unknown_container_names() {
        let spec = json!({
            "initContainers": [{"name": "init"}],
            "containers": [{"name": "main", "env": [
                {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
                {"name": "INIT_MEM", "valueFrom": {"resourceFieldRef": {"containerName": "init", "resource": "limits.memory"}}},
                {"name": "OTHER", "valueFrom": {"resourceFieldRef": {"containerName": "sidecar", "resource": "limits.memory"}}}
            ]}],
            "volumes": [{"name": "podinfo", "projected": {"sources": [{"downwardAPI": {"items": [
                {"path": "mem", "resourceFieldRef": {"containerName": "mian", "resource": "limits.memory"}}
            ]}}]}}]
        });
        let hits = run_for_test(check, &json!({}), &spec, &spec, (1, 34));
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].vars["containerName"], json!("sidecar"));
        assert_eq!(hits[1].vars["where"], json!("volume podinfo"));
        assert_eq!(hits[1].path.len(), 10);
    }
}
