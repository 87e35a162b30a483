//! `cargo xtask yaml-oracle [--mutations N] [--show N]`: differential test of kvet's YAML loader against PyYAML
//! (`yaml.CSafeLoader`, libyaml's parser, YAML 1.1 like kubectl's go-yaml).
//!
//! Every file of `../shared/corpus`, `../shared/corpus-layouts` and `fixtures/`, plus seeded mutations of them,
//! is loaded by `kvet dump` and by `xtask/yaml-oracle/pyyaml_dump.py` (in a venv under `target/`). Wherever
//! PyYAML accepts a file, kvet must load it without `yaml-syntax` and to the same documents; the script
//! normalises the typing differences between the YAML 1.1 spec and go-yaml v2 (listed in its docstring and in
//! docs/yaml.md). Files PyYAML rejects but kvet loads are counted, not failures (kvet is allowed to be more
//! lenient than libyaml, never stricter).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

use crate::prng::SplitMix64;
use crate::util::{
    build_kvet, display_path, manifest_files, repo_root, shared_dir, target_dir, Args, TaskError, TaskResult,
};

/// The PyPI package the oracle runs (libyaml is bundled in its wheels).
const PACKAGE: &str = "PyYAML==6.0.3";
/// Seeded mutations by default.
const MUTATIONS: usize = 3000;
const SEED: u64 = 0x6b76_6574_5941_4d4c;
/// The one difference kept on purpose, recognised by kvet's hint: `&name: value` is an anchor named `name:`
/// in YAML 1.2 (saphyr: then `value` is no key, a syntax error), while libyaml and go-yaml end anchor names at
/// ':' and read an anchored *empty* key, `null: value` — the field is lost either way, so kvet keeps the
/// error (its hint names kubectl's reading) instead of loading a `null` key.
///
/// And `|#comment` / `>#comment`: libyaml accepts a comment right after a block scalar header; YAML requires
/// whitespace before every comment and saphyr reports it. Never seen outside mutations; kept as an error.
///
/// And a multi-line quoted scalar whose continuation line is indented less than the block it is in (YAML
/// requires the indentation; libyaml, and so go-yaml, does not check it). Never seen outside mutations; kept
/// as an error until the loader can recover from it with a warning.
const KNOWN: &[&str] = &[
    "is an anchor named",
    "comments must be separated from other tokens by whitespace",
    "invalid indentation in quoted scalar",
];

/// Whether `text` has an anchor whose name ends with ':' (`&name: value`).
fn has_anchor_with_colon(text: &str) -> bool {
    text.split(['\n', ' ', '\t']).any(|w| w.len() > 2 && w.starts_with('&') && w.ends_with(':'))
}

/// `cargo xtask yaml-oracle`.
pub fn run(mut args: Args) -> TaskResult {
    let mutations = args.number("--mutations")?.unwrap_or(MUTATIONS);
    let show = args.number("--show")?.unwrap_or(5);
    args.finish()?;
    let started = Instant::now();
    let kvet = build_kvet()?;
    let python = venv_python()?;

    let mut files = Vec::new();
    for dir in [shared_dir().join("corpus"), shared_dir().join("corpus-layouts"), repo_root().join("fixtures")] {
        if dir.is_dir() {
            files.extend(manifest_files(&dir)?);
        } else {
            println!("note: {} does not exist; skipped", display_path(&dir));
        }
    }
    let originals = files.len();
    files.extend(write_mutations(&files, mutations)?);

    let timer = Instant::now();
    let kvet_out = kvet_dump(&kvet, &files)?;
    let kvet_secs = timer.elapsed().as_secs_f64();
    let timer = Instant::now();
    let py_out = pyyaml_dump(&python, &files)?;
    let py_secs = timer.elapsed().as_secs_f64();

    let mut tally = Tally::default();
    for (index, (file, (k, p))) in files.iter().zip(kvet_out.iter().zip(&py_out)).enumerate() {
        tally.compare(&display_path(file), index >= originals, k, p);
    }
    println!(
        "yaml-oracle: {} files ({originals} corpus and fixture files, {} mutations), {} documents compared; \
         PyYAML rejected {} files ({} of them loaded by kvet without yaml-syntax); kept on purpose: {} \
         yaml-syntax error(s) of the known differences",
        files.len(),
        files.len() - originals,
        tally.documents,
        tally.rejected,
        tally.lenient,
        tally.known
    );
    for (class, cases) in &tally.mismatches {
        println!("\n{} mismatch(es): {class}", cases.len());
        for case in cases.iter().take(show) {
            println!("  {case}");
        }
    }
    println!("\nkvet dump {kvet_secs:.1}s, PyYAML {py_secs:.1}s, total {:.1}s", started.elapsed().as_secs_f64());
    if tally.mismatches.is_empty() {
        println!("yaml-oracle: kvet agrees with PyYAML wherever PyYAML accepts the input");
        Ok(true)
    } else {
        let n: usize = tally.mismatches.values().map(Vec::len).sum();
        println!("yaml-oracle: {n} file(s) where kvet is stricter than PyYAML or loads a different value");
        Ok(false)
    }
}

