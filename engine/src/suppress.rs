//! Suppression: `# kvet-ignore: id[, id]` (on the finding's line, or alone on the line above it),
//! `# kvet-ignore-file: id` anywhere in a file, and the object annotation `kvet.dev/ignore: "id,id"`.
//! A directive id that suppresses nothing is itself reported (`kvet-ignore-unused`).

use crate::source::{SourceFile, Span};

/// One `kvet-ignore` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The line it applies to; `None` for `kvet-ignore-file`.
    pub line: Option<u32>,
    /// Rule ids (`all` matches every rule).
    pub ids: Vec<String>,
    /// The comment's span (for reporting it when unused).
    pub span: Span,
}

/// The ignore directives of one file.
#[derive(Debug, Default)]
pub struct Directives {
    /// In source order.
    pub list: Vec<Directive>,
}

/// The rule ids of a directive: `id, id` up to the end of the comment or a ` -- reason`.
fn ids(rest: &str) -> Vec<String> {
    let rest = rest.split('#').next().unwrap_or("");
    let rest = rest.split("--").next().unwrap_or("");
    rest.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Scans a file's comments. Cheap: only lines containing `kvet-ignore` are looked at.
pub fn scan(file: &SourceFile) -> Directives {
    let mut d = Directives::default();
    if !file.text.contains("kvet-ignore") {
        return d;
    }
    let mut offset = 0usize;
    for (i, line) in file.text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        let Some(pos) = line.find("kvet-ignore") else { continue };
        // It must be a comment: `#` followed only by spaces before `kvet-ignore`.
        let Some(hash) = line[..pos].rfind('#') else { continue };
        if !line[hash + 1..pos].trim().is_empty() {
            continue;
        }
        let rest = &line[pos..];
        let line_no = i as u32 + 1;
        let span = Span::new(line_start + hash, line_start + line.len());
        if let Some(r) = rest.strip_prefix("kvet-ignore-file:") {
            d.list.push(Directive { line: None, ids: ids(r), span });
        } else if let Some(r) = rest.strip_prefix("kvet-ignore:") {
            let alone = line[..hash].trim().is_empty();
            let target = if alone { line_no + 1 } else { line_no };
            d.list.push(Directive { line: Some(target), ids: ids(r), span });
        }
    }
    d
}

impl Directives {
    /// The (directive, id) pairs that suppress a finding of `rule` (or one of its `aliases`) on `line`.
    pub fn matches(&self, rule: &str, aliases: &[String], line: u32) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (di, d) in self.list.iter().enumerate() {
            if d.line.is_some_and(|l| l != line) {
                continue;
            }
            for (ii, id) in d.ids.iter().enumerate() {
                if id == rule || id == "all" || aliases.contains(id) {
                    out.push((di, ii));
                }
            }
        }
        out
    }

    /// Whether a finding of `rule` on `line` is suppressed.
    pub fn suppresses(&self, rule: &str, aliases: &[String], line: u32) -> bool {
        !self.matches(rule, aliases, line).is_empty()
    }
}

/// Rule ids listed in an object's `kvet.dev/ignore` annotation.
pub fn annotation_ids(object: &serde_json::Value) -> Vec<String> {
    object.pointer("/metadata/annotations/kvet.dev~1ignore").and_then(|v| v.as_str()).map(ids).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives() {
        let f = SourceFile::new(
            "a.yaml",
            "# kvet-ignore-file: a\nx: 1 # kvet-ignore: b, c  # expect: z\n# kvet-ignore: d\ny: 2\nimage: a#kvet-ignore: e\n",
        );
        let d = scan(&f);
        assert!(d.suppresses("a", &[], 9));
        assert!(d.suppresses("c", &[], 2));
        assert!(!d.suppresses("z", &[], 2));
        assert!(!d.suppresses("c", &[], 3));
        assert!(d.suppresses("d", &[], 4));
        assert_eq!(d.list.len(), 4);
        assert_eq!(
            &f.text[d.list[1].span.start as usize..d.list[1].span.end as usize],
            "# kvet-ignore: b, c  # expect: z"
        );
    }

    #[test]
    fn a_reason_after_two_dashes_is_not_an_id() {
        assert_eq!(ids(" a-rule, b-rule -- the objects live elsewhere"), ["a-rule", "b-rule"]);
        assert_eq!(ids(" a-rule"), ["a-rule"]);
    }
}
