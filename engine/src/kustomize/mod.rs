//! Native kustomize rendering with source locations.
//!
//! Every root kustomization among the inputs (one that no other kustomization includes) is built as
//! `kustomize build` would build it ([`build`]). The files it reads are copied into one *virtual text* per root,
//! and every field of every rendered object keeps its span in that text — the base file's line, the patch that
//! set it, the kustomization entry that generated it. The engine lints the rendered objects like any other
//! (their virtual file is not reported), and [`Rendered::locate`] maps each finding back to the file and line a
//! person must edit. The files a rendered root reads are linted only through it.

pub mod build;
pub mod merge;
pub mod tree;

use crate::classify::{is_kustomization_doc, normalize};
use crate::source::{SourceFile, Span};
use crate::yaml::{Document, Style};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use tree::Node;

/// One loaded input file, as the renderer sees it.
pub struct Input<'a> {
    /// The file.
    pub file: &'a SourceFile,
    /// Its documents.
    pub documents: &'a [Document],
    /// Whether it is a kustomization.
    pub kustomization: bool,
    /// Whether it has YAML syntax errors (kustomize fails on it).
    pub broken: bool,
}

/// How a stretch of the virtual text maps to its file.
#[derive(Clone, Debug)]
enum SegMap {
    /// A verbatim copy of the file starting at this offset.
    Copy(u32),
    /// An inline patch (a literal block scalar): per content line, its offset in the segment and the offset
    /// of the same text in the file.
    Lines(Vec<(u32, u32)>),
    /// Inline text that maps to one span of the file (a quoted or folded scalar).
    Point(Span),
}

/// A stretch of the virtual text.
#[derive(Clone, Debug)]
struct Segment {
    start: u32,
    end: u32,
    file: usize,
    map: SegMap,
}

/// The text one root's rendered objects point into: the files it read, one after the other.
#[derive(Default, Debug)]
pub struct Virt {
    text: String,
    segments: Vec<Segment>,
    placed: HashMap<usize, u32>,
}

impl Virt {
    /// Copies input `i` into the text (once) and returns where it starts.
    pub fn place(&mut self, i: usize, file: &SourceFile) -> u32 {
        if let Some(&at) = self.placed.get(&i) {
            return at;
        }
        let start = self.text.len() as u32;
        self.text.push_str(&file.text);
        let end = self.text.len() as u32;
        self.text.push('\n');
        self.segments.push(Segment { start, end, file: i, map: SegMap::Copy(0) });
        self.placed.insert(i, start);
        start
    }

