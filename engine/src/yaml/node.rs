//! The span tree that mirrors a document's JSON value: every key and value keeps its byte span and, for
//! scalars, the YAML style. Map children are aligned with the `serde_json` map's insertion order.

use crate::source::Span;
use serde_json::Value;

/// The YAML style of a scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// `'…'`
    SingleQuoted,
    /// `"…"`
    DoubleQuoted,
    /// `|`
    Literal,
    /// `>`
    Folded,
    /// Not a scalar (mapping or sequence).
    Collection,
}

impl Style {
    /// The name used in the rule format's scalar view.
    pub fn as_str(self) -> &'static str {
        match self {
            Style::Plain => "plain",
            Style::SingleQuoted => "single",
            Style::DoubleQuoted => "double",
            Style::Literal => "literal",
            Style::Folded => "folded",
            Style::Collection => "collection",
        }
    }
}

/// Spans of one node (and its children).
#[derive(Clone, Debug)]
pub struct SpanNode {
    /// The value's span (for collections: from the first to the last event).
    pub span: Span,
    /// The key's span when the node is a mapping value.
    pub key_span: Option<Span>,
    /// Scalar style.
    pub style: Style,
    /// Explicit tag (`!!str`), if any.
    pub tag: Option<Box<str>>,
    /// Children: sequence items, or mapping values in the JSON map's order.
    pub children: Vec<SpanNode>,
}

/// One step of a path inside a document.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathElem {
    /// Mapping key.
    Key(String),
    /// Sequence index.
    Index(usize),
}

/// Renders a path as `spec.volumes[0].hostPath` (keys that are not identifiers are quoted: `data["a/b"]`).
pub fn path_string(path: &[PathElem]) -> String {
    let mut out = String::new();
    for elem in path {
        match elem {
            PathElem::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
            PathElem::Key(k) => {
                let ident = !k.is_empty()
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    && !k.starts_with(|c: char| c.is_ascii_digit());
                if ident {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                } else {
                    out.push('[');
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push(']');
                }
            }
        }
    }
    out
}

/// Parses a dotted path with optional indexes: `hostPath.path`, `items[0].key`, `data["a.b"]`.
pub fn parse_dotted(s: &str) -> Option<Vec<PathElem>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'.' => i += 1,
            b'[' => {
                let close = s[i..].find(']')? + i;
                let inner = s[i + 1..close].trim();
                if let Ok(n) = inner.parse::<usize>() {
                    out.push(PathElem::Index(n));
                } else {
                    let k: String = serde_json::from_str(inner).ok()?;
                    out.push(PathElem::Key(k));
                }
                i = close + 1;
            }
            _ => {
                let end = s[i..].find(['.', '[']).map_or(s.len(), |e| e + i);
                out.push(PathElem::Key(s[i..end].to_owned()));
                i = end;
            }
        }
    }
    Some(out)
}

/// A value together with its spans.
#[derive(Clone, Copy, Debug)]
pub struct Located<'a> {
    /// The JSON value.
    pub value: &'a Value,
    /// Its spans.
    pub spans: &'a SpanNode,
}

impl<'a> Located<'a> {
    /// Child by one path element.
    pub fn child(&self, elem: &PathElem) -> Option<Located<'a>> {
        match (elem, self.value) {
            // One linear pass finds the value and its span node together (no hashing; mappings are small).
            (PathElem::Key(k), Value::Object(map)) => map
                .iter()
                .zip(&self.spans.children)
                .find(|((key, _), _)| *key == k)
                .map(|((_, value), spans)| Located { value, spans }),
            (PathElem::Index(i), Value::Array(items)) => {
                Some(Located { value: items.get(*i)?, spans: self.spans.children.get(*i)? })
            }
            _ => None,
        }
    }

    /// Follows `path` as far as it exists; returns the deepest node and how many elements matched.
    pub fn descend(&self, path: &[PathElem]) -> (Located<'a>, usize) {
        let mut cur = *self;
        for (n, elem) in path.iter().enumerate() {
            match cur.child(elem) {
                Some(next) => cur = next,
                None => return (cur, n),
            }
        }
        (cur, path.len())
    }

    /// Follows `path` exactly.
    pub fn get(&self, path: &[PathElem]) -> Option<Located<'a>> {
        let (node, n) = self.descend(path);
        (n == path.len()).then_some(node)
    }
}

impl SpanNode {
    /// The span a finding about this node points at: the key and a scalar value on the same line, the key of
    /// a collection, or the first line of a sequence item.
    pub fn report_span(&self, text: &str) -> Span {
        let line_end = |from: u32| -> u32 {
            let rest = &text.as_bytes()[from as usize..];
            from + rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len()) as u32
        };
        match self.key_span {
            Some(key) => {
                if self.style != Style::Collection && self.span.end <= line_end(key.start) && self.span.end > key.start
                {
                    Span { start: key.start, end: self.span.end }
                } else {
                    key
                }
            }
            None => match self.children.first() {
                // A mapping or sequence item: its first entry (`- name: x` → `name: x`).
                Some(first) if self.style == Style::Collection => first.report_span(text),
                _ => {
                    let end = self.span.end.min(line_end(self.span.start));
                    Span { start: self.span.start, end: end.max(self.span.start) }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_and_parse() {
        let p = vec![
            PathElem::Key("spec".into()),
            PathElem::Key("volumes".into()),
            PathElem::Index(0),
            PathElem::Key("a.b/c".into()),
        ];
        let s = path_string(&p);
        assert_eq!(s, "spec.volumes[0][\"a.b/c\"]");
        assert_eq!(parse_dotted(&s).unwrap(), p);
        assert_eq!(
            parse_dotted("hostPath.path").unwrap(),
            vec![PathElem::Key("hostPath".into()), PathElem::Key("path".into())]
        );
    }
}
