//! `pv-csi-handle` (`pv-csi-handle-duplicate`): a PersistentVolume that names the same CSI volume
//! (`csi.driver` and `csi.volumeHandle`) as an earlier PersistentVolume of its set. Reported on every volume
//! after the first, at its `volumeHandle`, with the first as the related location. Among loose manifests
//! (set 0: no kustomization or GitOps path says what is applied together) only volumes of one directory
//! are compared, as example folders reuse handles on purpose. Values: `check.driver`,
//! `check.handle`, `check.first` (the first volume's name), `check.count` (how many volumes name it).

use super::{CheckInput, Hit};
use crate::binding::{self, keys};
use crate::value::Fields;
use serde_json::{json, Map, Value};

/// `pv-csi-handle`.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let csi = |k: &str| input.object.pointer_at("/spec/csi").and_then(|c| c.field(k)).and_then(Value::as_str);
    let (Some(driver), Some(handle)) = (csi("driver"), csi("volumeHandle")) else { return Vec::new() };
    let index = input.index;
    let Some(pos) = index.position_of(input.resource) else { return Vec::new() };
    let b = binding::of(index);
    let Some(volumes) = b.by_csi_handle.get(&(driver.to_owned(), handle.to_owned())) else { return Vec::new() };
    let here = input.resource.file;
    let together =
        |i: &&usize| index.set_id() != 0 || index.entry(**i).file().is_some_and(|f| index.same_directory(f, here));
    let volumes: Vec<usize> = volumes.iter().filter(together).copied().collect();
    let Some(&first) = volumes.first().filter(|f| **f != pos && volumes.contains(&pos)) else { return Vec::new() };
    let first_entry = index.entry(first);
    let mut vars = Map::new();
    vars.insert("driver".into(), json!(driver));
    vars.insert("handle".into(), json!(handle));
    vars.insert("first".into(), json!(first_entry.name.as_ref()));
    vars.insert("count".into(), json!(volumes.len()));
    let related = index
        .related(
            first_entry,
            &keys(&["spec", "csi", "volumeHandle"]),
            format!("PersistentVolume {} names it first", first_entry.name),
        )
        .into_iter()
        .collect();
    vec![Hit { path: keys(&["spec", "csi", "volumeHandle"]), vars, related, ..Default::default() }]
}
