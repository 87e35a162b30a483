//! CustomResourceDefinitions of the run: each served version's `openAPIV3Schema` converted to a JSON Schema
//! (draft 2020-12) and compiled once, on first use, for the CRD's own check and for its custom resources.
//!
//! Conversion (OpenAPI v3.0 structural schema → JSON Schema): every type accepts `null` (the API server keeps a
//! null only where `nullable: true` and prunes it elsewhere, so a null is never an error);
//! `x-kubernetes-int-or-string` is `integer` or `string`; boolean `exclusiveMinimum`/`exclusiveMaximum`
//! become numeric bounds; objects with `properties` reject unknown fields unless
//! `x-kubernetes-preserve-unknown-fields`; `x-kubernetes-embedded-resource` objects accept `apiVersion`, `kind`
//! and `metadata`; the root accepts `apiVersion`, `kind`, `metadata`. Annotations (`description`, `default`,
//! `example`, `format`, `x-kubernetes-validations` …) are dropped. An unknown keyword or type is a problem of the
//! CRD (the API server rejects it), reported on the CRD with its location.

use super::explain::suggest;
use super::Schema;
use crate::yaml::{path_string, PathElem};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// A problem of a CRD's schema, located relative to the CRD object's root.
#[derive(Debug, Clone)]
pub struct CrdProblem {
    /// Where in the CRD.
    pub path: Vec<PathElem>,
    /// What is wrong.
    pub message: String,
}

/// Keywords of `JSONSchemaProps` (apiextensions.k8s.io/v1).
const KEYWORDS: &[&str] = &[
    "$schema",
    "additionalItems",
    "additionalProperties",
    "allOf",
    "anyOf",
    "default",
    "definitions",
    "dependencies",
    "description",
    "enum",
    "example",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "externalDocs",
    "format",
    "id",
    "items",
    "maxItems",
    "maxLength",
    "maxProperties",
    "maximum",
    "minItems",
    "minLength",
    "minProperties",
    "minimum",
    "multipleOf",
    "not",
    "nullable",
    "oneOf",
    "pattern",
    "patternProperties",
    "properties",
    "required",
    "title",
    "type",
    "uniqueItems",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-list-type",
    "x-kubernetes-map-type",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-validations",
];

const TYPES: &[&str] = &["array", "boolean", "integer", "number", "object", "string"];

/// Keywords copied unchanged (their values are plain data).
const COPIED: &[&str] = &[
    "enum",
    "maxItems",
    "maxLength",
    "maxProperties",
    "maximum",
    "minItems",
    "minLength",
    "minProperties",
    "minimum",
    "multipleOf",
    "pattern",
    "required",
    "uniqueItems",
];

struct Entry {
    /// The CRD's `metadata.name`.
    name: String,
    /// The converted schema, or why it could not be converted.
    converted: Result<Value, CrdProblem>,
    /// Path of `openAPIV3Schema` inside the CRD.
    at: Vec<PathElem>,
    compiled: OnceLock<Result<Arc<Schema>, CrdProblem>>,
}

impl Entry {
    fn compiled(&self) -> &Result<Arc<Schema>, CrdProblem> {
        self.compiled.get_or_init(|| {
            let schema = self.converted.clone()?;
            Schema::compile(schema).map(Arc::new).map_err(|e| {
                let mut path = self.at.clone();
                path.extend(e.path);
                CrdProblem { message: format!("the schema does not compile: {}", e.message), path }
            })
        })
    }
}

/// The CRDs of a run.
#[derive(Default)]
pub struct Crds {
    entries: Vec<Entry>,
    /// (apiVersion, kind) → entry (the first CRD defining it, in file order).
    by_kind: HashMap<(String, String), usize>,
    /// CRD object address → its entries.
    by_crd: HashMap<usize, Vec<usize>>,
}

impl std::fmt::Debug for Crds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crds").field("kinds", &self.by_kind.len()).finish_non_exhaustive()
    }
}

fn is_crd(object: &Value) -> bool {
    object.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition")
        && object.get("apiVersion").and_then(Value::as_str).is_some_and(|a| a.starts_with("apiextensions.k8s.io/"))
}

fn key(s: &str) -> PathElem {
    PathElem::Key(s.to_owned())
}

