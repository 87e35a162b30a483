//! A fast path for the JSONPath selectors most rules use — `$`, `.name`, `['name']`, `[*]`, `.*`, `[n]` —
//! evaluated directly on the span tree without allocating normalized paths. Anything else (filters,
//! descendants, slices) goes through `serde_json_path`.

use crate::yaml::{Located, PathElem};
use serde_json::Value;

/// One step of a simple selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A member by name.
    Key(String),
    /// An array element by (non-negative) index.
    Index(usize),
    /// Every member or element.
    Wildcard,
}

/// Parses `text` when it uses only simple steps.
pub fn parse_simple(text: &str) -> Option<Vec<Step>> {
    let rest = text.trim().strip_prefix('$')?;
    let b = rest.as_bytes();
    let mut i = 0;
    let mut steps = Vec::new();
    while i < b.len() {
        match b[i] {
            b'.' => {
                i += 1;
                if b.get(i) == Some(&b'.') {
                    return None; // descendant segment
                }
                if b.get(i) == Some(&b'*') {
                    steps.push(Step::Wildcard);
                    i += 1;
                    continue;
                }
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
                    i += 1;
                }
                if start == i || b[start].is_ascii_digit() || b[start] == b'-' {
                    return None;
                }
                steps.push(Step::Key(rest[start..i].to_owned()));
            }
            b'[' => {
                let close = rest[i..].find(']')? + i;
                let inner = rest[i + 1..close].trim();
                if inner == "*" {
                    steps.push(Step::Wildcard);
                } else if let Ok(n) = inner.parse::<usize>() {
                    steps.push(Step::Index(n));
                } else if inner.len() >= 2
                    && ((inner.starts_with('\'') && inner.ends_with('\''))
                        || (inner.starts_with('"') && inner.ends_with('"')))
                {
                    let name = &inner[1..inner.len() - 1];
                    if name.contains(['\\', '\'', '"']) {
                        return None;
                    }
                    steps.push(Step::Key(name.to_owned()));
                } else {
                    return None; // filters, slices, unions, negative indexes
                }
                i = close + 1;
            }
            _ => return None,
        }
    }
    Some(steps)
}

/// Evaluates any compiled JSONPath from `root` (the general path, through `serde_json_path`).
pub fn select_general<'a>(path: &serde_json_path::JsonPath, root: Located<'a>) -> Vec<(Vec<PathElem>, Located<'a>)> {
    path.query_located(root.value)
        .iter()
        .filter_map(|n| {
            let p: Vec<PathElem> = n
                .location()
                .iter()
                .map(|e| match e {
                    serde_json_path::PathElement::Name(k) => PathElem::Key((*k).to_owned()),
                    serde_json_path::PathElement::Index(i) => PathElem::Index(*i),
                })
                .collect();
            let located = root.get(&p)?;
            Some((p, located))
        })
        .collect()
}

/// Evaluates simple `steps` from `root`, in document order.
pub fn select<'a>(steps: &[Step], root: Located<'a>) -> Vec<(Vec<PathElem>, Located<'a>)> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(steps, root, &mut path, &mut out);
    out
}

fn walk<'a>(steps: &[Step], node: Located<'a>, path: &mut Vec<PathElem>, out: &mut Vec<(Vec<PathElem>, Located<'a>)>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push((path.clone(), node));
        return;
    };
    match (step, node.value) {
        (Step::Key(k), Value::Object(_)) => {
            let elem = PathElem::Key(k.clone());
            if let Some(child) = node.child(&elem) {
                path.push(elem);
                walk(rest, child, path, out);
                path.pop();
            }
        }
        (Step::Index(n), Value::Array(_)) => {
            let elem = PathElem::Index(*n);
            if let Some(child) = node.child(&elem) {
                path.push(elem);
                walk(rest, child, path, out);
                path.pop();
            }
        }
        (Step::Wildcard, Value::Array(items)) => {
            for (i, (value, spans)) in items.iter().zip(&node.spans.children).enumerate() {
                path.push(PathElem::Index(i));
                walk(rest, Located { value, spans }, path, out);
                path.pop();
            }
        }
        (Step::Wildcard, Value::Object(map)) => {
            for ((k, value), spans) in map.iter().zip(&node.spans.children) {
                path.push(PathElem::Key(k.clone()));
                walk(rest, Located { value, spans }, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use serde_json_path::JsonPath;

    #[test]
    fn parses_only_simple_selectors() {
        assert_eq!(
            parse_simple("$.volumes[*].hostPath"),
            Some(vec![Step::Key("volumes".into()), Step::Wildcard, Step::Key("hostPath".into())])
        );
        assert_eq!(parse_simple("$['a.b'][0]"), Some(vec![Step::Key("a.b".into()), Step::Index(0)]));
        assert_eq!(parse_simple("$"), Some(vec![]));
        for complex in ["$..mode", "$.volumes[?@.hostPath]", "$.a[-1]", "$.a[0:2]", "$.a[0,1]"] {
            assert_eq!(parse_simple(complex), None, "{complex}");
        }
    }

    #[test]
    fn agrees_with_serde_json_path() {
        let f = SourceFile::new(
            "t.yaml",
            "volumes:\n- name: a\n  hostPath: {path: /x}\n- name: b\n  emptyDir: {}\ndata: {k1: v1, k2: v2}\nlist: [[1, 2], [3]]\n",
        );
        let loaded = crate::yaml::load(&f);
        let root = loaded.documents[0].root();
        for sel in [
            "$.volumes[*]",
            "$.volumes[*].hostPath",
            "$.volumes[1].name",
            "$.data.*",
            "$.list[*][*]",
            "$.nothing[*]",
            "$",
        ] {
            let fast: Vec<_> =
                select(&parse_simple(sel).unwrap(), root).into_iter().map(|(p, n)| (p, n.value.clone())).collect();
            let slow: Vec<_> = select_general(&JsonPath::parse(sel).unwrap(), root)
                .into_iter()
                .map(|(p, n)| (p, n.value.clone()))
                .collect();
            assert_eq!(fast, slow, "{sel}");
        }
    }
}
