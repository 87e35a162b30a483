//! A rule's JSON Schema (`deny`, `assert`, `when`, `require.where`/`unless`), compiled twice: the `jsonschema`
//! validator, which explains failures and owns every keyword's exact semantics, and — where the schema allows — a
//! native predicate tree that answers "does it match" for the keywords rules use most (`type`, `const`, `enum`,
//! `required`, `properties`, `not`, `anyOf`, `minLength`, kvet's formats, …).
//!
//! Why: a rule schema is tested once per selected node, hundreds of thousands of times per run, mostly on a
//! small map or a scalar. The predicate tree skips jsonschema's per-call setup, and it reads a scalar view
//! (`{value, raw, style, tag}`) field by field instead of building that map for every selected scalar.
//! Keywords the tree does not evaluate itself (`pattern`, `minimum`, `contains`, kvet's `quantity`, …) are
//! compiled on their own with the same options and asked by jsonschema ("delegated"); a schema with a `$ref`
//! anywhere keeps the validator alone. Debug builds (every test) evaluate both and fail on any disagreement.

use super::keywords;
use crate::value::Fields;
use jsonschema::json::cmp;
use jsonschema::Validator;
use serde_json::{json, Map, Value};
use std::borrow::Cow;

/// A compiled rule schema.
pub struct RuleSchema {
    validator: Validator,
    fast: Option<Pred>,
    source: Value,
}

impl std::fmt::Debug for RuleSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSchema").field("source", &self.source).field("native", &self.fast.is_some()).finish()
    }
}

/// A scalar as `view: scalar` rules see it: `{value, raw, style, tag}` (see docs/rule-format.md), without the map.
#[derive(Debug, Clone, Copy)]
pub struct ScalarView<'a> {
    /// The resolved value.
    pub value: &'a Value,
    /// The source text of the scalar.
    pub raw: &'a str,
    /// `plain`, `single`, `double`, `literal` or `folded`.
    pub style: &'static str,
    /// The explicit tag, if any.
    pub tag: Option<&'a str>,
}

const VIEW_KEYS: [&str; 4] = ["value", "raw", "style", "tag"];

impl ScalarView<'_> {
    /// The view as the JSON object the schemas are written against.
    pub fn to_value(&self) -> Value {
        json!({"value": self.value, "raw": self.raw, "style": self.style, "tag": self.tag})
    }

    /// The view's members, in `VIEW_KEYS` order.
    fn members(&self) -> [(&'static str, Inst<'_>); 4] {
        [
            ("value", Inst::Json(self.value)),
            ("raw", Inst::Str(self.raw)),
            ("style", Inst::Str(self.style)),
            ("tag", self.tag.map_or(Inst::Null, Inst::Str)),
        ]
    }
}

impl RuleSchema {
    /// Compiles `schema` with kvet's formats and keywords ([`keywords::options`]).
    pub fn compile(schema: &Value) -> Result<RuleSchema, String> {
        let validator = keywords::options().build(schema).map_err(|e| e.to_string())?;
        let fast = if mentions_ref(schema) { None } else { translate(schema) };
        Ok(RuleSchema { validator, fast, source: schema.clone() })
    }

    /// Whether `instance` matches the schema.
    pub fn is_valid(&self, instance: &Value) -> bool {
        let Some(fast) = &self.fast else { return self.validator.is_valid(instance) };
        let valid = fast.test(Inst::Json(instance));
        #[cfg(debug_assertions)]
        self.agree(valid, instance);
        valid
    }

    /// Whether the scalar view matches the schema.
    pub fn is_valid_view(&self, view: &ScalarView<'_>) -> bool {
        let Some(fast) = &self.fast else { return self.validator.is_valid(&view.to_value()) };
        let valid = fast.test(Inst::View(view));
        #[cfg(debug_assertions)]
        self.agree(valid, &view.to_value());
        valid
    }

    /// The validator (for the errors of a failed `assert`).
    pub fn validator(&self) -> &Validator {
        &self.validator
    }

    /// Whether the native predicate answers for this schema (rather than the validator alone).
    pub fn is_native(&self) -> bool {
        self.fast.is_some()
    }

    #[cfg(debug_assertions)]
    fn agree(&self, native: bool, instance: &Value) {
        let reference = self.validator.is_valid(instance);
        assert_eq!(
            native, reference,
            "the native evaluation of rule schema {} disagrees with jsonschema on {instance}",
            self.source
        );
    }
}

