//! Loading YAML with exact spans. [`load`] never fails: syntax errors, duplicate keys, alias bombs and
//! flattened documents become [`Problem`]s with locations, and every recoverable document is still returned.
//!
//! Parser: `saphyr-parser`'s event stream (marks on every event, scalar styles, pure Rust, maintained). The tree
//! is built directly as a `serde_json::Value` (kubectl's YAML 1.1 typing applied, see [`resolve`]) plus a
//! parallel [`SpanNode`] tree, so JSON Schema validation and JSONPath work on the value while every node can be
//! mapped back to its line and column.

mod fast;
pub mod node;
pub mod problems;
pub mod resolve;

pub use node::{parse_dotted, path_string, Located, PathElem, SpanNode, Style};

use crate::finding::Severity;
use crate::source::{SourceFile, Span};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, StrInput};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// Upper bound on nodes created by alias expansion in one file (billion-laughs protection), across every
/// document of the file and every restart after a syntax error.
pub const ALIAS_NODE_BUDGET: usize = 1_000_000;
/// Upper bound on the text (scalars and keys) copied by alias expansion in one file: one alias of a large
/// scalar repeated is one node per copy but megabytes each.
pub const ALIAS_BYTE_BUDGET: usize = 32 << 20;
/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 512;

/// One non-empty YAML document.
#[derive(Debug, Clone)]
pub struct Document {
    /// 1-based index among the file's non-empty documents.
    pub index: usize,
    /// kubectl-equivalent JSON value.
    pub value: Value,
    /// Spans mirroring `value`.
    pub spans: SpanNode,
    /// Set when the document looks flattened (lost indentation): cascading rules stay quiet.
    pub flattened: bool,
    /// Every mapping key is spelled literally in the source, inside the span of its mapping: no alias or merge
    /// key copied content from elsewhere (such content keeps the spans of its anchor) and every key's source
    /// text, quotes aside, is the key (no escape as in `"na\u006De"`, no `''`, no `on` read as `"true"`). Then a
    /// name absent from a subtree's text is absent from its keys. Values may be spelled any way.
    pub literal_keys: bool,
}

impl Document {
    /// The root as a located node.
    pub fn root(&self) -> Located<'_> {
        Located { value: &self.value, spans: &self.spans }
    }
}

/// A problem found while loading, reported under a `yaml-*` (or `manifest-identity`) rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Rule id.
    pub rule: &'static str,
    /// Severity the loader suggests (the rule file may override it).
    pub severity: Severity,
    /// Where.
    pub span: Span,
    /// What.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Secondary locations in the same file.
    pub related: Vec<(Span, String)>,
    /// JSON path inside the document, when known.
    pub path: String,
}

/// The result of loading one file.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Non-empty documents in order.
    pub documents: Vec<Document>,
    /// Problems in source order.
    pub problems: Vec<Problem>,
}

/// Loads every document of `file`. Never panics on user input.
pub fn load(file: &SourceFile) -> Loaded {
    let mut out = fast_load(file).unwrap_or_else(|| saphyr_load(file));
    let text: &str = &file.text;
    let exotic = problems::has_exotic_space(text);
    for doc in &mut out.documents {
        if let Some(p) = problems::lost_indentation(file, doc, exotic) {
            doc.flattened = true;
            out.problems.push(p);
        }
    }
    out.problems.sort_by_key(|p| (p.span.start, p.rule));
    // The invariant every renderer relies on, checked on every load: a span that is not a valid range of the
    // text is a bug of the loader's. Debug builds stop there (the tests, the fixture run and the fuzz targets
    // see it); a release build reports it as an `internal-error` at the span's line and repairs the spans, so
    // the file is still checked and nothing slices outside the text.
    for (i, doc) in out.documents.iter_mut().enumerate() {
        if let Some(bad) = invalid_span(text, &doc.spans) {
            debug_assert!(false, "{}: span {bad:?} is not a valid range of the text ({} bytes)", file.name, text.len());
            repair_spans(text, &mut doc.spans);
            let at = clamp(text, bad).start as usize;
            let line = file.position(at as u32).line as usize;
            let message = format!(
                "kvet computed an impossible location in document {} (bytes {}..{} of {}); locations in it may be off",
                i + 1,
                bad.start,
                bad.end,
                text.len()
            );
            out.problems.push(crate::guard::problem(Span::new(file.line_start(line), file.line_end(line)), message));
        }
    }
    out
}