#[derive(Default)]
struct Tally {
    documents: usize,
    rejected: usize,
    lenient: usize,
    /// Files PyYAML accepts where kvet keeps its `yaml-syntax` error on purpose ([`KNOWN`]).
    known: usize,
    /// Class → "file: detail".
    mismatches: BTreeMap<String, Vec<String>>,
}

impl Tally {
    fn compare(&mut self, file: &str, mutated: bool, kvet: &Value, py: &Value) {
        let origin = if mutated { "mutation" } else { "corpus/fixture" };
        let syntax = kvet["problems"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["rule"] == "yaml-syntax")
            .map(|p| format!("{}:{}: {}", p["line"], p["column"], p["message"].as_str().unwrap_or_default()));
        if py["ok"] != Value::Bool(true) {
            self.rejected += 1;
            if syntax.is_none() {
                self.lenient += 1;
            }
            return;
        }
        if let Some(syntax) = syntax {
            if KNOWN.iter().any(|k| syntax.contains(k)) {
                self.known += 1;
                return;
            }
            // `&name:` then a newline: the same known difference (YAML 1.2 anchors the next node as `name:`, a
            // sequence where a key belongs is then a syntax error; libyaml reads an anchored null key), in the
            // form where saphyr's error comes before kvet's anchor hint can name it.
            let text = std::fs::read_to_string(repo_root().join(file)).unwrap_or_default();
            if has_anchor_with_colon(&text) {
                self.known += 1;
                return;
            }
            self.add(format!("kvet reports yaml-syntax, PyYAML accepts ({origin})"), format!("{file}:{syntax}"));
            return;
        }
        // kvet returns every non-empty document; PyYAML's empty and explicit-null documents are both None.
        let ours: Vec<&Value> = kvet["documents"].as_array().into_iter().flatten().filter(|d| !d.is_null()).collect();
        let theirs: Vec<&Value> = py["documents"].as_array().into_iter().flatten().collect();
        if ours.len() != theirs.len() {
            self.add(
                format!("different number of documents ({origin})"),
                format!("{file}: kvet {}, PyYAML {}", ours.len(), theirs.len()),
            );
            return;
        }
        self.documents += ours.len();
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            if let Some(at) = difference(a, b, String::new()) {
                // `&name: value` where no error follows: YAML 1.2 anchors `value` as `name:`, libyaml reads an
                // anchored null key — the first of the known differences ([`KNOWN`]), seen in its other form.
                let text = std::fs::read_to_string(repo_root().join(file)).unwrap_or_default();
                if has_anchor_with_colon(&text) {
                    self.known += 1;
                    return;
                }
                self.add(format!("different value ({origin})"), format!("{file}: document {}: {at}", i + 1));
                return;
            }
        }
    }

    fn add(&mut self, class: String, case: String) {
        self.mismatches.entry(class).or_default().push(case);
    }
}

/// Where `a` (kvet) and `b` (PyYAML) first differ, as a JSON pointer with both values; numbers compare by
/// value (PyYAML's `1.0` is kvet's `1.0`, big integers are floats on both sides).
fn difference(a: &Value, b: &Value, at: String) -> Option<String> {
    let differ = || Some(format!("{} kvet {} PyYAML {}", if at.is_empty() { "/" } else { &at }, short(a), short(b)));
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() || x.keys().any(|k| !y.contains_key(k)) {
                return differ();
            }
            x.iter()
                .find_map(|(k, v)| difference(v, &y[k], format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"))))
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return differ();
            }
            x.iter().zip(y).enumerate().find_map(|(i, (v, w))| difference(v, w, format!("{at}/{i}")))
        }
        (Value::Number(x), Value::Number(y)) => {
            let same = match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(p), Some(q), ..) => p == q,
                (.., Some(p), Some(q)) => p == q,
                _ => x.as_f64() == y.as_f64(),
            };
            if same {
                None
            } else {
                differ()
            }
        }
        _ if a == b => None,
        _ => differ(),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// Runs `kvet dump` over `files` (in chunks, to stay far below the argument limit); one JSON line per file.
