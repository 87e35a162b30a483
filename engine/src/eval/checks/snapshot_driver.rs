//! `snapshot-driver` (`volumesnapshot-class-driver-mismatch`): a VolumeSnapshot whose VolumeSnapshotClass
//! names another CSI driver than the one that provisions the claim it snapshots. Both objects must be in the
//! set with known content: the class by `spec.volumeSnapshotClassName`, the claim by
//! `spec.source.persistentVolumeClaimName`, and the claim's StorageClass (its `storageClassName`, else the
//! set's default class) by name. Values: `check.class`, `check.driver`, `check.claim`, `check.storageClass`,
//! `check.provisioner`.

use super::{CheckInput, Hit};
use crate::binding::{self, keys};
use crate::value::Fields;
use serde_json::{json, Map, Value};

/// `snapshot-driver`.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let snap = input.object;
    let str_at = |p: &str| snap.pointer_at(p).and_then(Value::as_str).filter(|s| !s.is_empty());
    let (Some(class_name), Some(claim_name)) =
        (str_at("/spec/volumeSnapshotClassName"), str_at("/spec/source/persistentVolumeClaimName"))
    else {
        return Vec::new();
    };
    let index = input.index;
    let here = input.resource.file;
    let namespace = input.resource.object.namespace.as_deref().unwrap_or("");
    let Some(class) = index.get_near("VolumeSnapshotClass", "", class_name, here).filter(|e| e.content_known) else {
        return Vec::new();
    };
    let Some(driver) = class.value.field("driver").and_then(Value::as_str) else { return Vec::new() };
    let Some(claim) = index.get_near("PersistentVolumeClaim", namespace, claim_name, here).filter(|e| e.content_known)
    else {
        return Vec::new();
    };
    let storage_class = match claim.value.pointer_at("/spec/storageClassName") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) => return Vec::new(), // `""`: a static volume, not a provisioner's
        _ => match binding::of(index).default_class.clone() {
            Some(d) => d,
            None => return Vec::new(),
        },
    };
    let Some(sc) = index.get_near("StorageClass", "", &storage_class, here).filter(|e| e.content_known) else {
        return Vec::new();
    };
    let Some(provisioner) = sc.value.field("provisioner").and_then(Value::as_str) else { return Vec::new() };
    // An in-tree provisioner is served through its CSI driver under another name: not compared.
    if provisioner == driver || provisioner.starts_with("kubernetes.io/") {
        return Vec::new();
    }
    let mut vars = Map::new();
    vars.insert("class".into(), json!(class_name));
    vars.insert("driver".into(), json!(driver));
    vars.insert("claim".into(), json!(claim_name));
    vars.insert("storageClass".into(), json!(storage_class));
    vars.insert("provisioner".into(), json!(provisioner));
    let mut related = Vec::new();
    related.extend(index.related(
        class,
        &keys(&["driver"]),
        format!("VolumeSnapshotClass {class_name} uses driver {driver}"),
    ));
    related.extend(index.related(
        sc,
        &keys(&["provisioner"]),
        format!("StorageClass {storage_class} of claim {claim_name} provisions with {provisioner}"),
    ));
    vec![Hit { path: keys(&["spec", "volumeSnapshotClassName"]), vars, related, ..Default::default() }]
}