/// The nearest valid range of `text` to `span`: both ends inside the text, on character boundaries, start ≤ end.
fn clamp(text: &str, span: Span) -> Span {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(span.start as usize);
    Span::new(start, floor(span.end as usize).max(start))
}

/// Makes every span of `node` a valid range of `text` ([`clamp`]).
fn repair_spans(text: &str, node: &mut SpanNode) {
    node.span = clamp(text, node.span);
    node.key_span = node.key_span.map(|k| clamp(text, k));
    for c in &mut node.children {
        repair_spans(text, c);
    }
}

/// The first span of `node` (value or key, depth first) that is not a valid range of `text`: start after end,
/// past the end, or off a character boundary. The loader's invariant is that there is none (checked on every
/// load in debug builds and by the span tests).
pub fn invalid_span(text: &str, node: &SpanNode) -> Option<Span> {
    let bad = |s: Span| text.get(s.start as usize..s.end as usize).is_none();
    if bad(node.span) {
        return Some(node.span);
    }
    if let Some(k) = node.key_span.filter(|&k| bad(k)) {
        return Some(k);
    }
    node.children.iter().find_map(|c| invalid_span(text, c))
}

/// What [`compare_front_ends`] found.
#[doc(hidden)]
#[derive(Debug, PartialEq, Eq)]
pub enum FrontEnds {
    /// The fast front end bailed (saphyr parses the file).
    Bailed,
    /// Both yield the same events.
    Same,
    /// The fast front end accepted the text and yields other events than saphyr (or saphyr rejects it).
    Differ(String),
}

/// The fast front end's invariant, for the tests and the `front_ends` fuzz target: it bails, or it yields
/// exactly saphyr's events (variant, text, style, anchor, tag, byte offsets).
#[doc(hidden)]
pub fn compare_front_ends(text: &str) -> FrontEnds {
    let file = SourceFile::new("compare.yaml", text);
    let Some(fast) = fast::events(&file.text) else { return FrontEnds::Bailed };
    let mut src = SaphyrSource::new(&file, 0);
    let mut slow = Vec::new();
    let error = loop {
        match src.next_event() {
            Next::Event(ev) => {
                let end = ev.0 == Event::StreamEnd;
                slow.push(ev);
                if end {
                    break None;
                }
            }
            Next::End => break None,
            Next::Error(at, info) => break Some(format!("{info} at {at}")),
            Next::Bail => break Some("saphyr bailed".into()),
        }
    };
    if let Some(e) = error {
        return FrontEnds::Differ(format!(
            "fast path accepted a text saphyr rejects ({e}); fast: {fast:?}\ntext: {text:?}"
        ));
    }
    if slow == fast {
        return FrontEnds::Same;
    }
    let i = slow.iter().zip(&fast).position(|(a, b)| a != b).unwrap_or(slow.len().min(fast.len()));
    let lo = i.saturating_sub(3);
    FrontEnds::Differ(format!(
        "event {i} differs\n  saphyr: {:?}\n  fast:   {:?}\ntext: {text:?}",
        &slow[lo..(i + 2).min(slow.len())],
        &fast[lo..(i + 2).min(fast.len())]
    ))
}

/// The fast path: plain block YAML scanned by [`fast::FastSource`]; `None` when it bails (the caller then
/// reruns the whole file with saphyr, so the result never depends on which path ran).
fn fast_load(file: &SourceFile) -> Option<Loaded> {
    let mut state = FileState::default();
    let mut builder = Builder::new(file, 0, &mut state);
    let mut source = fast::FastSource::new(&file.text);
    match builder.run(&mut source) {
        Ok(()) => Some(Loaded { documents: builder.documents, problems: builder.problems }),
        Err(_) => None,
    }
}

