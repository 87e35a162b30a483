//! Claim ↔ volume ↔ class consistency on the `Object` target (hit paths relative to the object), over the
//! run-wide facts of `crate::binding`:
//!
//! - `claim-prebind` (`pvc-prebind-conflict`): a claim's `volumeName` names a volume of the set that cannot
//!   satisfy it (case `unsatisfiable`), that `claimRef` reserves for another claim (`reserved`), or that an
//!   earlier claim also names (`contended`); two volumes `claimRef` the same claim (`double-claimref`); a
//!   `claimRef` without namespace (`no-namespace`).
//! - `claim-class-unset` (`pvc-storageclass-unset-vs-empty`): a claim without `storageClassName` next to a
//!   class-less volume that satisfies every other criterion.
//! - `class-defaults` (`storageclass-multiple-defaults`): a StorageClass marked default after another one.

use super::{CheckInput, Hit};
use crate::binding::{self, keys, ClaimClass, Criterion};
use crate::index::{Entry, Index};
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

fn vars(pairs: &[(&str, String)]) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect()
}

/// `claim-prebind`.
pub fn prebind(input: &CheckInput<'_>) -> Vec<Hit> {
    let index = input.index;
    let Some(pos) = index.position_of(input.resource) else { return Vec::new() };
    let entry = index.entry(pos);
    match entry.kind {
        "PersistentVolumeClaim" => prebind_claim(index, pos, entry).into_iter().collect(),
        "PersistentVolume" => prebind_volume(index, pos, entry),
        _ => Vec::new(),
    }
}

fn prebind_claim(index: &Index<'_>, pos: usize, claim: &Entry<'_>) -> Option<Hit> {
    let vn = claim.value.pointer_at("/spec/volumeName").and_then(Value::as_str).filter(|s| !s.is_empty())?;
    // A volume whose capacity is not a quantity is rejected by the API server (`storage-size-invalid`).
    let volume_pos = binding::named_volume(index, claim)?;
    let volume = Some(index.entry(volume_pos)).filter(|v| v.content_known && binding::capacity(v.value).is_some())?;
    let b = binding::of(index);
    let at = keys(&["spec", "volumeName"]);
    let base = [("namespace", claim.namespace.to_owned()), ("name", claim.name.to_string()), ("volume", vn.to_owned())];
    // (b) the volume's claimRef reserves it for another claim.
    if let Some(cr) = volume.value.pointer_at("/spec/claimRef").filter(|r| r.is_object()) {
        let ns = cr.field("namespace").and_then(Value::as_str).unwrap_or("");
        let name = cr.field("name").and_then(Value::as_str).unwrap_or("");
        if (ns, name) != (claim.namespace, claim.name.as_ref()) {
            let other = if ns.is_empty() { name.to_owned() } else { format!("{ns}/{name}") };
            let mut v = vars(&base);
            v.insert("reason".into(), json!(format!("its claimRef reserves it for claim {other}")));
            let related = index.related(volume, &keys(&["spec", "claimRef"]), format!("reserved for {other}"));
            return Some(Hit {
                path: at,
                vars: v,
                case: Some("reserved".into()),
                related: related.into_iter().collect(),
                ..Default::default()
            });
        }
    } else if let Some(first) = b.named_by.get(&volume_pos).and_then(|c| c.first()).filter(|f| {
        // The same claim defined twice (another directory, a duplicate) is `manifest-identity`'s business.
        let w = index.entry(**f);
        **f != pos && (w.namespace, w.name.as_ref()) != (claim.namespace, claim.name.as_ref())
    }) {
        // (b) an earlier claim names the same volume and gets it.
        let winner = index.entry(*first);
        let mut v = vars(&base);
        v.insert("reason".into(), json!(format!("claim {} names it first", winner.display_name())));
        let related = index.related(winner, &at, format!("claim {} also names {vn}", winner.display_name()));
        return Some(Hit {
            path: at,
            vars: v,
            case: Some("contended".into()),
            related: related.into_iter().collect(),
            ..Default::default()
        });
    }
    // (a) class, access modes, volumeMode or capacity fail (node affinity is skipped by pre-binding).
    let unset = binding::claim_class(claim.value) == ClaimClass::Unset;
    let failures: Vec<binding::Failure> = binding::compare(claim, volume, None, false)
        .into_iter()
        .filter(|f| match f.criterion {
            Criterion::Class => !unset, // the class a default-class admission would assign is unknown
            Criterion::VolumeMode | Criterion::AccessModes | Criterion::Capacity => true,
            _ => false,
        })
        .collect();
    let first = failures.first()?;
    let reason: Vec<String> = failures.iter().map(|f| format!("{} ({})", f.criterion.name(), f.detail)).collect();
    let mut v = vars(&base);
    v.insert("reason".into(), json!(reason.join("; ")));
    let related = index.related(
        volume,
        &first.criterion.volume_path(volume.value),
        super::claim_binding::related_label(first.criterion, volume.value, vn),
    );
    Some(Hit {
        path: at,
        vars: v,
        case: Some("unsatisfiable".into()),
        related: related.into_iter().collect(),
        ..Default::default()
    })
}