impl Crds {
    /// Collects every CRD among `objects`.
    pub fn collect<'a>(objects: impl Iterator<Item = &'a Value>) -> Crds {
        let mut crds = Crds::default();
        for object in objects.filter(|o| is_crd(o)) {
            let addr = std::ptr::from_ref(object) as usize;
            let spec = object.get("spec");
            let group = spec.and_then(|s| s.get("group")).and_then(Value::as_str).unwrap_or_default();
            let kind = spec.and_then(|s| s.pointer("/names/kind")).and_then(Value::as_str).unwrap_or_default();
            let name = object.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_owned();
            if group.is_empty() || kind.is_empty() {
                continue; // an invalid CRD: the API server rejects it (spec.group, spec.names.kind are required)
            }
            let legacy = spec.and_then(|s| s.pointer("/validation/openAPIV3Schema"));
            let versions = spec.and_then(|s| s.get("versions")).and_then(Value::as_array);
            let mut list: Vec<(String, Vec<PathElem>, Option<&Value>)> = Vec::new();
            match versions {
                Some(vs) => {
                    for (i, v) in vs.iter().enumerate() {
                        if v.get("served").and_then(Value::as_bool) == Some(false) {
                            continue;
                        }
                        let Some(vname) = v.get("name").and_then(Value::as_str) else { continue };
                        let own = v.pointer("/schema/openAPIV3Schema");
                        let at = if own.is_some() || legacy.is_none() {
                            vec![
                                key("spec"),
                                key("versions"),
                                PathElem::Index(i),
                                key("schema"),
                                key("openAPIV3Schema"),
                            ]
                        } else {
                            vec![key("spec"), key("validation"), key("openAPIV3Schema")]
                        };
                        list.push((vname.to_owned(), at, own.or(legacy)));
                    }
                }
                None => {
                    if let Some(vname) = spec.and_then(|s| s.get("version")).and_then(Value::as_str) {
                        let at = vec![key("spec"), key("validation"), key("openAPIV3Schema")];
                        list.push((vname.to_owned(), at, legacy));
                    }
                }
            }
            for (version, at, schema) in list {
                let converted = match schema {
                    Some(s) => convert_root(s, &at),
                    None => Err(CrdProblem {
                        path: at[..at.len() - 1].to_vec(),
                        message: format!(
                            "version {version} has no schema.openAPIV3Schema, so its custom resources cannot be \
                             validated (apiextensions.k8s.io/v1 requires one)"
                        ),
                    }),
                };
                let index = crds.entries.len();
                crds.entries.push(Entry { name: name.clone(), converted, at, compiled: OnceLock::new() });
                crds.by_crd.entry(addr).or_default().push(index);
                crds.by_kind.entry((format!("{group}/{version}"), kind.to_owned())).or_insert(index);
            }
        }
        crds
    }

    /// The compiled schema of `apiVersion`/`kind`, or the name of its CRD when that schema is broken.
    pub fn schema(&self, api: &str, kind: &str) -> Option<Result<Arc<Schema>, String>> {
        let entry = &self.entries[*self.by_kind.get(&(api.to_owned(), kind.to_owned()))?];
        Some(entry.compiled().clone().map_err(|_| entry.name.clone()))
    }

    /// The schema problems of one CRD object.
    pub fn problems(&self, crd: &Value) -> Vec<CrdProblem> {
        let Some(list) = self.by_crd.get(&(std::ptr::from_ref(crd) as usize)) else { return Vec::new() };
        list.iter().filter_map(|i| self.entries[*i].compiled().as_ref().err().cloned()).collect()
    }
}

fn convert_root(schema: &Value, at: &[PathElem]) -> Result<Value, CrdProblem> {
    let mut out = convert(schema, at)?;
    if let Some(obj) = out.as_object_mut() {
        let props = obj.entry("properties").or_insert_with(|| json!({}));
        if let Some(props) = props.as_object_mut() {
            props.entry("apiVersion").or_insert_with(|| json!({"type": "string"}));
            props.entry("kind").or_insert_with(|| json!({"type": "string"}));
            props.entry("metadata").or_insert_with(|| json!({"type": "object"}));
        }
    }
    Ok(out)
}

fn problem(path: &[PathElem], message: String) -> CrdProblem {
    CrdProblem { path: path.to_vec(), message }
}

fn child(path: &[PathElem], elem: PathElem) -> Vec<PathElem> {
    let mut p = path.to_vec();
    p.push(elem);
    p
}

