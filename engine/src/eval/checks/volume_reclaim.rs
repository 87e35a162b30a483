//! What happens to the storage when claims go away, on the `Object` target (hit paths relative to the object):
//!
//! - `pv-reclaim` (`pv-reclaim-delete`): a PersistentVolume with `persistentVolumeReclaimPolicy: Delete`; cases
//!   `provisioner-deletes` (a hand-written volume with `pv.kubernetes.io/provisioned-by`: that provisioner deletes
//!   the backing volume; `{{check.provisioner}}`), `csi-no-provisioner` (a CSI volume without it: nothing deletes
//!   it, the PV goes to phase Failed; `{{check.driver}}`), `no-deleter` (nfs/local/hostPath) and
//!   `deletes-storage` (in-tree plugins with a deleter). Volumes read back from a cluster are not reported.
//!   Names the claim it binds — its `claimRef`, else the claim the binding simulation gives it — in
//!   `{{check.claim}}` (with a leading space, empty when unknown).
//! - `sts-retention` (`sts-pvc-retention-delete`): `whenDeleted`/`whenScaled: Delete` on a StatefulSet with
//!   `volumeClaimTemplates`; `{{check.fate}}` says what the templates' StorageClass `reclaimPolicy` (or, for
//!   class-less templates, the bound PersistentVolumes' policy) does to the volumes.

use super::{CheckInput, Hit};
use crate::binding::{self, keys, ClaimClass, Outcome};
use crate::index::Index;
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// `pv-reclaim`.
pub fn pv_reclaim(input: &CheckInput<'_>) -> Vec<Hit> {
    let pv = input.object;
    if pv.pointer_at("/spec/persistentVolumeReclaimPolicy").and_then(Value::as_str) != Some("Delete") {
        return Vec::new();
    }
    let spec = pv.field("spec");
    let provisioned_by = pv
        .pointer_at("/metadata/annotations")
        .and_then(|a| a.field(PROVISIONED_BY))
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty());
    if provisioned_by.is_some() && exported(pv) {
        return Vec::new(); // a dynamically provisioned volume read back from a cluster: Delete is its class's policy
    }
    let no_deleter = ["nfs", "local", "hostPath"].iter().any(|k| spec.and_then(|s| s.get(*k)).is_some());
    let csi = spec.and_then(|s| s.get("csi"));
    let case = match (provisioned_by, csi) {
        (Some(_), _) => "provisioner-deletes",
        (None, Some(_)) => "csi-no-provisioner",
        (None, None) if no_deleter => "no-deleter",
        (None, None) => "deletes-storage",
    };
    let index = input.index;
    let mut hit =
        Hit { path: keys(&["spec", "persistentVolumeReclaimPolicy"]), case: Some(case.into()), ..Default::default() };
    if let Some(p) = provisioned_by {
        hit.vars.insert("provisioner".into(), json!(p));
    }
    if let Some(driver) = csi.and_then(|c| c.field("driver")).and_then(Value::as_str) {
        hit.vars.insert("driver".into(), json!(driver));
    }
    let claim_ref = pv.pointer_at("/spec/claimRef").filter(|r| r.is_object()).and_then(|cr| {
        let name = cr.field("name").and_then(Value::as_str).filter(|n| !n.is_empty())?;
        let ns = cr.field("namespace").and_then(Value::as_str).unwrap_or("");
        Some((ns, name))
    });
    let claim = match claim_ref {
        Some((ns, name)) => {
            let entry = index.get("PersistentVolumeClaim", ns, name);
            Some((if ns.is_empty() { name.to_owned() } else { format!("{ns}/{name}") }, entry))
        }
        None => index.position_of(input.resource).and_then(|pos| {
            let ci = *binding::of(index).volumes.get(&pos)?;
            let e = index.entry(ci);
            Some((e.display_name(), Some(e)))
        }),
    };
    let text = match &claim {
        Some((name, entry)) => {
            if let Some(e) = entry {
                let path: Vec<PathElem> =
                    binding::claim_prefix(index, e).into_iter().chain(keys(&["metadata", "name"])).collect();
                hit.related.extend(index.related(e, &path, format!("claim {name} binds this PersistentVolume")));
            }
            format!(" {name}")
        }
        None => String::new(),
    };
    hit.vars.insert("claim".into(), json!(text));
    vec![hit]
}

/// The annotation a provisioner puts on the volumes it creates; the external provisioner deletes (on release,
/// with reclaim policy Delete) only volumes whose annotation names it.
const PROVISIONED_BY: &str = "pv.kubernetes.io/provisioned-by";

/// Whether a PersistentVolume was read back from a cluster (`kubectl get pv -o yaml`) rather than written: it
/// carries server-set fields (`uid`, `creationTimestamp`, `resourceVersion`, `status`), or the name the PV
/// controller gives dynamically provisioned volumes (`pvc-<claim uid>`).
fn exported(pv: &Value) -> bool {
    let server_set = ["uid", "creationTimestamp", "resourceVersion"]
        .iter()
        .any(|k| pv.field("metadata").and_then(|m| m.field(k)).is_some())
        || pv.field("status").is_some();
    let name = pv.pointer_at("/metadata/name").and_then(Value::as_str).unwrap_or("");
    let uid_name = name.strip_prefix("pvc-").is_some_and(|u| {
        u.len() == 36
            && u.char_indices()
                .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
    });
    server_set || uid_name
}

