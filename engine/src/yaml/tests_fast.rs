//! The fast event source either bails or yields exactly saphyr's events (variant, text, style, anchor, tag,
//! byte offsets): on every fixture, example and corpus file, on mutated copies of them, and on tricky snippets.
#![allow(clippy::print_stderr)]

use super::{fast, EventSource, FrontEnds, Next};
use crate::source::SourceFile;
use std::path::{Path, PathBuf};

/// Checks the property on `text`; returns whether the fast path was taken. Panics with a diff otherwise.
fn check(name: &str, text: &str) -> bool {
    match super::compare_front_ends(text) {
        FrontEnds::Bailed => false,
        FrontEnds::Same => true,
        FrontEnds::Differ(diff) => panic!("{name}: {diff}"),
    }
}

fn corpus_dirs() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    ["fixtures", "examples", "../shared/corpus"].iter().map(|d| (d.to_string(), root.join(d))).collect()
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json") {
            out.push(p);
        }
    }
}

fn read(p: &Path) -> Option<String> {
    let bytes = std::fs::read(p).ok()?;
    let f = SourceFile::from_bytes(p.display().to_string(), bytes);
    Some(f.text.to_string())
}

/// Every manifest under `dir` (sorted) with its text, as kvet reads it.
fn texts(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    yaml_files(dir, &mut files);
    files.into_iter().filter_map(|p| read(&p).map(|t| (p, t))).collect()
}

/// Asserts the equivalence on every manifest under `dir` and prints how much of it takes the fast path.
fn check_dir(label: &str, dir: &Path) {
    let (mut n, mut n_fast, mut bytes, mut bytes_fast) = (0usize, 0usize, 0usize, 0usize);
    for (p, text) in texts(dir) {
        n += 1;
        bytes += text.len();
        if check(&p.display().to_string(), &text) {
            n_fast += 1;
            bytes_fast += text.len();
        }
    }
    eprintln!(
        "fast path on {label}: {n_fast}/{n} files ({:.1} %), {bytes_fast}/{bytes} bytes ({:.1} %)",
        100.0 * n_fast as f64 / n.max(1) as f64,
        100.0 * bytes_fast as f64 / bytes.max(1) as f64
    );
}

#[test]
fn fast_events_equal_saphyr_on_all_files() {
    for (name, dir) in corpus_dirs() {
        check_dir(&name, &dir);
    }
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    const CHARS: &[char] = &[' ', ':', '-', '#', '\'', '"', '|', '>', '\n', '\t', '[', ']', '{', '}', '&', '*', '!'];
    let mut s = text.to_string();
    for _ in 0..1 + rng.below(3) {
        // Bias positions towards line starts and indicators, where the structure is.
        let mut at = char_boundary(&s, rng.below(s.len() + 1));
        if rng.below(2) == 0 {
            if let Some(nl) = s[..at].rfind('\n') {
                at = nl + 1 + rng.below(8);
                at = char_boundary(&s, at);
            }
        }
        match rng.below(6) {
            0 if at < s.len() => {
                let c = s[at..].chars().next().unwrap();
                s.replace_range(at..at + c.len_utf8(), "");
            }
            1 => s.insert(at, CHARS[rng.below(CHARS.len())]),
            2 if at < s.len() => {
                let c = s[at..].chars().next().unwrap();
                s.insert(at, c);
            }
            3 => {
                let mut lines: Vec<&str> = s.split_inclusive('\n').collect();
                if lines.len() > 1 {
                    let i = rng.below(lines.len() - 1);
                    lines.swap(i, i + 1);
                }
                s = lines.concat();
            }
            4 => {
                let ls = s[..at].rfind('\n').map_or(0, |i| i + 1);
                if rng.below(2) == 0 {
                    s.insert_str(ls, &" ".repeat(1 + rng.below(2)));
                } else {
                    let n = s[ls..].bytes().take_while(|b| *b == b' ').count().min(1 + rng.below(2));
                    s.replace_range(ls..ls + n, "");
                }
            }
            _ => {
                // Swap two random lines.
                let mut lines: Vec<&str> = s.split_inclusive('\n').collect();
                if lines.len() > 1 {
                    let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
                    lines.swap(i, j);
                }
                s = lines.concat();
            }
        }
    }
    s
}

