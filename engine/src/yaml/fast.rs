//! A fast event source for plain block YAML, the subset nearly all Kubernetes manifests are written in.
//!
//! It scans bytes line by line and yields exactly the events (variants, text, styles, byte offsets) that
//! saphyr-parser yields through [`super::SaphyrSource`]. Anything outside the subset — anchors, aliases, tags,
//! directives, complex keys, tabs outside comments and quoted or block scalar text, multi-line plain or
//! quoted scalars, flow collections other than one-line sequences of scalars and `{}`, explicit block scalar indentation, content on a `---` line,
//! and every syntax error — makes it bail: [`super::load`] then reruns the whole file with saphyr.
//! `yaml::tests_fast` checks the equivalence on every fixture and corpus file and on mutated copies of them.
//!
//! Span rules mirrored from saphyr's scanner and parser:
//! - collection starts are empty spans at the first key or dash; an indentless sequence (at its parent
//!   key's column) starts at its first entry's content (after `- ` and any comment);
//! - block collection ends are empty spans at the next token (the next content line's first character,
//!   a `---`/`...` marker, or the end of the file);
//! - an empty value is an empty span at the `:` (mapping) or at the entry's content position (sequence);
//! - a flow `[]`/`{}` end token runs over trailing blanks and comment to the end of the line;
//! - a block scalar runs from its indicator to the first character of the line that ends it.

use super::{Ev, EventSource, Next};
use saphyr_parser::{Event, ScalarStyle};
use std::borrow::Cow;
use std::collections::VecDeque;

/// The input is outside the fast subset.
struct Bail;

type Res<T = ()> = Result<T, Bail>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Map,
    Seq,
    /// A sequence at its parent key's column (`key:\n- a`); saphyr opens no indentation level for it.
    IndentlessSeq,
}

#[derive(Clone, Copy, Debug)]
struct Frame {
    col: usize,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Pending {
    None,
    /// `key:` ended its line: the value follows on later lines, or is empty (at the `:`).
    MapValue(usize),
    /// `-` ended its line: the entry follows on later lines, or is empty (at the given offset).
    SeqItem(usize),
    /// `---` ended its line: the document's root follows, or the document is empty.
    DocContent,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    Body,
    Finished,
    Bailed,
}

/// How a one-line plain scalar stopped.
enum Stop {
    /// At the end of the line (offset of the line break or end of text).
    Eol(usize),
    /// At a comment (offset of `#`).
    Comment(usize),
    /// At a `:` indicator (its offset).
    Colon(usize),
}

pub(crate) struct FastSource<'a> {
    text: &'a str,
    b: &'a [u8],
    /// Start of the next line to process.
    pos: usize,
    /// Start of the line being processed.
    line_start: usize,
    queue: VecDeque<Ev<'a>>,
    stack: Vec<Frame>,
    pending: Pending,
    doc_open: bool,
    state: State,
    /// Start of the line where the source bailed (tests).
    #[cfg(test)]
    pub(crate) bail_line: usize,
}

impl<'a> EventSource<'a> for FastSource<'a> {
    fn next_event(&mut self) -> Next<'a> {
        loop {
            if let Some(ev) = self.queue.pop_front() {
                return Next::Event(ev);
            }
            let step = match self.state {
                State::Start => self.start(),
                State::Body => self.step(),
                State::Finished => return Next::End,
                State::Bailed => return Next::Bail,
            };
            if step.is_err() {
                #[cfg(test)]
                {
                    self.bail_line = self.line_start;
                }
                self.state = State::Bailed;
                self.queue.clear();
                return Next::Bail;
            }
        }
    }
}

fn is_flow(c: Option<&u8>) -> bool {
    matches!(c, Some(b',' | b'[' | b']' | b'{' | b'}'))
}

fn blank_or_breakz(c: Option<&u8>) -> bool {
    matches!(c, None | Some(b' ' | b'\t' | b'\n' | b'\r'))
}

