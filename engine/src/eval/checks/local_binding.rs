//! `local-binding` (`storageclass-local-immediate-binding`): a StorageClass without a provisioner
//! (`kubernetes.io/no-provisioner`) that binds immediately (`volumeBindingMode` unset or `Immediate`) while a
//! `local` PersistentVolume of the set belongs to it. Local volumes are pinned to a node; immediate binding
//! picks one before the pod is scheduled. Only classes with a local volume in the set are reported — a
//! no-provisioner class of static NFS or iSCSI volumes binds immediately without harm. Among loose manifests
//! (set 0) only volumes of the class's directory count. Cases: `unset`, `immediate`. Values: `check.volume`
//! (the first local volume), `check.count` (local volumes of the class).

use super::{CheckInput, Hit};
use crate::binding::{self, keys};
use crate::value::Fields;
use serde_json::{json, Map, Value};

const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

/// `local-binding`.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let class = input.object;
    if class.field("provisioner").and_then(Value::as_str) != Some(NO_PROVISIONER) {
        return Vec::new();
    }
    let case = match class.field("volumeBindingMode") {
        None | Some(Value::Null) => "unset",
        Some(Value::String(m)) if m == "Immediate" => "immediate",
        _ => return Vec::new(),
    };
    let name = input.resource.object.name.as_str();
    let index = input.index;
    let b = binding::of(index);
    let Some(volumes) = b.by_class.get(name) else { return Vec::new() };
    let here = input.resource.file;
    let local: Vec<usize> = volumes
        .iter()
        .copied()
        .filter(|i| index.set_id() != 0 || index.entry(*i).file().is_some_and(|f| index.same_directory(f, here)))
        .filter(|i| index.entry(*i).value.pointer_at("/spec/local").is_some_and(Value::is_object))
        .collect();
    let Some(&first) = local.first() else { return Vec::new() };
    let first_entry = index.entry(first);
    let mut vars = Map::new();
    vars.insert("volume".into(), json!(first_entry.name.as_ref()));
    vars.insert("count".into(), json!(local.len()));
    let related = index
        .related(
            first_entry,
            &keys(&["spec", "local"]),
            format!("PersistentVolume {} is a local volume of this class", first_entry.name),
        )
        .into_iter()
        .collect();
    let path = if case == "unset" { keys(&["provisioner"]) } else { keys(&["volumeBindingMode"]) };
    vec![Hit { path, vars, related, case: Some(case.into()), ..Default::default() }]
}