/// The saphyr path: restarts at the next `---` after a syntax error.
///
/// kubectl's parser (go-yaml, a libyaml port) ignores indentation inside flow collections; saphyr follows the
/// spec and rejects a flow continuation line at or left of the enclosing block's column (`args: [` … `]` with
/// the `]` under `args`). On that error the line is joined to the previous token's line in a copy of the text
/// ([`join_flow_line`]: the line break, blank and comment lines between become spaces, so every byte offset
/// stays the same and the value is unchanged — whitespace between flow tokens means nothing) and the document
/// is parsed again.
fn saphyr_load(file: &SourceFile) -> Loaded {
    let mut out = Loaded::default();
    let mut patched: Option<String> = None;
    let mut joins = 0usize;
    // The error of the document being joined, reported if joining does not make it valid.
    let mut original: Option<(usize, Problem)> = None;
    let mut base = 0usize; // byte offset where the current parser starts
    let mut state = FileState::default();
    loop {
        let text: &str = patched.as_deref().unwrap_or(&file.text);
        let mut builder = Builder::new(file, base, &mut state);
        let mut source = SaphyrSource::with_text(file, text, base);
        let result = builder.run(&mut source);
        if let (Err(RunError::Syntax(doc_start)), Some((at, info))) = (&result, builder.error.take()) {
            let joined = (joins < MAX_FLOW_JOINS && FLOW_INDENTATION.contains(&info.as_str()))
                .then(|| join_flow_line(text, at))
                .flatten();
            if let Some(joined) = joined {
                // Keep the documents before the failed one; parse that one again from its start.
                let doc_start = *doc_start;
                if original.as_ref().is_none_or(|(ds, _)| *ds != doc_start) {
                    original = builder.problems.last().cloned().map(|p| (doc_start, p));
                }
                joins += 1;
                out.documents.append(&mut builder.documents);
                out.problems.extend(builder.problems.into_iter().filter(|p| (p.span.start as usize) < doc_start));
                // The document is parsed again: what it spent on aliases is spent again, not twice.
                (state.alias_nodes, state.alias_bytes) = builder.budget_at_document;
                patched = Some(joined);
                base = doc_start;
                continue;
            }
        }
        // Joining did not make the document valid: report its first error, where the user's text went wrong.
        if let (Err(RunError::Syntax(ds)), Some((ods, first))) = (&result, &original) {
            if ds == ods {
                builder.problems.retain(|p| p.rule != "yaml-syntax" || (p.span.start as usize) < *ds);
                builder.problems.push(first.clone());
            }
        }
        out.documents.append(&mut builder.documents);
        out.problems.append(&mut builder.problems);
        match result {
            Ok(()) => break,
            Err(RunError::Syntax(doc_start)) => match next_document_start(text, doc_start) {
                Some(next) if next > base => base = next,
                _ => break,
            },
            Err(RunError::Bail) => break, // saphyr never bails
        }
    }
    out
}

/// saphyr's errors for a flow continuation line indented at or left of the enclosing block's column.
const FLOW_INDENTATION: &[&str] = &["invalid indentation", "invalid indentation in flow construct"];
/// Joins per file before the error is reported as it is (each one parses a document again).
const MAX_FLOW_JOINS: usize = 256;

/// `text` with the line holding the token at `at` joined to the line of the previous token: the bytes from
/// the end of that token's content (its comment included) to `at`'s line start become spaces, so byte
/// offsets are unchanged. `None` when the join could change a value: `at` is not the first token of its line,
/// the previous line ends inside a quoted scalar, or both sides are plain text (a multi-line plain scalar
/// folds differently).
///
/// saphyr's "invalid indentation" errors come only from flow context (in block context it unrolls the
/// indentation first), where libyaml and go-yaml ignore indentation.
pub(crate) fn join_flow_line(text: &str, at: usize) -> Option<String> {
    let bytes = text.as_bytes();
    let line_start = text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    if line_start == 0 || !bytes[line_start..at].iter().all(|b| matches!(b, b' ' | b'\t')) {
        return None;
    }
    let first = *bytes.get(at)?;
    // The previous line with content (blank and comment-only lines are skipped and blanked).
    let mut end = line_start - 1; // the '\n' ending the previous line
    let content_end = loop {
        let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[start..end];
        match content_end_of(line)? {
            Some(e) => break start + e,
            None if start == 0 => return None,
            None => end = start - 1,
        }
    };
    let last = bytes[content_end - 1];
    let between_tokens =
        matches!(last, b'[' | b'{' | b',' | b':' | b']' | b'}' | b'"' | b'\'') || matches!(first, b']' | b'}' | b',');
    if !between_tokens {
        return None;
    }
    let mut joined = text.as_bytes().to_vec();
    joined[content_end..line_start].fill(b' ');
    String::from_utf8(joined).ok()
}