/// Whether a `$ref` (or dynamic reference) appears anywhere: referenced subschemas are not self-contained, so
/// such schemas are left to the validator whole.
fn mentions_ref(schema: &Value) -> bool {
    match schema {
        Value::Object(m) => {
            m.keys().any(|k| matches!(k.as_str(), "$ref" | "$dynamicRef" | "$recursiveRef"))
                || m.values().any(mentions_ref)
        }
        Value::Array(items) => items.iter().any(mentions_ref),
        _ => false,
    }
}

/// Keywords whose meaning depends on more than the subschema's own keywords: a subschema with one is
/// delegated whole.
const CONTEXTUAL: &[&str] = &[
    "$id",
    "$schema",
    "$anchor",
    "$dynamicAnchor",
    "$recursiveAnchor",
    "$vocabulary",
    "$defs",
    "definitions",
    "unevaluatedProperties",
    "unevaluatedItems",
];

/// Keywords that never affect validity.
const ANNOTATIONS: &[&str] =
    &["title", "description", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly"];

const NULL: u8 = 1;
const BOOLEAN: u8 = 2;
const OBJECT: u8 = 4;
const ARRAY: u8 = 8;
const NUMBER: u8 = 16;
const INTEGER: u8 = 32;
const STRING: u8 = 64;

fn type_bit(name: &str) -> Option<u8> {
    Some(match name {
        "null" => NULL,
        "boolean" => BOOLEAN,
        "object" => OBJECT,
        "array" => ARRAY,
        "number" => NUMBER,
        "integer" => INTEGER,
        "string" => STRING,
        _ => return None,
    })
}

/// kvet's own formats, evaluated natively (the same functions [`keywords::options`] registers).
fn format(name: &str) -> Option<fn(&str) -> bool> {
    Some(match name {
        "dns1123-label" => keywords::is_dns1123_label,
        "dns1123-subdomain" => keywords::is_dns1123_subdomain,
        "env-var-name" => keywords::is_env_var_name,
        "env-var-name-relaxed" => keywords::is_env_var_name_relaxed,
        "configmap-key" => keywords::is_configmap_key,
        "label-key" => keywords::is_label_key,
        "label-value" => keywords::is_label_value,
        "k8s-quantity" => |s| crate::quantity::Quantity::parse(s).is_some(),
        _ => return None,
    })
}

/// A schema as a tree of native tests.
enum Pred {
    /// The `true`/`false` schema.
    Always(bool),
    All(Vec<Pred>),
    Any(Vec<Pred>),
    One(Vec<Pred>),
    Not(Box<Pred>),
    If(Box<Pred>, Option<Box<Pred>>, Option<Box<Pred>>),
    /// `type`, as a set of bits.
    Type(u8),
    Const(Value),
    Enum(Vec<Value>),
    Required(Vec<String>),
    /// `properties` and `additionalProperties`.
    Properties(Vec<(String, Pred)>, Option<Box<Pred>>),
    Items(Box<Pred>),
    /// `minLength`/`maxLength` (code points).
    Length(u64, u64),
    /// `minItems`/`maxItems`.
    ItemCount(u64, u64),
    /// `minProperties`/`maxProperties`.
    PropertyCount(u64, u64),
    Format(fn(&str) -> bool),
    /// Keywords left to jsonschema, compiled on their own.
    Delegate(Box<Validator>),
}

/// An instance: a document value, or a field of a scalar view, or the view itself.
#[derive(Clone, Copy)]
enum Inst<'a> {
    Json(&'a Value),
    Str(&'a str),
    Null,
    View(&'a ScalarView<'a>),
}

impl<'a> Inst<'a> {
    fn as_str(self) -> Option<&'a str> {
        match self {
            Inst::Json(Value::String(s)) => Some(s),
            Inst::Str(s) => Some(s),
            _ => None,
        }
    }

    fn matches_type(self, bits: u8) -> bool {
        match self {
            Inst::Json(v) => match v {
                Value::Null => bits & NULL != 0,
                Value::Bool(_) => bits & BOOLEAN != 0,
                Value::Object(_) => bits & OBJECT != 0,
                Value::Array(_) => bits & ARRAY != 0,
                Value::String(_) => bits & STRING != 0,
                Value::Number(n) => {
                    bits & NUMBER != 0
                        || (bits & INTEGER != 0
                            && (n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)))
                }
            },
            Inst::Str(_) => bits & STRING != 0,
            Inst::Null => bits & NULL != 0,
            Inst::View(_) => bits & OBJECT != 0,
        }
    }

    fn to_value(self) -> Cow<'a, Value> {
        match self {
            Inst::Json(v) => Cow::Borrowed(v),
            Inst::Str(s) => Cow::Owned(Value::String(s.to_owned())),
            Inst::Null => Cow::Owned(Value::Null),
            Inst::View(v) => Cow::Owned(v.to_value()),
        }
    }

    fn equals(self, expected: &Value) -> bool {
        match self {
            Inst::Json(v) => cmp::equal(v, expected),
            Inst::Str(s) => expected.as_str() == Some(s),
            Inst::Null => expected.is_null(),
            Inst::View(v) => cmp::equal(&v.to_value(), expected),
        }
    }
}

