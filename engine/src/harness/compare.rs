//! Expected vs actual findings of a fixture, compared as multisets of `(file, line, rule)`.

use std::collections::BTreeMap;
use std::fmt::Write;

/// A finding a fixture declares.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expected {
    /// The source name of the file (as shown in output).
    pub file: String,
    /// 1-based line where the finding's primary span starts.
    pub line: u32,
    /// Rule id.
    pub rule: String,
}

/// A finding the run produced.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Actual {
    /// The source name of the file.
    pub file: String,
    /// 1-based line of the primary span's start.
    pub line: u32,
    /// Rule id.
    pub rule: String,
    /// The finding's message (shown for unexpected findings).
    pub message: String,
}

/// The difference between expected and actual findings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Expected but not produced (sorted).
    pub missing: Vec<Expected>,
    /// Produced but not expected (sorted).
    pub unexpected: Vec<Actual>,
}

impl Diff {
    /// True when expected and actual are equal multisets.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty()
    }

    /// One line per difference: `missing: file:line rule` and
    /// `unexpected: file:line rule (message)`, missing first.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for m in &self.missing {
            let _ = writeln!(out, "missing: {}:{} {}", m.file, m.line, m.rule);
        }
        for u in &self.unexpected {
            let _ = writeln!(out, "unexpected: {}:{} {} ({})", u.file, u.line, u.rule, u.message);
        }
        out
    }
}

/// Compares `expected` and `actual` as multisets of `(file, line, rule)`: an expectation written
/// twice needs two findings. Which duplicate counts as unexpected does not depend on input order.
pub fn compare(expected: &[Expected], actual: &[Actual]) -> Diff {
    let mut want: BTreeMap<(&str, u32, &str), usize> = BTreeMap::new();
    for e in expected {
        *want.entry((e.file.as_str(), e.line, e.rule.as_str())).or_default() += 1;
    }
    let mut actual: Vec<&Actual> = actual.iter().collect();
    actual.sort();
    let mut unexpected = Vec::new();
    for a in actual {
        match want.get_mut(&(a.file.as_str(), a.line, a.rule.as_str())) {
            Some(n) if *n > 0 => *n -= 1,
            _ => unexpected.push(a.clone()),
        }
    }
    let mut missing = Vec::new();
    for ((file, line, rule), n) in want {
        for _ in 0..n {
            missing.push(Expected { file: file.to_string(), line, rule: rule.to_string() });
        }
    }
    Diff { missing, unexpected }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(file: &str, line: u32, rule: &str) -> Expected {
        Expected { file: file.into(), line, rule: rule.into() }
    }
    fn a(file: &str, line: u32, rule: &str) -> Actual {
        Actual { file: file.into(), line, rule: rule.into(), message: format!("{rule} fired") }
    }

    #[test]
    fn equal_multisets() {
        let d = compare(
            &[e("f", 3, "x"), e("f", 3, "x"), e("g", 1, "y")],
            &[a("g", 1, "y"), a("f", 3, "x"), a("f", 3, "x")],
        );
        assert!(d.is_empty());
        assert_eq!(d.render(), "");
        assert!(compare(&[], &[]).is_empty());
    }

    #[test]
    fn counts_matter() {
        let d = compare(&[e("f", 3, "x"), e("f", 3, "x")], &[a("f", 3, "x")]);
        assert_eq!(d.missing, vec![e("f", 3, "x")]);
        assert!(d.unexpected.is_empty());

        let d = compare(&[e("f", 3, "x")], &[a("f", 3, "x"), a("f", 3, "x")]);
        assert!(d.missing.is_empty());
        assert_eq!(d.unexpected, vec![a("f", 3, "x")]);
    }

    #[test]
    fn wrong_line_file_or_rule() {
        let d = compare(
            &[e("f", 3, "x"), e("f", 5, "y"), e("g", 1, "z")],
            &[a("f", 4, "x"), a("f", 5, "w"), a("h", 1, "z")],
        );
        assert_eq!(
            d.render(),
            "\
missing: f:3 x
missing: f:5 y
missing: g:1 z
unexpected: f:4 x (x fired)
unexpected: f:5 w (w fired)
unexpected: h:1 z (z fired)
"
        );
    }

    #[test]
    fn noise_from_other_rules_fails() {
        let d = compare(&[], &[a("f", 1, "x")]);
        assert!(!d.is_empty());
        assert_eq!(d.render(), "unexpected: f:1 x (x fired)\n");
    }
}
