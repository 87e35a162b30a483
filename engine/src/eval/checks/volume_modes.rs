//! `volume-modes` (`pvc-volume-mode-mismatch`): block and filesystem use of pod volumes, per container, on the
//! `PodSpec` target (hit paths relative to the pod spec). Cases: `not-claim` — `volumeDevices` names a volume
//! that is neither `persistentVolumeClaim` nor `ephemeral`; `both` — one name or one path in both
//! `volumeMounts` and `volumeDevices`; `mode` — `volumeDevices` on a Filesystem claim or `volumeMounts` on a
//! Block claim (claims of the set, StatefulSet templates and ephemeral templates).

use super::{CheckInput, Hit};
use crate::binding::{self, keys};
use crate::finding::Related;
use crate::index::Index;
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// What a pod volume name resolves to.
enum Source {
    /// A claim whose volume mode is known, with a label on where it is declared.
    Claim { mode: String, related: Option<Related>, what: String },
    /// Another volume type (`configMap`, `emptyDir`, …).
    Other(String),
    /// A claim not in the set, or an unknown name.
    Unknown,
}

fn resolve(input: &CheckInput<'_>, name: &str) -> Source {
    let index: &Index<'_> = input.index;
    let spec = input.target.value;
    let ns = input.resource.object.namespace.as_deref().unwrap_or("");
    let volumes = spec.field("volumes").and_then(Value::as_array);
    if let Some(v) = volumes.into_iter().flatten().find(|v| v.field("name").and_then(Value::as_str) == Some(name)) {
        if let Some(claim) = v.pointer_at("/persistentVolumeClaim/claimName").and_then(Value::as_str) {
            let Some(e) = index.get("PersistentVolumeClaim", ns, claim).filter(|e| e.content_known) else {
                return Source::Unknown;
            };
            let path: Vec<PathElem> =
                binding::claim_prefix(index, e).into_iter().chain(keys(&["spec", "volumeMode"])).collect();
            let mode = binding::volume_mode(e.value).to_owned();
            let related = index.related(e, &path, format!("claim {claim} has volumeMode {mode}"));
            return Source::Claim { mode, related, what: format!("claim {claim}") };
        }
        if let Some(t) = v.pointer_at("/ephemeral/volumeClaimTemplate") {
            return Source::Claim {
                mode: binding::volume_mode(t).to_owned(),
                related: None,
                what: "ephemeral claim".into(),
            };
        }
        let kind = v.as_object().and_then(|m| m.keys().find(|k| *k != "name").cloned()).unwrap_or_default();
        return Source::Other(kind);
    }
    // StatefulSet templates become volumes named after the template.
    if input.resource.object.kind == "StatefulSet" {
        let templates = input.object.pointer_at("/spec/volumeClaimTemplates").and_then(Value::as_array);
        if let Some(t) = templates
            .into_iter()
            .flatten()
            .find(|t| t.pointer_at("/metadata/name").and_then(Value::as_str) == Some(name))
        {
            return Source::Claim {
                mode: binding::volume_mode(t).to_owned(),
                related: None,
                what: format!("volumeClaimTemplate {name}"),
            };
        }
    }
    Source::Unknown
}

fn entry_path(list: &str, ci: usize, field: &str, mi: usize) -> Vec<PathElem> {
    vec![
        PathElem::Key(list.to_owned()),
        PathElem::Index(ci),
        PathElem::Key(field.to_owned()),
        PathElem::Index(mi),
        PathElem::Key("name".into()),
    ]
}

/// The check template.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let spec = input.target.value;
    let mut hits = Vec::new();
    for list in crate::workload::CONTAINER_LISTS {
        let Some(containers) = spec.get(*list).and_then(Value::as_array) else { continue };
        for (ci, c) in containers.iter().enumerate() {
            let cname = &crate::workload::container_name(c, ci);
            let entries = |field: &str| -> Vec<(usize, &str, &str)> {
                let path_key = if field == "volumeDevices" { "devicePath" } else { "mountPath" };
                c.get(field)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .enumerate()
                            .filter_map(|(i, m)| {
                                let name = m.field("name").and_then(Value::as_str)?;
                                Some((i, name, m.get(path_key).and_then(Value::as_str).unwrap_or("")))
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let mounts = entries("volumeMounts");
            let devices = entries("volumeDevices");
            let vars = |vol: &str, field: &str, extra: &[(&str, String)]| {
                let mut v = Map::new();
                v.insert("container".into(), json!(cname));
                v.insert("volume".into(), json!(vol));
                v.insert("field".into(), json!(field));
                for (k, x) in extra {
                    v.insert((*k).to_owned(), json!(x));
                }
                v
            };
            for (di, dname, dpath) in &devices {
                // (b) same name or same path in volumeMounts.
                if let Some((_, _, mpath)) =
                    mounts.iter().find(|(_, n, p)| n == dname || (!dpath.is_empty() && p == dpath))
                {
                    let what = if mounts.iter().any(|(_, n, _)| n == dname) {
                        format!("volume {dname} is listed in both volumeMounts and volumeDevices")
                    } else {
                        format!("path {mpath} is both a mountPath and a devicePath")
                    };
                    hits.push(Hit {
                        path: entry_path(list, ci, "volumeDevices", *di),
                        vars: vars(dname, "volumeDevices", &[("what", what)]),
                        case: Some("both".into()),
                        ..Default::default()
                    });
                    continue;
                }
                match resolve(input, dname) {
                    // (a) only claims can be block devices.
                    Source::Other(kind) => hits.push(Hit {
                        path: entry_path(list, ci, "volumeDevices", *di),
                        vars: vars(dname, "volumeDevices", &[("type", kind)]),
                        case: Some("not-claim".into()),
                        ..Default::default()
                    }),
                    // (c) a Filesystem claim used as a device.
                    Source::Claim { mode, related, what } if mode != "Block" => hits.push(Hit {
                        path: entry_path(list, ci, "volumeDevices", *di),
                        vars: vars(dname, "volumeDevices", &[("mode", mode), ("claim", what)]),
                        case: Some("mode".into()),
                        related: related.into_iter().collect(),
                        ..Default::default()
                    }),
                    _ => {}
                }
            }
            for (mi, mname, _) in &mounts {
                if devices.iter().any(|(_, n, _)| n == mname) {
                    continue; // reported once, on the device entry
                }
                if let Source::Claim { mode, related, what } = resolve(input, mname) {
                    if mode != "Block" {
                        continue;
                    }
                    hits.push(Hit {
                        path: entry_path(list, ci, "volumeMounts", *mi),
                        vars: vars(mname, "volumeMounts", &[("mode", "Block".to_owned()), ("claim", what)]),
                        case: Some("mode".into()),
                        related: related.into_iter().collect(),
                        ..Default::default()
                    });
                }
            }
        }
    }
    hits
}