impl Pred {
    fn test(&self, inst: Inst<'_>) -> bool {
        match self {
            Pred::Always(b) => *b,
            Pred::All(ps) => ps.iter().all(|p| p.test(inst)),
            Pred::Any(ps) => ps.iter().any(|p| p.test(inst)),
            Pred::One(ps) => {
                let mut n = 0;
                for p in ps {
                    if p.test(inst) {
                        n += 1;
                        if n > 1 {
                            return false;
                        }
                    }
                }
                n == 1
            }
            Pred::Not(p) => !p.test(inst),
            Pred::If(cond, then, otherwise) => {
                let branch = if cond.test(inst) { then } else { otherwise };
                branch.as_ref().is_none_or(|p| p.test(inst))
            }
            Pred::Type(bits) => inst.matches_type(*bits),
            Pred::Const(v) => inst.equals(v),
            Pred::Enum(vs) => vs.iter().any(|v| inst.equals(v)),
            Pred::Required(keys) => match inst {
                Inst::Json(Value::Object(m)) => keys.iter().all(|k| m.field(k).is_some()),
                Inst::View(_) => keys.iter().all(|k| VIEW_KEYS.contains(&k.as_str())),
                _ => true,
            },
            Pred::Properties(props, additional) => match inst {
                Inst::Json(Value::Object(m)) => {
                    props.iter().all(|(k, p)| m.field(k).is_none_or(|v| p.test(Inst::Json(v))))
                        && additional.as_ref().is_none_or(|a| {
                            m.iter().all(|(k, v)| props.iter().any(|(name, _)| name == k) || a.test(Inst::Json(v)))
                        })
                }
                Inst::View(view) => {
                    view.members().into_iter().all(|(key, field)| match props.iter().find(|(name, _)| name == key) {
                        Some((_, p)) => p.test(field),
                        None => additional.as_ref().is_none_or(|a| a.test(field)),
                    })
                }
                _ => true,
            },
            Pred::Items(p) => match inst {
                Inst::Json(Value::Array(items)) => items.iter().all(|v| p.test(Inst::Json(v))),
                _ => true,
            },
            Pred::Length(min, max) => inst.as_str().is_none_or(|s| (*min..=*max).contains(&(s.chars().count() as u64))),
            Pred::ItemCount(min, max) => match inst {
                Inst::Json(Value::Array(items)) => (*min..=*max).contains(&(items.len() as u64)),
                _ => true,
            },
            Pred::PropertyCount(min, max) => match inst {
                Inst::Json(Value::Object(m)) => (*min..=*max).contains(&(m.len() as u64)),
                Inst::View(_) => (*min..=*max).contains(&(VIEW_KEYS.len() as u64)),
                _ => true,
            },
            Pred::Format(f) => inst.as_str().is_none_or(f),
            Pred::Delegate(v) => v.is_valid(&inst.to_value()),
        }
    }
}

