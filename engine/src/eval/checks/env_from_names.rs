//! `env-from-names`: the variable names a container's `envFrom` entries derive from the keys of a ConfigMap or
//! Secret in the set (`prefix` + key), validated in the mode of the target Kubernetes version like
//! `env-names` (strict `IsEnvVarName` before `relaxedFrom`, param, default `1.32`; relaxed from then on). The
//! kubelet skips such keys (Event `InvalidEnvironmentVariableNames`) instead of failing the Pod
//! (`env-name-invalid`).
//!
//! Quiet when the object is not in the set or its content is unknown (config `cluster:`), when the `prefix`
//! itself is invalid (the API rejects the container: `env-names` reports it), and for keys that are not
//! valid data keys (the object itself is rejected: `config-key-invalid`). One hit per key, at the envFrom
//! entry, with a related label on the key. Values: `check.key`, `check.kind`, `check.ref` (`ns/name`),
//! `check.prefix`, `check.name` (prefix + key), `check.mode`, `check.version`.

use super::{CheckInput, Hit};
use crate::config::parse_version;
use crate::pack::keywords::{is_configmap_key, is_env_var_name, is_env_var_name_relaxed};
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// Reports each key of an envFrom source in the set that yields an invalid variable name.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let container = input.target.value;
    let Some(entries) = container.field("envFrom").and_then(Value::as_array) else { return Vec::new() };
    let relaxed_from =
        input.params.field("relaxedFrom").and_then(Value::as_str).and_then(parse_version).unwrap_or((1, 32));
    let (major, minor) = input.config.target_version;
    let relaxed = input.config.target_version >= relaxed_from;
    let valid = |s: &str| if relaxed { is_env_var_name_relaxed(s) } else { is_env_var_name(s) };
    let namespace = input.resource.object.namespace.clone().unwrap_or_else(|| input.config.default_namespace.clone());
    let mut hits = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let prefix = e.field("prefix").and_then(Value::as_str).unwrap_or("");
        if !prefix.is_empty() && !valid(prefix) {
            continue;
        }
        let (kind, fields): (&str, [&str; 2]) = match (e.field("configMapRef"), e.field("secretRef")) {
            (Some(r), _) if r.is_object() => ("ConfigMap", ["data", "binaryData"]),
            (_, Some(r)) if r.is_object() => ("Secret", ["data", "stringData"]),
            _ => continue,
        };
        let selector = if kind == "Secret" { "secretRef" } else { "configMapRef" };
        let Some(name) = e.pointer(&format!("/{selector}/name")).and_then(Value::as_str) else { continue };
        let Some(entry) = input.index.get_near(kind, &namespace, name, input.resource.file).filter(|e| e.content_known)
        else {
            continue;
        };
        // Keys in sorted order, each with the first field that holds it.
        let mut keys: Vec<(&str, &str)> = fields
            .iter()
            .filter_map(|f| entry.value.get(*f).and_then(Value::as_object).map(|m| (*f, m)))
            .flat_map(|(f, m)| m.keys().map(move |k| (k.as_str(), f)))
            .collect();
        keys.sort_by(|a, b| a.0.cmp(b.0));
        keys.dedup_by(|a, b| a.0 == b.0);
        for (k, field) in keys {
            let full = format!("{prefix}{k}");
            if !is_configmap_key(k) || valid(&full) {
                continue;
            }
            let mut vars = Map::new();
            vars.insert("key".into(), json!(k));
            vars.insert("kind".into(), json!(kind));
            vars.insert("ref".into(), json!(entry.display_name()));
            vars.insert("prefix".into(), json!(prefix));
            vars.insert("name".into(), json!(full));
            vars.insert("mode".into(), json!(if relaxed { "relaxed" } else { "strict" }));
            vars.insert("version".into(), json!(format!("{major}.{minor}")));
            let label = format!("key {k} of {kind} {}", entry.display_name());
            let related =
                input.index.related(entry, &[PathElem::Key(field.to_owned()), PathElem::Key(k.to_owned())], label);
            hits.push(Hit {
                path: vec![PathElem::Key("envFrom".into()), PathElem::Index(i)],
                vars,
                related: related.into_iter().collect(),
                ..Default::default()
            });
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::super::config_rollout::test_support::{run as run_set, Root};
    use super::*;

    const SET: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
    - name: app
      image: x:1
      envFrom:
        - configMapRef: {name: settings}
        - prefix: CONFIG_
          configMapRef: {name: settings}
        - prefix: '1X_'
          secretRef: {name: creds}
        - secretRef: {name: creds}
        - configMapRef: {name: elsewhere}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {1badkey: a, FOO-BAR: b, ok: c, 'bad key': d}
binaryData: {2bin: AA==}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: shop}
stringData: {9lives: x, USER: y}
";

    fn names(version: (u32, u32)) -> Vec<(String, String)> {
        run_set(check, &json!({}), SET, Root::Container, version)
            .into_iter()
            .map(|(p, h)| (p, h.vars["name"].as_str().unwrap_or("").to_owned()))
            .collect()
    }

    #[test]
    fn strict_mode_reports_each_key_at_its_envfrom_entry() {
        let got = names((1, 31));
        let want = [
            ("spec.containers[0].envFrom[0]", "1badkey"),
            ("spec.containers[0].envFrom[0]", "2bin"),
            // With a prefix, digit-leading keys are fine; the invalid prefix `1X_` is env-names' business.
            ("spec.containers[0].envFrom[3]", "9lives"),
        ];
        let want: Vec<(String, String)> = want.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect();
        assert_eq!(got, want);
        let hits = run_set(check, &json!({}), SET, Root::Container, (1, 31));
        assert_eq!(hits[0].1.vars["ref"], json!("shop/settings"));
        assert_eq!(hits[0].1.related.len(), 1);
    }

    #[test]
    fn relaxed_mode_accepts_every_valid_key() {
        assert!(names((1, 34)).is_empty());
        let hits = run_set(check, &json!({"relaxedFrom": "1.40"}), SET, Root::Container, (1, 34));
        assert_eq!(hits.len(), 3);
    }
}
