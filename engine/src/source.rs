//! Source files, byte spans and the line index that turns spans into line/column positions.

use std::sync::Arc;

/// Index of a file in a [`SourceMap`]; stable for one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A half-open byte range `[start, end)` in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: usize, end: usize) -> Self {
        Span { start: start as u32, end: end.max(start) as u32 }
    }
    /// Length in bytes.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }
    /// True when the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// A 1-based line and column (column counted in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// Why a file's content could not be (fully) read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// Byte offset in the text where the problem is (0 when the file could not be read).
    pub at: usize,
    pub message: String,
    pub help: String,
    /// The file could not be read at all (missing, a symlink loop, not a regular file, no permission):
    /// rule `input-unreadable`; otherwise its bytes are not UTF-8 text: rule `yaml-syntax`.
    pub unreadable: bool,
}

impl ReadError {
    /// A file that could not be read at all.
    pub fn unreadable(message: impl Into<String>, help: impl Into<String>) -> Self {
        ReadError { at: 0, message: message.into(), help: help.into(), unreadable: true }
    }

    fn content(at: usize, message: String, help: &str) -> Self {
        ReadError { at, message, help: help.into(), unreadable: false }
    }
}

/// One input file: its name as the user gave it, its text and a line index.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as given on the command line (relative stays relative; stdin is `-`).
    pub name: String,
    /// The file's text (invalid UTF-8 is replaced; see the loader for the finding).
    pub text: Arc<str>,
    /// Whether findings may be reported for this file (false for `--context`-only files).
    pub reported: bool,
    /// A problem found while reading: the file could not be read, or its bytes are not UTF-8 text.
    pub read_error: Option<ReadError>,
    /// Where the file is on disk when `name` does not say it (a fixture's files are named relative to the
    /// fixture); a kustomization's generators read their inputs next to it.
    pub disk_path: Option<std::path::PathBuf>,
    line_starts: Vec<u32>,
    /// [`SourceFile::display_text`], computed on first use.
    display: std::sync::OnceLock<Option<Box<str>>>,
}

impl SourceFile {
    /// Builds the line index of `text`.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(memchr_newlines(text.as_bytes()).map(|i| (i + 1) as u32));
        SourceFile {
            name: name.into(),
            text,
            reported: true,
            read_error: None,
            disk_path: None,
            line_starts,
            display: std::sync::OnceLock::new(),
        }
    }

    /// The text as snippets show it: the same bytes, except that every control character that would act on a
    /// terminal or a CI log (an escape sequence, a lone carriage return, a line separator, a bidirectional
    /// override — [`is_unsafe_char`]; tabs and line breaks stay) is replaced by as many `?` as it has bytes,
    /// so that every offset and line of the text is still right. Computed once, and only for a file that
    /// has such a character.
    pub fn display_text(&self) -> &str {
        let owned = self.display.get_or_init(|| {
            let text = &*self.text;
            let bytes = text.as_bytes();
            let unsafe_at = |i: usize, c: char| {
                is_unsafe_char(c) && !matches!(c, '\t' | '\n') && !(c == '\r' && bytes.get(i + 1) == Some(&b'\n'))
            };
            if !text.char_indices().any(|(i, c)| unsafe_at(i, c)) {
                return None;
            }
            let mut out = String::with_capacity(text.len());
            for (i, c) in text.char_indices() {
                if unsafe_at(i, c) {
                    out.extend(std::iter::repeat_n('?', c.len_utf8()));
                } else {
                    out.push(c);
                }
            }
            Some(out.into_boxed_str())
        });
        owned.as_deref().unwrap_or(&self.text)
    }

    /// Number of lines (a trailing newline does not start a new line).
    pub fn line_count(&self) -> usize {
        let n = self.line_starts.len();
        if n > 1 && self.line_starts[n - 1] as usize == self.text.len() {
            n - 1
        } else {
            n
        }
    }

    /// Byte offset where 1-based `line` starts (clamped to the text).
    pub fn line_start(&self, line: usize) -> usize {
        let idx = line.saturating_sub(1).min(self.line_starts.len() - 1);
        self.line_starts[idx] as usize
    }

    /// Byte offset one past the end of 1-based `line`, without its line break.
    pub fn line_end(&self, line: usize) -> usize {
        let end = if line < self.line_starts.len() { self.line_starts[line] as usize } else { self.text.len() };
        let bytes = self.text.as_bytes();
        let mut e = end;
        while e > self.line_start(line) && matches!(bytes[e - 1], b'\n' | b'\r') {
            e -= 1;
        }
        e
    }

    /// The text of 1-based `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        &self.text[self.line_start(line)..self.line_end(line)]
    }

    /// 1-based line and character column of byte offset `offset`.
    pub fn position(&self, offset: u32) -> Position {
        let offset = offset.min(self.text.len() as u32);
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line_idx] as usize;
        let mut end = offset as usize;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.text[start..end].chars().count() as u32 + 1;
        Position { line: line_idx as u32 + 1, column }
    }

    /// The text of `span`; `None` when the span is not a valid range of the text (never panics).
    pub fn slice(&self, span: Span) -> Option<&str> {
        self.text.get(span.start as usize..span.end as usize)
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', bytes)
}

