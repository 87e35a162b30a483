//! `config-data`: checks on the data maps of ConfigMaps and Secrets that a schema cannot express. Param
//! `report` chooses the check:
//!
//! - `keys`: data keys that are not valid (`IsConfigMapKey`; case `invalid`), and ConfigMap keys present in
//!   both `data` and `binaryData` (case `duplicate`). Values `check.kind`, `check.key`, `check.map`.
//! - `size`: total data size above `limit` (param, default 1 MiB = 1048576 bytes) — ConfigMap `data` +
//!   decoded `binaryData`; Secret decoded `data` merged with `stringData`. Values `check.bytes`, `check.limit`.
//! - `docker-json`: the `.dockerconfigjson` / `.dockercfg` entry of a docker Secret is not a JSON object.
//!   Values `check.key`, `check.type`, `check.error`.

use super::{CheckInput, Hit};
use crate::pack::keywords::is_configmap_key;
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// The 1 MiB limit of ConfigMaps and Secrets (`MaxSecretSize`).
pub const MAX_SIZE: u64 = 1024 * 1024;

/// Decodes standard, padded base64 the way Go's `base64.StdEncoding` does (`\r` and `\n` are ignored).
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let chars: Vec<u8> = s.bytes().filter(|b| *b != b'\r' && *b != b'\n').collect();
    if chars.len() % 4 != 0 {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(chars.len() / 4 * 3);
    let quads = chars.len() / 4;
    for (qi, q) in chars.chunks(4).enumerate() {
        let pad = q.iter().rev().take_while(|c| **c == b'=').count();
        if pad > 2 || (pad > 0 && qi + 1 != quads) {
            return None;
        }
        let mut n = 0u32;
        for c in &q[..4 - pad] {
            n = (n << 6) | val(*c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

fn maps_of(kind: &str) -> &'static [&'static str] {
    match kind {
        "ConfigMap" => &["data", "binaryData"],
        "Secret" => &["data", "stringData"],
        _ => &[],
    }
}

/// Runs the check named by param `report`.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let object = input.target.value;
    let kind = object.field("kind").and_then(Value::as_str).unwrap_or("");
    match input.params.field("report").and_then(Value::as_str).unwrap_or("") {
        "keys" => keys(object, kind),
        "size" => size(object, kind, input.params.field("limit").and_then(Value::as_u64).unwrap_or(MAX_SIZE)),
        "docker-json" => docker_json(object),
        _ => Vec::new(),
    }
}

fn hit(path: Vec<PathElem>, vars: &[(&str, Value)], case: Option<&str>) -> Hit {
    let vars: Map<String, Value> = vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    Hit { path, vars, case: case.map(str::to_owned), ..Default::default() }
}

fn keys(object: &Value, kind: &str) -> Vec<Hit> {
    let mut hits = Vec::new();
    for map in maps_of(kind) {
        let Some(entries) = object.get(*map).and_then(Value::as_object) else { continue };
        for key in entries.keys() {
            let path = vec![PathElem::Key((*map).to_owned()), PathElem::Key(key.clone())];
            let vars = [("kind", json!(kind)), ("key", json!(key)), ("map", json!(map))];
            if !is_configmap_key(key) {
                hits.push(hit(path, &vars, Some("invalid")));
            } else if kind == "ConfigMap"
                && *map == "data"
                && object.pointer_at("/binaryData").and_then(Value::as_object).is_some_and(|b| b.contains_key(key))
            {
                hits.push(hit(path, &vars, Some("duplicate")));
            }
        }
    }
    hits
}

fn value_size(v: &Value, base64: bool) -> u64 {
    match v {
        Value::String(s) if base64 => decode_base64(s).map_or(s.len(), |d| d.len()) as u64,
        Value::String(s) => s.len() as u64,
        Value::Null => 0,
        other => other.to_string().len() as u64,
    }
}

fn size(object: &Value, kind: &str, limit: u64) -> Vec<Hit> {
    let mut sizes: Map<String, Value> = Map::new();
    let mut total = 0u64;
    match kind {
        "ConfigMap" => {
            for (map, base64) in [("data", false), ("binaryData", true)] {
                for v in object.get(map).and_then(Value::as_object).into_iter().flatten().map(|(_, v)| v) {
                    total += value_size(v, base64);
                }
            }
        }
        "Secret" => {
            // stringData is merged into data (and wins) before validation.
            for (map, base64) in [("data", true), ("stringData", false)] {
                for (k, v) in object.get(map).and_then(Value::as_object).into_iter().flatten() {
                    sizes.insert(k.clone(), json!(value_size(v, base64)));
                }
            }
            total = sizes.values().filter_map(Value::as_u64).sum();
        }
        _ => return Vec::new(),
    }
    if total <= limit {
        return Vec::new();
    }
    let at = maps_of(kind).iter().find(|m| object.get(**m).is_some()).copied().unwrap_or("data");
    vec![hit(
        vec![PathElem::Key(at.to_owned())],
        &[("bytes", json!(total)), ("limit", json!(limit)), ("kind", json!(kind))],
        None,
    )]
}

fn docker_json(object: &Value) -> Vec<Hit> {
    let secret_type = object.field("type").and_then(Value::as_str).unwrap_or("");
    let key = match secret_type {
        "kubernetes.io/dockerconfigjson" => ".dockerconfigjson",
        "kubernetes.io/dockercfg" => ".dockercfg",
        _ => return Vec::new(),
    };
    let (map, bytes) = if let Some(v) = object.field("stringData").and_then(|m| m.field(key)) {
        ("stringData", v.as_str().map(|s| s.as_bytes().to_vec()))
    } else if let Some(v) = object.field("data").and_then(|m| m.field(key)) {
        match v.as_str().and_then(decode_base64) {
            Some(b) => ("data", Some(b)),
            None => return Vec::new(), // not base64: config-data-value-invalid
        }
    } else {
        return Vec::new(); // missing: the key-presence cases of secret-type-keys
    };
    let error = match bytes.as_deref().map(serde_json::from_slice::<Value>) {
        Some(Ok(Value::Object(_))) => return Vec::new(),
        Some(Ok(other)) => format!("it is a JSON {}, not an object", json_type(&other)),
        Some(Err(e)) => format!("it is not valid JSON ({e})"),
        None => "it is not a string".to_owned(),
    };
    let path = vec![PathElem::Key(map.to_owned()), PathElem::Key(key.to_owned())];
    vec![hit(path, &[("key", json!(key)), ("type", json!(secret_type)), ("error", json!(error))], None)]
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::super::volume_names::run_for_test;
    use super::*;

    fn run(report: &str, object: &Value) -> Vec<Hit> {
        run_for_test(check, &json!({"report": report, "limit": 10}), object, object, (1, 34))
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVs\nbG8=\n").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
        assert!(decode_base64("aGVsbG8").is_none());
        assert!(decode_base64("aGVsbG8=aGVs").is_none());
        assert!(decode_base64("hello world!").is_none());
    }

    #[test]
    fn invalid_and_duplicate_keys() {
        let cm = json!({"kind": "ConfigMap", "data": {"ok.conf": "x", "bad key": "y", "..data": "z", "both": "1"}, "binaryData": {"both": "MQ=="}});
        let hits = run("keys", &cm);
        let cases: Vec<(&str, &Value)> =
            hits.iter().map(|h| (h.case.as_deref().unwrap_or(""), &h.vars["key"])).collect();
        assert_eq!(
            cases,
            vec![("invalid", &json!("bad key")), ("invalid", &json!("..data")), ("duplicate", &json!("both"))]
        );
    }

    #[test]
    fn size_counts_decoded_secret_data() {
        // 12 base64 characters are 9 bytes: under the limit of 10; with stringData 2 more bytes: over.
        let s = json!({"kind": "Secret", "data": {"a": "aGVsbG8gd29y"}});
        assert!(run("size", &s).is_empty());
        let s = json!({"kind": "Secret", "data": {"a": "aGVsbG8gd29y"}, "stringData": {"b": "xy"}});
        let hits = run("size", &s);
        assert_eq!(hits[0].vars["bytes"], json!(11));
        let cm = json!({"kind": "ConfigMap", "data": {"a": "hello world"}});
        assert_eq!(run("size", &cm)[0].path, vec![PathElem::Key("data".into())]);
    }

    #[test]
    fn docker_config_json() {
        let ok = json!({"kind": "Secret", "type": "kubernetes.io/dockerconfigjson", "stringData": {".dockerconfigjson": "{\"auths\":{}}"}});
        assert!(run("docker-json", &ok).is_empty());
        let bad = json!({"kind": "Secret", "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": "eyJhdXRocyI6"}});
        let hits = run("docker-json", &bad);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].path[0], PathElem::Key("data".into()));
    }
}
