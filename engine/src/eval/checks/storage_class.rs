//! `storage-class` (`storageclass-not-found`): the StorageClass a claim requests — a PersistentVolumeClaim, a
//! StatefulSet's `volumeClaimTemplates`, a pod's generic ephemeral volumes — is not in the set. Runs on the
//! `Object` target of every kind; hit paths are relative to the object.
//!
//! Not reported: an empty or invalid name (the `invalid-name` case of the rule), a class of the set, of config
//! `cluster:`/`knownStorageClasses` or of the `knownStorageClasses` parameter, and a claim that binds statically
//! to a PersistentVolume of the set (the binder matches class names; no StorageClass object is needed): it takes
//! a volume in the binding simulation, or a volume of its class satisfies it. PersistentVolumes are never
//! reported: their class is only a name claims are matched by.
//!
//! Cases: `pvc`, `claim-template`, `ephemeral` (warning; error with `assumeCompleteSet`), and `<case>-platform`
//! (the rule's severity for them, info) when the name is one of the `platformStorageClasses` parameter (class
//! name → platforms that create it): `{{check.platforms}}` names them.

use super::{CheckInput, Hit};
use crate::binding::{self, Outcome};
use crate::finding::Severity;
use crate::index::Index;
use crate::pack::keywords::is_dns1123_subdomain;
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Value};

/// One claim spec of the object: case, path of the spec, the spec, its claim entry in the index.
struct ClaimSpec<'v> {
    case: &'static str,
    path: Vec<PathElem>,
    spec: &'v Value,
    entry: Option<usize>,
}

fn key(k: &str) -> PathElem {
    PathElem::Key(k.to_owned())
}

fn claim_specs<'v>(input: &CheckInput<'v>) -> Vec<ClaimSpec<'v>> {
    let object = input.object;
    let index = input.index;
    let kind = input.resource.object.kind.as_str();
    let mut out = Vec::new();
    match kind {
        "PersistentVolumeClaim" => {
            if let Some(spec) = object.field("spec") {
                out.push(ClaimSpec {
                    case: "pvc",
                    path: vec![key("spec")],
                    spec,
                    entry: index.position_of(input.resource),
                });
            }
        }
        "StatefulSet" => {
            let templates = object.pointer_at("/spec/volumeClaimTemplates").and_then(Value::as_array);
            let owned = index.position_of(input.resource).and_then(|pos| binding::of(index).owned.get(&pos));
            for (i, t) in templates.into_iter().flatten().enumerate() {
                let Some(spec) = t.field("spec") else { continue };
                let entry = owned
                    .into_iter()
                    .flatten()
                    .copied()
                    .find(|c| binding::template_index(index, index.entry(*c)) == Some(i));
                let path = vec![key("spec"), key("volumeClaimTemplates"), PathElem::Index(i), key("spec")];
                out.push(ClaimSpec { case: "claim-template", path, spec, entry });
            }
        }
        _ => {}
    }
    if let Some(pod) = crate::workload::pod_spec_path(kind) {
        let mut node = Some(object);
        for e in &pod {
            node = match e {
                PathElem::Key(k) => node.and_then(|n| n.field(k)),
                PathElem::Index(i) => node.and_then(|n| n.get(*i)),
            };
        }
        let volumes = node.and_then(|n| n.field("volumes")).and_then(Value::as_array);
        for (i, v) in volumes.into_iter().flatten().enumerate() {
            let Some(spec) = v.pointer_at("/ephemeral/volumeClaimTemplate/spec") else { continue };
            let mut path = pod.clone();
            path.extend([
                key("volumes"),
                PathElem::Index(i),
                key("ephemeral"),
                key("volumeClaimTemplate"),
                key("spec"),
            ]);
            out.push(ClaimSpec { case: "ephemeral", path, spec, entry: None });
        }
    }
    out
}

/// Whether the claim binds statically to a PersistentVolume of the set.
fn binds_statically(index: &Index<'_>, class: &str, claim: &ClaimSpec<'_>) -> bool {
    let b = binding::of(index);
    let volumes = b.by_class.get(class).map(Vec::as_slice).unwrap_or_default();
    let Some(ci) = claim.entry else { return !volumes.is_empty() };
    if matches!(b.claims.get(&ci), Some(Outcome::Bound(_))) {
        return true;
    }
    let c = index.entry(ci);
    volumes.iter().any(|v| binding::compare(c, index.entry(*v), b.default_class.as_deref(), true).is_empty())
}

/// The check template.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let index = input.index;
    let known = input.params.field("knownStorageClasses").and_then(Value::as_array);
    let platforms = input.params.field("platformStorageClasses");
    let mut hits = Vec::new();
    for claim in claim_specs(input) {
        let Some(class) = claim.spec.field("storageClassName").and_then(Value::as_str) else { continue };
        if !is_dns1123_subdomain(class) {
            continue; // empty: no class (static binding); invalid: the invalid-name case
        }
        if index.get("StorageClass", "", class).is_some()
            || known.is_some_and(|k| k.iter().any(|n| n.as_str() == Some(class)))
            || binds_statically(index, class, &claim)
        {
            continue;
        }
        let mut hit = Hit { path: claim.path, ..Default::default() };
        hit.path.push(key("storageClassName"));
        hit.vars.insert("name".into(), json!(class));
        let on = platforms
            .and_then(|p| p.field(class))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>());
        match on.filter(|p| !p.is_empty()) {
            Some(on) => {
                let platforms = match on.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    _ => on.join(""),
                };
                hit.vars.insert("platforms".into(), json!(platforms));
                hit.case = Some(format!("{}-platform", claim.case));
            }
            None => {
                hit.case = Some(claim.case.into());
                hit.severity = index.assume_complete.then_some(Severity::Error);
            }
        }
        hits.push(hit);
    }
    hits
}