impl SourceFile {
    /// A file from raw bytes: invalid UTF-8 is replaced and noted; binary content (NUL bytes) is not parsed.
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> Self {
        let name = name.into();
        if let Some(encoding) = utf16(&bytes) {
            let mut f = SourceFile::new(name.clone(), "");
            let message =
                format!("file is {encoding}, not UTF-8: kvet reads UTF-8 manifests only, so it is not checked");
            let help = format!(
                "Convert it to UTF-8: `iconv -f UTF-16 -t UTF-8 {name} > {name}.utf8 && mv {name}.utf8 {name}` (PowerShell 7: `Get-Content {name} | Set-Content -Encoding utf8NoBOM {name}`; an editor: save with encoding UTF-8)."
            );
            f.read_error = Some(ReadError::content(0, message, &help));
            return f;
        }
        if let Some(nul) = memchr::memchr(0, &bytes) {
            let mut f = SourceFile::new(name, "");
            let message = format!("file looks binary (NUL byte at offset {nul}); it is not a YAML manifest");
            f.read_error = Some(ReadError::content(
                0,
                message,
                "Remove it from the checked paths, or exclude it in .kvet.yaml (`exclude:`).",
            ));
            return f;
        }
        match String::from_utf8(bytes) {
            Ok(text) => SourceFile::new(name, text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text)),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let mut f = SourceFile::new(name, text);
                let message = format!(
                    "file is not valid UTF-8 (invalid byte at offset {at}); Kubernetes manifests must be UTF-8"
                );
                f.read_error = Some(ReadError::content(at, message, "Save the file as UTF-8 text."));
                f
            }
        }
    }
}

/// `Some("UTF-16 (little-endian, with a byte-order mark)")` and the like when `bytes` look like UTF-16 text: a
/// UTF-16 byte-order mark, or (without one) a zero in every other byte of the first characters, as ASCII text
/// has in UTF-16.
fn utf16(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => return None, // UTF-32 little-endian: binary to us
        [0xFF, 0xFE, ..] => return Some("UTF-16 (little-endian, with a byte-order mark)"),
        [0xFE, 0xFF, ..] => return Some("UTF-16 (big-endian, with a byte-order mark)"),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(64) & !1];
    if head.len() < 4 {
        return None;
    }
    let pairs = || head.chunks_exact(2);
    if pairs().all(|p| p[1] == 0 && p[0] != 0) {
        Some("UTF-16 (little-endian)")
    } else if pairs().all(|p| p[0] == 0 && p[1] != 0) {
        Some("UTF-16 (big-endian)")
    } else {
        None
    }
}

/// All files of one run, indexed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }
    /// The file with id `id`.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }
    /// The file with id `id`, to change.
    pub fn get_mut(&mut self, id: FileId) -> &mut SourceFile {
        &mut self.files[id.0 as usize]
    }
    /// All files in id order.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }
    /// Drops every file from id `len` on (the run's virtual files, once their findings are mapped back).
    pub fn truncate(&mut self, len: usize) {
        self.files.truncate(len);
    }
    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }
    /// True when there is no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_is_named_not_called_binary() {
        let le: Vec<u8> = "\u{feff}a: b\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = "a: b\nc: d\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (bytes, what) in [(le, "UTF-16 (little-endian, with a byte-order mark)"), (be, "UTF-16 (big-endian)")] {
            let f = SourceFile::from_bytes("u.yaml", bytes);
            let e = f.read_error.expect("a read error");
            assert!(e.message.starts_with(&format!("file is {what}, not UTF-8")), "{}", e.message);
            assert!(e.help.contains("iconv -f UTF-16 -t UTF-8 u.yaml") && !e.unreadable, "{}", e.help);
        }
        // UTF-32 and other NUL-holding bytes stay binary; UTF-8 text is text.
        let utf32 = SourceFile::from_bytes("x", vec![0xFF, 0xFE, 0, 0, b'a', 0, 0, 0]);
        assert!(utf32.read_error.unwrap().message.starts_with("file looks binary"));
        assert!(SourceFile::from_bytes("x", b"a: b\n".to_vec()).read_error.is_none());
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let f = SourceFile::new("a.yaml", "a: 1\nnäme: x\n");
        assert_eq!(f.position(0), Position { line: 1, column: 1 });
        assert_eq!(f.position(5), Position { line: 2, column: 1 });
        // 'x' is after "näme: " = 6 chars but 7 bytes
        assert_eq!(f.position(12), Position { line: 2, column: 7 });
        assert_eq!(f.line_text(2), "näme: x");
        assert_eq!(f.line_count(), 2);
    }
}

/// Whether `c` would act on a terminal or a CI log instead of being shown: C0/C1 controls and DEL, the
/// line and paragraph separators, and the bidirectional formatting characters ("Trojan Source").
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every [`is_unsafe_char`] written as a visible escape (`\n`, `\r`, `\t`, `\u{1b}`): for file names
/// and for document values inside messages, which a file in a pull request controls. A name such as
/// `f⏎::error::x.yaml` must not start a line of the log with `::` (a GitHub Actions workflow command), and an
/// escape sequence must not reach the terminal.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod visible_tests {
    use super::visible;

    #[test]
    fn control_characters_become_escapes() {
        assert_eq!(visible("apps/db.yaml"), "apps/db.yaml");
        assert_eq!(visible("f\n::error::x.yaml"), "f\\n::error::x.yaml");
        assert_eq!(visible("a\r\tb\u{1b}[31m\u{202e}"), "a\\r\\tb\\u{1b}[31m\\u{202e}");
        assert_eq!(visible("你好 é"), "你好 é");
    }

    #[test]
    fn snippets_keep_offsets_but_not_control_characters() {
        let f = super::SourceFile::new("f.yaml", "a: \"x\u{1b}[2J\"\r\nb: \"\u{202e}y\r::error::z\"\r\n");
        assert_eq!(f.display_text().len(), f.text.len());
        assert_eq!(f.display_text(), "a: \"x?[2J\"\r\nb: \"???y?::error::z\"\r\n");
        let plain = super::SourceFile::new("g.yaml", "a: 1\r\n\tb: 2\n");
        assert!(std::ptr::eq(plain.display_text(), &*plain.text), "no copy for a file without them");
    }
}