/// Converts one OpenAPI v3 schema node (see the module docs).
fn convert(schema: &Value, path: &[PathElem]) -> Result<Value, CrdProblem> {
    let Some(map) = schema.as_object() else {
        return Err(problem(path, format!("{}: a schema must be a mapping", path_string(path))));
    };
    let allowed: Vec<String> = KEYWORDS.iter().map(|k| (*k).to_owned()).collect();
    for k in map.keys() {
        if !KEYWORDS.contains(&k.as_str()) {
            let hint = suggest(k, &allowed).map(|h| format!("; did you mean \"{h}\"?")).unwrap_or_default();
            return Err(problem(&child(path, key(k)), format!("unknown schema keyword \"{k}\"{hint}")));
        }
    }
    let mut out = Map::new();
    let int_or_string = map.get("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true);
    let preserve = map.get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true);
    let embedded = map.get("x-kubernetes-embedded-resource").and_then(Value::as_bool) == Some(true);
    let ty = match map.get("type") {
        None => None,
        Some(Value::String(t)) if TYPES.contains(&t.as_str()) => Some(t.as_str()),
        Some(other) => {
            let allowed: Vec<String> = TYPES.iter().map(|t| (*t).to_owned()).collect();
            let hint = other
                .as_str()
                .and_then(|t| suggest(t, &allowed))
                .map(|h| format!("; did you mean \"{h}\"?"))
                .unwrap_or_default();
            return Err(problem(
                &child(path, key("type")),
                format!("{other} is not a schema type (one of {}){hint}", TYPES.join(", ")),
            ));
        }
    };
    // The API server prunes a null value of a non-nullable field before validating, so null never fails;
    // `nullable` only decides whether the null is kept.
    if int_or_string {
        out.insert("type".into(), json!(["integer", "string", "null"]));
    } else if let Some(t) = ty {
        out.insert("type".into(), json!([t, "null"]));
    }
    for k in COPIED {
        if let Some(v) = map.get(*k) {
            out.insert((*k).to_owned(), v.clone());
        }
    }
    if let Some(Value::Array(e)) = out.get_mut("enum") {
        if !e.contains(&Value::Null) {
            e.push(Value::Null);
        }
    }
    for (k, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        match map.get(k) {
            Some(Value::Bool(true)) => {
                if let Some(limit) = out.remove(bound) {
                    out.insert(k.into(), limit);
                }
            }
            Some(n @ Value::Number(_)) => {
                out.insert(k.into(), n.clone());
            }
            _ => {}
        }
    }
    if let Some(props) = map.get("properties") {
        let ppath = child(path, key("properties"));
        let Some(props) = props.as_object() else {
            return Err(problem(&ppath, "properties must be a mapping of field names to schemas".into()));
        };
        let mut converted = Map::new();
        for (name, sub) in props {
            converted.insert(name.clone(), convert(sub, &child(&ppath, key(name)))?);
        }
        if embedded {
            for (k, v) in [("apiVersion", json!({"type": "string"})), ("kind", json!({"type": "string"}))] {
                converted.entry(k).or_insert(v);
            }
            converted.entry("metadata").or_insert_with(|| json!({"type": "object"}));
        }
        out.insert("properties".into(), Value::Object(converted));
    }
    match map.get("items") {
        None => {}
        Some(items @ Value::Object(_)) => {
            out.insert("items".into(), convert(items, &child(path, key("items")))?);
        }
        Some(_) => {
            return Err(problem(&child(path, key("items")), "items must be one schema (a mapping)".into()));
        }
    }
    match map.get("additionalProperties") {
        Some(Value::Bool(b)) => {
            out.insert("additionalProperties".into(), Value::Bool(*b));
        }
        Some(sub @ Value::Object(_)) => {
            out.insert("additionalProperties".into(), convert(sub, &child(path, key("additionalProperties")))?);
        }
        Some(_) => {
            return Err(problem(
                &child(path, key("additionalProperties")),
                "additionalProperties must be a boolean or a schema".into(),
            ));
        }
        None => {
            let is_object = ty == Some("object") || map.contains_key("properties");
            if is_object && map.contains_key("properties") && !preserve && !embedded {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
        }
    }
    for k in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = map.get(k) {
            let lpath = child(path, key(k));
            let Some(list) = list.as_array() else {
                return Err(problem(&lpath, format!("{k} must be a list of schemas")));
            };
            let mut converted = Vec::with_capacity(list.len());
            for (i, sub) in list.iter().enumerate() {
                // Branches restate constraints of fields declared at this level; they never forbid fields.
                let mut c = convert(sub, &child(&lpath, PathElem::Index(i)))?;
                if let Some(o) = c.as_object_mut() {
                    o.remove("additionalProperties");
                }
                converted.push(c);
            }
            out.insert(k.into(), Value::Array(converted));
        }
    }
    if let Some(not) = map.get("not") {
        let mut c = convert(not, &child(path, key("not")))?;
        if let Some(o) = c.as_object_mut() {
            o.remove("additionalProperties");
        }
        out.insert("not".into(), c);
    }
    Ok(Value::Object(out))
}
