//! JSON Schema errors → [`Violation`]s a person understands, one per root cause:
//! `spec.replicas: expected an integer, got the string "3"`, `spec.template.spec.volumes[0].gitRepo: unknown
//! field "reversion"; did you mean "revision"?`, `spec.strategy.type: "Rolling" is not one of "Recreate",
//! "RollingUpdate"`, `spec.template.spec.containers[0]: missing required field "image"`.
//!
//! Root causes: errors below a node of the wrong type are dropped (the parent's type is the problem); a
//! missing required field that an unknown field's suggestion names is reported once, on the unknown field.

use super::{location_path, Schema};
use crate::yaml::{path_string, PathElem};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::ValidationError;
use serde_json::Value;

/// What kind of schema problem a violation is; the rule's case of the same name words and grades it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    /// A field the schema does not define (kubectl's strict field validation).
    UnknownField,
    /// A value of the wrong JSON type.
    Type,
    /// A value outside an enum.
    Enum,
    /// A required field is missing.
    Required,
    /// Any other constraint (pattern, minimum, length … — custom resources).
    Invalid,
}

/// One schema problem, located at `path` (relative to the object root).
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The kind of problem.
    pub kind: ViolationKind,
    /// Where to report: the unknown key itself, the offending value, or the object missing a field.
    pub path: Vec<PathElem>,
    /// The message, starting with the field's path.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// For type errors: the expected JSON types (without `null`).
    pub expected: Vec<&'static str>,
}

/// An article and a name for a JSON type: "an integer", "a list".
pub fn type_phrase(t: &str) -> &'static str {
    match t {
        "integer" => "an integer",
        "number" => "a number",
        "string" => "a string",
        "boolean" => "a boolean",
        "array" => "a list",
        "object" => "a mapping",
        "null" => "null",
        _ => "a value",
    }
}

/// "the string \"3\"", "the boolean true", "a mapping".
pub fn value_phrase(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", Value::String(s.clone())),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

fn field(path: &[PathElem]) -> String {
    let p = path_string(path);
    if p.is_empty() {
        "(object)".into()
    } else {
        p
    }
}

fn types_of(kind: &TypeKind) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = match kind {
        TypeKind::Single(t) => vec![t.as_str()],
        TypeKind::Multiple(set) => set.iter().map(|t| t.as_str()).collect(),
    };
    out.retain(|t| *t != "null");
    out
}

fn type_message(path: &[PathElem], expected: &[&'static str], got: &Value) -> String {
    let phrases: Vec<&str> = expected.iter().map(|t| type_phrase(t)).collect();
    format!("{}: expected {}, got {}", field(path), phrases.join(" or "), value_phrase(got))
}

fn type_help(expected: &[&'static str], got: &Value) -> String {
    match got {
        Value::String(s) if expected.contains(&"integer") || expected.contains(&"number") => {
            format!("write {s} without quotes")
        }
        Value::String(s) if expected.contains(&"boolean") => format!("write {s} without quotes"),
        Value::Object(_) if expected == ["array"] => "write a list: each entry starts with `- `".into(),
        Value::Array(_) if expected == ["object"] => "write a mapping of `key: value` lines, not a list".into(),
        _ if expected == ["array"] => "write a list (`- item`), even for a single entry".into(),
        _ => format!("write {}", expected.iter().map(|t| type_phrase(t)).collect::<Vec<_>>().join(" or ")),
    }
}

/// The closest allowed name within a small edit distance (case differences count as one edit).
pub fn suggest<'n>(name: &str, allowed: &'n [String]) -> Option<&'n str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for candidate in allowed {
        let lower = candidate.to_ascii_lowercase();
        let d = if candidate.eq_ignore_ascii_case(name) {
            1
        } else if name.len() >= 4 && lower.ends_with(&name.to_ascii_lowercase()) {
            // `name` for `secretName`, `path` for `mountPath`: the short form of a prefixed field
            limit
        } else {
            strsim::damerau_levenshtein(&name.to_ascii_lowercase(), &lower)
        };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

fn quoted_list(values: &[Value]) -> String {
    values.iter().map(Value::to_string).collect::<Vec<_>>().join(", ")
}

/// Turns the validator's errors into violations (see the module docs for the root-cause rules).
pub fn explain<'i>(
    schema: &Schema,
    instance: &'i Value,
    errors: impl Iterator<Item = ValidationError<'i>>,
) -> Vec<Violation> {
    let mut out: Vec<Violation> = Vec::new();
    for error in errors {
        let path = location_path(error.instance_path());
        convert(schema, &path, error.instance(), error.kind(), &mut out);
    }
    let _ = instance;
    root_causes(out)
}

