//! `mount-paths`: two mounts of one container at the same path — `volumeMounts[*].mountPath` and
//! `volumeDevices[*].devicePath` must be unique per container. Case `exact` when the strings are equal (the
//! API rejects them), case `normalized` when they are equal only after `path.Clean` (`/data` vs `/data/`).

use super::{CheckInput, Hit};
use crate::pack::keywords::clean_path;
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

struct Mount<'a> {
    field: &'static str,
    key: &'static str,
    index: usize,
    path: &'a str,
    volume: &'a str,
}

/// Reports each mount whose path repeats an earlier mount's path in the same container.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let spec = input.target.value;
    let mut hits = Vec::new();
    for list in crate::workload::CONTAINER_LISTS {
        let Some(containers) = spec.get(*list).and_then(Value::as_array) else { continue };
        for (ci, c) in containers.iter().enumerate() {
            let mut mounts: Vec<Mount<'_>> = Vec::new();
            for (field, key) in [("volumeMounts", "mountPath"), ("volumeDevices", "devicePath")] {
                let Some(items) = c.get(field).and_then(Value::as_array) else { continue };
                for (index, m) in items.iter().enumerate() {
                    let Some(path) = m.field(key).and_then(Value::as_str) else { continue };
                    let volume = m.field("name").and_then(Value::as_str).unwrap_or("");
                    mounts.push(Mount { field, key, index, path, volume });
                }
            }
            for (i, m) in mounts.iter().enumerate() {
                let earlier = &mounts[..i];
                let (other, case) = match earlier.iter().find(|o| o.path == m.path) {
                    Some(o) => (o, "exact"),
                    None => match earlier.iter().find(|o| clean_path(o.path) == clean_path(m.path)) {
                        Some(o) => (o, "normalized"),
                        None => continue,
                    },
                };
                let mut vars = Map::new();
                vars.insert("container".into(), json!(crate::workload::container_name(c, ci)));
                vars.insert("path".into(), json!(m.path));
                vars.insert("volume".into(), json!(m.volume));
                vars.insert("field".into(), json!(m.field));
                vars.insert("otherPath".into(), json!(other.path));
                vars.insert("otherVolume".into(), json!(other.volume));
                vars.insert("otherField".into(), json!(other.field));
                hits.push(Hit {
                    path: vec![
                        PathElem::Key((*list).to_owned()),
                        PathElem::Index(ci),
                        PathElem::Key(m.field.to_owned()),
                        PathElem::Index(m.index),
                        PathElem::Key(m.key.to_owned()),
                    ],
                    vars,
                    case: Some(case.to_owned()),
                    ..Default::default()
                });
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::super::volume_names::run_for_test;
    use super::*;

    fn run(spec: &Value) -> Vec<Hit> {
        run_for_test(check, &json!({}), spec, spec, (1, 34))
    }

    #[test]
    fn exact_and_normalized() {
        let spec = json!({"containers": [{"name": "app", "volumeMounts": [
            {"name": "a", "mountPath": "/data"},
            {"name": "b", "mountPath": "/data"},
            {"name": "c", "mountPath": "/logs"},
            {"name": "d", "mountPath": "/logs/"}
        ]}]});
        let hits = run(&spec);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].case.as_deref(), Some("exact"));
        assert_eq!(hits[0].vars["otherVolume"], json!("a"));
        assert_eq!(hits[1].case.as_deref(), Some("normalized"));
    }

    #[test]
    fn device_path_against_mount_path() {
        let spec = json!({"containers": [{"name": "app",
            "volumeMounts": [{"name": "a", "mountPath": "/dev/xvda"}],
            "volumeDevices": [{"name": "b", "devicePath": "/dev/xvda"}]}]});
        let hits = run(&spec);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].path[2], PathElem::Key("volumeDevices".into()));
    }

    #[test]
    fn same_path_in_different_containers_is_fine() {
        let spec = json!({"containers": [
            {"name": "producer", "volumeMounts": [{"name": "html", "mountPath": "/data"}]},
            {"name": "consumer", "volumeMounts": [{"name": "html", "mountPath": "/data"}]}]});
        assert!(run(&spec).is_empty());
    }
}
