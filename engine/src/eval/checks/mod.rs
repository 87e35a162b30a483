//! Check templates: semantics a schema cannot express, parameterised from the rule file. Each returns hits
//! (a path relative to the target root plus values for the message templates); the rule file owns the
//! id, severity and wording.

pub mod claim_binding;
pub mod claim_consumers;
pub mod claim_refs;
pub mod claim_template_use;
pub mod label_syntax;
pub mod progress_deadline;
pub mod selector_match;
pub mod service_account_pull_secrets;
pub mod service_selects;
pub mod snapshot_driver;
pub mod storage_claims;
pub mod storage_class;
pub mod volume_modes;
pub mod volume_reclaim;

pub mod config_data;
pub mod config_rollout;
pub mod env_from_names;
pub mod env_names;
pub mod local_binding;
pub mod mount_paths;
pub mod resource_field_refs;
pub mod schema;
pub mod subpath_target;
pub mod volume_handles;
pub mod volume_mounts;
pub mod volume_names;
pub mod volume_types;

use crate::config::Config;
use crate::finding::{Related, Severity};
use crate::index::Index;
use crate::resource::Resource;
use crate::value::Fields;
use crate::yaml::{Located, PathElem};
use serde_json::{json, Map, Value};

/// One result of a check template.
#[derive(Debug, Default)]
pub struct Hit {
    /// Where, relative to the target root.
    pub path: Vec<PathElem>,
    /// Values for `{{check.*}}`.
    pub vars: Map<String, Value>,
    /// A case id to use (default: the case that ran the check).
    pub case: Option<String>,
    /// Second locations (the other object of a cross-resource finding).
    pub related: Vec<Related>,
    /// A severity that overrides the case's (e.g. a missing reference escalated to an error).
    pub severity: Option<Severity>,
}

/// What a check template receives.
pub struct CheckInput<'a> {
    /// The rule's effective parameters.
    pub params: &'a Map<String, Value>,
    /// The whole object.
    pub object: &'a Value,
    /// The target root (pod spec, container, … or the object).
    pub target: Located<'a>,
    /// Run configuration (target version, default namespace).
    pub config: &'a Config,
    /// The object's identity (effective namespace) and location.
    pub resource: &'a Resource,
    /// Every object of the run (cross-resource lookups).
    pub index: &'a Index<'a>,
}