/// Where the content of `line` ends (before its comment and trailing blanks); `Some(None)` for a blank or
/// comment-only line; `None` when the line ends inside a quoted scalar.
fn content_end_of(line: &str) -> Option<Option<usize>> {
    let b = line.as_bytes();
    let (mut quote, mut i, mut end) = (None::<u8>, 0, 0);
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(b'"') if c == b'\\' => i += 1,
            Some(q) if c == q => {
                if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 1;
                } else {
                    quote = None;
                }
                end = i + 1;
            }
            Some(_) => {}
            None if c == b'#' && (i == 0 || matches!(b[i - 1], b' ' | b'\t')) => break,
            None if c == b'"' || c == b'\'' && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) => quote = Some(c),
            None if !matches!(c, b' ' | b'\t' | b'\r') => end = i + 1,
            None => {}
        }
        i += 1;
    }
    if quote.is_some() {
        return None;
    }
    Some((end > 0).then_some(end))
}

/// One parser event with byte offsets in the file: `(event, start, end)`.
pub(crate) type Ev<'a> = (Event<'a>, u32, u32);

/// What an event source yields next.
pub(crate) enum Next<'a> {
    Event(Ev<'a>),
    /// A syntax error at a byte offset; the parse cannot continue.
    Error(usize, String),
    /// The fast source gave up: the input is outside its subset (the caller reruns with saphyr).
    Bail,
    /// The stream is over.
    End,
}

/// A stream of parser events with byte offsets.
pub(crate) trait EventSource<'a> {
    fn next_event(&mut self) -> Next<'a>;
}

/// saphyr-parser's events, marker positions converted to byte offsets.
pub(crate) struct SaphyrSource<'a> {
    parser: Parser<'a, StrInput<'a>>,
    /// The text the parser reads (the file from `base` on).
    text: &'a str,
    file: &'a SourceFile,
    base: usize,
    /// The text from `base` on is ASCII (character index = byte offset).
    ascii: bool,
    /// The last converted marker: character index and byte offset in `text` (markers arrive nearly in order,
    /// so walking from the last one keeps the conversion linear in the file).
    cursor: (usize, usize),
}

impl<'a> SaphyrSource<'a> {
    pub(crate) fn new(file: &'a SourceFile, base: usize) -> Self {
        Self::with_text(file, &file.text, base)
    }

    /// A parser reading `text` (the file's text or a copy with the same byte offsets) from `base` on.
    pub(crate) fn with_text(file: &'a SourceFile, text: &'a str, base: usize) -> Self {
        let text = &text[base..];
        SaphyrSource { parser: Parser::new_from_str(text), text, file, base, ascii: text.is_ascii(), cursor: (0, 0) }
    }

    /// Byte offset in the file of a parser marker.
    ///
    /// The marker's character index is converted on the source text itself, so the offset always lies on a
    /// character boundary inside the text — also at the end of a file without a final line break, where the
    /// parser's line and column point past the last line.
    fn offset(&mut self, m: &Marker) -> u32 {
        // ASCII text: the parser's character index is the byte offset.
        if self.ascii {
            return (self.base + m.index().min(self.text.len())) as u32;
        }
        let target = m.index();
        let (mut chars, mut bytes) = self.cursor;
        if target < chars {
            let mut back = self.text[..bytes].char_indices().rev();
            while chars > target {
                let Some((i, _)) = back.next() else { break };
                chars -= 1;
                bytes = i;
            }
        } else {
            let mut fwd = self.text[bytes..].chars();
            while chars < target {
                let Some(c) = fwd.next() else { break };
                chars += 1;
                bytes += c.len_utf8();
            }
        }
        self.cursor = (chars, bytes);
        (self.base + bytes) as u32
    }
}

impl<'a> EventSource<'a> for SaphyrSource<'a> {
    fn next_event(&mut self) -> Next<'a> {
        match self.parser.next_event() {
            None => Next::End,
            Some(Err(e)) => Next::Error(self.offset(e.marker()) as usize, e.info().to_string()),
            Some(Ok((event, span))) => {
                let start = self.offset(&span.start);
                let mut end = self.offset(&span.end).max(start);
                // The parser's span of a quoted scalar can run past the closing quote (into a comment).
                if let Event::Scalar(_, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted, ..) = event {
                    end = quoted_end(&self.file.text, start as usize).map_or(end, |e| e as u32);
                }
                Next::Event((event, start, end))
            }
        }
    }
}