    /// Parses an inline patch (`node`, a string scalar in the virtual text) into its documents, located in the
    /// virtual text; a literal block scalar maps back line by line.
    pub fn place_inline(&mut self, node: &Node, inputs: &[Input<'_>]) -> Result<Vec<Node>, build::Stop> {
        let content = node.str().unwrap_or_default().to_owned();
        let Some((file, real)) = self.locate(node.span) else { return Ok(Vec::new()) };
        let map = match node.style {
            Style::Literal => SegMap::Lines(line_map(&inputs[file].file.text, real, &content)),
            _ => SegMap::Point(real),
        };
        let start = self.text.len() as u32;
        self.text.push_str(&content);
        let end = self.text.len() as u32;
        self.text.push('\n');
        self.segments.push(Segment { start, end, file, map });
        let parsed = crate::yaml::load(&SourceFile::new(inputs[file].file.name.clone(), content));
        if let Some(p) = parsed.problems.iter().find(|p| p.rule == "yaml-syntax") {
            let span = Span { start: p.span.start + start, end: p.span.end + start };
            return Err(build::Stop::Error {
                span,
                message: format!("the inline patch is not valid YAML: {}", p.message),
                help: "Fix the patch text; kustomize fails on it.".into(),
            });
        }
        Ok(parsed
            .documents
            .iter()
            .filter(|d| !d.value.is_null())
            .map(|d| Node::from_loaded(&d.value, &d.spans, start))
            .collect())
    }

    /// The input file and span a virtual span comes from.
    pub fn locate(&self, span: Span) -> Option<(usize, Span)> {
        locate(&self.segments, span)
    }
}

/// The input file and span that `span` of a virtual text made of `segments` comes from.
fn locate(segments: &[Segment], span: Span) -> Option<(usize, Span)> {
    let i = segments.partition_point(|s| s.start <= span.start).checked_sub(1)?;
    let seg = &segments[i];
    if span.start > seg.end {
        return None;
    }
    let end = span.end.min(seg.end).max(span.start);
    let map = |at: u32| -> u32 {
        let rel = at - seg.start;
        match &seg.map {
            SegMap::Copy(base) => base + rel,
            SegMap::Lines(lines) => {
                let li = lines.partition_point(|(v, _)| *v <= rel).saturating_sub(1);
                lines.get(li).map_or(0, |(v, r)| r + (rel - v))
            }
            SegMap::Point(p) => p.start,
        }
    };
    let out = match &seg.map {
        SegMap::Point(p) => *p,
        _ => Span { start: map(span.start), end: map(end).max(map(span.start)) },
    };
    Some((seg.file, out))
}

/// For the literal block scalar whose indicator is at `real.start` in `text`: where each line of `content`
/// starts in `text`.
fn line_map(text: &str, real: Span, content: &str) -> Vec<(u32, u32)> {
    let bytes = text.as_bytes();
    let mut pos = real.start as usize;
    // The content starts on the line after the indicator.
    while pos < bytes.len() && bytes[pos] != b'\n' {
        pos += 1;
    }
    pos = (pos + 1).min(bytes.len());
    let lines: Vec<usize> = std::iter::successors(Some(pos), |&p| {
        let next = text[p..].find('\n').map(|i| p + i + 1)?;
        (next < bytes.len()).then_some(next)
    })
    .collect();
    let indent = lines
        .iter()
        .map(|&s| &text[s..text[s..].find('\n').map_or(text.len(), |e| s + e)])
        .find(|l| !l.trim().is_empty())
        .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
    let mut out = Vec::new();
    let mut rel = 0u32;
    for (k, line) in content.split_inclusive('\n').enumerate() {
        let real_line = lines.get(k).copied().unwrap_or(real.start as usize);
        let line_len = text[real_line..].find('\n').unwrap_or(text.len() - real_line);
        out.push((rel, (real_line + indent.min(line_len)) as u32));
        rel += line.len() as u32;
    }
    if out.is_empty() {
        out.push((0, real.start));
    }
    out
}

/// Why a root kustomization was not rendered, located in one of its files.
#[derive(Debug)]
pub struct NotRendered {
    /// The root kustomization.
    pub kustomization: usize,
    /// The file and span the reason is about.
    pub file: usize,
    /// Where.
    pub span: Span,
    /// An error kustomize fails with (else kvet cannot render it).
    pub error: bool,
    /// What.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// One rendered root.
#[derive(Debug)]
pub struct Rendered {
    /// The root kustomization (input index).
    pub kustomization: usize,
    /// The virtual text.
    pub text: String,
    segments: Vec<Segment>,
    /// The rendered objects, one document each, spans in `text`.
    pub documents: Vec<Document>,
    /// Every input the rendering read.
    pub files: BTreeSet<usize>,
}

impl Rendered {
    /// The input file and span a span of the rendered text comes from.
    pub fn locate(&self, span: Span) -> Option<(usize, Span)> {
        locate(&self.segments, span)
    }
}

/// Everything the renderer produced for one run.
#[derive(Debug, Default)]
pub struct Rendering {
    /// The rendered roots.
    pub roots: Vec<Rendered>,
    /// Roots that were not rendered.
    pub not_rendered: Vec<NotRendered>,
}

/// Renders every root kustomization among `inputs`.
pub fn render(inputs: &[Input<'_>]) -> Rendering {
    let by_path: HashMap<PathBuf, usize> =
        inputs.iter().enumerate().map(|(i, inp)| (normalize(std::path::Path::new(&inp.file.name)), i)).collect();
    // The kustomizations that another includes are not roots.
    let mut included: BTreeSet<usize> = BTreeSet::new();
    let mut components: BTreeSet<usize> = BTreeSet::new();
    for (i, inp) in inputs.iter().enumerate().filter(|(_, inp)| inp.kustomization) {
        let dir = std::path::Path::new(&inp.file.name).parent().unwrap_or(std::path::Path::new("")).to_path_buf();
        for doc in inp.documents.iter().filter(|d| is_kustomization_doc(&d.value) || d.value.is_object()) {
            if doc.value.get("kind").and_then(|k| k.as_str()) == Some("Component") {
                components.insert(i);
            }
            for field in ["resources", "bases", "components"] {
                let entries = doc.value.get(field).and_then(|v| v.as_array()).map_or(&[][..], Vec::as_slice);
                for e in entries.iter().filter_map(|e| e.as_str()) {
                    let path = normalize(&dir.join(e));
                    for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
                        if let Some(&k) = by_path.get(&normalize(&path.join(name))) {
                            included.insert(k);
                        }
                    }
                }
            }
        }
    }
    let roots: Vec<usize> = (0..inputs.len())
        .filter(|i| {
            // kustomize builds a directory's kustomization.yaml (.yml, Kustomization) only: another file with
            // `kind: Kustomization` is a fragment or a template, never a root.
            inputs[*i].kustomization
                && crate::classify::is_kustomization_name(&inputs[*i].file.name)
                && !included.contains(i)
                && !components.contains(i)
        })
        .collect();
    // Roots are independent: built in parallel, collected in root order.
    use rayon::prelude::*;
    let built: Vec<(usize, Result<Rendered, NotRendered>)> = roots
        .par_iter()
        .map(|&k| {
            let mut b = build::Builder::new(inputs, &by_path);
            let result = match b.root(k) {
                Ok(objs) => {
                    let documents = objs
                        .into_iter()
                        .enumerate()
                        .map(|(n, o)| {
                            let (value, spans) = o.node.into_loaded();
                            Document { index: n + 1, value, spans, flattened: false, literal_keys: false }
                        })
                        .collect();
                    Ok(Rendered {
                        kustomization: k,
                        text: std::mem::take(&mut b.virt.text),
                        segments: std::mem::take(&mut b.virt.segments),
                        documents,
                        files: std::mem::take(&mut b.consumed),
                    })
                }
                Err(stop) => {
                    let (span, error, message, help) = match stop {
                        build::Stop::Skip { span, reason } => (
                            span,
                            false,
                            format!(
                                "{} is not rendered: {reason}; its resources are checked as files of their own",
                                inputs[k].file.name
                            ),
                            "Check the rendered output instead: `kubectl kustomize DIR | kvet check -`.".to_owned(),
                        ),
                        build::Stop::Error { span, message, help } => (span, true, message, help),
                    };
                    let (file, span) = b.virt.locate(span).unwrap_or((k, Span::new(0, 0)));
                    Err(NotRendered { kustomization: k, file, span, error, message, help })
                }
            };
            (k, result)
        })
        .collect();
    let mut out = Rendering::default();
    for (_, r) in built {
        match r {
            Ok(r) => out.roots.push(r),
            Err(n) => out.not_rendered.push(n),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_block_patches_map_back_line_by_line() {
        let text = "patches:\n- patch: |-\n    kind: A\n    metadata: {name: b}\n";
        let at = text.find('|').unwrap();
        let content = "kind: A\nmetadata: {name: b}";
        let map = line_map(text, Span::new(at, at + 1), content);
        assert_eq!(map, vec![(0, text.find("kind").unwrap() as u32), (8, text.find("metadata").unwrap() as u32)]);
    }
}