fn prebind_volume(index: &Index<'_>, pos: usize, volume: &Entry<'_>) -> Vec<Hit> {
    let Some(cr) = volume.value.pointer_at("/spec/claimRef").filter(|r| r.is_object()) else { return Vec::new() };
    let name = cr.field("name").and_then(Value::as_str).unwrap_or("");
    if name.is_empty() {
        return Vec::new();
    }
    let ns = cr.field("namespace").and_then(Value::as_str).unwrap_or("");
    let at = keys(&["spec", "claimRef"]);
    let base = [("volume", volume.name.to_string()), ("claim", name.to_owned()), ("namespace", ns.to_owned())];
    if ns.is_empty() {
        return vec![Hit { path: at, vars: vars(&base), case: Some("no-namespace".into()), ..Default::default() }];
    }
    let b = binding::of(index);
    let Some(first) = b.by_claim_ref.get(&format!("{ns}/{name}")).and_then(|v| v.first()).filter(|f| **f != pos) else {
        return Vec::new();
    };
    let other = index.entry(*first);
    let mut v = vars(&base);
    v.insert("other".into(), json!(other.name));
    let related = index.related(other, &at, format!("PersistentVolume {} reserves {ns}/{name} first", other.name));
    vec![Hit {
        path: at,
        vars: v,
        case: Some("double-claimref".into()),
        related: related.into_iter().collect(),
        ..Default::default()
    }]
}

/// `claim-class-unset`.
pub fn class_unset(input: &CheckInput<'_>) -> Vec<Hit> {
    let index = input.index;
    let Some(pos) = index.position_of(input.resource) else { return Vec::new() };
    let b = binding::of(index);
    // A manifest claim, or the first claim of each StatefulSet template.
    let mut claims: Vec<usize> = Vec::new();
    match input.resource.object.kind.as_str() {
        "PersistentVolumeClaim" => claims.push(pos),
        "StatefulSet" => {
            let mut seen: Vec<Option<usize>> = Vec::new();
            for c in b.owned.get(&pos).into_iter().flatten() {
                let t = binding::template_index(index, index.entry(*c));
                if !seen.contains(&t) {
                    seen.push(t);
                    claims.push(*c);
                }
            }
        }
        _ => return Vec::new(),
    }
    let mut hits = Vec::new();
    for ci in claims {
        let claim = index.entry(ci);
        if binding::claim_class(claim.value) != ClaimClass::Unset || binding::storage_request(claim.value).is_none() {
            continue;
        }
        // The first class-less volume meeting criteria (2)–(7), class taken as "".
        let Some(volume) = b.first_classless_fit(index, claim).map(|v| index.entry(v)) else { continue };
        let prefix = binding::claim_prefix(index, claim);
        let path: Vec<PathElem> = prefix.into_iter().chain(keys(&["spec", "storageClassName"])).collect();
        let v = vars(&[
            ("namespace", claim.namespace.to_owned()),
            ("name", claim.name.to_string()),
            ("volume", volume.name.to_string()),
        ]);
        let related = index.related(
            volume,
            &keys(&["metadata", "name"]),
            format!("class-less PersistentVolume {} would fit this claim", volume.name),
        );
        hits.push(Hit { path, vars: v, related: related.into_iter().collect(), ..Default::default() });
    }
    hits
}

/// `class-defaults`.
pub fn class_defaults(input: &CheckInput<'_>) -> Vec<Hit> {
    let index = input.index;
    let Some(pos) = index.position_of(input.resource) else { return Vec::new() };
    let b = binding::of(index);
    let Some(&first) = b.default_classes.first() else { return Vec::new() };
    if first == pos || !b.default_classes.contains(&pos) {
        return Vec::new();
    }
    let annotation_path = |e: &Entry<'_>| {
        let key = binding::DEFAULT_CLASS_ANNOTATIONS
            .iter()
            .find(|a| {
                e.value.pointer_at("/metadata/annotations").and_then(|m| m.get(**a)).and_then(Value::as_str)
                    == Some("true")
            })
            .copied()
            .unwrap_or(binding::DEFAULT_CLASS_ANNOTATIONS[0]);
        keys(&["metadata", "annotations", key])
    };
    let this = index.entry(pos);
    let other = index.entry(first);
    let v = vars(&[("a", other.name.to_string()), ("b", this.name.to_string())]);
    let related =
        index.related(other, &annotation_path(other), format!("StorageClass {} is marked default first", other.name));
    vec![Hit { path: annotation_path(this), vars: v, related: related.into_iter().collect(), ..Default::default() }]
}
