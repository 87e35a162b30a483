//! `schema`: validates the object against the schema of its apiVersion/kind — the embedded Kubernetes schemas
//! of the target version, the CustomResourceDefinitions of the set, `--schema-dir` (see `crate::schema`).
//!
//! Hits choose the rule's cases by id: `unknown-field` (or `unknown-field-strict` with `--strict`), `type`,
//! `coercion` (a string field holding an unquoted scalar that YAML 1.1 reads as a boolean or number), `enum`,
//! `required`, `invalid`, `no-schema` (or `no-schema-strict`; once per kind), `crd-schema-invalid` (on the
//! CRD) and `unvalidated` (custom resources of a broken CRD; once per kind). Values: `check.message`,
//! `check.help`.

use super::{CheckInput, Hit};
use crate::config::Config;
use crate::index::{Index, Origin};
use crate::schema::{Lookup, SchemaSet, ViolationKind};
use crate::value::Fields;
use crate::yaml::{PathElem, Style};
use serde_json::{json, Map, Value};

fn hit(path: Vec<PathElem>, case: &str, message: String, help: String) -> Hit {
    let mut vars = Map::new();
    vars.insert("message".into(), json!(message));
    vars.insert("help".into(), json!(help));
    Hit { path, vars, case: Some(case.to_owned()), ..Hit::default() }
}

fn schemas_of<'i>(index: &'i Index<'_>, config: &Config) -> &'i SchemaSet {
    index.schemas().get_or_init(|| {
        let objects = index.entries().iter().enumerate().filter(|(_, e)| matches!(e.origin, Origin::Manifest { .. }));
        SchemaSet::build(objects.map(|(i, e)| (i, e.value)), config.target_version, config.schema_dir.clone())
    })
}

/// Before evaluation: builds the run's schema set (while the target version's table is inflated on the other
/// thread) and compiles, in parallel, the schemas the objects of reported files will be validated against.
pub fn prepare(index: &Index<'_>, config: &Config) {
    let (set, ()) = rayon::join(|| schemas_of(index, config), || crate::schema::warm(config.target_version));
    let scope = index.entries().iter().filter_map(|e| match e.origin {
        Origin::Manifest { file, spans, .. } if index.is_reported(file) => Some((e.value, spans.span.len())),
        _ => None,
    });
    set.prepare(scope, &|i: usize| index.entries().get(i).map(|e| e.value));
}

