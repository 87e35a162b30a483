//! `env-names`: a container's own `env[*].name` and `envFrom[*].prefix` validated in the mode of the target
//! Kubernetes version: strict (`IsEnvVarName`) before `relaxedFrom` (param, default `1.32`, when
//! `RelaxedEnvironmentVariableValidation` became beta and on by default), relaxed (printable ASCII except
//! `=`) from then on. Case `env-name` or `prefix`; values `check.name`, `check.mode`, `check.version`.

use super::{CheckInput, Hit};
use crate::config::parse_version;
use crate::pack::keywords::{is_env_var_name, is_env_var_name_relaxed};
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// Reports each invalid env name and envFrom prefix of the container.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let container = input.target.value;
    let relaxed_from =
        input.params.field("relaxedFrom").and_then(Value::as_str).and_then(parse_version).unwrap_or((1, 32));
    let (major, minor) = input.config.target_version;
    let relaxed = input.config.target_version >= relaxed_from;
    let valid = |s: &str| if relaxed { is_env_var_name_relaxed(s) } else { is_env_var_name(s) };
    let mut hits = Vec::new();
    let mut push = |list: &str, i: usize, key: &str, name: &str, case: &str| {
        let mut vars = Map::new();
        vars.insert("name".into(), json!(name));
        vars.insert("mode".into(), json!(if relaxed { "relaxed" } else { "strict" }));
        vars.insert("version".into(), json!(format!("{major}.{minor}")));
        hits.push(Hit {
            path: vec![PathElem::Key(list.to_owned()), PathElem::Index(i), PathElem::Key(key.to_owned())],
            vars,
            case: Some(case.to_owned()),
            ..Default::default()
        });
    };
    for (i, e) in container.field("env").and_then(Value::as_array).into_iter().flatten().enumerate() {
        if let Some(name) = e.field("name").and_then(Value::as_str) {
            if !valid(name) {
                push("env", i, "name", name, "env-name");
            }
        }
    }
    for (i, e) in container.field("envFrom").and_then(Value::as_array).into_iter().flatten().enumerate() {
        if let Some(prefix) = e.field("prefix").and_then(Value::as_str) {
            if !prefix.is_empty() && !valid(prefix) {
                push("envFrom", i, "prefix", prefix, "prefix");
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::super::volume_names::run_for_test;
    use super::*;

    fn container() -> Value {
        json!({"name": "app", "env": [
            {"name": "CONFIG_FOO-BAR", "value": "1"},
            {"name": "1ST_VAR", "value": "2"},
            {"name": "A=B", "value": "3"},
            {"name": "", "value": "4"}
        ], "envFrom": [{"prefix": "9_", "configMapRef": {"name": "x"}}, {"prefix": "", "configMapRef": {"name": "y"}}]})
    }

    #[test]
    fn strict_before_relaxed() {
        let c = container();
        let hits = run_for_test(check, &json!({}), &c, &c, (1, 31));
        let names: Vec<&Value> = hits.iter().map(|h| &h.vars["name"]).collect();
        assert_eq!(names, vec![&json!("1ST_VAR"), &json!("A=B"), &json!(""), &json!("9_")]);
        assert_eq!(hits[3].case.as_deref(), Some("prefix"));
        assert_eq!(hits[0].vars["mode"], json!("strict"));
    }

    #[test]
    fn relaxed_from_1_32() {
        let c = container();
        let hits = run_for_test(check, &json!({}), &c, &c, (1, 34));
        let names: Vec<&Value> = hits.iter().map(|h| &h.vars["name"]).collect();
        assert_eq!(names, vec![&json!("A=B"), &json!("")]);
    }
}
