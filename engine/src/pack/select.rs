//! A fast path for the JSONPath selectors rules use — `$`, `.name`, `['name']`, `['a','b']`, `[*]`, `.*`, `[n]`
//! and descendant segments of those (`..name`, `..[*]`, `..['a','b']`) — evaluated directly on the span tree,
//! in the order RFC 9535 (and `serde_json_path`) gives. Anything else (filters, slices, negative indexes,
//! mixed unions) goes through `serde_json_path`.

use crate::yaml::{Located, PathElem};
use serde_json::Value;

/// One step of a simple selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A member by name.
    Key(String),
    /// Members by name, in the order written (`['args','command']`).
    Keys(Vec<String>),
    /// An array element by (non-negative) index.
    Index(usize),
    /// Every member or element.
    Wildcard,
    /// A descendant segment: the inner step applied to the node and to each of its descendants (preorder).
    Descendant(Box<Step>),
}

/// Parses `text` when it uses only simple steps.
pub fn parse_simple(text: &str) -> Option<Vec<Step>> {
    let rest = text.trim().strip_prefix('$')?;
    let b = rest.as_bytes();
    let mut i = 0;
    let mut steps = Vec::new();
    while i < b.len() {
        let descendant = b[i] == b'.' && b.get(i + 1) == Some(&b'.');
        if descendant {
            i += 2;
        }
        let step = match b.get(i) {
            Some(b'.') if !descendant => {
                i += 1;
                if b.get(i) == Some(&b'*') {
                    i += 1;
                    Step::Wildcard
                } else {
                    Step::Key(parse_name(rest, &mut i)?)
                }
            }
            Some(b'*') if descendant => {
                i += 1;
                Step::Wildcard
            }
            Some(b'[') => {
                let close = rest[i..].find(']')? + i;
                let step = parse_bracket(rest[i + 1..close].trim())?;
                i = close + 1;
                step
            }
            Some(_) if descendant => Step::Key(parse_name(rest, &mut i)?),
            _ => return None,
        };
        steps.push(if descendant { Step::Descendant(Box::new(step)) } else { step });
    }
    Some(steps)
}

/// A member name in dot notation (ASCII identifier characters only; anything else takes the general path).
fn parse_name(rest: &str, i: &mut usize) -> Option<String> {
    let b = rest.as_bytes();
    let start = *i;
    while *i < b.len() && (b[*i].is_ascii_alphanumeric() || b[*i] == b'_' || b[*i] == b'-') {
        *i += 1;
    }
    if start == *i || b[start].is_ascii_digit() || b[start] == b'-' {
        return None;
    }
    Some(rest[start..*i].to_owned())
}

/// The inside of `[…]`: `*`, an index, or one or more quoted names without escapes.
fn parse_bracket(inner: &str) -> Option<Step> {
    if inner == "*" {
        return Some(Step::Wildcard);
    }
    if let Ok(n) = inner.parse::<usize>() {
        return Some(Step::Index(n));
    }
    let mut names = Vec::new();
    for part in inner.split(',') {
        let part = part.trim();
        let quoted = part.len() >= 2
            && ((part.starts_with('\'') && part.ends_with('\'')) || (part.starts_with('"') && part.ends_with('"')));
        if !quoted {
            return None; // filters, slices, indexes in unions, negative indexes
        }
        let name = &part[1..part.len() - 1];
        if name.contains(['\\', '\'', '"']) {
            return None;
        }
        names.push(name.to_owned());
    }
    match names.len() {
        0 => None,
        1 => names.pop().map(Step::Key),
        _ => Some(Step::Keys(names)),
    }
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

/// Whether simple `steps` can select anything in a document whose source text is `text`. A selector that starts
/// with a descendant member (`$..storageClassName`, `$..metadata['labels','annotations']`) visits every node of
/// the object; when the document's text does not contain any of those names, nothing can match and the walk is
/// skipped. Conservative: a text with a `\` (a quoted key may spell a character as an escape) or a name a YAML 1.1
/// key could resolve to (`true`, `null`, numbers) always walks; aliases and merge keys point inside the same
/// document, so the document's text covers them.
pub fn may_match(steps: &[Step], text: &str) -> bool {
    let names: &[String] = match steps.first() {
        Some(Step::Descendant(inner)) => match inner.as_ref() {
            Step::Key(k) => std::slice::from_ref(k),
            Step::Keys(ks) => ks,
            _ => return true,
        },
        _ => return true,
    };
    let literal = |k: &str| {
        let b = k.as_bytes();
        b.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/'))
            && !["true", "false", "null", "nan", "inf", "infinity"].iter().any(|w| k.eq_ignore_ascii_case(w))
    };
    if !names.iter().all(|k| literal(k)) || memchr::memchr(b'\\', text.as_bytes()).is_some() {
        return true;
    }
    names.iter().any(|k| memchr::memmem::find(text.as_bytes(), k.as_bytes()).is_some())
}

/// Evaluates simple `steps` from `root`, in document order.
pub fn select<'a>(steps: &[Step], root: Located<'a>) -> Vec<(Vec<PathElem>, Located<'a>)> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(steps, root, &mut path, &mut out);
    out
}