/// Whether the object is a kustomize strategic-merge patch or a base rather than an applyable object: every
/// container lacks an `image`, or a workload has neither `spec.selector` nor template labels (kustomize
/// `labels`/`commonLabels` add both) — the heuristic of `workload-selector`. Missing required fields are not
/// reported for such objects; wrong types, enums and unknown fields still are.
fn looks_partial(object: &Value, kind: &str) -> bool {
    let Some(template) = crate::workload::template_path(kind) else { return false };
    let at = |path: &[PathElem]| {
        path.iter().try_fold(object, |v, e| match e {
            PathElem::Key(k) => v.field(k.as_str()),
            PathElem::Index(i) => v.get(*i),
        })
    };
    let mut spec_path = template.clone();
    spec_path.push(PathElem::Key("spec".into()));
    let containers = at(&spec_path).and_then(|s| s.field("containers")).and_then(Value::as_array);
    if containers.is_some_and(|c| !c.is_empty() && c.iter().all(|c| c.field("image").is_none())) {
        return true;
    }
    let mut labels_path = template;
    labels_path.extend([PathElem::Key("metadata".into()), PathElem::Key("labels".into())]);
    matches!(kind, "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
        && object.pointer_at("/spec/selector").is_none_or(Value::is_null)
        && at(&labels_path).is_none_or(Value::is_null)
}

/// An unknown field that other embedded versions define: say which, so "valid for 1.29, not for 1.34" (or the
/// reverse) reads as a version problem rather than a typo.
fn version_hint(
    api: &str,
    kind: &str,
    path: &[PathElem],
    target: (u32, u32),
    message: String,
    help: String,
) -> (String, String) {
    let known = crate::schema::versions_with_field(api, kind, path);
    let (Some(first), Some(last)) = (known.first(), known.last()) else { return (message, help) };
    let target = format!("{}.{}", target.0, target.1);
    let range = if first == last { format!("Kubernetes {first}") } else { format!("Kubernetes {first} to {last}") };
    (
        format!("{message}: Kubernetes {target} does not have it (the schemas of {range} do)"),
        "check --k8s-version (kubernetesVersion) against the cluster's version, or remove the field".to_owned(),
    )
}

/// Validates the object (target `Object`).
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let object = input.target.value;
    let (Some(api), Some(kind)) =
        (object.field("apiVersion").and_then(Value::as_str), object.field("kind").and_then(Value::as_str))
    else {
        return Vec::new(); // manifest-identity reports it
    };
    let set = schemas_of(input.index, input.config);
    let strict = input.config.strict_schemas;
    let (major, minor) = set.version();
    let mut hits = Vec::new();
    let objects = |i: usize| input.index.entries().get(i).map(|e| e.value);
    let crd_problems = set.crd_problems(object, &objects);
    for p in &crd_problems {
        if p.no_schema && api == "apiextensions.k8s.io/v1beta1" {
            continue; // optional in v1beta1; that the whole API is gone is `api-version-removed`'s finding
        }
        let help = "fix the schema; until then the custom resources of this version are not validated".to_owned();
        hits.push(hit(p.path.clone(), "crd-schema-invalid", p.message.clone(), help));
    }
    match set.lookup(api, kind, &objects) {
        Lookup::Schema(schema) => {
            for v in schema.violations(object) {
                if crd_problems.iter().any(|p| p.path == v.path) {
                    continue; // the CRD's own finding says it, and what it means for the custom resources
                }
                if v.kind == ViolationKind::Required && looks_partial(object, kind) {
                    continue;
                }
                let node = input.target.get(&v.path);
                let coerced = v.kind == ViolationKind::Type
                    && v.expected.contains(&"string")
                    && node.is_some_and(|n| {
                        n.spans.style == Style::Plain && matches!(n.value, Value::Bool(_) | Value::Number(_))
                    });
                let (case, message, help) = match v.kind {
                    _ if coerced => {
                        let got = crate::schema::value_phrase(node.map_or(&Value::Null, |n| n.value));
                        let field = crate::yaml::path_string(&v.path);
                        (
                            "coercion",
                            format!("{field}: the unquoted value is read as {got}, but the field is a string"),
                            "quote the value as written (kubectl reads YAML 1.1: yes/no/on/off/y/n are booleans, \
                             digits are numbers, 1.10 is 1.1)"
                                .to_owned(),
                        )
                    }
                    ViolationKind::UnknownField => {
                        let (message, help) = version_hint(api, kind, &v.path, (major, minor), v.message, v.help);
                        (if strict { "unknown-field-strict" } else { "unknown-field" }, message, help)
                    }
                    ViolationKind::Type => ("type", v.message, v.help),
                    ViolationKind::Enum => ("enum", v.message, v.help),
                    ViolationKind::Required => ("required", v.message, v.help),
                    ViolationKind::Invalid => ("invalid", v.message, v.help),
                };
                hits.push(hit(v.path, case, message, help));
            }
        }
        Lookup::BrokenCrd(name) => {
            if set.is_first_of_kind(object) {
                hits.push(hit(
                    vec![PathElem::Key("apiVersion".into())],
                    "unvalidated",
                    format!("{api} {kind} is not validated: the schema of CustomResourceDefinition {name} is invalid"),
                    format!("fix the schema of {name} (reported on the CRD)"),
                ));
            }
        }
        Lookup::Missing => {
            if let Some(others) = crate::schema::kind_not_in_served_version((major, minor), api, kind) {
                // A built-in apiVersion that has no such kind: the API server rejects every such object.
                let help = match others.as_slice() {
                    [] => format!("no apiVersion of Kubernetes {major}.{minor} serves {kind}: check the kind's spelling, or whether it was removed without replacement"),
                    [one] => format!("use `apiVersion: {one}`"),
                    more => format!("use the apiVersion that serves {kind}: {}", more.join(", ")),
                };
                hits.push(hit(
                    vec![PathElem::Key("apiVersion".into())],
                    "kind-not-served",
                    format!(
                        "{api} has no kind {kind} in Kubernetes {major}.{minor}: the API server rejects the object (kubectl: no matches for kind \"{kind}\" in version \"{api}\")"
                    ),
                    help,
                ));
            } else if set.is_first_of_kind(object) {
                let known = crate::schema::versions_knowing(api, kind);
                let note = match (known.first(), known.last()) {
                    (Some(first), Some(last)) if first == last => format!(" (the embedded schemas know it in {first})"),
                    (Some(first), Some(last)) => format!(" (the embedded schemas know it in {first}–{last})"),
                    _ => String::new(),
                };
                let case = if strict { "no-schema-strict" } else { "no-schema" };
                hits.push(hit(
                    vec![PathElem::Key("apiVersion".into())],
                    case,
                    format!(
                        "{api} {kind}: no schema for Kubernetes {major}.{minor}{note}; objects of this kind are not \
                         validated"
                    ),
                    "add the CustomResourceDefinition to the inputs or to --context, or a schema with --schema-dir"
                        .to_owned(),
                ));
            }
        }
    }
    hits
}
