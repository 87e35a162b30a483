//! A fast path for the JSONPath selectors rules use — `$`, `.name`, `['name']`, `['a','b']`, `[*]`, `.*`, `[n]`
//! and descendant segments of those (`..name`, `..[*]`, `..['a','b']`) — evaluated directly on the span tree,
//! in the order RFC 9535 (and `serde_json_path`) gives. Anything else (filters, slices, negative indexes,
//! mixed unions) goes through `serde_json_path`.

use crate::yaml::{Located, PathElem, SpanNode};
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

/// Where the names of a leading descendant member step (`$..storageClassName`,
/// `$..metadata['labels','annotations']`) occur in the document's source `text` (byte offsets from `base`, the
/// text's offset in its file; sorted). In a document whose keys are spelled literally inside their mappings
/// (`Document::literal_keys`), a subtree whose span holds no occurrence cannot contain a match: the walk skips
/// it, and a document without occurrences is not walked at all. `None` for other selectors and for names a
/// YAML 1.1 key could resolve to (`true`, `null`, numbers).
pub fn occurrences(steps: &[Step], text: &str, base: u32) -> Option<Vec<u32>> {
    let names: &[String] = match steps.first() {
        Some(Step::Descendant(inner)) => match inner.as_ref() {
            Step::Key(k) => std::slice::from_ref(k),
            Step::Keys(ks) => ks,
            _ => return None,
        },
        _ => return None,
    };
    let literal = |k: &str| {
        let b = k.as_bytes();
        b.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/'))
            && !["true", "false", "null", "nan", "inf", "infinity"].iter().any(|w| k.eq_ignore_ascii_case(w))
    };
    if !names.iter().all(|k| literal(k)) {
        return None;
    }
    let mut hits: Vec<u32> = names
        .iter()
        .flat_map(|k| memchr::memmem::find_iter(text.as_bytes(), k.as_bytes()).map(|at| base + at as u32))
        .collect();
    if names.len() > 1 {
        hits.sort_unstable();
    }
    Some(hits)
}

/// Evaluates simple `steps` from `root`, in document order.
pub fn select<'a>(steps: &[Step], root: Located<'a>) -> Vec<(Vec<PathElem>, Located<'a>)> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(steps, root, &mut path, &mut out);
    out
}

/// [`select`] for steps that start with a descendant member, skipping every subtree whose span holds none of
/// the name `hits` ([`occurrences`]). Only for documents with `Document::literal_keys` (no alias, merge key or
/// escape). Same result as [`select`], in the same order.
pub fn select_pruned<'a>(steps: &[Step], root: Located<'a>, hits: &[u32]) -> Vec<(Vec<PathElem>, Located<'a>)> {
    let Some((Step::Descendant(inner), rest)) = steps.split_first() else { return select(steps, root) };
    let mut out = Vec::new();
    let mut path = Vec::new();
    descendant(inner, rest, root, &mut path, &mut out, Some(hits));
    out
}

/// Whether some hit lies in `span`.
fn covers(hits: &[u32], span: crate::source::Span) -> bool {
    let i = hits.partition_point(|h| *h < span.start);
    hits.get(i).is_some_and(|h| *h < span.end)
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
        (Step::Descendant(inner), _) => descendant(inner, rest, node, path, out, None),
        _ => {}
    }
}

