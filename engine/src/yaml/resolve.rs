//! kubectl's scalar typing: YAML 1.1 resolution as go-yaml v2 (`resolve.go`) does it, which is what
//! `sigs.k8s.io/yaml` — and so `kubectl apply` — sees. `yes`/`on` are booleans, `0644` is 420, `1.10` is 1.1,
//! while `2024-01-01` and `1:30` stay strings.

use serde_json::{Number, Value};
use std::borrow::Cow;

/// How a plain scalar resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    /// `~`, `null`, empty.
    Null,
    /// YAML 1.1 booleans.
    Bool(bool),
    /// Integers (decimal, `0x`, `0o`, leading-zero octal, `0b`, `_` separators).
    Int(Value),
    /// Floats (`1.10`, `1e3`, `.5`).
    Float(Value),
    /// Everything else.
    Str,
}

const TRUE: &[&str] = &["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"];
const FALSE: &[&str] = &["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"];

/// Resolves a plain scalar the way kubectl does.
pub fn resolve_plain(s: &str) -> Resolved {
    let Some(first) = s.bytes().next() else {
        return Resolved::Null;
    };
    // go-yaml only tries non-string resolution for these first characters.
    if !matches!(
        first,
        b'+' | b'-' | b'.' | b'0'..=b'9' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'y' | b'Y' | b'~'
    ) {
        return Resolved::Str;
    }
    match s {
        "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        _ => {}
    }
    if TRUE.contains(&s) {
        return Resolved::Bool(true);
    }
    if FALSE.contains(&s) {
        return Resolved::Bool(false);
    }
    if let Some(v) = parse_int(s) {
        return Resolved::Int(v);
    }
    if is_yaml_float(s) {
        if let Ok(f) = s.parse::<f64>() {
            if let Some(n) = Number::from_f64(f) {
                return Resolved::Float(Value::Number(n));
            }
        }
    }
    Resolved::Str
}

/// The JSON value of a resolved plain scalar.
pub fn plain_value(s: &str) -> Value {
    plain_value_owned(Cow::Borrowed(s))
}

/// [`plain_value`] taking the parser's text, so a string scalar moves into the value without a copy.
pub fn plain_value_owned(s: Cow<'_, str>) -> Value {
    match resolve_plain(&s) {
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(v) | Resolved::Float(v) => v,
        Resolved::Str => Value::String(s.into_owned()),
    }
}

/// go-yaml v2 `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go `strconv.ParseInt(s, 0, 64)` after removing `_`, plus go-yaml's `0b` handling; falls back to u64.
fn parse_int(s: &str) -> Option<Value> {
    let plain: String = s.chars().filter(|c| *c != '_').collect();
    let (neg, body) = match plain.as_bytes().first() {
        Some(b'-') => (true, &plain[1..]),
        Some(b'+') => (false, &plain[1..]),
        _ => (false, &plain[..]),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) = if let Some(r) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (16, r)
    } else if let Some(r) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (8, r)
    } else if let Some(r) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (2, r)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            let v = (magnitude as i128).checked_neg()? as i64;
            return Some(Value::Number(Number::from(v)));
        }
        return None;
    }
    Some(Value::Number(Number::from(magnitude)))
}

/// The JSON object key kubectl produces for a resolved plain key (`on` → `"true"`, `1` → `"1"`).
pub fn key_string(resolved: Value) -> String {
    match resolved {
        Value::String(s) => s,
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml11_booleans_and_nulls() {
        for t in ["yes", "Yes", "on", "ON", "y", "true"] {
            assert_eq!(plain_value(t), json!(true), "{t}");
        }
        for f in ["no", "off", "N", "False"] {
            assert_eq!(plain_value(f), json!(false), "{f}");
        }
        for n in ["", "~", "null", "NULL"] {
            assert_eq!(plain_value(n), Value::Null, "{n}");
        }
        assert_eq!(plain_value("yess"), json!("yess"));
        assert_eq!(plain_value("nope"), json!("nope"));
    }

    #[test]
    fn numbers_like_go_yaml_v2() {
        assert_eq!(plain_value("0644"), json!(420));
        assert_eq!(plain_value("0o644"), json!(420));
        assert_eq!(plain_value("0x1A4"), json!(420));
        assert_eq!(plain_value("0755"), json!(493));
        assert_eq!(plain_value("644"), json!(644));
        assert_eq!(plain_value("1_000"), json!(1000));
        assert_eq!(plain_value("-12"), json!(-12));
        assert_eq!(plain_value("0b101"), json!(5));
        assert_eq!(plain_value("1.10"), json!(1.1));
        assert_eq!(plain_value("1e3"), json!(1000.0));
        assert_eq!(plain_value("08"), json!(8.0));
        assert_eq!(plain_value(".5"), json!(0.5));
    }

    #[test]
    fn strings_stay_strings() {
        for s in ["2024-01-01", "1:30", "1Gi", "500m", "v1", "1.2.3", "0x", "+", ".", "-", "nginx:1.25", ".inf"] {
            assert_eq!(plain_value(s), json!(s), "{s}");
        }
    }
}