fn kvet_dump(kvet: &Path, files: &[PathBuf]) -> Result<Vec<Value>, TaskError> {
    let mut out = Vec::with_capacity(files.len());
    for chunk in files.chunks(1000) {
        let output = Command::new(kvet)
            .arg("dump")
            .args(chunk)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| TaskError::new(format!("cannot run {}: {e}", kvet.display())))?;
        if !output.status.success() {
            return Err(TaskError::new(format!("kvet dump failed ({})", output.status)));
        }
        out.extend(json_lines(&output.stdout, "kvet dump")?);
    }
    check_count(out, files.len(), "kvet dump")
}

/// Runs the PyYAML script with the file names on stdin; one JSON line per file.
fn pyyaml_dump(python: &Path, files: &[PathBuf]) -> Result<Vec<Value>, TaskError> {
    let script = repo_root().join("xtask").join("yaml-oracle").join("pyyaml_dump.py");
    let mut child = Command::new(python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| TaskError::new(format!("cannot run {}: {e}", python.display())))?;
    let mut list = String::new();
    for f in files {
        list.push_str(&f.display().to_string());
        list.push('\n');
    }
    let mut stdin = child.stdin.take().ok_or_else(|| TaskError::new("no stdin for the PyYAML script"))?;
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
    let output = child.wait_with_output().map_err(|e| TaskError::new(format!("PyYAML script: {e}")))?;
    writer.join().map_err(|_| TaskError::new("writing the file list panicked"))??;
    if !output.status.success() {
        return Err(TaskError::new(format!("{} failed ({})", display_path(&script), output.status)));
    }
    check_count(json_lines(&output.stdout, "the PyYAML script")?, files.len(), "the PyYAML script")
}

fn json_lines(stdout: &[u8], what: &str) -> Result<Vec<Value>, TaskError> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).map_err(|e| TaskError::new(format!("{what} printed invalid JSON: {e}"))))
        .collect()
}

fn check_count(values: Vec<Value>, expected: usize, what: &str) -> Result<Vec<Value>, TaskError> {
    if values.len() == expected {
        Ok(values)
    } else {
        Err(TaskError::new(format!("{what} printed {} lines for {expected} files", values.len())))
    }
}

