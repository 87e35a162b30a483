//! Claim consumers: workloads whose Pods share one PersistentVolumeClaim that a single node or
//! Pod can use at a time. Three templates on the `PodSpec` target (hit paths relative to the pod spec):
//!
//! - `claim-multi-pod` (`workload-rwo-pvc-multi-replica`): Deployment/ReplicaSet/ReplicationController with
//!   `replicas` > 1, DaemonSets, Jobs (and CronJob job templates) with `parallelism` > 1; cases `rwo`, `rwop`,
//!   `unknown` (claim not in the set).
//! - `claim-shared-sts` (`sts-shared-pvc`): StatefulSets with `replicas` > 1 and a fixed claim in the pod
//!   template; cases `rwo` (also: claim not in the set), `rwop`. RWX/ROX claims are deliberate sharing.
//! - `claim-rollout` (`rollout-rwo-pvc-deadlock`): RollingUpdate Deployments whose effective `maxSurge` ≥ 1 and
//!   whose claim (a real claim of the set) offers only ReadWriteOnce/ReadWriteOncePod.

use super::claim_refs::{claim_name_path, claim_volumes};
use super::{CheckInput, Hit};
use crate::binding::{access_modes, keys};
use crate::index::{Entry, Index};
use crate::value::Fields;
use serde_json::{json, Map, Value};

const RWO: &str = "ReadWriteOnce";
const RWOP: &str = "ReadWriteOncePod";

/// The claim of the set named `claim` in `ns`, if its content is known.
fn claim_entry<'i, 'a>(index: &'i Index<'a>, ns: &str, claim: &str) -> Option<&'i Entry<'a>> {
    index.get("PersistentVolumeClaim", ns, claim).filter(|e| e.content_known)
}

fn int_at(object: &Value, pointer: &str, default: i64) -> Option<i64> {
    match object.pointer(pointer) {
        None | Some(Value::Null) => Some(default),
        Some(v) => v.as_i64(),
    }
}

fn base_vars(volume: &str, claim: &str, modes: &[&str]) -> Map<String, Value> {
    let mut vars = Map::new();
    vars.insert("volume".into(), json!(volume));
    vars.insert("claim".into(), json!(claim));
    vars.insert("modes".into(), json!(modes.join(", ")));
    vars.insert("mode".into(), json!(modes.join(", ")));
    vars
}

fn access_modes_label(index: &Index<'_>, entry: &Entry<'_>, claim: &str) -> Option<crate::finding::Related> {
    let modes = access_modes(entry.value);
    let path = crate::binding::claim_prefix(index, entry)
        .into_iter()
        .chain(keys(&["spec", "accessModes"]))
        .collect::<Vec<_>>();
    index.related(entry, &path, format!("claim {claim} offers {}", modes.join(", ")))
}

/// `claim-multi-pod`.
pub fn multi_pod(input: &CheckInput<'_>) -> Vec<Hit> {
    let o = input.object;
    let kind = input.resource.object.kind.as_str();
    let pods = match kind {
        "Deployment" | "ReplicaSet" | "ReplicationController" => match int_at(o, "/spec/replicas", 1) {
            Some(n) if n > 1 => format!("{n} Pods"),
            _ => return Vec::new(),
        },
        "DaemonSet" => "Pods on every node".to_owned(),
        "Job" | "CronJob" => {
            let p = if kind == "Job" { "/spec/parallelism" } else { "/spec/jobTemplate/spec/parallelism" };
            match int_at(o, p, 1) {
                Some(n) if n > 1 => format!("{n} parallel Pods"),
                _ => return Vec::new(),
            }
        }
        _ => return Vec::new(),
    };
    let ns = input.resource.object.namespace.as_deref().unwrap_or("");
    let mut hits = Vec::new();
    for (vi, volume, claim) in claim_volumes(input) {
        let entry = claim_entry(input.index, ns, claim);
        let modes = entry.map(|e| access_modes(e.value)).unwrap_or_default();
        let case = match entry {
            None => "unknown",
            Some(_) if modes == [RWOP] => "rwop",
            Some(_) if modes == [RWO] => "rwo",
            Some(_) => continue,
        };
        let mut vars = base_vars(volume, claim, &modes);
        vars.insert("pods".into(), json!(pods));
        let mut hit = Hit { path: claim_name_path(vi), vars, case: Some(case.into()), ..Default::default() };
        if let Some(e) = entry {
            hit.related.extend(access_modes_label(input.index, e, claim));
        }
        hits.push(hit);
    }
    hits
}

