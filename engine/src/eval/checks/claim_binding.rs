//! `claim-binding`: PersistentVolumeClaims (and the claims a StatefulSet synthesizes from its templates) that the
//! binding simulation (`crate::binding`) leaves without a PersistentVolume although static binding is expected.
//! Runs on the `Object` target of PersistentVolumeClaims and StatefulSets; hit paths are relative to the object.
//!
//! Cases: `closest` (a candidate fails a criterion), `taken` (the candidate matches but another claim took it),
//! `no-volume` (the set has no PersistentVolume). Severity error when the set is assumed complete.

use super::{CheckInput, Hit};
use crate::binding::{self, ClaimClass, Criterion, Outcome};
use crate::finding::Severity;
use crate::index::Index;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// The check template.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let index = input.index;
    let Some(pos) = index.position_of(input.resource) else { return Vec::new() };
    let b = binding::of(index);
    let claims: Vec<usize> = match input.resource.object.kind.as_str() {
        "PersistentVolumeClaim" => vec![pos],
        "StatefulSet" => b.owned.get(&pos).cloned().unwrap_or_default(),
        _ => Vec::new(),
    };
    // One finding per claim template, not per replica: the first claim left over speaks for the others.
    let mut hits: Vec<(Option<usize>, Hit, Vec<String>)> = Vec::new();
    for ci in claims {
        let Some(h) = hit(index, b, ci) else { continue };
        let template = binding::template_index(index, index.entry(ci));
        match hits.iter_mut().find(|(t, _, _)| template.is_some() && *t == template) {
            Some((_, _, others)) => others.push(index.entry(ci).name.to_string()),
            None => hits.push((template, h, Vec::new())),
        }
    }
    hits.into_iter()
        .map(|(_, mut h, others)| {
            let also = match others.as_slice() {
                [] => String::new(),
                [one] => format!(" (and the claim of one more replica, {one})"),
                [.., last] => format!(" (and the claims of {} more replicas, up to {last})", others.len()),
            };
            h.vars.insert("alsoReplicas".into(), json!(also));
            h
        })
        .collect()
}

fn hit(index: &Index<'_>, b: &binding::Binding, ci: usize) -> Option<Hit> {
    let Some(Outcome::Unbound { reason, closest }) = b.claims.get(&ci) else { return None };
    let claim = index.entry(ci);
    let prefix = binding::claim_prefix(index, claim);
    let at = |rel: Vec<PathElem>| prefix.iter().cloned().chain(rel).collect::<Vec<_>>();
    let mut vars = Map::new();
    vars.insert("namespace".into(), json!(claim.namespace));
    vars.insert("name".into(), json!(claim.name));
    vars.insert("reason".into(), json!(reason.describe()));
    let mut hit = Hit { severity: index.assume_complete.then_some(Severity::Error), ..Default::default() };
    let Some(cand) = closest else {
        hit.path = at(binding::keys(&["metadata", "name"]));
        hit.case = Some("no-volume".into());
        hit.vars = vars;
        return Some(hit);
    };
    let volume = index.entry(cand.volume);
    vars.insert("volume".into(), json!(volume.name));
    let Some(first) = cand.failures.first() else {
        // Matches, but the simulation gave it to another claim.
        let other = cand.taken_by.map(|o| index.entry(o).display_name()).unwrap_or_default();
        vars.insert("takenBy".into(), json!(other));
        hit.path = at(binding::keys(&["metadata", "name"]));
        hit.case = Some("taken".into());
        hit.related.extend(index.related(
            volume,
            &binding::keys(&["metadata", "name"]),
            format!("PersistentVolume {} goes to claim {other}", volume.name),
        ));
        hit.vars = vars;
        return Some(hit);
    };
    // An unset class next to a class-less volume that fits otherwise is `pvc-storageclass-unset-vs-empty`.
    if cand.failures.len() == 1
        && first.criterion == Criterion::Class
        && binding::claim_class(claim.value) == ClaimClass::Unset
        && binding::volume_class(volume.value).is_empty()
    {
        return None;
    }
    vars.insert("criterion".into(), json!(first.criterion.name()));
    vars.insert("detail".into(), json!(first.detail));
    let more: Vec<String> =
        cand.failures[1..].iter().map(|f| format!("{} ({})", f.criterion.name(), f.detail)).collect();
    vars.insert(
        "more".into(),
        json!(if more.is_empty() { String::new() } else { format!("; also {}", more.join("; ")) }),
    );
    hit.path = at(first.criterion.claim_path(claim.value));
    hit.case = Some("closest".into());
    hit.related.extend(index.related(
        volume,
        &first.criterion.volume_path(volume.value),
        related_label(first.criterion, volume.value, &volume.name),
    ));
    hit.vars = vars;
    Some(hit)
}

pub(crate) fn related_label(criterion: Criterion, volume: &Value, name: &str) -> String {
    match criterion {
        Criterion::Class => format!("PersistentVolume {name} has class {:?}", binding::volume_class(volume)),
        Criterion::VolumeMode => format!("PersistentVolume {name} has volumeMode {}", binding::volume_mode(volume)),
        Criterion::AccessModes => {
            format!("PersistentVolume {name} offers {}", binding::access_modes(volume).join(", "))
        }
        Criterion::Selector => format!("labels of PersistentVolume {name}"),
        Criterion::ClaimRef => format!("PersistentVolume {name} is reserved for another claim"),
        Criterion::VolumeName => format!("candidate PersistentVolume {name}"),
        Criterion::Capacity => match binding::capacity(volume) {
            Some((q, raw)) => format!("PersistentVolume {name} offers {raw} = {q} bytes"),
            None => format!("capacity of PersistentVolume {name}"),
        },
    }
}