/// The virtualenv under `target/` with the pinned PyYAML (installed once; CSafeLoader required).
fn venv_python() -> Result<PathBuf, TaskError> {
    let venv = target_dir().join("pyyaml-venv");
    let python = venv.join("bin").join("python");
    let ready = || {
        Command::new(&python)
            .args([
                "-c",
                "import sys, yaml; sys.exit(0 if yaml.__version__ == sys.argv[1] and yaml.__with_libyaml__ else 1)",
            ])
            .arg(PACKAGE.trim_start_matches("PyYAML=="))
            .status()
            .is_ok_and(|s| s.success())
    };
    if ready() {
        return Ok(python);
    }
    if !python.exists() {
        run_checked(Command::new("python3").args(["-m", "venv"]).arg(&venv), "python3 -m venv")?;
    }
    run_checked(
        Command::new(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", PACKAGE]),
        "pip install",
    )?;
    if !ready() {
        return Err(TaskError::new(format!("{PACKAGE} in {} has no libyaml (CSafeLoader)", display_path(&venv))));
    }
    Ok(python)
}

fn run_checked(command: &mut Command, what: &str) -> Result<(), TaskError> {
    let status = command.status().map_err(|e| TaskError::new(format!("cannot run {what}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(TaskError::new(format!("{what} failed ({status})")))
    }
}

/// Writes `count` seeded mutations of the smaller files to `target/yaml-oracle/` and returns their paths.
fn write_mutations(files: &[PathBuf], count: usize) -> Result<Vec<PathBuf>, TaskError> {
    let dir = target_dir().join("yaml-oracle");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let pool: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .filter(|t| t.len() <= 12_000 && !t.is_empty())
        .collect();
    if pool.is_empty() {
        return Ok(Vec::new());
    }
    let mut rng = SplitMix64::new(SEED);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let text = rng.pick(&pool).clone();
        let mutated =
            if i % 2 == 0 { reflow(&mut rng, &text) } else { None }.unwrap_or_else(|| mutate(&mut rng, &text));
        let path = dir.join(format!("m{i:05}.yaml"));
        std::fs::write(&path, mutated)?;
        out.push(path);
    }
    Ok(out)
}

/// A byte offset ≤ `at` on a character boundary of `s`.
fn boundary(s: &str, mut at: usize) -> usize {
    at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Small edits where the structure is (indicators, line starts, indentation), as engine/src/yaml/tests_fast.rs
/// does for the fast scanner.
fn mutate(rng: &mut SplitMix64, text: &str) -> String {
    const CHARS: &[char] =
        &[' ', ':', '-', '#', '\'', '"', '|', '>', '\n', '\t', '[', ']', '{', '}', '&', '*', '!', ','];
    let mut s = text.to_string();
    for _ in 0..1 + rng.below(3) {
        let mut at = boundary(&s, rng.below(s.len() as u64 + 1) as usize);
        if rng.percent(50) {
            if let Some(nl) = s[..at].rfind('\n') {
                at = boundary(&s, nl + 1 + rng.below(8) as usize);
            }
        }
        match rng.below(5) {
            0 if at < s.len() => {
                let c = s[at..].chars().next().unwrap_or(' ');
                s.replace_range(at..at + c.len_utf8(), "");
            }
            1 => s.insert(at, *rng.pick(CHARS)),
            2 => {
                let mut lines: Vec<&str> = s.split_inclusive('\n').collect();
                if lines.len() > 1 {
                    let i = rng.below(lines.len() as u64 - 1) as usize;
                    lines.swap(i, i + 1);
                }
                s = lines.concat();
            }
            _ => {
                let ls = s[..at].rfind('\n').map_or(0, |i| i + 1);
                if rng.percent(50) {
                    s.insert_str(ls, &" ".repeat(1 + rng.below(2) as usize));
                } else {
                    let n = s[ls..].bytes().take_while(|b| *b == b' ').count().min(1 + rng.below(2) as usize);
                    s.replace_range(ls..ls + n, "");
                }
            }
        }
    }
    s
}

/// Rewrites one block value as a multi-line flow collection, the way hand-written manifests do
/// (`args: [` … `]`): a `key: value` line or a block sequence of scalars becomes `key: [` / items / closer,
/// with the items and the closer at random indentations around the key's column (class 6: kvet must accept
/// what libyaml accepts). `None` when the text has no candidate.
fn reflow(rng: &mut SplitMix64, text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // Candidates: `indent key:` followed by `indent(-)? - scalar` lines, or `indent key: value` (one scalar).
    let mut candidates = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start().len();
        let rest = &body[indent..];
        if rest.starts_with('#') || rest.starts_with("- ") && rest[2..].contains(": ") {
            continue;
        }
        if let Some(key) = rest.strip_suffix(':').filter(|k| !k.contains([' ', '"', '\'', '#', '{', '['])) {
            let items: Vec<&str> = lines[i + 1..]
                .iter()
                .map(|l| l.trim_end_matches(['\n', '\r']))
                .take_while(|l| {
                    let t = l.trim_start();
                    let ind = l.len() - t.len();
                    ind >= indent
                        && ind <= indent + 2
                        && t.starts_with("- ")
                        && !t[2..].contains([':', '#', '[', '{', '&', '*', '!', '|', '>'])
                })
                .collect();
            if !items.is_empty() {
                candidates.push((
                    i,
                    indent,
                    key.to_string(),
                    items.iter().map(|l| l.trim_start()[2..].trim().to_string()).collect::<Vec<_>>(),
                    items.len(),
                ));
            }
        }
    }
    let &(i, indent, ref key, ref items, count) = candidates.get(rng.below(candidates.len().max(1) as u64) as usize)?;
    let map = rng.percent(30);
    let (open, close) = if map { ('{', '}') } else { ('[', ']') };
    let item_indent = (indent as u64 + rng.range(0, 4)).saturating_sub(2) as usize;
    let close_indent = (indent as u64 + rng.range(0, 3)).saturating_sub(1) as usize;
    let mut out: String = lines[..i].concat();
    out.push_str(&format!("{}{key}: {open}\n", " ".repeat(indent)));
    for (n, item) in items.iter().enumerate() {
        let item = if map { format!("k{n}: {item}") } else { item.clone() };
        let comma = if n + 1 < items.len() || rng.percent(30) { "," } else { "" };
        let comment = if rng.percent(15) { " # note" } else { "" };
        out.push_str(&format!("{}{item}{comma}{comment}\n", " ".repeat(item_indent)));
    }
    out.push_str(&format!("{}{close}\n", " ".repeat(close_indent)));
    out.push_str(&lines[i + 1 + count..].concat());
    Some(out)
}
