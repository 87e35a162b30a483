//! Reading document values without hashing: serde_json's map (`preserve_order`: an `IndexMap` with SipHash)
//! hashes every key looked up, and the checks look up thousands of keys per document. The objects of a manifest
//! mostly have a handful of keys, where comparing the keys costs a fraction of hashing one; large objects (a
//! ConfigMap's data) still use the map's hash index.

use serde_json::{Map, Value};
use std::borrow::Cow;

/// Above this many entries a lookup hashes the key.
const SCAN_UP_TO: usize = 16;

/// `field` and `pointer_at`: [`Value::get`] and [`Value::pointer`] for string keys, same results.
pub trait Fields {
    /// The member `key` of an object (`None` for other values).
    fn field(&self, key: &str) -> Option<&Value>;

    /// The value at a JSON pointer (RFC 6901: `/a/0/b`, `~1` for `/`, `~0` for `~`); the empty pointer is the
    /// value itself.
    fn pointer_at(&self, pointer: &str) -> Option<&Value>;
}

impl Fields for Map<String, Value> {
    fn field(&self, key: &str) -> Option<&Value> {
        if self.len() <= SCAN_UP_TO {
            self.iter().find_map(|(k, v)| (k == key).then_some(v))
        } else {
            self.get(key)
        }
    }

    fn pointer_at(&self, pointer: &str) -> Option<&Value> {
        let (first, rest) = split_first(pointer)?;
        let child = self.field(&first)?;
        match rest {
            Some(rest) => child.pointer_at(rest),
            None => Some(child),
        }
    }
}

impl Fields for Value {
    fn field(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.field(key),
            _ => None,
        }
    }

    fn pointer_at(&self, pointer: &str) -> Option<&Value> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut cur = self;
        let mut rest = Some(pointer);
        while let Some(p) = rest {
            let (token, next) = split_first(p)?;
            cur = match cur {
                Value::Object(m) => m.field(&token)?,
                Value::Array(items) => items.get(index(&token)?)?,
                _ => return None,
            };
            rest = next;
        }
        Some(cur)
    }
}

/// The first reference token of a non-empty pointer (unescaped) and the pointer after it.
fn split_first(pointer: &str) -> Option<(Cow<'_, str>, Option<&str>)> {
    let body = pointer.strip_prefix('/')?;
    let (token, rest) = match body.find('/') {
        Some(i) => (&body[..i], Some(&body[i..])),
        None => (body, None),
    };
    let token = if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    };
    Some((token, rest))
}

/// An array index as RFC 6901 writes it (no sign, no leading zero).
fn index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_answers_as_serde_json() {
        let many: Map<String, Value> = (0..40).map(|i| (format!("k{i}"), json!(i))).collect();
        let doc = json!({
            "spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}},
            "a/b": {"m~n": 1},
            "": {"": 2},
            "many": many,
            "list": [0, 1, 2],
        });
        let pointers = [
            "",
            "/",
            "//",
            "/spec",
            "/spec/template/spec/containers/1/name",
            "/spec/template/spec/containers/01",
            "/spec/template/spec/containers/+1",
            "/spec/template/spec/containers/9",
            "/a~1b/m~0n",
            "/a~1b/m~01",
            "/many/k39",
            "/many/k40",
            "/list/0",
            "/list/0/x",
            "spec",
            "/missing/x",
        ];
        for p in pointers {
            assert_eq!(doc.pointer_at(p), doc.pointer(p), "{p}");
        }
        for key in ["spec", "a/b", "", "many", "nope"] {
            assert_eq!(doc.field(key), doc.get(key), "{key}");
        }
        let many = doc.get("many").unwrap();
        for i in 0..45 {
            let key = format!("k{i}");
            assert_eq!(many.field(&key), many.get(&key), "{key}");
        }
        assert_eq!(json!([1]).field("0"), None);
    }
}
