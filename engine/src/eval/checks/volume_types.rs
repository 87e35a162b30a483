//! `volume-types`: volumes (pod `volumes[*]`, or a PersistentVolume's `spec`) of a deprecated or removed
//! type, compared with the run's target Kubernetes version.
//!
//! Param `types`: a list of `{type, deprecatedIn, removedIn?, note?}`. A volume of a listed type is reported
//! with case `removed` when the target version is at least `removedIn`, `disabled` when it is at least
//! `disabledIn` (the kubelet's driver is off by default, a feature gate can turn it on), else `deprecated`.
//! Values: `check.subject` (`Volume repo` / `PersistentVolume pv-1`), `check.name`, `check.type`,
//! `check.deprecatedIn`, `check.removedIn`, `check.note`.
//!
//! On a StorageClass, an entry with `provisioner` (`kubernetes.io/glusterfs`) matches the class's
//! `spec`-less `provisioner` field instead; `check.type` is then the provisioner and `check.csi` the entry's
//! `csi` (the CSI driver that serves a migrated plugin, or null).

use super::{CheckInput, Hit};
use crate::config::parse_version;
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// Reports each volume whose source key is a listed type.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let Some(types) = input.params.field("types").and_then(Value::as_array) else { return Vec::new() };
    let target = input.target.value;
    // (path prefix to the source, the source's parent, subject)
    let mut sources: Vec<(Vec<PathElem>, &Value, String, String)> = Vec::new();
    if std::ptr::eq(target, input.object) {
        if let Some(spec) = target.field("spec").filter(|s| s.is_object()) {
            let name = target.pointer_at("/metadata/name").and_then(Value::as_str).unwrap_or("").to_owned();
            let kind = target.field("kind").and_then(Value::as_str).unwrap_or("PersistentVolume");
            sources.push((vec![PathElem::Key("spec".into())], spec, format!("{kind} {name}"), name));
        }
    } else if let Some(volumes) = target.field("volumes").and_then(Value::as_array) {
        for (i, v) in volumes.iter().enumerate() {
            let name = v.field("name").and_then(Value::as_str).unwrap_or("").to_owned();
            sources.push((
                vec![PathElem::Key("volumes".into()), PathElem::Index(i)],
                v,
                format!("Volume {name}"),
                name,
            ));
        }
    }
    let version = input.config.target_version;
    let mut hits = Vec::new();
    if std::ptr::eq(target, input.object) && target.field("kind").and_then(Value::as_str) == Some("StorageClass") {
        let Some(provisioner) = target.field("provisioner").and_then(Value::as_str) else { return hits };
        let name = target.pointer_at("/metadata/name").and_then(Value::as_str).unwrap_or("");
        for t in types {
            if t.field("provisioner").and_then(Value::as_str) != Some(provisioner) {
                continue;
            }
            let removed_in = t.field("removedIn").and_then(Value::as_str);
            let removed = removed_in.and_then(parse_version).is_some_and(|r| version >= r);
            let mut vars = Map::new();
            vars.insert("subject".into(), json!(format!("StorageClass {name}")));
            vars.insert("name".into(), json!(name));
            vars.insert("type".into(), json!(provisioner));
            vars.insert("csi".into(), t.field("csi").cloned().unwrap_or(Value::Null));
            vars.insert("deprecatedIn".into(), t.field("deprecatedIn").cloned().unwrap_or(Value::Null));
            vars.insert("removedIn".into(), json!(removed_in));
            vars.insert("note".into(), t.field("note").cloned().unwrap_or(Value::Null));
            let case = if removed { "removed" } else { "deprecated" };
            hits.push(Hit {
                path: vec![PathElem::Key("provisioner".into())],
                vars,
                case: Some(case.to_owned()),
                ..Default::default()
            });
        }
        return hits;
    }
    for (prefix, parent, subject, name) in sources {
        for t in types {
            let Some(vtype) = t.field("type").and_then(Value::as_str) else { continue };
            if parent.get(vtype).is_none_or(Value::is_null) {
                continue;
            }
            // `disabledIn`: the kubelet no longer mounts it by default (a feature gate can turn it back on).
            let disabled_in = t.field("disabledIn").and_then(Value::as_str);
            let removed_in = t.field("removedIn").and_then(Value::as_str).or(disabled_in);
            let removed = removed_in.and_then(parse_version).is_some_and(|r| version >= r);
            let case = match (removed, disabled_in.is_some()) {
                (true, true) => "disabled",
                (true, false) => "removed",
                (false, _) => "deprecated",
            };
            let mut vars = Map::new();
            vars.insert("subject".into(), json!(subject));
            vars.insert("name".into(), json!(name));
            vars.insert("type".into(), json!(vtype));
            vars.insert("deprecatedIn".into(), t.field("deprecatedIn").cloned().unwrap_or(Value::Null));
            vars.insert("removedIn".into(), json!(removed_in));
            vars.insert("note".into(), t.field("note").cloned().unwrap_or(Value::Null));
            let mut path = prefix.clone();
            path.push(PathElem::Key(vtype.to_owned()));
            hits.push(Hit { path, vars, case: Some(case.to_owned()), ..Default::default() });
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::super::volume_names::run_for_test;
    use super::*;

    fn params() -> Value {
        json!({"types": [
            {"type": "gitRepo", "deprecatedIn": "1.11", "disabledIn": "1.33"},
            {"type": "awsElasticBlockStore", "deprecatedIn": "1.19"}
        ]})
    }

    #[test]
    fn git_repo_depends_on_version() {
        let spec = json!({"volumes": [{"name": "repo", "gitRepo": {"repository": "https://example.org/r.git"}}, {"name": "tmp", "emptyDir": {}}]});
        let obj = json!({"kind": "Pod", "spec": spec.clone()});
        let hits = run_for_test(check, &params(), &obj, &spec, (1, 34));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].case.as_deref(), Some("disabled"));
        assert_eq!(hits[0].vars["subject"], json!("Volume repo"));
        let hits = run_for_test(check, &params(), &obj, &spec, (1, 32));
        assert_eq!(hits[0].case.as_deref(), Some("deprecated"));
    }

    #[test]
    fn storage_class_provisioner() {
        let params = json!({"types": [
            {"provisioner": "kubernetes.io/glusterfs", "deprecatedIn": "1.25", "removedIn": "1.26"},
            {"provisioner": "kubernetes.io/aws-ebs", "csi": "ebs.csi.aws.com", "deprecatedIn": "1.19"}
        ]});
        let sc = |p: &str| json!({"kind": "StorageClass", "metadata": {"name": "c"}, "provisioner": p});
        let run = |p: &str, v| {
            let o = sc(p);
            run_for_test(check, &params, &o, &o, v)
        };
        let hits = run("kubernetes.io/glusterfs", (1, 34));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].case.as_deref(), Some("removed"));
        assert_eq!(hits[0].path, vec![PathElem::Key("provisioner".into())]);
        let hits = run("kubernetes.io/glusterfs", (1, 25));
        assert_eq!(hits[0].case.as_deref(), Some("deprecated"));
        let hits = run("kubernetes.io/aws-ebs", (1, 34));
        assert_eq!(hits[0].vars["csi"], json!("ebs.csi.aws.com"));
        assert!(run("ebs.csi.aws.com", (1, 34)).is_empty());
    }

    #[test]
    fn persistent_volume_source() {
        let pv = json!({"kind": "PersistentVolume", "metadata": {"name": "ebs"}, "spec": {"awsElasticBlockStore": {"volumeID": "vol-1"}}});
        let hits = run_for_test(check, &params(), &pv, &pv, (1, 34));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].case.as_deref(), Some("deprecated"));
        assert_eq!(hits[0].path, vec![PathElem::Key("spec".into()), PathElem::Key("awsElasticBlockStore".into())]);
    }
}