/// Can `c` (followed by `next`) start a plain scalar in the fast subset?
fn plain_start(c: u8, next: Option<&u8>) -> bool {
    match c {
        b'-' | b'?' | b':' => !blank_or_breakz(next),
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@'
        | b'`' | b' ' | b'\t' | b'\n' | b'\r' => false,
        _ => true,
    }
}

fn scalar(text: Cow<'_, str>, style: ScalarStyle) -> Event<'_> {
    Event::Scalar(text, style, 0, None)
}

fn end_event(kind: Kind) -> Event<'static> {
    match kind {
        Kind::Map => Event::MappingEnd,
        Kind::Seq | Kind::IndentlessSeq => Event::SequenceEnd,
    }
}

impl<'a> FastSource<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        FastSource {
            text,
            b: text.as_bytes(),
            pos: 0,
            line_start: 0,
            queue: VecDeque::with_capacity(16),
            stack: Vec::with_capacity(16),
            pending: Pending::None,
            doc_open: false,
            state: State::Start,
            #[cfg(test)]
            bail_line: 0,
        }
    }

    #[inline]
    fn emit(&mut self, ev: Event<'a>, start: usize, end: usize) {
        self.queue.push_back((ev, start as u32, end as u32));
    }

    /// Whole-text conditions saphyr treats specially: lone `\r` line breaks, byte order marks, NUL.
    fn start(&mut self) -> Res {
        let b = self.b;
        if b.len() >= u32::MAX as usize
            || memchr::memchr(0, b).is_some()
            || memchr::memmem::find(b, "\u{FEFF}".as_bytes()).is_some()
            || memchr::memchr_iter(b'\r', b).any(|i| b.get(i + 1) != Some(&b'\n'))
            // saphyr's end-of-stream marker moves to a line that does not exist, which the adapter maps
            // to offsets that are not the end of the text (character columns, non-ASCII only).
            || (b.last().is_some_and(|c| *c != b'\n') && !b.is_ascii())
        {
            return Err(Bail);
        }
        self.emit(Event::StreamStart, 0, 0);
        self.state = State::Body;
        Ok(())
    }

    /// Offset of the line break (or end of text) of the line holding `i`.
    fn line_content_end(&self, i: usize) -> usize {
        match memchr::memchr(b'\n', &self.b[i..]) {
            Some(e) => {
                let e = i + e;
                if e > i && self.b[e - 1] == b'\r' {
                    e - 1
                } else {
                    e
                }
            }
            None => self.b.len(),
        }
    }

    /// Start of the line after the one holding `i` (or the end of the text).
    fn next_line(&self, i: usize) -> usize {
        memchr::memchr(b'\n', &self.b[i.min(self.b.len())..]).map_or(self.b.len(), |e| i + e + 1)
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        while self.b.get(i) == Some(&b' ') {
            i += 1;
        }
        i
    }

    /// After a node that must end its line: blanks, an optional comment (after a blank), the line break.
    /// Returns the start of the next line.
    fn rest_of_line(&self, i: usize) -> Res<usize> {
        let j = self.skip_spaces(i);
        match self.b.get(j) {
            None => Ok(j),
            Some(b'\n' | b'\r') => Ok(self.next_line(j)),
            Some(b'#') if j > i => Ok(self.next_line(j)),
            _ => Err(Bail),
        }
    }

    fn is_marker(&self, p: usize, c: u8) -> bool {
        self.b.len() >= p + 3 && self.b[p..p + 3] == [c, c, c] && blank_or_breakz(self.b.get(p + 3))
    }

    /// Processes the next content line (skipping blank and comment lines), or the end of the text.
    fn step(&mut self) -> Res {
        let b = self.b;
        let len = b.len();
        loop {
            if self.pos >= len {
                return self.finish(len);
            }
            let ls = self.pos;
            let p = self.skip_spaces(ls);
            match b.get(p) {
                None => self.pos = len,
                Some(b'\n') => self.pos = p + 1,
                Some(b'\r') => self.pos = p + 2,
                Some(b'#') => self.pos = self.next_line(p),
                Some(b'\t') => return Err(Bail),
                Some(_) => {
                    self.line_start = ls;
                    return self.content_line(p);
                }
            }
        }
    }

    /// The pending empty node (if any) before a token at `start..end`.
    fn resolve_pending(&mut self, start: usize, end: usize) {
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::None => {}
            Pending::MapValue(colon) => self.emit(scalar(Cow::Borrowed(""), ScalarStyle::Plain), colon, colon),
            Pending::SeqItem(mark) => self.emit(scalar(Cow::Borrowed(""), ScalarStyle::Plain), mark, mark),
            Pending::DocContent => self.emit(scalar(Cow::Borrowed(""), ScalarStyle::Plain), start, end),
        }
    }

    fn close_all(&mut self, at: usize) {
        while let Some(f) = self.stack.pop() {
            self.emit(end_event(f.kind), at, at);
        }
    }

    fn finish(&mut self, len: usize) -> Res {
        self.resolve_pending(len, len);
        self.close_all(len);
        if self.doc_open {
            self.emit(Event::DocumentEnd, len, len);
        }
        self.emit(Event::StreamEnd, len, len);
        self.state = State::Finished;
        Ok(())
    }

    fn content_line(&mut self, p: usize) -> Res {
        let b = self.b;
        let n = p - self.line_start;
        if n == 0 && self.is_marker(p, b'-') {
            self.resolve_pending(p, p + 3);
            self.close_all(p);
            if self.doc_open {
                self.emit(Event::DocumentEnd, p, p + 3);
            }
            self.emit(Event::DocumentStart(true), p, p + 3);
            self.doc_open = true;
            self.pending = Pending::DocContent;
            self.pos = self.rest_of_line(p + 3)?;
            return Ok(());
        }
        if n == 0 && self.is_marker(p, b'.') {
            if self.doc_open {
                self.resolve_pending(p, p + 3);
                self.close_all(p);
                self.emit(Event::DocumentEnd, p, p + 3);
                self.doc_open = false;
            }
            self.pos = self.rest_of_line(p + 3)?;
            return Ok(());
        }
        let dash = b[p] == b'-' && blank_or_breakz(b.get(p + 1));
        match self.pending {
            Pending::None => {}
            Pending::MapValue(colon) => {
                let m = self.stack.last().ok_or(Bail)?.col;
                if n > m {
                    self.pending = Pending::None;
                    return self.block_node(p, dash);
                }
                if n == m && dash {
                    self.pending = Pending::None;
                    return self.seq_entry(p, true);
                }
                self.resolve_pending(colon, colon);
            }
            Pending::SeqItem(mark) => {
                let d = self.stack.last().ok_or(Bail)?.col;
                if n > d {
                    self.pending = Pending::None;
                    return self.block_node(p, dash);
                }
                self.resolve_pending(mark, mark);
            }
            Pending::DocContent => {
                self.pending = Pending::None;
                return self.block_node(p, dash);
            }
        }
        while let Some(f) = self.stack.last().copied() {
            if f.col > n || (f.col == n && f.kind == Kind::IndentlessSeq && !dash) {
                self.stack.pop();
                self.emit(end_event(f.kind), p, p);
            } else if f.col == n {
                break;
            } else {
                return Err(Bail);
            }
        }
        match self.stack.last() {
            None => {
                if self.doc_open {
                    // Content after the root node ended.
                    return Err(Bail);
                }
                self.doc_open = true;
                self.emit(Event::DocumentStart(false), p, p);
                self.block_node(p, dash)
            }
            Some(f) if f.kind == Kind::Map => {
                if dash {
                    Err(Bail)
                } else {
                    self.map_entry(p, false)
                }
            }
            Some(_) => {
                if dash {
                    self.seq_entry(p, false)
                } else {
                    Err(Bail)
                }
            }
        }
    }

    /// A new block collection starting at `p`, the first content of its line.
    fn block_node(&mut self, p: usize, dash: bool) -> Res {
        if dash {
            self.new_seq(p)
        } else {
            self.map_entry(p, true)
        }
    }

    fn new_seq(&mut self, d: usize) -> Res {
        self.stack.push(Frame { col: d - self.line_start, kind: Kind::Seq });
        self.emit(Event::SequenceStart(0, None), d, d);
        self.seq_entry(d, false)
    }

    /// A `-` entry at `d`; `indentless` opens an indentless sequence first.
    fn seq_entry(&mut self, d: usize, indentless: bool) -> Res {
        let b = self.b;
        let q = self.skip_spaces(d + 1);
        let (mark, content) = match b.get(q) {
            None | Some(b'\n' | b'\r') => (q, false),
            Some(b'#') if q > d + 1 => (self.line_content_end(q), false),
            Some(b'\t') => return Err(Bail),
            Some(_) => (q, true),
        };
        if indentless {
            self.stack.push(Frame { col: d - self.line_start, kind: Kind::IndentlessSeq });
            self.emit(Event::SequenceStart(0, None), mark, mark);
        }
        if content {
            self.value_node(q, true)
        } else {
            self.pending = Pending::SeqItem(mark);
            self.pos = self.next_line(mark);
            Ok(())
        }
    }

    /// A key scalar at `p` and the offset of its `:`; bails when `p` does not start a key on this line.
    fn key_scalar(&self, p: usize) -> Res<(Ev<'a>, usize)> {
        let b = self.b;
        let (ev, colon) = match b[p] {
            b'"' | b'\'' => {
                let (text, close_end, style) = self.quoted(p)?;
                let i = self.skip_spaces(close_end);
                if b.get(i) != Some(&b':') || !blank_or_breakz(b.get(i + 1)) {
                    return Err(Bail);
                }
                ((scalar(text, style), p as u32, close_end as u32), i)
            }
            c if plain_start(c, b.get(p + 1)) => match self.plain(p)? {
                (end, Stop::Colon(i)) => {
                    ((scalar(Cow::Borrowed(&self.text[p..end]), ScalarStyle::Plain), p as u32, end as u32), i)
                }
                _ => return Err(Bail),
            },
            _ => return Err(Bail),
        };
        // saphyr gives up on simple keys longer than 1024 characters.
        if colon - p > 1000 {
            return Err(Bail);
        }
        Ok((ev, colon))
    }

    /// `key: ...` at `p`; `new` opens a mapping at `p`'s column first.
    fn map_entry(&mut self, p: usize, new: bool) -> Res {
        let (key, colon) = self.key_scalar(p)?;
        if new {
            self.stack.push(Frame { col: p - self.line_start, kind: Kind::Map });
            self.emit(Event::MappingStart(0, None), p, p);
        }
        self.queue.push_back(key);
        self.value_after_colon(colon)
    }

    fn value_after_colon(&mut self, colon: usize) -> Res {
        let i = self.skip_spaces(colon + 1);
        match self.b.get(i) {
            None | Some(b'\n' | b'\r' | b'#') => {
                self.pending = Pending::MapValue(colon);
                self.pos = self.next_line(i);
                Ok(())
            }
            Some(b'\t') => Err(Bail),
            Some(_) => self.value_node(i, false),
        }
    }

    /// A node at `r`, after `- ` (`after_dash`: a nested sequence or compact mapping may start here) or after
    /// `key: ` (a scalar or an empty flow collection).
    fn value_node(&mut self, r: usize, after_dash: bool) -> Res {
        let b = self.b;
        match b[r] {
            b'|' | b'>' => self.block_scalar(r),
            b'[' | b'{' => self.flow(r),
            b'-' if blank_or_breakz(b.get(r + 1)) => {
                if after_dash {
                    self.new_seq(r)
                } else {
                    Err(Bail)
                }
            }
            b'"' | b'\'' => {
                let (text, close_end, style) = self.quoted(r)?;
                let i = self.skip_spaces(close_end);
                if b.get(i) == Some(&b':') && blank_or_breakz(b.get(i + 1)) {
                    if !after_dash {
                        return Err(Bail);
                    }
                    self.stack.push(Frame { col: r - self.line_start, kind: Kind::Map });
                    self.emit(Event::MappingStart(0, None), r, r);
                    self.emit(scalar(text, style), r, close_end);
                    return self.value_after_colon(i);
                }
                self.emit(scalar(text, style), r, close_end);
                self.pos = self.rest_of_line(close_end)?;
                Ok(())
            }
            c if plain_start(c, b.get(r + 1)) => {
                let (end, stop) = self.plain(r)?;
                let text = Cow::Borrowed(&self.text[r..end]);
                match stop {
                    Stop::Colon(i) => {
                        if !after_dash || i - r > 1000 {
                            return Err(Bail);
                        }
                        self.stack.push(Frame { col: r - self.line_start, kind: Kind::Map });
                        self.emit(Event::MappingStart(0, None), r, r);
                        self.emit(scalar(text, ScalarStyle::Plain), r, end);
                        self.value_after_colon(i)
                    }
                    Stop::Comment(i) | Stop::Eol(i) => {
                        self.emit(scalar(text, ScalarStyle::Plain), r, end);
                        self.pos = self.next_line(i);
                        Ok(())
                    }
                }
            }
            _ => Err(Bail),
        }
    }

    /// A plain scalar on one line from `q`: its end and what stopped it.
    fn plain(&self, q: usize) -> Res<(usize, Stop)> {
        let b = self.b;
        let mut i = q;
        let mut end = q;
        loop {
            match b.get(i) {
                None | Some(b'\n' | b'\r') => return Ok((end, Stop::Eol(i))),
                Some(b' ') => i += 1,
                Some(b'\t') => return Err(Bail),
                Some(b'#') if b[i - 1] == b' ' => return Ok((end, Stop::Comment(i))),
                Some(b':') if blank_or_breakz(b.get(i + 1)) => return Ok((end, Stop::Colon(i))),
                Some(_) => {
                    i += 1;
                    end = i;
                }
            }
        }
    }

    /// A quoted scalar on one line from `r`: its text, one past the closing quote, and its style.
    fn quoted(&self, r: usize) -> Res<(Cow<'a, str>, usize, ScalarStyle)> {
        let b = self.b;
        let single = b[r] == b'\'';
        let mut i = r + 1;
        let mut escaped = false;
        loop {
            match b.get(i) {
                None | Some(b'\n' | b'\r') => return Err(Bail),
                Some(b'\'') if single => {
                    if b.get(i + 1) == Some(&b'\'') {
                        escaped = true;
                        i += 2;
                    } else {
                        break;
                    }
                }
                Some(b'"') if !single => break,
                Some(b'\\') if !single => {
                    if simple_escape(b.get(i + 1).copied()).is_none() {
                        return Err(Bail);
                    }
                    escaped = true;
                    i += 2;
                }
                Some(_) => i += 1,
            }
        }
        let raw = &self.text[r + 1..i];
        let text = if !escaped {
            Cow::Borrowed(raw)
        } else if single {
            Cow::Owned(raw.replace("''", "'"))
        } else {
            let mut s = String::with_capacity(raw.len());
            let mut chars = raw.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    let e = chars.next().and_then(|e| u8::try_from(e).ok());
                    s.push(simple_escape(e).ok_or(Bail)?);
                } else {
                    s.push(c);
                }
            }
            Cow::Owned(s)
        };
        let style = if single { ScalarStyle::SingleQuoted } else { ScalarStyle::DoubleQuoted };
        Ok((text, i + 1, style))
    }

    /// A one-line flow sequence of plain and quoted scalars (`[]`, `["a", b]`) or an empty flow mapping (`{}`)
    /// at `r`, ending its line.
    fn flow(&mut self, r: usize) -> Res {
        let b = self.b;
        let seq = b[r] == b'[';
        let close = if seq { b']' } else { b'}' };
        let mut i = self.skip_spaces(r + 1);
        if seq {
            self.emit(Event::SequenceStart(0, None), r, i);
        } else {
            self.emit(Event::MappingStart(0, None), r, i);
        }
        if b.get(i) != Some(&close) {
            if !seq {
                return Err(Bail);
            }
            loop {
                let j = match b.get(i) {
                    Some(b'"' | b'\'') => {
                        let (text, close_end, style) = self.quoted(i)?;
                        self.emit(scalar(text, style), i, close_end);
                        self.skip_spaces(close_end)
                    }
                    Some(&c)
                        if plain_start(c, b.get(i + 1)) && !matches!(c, b'-' | b':' | b'?')
                            || c == b'-' && !blank_or_breakz(b.get(i + 1)) && !is_flow(b.get(i + 1)) =>
                    {
                        let mut k = i;
                        let mut end = i;
                        loop {
                            match b.get(k) {
                                Some(b',' | b']') => break,
                                Some(b' ') => k += 1,
                                None | Some(b'\n' | b'\r' | b'\t' | b'[' | b'{' | b'}' | b':' | b'#') => {
                                    return Err(Bail)
                                }
                                Some(b'-') if is_flow(b.get(k + 1)) => return Err(Bail),
                                Some(_) => {
                                    k += 1;
                                    end = k;
                                }
                            }
                        }
                        self.emit(scalar(Cow::Borrowed(&self.text[i..end]), ScalarStyle::Plain), i, end);
                        k
                    }
                    _ => return Err(Bail),
                };
                match b.get(j) {
                    Some(b',') => {
                        i = self.skip_spaces(j + 1);
                        if b.get(i) == Some(&b']') {
                            return Err(Bail); // trailing comma
                        }
                    }
                    Some(b']') => {
                        i = j;
                        break;
                    }
                    _ => return Err(Bail),
                }
            }
        }
        let k = self.skip_spaces(i + 1);
        let end = match b.get(k) {
            None | Some(b'\n' | b'\r') => k,
            Some(b'#') if k > i + 1 => self.line_content_end(k),
            _ => return Err(Bail),
        };
        self.emit(if seq { Event::SequenceEnd } else { Event::MappingEnd }, i, end);
        self.pos = self.next_line(end);
        Ok(())
    }

    /// A literal or folded block scalar whose indicator is at `r` (saphyr's `scan_block_scalar`, without
    /// explicit indentation indicators).
    fn block_scalar(&mut self, r: usize) -> Res {
        #[derive(PartialEq)]
        enum Chomp {
            Strip,
            Clip,
            Keep,
        }
        let b = self.b;
        let len = b.len();
        let literal = b[r] == b'|';
        let mut i = r + 1;
        let chomp = match b.get(i) {
            Some(b'+') => {
                i += 1;
                Chomp::Keep
            }
            Some(b'-') => {
                i += 1;
                Chomp::Strip
            }
            _ => Chomp::Clip,
        };
        let j = self.skip_spaces(i);
        let eol = match b.get(j) {
            Some(b'\n' | b'\r') => j,
            Some(b'#') if j > i => self.line_content_end(j),
            _ => return Err(Bail),
        };
        if eol >= len {
            return Err(Bail);
        }
        let parent = self.stack.last().ok_or(Bail)?.col;
        let mut line = self.next_line(eol);
        if b.get(line) == Some(&b'\t') {
            return Err(Bail);
        }
        let style = if literal { ScalarStyle::Literal } else { ScalarStyle::Folded };

        // Leading empty lines and the indentation of the first content line.
        let mut trailing_breaks = 0usize;
        let mut max_indent = 0usize;
        let mut cur;
        loop {
            cur = self.skip_spaces(line);
            max_indent = max_indent.max(cur - line);
            match b.get(cur) {
                None => {
                    // No content before the end of the text.
                    if chomp == Chomp::Keep {
                        return Err(Bail);
                    }
                    self.emit(scalar(Cow::Borrowed(""), style), r, len);
                    self.pos = len;
                    return Ok(());
                }
                Some(_) if !is_break(b, cur) => break,
                _ => {
                    trailing_breaks += 1;
                    line = next_line_start(b, cur);
                }
            }
        }
        let indent = max_indent.max(parent + 1);
        let mut col = cur - line;
        if col < indent && col > parent {
            return Err(Bail); // wrongly indented line in block scalar
        }

        // saphyr's span of a block scalar with content lines starts at the first content line.
        let start = cur;
        let mut s = String::new();
        let mut leading_break = false;
        let mut leading_blank = false;
        while col == indent && cur < len {
            let trailing_blank = matches!(b[cur], b' ' | b'\t');
            if !literal && leading_break && !leading_blank && !trailing_blank {
                if trailing_breaks == 0 {
                    s.push(' ');
                }
            } else if leading_break {
                s.push('\n');
            }
            s.extend(std::iter::repeat_n('\n', trailing_breaks));
            trailing_breaks = 0;
            leading_blank = trailing_blank;
            let eol = self.line_content_end(cur);
            s.push_str(&self.text[cur..eol]);
            if eol >= len {
                return Err(Bail); // last line without a line break
            }
            leading_break = true;
            line = self.next_line(eol);
            // Indentation and empty lines.
            loop {
                let limit = (line + indent).min(len);
                cur = line;
                while cur < limit && b[cur] == b' ' {
                    cur += 1;
                }
                match b.get(cur) {
                    _ if is_break(b, cur) => {
                        trailing_breaks += 1;
                        line = next_line_start(b, cur);
                    }
                    _ => break,
                }
            }
            col = cur - line;
        }
        if cur >= len && col > 0 {
            return Err(Bail); // blanks at the end of the text without a line break
        }
        if chomp != Chomp::Strip && leading_break {
            s.push('\n');
        }
        if chomp == Chomp::Keep {
            s.extend(std::iter::repeat_n('\n', trailing_breaks));
        }
        self.emit(scalar(Cow::Owned(s), style), start, cur);
        self.pos = line;
        Ok(())
    }
}

