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

/// What a variable without a value and without a `??` fallback renders as: this mark followed by the
/// variable (`⁇node.value`). The pack's validation rejects every variable that cannot resolve by
/// construction; the mark makes the rest visible — in output, and to the fixture harness, which fails a
/// snapshot that contains it — instead of rendering as nothing.
pub const UNRESOLVED: &str = "\u{2047}";

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

    /// The variables used: root and path after it.
    pub fn vars(&self) -> impl Iterator<Item = (&str, &[PathElem])> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { root, path, .. } => Some((root.as_str(), path.as_slice())),
            Part::Text(_) => None,
        })
    }

    /// Renders with `vars`; a null value renders as its fallback or nothing, a missing one as its fallback
    /// or [`UNRESOLVED`] and the variable's name.
    pub fn render(&self, vars: &dyn Vars) -> String {
        self.render_with(vars, true)
    }

    /// Renders a value rather than a text for people (a `require` name, namespace or key): a missing value
    /// renders as its fallback or nothing (an empty name is not checked).
    pub fn render_value(&self, vars: &dyn Vars) -> String {
        self.render_with(vars, false)
    }

    fn render_with(&self, vars: &dyn Vars, mark: bool) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Var { root, path, fallback } => match (vars.lookup(root, path).as_deref(), fallback) {
                    // A document's value is shown, never acted on: control characters are escaped in a
                    // text for people (a value can come from a pull request); a value for lookups stays.
                    (Some(Value::String(s)), _) if mark => out.push_str(&crate::source::visible(s)),
                    (Some(Value::String(s)), _) => out.push_str(s),
                    (None | Some(Value::Null), Some(f)) => out.push_str(f),
                    (Some(Value::Null), None) => {}
                    (None, None) if !mark => {}
                    (None, None) => {
                        out.push_str(UNRESOLVED);
                        out.push_str(root);
                        for elem in path {
                            match elem {
                                PathElem::Key(k) => {
                                    out.push('.');
                                    out.push_str(k);
                                }
                                PathElem::Index(i) => out.push_str(&format!("[{i}]")),
                            }
                        }
                    }
                    (Some(other), _) => out.push_str(&other.to_string()),
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
        assert_eq!(out, "volume `v` at /etc (3)\u{2047}missing");
        assert!(Template::parse("{{oops").is_err());
    }

    #[test]
    fn missing_and_null_values_use_the_fallback() {
        let t = Template::parse("clusterIP: {{ related.ip ?? unset, an IP is allocated }}").unwrap();
        assert_eq!(t.render(&V(json!({"related": {}}))), "clusterIP: unset, an IP is allocated");
        assert_eq!(t.render(&V(json!({"related": {"ip": null}}))), "clusterIP: unset, an IP is allocated");
        assert_eq!(t.render(&V(json!({"related": {"ip": "10.0.0.1"}}))), "clusterIP: 10.0.0.1");
        let t = Template::parse("[{{ related.ip }}] [{{ related.x[1] }}]").unwrap();
        assert_eq!(t.render(&V(json!({"related": {"ip": null}}))), "[] [\u{2047}related.x[1]]");
    }
}