/// `claim-shared-sts`.
pub fn shared_sts(input: &CheckInput<'_>) -> Vec<Hit> {
    if input.resource.object.kind != "StatefulSet" {
        return Vec::new();
    }
    let replicas = match int_at(input.object, "/spec/replicas", 1) {
        Some(n) if n > 1 => n,
        _ => return Vec::new(),
    };
    let ns = input.resource.object.namespace.as_deref().unwrap_or("");
    let mut hits = Vec::new();
    for (vi, volume, claim) in claim_volumes(input) {
        let entry = claim_entry(input.index, ns, claim);
        let modes = entry.map(|e| access_modes(e.value)).unwrap_or_default();
        if modes.iter().any(|m| *m != RWO && *m != RWOP) {
            continue; // ReadWriteMany / ReadOnlyMany: deliberate sharing
        }
        let case = if entry.is_some() && modes == [RWOP] { "rwop" } else { "rwo" };
        let mut vars = base_vars(volume, claim, &modes);
        let shown = match entry {
            None => "access modes unknown: the claim is not in the set".to_owned(),
            Some(_) if modes.is_empty() => "no access modes".to_owned(),
            Some(_) => modes.join(", "),
        };
        vars.insert("modes".into(), json!(shown));
        vars.insert("replicas".into(), json!(replicas));
        let mut hit = Hit { path: claim_name_path(vi), vars, case: Some(case.into()), ..Default::default() };
        if let Some(e) = entry {
            hit.related.extend(access_modes_label(input.index, e, claim));
        }
        hits.push(hit);
    }
    hits
}

/// The effective `maxSurge` of a RollingUpdate Deployment (`None` when not RollingUpdate or unreadable).
pub fn effective_max_surge(deployment: &Value) -> Option<i64> {
    let strategy = deployment.pointer_at("/spec/strategy");
    let kind = strategy.and_then(|s| s.field("type")).and_then(Value::as_str).unwrap_or("RollingUpdate");
    if kind != "RollingUpdate" {
        return None;
    }
    let replicas = int_at(deployment, "/spec/replicas", 1)?;
    let surge = strategy.and_then(|s| s.pointer_at("/rollingUpdate/maxSurge"));
    let percent = |p: i64| (replicas.max(0) * p + 99) / 100; // rounded up
    match surge {
        None | Some(Value::Null) => Some(percent(25)),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()).map(percent),
        Some(_) => None,
    }
}

/// `claim-rollout`.
pub fn rollout(input: &CheckInput<'_>) -> Vec<Hit> {
    if input.resource.object.kind != "Deployment" {
        return Vec::new();
    }
    let Some(surge) = effective_max_surge(input.object) else { return Vec::new() };
    if surge < 1 {
        return Vec::new();
    }
    let ns = input.resource.object.namespace.as_deref().unwrap_or("");
    let mut hits = Vec::new();
    for (vi, volume, claim) in claim_volumes(input) {
        let Some(entry) = claim_entry(input.index, ns, claim).filter(|e| !e.is_synthesized()) else { continue };
        let modes = access_modes(entry.value);
        if modes.is_empty() || modes.iter().any(|m| *m != RWO && *m != RWOP) {
            continue;
        }
        let mut vars = base_vars(volume, claim, &modes);
        vars.insert("maxSurge".into(), json!(surge));
        let mut hit = Hit { path: claim_name_path(vi), vars, ..Default::default() };
        hit.related.extend(access_modes_label(input.index, entry, claim));
        hits.push(hit);
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_surge_defaults_and_rounding() {
        let d = |spec: Value| json!({"spec": spec});
        assert_eq!(effective_max_surge(&d(json!({}))), Some(1)); // 25 % of 1, rounded up
        assert_eq!(effective_max_surge(&d(json!({"replicas": 8}))), Some(2));
        assert_eq!(effective_max_surge(&d(json!({"replicas": 0}))), Some(0));
        let ru = |s: Value| d(json!({"replicas": 3, "strategy": {"rollingUpdate": {"maxSurge": s}}}));
        assert_eq!(effective_max_surge(&ru(json!(0))), Some(0));
        assert_eq!(effective_max_surge(&ru(json!("0%"))), Some(0));
        assert_eq!(effective_max_surge(&ru(json!("10%"))), Some(1));
        assert_eq!(effective_max_surge(&ru(json!("x"))), None);
        assert_eq!(effective_max_surge(&d(json!({"strategy": {"type": "Recreate"}}))), None);
    }
}
