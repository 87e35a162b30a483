//! `volume-types`: volumes (pod `volumes[*]`, or a PersistentVolume's `spec`) of a deprecated or removed
//! type, compared with the run's target Kubernetes version.
//!
//! Param `types`: a list of `{type, deprecatedIn, removedIn?, note?}`. A volume of a listed type is reported
//! with case `removed` when the target version is at least `removedIn`, else with case `deprecated`.
//! Values: `check.subject` (`Volume repo` / `PersistentVolume pv-1`), `check.name`, `check.type`,
//! `check.deprecatedIn`, `check.removedIn`, `check.note`.

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
    for (prefix, parent, subject, name) in sources {
        for t in types {
            let Some(vtype) = t.field("type").and_then(Value::as_str) else { continue };
            if parent.get(vtype).is_none_or(Value::is_null) {
                continue;
            }
            let removed_in = t.field("removedIn").and_then(Value::as_str);
            let removed = removed_in.and_then(parse_version).is_some_and(|r| version >= r);
            let mut vars = Map::new();
            vars.insert("subject".into(), json!(subject));
            vars.insert("name".into(), json!(name));
            vars.insert("type".into(), json!(vtype));
            vars.insert("deprecatedIn".into(), t.field("deprecatedIn").cloned().unwrap_or(Value::Null));
            vars.insert("removedIn".into(), json!(removed_in));
            vars.insert("note".into(), t.field("note").cloned().unwrap_or(Value::Null));
            let mut path = prefix.clone();
            path.push(PathElem::Key(vtype.to_owned()));
            hits.push(Hit {
                path,
                vars,
                case: Some(if removed { "removed" } else { "deprecated" }.to_owned()),
                ..Default::default()
            });
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
            {"type": "gitRepo", "deprecatedIn": "1.11", "removedIn": "1.33"},
            {"type": "awsElasticBlockStore", "deprecatedIn": "1.19"}
        ]})
    }

    #[test]
    fn git_repo_depends_on_version() {
        let spec = json!({"volumes": [{"name": "repo", "gitRepo": {"repository": "https://example.org/r.git"}}, {"name": "tmp", "emptyDir": {}}]});
        let obj = json!({"kind": "Pod", "spec": spec.clone()});
        let hits = run_for_test(check, &params(), &obj, &spec, (1, 34));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].case.as_deref(), Some("removed"));
        assert_eq!(hits[0].vars["subject"], json!("Volume repo"));
        let hits = run_for_test(check, &params(), &obj, &spec, (1, 32));
        assert_eq!(hits[0].case.as_deref(), Some("deprecated"));
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