/// A check template: code behind `check: NAME`.
pub type CheckFn = fn(&CheckInput<'_>) -> Vec<Hit>;

fn loader_findings(_: &CheckInput<'_>) -> Vec<Hit> {
    Vec::new() // `yaml` and `identity` findings come from the loader, not from evaluation
}

/// Every check template, by name. Add a template: write `checks/<name>.rs`, add its line here.
pub static TEMPLATES: &[(&str, CheckFn)] = &[
    ("yaml", loader_findings),
    ("identity", loader_findings),
    ("removed-api", |i| removed_api(i.params, i.object, i.config)),
    ("volume-refs", |i| volume_refs(i.params, i.object, i.target)),
    ("config-data", config_data::check),
    ("env-names", env_names::check),
    ("mount-paths", mount_paths::check),
    ("resource-field-refs", resource_field_refs::check),
    ("volume-mounts", volume_mounts::check),
    ("volume-names", volume_names::check),
    ("volume-types", volume_types::check),
    ("claim-template-use", claim_template_use::check),
    ("label-syntax", label_syntax::check),
    ("progress-deadline", progress_deadline::check),
    ("selector-match", selector_match::check),
    ("service-selects-template", service_selects::check),
    ("service-account-pull-secrets", service_account_pull_secrets::check),
    ("schema", schema::check),
    ("claim-binding", claim_binding::check),
    ("claim-refs", claim_refs::check),
    ("claim-multi-pod", claim_consumers::multi_pod),
    ("claim-shared-sts", claim_consumers::shared_sts),
    ("claim-rollout", claim_consumers::rollout),
    ("claim-prebind", storage_claims::prebind),
    ("claim-class-unset", storage_claims::class_unset),
    ("storage-class", storage_class::check),
    ("class-defaults", storage_claims::class_defaults),
    ("volume-modes", volume_modes::check),
    ("pv-reclaim", volume_reclaim::pv_reclaim),
    ("pv-csi-handle", volume_handles::check),
    ("snapshot-driver", snapshot_driver::check),
    ("local-binding", local_binding::check),
    ("sts-retention", volume_reclaim::sts_retention),
    ("config-rollout", config_rollout::check),
    ("subpath-target", subpath_target::check),
    ("env-from-names", env_from_names::check),
];

/// The `{{check.*}}` values each template may set, by template name: rule templates are validated against
/// it when the pack loads (a variable no hit can set is an error at the rule's line), and debug builds check
/// that every hit sets only declared values.
pub static VARS: &[(&str, &[&str])] = &[
    ("yaml", &["message", "help"]),
    ("identity", &["message", "help"]),
    ("removed-api", &["apiVersion", "kind", "removedIn", "replacement", "notes", "upgradeTo"]),
    ("volume-refs", &["container", "volume", "field", "type"]),
    ("config-data", &["kind", "key", "map", "bytes", "limit", "type", "error"]),
    ("env-names", &["mode", "name", "version"]),
    ("mount-paths", &["container", "field", "otherField", "otherPath", "otherVolume", "path", "volume"]),
    ("resource-field-refs", &["containerName", "containers", "resource", "where"]),
    ("volume-mounts", &["container", "mountPath", "ref", "source", "subPath", "type", "volume"]),
    ("volume-names", &["first", "index", "name"]),
    ("pv-csi-handle", &["count", "driver", "first", "handle"]),
    ("snapshot-driver", &["claim", "class", "driver", "provisioner", "storageClass"]),
    ("local-binding", &["count", "volume"]),
    ("volume-types", &["csi", "deprecatedIn", "name", "note", "removedIn", "subject", "type"]),
    ("claim-template-use", &["name", "volumeType"]),
    ("label-syntax", &["key", "value", "reason", "field", "operator"]),
    ("progress-deadline", &["deadline", "deadlineSource", "minReady"]),
    ("selector-match", &["labels", "requirement"]),
    ("service-selects-template", &["labels", "selector", "service"]),
    ("service-account-pull-secrets", &["elsewhere", "namespace", "secret", "serviceAccount", "type"]),
    ("schema", &["help", "message"]),
    (
        "claim-binding",
        &["alsoReplicas", "criterion", "detail", "more", "name", "namespace", "reason", "takenBy", "volume"],
    ),
    ("claim-refs", &["claim", "hint", "namespace", "volume"]),
    ("claim-multi-pod", &["volume", "claim", "modes", "mode", "pods"]),
    ("claim-shared-sts", &["volume", "claim", "modes", "mode", "replicas"]),
    ("claim-rollout", &["volume", "claim", "modes", "mode", "maxSurge"]),
    ("claim-prebind", &["claim", "name", "namespace", "other", "reason", "volume"]),
    ("claim-class-unset", &["name", "namespace", "volume"]),
    ("class-defaults", &["a", "b"]),
    ("volume-modes", &["claim", "container", "field", "mode", "type", "volume", "what"]),
    ("pv-reclaim", &["claim", "driver", "provisioner"]),
    ("sts-retention", &["fate"]),
    ("config-rollout", &["container", "kind", "name", "ref", "refKind", "refName", "via"]),
    ("subpath-target", &["container", "file", "mountPath", "source", "subPath", "suggestion", "volume"]),
    ("storage-class", &["name", "platforms"]),
    ("env-from-names", &["key", "kind", "mode", "name", "prefix", "ref", "version"]),
];

/// The parameters each template reads from its rule's `params` (by template name): a check rule's parameter
/// that its template does not read, and that the rule's text does not use as `{{params.NAME}}`, is an error
/// when the pack loads (a misspelled `report` would silently select the template's default).
pub static PARAMS: &[(&str, &[&str])] = &[
    ("removed-api", &["removals"]),
    ("volume-refs", &["report"]),
    ("config-data", &["report", "limit"]),
    ("env-names", &["relaxedFrom"]),
    ("env-from-names", &["relaxedFrom"]),
    ("volume-mounts", &["types", "mount", "volume", "container", "at"]),
    ("volume-types", &["types"]),
    ("service-account-pull-secrets", &["report"]),
    ("storage-class", &["knownStorageClasses", "platformStorageClasses"]),
];

/// The parameters template `name` reads ([`PARAMS`]; none for a template not listed).
pub fn params_of(name: &str) -> &'static [&'static str] {
    PARAMS.iter().find(|(n, _)| *n == name).map_or(&[], |(_, v)| v)
}