/// The predicate tree of a schema without `$ref`s; `None` when a part is not a valid schema (the validator
/// compiled it, so that does not happen) or cannot be compiled on its own.
fn translate(schema: &Value) -> Option<Pred> {
    let m = match schema {
        Value::Bool(b) => return Some(Pred::Always(*b)),
        Value::Object(m) => m,
        _ => return None,
    };
    if m.keys().any(|k| CONTEXTUAL.contains(&k.as_str())) {
        return delegate(m.clone());
    }
    let mut preds = Vec::new();
    let mut rest = Map::new();
    let pattern_properties = m.contains_key("patternProperties");
    let prefix_items = m.contains_key("prefixItems");
    let (mut length, mut items, mut props) = ((0, u64::MAX), (0, u64::MAX), (0, u64::MAX));
    let (mut has_length, mut has_items, mut has_props) = (false, false, false);
    for (k, v) in m {
        let key = k.as_str();
        if ANNOTATIONS.contains(&key) {
            continue;
        }
        let bound = v.as_u64();
        match key {
            "type" => {
                let names: Vec<&Value> = match v {
                    Value::Array(a) => a.iter().collect(),
                    one => vec![one],
                };
                let mut bits = 0;
                for n in names {
                    bits |= type_bit(n.as_str()?)?;
                }
                preds.push(Pred::Type(bits));
            }
            "const" => preds.push(Pred::Const(v.clone())),
            "enum" => preds.push(Pred::Enum(v.as_array()?.clone())),
            "required" => {
                let keys = v.as_array()?.iter().map(|k| k.as_str().map(str::to_owned)).collect::<Option<_>>()?;
                preds.push(Pred::Required(keys));
            }
            "properties" | "additionalProperties" if !pattern_properties => {
                if key == "additionalProperties" && m.contains_key("properties") {
                    continue; // taken with `properties`
                }
                let mut list = Vec::new();
                for (name, sub) in m.get("properties").and_then(Value::as_object).into_iter().flatten() {
                    list.push((name.clone(), translate(sub)?));
                }
                let additional = match m.get("additionalProperties") {
                    Some(a) => Some(Box::new(translate(a)?)),
                    None => None,
                };
                preds.push(Pred::Properties(list, additional));
            }
            "items" if !prefix_items => preds.push(Pred::Items(Box::new(translate(v)?))),
            "not" => preds.push(Pred::Not(Box::new(translate(v)?))),
            "allOf" | "anyOf" | "oneOf" => {
                let subs = v.as_array()?.iter().map(translate).collect::<Option<Vec<_>>>()?;
                preds.push(match key {
                    "allOf" => Pred::All(subs),
                    "anyOf" => Pred::Any(subs),
                    _ => Pred::One(subs),
                });
            }
            "if" => {
                let branch = |name: &str| match m.get(name) {
                    None => Some(None),
                    Some(s) => translate(s).map(|p| Some(Box::new(p))),
                };
                let then = branch("then")?;
                let otherwise = branch("else")?;
                preds.push(Pred::If(Box::new(translate(v)?), then, otherwise));
            }
            "then" | "else" => {} // with `if`; alone they have no effect
            "minLength" | "maxLength" if bound.is_some() => {
                has_length = true;
                set_bound(&mut length, key.starts_with("min"), bound?);
            }
            "minItems" | "maxItems" if bound.is_some() => {
                has_items = true;
                set_bound(&mut items, key.starts_with("min"), bound?);
            }
            "minProperties" | "maxProperties" if bound.is_some() => {
                has_props = true;
                set_bound(&mut props, key.starts_with("min"), bound?);
            }
            "format" if v.as_str().and_then(format).is_some() => preds.push(Pred::Format(format(v.as_str()?)?)),
            _ => {
                rest.insert(k.clone(), v.clone());
            }
        }
    }
    if has_length {
        preds.push(Pred::Length(length.0, length.1));
    }
    if has_items {
        preds.push(Pred::ItemCount(items.0, items.1));
    }
    if has_props {
        preds.push(Pred::PropertyCount(props.0, props.1));
    }
    if !rest.is_empty() {
        preds.push(delegate(rest)?);
    }
    Some(match preds.len() {
        0 => Pred::Always(true),
        1 => preds.pop()?,
        _ => Pred::All(preds),
    })
}

fn set_bound(range: &mut (u64, u64), min: bool, value: u64) {
    if min {
        range.0 = value;
    } else {
        range.1 = value;
    }
}