/// The corpus and fixture texts small enough to mutate (≤ 12,000 bytes) that pass `keep`.
fn mutation_pool(keep: impl Fn(&str) -> bool) -> Vec<String> {
    let pool: Vec<String> = corpus_dirs()
        .iter()
        .flat_map(|(_, dir)| texts(dir))
        .map(|(_, t)| t)
        .filter(|t| t.len() <= 12_000 && keep(t))
        .collect();
    assert!(!pool.is_empty());
    pool
}

#[test]
fn fast_events_equal_saphyr_on_mutations() {
    let pool = mutation_pool(|t| fast::events(t).is_some());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut total, mut fast) = (0, 0);
    for k in 0..10_000 {
        let t = &pool[rng.below(pool.len())];
        let m = mutate(&mut rng, t);
        total += 1;
        if check(&format!("mutation {k}"), &m) {
            fast += 1;
        }
    }
    eprintln!("mutations: {fast}/{total} took the fast path");
}

/// Every span of every loaded document is a valid range of the text, on mutated copies of the corpus with
/// non-ASCII text inserted at structural places and the final line break removed (the loader's invariant; the
/// class of input where saphyr's line/column markers point past the last line).
#[test]
fn spans_are_valid_ranges_on_non_ascii_mutations() {
    const INSERTS: &[&str] =
        &["é", "键", "值: ü", "# 注释", "  é: x", "\r\n", "'é'", "\"键\"", "- ü", "{é: 值}", "[é, 值]"];
    let pool = mutation_pool(|_| true);
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for k in 0..3_000 {
        let mut m = pool[rng.below(pool.len())].clone();
        for _ in 0..1 + rng.below(3) {
            let mut at = char_boundary(&m, rng.below(m.len() + 1));
            if rng.below(2) == 0 {
                // Near the end of the file, where the markers go wrong.
                at = char_boundary(&m, m.len().saturating_sub(rng.below(16)));
            }
            m.insert_str(at, INSERTS[rng.below(INSERTS.len())]);
        }
        if rng.below(2) == 0 {
            m.truncate(m.trim_end_matches(['\n', '\r']).len());
        }
        let file = SourceFile::new(format!("mutation {k}"), m);
        for doc in super::load(&file).documents {
            if let Some(bad) = super::invalid_span(&file.text, &doc.spans) {
                panic!("mutation {k}: span {bad:?} of {} bytes:\n{}", file.text.len(), file.text);
            }
        }
    }
}

