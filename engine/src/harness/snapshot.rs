//! `.out` snapshots: the rendered human output of a fixture, compared exactly (`--bless` rewrites).

use std::fmt::Write;
use std::fs;
use std::path::Path;

/// What happened to a fixture's snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotOutcome {
    /// No `.out` file and none required.
    Absent,
    /// The `.out` file equals the output.
    Matched,
    /// `--bless` wrote the file (it was missing or different).
    Written,
    /// The `.out` file differs; the unified diff (expected = the file, actual = the output).
    Mismatch(String),
}

/// The lines of a fixture's rendered output that show a template variable without a value
/// ([`crate::pack::template::UNRESOLVED`]): such output is never a valid snapshot, blessed or not.
pub fn unresolved_lines(rendered: &str) -> Vec<&str> {
    rendered.lines().filter(|l| l.contains(crate::pack::template::UNRESOLVED)).map(str::trim).collect()
}

/// Compares `actual` with the snapshot at `path`. With `bless`, a different snapshot is rewritten,
/// and a missing one is created when `create` is set. Line endings are normalised to `\n` before
/// comparing (a checkout with CRLF line endings still matches).
pub fn check_snapshot(path: &Path, actual: &str, bless: bool, create: bool) -> Result<SnapshotOutcome, String> {
    let expected = match fs::read(path) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).replace("\r\n", "\n")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let actual = actual.replace("\r\n", "\n");
    match expected {
        Some(expected) if expected == actual => Ok(SnapshotOutcome::Matched),
        Some(_) | None if bless && (create || path.exists()) => {
            fs::write(path, actual.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(SnapshotOutcome::Written)
        }
        Some(expected) => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Ok(SnapshotOutcome::Mismatch(unified_diff(
                &expected,
                &actual,
                &format!("{name} (expected)"),
                "actual output",
            )))
        }
        None => Ok(SnapshotOutcome::Absent),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Equal,
    Delete,
    Insert,
}

/// Beyond this many cells of the LCS table, the changed middle is shown as one replacement.
const MAX_LCS_CELLS: usize = 16_000_000;
/// Lines of context around each hunk.
const CONTEXT: usize = 3;

/// Edit script from `a` to `b`: (op, index in a, index in b).
fn edit_script(a: &[&str], b: &[&str]) -> Vec<(Op, usize, usize)> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<(Op, usize, usize)> = (0..prefix).map(|i| (Op::Equal, i, i)).collect();
    let (n, m) = (am.len(), bm.len());
    if n.saturating_mul(m) > MAX_LCS_CELLS {
        ops.extend((0..n).map(|i| (Op::Delete, prefix + i, prefix)));
        ops.extend((0..m).map(|j| (Op::Insert, prefix + n, prefix + j)));
    } else {
        // lcs[i][j] = LCS length of am[i..] and bm[j..]
        let w = m + 1;
        let mut lcs = vec![0u32; (n + 1) * w];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * w + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                ops.push((Op::Equal, prefix + i, prefix + j));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
                // Deletions first, so a changed line reads `-old` then `+new`.
                ops.push((Op::Delete, prefix + i, prefix + j));
                i += 1;
            } else {
                ops.push((Op::Insert, prefix + i, prefix + j));
                j += 1;
            }
        }
    }
    let (a0, b0) = (a.len() - suffix, b.len() - suffix);
    ops.extend((0..suffix).map(|k| (Op::Equal, a0 + k, b0 + k)));
    ops
}