/// The `{{check.*}}` values template `name` may set.
pub fn vars_of(name: &str) -> &'static [&'static str] {
    VARS.iter().find(|(n, _)| *n == name).map_or(&[], |(_, v)| v)
}

/// Work a template does once per run before evaluation, spread over the threads (compiling what its checks
/// will read), so that evaluation threads never wait on each other inside a lazily initialised cache.
pub type PrepareFn = fn(&Index<'_>, &Config);

/// The templates that prepare, by name.
static PREPARE: &[(&str, PrepareFn)] = &[("schema", schema::prepare)];

/// Runs the preparation of each template in `names` that has one.
pub fn prepare<'n>(names: impl IntoIterator<Item = &'n str>, index: &Index<'_>, config: &Config) {
    let mut done: Vec<&str> = Vec::new();
    for name in names {
        if done.contains(&name) {
            continue;
        }
        done.push(name);
        if let Some((_, f)) = PREPARE.iter().find(|(n, _)| *n == name) {
            f(index, config);
        }
    }
}

/// Whether `name` is a known check template.
pub fn is_known(name: &str) -> bool {
    TEMPLATES.iter().any(|(n, _)| *n == name)
}

/// Runs check template `name`.
pub fn run(name: &str, input: &CheckInput<'_>) -> Vec<Hit> {
    TEMPLATES.iter().find(|(n, _)| *n == name).map_or_else(Vec::new, |(_, f)| f(input))
}

fn removed_api(params: &Map<String, Value>, object: &Value, config: &Config) -> Vec<Hit> {
    let (Some(api), Some(kind)) =
        (object.field("apiVersion").and_then(Value::as_str), object.field("kind").and_then(Value::as_str))
    else {
        return Vec::new();
    };
    let Some(removals) = params.field("removals").and_then(Value::as_array) else { return Vec::new() };
    for r in removals {
        if r.field("apiVersion").and_then(Value::as_str) != Some(api) {
            continue;
        }
        let kinds = r.field("kinds").and_then(Value::as_array);
        if !kinds.is_some_and(|ks| ks.iter().any(|k| k.as_str() == Some(kind))) {
            continue;
        }
        let removed_in = r.field("removedIn").and_then(Value::as_str).and_then(crate::config::parse_version);
        let Some(removed_in) = removed_in else { continue };
        // A list of replacements: the first one the target version serves (the last when it serves none).
        let replacement = match r.field("replacement") {
            Some(Value::Array(list)) => {
                let names: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
                let served = names.iter().find(|a| crate::schema::builtin_knows(config.target_version, a, kind));
                served.or(names.last()).copied().unwrap_or("")
            }
            other => other.and_then(Value::as_str).unwrap_or(""),
        };
        let case = if config.target_version >= removed_in {
            "removed"
        } else if config.upgrade_to.is_some_and(|u| u >= removed_in) {
            "upgrade"
        } else if crate::schema::builtin_knows(config.target_version, replacement, kind) {
            // Still served, and its successor is too: what the deprecation policy announces before a removal.
            "deprecated"
        } else {
            continue;
        };
        let mut vars = Map::new();
        vars.insert("apiVersion".into(), json!(api));
        vars.insert("kind".into(), json!(kind));
        vars.insert("removedIn".into(), json!(format!("{}.{}", removed_in.0, removed_in.1)));
        vars.insert("replacement".into(), json!(replacement));
        vars.insert("notes".into(), r.field("notes").cloned().unwrap_or(Value::Null));
        let upgrade = config.upgrade_to.map(|(a, b)| format!("{a}.{b}"));
        vars.insert("upgradeTo".into(), upgrade.map_or(Value::Null, Value::String));
        let case = Some(case.to_owned());
        return vec![Hit { path: vec![PathElem::Key("apiVersion".into())], vars, case, ..Default::default() }];
    }
    Vec::new()
}