fn delegate(keywords: Map<String, Value>) -> Option<Pred> {
    let validator = keywords::options().build(&Value::Object(keywords)).ok()?;
    Some(Pred::Delegate(Box::new(validator)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every instance against every schema: the native answer equals jsonschema's.
    #[test]
    fn native_answers_equal_jsonschema() {
        let schemas = [
            json!({"type": "integer"}),
            json!({"type": ["number", "null"]}),
            json!({"type": "string", "minLength": 2, "maxLength": 3}),
            json!({"const": 1}),
            json!({"const": {"a": [1, 2]}}),
            json!({"enum": ["a", 1.0, null]}),
            json!({"required": ["a", "b"]}),
            json!({"properties": {"a": {"type": "string"}}, "additionalProperties": false}),
            json!({"properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "integer"}}),
            json!({"additionalProperties": {"type": "integer"}}),
            json!({"patternProperties": {"^x": {"type": "string"}}, "properties": {"a": true}, "additionalProperties": false}),
            json!({"items": {"type": "string"}, "minItems": 1}),
            json!({"prefixItems": [{"type": "integer"}], "items": {"type": "string"}}),
            json!({"contains": {"const": 2}, "maxContains": 1}),
            json!({"not": {"anyOf": [{"type": "string"}, {"type": "boolean"}]}}),
            json!({"oneOf": [{"type": "integer"}, {"type": "number"}]}),
            json!({"allOf": [{"minProperties": 1}, {"maxProperties": 2}]}),
            json!({"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "integer"}}),
            json!({"then": {"type": "string"}}),
            json!({"pattern": "^a\\d", "type": "string"}),
            json!({"format": "dns1123-label"}),
            json!({"format": "label-value"}),
            json!({"quantity": {"gt": "0"}, "format": "k8s-quantity"}),
            json!({"pathUnder": ["/etc"]}),
            json!({"unevaluatedProperties": false, "properties": {"a": true}}),
            json!({"$defs": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/s"}}}),
            json!(true),
            json!(false),
            json!({"description": "only words"}),
            json!({"properties": {"style": {"const": "plain"}, "value": {"type": "boolean"}}, "required": ["style", "value"]}),
            json!({"properties": {"tag": {"type": "null"}, "raw": {"pattern": "^0"}}}),
            json!({"required": ["tag"], "additionalProperties": {"type": ["string", "null", "boolean"]}}),
            json!({"maxProperties": 3}),
        ];
        let instances = [
            json!(null),
            json!(true),
            json!(1),
            json!(1.0),
            json!(1.5),
            json!(-3),
            json!(2),
            json!("a"),
            json!("a1"),
            json!("abc"),
            json!("abcd"),
            json!("é€"),
            json!("web-0"),
            json!("Web_0"),
            json!("1Gi"),
            json!("/etc/ssl"),
            json!([]),
            json!(["a", "b"]),
            json!([2, 2]),
            json!([1, "x"]),
            json!({}),
            json!({"a": "x"}),
            json!({"a": 1, "b": 2}),
            json!({"a": [1, 2]}),
            json!({"x1": "s", "b": 1}),
            json!({"a": "x", "b": null, "c": 1}),
        ];
        for schema in &schemas {
            let compiled = RuleSchema::compile(schema).expect("compiles");
            for instance in &instances {
                assert_eq!(
                    compiled
                        .fast
                        .as_ref()
                        .map_or_else(|| compiled.validator.is_valid(instance), |f| f.test(Inst::Json(instance))),
                    compiled.validator.is_valid(instance),
                    "{schema} on {instance}"
                );
            }
            for value in &instances {
                for (raw, style, tag) in
                    [("yes", "plain", None), ("0644", "double", Some("!!str")), ("", "plain", None)]
                {
                    let view = ScalarView { value, raw, style, tag };
                    let native = compiled.fast.as_ref().map(|f| f.test(Inst::View(&view)));
                    let reference = compiled.validator.is_valid(&view.to_value());
                    assert_eq!(native.unwrap_or(reference), reference, "{schema} on view {}", view.to_value());
                }
            }
        }
    }

    #[test]
    fn refs_keep_the_validator_and_common_shapes_are_native() {
        let with_ref = json!({"$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s"});
        assert!(!RuleSchema::compile(&with_ref).unwrap().is_native());
        let common =
            json!({"properties": {"style": {"const": "plain"}, "value": {"type": "boolean"}}, "required": ["style"]});
        assert!(RuleSchema::compile(&common).unwrap().is_native());
    }
}
#[cfg(test)]
mod pack_tests {
    use super::*;
    use crate::pack::{Cond, Pack};

    /// Every schema of the built-in pack is answered natively unless it has a `$ref` (a schema the translation
    /// cannot take would silently fall back to the slower validator).
    #[test]
    fn builtin_schemas_are_native_unless_they_refer() {
        let pack = Pack::load(&[], &Default::default()).expect("the built-in pack loads");
        let mut seen = 0;
        for rule in pack.rules() {
            for case in &rule.cases {
                let mut schemas: Vec<&RuleSchema> = case.when.iter().map(|s| &**s).collect();
                match &case.cond {
                    Cond::Deny(s) | Cond::Assert(s) => schemas.push(s),
                    Cond::Require(r) => schemas.extend(r.where_.iter().chain(&r.unless).map(|s| &**s)),
                    Cond::Check(_) => {}
                }
                for s in schemas {
                    seen += 1;
                    assert_eq!(s.is_native(), !mentions_ref(&s.source), "{}: {:?}", rule.id, s);
                }
            }
        }
        assert!(seen > 150, "{seen} schemas");
    }
}