/// A unified-style line diff of `expected` → `actual` (`-` lines only in expected, `+` lines only
/// in actual, 3 lines of context, `@@ -l,n +l,n @@` hunk headers). Empty when they are equal.
pub fn unified_diff(expected: &str, actual: &str, from: &str, to: &str) -> String {
    if expected == actual {
        return String::new();
    }
    // Split on '\n' (not `lines()`) so a missing final line break shows as a difference.
    let a: Vec<&str> = expected.split('\n').collect();
    let b: Vec<&str> = actual.split('\n').collect();
    let ops = edit_script(&a, &b);
    let changes: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != Op::Equal).collect();
    let mut out = format!("--- {from}\n+++ {to}\n");
    let mut g = 0;
    while g < changes.len() {
        // Group changes whose gaps are small enough to share context.
        let mut last = g;
        while last + 1 < changes.len() && changes[last + 1] - changes[last] <= 2 * CONTEXT + 1 {
            last += 1;
        }
        let start = changes[g].saturating_sub(CONTEXT);
        let end = (changes[last] + CONTEXT + 1).min(ops.len());
        let hunk = &ops[start..end];
        let old_len = hunk.iter().filter(|o| o.0 != Op::Insert).count();
        let new_len = hunk.iter().filter(|o| o.0 != Op::Delete).count();
        let (_, ai, bi) = hunk[0];
        let old_start = if old_len == 0 { ai } else { ai + 1 };
        let new_start = if new_len == 0 { bi } else { bi + 1 };
        let _ = writeln!(out, "@@ -{old_start},{old_len} +{new_start},{new_len} @@");
        for &(op, i, j) in hunk {
            let _ = match op {
                Op::Equal => writeln!(out, " {}", a[i]),
                Op::Delete => writeln!(out, "-{}", a[i]),
                Op::Insert => writeln!(out, "+{}", b[j]),
            };
        }
        g = last + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_is_empty() {
        assert_eq!(unified_diff("a\nb\n", "a\nb\n", "x", "y"), "");
    }

    #[test]
    fn one_change_with_context() {
        let a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(
            unified_diff(a, b, "fail.out (expected)", "actual output"),
            "\
--- fail.out (expected)
+++ actual output
@@ -2,7 +2,7 @@
 2
 3
 4
-5
+five
 6
 7
 8
"
        );
    }

    #[test]
    fn separate_hunks_and_insertions() {
        let a: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let b = a.replace("2\n3\n", "2\nnew\n3\n").replace("18\n", "");
        let d = unified_diff(&a, &b, "e", "a");
        assert_eq!(
            d,
            "\
--- e
+++ a
@@ -1,5 +1,6 @@
 1
 2
+new
 3
 4
 5
@@ -15,7 +16,6 @@
 15
 16
 17
-18
 19
 20
 
"
        );
    }

    #[test]
    fn missing_final_newline_shows() {
        let d = unified_diff("a\n", "a", "e", "a");
        assert!(d.contains("@@"), "{d}");
        assert!(d.contains("\n- \n") || d.contains("\n-\n"), "{d}");
    }

    #[test]
    fn snapshot_files() {
        let dir = std::env::temp_dir().join(format!("kvet-snapshot-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("fail.out");
        let _ = fs::remove_file(&p);
        assert_eq!(check_snapshot(&p, "x\n", false, true), Ok(SnapshotOutcome::Absent));
        assert_eq!(check_snapshot(&p, "x\n", true, false), Ok(SnapshotOutcome::Absent));
        assert_eq!(check_snapshot(&p, "x\n", true, true), Ok(SnapshotOutcome::Written));
        assert_eq!(check_snapshot(&p, "x\n", false, false), Ok(SnapshotOutcome::Matched));
        fs::write(&p, "x\r\n").unwrap();
        assert_eq!(check_snapshot(&p, "x\n", false, false), Ok(SnapshotOutcome::Matched));
        match check_snapshot(&p, "y\n", false, false) {
            Ok(SnapshotOutcome::Mismatch(d)) => assert!(d.contains("-x\n+y\n"), "{d}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(check_snapshot(&p, "y\n", true, false), Ok(SnapshotOutcome::Written));
        assert_eq!(fs::read_to_string(&p).unwrap(), "y\n");
        fs::remove_dir_all(&dir).unwrap();
    }
}

#[cfg(test)]
mod unresolved_tests {
    #[test]
    fn finds_the_mark_of_a_variable_without_value() {
        let text = "ok line\n  × ConfigMap x: 25 is read as \u{2047}node.value\n";
        assert_eq!(super::unresolved_lines(text), vec!["× ConfigMap x: 25 is read as \u{2047}node.value"]);
        assert!(super::unresolved_lines("nothing here").is_empty());
    }
}