#[test]
fn fast_events_equal_saphyr_on_snippets() {
    // (snippet, expected to take the fast path)
    let cases: &[(&str, bool)] = &[
        ("image: a:b\n", true),
        ("key: 'it''s'\n", true),
        ("key: \"a \\\"b\\\" \\\\ \\n\"\n", true),
        ("- - nested\n  - more\n- x\n", true),
        ("a: 1 # c\nb: 'x' # c\nc: \"y\"   # c\nd: # c\n  e: f\n", true),
        ("key:#x\n", false),
        ("key: v#x\n", true),
        ("a: 1   \nb:   \n  - x   \n", true),
        ("a: 1\r\nb:\r\n- c\r\nd: |\r\n  x\r\n\r\n  y\r\n", true),
        ("a: 1\nb: 2", true),
        ("a:\n  b: c", true),
        ("- a\n-", true),
        ("--- x\n", false),
        ("--- # c\na: 1\n", true),
        ("--- |\n  text\n", false),
        (
            "a: |+\n  keep\n\n\nb: |-\n  strip\n\n\nc: >\n  folded\n  text\n\n  para\n   more\n  back\nd: >-\n  x\n",
            true,
        ),
        ("a: |+\n  keep\n\n", true),
        ("a: |\n\n  x\n", true),
        ("a: |\n  x\n # less\nb: 1\n", true),
        ("a: |\n    x\n  y\n", false),
        ("# only comments\n# here\n", true),
        ("---\n# only comments\n---\na: 1\n...\n---\n", true),
        ("a: 1\n...\n", true),
        ("...\na: 1\n", true),
        ("---\n---\n", true),
        ("", true),
        ("k:\n- a\n-\n- b: 1\n  c:\n  - d\nj: []\nl: {}\nm: [] # c\n", true),
        ("- k: v\n  j:\n- x\n", true),
        ("  a: 1\n  b:\n    - x\n", true),
        ("a: 1\n b: 2\n", false),
        ("a:\n  - 1\n - 2\n", false),
        ("a: é\n# ü\nb: 'ß'\nc: |\n  ñ\n", true),
        ("a: é", false),
        ("a: é\n", true),
        ("a: &x 1\nb: *x\n", false),
        ("a: !!str 1\n", false),
        ("a: [1, 2]\nb: [ \"x\", 'y' ,z ] # c\nc: [ ]\nd: [a b, c-d, -e]\n- [a]\n", false),
        ("a: [1, 2]\nb: [ \"x\", 'y' ,z ] # c\nc: [ ]\nd: [a b, c-d, -e]\n", true),
        ("- [a]\n- []\n- {}\n", true),
        ("a: [a: b]\n", false),
        ("a: [a, ]\n", false),
        ("a: [a,\n  b]\n", false),
        ("a: [a]b\n", false),
        ("a: [a] :\n", false),
        ("a: [a, [b]]\n", false),
        ("a: {b: c}\n", false),
        ("a: :x\n:y: ?z\n", true),
        ("a: b\n  c\n", false),
        ("a: \"b\n  c\"\n", false),
        ("a:\tb\n", false),
        ("- |\n  x\n- >-\n  y\n  z\n", true),
        ("a:\n  - |\n    x\n  - b\n", true),
        ("- a: |\n    x\n  b: c\n", true),
        ("a: |2\n  x\n", false),
        ("'a b': 1\n\"c\": 2\n", true),
        ("- 'a': 1\n  b: 2\n", true),
        ("key : v\n", true),
        ("a: -1\nb: -x\n-c: d\n", true),
        ("a:\n\n\n  b: 1\n\n", true),
        ("a: |\n", true),
        ("a: |\n\n", true),
        ("a: >\n\n\n", true),
    ];
    for (i, (text, expect_fast)) in cases.iter().enumerate() {
        let fast = check(&format!("snippet {i}"), text);
        assert_eq!(fast, *expect_fast, "snippet {i} {text:?}: fast path taken = {fast}");
    }
}

#[test]
fn load_gives_the_same_result_on_both_paths() {
    for (_, dir) in corpus_dirs().into_iter().take(2) {
        for (p, text) in texts(&dir) {
            let f = SourceFile::new(p.display().to_string(), text);
            let a = super::load(&f);
            let mut b = super::saphyr_load(&f);
            let exotic = super::problems::has_exotic_space(&f.text);
            for doc in &mut b.documents {
                if let Some(pr) = super::problems::lost_indentation(&f, doc, exotic) {
                    doc.flattened = true;
                    b.problems.push(pr);
                }
            }
            b.problems.sort_by_key(|p| (p.span.start, p.rule));
            assert_eq!(a.problems, b.problems, "{}", p.display());
            assert_eq!(a.documents.len(), b.documents.len());
            for (x, y) in a.documents.iter().zip(&b.documents) {
                assert_eq!(x.value, y.value);
                assert_eq!(format!("{:?}", x.spans), format!("{:?}", y.spans));
                assert_eq!(x.flattened, y.flattened);
            }
        }
    }
}

/// Where the fast source bails on the corpus (a diagnostic: `cargo test bail_report -- --ignored --nocapture`).
#[test]
#[ignore]
fn bail_report() {
    let mut lines = Vec::new();
    for (_, dir) in corpus_dirs() {
        for (p, text) in texts(&dir) {
            let mut src = fast::FastSource::new(&text);
            loop {
                match src.next_event() {
                    Next::Event(_) => {}
                    Next::Bail => {
                        let at = src.bail_line;
                        let end = text[at..].find('\n').map_or(text.len(), |e| at + e);
                        lines.push((text.len(), p.display().to_string(), text[at..end].to_string()));
                        break;
                    }
                    _ => break,
                }
            }
        }
    }
    lines.sort();
    for (len, p, l) in lines {
        eprintln!("{len:>8} {p}: {l:?}");
    }
}

/// Fast-path coverage of any directory (a diagnostic):
/// `KVET_FAST_DIR=dir cargo test -p kvet-engine --lib fast_coverage -- --ignored --nocapture`.
#[test]
#[ignore]
fn fast_coverage() {
    let dir = std::env::var("KVET_FAST_DIR").expect("set KVET_FAST_DIR to the directory to measure");
    check_dir(&dir, Path::new(&dir));
}