/// A path step borrowing its key from the document: walking (descendant segments visit every node) allocates
/// nothing; only selected nodes get an owned path.
#[derive(Clone, Copy)]
enum Elem<'a> {
    Key(&'a str),
    Index(usize),
}

type Out<'a> = Vec<(Vec<PathElem>, Located<'a>)>;

fn walk<'a>(steps: &[Step], node: Located<'a>, path: &mut Vec<Elem<'a>>, out: &mut Out<'a>) {
    let Some((step, rest)) = steps.split_first() else {
        let owned = path
            .iter()
            .map(|e| match e {
                Elem::Key(k) => PathElem::Key((*k).to_owned()),
                Elem::Index(i) => PathElem::Index(*i),
            })
            .collect();
        out.push((owned, node));
        return;
    };
    apply(step, rest, node, path, out);
}

/// Applies one step at `node`, then the `rest` to each node it selects.
fn apply<'a>(step: &Step, rest: &[Step], node: Located<'a>, path: &mut Vec<Elem<'a>>, out: &mut Out<'a>) {
    match (step, node.value) {
        (Step::Key(k), Value::Object(_)) => member(k, rest, node, path, out),
        (Step::Keys(keys), Value::Object(_)) => {
            for k in keys {
                member(k, rest, node, path, out);
            }
        }
        (Step::Index(n), Value::Array(items)) => {
            if let (Some(value), Some(spans)) = (items.get(*n), node.spans.children.get(*n)) {
                path.push(Elem::Index(*n));
                walk(rest, Located { value, spans }, path, out);
                path.pop();
            }
        }
        (Step::Wildcard, Value::Array(items)) => {
            for (i, (value, spans)) in items.iter().zip(&node.spans.children).enumerate() {
                path.push(Elem::Index(i));
                walk(rest, Located { value, spans }, path, out);
                path.pop();
            }
        }
        (Step::Wildcard, Value::Object(map)) => {
            for ((k, value), spans) in map.iter().zip(&node.spans.children) {
                path.push(Elem::Key(k));
                walk(rest, Located { value, spans }, path, out);
                path.pop();
            }
        }
        (Step::Descendant(inner), _) => {
            apply(inner, rest, node, path, out);
            match node.value {
                Value::Array(items) => {
                    for (i, (value, spans)) in items.iter().zip(&node.spans.children).enumerate() {
                        path.push(Elem::Index(i));
                        apply(step, rest, Located { value, spans }, path, out);
                        path.pop();
                    }
                }
                Value::Object(map) => {
                    for ((k, value), spans) in map.iter().zip(&node.spans.children) {
                        path.push(Elem::Key(k));
                        apply(step, rest, Located { value, spans }, path, out);
                        path.pop();
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// The member `k` of the mapping `node`, if present (a linear scan: manifests' mappings are small, and it
/// finds the span node at the same time).
fn member<'a>(k: &str, rest: &[Step], node: Located<'a>, path: &mut Vec<Elem<'a>>, out: &mut Out<'a>) {
    let Value::Object(map) = node.value else { return };
    if let Some(((key, value), spans)) = map.iter().zip(&node.spans.children).find(|((key, _), _)| *key == k) {
        path.push(Elem::Key(key));
        walk(rest, Located { value, spans }, path, out);
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use serde_json_path::JsonPath;

    #[test]
    fn descendant_prefilter_is_conservative() {
        let steps = |t: &str| parse_simple(t).unwrap();
        let doc = "kind: PersistentVolumeClaim\nspec:\n  storageClassName: fast\n";
        assert!(may_match(&steps("$..storageClassName"), doc));
        assert!(!may_match(&steps("$..storageClassName"), "kind: ConfigMap\ndata: {}\n"));
        assert!(may_match(&steps("$..metadata['labels','annotations'][*]"), "metadata:\n  annotations: {}\n"));
        assert!(!may_match(&steps("$..metadata['labels','annotations'][*]"), "kind: Secret\n"));
        // An escape may spell the key; a YAML 1.1 key may resolve to `true`; other selectors always walk.
        assert!(may_match(&steps("$..storageClassName"), "\"storage\\u0043lassName\": x"));
        assert!(may_match(&steps("$..true"), "yes: 1"));
        assert!(may_match(&steps("$.spec"), ""));
    }

    #[test]
    fn parses_only_simple_selectors() {
        assert_eq!(
            parse_simple("$.volumes[*].hostPath"),
            Some(vec![Step::Key("volumes".into()), Step::Wildcard, Step::Key("hostPath".into())])
        );
        assert_eq!(parse_simple("$['a.b'][0]"), Some(vec![Step::Key("a.b".into()), Step::Index(0)]));
        assert_eq!(parse_simple("$"), Some(vec![]));
        assert_eq!(
            parse_simple("$['args', \"command\"][*]"),
            Some(vec![Step::Keys(vec!["args".into(), "command".into()]), Step::Wildcard])
        );
        assert_eq!(
            parse_simple("$.volumes[*]..items[*].mode"),
            Some(vec![
                Step::Key("volumes".into()),
                Step::Wildcard,
                Step::Descendant(Box::new(Step::Key("items".into()))),
                Step::Wildcard,
                Step::Key("mode".into())
            ])
        );
        assert_eq!(
            parse_simple("$..metadata['labels','annotations'][*]"),
            Some(vec![
                Step::Descendant(Box::new(Step::Key("metadata".into()))),
                Step::Keys(vec!["labels".into(), "annotations".into()]),
                Step::Wildcard
            ])
        );
        assert_eq!(parse_simple("$..*"), Some(vec![Step::Descendant(Box::new(Step::Wildcard))]));
        for complex in [
            "$.volumes[?@.hostPath]",
            "$.a[-1]",
            "$.a[0:2]",
            "$.a[0,1]",
            "$['a',0]",
            "$['a,b']",
            "$...a",
            "$.a.",
            "$..",
        ] {
            assert_eq!(parse_simple(complex), None, "{complex}");
        }
    }

    #[test]
    fn agrees_with_serde_json_path() {
        let f = SourceFile::new(
            "t.yaml",
            "volumes:\n- name: a\n  hostPath: {path: /x}\n- name: b\n  emptyDir: {}\n\
             data: {k1: v1, k2: v2}\nlist: [[1, 2], [3]]\nmetadata: {labels: {a: b}}\n\
             template:\n  metadata: {annotations: {c: d}, labels: {e: f}}\n  items: [{mode: 1, items: [{mode: 2}]}]\n",
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
            "$..metadata['labels','annotations'][*]",
            "$['list','data','list'][*]",
            "$..items[*].mode",
            "$..mode",
            "$..*",
            "$..[*]",
            "$..[0]",
            "$.template..['labels','items']",
            "$..metadata..*",
            "$..nothing",
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

    /// Every selector of the built-in pack that takes the fast path agrees with `serde_json_path` on every
    /// document of the fixtures and examples, from the root and from every pod spec and container.
    #[test]
    fn pack_selectors_agree_on_fixtures() {
        let pack = crate::pack::Pack::load(&[], &Default::default()).expect("built-in pack loads");
        let mut selectors: Vec<&str> = pack
            .rules()
            .iter()
            .flat_map(|r| &r.cases)
            .filter(|c| c.simple_select.is_some())
            .map(|c| c.select_text.as_str())
            .collect();
        selectors.sort_unstable();
        selectors.dedup();
        assert!(selectors.iter().any(|s| s.contains("..")), "descendant selectors take the fast path");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in ["fixtures", "examples"] {
            for entry in ignore::WalkBuilder::new(root.join(dir)).standard_filters(false).build().flatten() {
                if entry.path().extension().is_some_and(|e| e == "yaml") {
                    files.push(entry.path().to_path_buf());
                }
            }
        }
        assert!(files.len() > 100, "fixtures found: {}", files.len());
        let mut compared = 0usize;
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let f = SourceFile::new(path.display().to_string(), text);
            for doc in crate::yaml::load(&f).documents {
                let doc_root = doc.root();
                let mut roots = vec![doc_root];
                for p in ["spec", "spec.template.spec", "spec.jobTemplate.spec.template.spec"] {
                    let Some(spec) = doc_root.get(&crate::yaml::parse_dotted(p).unwrap()) else { continue };
                    roots.push(spec);
                    for list in ["containers", "initContainers"] {
                        if let Some(Value::Array(items)) = spec.value.get(list) {
                            for i in 0..items.len() {
                                let c = [PathElem::Key(list.into()), PathElem::Index(i)];
                                roots.extend(spec.get(&c));
                            }
                        }
                    }
                }
                for node in roots {
                    for sel in &selectors {
                        let fast: Vec<_> = select(&parse_simple(sel).unwrap(), node)
                            .into_iter()
                            .map(|(p, n)| (p, n.spans.span))
                            .collect();
                        let slow: Vec<_> = select_general(&JsonPath::parse(sel).unwrap(), node)
                            .into_iter()
                            .map(|(p, n)| (p, n.spans.span))
                            .collect();
                        assert_eq!(fast, slow, "{sel} in {}", f.name);
                        compared += fast.len();
                    }
                }
            }
        }
        assert!(compared > 1000, "selected nodes compared: {compared}");
    }
}