/// Why [`Builder::run`] stopped early.
enum RunError {
    /// A syntax error; the byte offset where the failed document started.
    Syntax(usize),
    /// The event source bailed.
    Bail,
}

/// Byte offset of the first line after the one holding `from` that starts a new document (`---` at column 0).
fn next_document_start(text: &str, from: usize) -> Option<usize> {
    let from = from.min(text.len());
    let mut pos = text[from..].find('\n').map(|i| from + i + 1)?;
    while pos < text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = &text[pos..line_end];
        if line.starts_with("---") && line[3..].chars().next().is_none_or(|c| c.is_whitespace()) {
            return Some(pos);
        }
        pos = line_end + 1;
    }
    None
}

enum Frame {
    Seq {
        items: Vec<Value>,
        spans: Vec<SpanNode>,
        start: u32,
        anchor: usize,
        tag: Option<Box<str>>,
    },
    Map {
        map: Map<String, Value>,
        spans: Vec<SpanNode>,
        start: u32,
        anchor: usize,
        tag: Option<Box<str>>,
        pending_key: Option<PendingKey>,
        merges: Vec<(Value, SpanNode)>,
    },
}

struct PendingKey {
    key: String,
    span: Span,
    merge: bool,
}

/// What one file's parse keeps across documents and across the restarts after syntax errors: a restart must
/// not renew the alias budget (ten alias bombs separated by broken lines are ten times one).
struct FileState {
    /// Documents delivered so far (the next one's `Document::index` is this + 1).
    documents: usize,
    /// Alias expansion left: nodes and bytes of text.
    alias_nodes: usize,
    alias_bytes: usize,
}

impl Default for FileState {
    fn default() -> Self {
        FileState { documents: 0, alias_nodes: ALIAS_NODE_BUDGET, alias_bytes: ALIAS_BYTE_BUDGET }
    }
}

/// What copying a node costs: its nodes and the bytes of its scalars and keys.
#[derive(Clone, Copy)]
struct Cost {
    nodes: usize,
    bytes: usize,
}

struct Builder<'f> {
    file: &'f SourceFile,
    base: usize,
    state: &'f mut FileState,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, SpanNode, Cost)>,
    /// The alias budget left when the current document started (restored when the document is parsed again).
    budget_at_document: (usize, usize),
    root: Option<(Value, SpanNode)>,
    /// The root is an empty plain scalar: an empty (or comment-only) document.
    root_empty: bool,
    aborted: bool,
    /// The current document used an alias, a merge key or an escape (`Document::literal_keys` is the opposite).
    not_literal: bool,
    documents: Vec<Document>,
    problems: Vec<Problem>,
    /// The syntax error that stopped the run: byte offset and the parser's message.
    error: Option<(usize, String)>,
}

impl<'f> Builder<'f> {
    fn new(file: &'f SourceFile, base: usize, state: &'f mut FileState) -> Self {
        let budget_at_document = (state.alias_nodes, state.alias_bytes);
        Builder {
            file,
            base,
            state,
            stack: Vec::new(),
            anchors: HashMap::new(),
            budget_at_document,
            root: None,
            root_empty: false,
            aborted: false,
            not_literal: false,
            documents: Vec::new(),
            problems: Vec::new(),
            error: None,
        }
    }

