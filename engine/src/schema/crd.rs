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
use crate::value::Fields;
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
    /// The version has no schema at all (required by apiextensions.k8s.io/v1, optional in the removed v1beta1).
    pub no_schema: bool,
}

/// Keywords of `JSONSchemaProps` (apiextensions.k8s.io/v1), sorted (binary search).
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
    /// The CRD object (its position in the run's object list, see [`Objects`]); the version's `openAPIV3Schema`
    /// is at `at` inside it, when it has one. Not a copy: large CRD schemas are read in place.
    object: usize,
    /// The version name (for the "no schema" problem).
    version: String,
    /// Path of `openAPIV3Schema` inside the CRD.
    at: Vec<PathElem>,
    /// Converted and compiled on first use (a CRD's own check or one of its custom resources), so CRDs nobody
    /// looks at cost nothing and the work is spread over the evaluation threads.
    compiled: OnceLock<Result<Arc<Schema>, CrdProblem>>,
}

/// The run's objects by position (the numbering given to [`Crds::collect`]).
pub type Objects<'o, 'v> = &'o dyn Fn(usize) -> Option<&'v Value>;

impl Entry {
    /// The version's `openAPIV3Schema` (`at` leads to nothing when the version has none).
    fn source<'v>(&self, objects: Objects<'_, 'v>) -> Option<&'v Value> {
        objects(self.object).and_then(|o| crate::pack::template::walk(o, &self.at))
    }