fn names(list: Option<&Value>, key: &str) -> Vec<String> {
    list.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.field(key).and_then(Value::as_str).map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn volume_refs(params: &Map<String, Value>, object: &Value, pod_spec: Located<'_>) -> Vec<Hit> {
    let spec = pod_spec.value;
    let volumes = names(spec.field("volumes"), "name");
    let is_sts = object.field("kind").and_then(Value::as_str) == Some("StatefulSet");
    let claim_templates = if is_sts {
        names(object.pointer_at("/spec/volumeClaimTemplates"), "metadata").into_iter().collect::<Vec<_>>()
    } else {
        Vec::new()
    };
    let claim_templates: Vec<String> = if is_sts {
        object
            .pointer_at("/spec/volumeClaimTemplates")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.pointer_at("/metadata/name").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or(claim_templates)
    } else {
        claim_templates
    };
    let report = params.field("report").and_then(Value::as_str).unwrap_or("undefined");
    let mut hits = Vec::new();
    let mut used: Vec<String> = Vec::new();
    for list in crate::workload::CONTAINER_LISTS {
        let Some(containers) = spec.get(*list).and_then(Value::as_array) else { continue };
        for (ci, c) in containers.iter().enumerate() {
            let cname = &crate::workload::container_name(c, ci);
            for field in ["volumeMounts", "volumeDevices"] {
                let Some(mounts) = c.get(field).and_then(Value::as_array) else { continue };
                for (mi, m) in mounts.iter().enumerate() {
                    let Some(vname) = m.field("name").and_then(Value::as_str) else { continue };
                    used.push(vname.to_owned());
                    if report == "undefined"
                        && !volumes.iter().any(|v| v == vname)
                        && !claim_templates.iter().any(|v| v == vname)
                    {
                        let mut vars = Map::new();
                        vars.insert("container".into(), json!(cname));
                        vars.insert("volume".into(), json!(vname));
                        vars.insert("field".into(), json!(field));
                        hits.push(Hit {
                            path: vec![
                                PathElem::Key((*list).to_owned()),
                                PathElem::Index(ci),
                                PathElem::Key(field.to_owned()),
                                PathElem::Index(mi),
                                PathElem::Key("name".into()),
                            ],
                            vars,
                            case: None,
                            ..Default::default()
                        });
                    }
                }
            }
        }
    }
    if report == "unused" {
        if let Some(vols) = spec.field("volumes").and_then(Value::as_array) {
            for (i, v) in vols.iter().enumerate() {
                let Some(vname) = v.field("name").and_then(Value::as_str) else { continue };
                if used.iter().any(|u| u == vname) {
                    continue;
                }
                let vtype = v.as_object().and_then(|m| m.keys().find(|k| *k != "name").cloned()).unwrap_or_default();
                let mut vars = Map::new();
                vars.insert("volume".into(), json!(vname));
                vars.insert("type".into(), json!(vtype));
                hits.push(Hit {
                    path: vec![PathElem::Key("volumes".into()), PathElem::Index(i)],
                    vars,
                    case: None,
                    ..Default::default()
                });
            }
        }
    }
    hits
}

#[cfg(test)]
mod vars_tests {
    #[test]
    fn every_template_declares_its_values() {
        for (name, _) in super::TEMPLATES {
            assert!(super::VARS.iter().any(|(n, _)| n == name), "template {name} has no entry in VARS");
        }
        assert_eq!(super::VARS.len(), super::TEMPLATES.len());
        for (name, _) in super::PARAMS {
            assert!(super::TEMPLATES.iter().any(|(n, _)| n == name), "PARAMS names no template {name}");
        }
    }
}