/// The character of a one-character double-quoted escape (`\n`, `\"`, ...); `None` for the others.
fn simple_escape(c: Option<u8>) -> Option<char> {
    Some(match c? {
        b'0' => '\0',
        b'a' => '\x07',
        b'b' => '\x08',
        b't' => '\t',
        b'n' => '\n',
        b'v' => '\x0b',
        b'f' => '\x0c',
        b'r' => '\r',
        b'e' => '\x1b',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{a0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        _ => return None,
    })
}

/// All events of `text` from the fast source, or `None` when it bails (tests).
pub(crate) fn events(text: &str) -> Option<Vec<Ev<'_>>> {
    let mut src = FastSource::new(text);
    let mut out = Vec::new();
    loop {
        match src.next_event() {
            Next::Event(ev) => {
                let end = ev.0 == Event::StreamEnd;
                out.push(ev);
                if end {
                    return Some(out);
                }
            }
            Next::End => return Some(out),
            Next::Bail => return None,
            Next::Error(..) => unreachable!("the fast source bails instead of reporting errors"),
        }
    }
}

/// Whether a line break (`\n` or `\r\n`; a lone `\r` makes the scanner bail earlier) starts at `at`.
fn is_break(b: &[u8], at: usize) -> bool {
    matches!(b.get(at), Some(b'\n' | b'\r'))
}

/// The start of the line after the break at `at`.
fn next_line_start(b: &[u8], at: usize) -> usize {
    if b[at] == b'\r' {
        at + 2
    } else {
        at + 1
    }
}