fn convert(schema: &Schema, path: &[PathElem], got: &Value, kind: &ValidationErrorKind, out: &mut Vec<Violation>) {
    match kind {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = schema.property_names(path);
            // `$patch`, `$setElementOrder/…`, `$retainKeys`: strategic-merge-patch directives of kustomize patches.
            for name in unexpected.iter().filter(|n| !n.starts_with('$')) {
                let mut at = path.to_vec();
                at.push(PathElem::Key(name.clone()));
                let hint = suggest(name, &allowed);
                let (message, help) = match hint {
                    Some(h) => (
                        format!("{}: unknown field {}; did you mean {}?", field(path), json_str(name), json_str(h)),
                        format!("rename it to {h}"),
                    ),
                    None => (format!("{}: unknown field {}", field(path), json_str(name)), help_for_unknown(&allowed)),
                };
                out.push(Violation {
                    kind: ViolationKind::UnknownField,
                    path: at,
                    message,
                    help,
                    expected: Vec::new(),
                });
            }
        }
        ValidationErrorKind::Type { kind } => {
            let expected = types_of(kind);
            out.push(Violation {
                kind: ViolationKind::Type,
                path: path.to_vec(),
                message: type_message(path, &expected, got),
                help: type_help(&expected, got),
                expected,
            });
        }
        ValidationErrorKind::Enum { options } => {
            // `null` (unset) is allowed wherever the field is optional; it is not worth listing.
            let options: Vec<Value> =
                options.as_array().into_iter().flatten().filter(|o| !o.is_null()).cloned().collect();
            let names: Vec<String> = options.iter().filter_map(|o| o.as_str().map(str::to_owned)).collect();
            let hint = got.as_str().and_then(|g| suggest(g, &names));
            let help = match hint {
                Some(h) => format!("did you mean {}? (values are case-sensitive)", json_str(h)),
                None => format!("use one of {}", quoted_list(&options)),
            };
            out.push(Violation {
                kind: ViolationKind::Enum,
                path: path.to_vec(),
                message: format!("{}: {} is not one of {}", field(path), got, quoted_list(&options)),
                help,
                expected: Vec::new(),
            });
        }
        ValidationErrorKind::Constant { expected_value } => {
            out.push(Violation {
                kind: ViolationKind::Enum,
                path: path.to_vec(),
                message: format!("{}: {} is not {}", field(path), got, expected_value),
                help: format!("use {expected_value}"),
                expected: Vec::new(),
            });
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            out.push(Violation {
                kind: ViolationKind::Required,
                path: path.to_vec(),
                message: format!("{}: missing required field {}", field(path), json_str(name)),
                help: format!("add {name}"),
                expected: Vec::new(),
            });
        }
        ValidationErrorKind::OneOfMultipleValid { .. } if got.is_null() => {}
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            // int-or-string, quantity: every branch is a type error at this node → one type violation.
            let mut expected: Vec<&'static str> = Vec::new();
            let mut all_types = !context.is_empty();
            for branch in context {
                for e in branch {
                    match e.kind() {
                        ValidationErrorKind::Type { kind } if location_path(e.instance_path()) == path => {
                            expected.extend(types_of(kind));
                        }
                        _ => all_types = false,
                    }
                }
            }
            if all_types && !expected.is_empty() {
                expected.sort_unstable();
                expected.dedup();
                out.push(Violation {
                    kind: ViolationKind::Type,
                    path: path.to_vec(),
                    message: type_message(path, &expected, got),
                    help: type_help(&expected, got),
                    expected,
                });
            } else {
                out.push(other(path, got, kind));
            }
        }
        _ => out.push(other(path, got, kind)),
    }
}