    fn compiled(&self, objects: Objects<'_, '_>) -> &Result<Arc<Schema>, CrdProblem> {
        self.compiled.get_or_init(|| {
            let Some(source) = self.source(objects) else {
                return Err(CrdProblem {
                    path: self.at[..self.at.len() - 1].to_vec(),
                    message: format!(
                        "version {} has no schema.openAPIV3Schema, so its custom resources cannot be validated \
                         (apiextensions.k8s.io/v1 requires one)",
                        self.version
                    ),
                    no_schema: true,
                });
            };
            let schema = convert_root(source, &self.at)?;
            Schema::compile(schema).map(Arc::new).map_err(|e| {
                let mut path = self.at.clone();
                path.extend(e.path);
                CrdProblem { message: format!("the schema does not compile: {}", e.message), path, no_schema: false }
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
    object.field("kind").and_then(Value::as_str) == Some("CustomResourceDefinition")
        && object.field("apiVersion").and_then(Value::as_str).is_some_and(|a| a.starts_with("apiextensions.k8s.io/"))
}

fn key(s: &str) -> PathElem {
    PathElem::Key(s.to_owned())
}

impl Crds {
    /// Collects every CRD among `objects` (cheap: schemas are converted and compiled on first use). A CRD
    /// version whose schema equals one already collected (the same CRD vendored twice) shares its entry, so it
    /// is compiled once. The copies are compared in parallel: each version is compared with the earlier
    /// versions of the same identity in order, and the first equal one is always an entry of its own (equality
    /// is transitive), so the result is the serial one.
    pub fn collect<'a>(objects: impl Iterator<Item = (usize, &'a Value)>) -> Crds {
        use rayon::prelude::*;
        struct Version<'a> {
            position: usize,
            addr: usize,
            name: String,
            api: String,
            kind: &'a str,
            version: String,
            at: Vec<PathElem>,
            source: Option<&'a Value>,
        }
        let mut found: Vec<Version<'a>> = Vec::new();
        for (position, object) in objects.filter(|(_, o)| is_crd(o)) {
            let addr = std::ptr::from_ref(object) as usize;
            let spec = object.field("spec");
            let group = spec.and_then(|s| s.field("group")).and_then(Value::as_str).unwrap_or_default();
            let kind = spec.and_then(|s| s.pointer_at("/names/kind")).and_then(Value::as_str).unwrap_or_default();
            let name = object.pointer_at("/metadata/name").and_then(Value::as_str).unwrap_or_default();
            if group.is_empty() || kind.is_empty() {
                continue; // an invalid CRD: the API server rejects it (spec.group, spec.names.kind are required)
            }
            let legacy = spec.and_then(|s| s.pointer_at("/validation/openAPIV3Schema"));
            let versions = spec.and_then(|s| s.field("versions")).and_then(Value::as_array);
            let mut push = |version: &str, at: Vec<PathElem>, source: Option<&'a Value>| {
                found.push(Version {
                    position,
                    addr,
                    name: name.to_owned(),
                    api: format!("{group}/{version}"),
                    kind,
                    version: version.to_owned(),
                    at,
                    source,
                });
            };
            match versions {
                Some(vs) => {
                    for (i, v) in vs.iter().enumerate() {
                        if v.field("served").and_then(Value::as_bool) == Some(false) {
                            continue;
                        }
                        let Some(vname) = v.field("name").and_then(Value::as_str) else { continue };
                        let own = v.pointer_at("/schema/openAPIV3Schema");
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
                        push(vname, at, own.or(legacy));
                    }
                }
                None => {
                    if let Some(vname) = spec.and_then(|s| s.field("version")).and_then(Value::as_str) {
                        push(vname, vec![key("spec"), key("validation"), key("openAPIV3Schema")], legacy);
                    }
                }
            }
        }
        // (CRD name, version, at) → the versions with that identity, in order.
        let mut same: HashMap<(&str, &str, &[PathElem]), Vec<usize>> = HashMap::new();
        for (i, v) in found.iter().enumerate() {
            same.entry((&v.name, &v.version, &v.at)).or_default().push(i);
        }
        let copy_of: Vec<Option<usize>> = (0..found.len())
            .into_par_iter()
            .map(|i| {
                let v = &found[i];
                let group = &same[&(v.name.as_str(), v.version.as_str(), v.at.as_slice())];
                group.iter().copied().take_while(|j| *j < i).find(|j| same_source(found[*j].source, v.source))
            })
            .collect();
        let mut crds = Crds::default();
        let mut entry_of: Vec<usize> = Vec::with_capacity(found.len());
        for (i, v) in found.iter().enumerate() {
            let index = match copy_of[i] {
                Some(j) => entry_of[j],
                None => {
                    crds.entries.push(Entry {
                        name: v.name.clone(),
                        object: v.position,
                        version: v.version.clone(),
                        at: v.at.clone(),
                        compiled: OnceLock::new(),
                    });
                    crds.entries.len() - 1
                }
            };
            entry_of.push(index);
            crds.by_crd.entry(v.addr).or_default().push(index);
            crds.by_kind.entry((v.api.clone(), v.kind.to_owned())).or_insert(index);
        }
        crds
    }

    /// The compiled schema of `apiVersion`/`kind`, or the name of its CRD when that schema is broken.
    pub fn schema(&self, api: &str, kind: &str, objects: Objects<'_, '_>) -> Option<Result<Arc<Schema>, String>> {
        let entry = &self.entries[*self.by_kind.get(&(api.to_owned(), kind.to_owned()))?];
        Some(entry.compiled(objects).clone().map_err(|_| entry.name.clone()))
    }

    /// The schema problems of one CRD object.
    pub fn problems(&self, crd: &Value, objects: Objects<'_, '_>) -> Vec<CrdProblem> {
        self.entries_of(crd).iter().filter_map(|i| self.entries[*i].compiled(objects).as_ref().err().cloned()).collect()
    }

    /// The entries (served versions) of one CRD object; empty for any other object.
    pub fn entries_of(&self, crd: &Value) -> &[usize] {
        self.by_crd.get(&(std::ptr::from_ref(crd) as usize)).map_or(&[], Vec::as_slice)
    }

    /// The entry that defines `apiVersion`/`kind`.
    pub fn entry_of_kind(&self, api: &str, kind: &str) -> Option<usize> {
        self.by_kind.get(&(api.to_owned(), kind.to_owned())).copied()
    }

    /// Converts and compiles entry `i` now (see `SchemaSet::prepare`).
    pub fn compile(&self, i: usize, objects: Objects<'_, '_>) {
        if let Some(entry) = self.entries.get(i) {
            entry.compiled(objects);
        }
    }
}

/// Whether two schema sources are the same copy. Maps are compared entry by entry in their (preserved) order:
/// no hashing per key, unlike `Value`'s `==`. Two equal maps in different key orders count as different, which
/// only means the second copy is compiled on its own.
fn same_source(a: Option<&Value>, b: Option<&Value>) -> bool {
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
            }
            (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(va, vb)| same(va, vb)),
            _ => a == b,
        }
    }
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

fn convert_root(schema: &Value, at: &[PathElem]) -> Result<Value, CrdProblem> {
    let mut out = convert(schema, &Trail { up: None, seg: Seg::Root(at) })?;
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

fn problem(path: &Trail<'_>, message: String) -> CrdProblem {
    CrdProblem { path: path.path(), message, no_schema: false }
}

/// Where `convert` is, as a chain of borrowed segments: a path is only built when there is a problem to report.
struct Trail<'t> {
    up: Option<&'t Trail<'t>>,
    seg: Seg<'t>,
}