/// A descendant segment: `inner` (then `rest`) at `node` and at each of its descendants, in preorder. With
/// `hits` (only for the selector's leading segment, see [`select_pruned`]) a subtree whose span holds none of
/// them is skipped.
fn descendant<'a>(
    inner: &Step,
    rest: &[Step],
    node: Located<'a>,
    path: &mut Vec<Elem<'a>>,
    out: &mut Out<'a>,
    hits: Option<&[u32]>,
) {
    apply(inner, rest, node, path, out);
    let skip = |spans: &SpanNode| hits.is_some_and(|hits| !covers(hits, spans.span));
    match node.value {
        Value::Array(items) => {
            for (i, (value, spans)) in items.iter().zip(&node.spans.children).enumerate() {
                if !skip(spans) {
                    path.push(Elem::Index(i));
                    descendant(inner, rest, Located { value, spans }, path, out, hits);
                    path.pop();
                }
            }
        }
        Value::Object(map) => {
            for ((k, value), spans) in map.iter().zip(&node.spans.children) {
                if !skip(spans) {
                    path.push(Elem::Key(k));
                    descendant(inner, rest, Located { value, spans }, path, out, hits);
                    path.pop();
                }
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
        assert_eq!(occurrences(&steps("$..storageClassName"), doc, 100), Some(vec![136]));
        assert_eq!(occurrences(&steps("$..storageClassName"), "kind: ConfigMap\ndata: {}\n", 0), Some(vec![]));
        let labels = steps("$..metadata['labels','annotations'][*]");
        assert_eq!(occurrences(&labels, "metadata:\n  annotations: {}\nx: metadata", 0), Some(vec![0, 31]));
        assert_eq!(occurrences(&labels, "kind: Secret\n", 0), Some(vec![]));
        let both = steps("$..['labels','annotations']");
        assert_eq!(occurrences(&both, "annotations: 1\nlabels: 2\nannotations: 3", 0), Some(vec![0, 15, 25]));
        // A YAML 1.1 key may resolve to `true`; other selectors always walk.
        assert_eq!(occurrences(&steps("$..true"), "yes: 1", 0), None);
        assert_eq!(occurrences(&steps("$.spec"), "", 0), None);
        assert_eq!(occurrences(&steps("$..*"), "a: 1", 0), None);
    }

    /// Content an alias copies keeps the spans of its anchor, outside the alias's parent, and a key may be
    /// spelled differently from its name (an escape, `''`, `on` for "true"): pruning by name occurrences would
    /// lose matches, which is why the loader flags such documents and evaluation walks them whole.
    #[test]
    fn documents_without_literal_keys_are_flagged() {
        let text = "base: &b\n  metadata:\n    labels: {a: on}\nspec:\n  template: *b\n";
        let f = SourceFile::new("t.yaml", text);
        let doc = &crate::yaml::load(&f).documents[0];
        assert!(!doc.literal_keys);
        let steps = parse_simple("$..metadata['labels','annotations'][*]").unwrap();
        let hits = occurrences(&steps, text, 0).unwrap();
        assert_eq!(select(&steps, doc.root()).len(), 2);
        assert_eq!(select_pruned(&steps, doc.root(), &hits).len(), 1, "the copy under spec is pruned");
        let escaped = SourceFile::new("t.yaml", "\"meta\\u0064ata\": {labels: {a: b}}\n");
        let doc = &crate::yaml::load(&escaped).documents[0];
        assert!(!doc.literal_keys);
        assert_eq!(occurrences(&steps, &escaped.text, 0), Some(vec![]), "the name is not in the text");
        assert_eq!(select(&steps, doc.root()).len(), 1);
        for (text, literal) in [
            ("a: 1\nb: {c: 2}\n", true),
            ("a: '*b'\nc: \"x\"\nd: 'e\\f'\n", true),
            ("a: \"x\\ty\"\n", true), // a value may be spelled any way
            ("\"a\\ty\": 1\n", false),
            ("'it''s': 1\n", false),
            ("on: 1\n", false), // the key is "true"
            ("'a': 1\n\"b\": 2\n", true),
            ("[1]: 2\n", false),
            ("a: &x {k: 1}\nb:\n  <<: *x\n", false),
            ("a: &x 1\nb: *x\n---\nc: 2\n", true), // the flag is per document
        ] {
            let f = SourceFile::new("t.yaml", text);
            assert_eq!(crate::yaml::load(&f).documents.last().unwrap().literal_keys, literal, "{text}");
        }
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

    /// Every selector of the built-in pack that takes the fast path (and a few more descendant selectors) agrees
    /// with `serde_json_path` on every document of the fixtures, the examples and the shared corpus, from the
    /// root and from every pod spec and container — walked whole, and pruned by name occurrences as evaluation
    /// does.
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
        selectors.extend(["$..name", "$..metadata..name", "$..['labels','annotations']", "$..items[*].path"]);
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in ["fixtures", "examples", "../shared/corpus"] {
            for entry in ignore::WalkBuilder::new(root.join(dir)).standard_filters(false).build().flatten() {
                if entry.path().extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    files.push(entry.path().to_path_buf());
                }
            }
        }
        assert!(files.len() > 100, "fixtures found: {}", files.len());
        let mut compared = 0usize;
        let mut pruned_compared = 0usize;
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let f = SourceFile::new(path.display().to_string(), text);
            for doc in crate::yaml::load(&f).documents {
                let doc_root = doc.root();
                let doc_span = doc.spans.span;
                let doc_text = &f.text[doc_span.start as usize..doc_span.end as usize];
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
                        // What evaluation does: no walk without occurrences, a pruned walk when keys are literal.
                        let steps = parse_simple(sel).unwrap();
                        if let Some(hits) = occurrences(&steps, doc_text, doc_span.start) {
                            let pruned: Vec<_> = if hits.is_empty() {
                                Vec::new()
                            } else if !doc.literal_keys {
                                continue;
                            } else {
                                select_pruned(&steps, node, &hits).into_iter().map(|(p, n)| (p, n.spans.span)).collect()
                            };
                            assert_eq!(pruned, slow, "pruned {sel} in {}", f.name);
                            pruned_compared += pruned.len();
                        }
                    }
                }
            }
        }
        assert!(compared > 1000, "selected nodes compared: {compared}");
        assert!(pruned_compared > 1000, "selected nodes compared after pruning: {pruned_compared}");
    }
}
