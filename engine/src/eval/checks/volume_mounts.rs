//! `volume-mounts`: container mounts of pod volumes of given types that match a schema.
//!
//! Params: `types` (volume source keys, e.g. `[hostPath]`; absent: every volume), `mount` (a JSON Schema the `volumeMounts[*]`
//! entry must match to be reported; default: every mount), `volume` and `container` (JSON Schemas the pod
//! volume and the container must match; default: any), `at` (keys of the mount to point at, the first
//! present one wins; default: the mount itself). Values for the templates: `check.container`,
//! `check.volume`, `check.type`, `check.mountPath`, `check.subPath`, `check.source` (the hostPath path, the
//! ConfigMap or Secret name) and `check.ref` (what the volume shows, e.g. `ConfigMap app-config`).

use super::{CheckInput, Hit};
use crate::value::Fields;
use crate::yaml::PathElem;
use jsonschema::Validator;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

static SCHEMAS: LazyLock<Mutex<HashMap<String, Option<Arc<Validator>>>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The compiled schema of parameter `name` (compiled once per distinct schema text).
fn schema(params: &Map<String, Value>, name: &str) -> Option<Arc<Validator>> {
    let raw = params.field(name)?;
    let key = raw.to_string();
    let mut cache = SCHEMAS.lock().unwrap_or_else(|e| e.into_inner());
    cache.entry(key).or_insert_with(|| crate::pack::keywords::options().build(raw).ok().map(Arc::new)).clone()
}

fn describe(vtype: &str, source: &Value) -> (String, String) {
    let s = |k: &str| source.field(k).and_then(Value::as_str).unwrap_or("").to_owned();
    match vtype {
        "hostPath" => (s("path"), format!("host path {}", s("path"))),
        "configMap" => (s("name"), format!("ConfigMap {}", s("name"))),
        "secret" => (s("secretName"), format!("Secret {}", s("secretName"))),
        "downwardAPI" => (String::new(), "the pod's Downward API fields".to_owned()),
        "projected" => {
            let mut parts = Vec::new();
            for src in source.field("sources").and_then(Value::as_array).into_iter().flatten() {
                if let Some(n) = src.pointer_at("/configMap/name").and_then(Value::as_str) {
                    parts.push(format!("ConfigMap {n}"));
                } else if let Some(n) = src.pointer_at("/secret/name").and_then(Value::as_str) {
                    parts.push(format!("Secret {n}"));
                } else if src.field("downwardAPI").is_some() {
                    parts.push("Downward API fields".to_owned());
                } else if src.field("serviceAccountToken").is_some() {
                    parts.push("the service account token".to_owned());
                } else if src.field("clusterTrustBundle").is_some() {
                    parts.push("a ClusterTrustBundle".to_owned());
                }
            }
            let joined = if parts.is_empty() { "its projected sources".to_owned() } else { parts.join(", ") };
            (String::new(), joined)
        }
        _ => (String::new(), format!("the {vtype} volume")),
    }
}

