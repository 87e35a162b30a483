use super::*;
use crate::yaml::path_string;
use serde_json::json;

fn schema_of(kind: &str, api: &str) -> Arc<Schema> {
    builtin((1, 34), api, kind).expect("embedded schema")
}

fn messages(v: &[Violation]) -> Vec<String> {
    v.iter().map(|v| v.message.clone()).collect()
}

#[test]
fn every_embedded_version_inflates() {
    for (i, (v, _)) in embedded::VERSIONS.iter().enumerate() {
        let t = table(i).unwrap_or_else(|| panic!("table {v}"));
        assert!(t.kinds.contains_key("apps/v1/Deployment"), "{v}");
        assert!(t.kinds.contains_key("v1/Pod"), "{v}");
    }
    assert!(is_embedded((1, 34)) && is_embedded((1, 29)) && !is_embedded((1, 12)));
}

#[test]
fn valid_deployment_has_no_violations() {
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"a": "b"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"a": "b"}}, "strategy": {"type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
        "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1",
        "ports": [{"containerPort": 80, "protocol": "TCP"}], "resources": {"limits": {"memory": "1Gi", "cpu": 0.5}}}]}}}});
    assert_eq!(messages(&schema_of("Deployment", "apps/v1").violations(&d)), Vec::<String>::new());
}

#[test]
fn messages_name_actual_values_and_root_causes() {
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": "3", "selector": {"matchLabels": {"a": "b"}}, "strategy": {"type": "Rolling"},
        "template": {"metadata": {"labels": {"a": "b"}}, "spec": {
            "containers": [{"nmae": "c", "image": "nginx:1", "ports": [{"containerPort": 80, "protocol": "tcp"}],
                "env": {"A": "b"}}],
            "volumes": [{"name": "v", "gitRepo": {"repository": "r", "reversion": "main"}}]}}}});
    let mut got = messages(&schema_of("Deployment", "apps/v1").violations(&d));
    got.sort();
    assert_eq!(
        got,
        vec![
            "spec.replicas: expected an integer, got the string \"3\"",
            "spec.strategy.type: \"Rolling\" is not one of \"Recreate\", \"RollingUpdate\"",
            "spec.template.spec.containers[0].env: expected a list, got a mapping",
            "spec.template.spec.containers[0].ports[0].protocol: \"tcp\" is not one of \"SCTP\", \"TCP\", \"UDP\"",
            "spec.template.spec.containers[0]: unknown field \"nmae\"; did you mean \"name\"? (\"name\" is required)",
            "spec.template.spec.volumes[0].gitRepo: unknown field \"reversion\"; did you mean \"revision\"?",
        ]
    );
}

#[test]
fn int_or_string_is_one_type_error() {
    let d = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
        "spec": {"ports": [{"port": 80, "targetPort": true}]}});
    let v = schema_of("Service", "v1").violations(&d);
    assert_eq!(messages(&v), vec!["spec.ports[0].targetPort: expected an integer or a string, got the boolean true"]);
    assert_eq!(v[0].kind, ViolationKind::Type);
}

#[test]
fn crd_schema_converted_and_problems_located() {
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"}, "scope": "Namespaced",
        "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
            "type": "object", "properties": {"spec": {"type": "object", "required": ["size"], "properties": {
                "size": {"type": "integer", "minimum": 1}, "port": {"x-kubernetes-int-or-string": true},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "note": {"type": "string", "nullable": true}}}}}}},
            {"name": "v2", "served": true, "storage": false, "schema": {"openAPIV3Schema": {
                "type": "object", "properties": {"spec": {"typo": "object"}}}}}]}});
    let objects = [crd.clone()];
    let set = SchemaSet::build(objects.iter().enumerate(), (1, 34), None);
    let resolve = |i: usize| objects.get(i);
    let problems = set.crd_problems(&objects[0], &resolve);
    assert_eq!(problems.len(), 1);
    assert_eq!(path_string(&problems[0].path), "spec.versions[1].schema.openAPIV3Schema.properties.spec.typo");
    assert!(problems[0].message.contains("did you mean \"type\""), "{}", problems[0].message);
    let Lookup::Schema(s) = set.lookup("example.com/v1", "Widget", &resolve) else { panic!("schema") };
    let cr = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
        "spec": {"size": 0, "port": "http", "extra": {"any": 1}, "note": null, "colour": "red"}});
    let mut got = messages(&s.violations(&cr));
    got.sort();
    assert_eq!(got, vec!["spec.size: 0 is less than the minimum 1", "spec: unknown field \"colour\""]);
    assert!(
        matches!(set.lookup("example.com/v2", "Widget", &resolve), Lookup::BrokenCrd(n) if n == "widgets.example.com")
    );
}