    /// Parses until the end, or until a syntax error; the error returns the byte offset where the failed
    /// document started, so the caller can restart at the next `---` after it.
    fn run<'s, S: EventSource<'s>>(&mut self, source: &mut S) -> Result<(), RunError> {
        let mut doc_start = self.base;
        loop {
            let (event, start, end) = match source.next_event() {
                Next::End => return Ok(()),
                Next::Event(ev) => ev,
                Next::Error(at, info) => {
                    self.syntax_error(at, &info);
                    self.error = Some((at, info));
                    return Err(RunError::Syntax(doc_start));
                }
                Next::Bail => return Err(RunError::Bail),
            };
            match event {
                Event::StreamEnd => return Ok(()),
                Event::DocumentStart(_) => {
                    doc_start = start as usize;
                    self.budget_at_document = (self.state.alias_nodes, self.state.alias_bytes);
                    self.stack.clear();
                    self.anchors.clear();
                    self.root = None;
                    self.aborted = false;
                    self.not_literal = false;
                }
                Event::DocumentEnd => self.finish_document(),
                Event::Scalar(text, style, anchor, tag) => {
                    if self.aborted {
                        continue;
                    }
                    let tag_str = tag.as_ref().map(|t| format!("{}{}", t.handle, t.suffix).into_boxed_str());
                    let is_merge = style == ScalarStyle::Plain && text == "<<";
                    self.not_literal |= is_merge;
                    if self.stack.is_empty() {
                        self.root_empty = style == ScalarStyle::Plain && text.is_empty();
                    }
                    let text = match style {
                        ScalarStyle::Literal | ScalarStyle::Folded => self.block_scalar_at_eof(text, end),
                        _ => text,
                    };
                    let value = scalar_value(text, style, tag_str.as_deref());
                    let node = SpanNode {
                        span: Span { start, end },
                        key_span: None,
                        style: match style {
                            ScalarStyle::Plain => Style::Plain,
                            ScalarStyle::SingleQuoted => Style::SingleQuoted,
                            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                            ScalarStyle::Literal => Style::Literal,
                            ScalarStyle::Folded => Style::Folded,
                        },
                        tag: tag_str,
                        children: Vec::new(),
                    };
                    if anchor > 0 {
                        let cost = Cost { nodes: 1, bytes: value.as_str().map_or(8, str::len) };
                        self.anchors.insert(anchor, (value.clone(), node.clone(), cost));
                    }
                    self.deliver(value, node, is_merge);
                }
                Event::Alias(id) => {
                    if self.aborted {
                        continue;
                    }
                    self.not_literal = true;
                    match self.anchors.get(&id) {
                        Some((value, node, cost)) => {
                            let over_nodes = cost.nodes > self.state.alias_nodes;
                            if over_nodes || cost.bytes > self.state.alias_bytes {
                                self.aborted = true;
                                let what = if over_nodes {
                                    format!("{ALIAS_NODE_BUDGET} nodes")
                                } else {
                                    format!("{} MiB of text", ALIAS_BYTE_BUDGET >> 20)
                                };
                                self.problems.push(Problem {
                                    rule: "yaml-syntax",
                                    severity: Severity::Error,
                                    span: Span { start, end },
                                    message: format!(
                                        "YAML syntax error: aliases in this file expand to more than {what} (a \"billion laughs\" document); the document is skipped"
                                    ),
                                    help: Some("Avoid nested aliases; write the values out.".into()),
                                    related: Vec::new(),
                                    path: String::new(),
                                });
                                continue;
                            }
                            self.state.alias_nodes -= cost.nodes;
                            self.state.alias_bytes -= cost.bytes;
                            let (value, mut node) = (value.clone(), node.clone());
                            // The alias occurrence is what the user sees at this place.
                            node.span = Span { start, end };
                            self.deliver(value, node, false);
                        }
                        None => self.deliver(Value::Null, scalar_span(start, end), false),
                    }
                }
                Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                    if self.aborted || self.depth_exceeded(start) {
                        continue;
                    }
                    let tag = tag.as_ref().map(|t| format!("{}{}", t.handle, t.suffix).into_boxed_str());
                    let frame = if matches!(event, Event::SequenceStart(..)) {
                        Frame::Seq { items: Vec::new(), spans: Vec::new(), start, anchor, tag }
                    } else {
                        Frame::Map {
                            map: Map::new(),
                            spans: Vec::new(),
                            start,
                            anchor,
                            tag,
                            pending_key: None,
                            merges: Vec::new(),
                        }
                    };
                    self.stack.push(frame);
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    if self.aborted {
                        continue;
                    }
                    let Some(frame) = self.stack.pop() else { continue };
                    let (value, node, anchor) = match frame {
                        Frame::Seq { items, spans, start, anchor, tag } => (
                            Value::Array(items),
                            SpanNode {
                                span: Span { start, end },
                                key_span: None,
                                style: Style::Collection,
                                tag,
                                children: spans,
                            },
                            anchor,
                        ),
                        Frame::Map { mut map, mut spans, start, anchor, tag, merges, .. } => {
                            apply_merges(&mut map, &mut spans, merges);
                            (
                                Value::Object(map),
                                SpanNode {
                                    span: Span { start, end },
                                    key_span: None,
                                    style: Style::Collection,
                                    tag,
                                    children: spans,
                                },
                                anchor,
                            )
                        }
                    };
                    if anchor > 0 {
                        let cost = cost_of(&value);
                        self.anchors.insert(anchor, (value.clone(), node.clone(), cost));
                    }
                    self.deliver(value, node, false);
                }
                Event::Nothing | Event::StreamStart => {}
            }
        }
    }

    /// A block scalar whose last line ends the file without a line break: libyaml (kubectl) adds no final
    /// line break for it, saphyr adds one (`|` → `"x\n"` for `x` at the end of the file; libyaml: `"x"`).
    fn block_scalar_at_eof<'t>(&self, mut text: Cow<'t, str>, end: u32) -> Cow<'t, str> {
        let file = &self.file.text;
        if end as usize >= file.len() && !file.ends_with(['\n', '\r']) && text.ends_with('\n') {
            text.to_mut().pop();
        }
        text
    }

    fn depth_exceeded(&mut self, start: u32) -> bool {
        if self.stack.len() < MAX_DEPTH {
            return false;
        }
        self.aborted = true;
        self.problems.push(Problem {
            rule: "yaml-syntax",
            severity: Severity::Error,
            span: Span { start, end: start + 1 },
            message: format!("YAML syntax error: nesting deeper than {MAX_DEPTH} levels; the document is skipped"),
            help: None,
            related: Vec::new(),
            path: String::new(),
        });
        true
    }

    fn deliver(&mut self, value: Value, mut node: SpanNode, is_merge_key: bool) {
        match self.stack.last_mut() {
            None => self.root = Some((value, node)),
            Some(Frame::Seq { items, spans, .. }) => {
                items.push(value);
                spans.push(node);
            }
            Some(Frame::Map { map, spans, pending_key, merges, .. }) => match pending_key.take() {
                None => {
                    // This node is a key.
                    let plain_string =
                        node.style == Style::Plain && value.as_str().is_some_and(|k| k.len() == node.span.len());
                    let key = match value {
                        Value::Object(_) | Value::Array(_) => {
                            let span = node.span;
                            self.problems.push(Problem {
                                rule: "yaml-syntax",
                                severity: Severity::Error,
                                span,
                                message: "YAML syntax error: a mapping or sequence used as a mapping key cannot be converted to JSON".into(),
                                help: Some("Use a string key.".into()),
                                related: Vec::new(),
                                path: String::new(),
                            });
                            value.to_string()
                        }
                        v => resolve::key_string(v),
                    };
                    // A key spelled differently in the source (an escape, `''`, `on` read as "true", a
                    // collection) hides its name from a text search: see `Document::literal_keys`.
                    // (A plain key read as a string is its source text when the lengths agree: folding a line
                    // break only shortens it. No comparison needed.)
                    let raw = || self.file.text.get(node.span.start as usize..node.span.end as usize).unwrap_or("");
                    let spelled = plain_string
                        || match node.style {
                            Style::Plain => raw() == key,
                            Style::SingleQuoted | Style::DoubleQuoted => {
                                let raw = raw();
                                raw.get(1..raw.len().saturating_sub(1)).is_some_and(|inner| inner == key)
                            }
                            _ => false,
                        };
                    self.not_literal |= !spelled;
                    *pending_key = Some(PendingKey { key, span: node.span, merge: is_merge_key });
                }
                Some(PendingKey { key, span, merge }) => {
                    node.key_span = Some(span);
                    if merge {
                        merges.push((value, node));
                        return;
                    }
                    // Small mappings: a linear scan; large ones ask the map's hash index first.
                    let existing = if spans.len() < 16 || map.contains_key(&key) {
                        map.keys().position(|k| *k == key)
                    } else {
                        None
                    };
                    if let Some(idx) = existing {
                        let first = spans[idx].key_span.unwrap_or(spans[idx].span);
                        let first_line = self.file.position(first.start).line;
                        let shown = serde_json::to_string(&key).unwrap_or_default();
                        // The same value twice loses nothing under kubectl (tools on yaml.v3, kustomize among
                        // them, still reject the file): a warning, not an error claiming data loss.
                        let same = map.get(&key) == Some(&value);
                        let (severity, message) = if same {
                            (
                                Severity::Warning,
                                format!("Duplicate key {shown} (first defined on line {first_line}) repeated with the same value; kubectl keeps one, kustomize and other yaml.v3 tools reject the file"),
                            )
                        } else {
                            (
                                Severity::Error,
                                format!("Duplicate key {shown} (first defined on line {first_line}); the earlier value is silently dropped by kubectl"),
                            )
                        };
                        self.problems.push(Problem {
                            rule: "yaml-duplicate-key",
                            severity,
                            span,
                            message,
                            help: Some("Remove or merge one of the entries.".into()),
                            related: vec![(first, "first defined here".into())],
                            path: String::new(),
                        });
                        map.insert(key, value);
                        spans[idx] = node;
                    } else {
                        map.insert(key, value);
                        spans.push(node);
                    }
                }
            },
        }
    }

    fn finish_document(&mut self) {
        let root = self.root.take();
        let literal_keys = !std::mem::take(&mut self.not_literal);
        self.stack.clear();
        if self.aborted {
            self.aborted = false;
            return;
        }
        let Some((value, spans)) = root else { return };
        if std::mem::take(&mut self.root_empty) {
            return;
        }
        self.state.documents += 1;
        self.documents.push(Document { index: self.state.documents, value, spans, flattened: false, literal_keys });
    }

    fn syntax_error(&mut self, at: usize, info: &str) {
        // The document being built is lost; earlier documents are kept.
        self.root = None;
        self.stack.clear();
        let file = self.file;
        let pos = file.position(at as u32);
        let line_text = file.line_text(pos.line as usize);
        let hint = problems::syntax_hint(file, at, info);
        let end = (at + line_text.len().saturating_sub(pos.column as usize - 1)).min(file.text.len()).max(at);
        let span = Span::new(at, end.min(file.line_end(pos.line as usize)).max(at));
        self.problems.push(Problem {
            rule: "yaml-syntax",
            severity: Severity::Error,
            span,
            message: format!(
                "YAML syntax error: {info}{}",
                hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
            ),
            help: Some(
                hint.map_or("Fix the indentation or quoting; the rest of this document is not checked.".into(), |h| {
                    format!("{h}; the rest of this document is not checked.")
                }),
            ),
            related: Vec::new(),
            path: String::new(),
        });
    }
}