#[derive(Clone, Copy)]
enum Seg<'t> {
    Root(&'t [PathElem]),
    Key(&'t str),
    Index(usize),
}

impl<'t> Trail<'t> {
    fn key<'c>(&'c self, k: &'c str) -> Trail<'c> {
        Trail { up: Some(self), seg: Seg::Key(k) }
    }

    fn index(&self, i: usize) -> Trail<'_> {
        Trail { up: Some(self), seg: Seg::Index(i) }
    }

    fn path(&self) -> Vec<PathElem> {
        let mut segs = vec![self.seg];
        let mut cur = self.up;
        while let Some(t) = cur {
            segs.push(t.seg);
            cur = t.up;
        }
        let mut out = Vec::new();
        for seg in segs.into_iter().rev() {
            match seg {
                Seg::Root(p) => out.extend_from_slice(p),
                Seg::Key(k) => out.push(key(k)),
                Seg::Index(i) => out.push(PathElem::Index(i)),
            }
        }
        out
    }
}

/// Converts one OpenAPI v3 schema node (see the module docs).
fn convert(schema: &Value, path: &Trail<'_>) -> Result<Value, CrdProblem> {
    let Some(map) = schema.as_object() else {
        return Err(problem(path, format!("{}: a schema must be a mapping", path_string(&path.path()))));
    };
    // One pass over the keys: unknown keywords, and the copied ones (then inserted in `COPIED` order).
    let mut copied: [Option<&Value>; COPIED.len()] = [None; COPIED.len()];
    for (k, v) in map {
        if let Some(i) = COPIED.iter().position(|c| *c == k) {
            copied[i] = Some(v);
        } else if KEYWORDS.binary_search(&k.as_str()).is_err() {
            let allowed: Vec<String> = KEYWORDS.iter().map(|k| (*k).to_owned()).collect();
            let hint = suggest(k, &allowed).map(|h| format!("; did you mean \"{h}\"?")).unwrap_or_default();
            return Err(problem(&path.key(k), format!("unknown schema keyword \"{k}\"{hint}")));
        }
    }
    let mut out = Map::new();
    let int_or_string = map.field("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true);
    let preserve = map.field("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true);
    let embedded = map.field("x-kubernetes-embedded-resource").and_then(Value::as_bool) == Some(true);
    let ty = match map.field("type") {
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
                &path.key("type"),
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
    for (k, v) in COPIED.iter().zip(copied) {
        if let Some(v) = v {
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
    if let Some(props) = map.field("properties") {
        let ppath = path.key("properties");
        let Some(props) = props.as_object() else {
            return Err(problem(&ppath, "properties must be a mapping of field names to schemas".into()));
        };
        let mut converted = Map::new();
        for (name, sub) in props {
            converted.insert(name.clone(), convert(sub, &ppath.key(name))?);
        }
        if embedded {
            for (k, v) in [("apiVersion", json!({"type": "string"})), ("kind", json!({"type": "string"}))] {
                converted.entry(k).or_insert(v);
            }
            converted.entry("metadata").or_insert_with(|| json!({"type": "object"}));
        }
        out.insert("properties".into(), Value::Object(converted));
    }
    match map.field("items") {
        None => {}
        Some(items @ Value::Object(_)) => {
            out.insert("items".into(), convert(items, &path.key("items"))?);
        }
        Some(_) => {
            return Err(problem(&path.key("items"), "items must be one schema (a mapping)".into()));
        }
    }
    match map.field("additionalProperties") {
        Some(Value::Bool(b)) => {
            out.insert("additionalProperties".into(), Value::Bool(*b));
        }
        Some(sub @ Value::Object(_)) => {
            out.insert("additionalProperties".into(), convert(sub, &path.key("additionalProperties"))?);
        }
        Some(_) => {
            return Err(problem(
                &path.key("additionalProperties"),
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
            let lpath = path.key(k);
            let Some(list) = list.as_array() else {
                return Err(problem(&lpath, format!("{k} must be a list of schemas")));
            };
            let mut converted = Vec::with_capacity(list.len());
            for (i, sub) in list.iter().enumerate() {
                // Branches restate constraints of fields declared at this level; they never forbid fields.
                let mut c = convert(sub, &lpath.index(i))?;
                if let Some(o) = c.as_object_mut() {
                    o.remove("additionalProperties");
                }
                converted.push(c);
            }
            out.insert(k.into(), Value::Array(converted));
        }
    }
    if let Some(not) = map.field("not") {
        let mut c = convert(not, &path.key("not"))?;
        if let Some(o) = c.as_object_mut() {
            o.remove("additionalProperties");
        }
        out.insert("not".into(), c);
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod keyword_tests {
    #[test]
    fn keywords_are_sorted_for_binary_search() {
        assert!(super::KEYWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(super::COPIED.iter().all(|c| super::KEYWORDS.contains(c)));
    }
}
