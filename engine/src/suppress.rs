//! Suppression: `# kvet-ignore: id[, id]` (on the finding's line, or alone on the line above it),
//! `# kvet-ignore-file: id` anywhere in a file, and the object annotation `kvet.dev/ignore: "id,id"`.

use crate::source::SourceFile;

/// The ignore directives of one file.
#[derive(Debug, Default)]
pub struct Directives {
    /// (line the directive applies to, rule ids; `all` matches every rule).
    pub lines: Vec<(u32, Vec<String>)>,
    /// Rule ids ignored in the whole file.
    pub file: Vec<String>,
}

fn ids(rest: &str) -> Vec<String> {
    let rest = rest.split('#').next().unwrap_or("");
    rest.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty() && !s.starts_with('#')).map(str::to_owned).collect()
}

/// Scans a file's comments. Cheap: only lines containing `kvet-ignore` are looked at.
pub fn scan(file: &SourceFile) -> Directives {
    let mut d = Directives::default();
    if !file.text.contains("kvet-ignore") {
        return d;
    }
    for (i, line) in file.text.lines().enumerate() {
        let Some(hash) = line.find('#') else { continue };
        let comment = line[hash + 1..].trim();
        let line_no = i as u32 + 1;
        if let Some(rest) = comment.strip_prefix("kvet-ignore-file:") {
            d.file.extend(ids(rest));
        } else if let Some(rest) = comment.strip_prefix("kvet-ignore:") {
            let alone = line[..hash].trim().is_empty();
            let target = if alone { line_no + 1 } else { line_no };
            d.lines.push((target, ids(rest)));
        }
    }
    d
}

impl Directives {
    /// Whether a finding of `rule` (or one of its `aliases`) starting on `line` is suppressed.
    pub fn suppresses(&self, rule: &str, aliases: &[String], line: u32) -> bool {
        let m = |id: &String| id == rule || id == "all" || aliases.contains(id);
        self.file.iter().any(m) || self.lines.iter().any(|(l, ids)| *l == line && ids.iter().any(m))
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
        let f = SourceFile::new("a.yaml", "# kvet-ignore-file: a\nx: 1 # kvet-ignore: b, c\n# kvet-ignore: d\ny: 2\n");
        let d = scan(&f);
        assert!(d.suppresses("a", &[], 9));
        assert!(d.suppresses("c", &[], 2));
        assert!(!d.suppresses("c", &[], 3));
        assert!(d.suppresses("d", &[], 4));
    }
}