/// One past the closing quote of the quoted scalar starting at `start` (`''` and `\"` are escapes).
fn quoted_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(start)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn scalar_span(start: u32, end: u32) -> SpanNode {
    SpanNode { span: Span { start, end }, key_span: None, style: Style::Plain, tag: None, children: Vec::new() }
}

/// The value of a scalar event; the parser's text moves into a string value (no copy when it owns it).
fn scalar_value(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("!!str") | Some("tag:yaml.org,2002:str") => return Value::String(text.into_owned()),
        Some("!!int") | Some("!!float") | Some("!!bool") | Some("!!null") => return resolve::plain_value_owned(text),
        _ => {}
    }
    match style {
        ScalarStyle::Plain => resolve::plain_value_owned(text),
        _ => Value::String(text.into_owned()),
    }
}

fn apply_merges(map: &mut Map<String, Value>, spans: &mut Vec<SpanNode>, merges: Vec<(Value, SpanNode)>) {
    for (value, node) in merges {
        let sources: Vec<(Value, SpanNode)> = match value {
            Value::Object(_) => vec![(value, node)],
            Value::Array(items) => items.into_iter().zip(node.children).collect(),
            _ => Vec::new(),
        };
        for (src, src_spans) in sources {
            if let Value::Object(entries) = src {
                for ((k, v), s) in entries.into_iter().zip(src_spans.children) {
                    if !map.contains_key(&k) {
                        map.insert(k, v);
                        spans.push(s);
                    }
                }
            }
        }
    }
}

/// [`Cost`] of copying `v` (a number, boolean or null counts 8 bytes).
fn cost_of(v: &Value) -> Cost {
    fn walk(v: &Value, c: &mut Cost) {
        c.nodes += 1;
        match v {
            Value::Array(a) => a.iter().for_each(|x| walk(x, c)),
            Value::Object(m) => m.iter().for_each(|(k, x)| {
                c.bytes += k.len();
                walk(x, c)
            }),
            Value::String(s) => c.bytes += s.len(),
            _ => c.bytes += 8,
        }
    }
    let mut c = Cost { nodes: 0, bytes: 0 };
    walk(v, &mut c);
    c
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_fast;
