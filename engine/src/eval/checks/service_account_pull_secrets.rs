//! `service-account-pull-secrets`: the image pull Secrets a Pod gets from its ServiceAccount (the
//! template's `serviceAccountName`, default `default`, → ServiceAccount `imagePullSecrets[*].name` → Secret). Param
//! `report`: `missing` (no such Secret in the namespace; escalated like `require:` — error when the set is
//! complete or the name exists only elsewhere) or `wrong-type` (the Secret is not a docker registry Secret).
//! Only ServiceAccounts of the set (or `cluster:` ones that declare `imagePullSecrets`) are followed; names the
//! Pod lists itself are reported by the direct cases.

use super::{CheckInput, Hit};
use crate::finding::Severity;
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// Whether a Secret carries registry credentials the kubelet uses.
pub fn is_registry_secret(secret: &Value) -> bool {
    let key = match secret.field("type").and_then(Value::as_str) {
        Some("kubernetes.io/dockerconfigjson") => ".dockerconfigjson",
        Some("kubernetes.io/dockercfg") => ".dockercfg",
        _ => return false,
    };
    ["data", "stringData"]
        .iter()
        .any(|f| secret.field(f).and_then(|d| d.field(key)).and_then(Value::as_str).is_some_and(|v| !v.is_empty()))
}

/// The check.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let spec = input.target.value;
    let report = input.params.field("report").and_then(Value::as_str).unwrap_or("missing");
    let (sa_name, sa_path) = match spec.field("serviceAccountName").and_then(Value::as_str) {
        Some(n) if !n.is_empty() => (n, vec![PathElem::Key("serviceAccountName".into())]),
        _ => match spec.field("serviceAccount").and_then(Value::as_str) {
            Some(n) if !n.is_empty() => (n, vec![PathElem::Key("serviceAccount".into())]),
            _ => ("default", Vec::new()),
        },
    };
    let namespace = input.resource.object.namespace.as_deref().unwrap_or(&input.config.default_namespace);
    let Some(account) = input.index.get_near("ServiceAccount", namespace, sa_name, input.resource.file) else {
        return Vec::new();
    };
    let Some(secrets) = account.value.field("imagePullSecrets").and_then(Value::as_array) else { return Vec::new() };
    let own: Vec<&str> = spec
        .field("imagePullSecrets")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.field("name").and_then(Value::as_str)).collect())
        .unwrap_or_default();
    let mut hits = Vec::new();
    for (i, entry) in secrets.iter().enumerate() {
        let Some(name) = entry.field("name").and_then(Value::as_str).filter(|n| !n.is_empty()) else { continue };
        if own.contains(&name) {
            continue;
        }
        let entry_path = [PathElem::Key("imagePullSecrets".into()), PathElem::Index(i), PathElem::Key("name".into())];
        let mut related: Vec<_> = input
            .index
            .related(account, &entry_path, format!("ServiceAccount {sa_name} lists image pull Secret {name}"))
            .into_iter()
            .collect();
        let mut vars = Map::new();
        vars.insert("serviceAccount".into(), json!(sa_name));
        vars.insert("secret".into(), json!(name));
        vars.insert("namespace".into(), json!(namespace));
        let secret = input.index.get_near("Secret", namespace, name, input.resource.file);
        let mut severity = None;
        match (report, secret) {
            ("missing", None) => {
                let elsewhere: Vec<&str> =
                    input.index.namespaces_of("Secret", name).into_iter().filter(|n| *n != namespace).collect();
                let text = if elsewhere.is_empty() {
                    String::new()
                } else {
                    let list = elsewhere.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
                    format!(" (it exists only in namespace {list})")
                };
                vars.insert("elsewhere".into(), json!(text));
                if input.index.assume_complete || !elsewhere.is_empty() {
                    severity = Some(Severity::Error);
                }
            }
            ("wrong-type", Some(secret)) if secret.content_known && !is_registry_secret(secret.value) => {
                let ty = secret.value.field("type").and_then(Value::as_str).unwrap_or("Opaque");
                vars.insert("type".into(), json!(ty));
                related.extend(input.index.related(
                    secret,
                    &[PathElem::Key("type".into())],
                    format!("Secret {name} has type {ty}"),
                ));
            }
            _ => continue,
        }
        hits.push(Hit { path: sa_path.clone(), vars, related, severity, ..Default::default() });
    }
    hits
}