/// The effect of deleting the claims of a StatefulSet's templates, and where it is decided.
struct Fate {
    text: String,
    related: Option<crate::finding::Related>,
}

fn reclaim_policy(class: &Value) -> (&str, bool) {
    match class.field("reclaimPolicy").and_then(Value::as_str) {
        Some(p) => (p, false),
        None => ("Delete", true),
    }
}

fn template_fates(index: &Index<'_>, pos: usize, templates: &[Value]) -> Vec<(u8, Fate)> {
    let b = binding::of(index);
    let mut out = Vec::new();
    for t in templates {
        let claim_class = binding::claim_class(t);
        let class = match claim_class {
            ClaimClass::Named("") => {
                // Static volumes: the bound PersistentVolumes' own policies (manual default Retain).
                let volumes: Vec<usize> = b
                    .owned
                    .get(&pos)
                    .into_iter()
                    .flatten()
                    .filter(|c| std::ptr::eq(index.entry(**c).value, t))
                    .filter_map(|c| match b.claims.get(c) {
                        Some(Outcome::Bound(v)) => Some(*v),
                        _ => None,
                    })
                    .collect();
                let deleting: Vec<&str> = volumes
                    .iter()
                    .map(|v| index.entry(*v))
                    .filter(|v| {
                        v.value.pointer_at("/spec/persistentVolumeReclaimPolicy").and_then(Value::as_str)
                            == Some("Delete")
                    })
                    .map(|v| v.name.as_ref())
                    .collect();
                if !deleting.is_empty() {
                    out.push((
                        2,
                        Fate {
                            text: format!(
                                "with reclaimPolicy Delete of PersistentVolume {} the volumes are destroyed",
                                deleting.join(", ")
                            ),
                            related: None,
                        },
                    ));
                } else if !volumes.is_empty() {
                    out.push((
                        0,
                        Fate {
                            text: "their PersistentVolumes have reclaimPolicy Retain: the volumes are kept (Released) and must be cleaned up or re-bound by hand".into(),
                            related: None,
                        },
                    ));
                } else {
                    out.push((1, unknown()));
                }
                continue;
            }
            ClaimClass::Named(c) => Some(c.to_owned()),
            ClaimClass::Unset => b.default_class.clone(),
        };
        let sc = class.as_deref().and_then(|c| b.classes.get(c)).map(|i| index.entry(*i)).filter(|e| e.content_known);
        let (Some(class), Some(sc)) = (class, sc) else {
            out.push((1, unknown()));
            continue;
        };
        let (policy, defaulted) = reclaim_policy(sc.value);
        let shown = if defaulted { format!("{policy} (default)") } else { policy.to_owned() };
        let related = index.related(
            sc,
            &if defaulted { keys(&["metadata", "name"]) } else { keys(&["reclaimPolicy"]) },
            format!("StorageClass {class} has reclaimPolicy {shown}"),
        );
        let fate = if policy == "Retain" {
            (0, format!("with reclaimPolicy Retain of class {class} the volumes are kept (Released) and must be cleaned up or re-bound by hand"))
        } else {
            (2, format!("with reclaimPolicy {shown} of class {class} the volumes and their data are destroyed"))
        };
        out.push((fate.0, Fate { text: fate.1, related }));
    }
    out
}

fn unknown() -> Fate {
    Fate {
        text: "unless their StorageClass has reclaimPolicy Retain, the volumes and their data are destroyed".into(),
        related: None,
    }
}

/// `sts-retention`.
pub fn sts_retention(input: &CheckInput<'_>) -> Vec<Hit> {
    let o = input.object;
    let Some(templates) =
        o.pointer_at("/spec/volumeClaimTemplates").and_then(Value::as_array).filter(|t| !t.is_empty())
    else {
        return Vec::new();
    };
    let Some(policy) = o.pointer_at("/spec/persistentVolumeClaimRetentionPolicy") else { return Vec::new() };
    let whens: Vec<(&str, &str)> = [("whenDeleted", "when-deleted"), ("whenScaled", "when-scaled")]
        .into_iter()
        .filter(|(k, _)| policy.get(*k).and_then(Value::as_str) == Some("Delete"))
        .collect();
    if whens.is_empty() {
        return Vec::new();
    }
    let index = input.index;
    let Some(pos) = index.position_of(input.resource) else { return Vec::new() };
    // The worst fate among the templates (destroyed > unknown > kept).
    let Some((_, fate)) = template_fates(index, pos, templates).into_iter().max_by_key(|(rank, _)| *rank) else {
        return Vec::new();
    };
    whens
        .into_iter()
        .map(|(key, case)| {
            let mut vars = Map::new();
            vars.insert("fate".into(), json!(fate.text));
            Hit {
                path: keys(&["spec", "persistentVolumeClaimRetentionPolicy", key]),
                vars,
                case: Some(case.into()),
                related: fate.related.clone().into_iter().collect(),
                ..Default::default()
            }
        })
        .collect()
}