/// Copies of one CRD share an entry (compiled once); a copy whose schema differs gets its own; the custom
/// resources use the first CRD defining their kind. Prepared (compiled ahead, in parallel) or not, the answers
/// are the same.
#[test]
fn identical_crd_copies_share_an_entry() {
    let crd = |field: &str| {
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"}, "scope": "Namespaced",
            "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                "type": "object", "properties": {"spec": {"type": "object", "properties": {
                    field: {"type": "string"}}}}}}}]}})
    };
    let cr = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"b": "x"}});
    let objects = [crd("a"), crd("b"), crd("a"), crd("b"), crd("a"), cr.clone()];
    for prepared in [false, true] {
        let set = SchemaSet::build(objects.iter().enumerate(), (1, 34), None);
        let resolve = |i: usize| objects.get(i);
        if prepared {
            set.prepare(objects.iter().map(|o| (o, 100)), &resolve);
        }
        let entries: Vec<&[usize]> = objects.iter().map(|o| set.crds.entries_of(o)).collect();
        assert_eq!(entries[..5], [&[0][..], &[1], &[0], &[1], &[0]], "prepared: {prepared}");
        assert!(entries[5].is_empty());
        let Lookup::Schema(s) = set.lookup("example.com/v1", "Widget", &resolve) else { panic!("schema") };
        let got = messages(&s.violations(&cr));
        assert_eq!(got, vec!["spec: unknown field \"b\"; did you mean \"a\"?"], "the first CRD (field a) wins");
    }
}

#[test]
fn first_object_of_each_kind_is_remembered() {
    let objects = [
        json!({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "a"}}),
        json!({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "b"}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}),
    ];
    let set = SchemaSet::build(objects.iter().enumerate(), (1, 34), None);
    assert!(set.is_first_of_kind(&objects[0]));
    assert!(!set.is_first_of_kind(&objects[1]));
    assert!(set.is_first_of_kind(&objects[2]));
    assert!(matches!(set.lookup("example.com/v1", "Gadget", &|i| objects.get(i)), Lookup::Missing));
}

#[test]
fn suggestions() {
    let names: Vec<String> = ["revision", "repository", "directory"].iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(explain::suggest("reversion", &names), Some("revision"));
    assert_eq!(explain::suggest("xyz", &names), None);
}

#[test]
fn kinds_missing_from_a_served_dotless_version() {
    use super::kind_not_in_served_version as missing;
    assert_eq!(missing((1, 34), "policy/v1", "PodSecurityPolicy"), Some(Vec::new()));
    assert_eq!(missing((1, 34), "apps/v1", "CronJob"), Some(vec!["batch/v1".to_owned()]));
    assert_eq!(missing((1, 34), "apps/v1", "Deployment"), None);
    // Not served at all (api-version-removed's), or a group with a dot (could be a CRD's).
    assert_eq!(missing((1, 34), "policy/v1beta1", "PodSecurityPolicy"), None);
    assert_eq!(missing((1, 34), "networking.k8s.io/v1", "Gateway"), None);
    assert_eq!(missing((1, 34), "v1", "Deployment"), Some(vec!["apps/v1".to_owned()]));
}
