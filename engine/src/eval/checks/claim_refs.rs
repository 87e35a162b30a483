//! `claim-refs`: pod volumes whose `persistentVolumeClaim.claimName` names no claim (real or synthesized by a
//! StatefulSet) in the owner's namespace. Runs on the `PodSpec` target; hit paths are
//! relative to the pod spec. Escalates to error when the set is assumed complete, when a PersistentVolume has
//! that name, or when the claim exists only in another namespace.

use super::{CheckInput, Hit};
use crate::binding::keys;
use crate::finding::Severity;
use crate::index::Index;
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// Every `volumes[i].persistentVolumeClaim.claimName` of the pod spec of a check input: (volume index, volume
/// name, claim name). In a StatefulSet, a volume named like a `volumeClaimTemplates` entry is replaced by the
/// template's claim (C12; reported by `sts-vct-unused`), so it is left out.
pub fn claim_volumes<'v>(input: &CheckInput<'v>) -> Vec<(usize, &'v str, &'v str)> {
    let pod_spec = input.target.value;
    let Some(volumes) = pod_spec.field("volumes").and_then(Value::as_array) else { return Vec::new() };
    let templates: Vec<&str> = if input.resource.object.kind == "StatefulSet" {
        input
            .object
            .pointer_at("/spec/volumeClaimTemplates")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.pointer_at("/metadata/name").and_then(Value::as_str))
            .collect()
    } else {
        Vec::new()
    };
    volumes
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let claim = v.pointer_at("/persistentVolumeClaim/claimName").and_then(Value::as_str)?;
            let name = v.field("name").and_then(Value::as_str).unwrap_or("");
            (!claim.is_empty() && !templates.contains(&name)).then_some((i, name, claim))
        })
        .collect()
}

/// The path of a claim volume's `claimName`, relative to the pod spec.
pub fn claim_name_path(volume: usize) -> Vec<PathElem> {
    let mut p = vec![PathElem::Key("volumes".into()), PathElem::Index(volume)];
    p.extend(keys(&["persistentVolumeClaim", "claimName"]));
    p
}

/// The check template.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let index: &Index<'_> = input.index;
    let ns = input.resource.object.namespace.as_deref().unwrap_or("");
    let mut hits = Vec::new();
    for (vi, volume, claim) in claim_volumes(input) {
        if index.get("PersistentVolumeClaim", ns, claim).is_some() {
            continue;
        }
        let mut hit = Hit { path: claim_name_path(vi), ..Default::default() };
        let pv = index.get("PersistentVolume", "", claim);
        let elsewhere: Vec<&str> =
            index.namespaces_of("PersistentVolumeClaim", claim).into_iter().filter(|n| *n != ns).collect();
        let hint = if let Some(pv) = pv {
            hit.related.extend(index.related(
                pv,
                &keys(&["metadata", "name"]),
                format!("{claim} is a PersistentVolume, not a claim"),
            ));
            "; a PersistentVolume has that name: claimName must name a PersistentVolumeClaim, not a PersistentVolume"
                .to_owned()
        } else if let Some(other) = elsewhere.first() {
            if let Some(e) = index.get("PersistentVolumeClaim", other, claim) {
                hit.related.extend(index.related(
                    e,
                    &keys(&["metadata", "name"]),
                    format!("claim {claim} in namespace {other}"),
                ));
            }
            format!(
                "; it is defined in namespace {} only, and a Pod can use only claims of its own namespace",
                elsewhere.join(", ")
            )
        } else {
            String::new()
        };
        if index.assume_complete || pv.is_some() || !elsewhere.is_empty() {
            hit.severity = Some(Severity::Error);
        }
        let mut vars = Map::new();
        vars.insert("volume".into(), json!(volume));
        vars.insert("claim".into(), json!(claim));
        vars.insert("namespace".into(), json!(ns));
        vars.insert("hint".into(), json!(hint));
        hit.vars = vars;
        hits.push(hit);
    }
    hits
}
