//! `{{ name.path }}` templates for messages, help and labels, parsed once per rule.

use crate::value::Fields;
use crate::yaml::{parse_dotted, PathElem};
use serde_json::Value;
use std::borrow::Cow;

/// A parsed template.
#[derive(Debug, Clone, Default)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    /// `{{ root.path }}`, or `{{ root.path ?? fallback text }}` (the text is used when the value is missing or null).
    Var {
        root: String,
        path: Vec<PathElem>,
        fallback: Option<String>,
    },
}

/// Supplies values for template variables.
pub trait Vars {
    /// The value of `root` followed by `path`, if any.
    fn lookup(&self, root: &str, path: &[PathElem]) -> Option<Cow<'_, Value>>;
}

impl Template {
    /// Parses `text`; an unterminated `{{` is an error.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let close = after.find("}}").ok_or_else(|| format!("unterminated `{{{{` in template {text:?}"))?;
            let (expr, fallback) = match after[..close].split_once("??") {
                Some((e, f)) => (e.trim(), Some(f.trim().to_owned())),
                None => (after[..close].trim(), None),
            };
            let path = parse_dotted(expr)
                .filter(|p| !p.is_empty())
                .ok_or_else(|| format!("bad template variable `{expr}`"))?;
            let PathElem::Key(root) = &path[0] else {
                return Err(format!("bad template variable `{expr}`"));
            };
            parts.push(Part::Var { root: root.clone(), path: path[1..].to_vec(), fallback });
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Template { parts })
    }

    /// The variable roots used (for validation).
    pub fn roots(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { root, .. } => Some(root.as_str()),
            Part::Text(_) => None,
        })
    }

    /// Renders with `vars`; missing values render as nothing.
    pub fn render(&self, vars: &dyn Vars) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Var { root, path, fallback } => match vars.lookup(root, path).as_deref() {
                    Some(Value::String(s)) => out.push_str(s),
                    None | Some(Value::Null) => out.push_str(fallback.as_deref().unwrap_or("")),
                    Some(other) => out.push_str(&other.to_string()),
                },
            }
        }
        out
    }
}

/// Walks `path` inside `value`.
pub fn walk<'v>(value: &'v Value, path: &[PathElem]) -> Option<&'v Value> {
    let mut cur = value;
    for elem in path {
        cur = match (elem, cur) {
            (PathElem::Key(k), Value::Object(m)) => m.field(k)?,
            (PathElem::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct V(Value);
    impl Vars for V {
        fn lookup(&self, root: &str, path: &[PathElem]) -> Option<Cow<'_, Value>> {
            walk(self.0.get(root)?, path).map(Cow::Borrowed)
        }
    }

    #[test]
    fn renders_values() {
        let t = Template::parse("volume `{{node.name}}` at {{ node.hostPath.path }} ({{node.n}}){{missing}}").unwrap();
        let out = t.render(&V(json!({"node": {"name": "v", "hostPath": {"path": "/etc"}, "n": 3}})));
        assert_eq!(out, "volume `v` at /etc (3)");
        assert!(Template::parse("{{oops").is_err());
    }

    #[test]
    fn missing_and_null_values_use_the_fallback() {
        let t = Template::parse("clusterIP: {{ related.ip ?? unset, an IP is allocated }}").unwrap();
        assert_eq!(t.render(&V(json!({"related": {}}))), "clusterIP: unset, an IP is allocated");
        assert_eq!(t.render(&V(json!({"related": {"ip": null}}))), "clusterIP: unset, an IP is allocated");
        assert_eq!(t.render(&V(json!({"related": {"ip": "10.0.0.1"}}))), "clusterIP: 10.0.0.1");
    }
}
