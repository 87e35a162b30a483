//! The editable tree a rendering works on: a value and its spans in one node, so that merging, patching and
//! renaming keep every field's source location without keeping two trees aligned. Converted from a loaded
//! document (spans shifted into the rendering's virtual text) and back into a `Value` + `SpanNode` pair.

use crate::source::Span;
use crate::yaml::{SpanNode, Style};
use serde_json::{Map, Value};

/// One node: its value and where it came from.
#[derive(Clone, Debug)]
pub struct Node {
    /// Mapping, sequence or scalar.
    pub v: V,
    /// The value's span in the virtual text.
    pub span: Span,
    /// The key's span when the node is a mapping value.
    pub key_span: Option<Span>,
    /// Scalar style (`Collection` for maps and sequences).
    pub style: Style,
    /// Explicit tag.
    pub tag: Option<Box<str>>,
}

/// A node's value.
#[derive(Clone, Debug)]
pub enum V {
    /// Entries in order.
    Map(Vec<(String, Node)>),
    /// Items in order.
    Seq(Vec<Node>),
    /// A scalar (string, number, bool, null).
    Scalar(Value),
}

impl Node {
    /// A node from a loaded value and its spans, every span moved by `base` bytes.
    pub fn from_loaded(value: &Value, spans: &SpanNode, base: u32) -> Node {
        let shift = |s: Span| Span { start: s.start + base, end: s.end + base };
        let v = match value {
            Value::Object(map) => V::Map(
                map.iter().zip(&spans.children).map(|((k, v), s)| (k.clone(), Node::from_loaded(v, s, base))).collect(),
            ),
            Value::Array(items) => {
                V::Seq(items.iter().zip(&spans.children).map(|(v, s)| Node::from_loaded(v, s, base)).collect())
            }
            other => V::Scalar(other.clone()),
        };
        Node {
            v,
            span: shift(spans.span),
            key_span: spans.key_span.map(shift),
            style: spans.style,
            tag: spans.tag.clone(),
        }
    }

    /// A value made by the rendering (a label it adds, a generated object), located at `span`.
    pub fn made(value: &Value, span: Span) -> Node {
        let v = match value {
            Value::Object(map) => {
                V::Map(map.iter().map(|(k, v)| (k.clone(), Node::made(v, span).keyed(span))).collect())
            }
            Value::Array(items) => V::Seq(items.iter().map(|v| Node::made(v, span)).collect()),
            other => V::Scalar(other.clone()),
        };
        let style = if matches!(v, V::Scalar(_)) { Style::Plain } else { Style::Collection };
        Node { v, span, key_span: None, style, tag: None }
    }

    /// A string scalar made by the rendering.
    pub fn string(s: &str, span: Span) -> Node {
        Node { v: V::Scalar(Value::String(s.to_owned())), span, key_span: None, style: Style::Plain, tag: None }
    }

    /// An empty mapping made by the rendering.
    pub fn map(span: Span) -> Node {
        Node { v: V::Map(Vec::new()), span, key_span: None, style: Style::Collection, tag: None }
    }

    /// The same node with its key located at `key`.
    pub fn keyed(mut self, key: Span) -> Node {
        self.key_span = Some(key);
        self
    }

    /// Back to a value and its span tree.
    pub fn into_loaded(self) -> (Value, SpanNode) {
        let (value, children) = match self.v {
            V::Map(entries) => {
                let mut map = Map::new();
                let mut children = Vec::with_capacity(entries.len());
                for (k, n) in entries {
                    let (v, s) = n.into_loaded();
                    map.insert(k, v);
                    children.push(s);
                }
                (Value::Object(map), children)
            }
            V::Seq(items) => {
                let (values, children): (Vec<Value>, Vec<SpanNode>) = items.into_iter().map(Node::into_loaded).unzip();
                (Value::Array(values), children)
            }
            V::Scalar(v) => (v, Vec::new()),
        };
        (value, SpanNode { span: self.span, key_span: self.key_span, style: self.style, tag: self.tag, children })
    }

    /// The plain value (for hashing, matching and the differential test).
    pub fn to_value(&self) -> Value {
        match &self.v {
            V::Map(entries) => Value::Object(entries.iter().map(|(k, n)| (k.clone(), n.to_value())).collect()),
            V::Seq(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            V::Scalar(v) => v.clone(),
        }
    }

    /// The string value, if a string scalar.
    pub fn str(&self) -> Option<&str> {
        match &self.v {
            V::Scalar(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// Entry `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.v {
            V::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, n)| n),
            _ => None,
        }
    }

    /// Entry `key` of a mapping, mutable.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.v {
            V::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, n)| n),
            _ => None,
        }
    }

    /// Follows keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    /// Follows keys, mutable.
    pub fn at_mut(&mut self, path: &[&str]) -> Option<&mut Node> {
        let mut cur = self;
        for k in path {
            cur = cur.get_mut(k)?;
        }
        Some(cur)
    }

    /// String at a key path.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path).and_then(Node::str)
    }

    /// Sets `key` of a mapping (replacing its value, or appending the entry); the key keeps its old span
    /// when it existed, else takes the new node's key span, else `key_span`.
    pub fn set(&mut self, key: &str, mut node: Node, key_span: Span) {
        if let V::Map(entries) = &mut self.v {
            if let Some((_, old)) = entries.iter_mut().find(|(k, _)| k == key) {
                node.key_span = node.key_span.or(old.key_span);
                *old = node;
            } else {
                node.key_span = node.key_span.or(Some(key_span));
                entries.push((key.to_owned(), node));
            }
        }
    }

    /// Removes `key` of a mapping.
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        match &mut self.v {
            V::Map(entries) => {
                let i = entries.iter().position(|(k, _)| k == key)?;
                Some(entries.remove(i).1)
            }
            _ => None,
        }
    }

    /// The mapping at `key`, created (located at `span`) when absent or not a mapping.
    pub fn map_entry(&mut self, key: &str, span: Span) -> &mut Node {
        let fresh = !matches!(self.get(key).map(|n| &n.v), Some(V::Map(_)));
        if fresh {
            self.set(key, Node::map(span), span);
        }
        self.get_mut(key).expect("just set")
    }

    /// The items of a sequence.
    pub fn items(&self) -> &[Node] {
        match &self.v {
            V::Seq(items) => items,
            _ => &[],
        }
    }

    /// The items of a sequence, mutable.
    pub fn items_mut(&mut self) -> &mut [Node] {
        match &mut self.v {
            V::Seq(items) => items,
            _ => &mut [],
        }
    }

    /// Whether the node is null.
    pub fn is_null(&self) -> bool {
        matches!(self.v, V::Scalar(Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn round_trip_keeps_values_and_shifted_spans() {
        let file = SourceFile::new("a.yaml", "a: 1\nb:\n  - x\n  - {c: d}\n");
        let doc = &crate::yaml::load(&file).documents[0];
        let node = Node::from_loaded(&doc.value, &doc.spans, 100);
        assert_eq!(node.to_value(), doc.value);
        let (value, spans) = node.into_loaded();
        assert_eq!(value, doc.value);
        assert_eq!(spans.children[1].children[0].span.start, doc.spans.children[1].children[0].span.start + 100);
        assert_eq!(spans.children[0].key_span.map(|s| s.start), Some(100));
    }
}