/// Reports each matching mount of a volume whose source type is one of `types`.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let spec = input.target.value;
    let types: Vec<&str> = input
        .params
        .field("types")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let at: Vec<&str> = input
        .params
        .field("at")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // Compiled (looked up in the shared cache) only when some mount reaches a volume of the types.
    let mut filters: [Option<Option<Arc<Validator>>>; 3] = [None, None, None];
    let mut rejects = |i: usize, name: &str, instance: &Value| {
        filters[i].get_or_insert_with(|| schema(input.params, name)).as_ref().is_some_and(|f| !f.is_valid(instance))
    };
    let Some(volumes) = spec.field("volumes").and_then(Value::as_array) else { return Vec::new() };
    let mut hits = Vec::new();
    for list in crate::workload::CONTAINER_LISTS {
        let Some(containers) = spec.get(*list).and_then(Value::as_array) else { continue };
        for (ci, c) in containers.iter().enumerate() {
            let Some(mounts) = c.field("volumeMounts").and_then(Value::as_array) else { continue };
            for (mi, m) in mounts.iter().enumerate() {
                let Some(vname) = m.field("name").and_then(Value::as_str) else { continue };
                // The first volume of that name is the one the kubelet uses.
                let Some(volume) = volumes.iter().find(|v| v.field("name").and_then(Value::as_str) == Some(vname))
                else {
                    continue;
                };
                let found = if types.is_empty() {
                    // Any volume: its source is its first key besides `name` (`emptyDir` when it has none).
                    let obj = volume.as_object();
                    obj.and_then(|o| o.iter().find(|(k, _)| *k != "name"))
                        .map(|(k, v)| (k.as_str(), v))
                        .or(Some(("emptyDir", &Value::Null)))
                } else {
                    types.iter().find_map(|t| volume.get(*t).filter(|s| s.is_object()).map(|s| (*t, s)))
                };
                let Some((vtype, source)) = found else { continue };
                if rejects(0, "mount", m) || rejects(1, "volume", volume) || rejects(2, "container", c) {
                    continue;
                }
                let (source_value, reference) = describe(vtype, source);
                let sub_path = m.field("subPath").or_else(|| m.field("subPathExpr")).cloned().unwrap_or(Value::Null);
                let mut vars = Map::new();
                vars.insert("container".into(), json!(crate::workload::container_name(c, ci)));
                vars.insert("volume".into(), json!(vname));
                vars.insert("type".into(), json!(vtype));
                vars.insert("mountPath".into(), m.field("mountPath").cloned().unwrap_or(Value::Null));
                vars.insert("subPath".into(), sub_path);
                vars.insert("source".into(), json!(source_value));
                vars.insert("ref".into(), json!(reference));
                let mut path = vec![
                    PathElem::Key((*list).to_owned()),
                    PathElem::Index(ci),
                    PathElem::Key("volumeMounts".into()),
                    PathElem::Index(mi),
                ];
                if let Some(key) = at.iter().find(|k| m.get(**k).is_some()) {
                    path.push(PathElem::Key((*key).to_owned()));
                }
                hits.push(Hit { path, vars, case: None, ..Default::default() });
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::super::volume_names::run_for_test;
    use super::*;

    fn spec() -> Value {
        json!({
            "containers": [{"name": "app", "volumeMounts": [
                {"name": "host", "mountPath": "/host"},
                {"name": "host", "mountPath": "/host-ro", "readOnly": true},
                {"name": "config", "mountPath": "/etc/app", "readOnly": false},
                {"name": "config", "mountPath": "/etc/app.conf", "subPath": "app.conf"},
                {"name": "missing", "mountPath": "/x"}
            ]}],
            "volumes": [
                {"name": "host", "hostPath": {"path": "/var/log"}},
                {"name": "config", "configMap": {"name": "app-config"}}
            ]
        })
    }

    #[test]
    fn writable_host_path() {
        let params = json!({"types": ["hostPath"], "mount": {"not": {"required": ["readOnly"], "properties": {"readOnly": {"const": true}}}}, "at": ["readOnly"]});
        let s = spec();
        let hits = run_for_test(check, &params, &s, &s, (1, 34));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].vars["source"], json!("/var/log"));
        assert_eq!(hits[0].path.len(), 4);
    }

    #[test]
    fn without_types_every_volume_counts() {
        let s = spec();
        let params = json!({"mount": {"required": ["mountPath"], "properties": {"mountPath": {"const": "/etc/app"}}}});
        let hits = run_for_test(check, &params, &s, &s, (1, 34));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].vars["type"], json!("configMap"));
        // A mount of a volume that does not exist is another rule's (volume-mount-undefined).
        let params = json!({"mount": {"required": ["mountPath"], "properties": {"mountPath": {"const": "/x"}}}});
        assert!(run_for_test(check, &params, &s, &s, (1, 34)).is_empty());
    }

    #[test]
    fn read_only_false_and_sub_path() {
        let s = spec();
        let params = json!({"types": ["configMap", "secret"], "mount": {"required": ["readOnly"], "properties": {"readOnly": {"const": false}}}, "at": ["readOnly"]});
        let hits = run_for_test(check, &params, &s, &s, (1, 34));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].path[4], PathElem::Key("readOnly".into()));
        assert_eq!(hits[0].vars["ref"], json!("ConfigMap app-config"));
        let params = json!({"types": ["configMap"], "mount": {"required": ["subPath"]}, "at": ["subPath"]});
        let hits = run_for_test(check, &params, &s, &s, (1, 34));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].vars["subPath"], json!("app.conf"));
    }
}