fn other(path: &[PathElem], got: &Value, kind: &ValidationErrorKind) -> Violation {
    let what = match kind {
        ValidationErrorKind::Pattern { pattern } => format!("{got} does not match the pattern {}", json_str(pattern)),
        ValidationErrorKind::Minimum { limit } => format!("{got} is less than the minimum {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("{got} is greater than the maximum {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("{got} must be greater than {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("{got} must be less than {limit}"),
        ValidationErrorKind::MinLength { limit } => format!("{got} is shorter than {limit} characters"),
        ValidationErrorKind::MaxLength { limit } => format!("{got} is longer than {limit} characters"),
        ValidationErrorKind::MinItems { limit } => format!("the list has fewer than {limit} items"),
        ValidationErrorKind::MaxItems { limit } => format!("the list has more than {limit} items"),
        ValidationErrorKind::MinProperties { limit } => format!("fewer than {limit} fields"),
        ValidationErrorKind::MaxProperties { limit } => format!("more than {limit} fields"),
        ValidationErrorKind::UniqueItems => "the list has duplicate items".into(),
        ValidationErrorKind::OneOfMultipleValid { .. } => "matches more than one of the allowed forms".into(),
        ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => {
            "matches none of the allowed forms".into()
        }
        ValidationErrorKind::Not { .. } => "has a form that is not allowed".into(),
        _ => "is not valid for its schema".into(),
    };
    Violation {
        kind: ViolationKind::Invalid,
        path: path.to_vec(),
        message: format!("{}: {what}", field(path)),
        help: "fix the value as the schema requires".into(),
        expected: Vec::new(),
    }
}

fn help_for_unknown(allowed: &[String]) -> String {
    if allowed.is_empty() {
        return "remove the field".into();
    }
    const SHOWN: usize = 12;
    let mut list = allowed.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if allowed.len() > SHOWN {
        list.push_str(&format!(", … ({} in all)", allowed.len()));
    }
    format!("remove it or check its indentation; fields here: {list}")
}

fn json_str(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

fn is_prefix(prefix: &[PathElem], path: &[PathElem]) -> bool {
    prefix.len() < path.len() && path[..prefix.len()] == *prefix
}

/// Keeps one violation per root cause.
fn root_causes(mut all: Vec<Violation>) -> Vec<Violation> {
    // Below a node of the wrong type, or below an unknown field, nothing else is meaningful.
    let roots: Vec<Vec<PathElem>> = all
        .iter()
        .filter(|v| matches!(v.kind, ViolationKind::Type | ViolationKind::UnknownField))
        .map(|v| v.path.clone())
        .collect();
    all.retain(|v| !roots.iter().any(|r| is_prefix(r, &v.path)));
    // `nmae:` unknown + `name` missing at the same object: one finding, on the misspelt key.
    let mut merged: Vec<usize> = Vec::new();
    for i in 0..all.len() {
        if all[i].kind != ViolationKind::Required {
            continue;
        }
        let Some(missing) = all[i].message.rsplit_once("missing required field ").map(|(_, m)| m.to_owned()) else {
            continue;
        };
        let parent = all[i].path.clone();
        if let Some(j) = all.iter().position(|u| {
            u.kind == ViolationKind::UnknownField
                && u.path.len() == parent.len() + 1
                && u.path[..parent.len()] == *parent
                && u.message.ends_with(&format!("did you mean {missing}?"))
        }) {
            all[j].kind = ViolationKind::Required;
            all[j].message.push_str(&format!(" ({missing} is required)"));
            merged.push(i);
        }
    }
    let mut out = Vec::with_capacity(all.len());
    for (i, v) in all.into_iter().enumerate() {
        if merged.contains(&i) || out.contains(&v) {
            continue;
        }
        out.push(v);
    }
    out
}
