//! The declarative fixture harness behind `kvet test` and `cargo xtask fixtures` (docs/testing-rules.md).
//!
//! A fixture is a manifest whose `# expect: id[, id…]` comments name the findings expected on that
//! line. The whole pack runs on every fixture, and the expected and actual `(file, line, rule)`
//! multisets must be equal. Optional `.out` snapshots hold the rendered human output.
//!
//! - [`discover_fixtures`] finds fixtures under a directory;
//! - [`run_fixtures`] runs them in parallel and collects per-rule coverage;
//! - [`render_summary`] and [`coverage_table`] render the results.

pub mod compare;
pub mod expect;
pub mod snapshot;

pub use compare::{compare, Actual, Diff, Expected};
pub use expect::{parse_expectations, parse_sidecar};
pub use snapshot::{check_snapshot, unified_diff, unresolved_lines, SnapshotOutcome};

use crate::report::{self, Format, RenderOptions};
use crate::source::{SourceFile, SourceMap};
use crate::{Config, Pack};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

/// Name of the (empty) marker file that makes a directory one multi-file fixture.
pub const FIXTURE_MARKER: &str = ".fixture";
/// Snapshot file name of a multi-file fixture (inside its directory).
pub const FOLDER_SNAPSHOT: &str = "fixture.out";
/// Fixture folder exempt from the "folder name is a rule id" check.
pub const REGRESSIONS: &str = "regressions";

/// How to run the fixtures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HarnessOptions {
    /// Write `.out` snapshots instead of failing on a difference, and create the missing `.out` of
    /// every fixture whose name starts with `fail`.
    pub bless: bool,
    /// Width of the rendered human output in snapshots.
    pub width: usize,
}

impl Default for HarnessOptions {
    fn default() -> Self {
        HarnessOptions { bless: false, width: 100 }
    }
}

/// One fixture: a single manifest file, or a directory marked with `.fixture` whose manifests are
/// checked together.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fixture {
    /// Display path relative to the fixtures root, with `/` separators; a directory fixture ends
    /// with `/`.
    pub name: String,
    /// The fixture file, or the fixture directory.
    pub path: PathBuf,
    /// The manifests to load (sorted), with the source name each gets: its path relative to the
    /// fixture's parent directory (`fail.yaml`, `binding/pv.yaml`). Names do not depend on where the
    /// fixtures root is, so snapshots are stable.
    pub files: Vec<(String, PathBuf)>,
    /// True for a directory fixture.
    pub is_dir: bool,
    /// The directory names between the fixtures root and the fixture's files (for a directory
    /// fixture, including its own name): `["storage", "pv-reclaim-recycle"]`.
    pub folders: Vec<String>,
}

impl Fixture {
    /// The snapshot path: `<stem>.out` next to a file fixture, `fixture.out` inside a directory
    /// fixture.
    pub fn snapshot_path(&self) -> PathBuf {
        if self.is_dir {
            self.path.join(FOLDER_SNAPSHOT)
        } else {
            self.path.with_extension("out")
        }
    }

    /// The file (or directory) name, e.g. `fail-case.yaml` or `binding`.
    pub fn file_name(&self) -> String {
        self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    }

    /// Whether the fixture is a `fail*` fixture, whose snapshot `--bless` creates when missing.
    pub fn is_fail(&self) -> bool {
        self.file_name().starts_with("fail")
    }
}

/// The result of one fixture (or of a layout check such as an unknown rule-id folder).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixtureResult {
    /// Display path of the fixture.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// Why it failed (missing/unexpected findings, snapshot diff); empty when it passed.
    pub details: String,
    /// The snapshot `--bless` wrote, if any.
    pub blessed: Option<PathBuf>,
}

/// Whether each rule of the pack is proven by the fixtures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleCoverage {
    /// Rule id.
    pub rule: String,
    /// Some fixture expects the rule and it fired there.
    pub fires: bool,
    /// Some fixture dedicated to the rule — under a folder named after the rule id, or a file named
    /// `pass-<rule-id>…` — neither expects nor gets it.
    pub quiet: bool,
}

/// The results of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HarnessRun {
    /// Per fixture, sorted by name (layout problems are included as failed results).
    pub results: Vec<FixtureResult>,
    /// Per enabled rule of the pack, sorted by rule id.
    pub coverage: Vec<RuleCoverage>,
}

impl HarnessRun {
    /// Number of passed results.
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed).count()
    }
    /// Number of failed results.
    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }
    /// True when every result passed.
    pub fn ok(&self) -> bool {
        self.results.iter().all(|r| r.passed)
    }
}

fn is_manifest(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json"))
}

fn is_hidden(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// Entries of `dir` sorted by name (unreadable directories are empty).
fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir).map(|rd| rd.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    v.sort();
    v
}

fn rel_name(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
}

/// Manifests anywhere below `dir`, sorted (hidden entries skipped).
fn manifests_below(dir: &Path, out: &mut Vec<PathBuf>) {
    for p in sorted_entries(dir) {
        if is_hidden(&p) {
            continue;
        }
        if p.is_dir() {
            manifests_below(&p, out);
        } else if is_manifest(&p) {
            out.push(p);
        }
    }
}

fn dir_fixture(root: &Path, dir: &Path) -> Fixture {
    let parent = dir.parent().unwrap_or(dir);
    let mut files = Vec::new();
    manifests_below(dir, &mut files);
    let rel = rel_name(root, dir);
    let mut folders: Vec<String> = rel.split('/').map(str::to_string).collect();
    if rel.is_empty() {
        // The root itself is the fixture.
        folders = vec![dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()];
    }
    Fixture {
        name: if rel.is_empty() { format!("{}/", folders[0]) } else { format!("{rel}/") },
        path: dir.to_path_buf(),
        files: files.into_iter().map(|f| (rel_name(parent, &f), f)).collect(),
        is_dir: true,
        folders,
    }
}

fn file_fixture(root: &Path, file: &Path) -> Fixture {
    let name = if file == root {
        file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    } else {
        rel_name(root, file)
    };
    let mut folders: Vec<String> = name.split('/').map(str::to_string).collect();
    folders.pop();
    let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Fixture { name, path: file.to_path_buf(), files: vec![(file_name, file.to_path_buf())], is_dir: false, folders }
}

/// Finds the fixtures under `dir`: every `*.yaml`, `*.yml` and `*.json` file, except that a
/// directory containing a `.fixture` marker file is one multi-file fixture. Hidden entries, `.out`
/// and `.expect` files are skipped. `dir` may also be a single fixture file. Sorted by name.
pub fn discover_fixtures(dir: &Path) -> Vec<Fixture> {
    let mut out = Vec::new();
    if dir.is_file() {
        if is_manifest(dir) {
            out.push(file_fixture(dir, dir));
        }
        return out;
    }
    if dir.join(FIXTURE_MARKER).is_file() {
        out.push(dir_fixture(dir, dir));
        return out;
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<Fixture>) {
    for p in sorted_entries(dir) {
        if is_hidden(&p) {
            continue;
        }
        if p.is_dir() {
            if p.join(FIXTURE_MARKER).is_file() {
                out.push(dir_fixture(root, &p));
            } else {
                walk(root, &p, out);
            }
        } else if is_manifest(&p) {
            out.push(file_fixture(root, &p));
        }
    }
}

/// The expectations of one fixture file: its `# expect:` comments plus its sidecar, if any
/// (`<stem>.expect` next to it, or `<file name>.expect`).
fn file_expectations(path: &Path, text: &str) -> Result<Vec<(u32, String)>, String> {
    let mut exp = parse_expectations(text);
    let stem_sidecar = path.with_extension("expect");
    let full_sidecar = {
        let mut s = path.as_os_str().to_owned();
        s.push(".expect");
        PathBuf::from(s)
    };
    for sidecar in [stem_sidecar, full_sidecar] {
        if sidecar.is_file() {
            let t = fs::read_to_string(&sidecar).map_err(|e| format!("cannot read {}: {e}", sidecar.display()))?;
            let more = parse_sidecar(&t).map_err(|e| format!("{}: {e}", sidecar.display()))?;
            exp.extend(more);
            break;
        }
    }
    Ok(exp)
}

/// Everything a fixture run yields: its result and what coverage needs.
struct Outcome {
    result: FixtureResult,
    /// Rules that fired.
    fired: BTreeSet<String>,
    /// Rules expected.
    expected: BTreeSet<String>,
    /// Rules expected and fired (at least once at an expected place).
    matched: BTreeSet<String>,
    folders: Vec<String>,
    file_stem: String,
    /// False when the fixture could not be run at all.
    ran: bool,
}

/// Runs one fixture: loads its files, runs the pack, compares expected and actual findings and
/// its snapshot.
pub fn run_fixture(fixture: &Fixture, pack: &Pack, config: &Config, opts: &HarnessOptions) -> FixtureResult {
    run_one(fixture, pack, config, opts, &BTreeSet::new()).result
}

fn run_one(
    fixture: &Fixture,
    pack: &Pack,
    config: &Config,
    opts: &HarnessOptions,
    known: &BTreeSet<String>,
) -> Outcome {
    let mut outcome = Outcome {
        result: FixtureResult { name: fixture.name.clone(), passed: false, details: String::new(), blessed: None },
        fired: BTreeSet::new(),
        expected: BTreeSet::new(),
        matched: BTreeSet::new(),
        folders: fixture.folders.clone(),
        file_stem: fixture.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
        ran: false,
    };
    let mut problems = String::new();
    let mut sources = SourceMap::default();
    let mut expected = Vec::new();
    let mut settings = config.clone(); // `# kvet-test:` directives (target version, --strict) change a copy
                                       // The rule a fixture folder is named after runs in its fixtures whatever its profile, so that a quiet
                                       // fixture of a rule outside the default profile tests the rule, not the selection.
    settings.also_enabled.extend(fixture.folders.iter().filter(|f| pack.get(f).is_some()).cloned());
    if fixture.files.is_empty() {
        problems.push_str("the fixture directory contains no manifest (*.yaml, *.yml, *.json)\n");
    }
    for (name, path) in &fixture.files {
        // A fixture of an unreadable input (a dangling symlink): checked as `kvet check` would see it, with
        // its expectations in a sidecar.
        if let Some(problem) = crate::discover::unreadable(path) {
            match file_expectations(path, "") {
                Ok(exp) => {
                    expected.extend(exp.into_iter().map(|(line, rule)| Expected { file: name.clone(), line, rule }))
                }
                Err(e) => {
                    let _ = writeln!(problems, "{e}");
                }
            }
            let mut file = SourceFile::new(name.clone(), "");
            file.read_error = Some(problem);
            sources.add(file);
            continue;
        }
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                let _ = writeln!(problems, "cannot read {}: {e}", path.display());
                continue;
            }
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        match file_expectations(path, &text) {
            Ok(exp) => expected.extend(exp.into_iter().map(|(line, rule)| Expected {
                file: name.clone(),
                line,
                rule: pack.canonical(&rule).unwrap_or(&rule).to_string(),
            })),
            Err(e) => {
                let _ = writeln!(problems, "{e}");
            }
        }
        if let Err(e) = expect::apply_settings(&text, &mut settings, path) {
            let _ = writeln!(problems, "{name}: {e}");
        }
        // Read as `kvet check` reads a file (UTF-16, binary and invalid UTF-8 are reported the same way).
        let mut file = SourceFile::from_bytes(name.clone(), bytes);
        file.disk_path = Some(path.clone());
        sources.add(file);
    }
    if !problems.is_empty() {
        outcome.result.details = problems;
        return outcome;
    }

    let report = crate::check(sources, pack, &settings);
    outcome.ran = true;
    let actual: Vec<Actual> = report
        .findings
        .iter()
        .map(|f| {
            let file = report.sources.get(f.file);
            Actual {
                file: file.name.clone(),
                line: file.position(f.span.start).line,
                rule: f.rule.clone(),
                message: f.message.clone(),
            }
        })
        .collect();
    let diff = compare(&expected, &actual);
    outcome.fired = actual.iter().map(|a| a.rule.clone()).collect();
    outcome.expected = expected.iter().map(|e| e.rule.clone()).collect();
    let missing: BTreeSet<(&str, u32, &str)> =
        diff.missing.iter().map(|m| (m.file.as_str(), m.line, m.rule.as_str())).collect();
    outcome.matched = expected
        .iter()
        .filter(|e| !missing.contains(&(e.file.as_str(), e.line, e.rule.as_str())))
        .map(|e| e.rule.clone())
        .collect();

    let mut details = String::new();
    for m in &diff.missing {
        let unknown = if !known.is_empty() && !known.contains(&m.rule) { " (not a rule of the pack)" } else { "" };
        let _ = writeln!(details, "missing: {}:{} {}{unknown}", m.file, m.line, m.rule);
    }
    for u in &diff.unexpected {
        let _ = writeln!(details, "unexpected: {}:{} {} ({})", u.file, u.line, u.rule, u.message);
    }

    let snapshot_path = fixture.snapshot_path();
    let rendered =
        report::render(&report, Format::Human, &RenderOptions { color: false, width: opts.width, context_lines: 1 });
    // A message, help or label that shows a variable without a value fails the fixture, and is not blessed.
    let unresolved = unresolved_lines(&rendered);
    for line in &unresolved {
        let _ = writeln!(details, "output shows a template variable without a value: {line}");
    }
    // Never bless the output of a fixture whose findings are wrong.
    let bless = opts.bless && diff.is_empty() && unresolved.is_empty();
    match check_snapshot(&snapshot_path, &rendered, bless, fixture.is_fail()) {
        Ok(SnapshotOutcome::Absent | SnapshotOutcome::Matched) => {}
        Ok(SnapshotOutcome::Written) => outcome.result.blessed = Some(snapshot_path),
        Ok(SnapshotOutcome::Mismatch(d)) => {
            let _ = writeln!(
                details,
                "snapshot {} differs{}:",
                file_name(&snapshot_path),
                if opts.bless {
                    " (not blessed: the expected findings do not match)"
                } else {
                    " (run with --bless to accept the new output)"
                }
            );
            details.push_str(&d);
        }
        Err(e) => {
            let _ = writeln!(details, "{e}");
        }
    }
    outcome.result.passed = details.is_empty();
    outcome.result.details = details;
    outcome
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Directories `<area>/<name>/` under `root` whose name is not a rule id of the pack. Exempt:
/// `regressions` (as area or name) and directories that are themselves fixtures (`.fixture`).
/// Skipped when the pack has no rules.
fn folder_problems(root: &Path, known: &BTreeSet<String>) -> Vec<FixtureResult> {
    let mut out = Vec::new();
    if known.is_empty() || !root.is_dir() || root.join(FIXTURE_MARKER).is_file() {
        return out;
    }
    for area in sorted_entries(root) {
        if !area.is_dir() || is_hidden(&area) || area.join(FIXTURE_MARKER).is_file() {
            continue;
        }
        let area_name = file_name(&area);
        if area_name == REGRESSIONS {
            continue;
        }
        for d in sorted_entries(&area) {
            if !d.is_dir() || is_hidden(&d) || d.join(FIXTURE_MARKER).is_file() {
                continue;
            }
            let name = file_name(&d);
            if name == REGRESSIONS || known.contains(&name) {
                continue;
            }
            out.push(FixtureResult {
                name: format!("{area_name}/{name}/"),
                passed: false,
                details: format!(
                    "unknown rule id folder: `{name}` is not a rule of the pack (fixture folders are \
                     named <area>/<rule-id>/; use {REGRESSIONS}/ for other cases)\n"
                ),
                blessed: None,
            });
        }
    }
    out
}

/// Runs every fixture under `dir` (in parallel) with `pack` and `config`; results are sorted by
/// name and include layout problems (folders not named after a rule id). Coverage lists every
/// enabled rule of the pack.
pub fn run_fixtures(dir: &Path, pack: &Pack, config: &Config, opts: &HarnessOptions) -> HarnessRun {
    let fixtures = discover_fixtures(dir);
    let rule_ids = pack.rule_ids();
    let known: BTreeSet<String> = rule_ids.iter().cloned().collect();
    let outcomes: Vec<Outcome> = fixtures.par_iter().map(|f| run_one(f, pack, config, opts, &known)).collect();
    // Disabled rules (config) never fire, so they are left out of the coverage.
    // Opt-in rules count too: their fixtures turn them on (`# kvet-test: enable=ID`).
    let enabled: Vec<String> =
        pack.rules().iter().filter(|r| r.configured != Some(false)).map(|r| r.id.clone()).collect();
    let coverage = coverage_of(&enabled, &outcomes);
    let mut results: Vec<FixtureResult> = outcomes.into_iter().map(|o| o.result).collect();
    results.extend(folder_problems(dir, &known));
    results.sort_by(|a, b| a.name.cmp(&b.name));
    HarnessRun { results, coverage }
}

fn coverage_of(rule_ids: &[String], outcomes: &[Outcome]) -> Vec<RuleCoverage> {
    let mut ids = rule_ids.to_vec();
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .map(|rule| {
            let fires = outcomes.iter().any(|o| o.matched.contains(&rule));
            let pass_prefix = format!("pass-{rule}");
            let quiet = outcomes.iter().any(|o| {
                let dedicated = o.folders.contains(&rule)
                    || (o.file_stem == pass_prefix
                        || o.file_stem.starts_with(&format!("{pass_prefix}-"))
                        || o.file_stem.starts_with(&format!("{pass_prefix}.")));
                dedicated && o.ran && !o.fired.contains(&rule) && !o.expected.contains(&rule)
            });
            RuleCoverage { rule, fires, quiet }
        })
        .collect()
}

/// `PASS name` / `FAIL name` per result (failures followed by their details, indented), then the
/// closing line `N passed, N failed`. Ends with a newline.
pub fn render_summary(run: &HarnessRun) -> String {
    let mut out = String::new();
    for r in &run.results {
        if r.passed {
            let _ = write!(out, "PASS {}", r.name);
            if let Some(p) = &r.blessed {
                let _ = write!(out, " (wrote {})", file_name(p));
            }
            out.push('\n');
        } else {
            let _ = writeln!(out, "FAIL {}", r.name);
            for line in r.details.lines() {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    let _ = writeln!(out, "    {line}");
                }
            }
        }
    }
    let _ = writeln!(out, "{} passed, {} failed", run.passed(), run.failed());
    out
}

/// A table of every rule with `yes`/`NO` for "has a fixture where it fires" and "has a fixture
/// where it stays quiet", then a closing count line. Ends with a newline.
pub fn coverage_table(run: &HarnessRun) -> String {
    let width = run.coverage.iter().map(|c| c.rule.len()).max().unwrap_or(0).max("rule".len());
    let yes = |b: bool| if b { "yes" } else { "NO" };
    let mut out = format!("{:width$}  fires  quiet\n", "rule");
    for c in &run.coverage {
        let _ = writeln!(out, "{:width$}  {:5}  {}", c.rule, yes(c.fires), yes(c.quiet));
    }
    let no_fire = run.coverage.iter().filter(|c| !c.fires).count();
    let no_quiet = run.coverage.iter().filter(|c| !c.quiet).count();
    let _ = writeln!(
        out,
        "{} rules: {no_fire} without a fixture where it fires, {no_quiet} without one where it stays quiet",
        run.coverage.len()
    );
    out
}

/// True when every rule has a fixture where it fires and one where it stays quiet.
pub fn coverage_ok(run: &HarnessRun) -> bool {
    run.coverage.iter().all(|c| c.fires && c.quiet)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TempDir(PathBuf);
    impl TempDir {
        fn new(tag: &str) -> Self {
            let p = std::env::temp_dir().join(format!(
                "kvet-harness-{tag}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
        fn write(&self, rel: &str, text: &str) {
            let p = self.0.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn discovery() {
        let t = TempDir::new("discover");
        t.write("storage/pv-a/fail.yaml", "a: 1\n");
        t.write("storage/pv-a/fail.out", "x\n");
        t.write("storage/pv-a/pass.yml", "a: 1\n");
        t.write("storage/pv-a/fail-json.json", "{}\n");
        t.write("storage/pv-a/fail-json.expect", "1: pv-a\n");
        t.write("storage/pv-a/binding/.fixture", "");
        t.write("storage/pv-a/binding/pv.yaml", "a: 1\n");
        t.write("storage/pv-a/binding/sub/pvc.yaml", "a: 1\n");
        t.write("storage/pv-a/binding/notes.txt", "x\n");
        t.write(".hidden/x.yaml", "a: 1\n");
        t.write("README.md", "x\n");
        let found = discover_fixtures(&t.0);
        let names: Vec<&str> = found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["storage/pv-a/binding/", "storage/pv-a/fail-json.json", "storage/pv-a/fail.yaml", "storage/pv-a/pass.yml"]
        );
        let binding = &found[0];
        assert!(binding.is_dir);
        assert_eq!(
            binding.files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["binding/pv.yaml", "binding/sub/pvc.yaml"]
        );
        assert_eq!(binding.folders, ["storage", "pv-a", "binding"]);
        assert_eq!(binding.snapshot_path(), t.0.join("storage/pv-a/binding/fixture.out"));
        let fail = &found[2];
        assert_eq!(fail.files[0].0, "fail.yaml");
        assert_eq!(fail.folders, ["storage", "pv-a"]);
        assert_eq!(fail.snapshot_path(), t.0.join("storage/pv-a/fail.out"));
        assert!(fail.is_fail() && !found[3].is_fail());

        // A single file, and a fixture directory given directly.
        let one = discover_fixtures(&t.0.join("storage/pv-a/fail.yaml"));
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].name, "fail.yaml");
        let dir = discover_fixtures(&t.0.join("storage/pv-a/binding"));
        assert_eq!(dir.len(), 1);
        assert_eq!(dir[0].name, "binding/");
        assert!(discover_fixtures(&t.0.join("nope")).is_empty());
    }

    #[test]
    fn sidecars() {
        let t = TempDir::new("sidecar");
        t.write("a.json", "{}\n");
        t.write("a.expect", "1: x\n");
        t.write("b.json", "{}\n");
        t.write("b.json.expect", "1: y\n");
        t.write("c.yaml", "k: v # expect: z\n");
        t.write("c.expect", "1: w\n");
        t.write("d.yaml", "k: v\n");
        t.write("d.expect", "oops\n");
        let exp = |f: &str| {
            let p = t.0.join(f);
            file_expectations(&p, &fs::read_to_string(&p).unwrap())
        };
        assert_eq!(exp("a.json").unwrap(), vec![(1, "x".to_string())]);
        assert_eq!(exp("b.json").unwrap(), vec![(1, "y".to_string())]);
        assert_eq!(exp("c.yaml").unwrap(), vec![(1, "z".to_string()), (1, "w".to_string())]);
        assert!(exp("d.yaml").unwrap_err().contains("d.expect: line 1"));
    }

    /// With the current engine the pack may be empty and find nothing; the harness must still run:
    /// fixtures without expectations pass, fixtures with expectations fail with `missing:` lines,
    /// and `--bless` creates the snapshot of `fail*` fixtures only when their findings match.
    #[test]
    fn run_and_summary() {
        let t = TempDir::new("run");
        t.write("area/rule-a/pass.yaml", "apiVersion: v1\nkind: ConfigMap\n");
        t.write("area/rule-a/fail.yaml", "apiVersion: v1\nkind: ConfigMap # expect: rule-a\n");
        let pack = Pack::default();
        let config = Config::default();
        let opts = HarnessOptions { bless: true, width: 80 };
        let run = run_fixtures(&t.0, &pack, &config, &opts);
        let names: Vec<&str> = run.results.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["area/rule-a/fail.yaml", "area/rule-a/pass.yaml"]);
        let summary = render_summary(&run);
        assert!(summary.ends_with("1 passed, 1 failed\n"), "{summary}");
        assert!(summary.contains("FAIL area/rule-a/fail.yaml\n    missing: fail.yaml:2 rule-a\n"), "{summary}");
        assert!(summary.contains("PASS area/rule-a/pass.yaml\n"), "{summary}");
        assert!(!t.0.join("area/rule-a/fail.out").exists());
        assert!(!t.0.join("area/rule-a/pass.out").exists());

        // A passing fail* fixture gets its snapshot with --bless, and then matches it.
        t.write("area/rule-a/fail.yaml", "apiVersion: v1\nkind: ConfigMap\n");
        let run = run_fixtures(&t.0, &pack, &config, &opts);
        assert!(run.ok(), "{}", render_summary(&run));
        let out = fs::read_to_string(t.0.join("area/rule-a/fail.out")).unwrap();
        assert!(out.starts_with("no problems found in 1 file"), "{out}");
        assert!(render_summary(&run).contains("PASS area/rule-a/fail.yaml (wrote fail.out)\n"));
        let plain = HarnessOptions { bless: false, width: 80 };
        let run = run_fixtures(&t.0, &pack, &config, &plain);
        assert!(run.ok());
        assert!(run.results.iter().all(|r| r.blessed.is_none()));

        // A stale snapshot fails with a diff.
        t.write("area/rule-a/fail.out", "something else\n");
        let run = run_fixtures(&t.0, &pack, &config, &plain);
        let s = render_summary(&run);
        assert!(s.contains("FAIL area/rule-a/fail.yaml\n    snapshot fail.out differs"), "{s}");
        assert!(s.contains("    -something else\n"), "{s}");
        assert!(s.ends_with("1 passed, 1 failed\n"));
    }

    #[test]
    fn folder_check() {
        let t = TempDir::new("folders");
        t.write("area/known/pass.yaml", "a: 1\n");
        t.write("area/unknown/pass.yaml", "a: 1\n");
        t.write("area/multi/.fixture", "");
        t.write("area/regressions/x.yaml", "a: 1\n");
        t.write("regressions/issue-1/x.yaml", "a: 1\n");
        let known: BTreeSet<String> = ["known".to_string()].into();
        let problems = folder_problems(&t.0, &known);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].name, "area/unknown/");
        assert!(problems[0].details.starts_with("unknown rule id folder"));
        assert!(folder_problems(&t.0, &BTreeSet::new()).is_empty());
    }

    fn outcome(folders: &[&str], stem: &str, fired: &[&str], expected: &[&str], matched: &[&str]) -> Outcome {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Outcome {
            result: FixtureResult { name: String::new(), passed: true, details: String::new(), blessed: None },
            fired: set(fired),
            expected: set(expected),
            matched: set(matched),
            folders: folders.iter().map(|s| s.to_string()).collect(),
            file_stem: stem.into(),
            ran: true,
        }
    }

    #[test]
    fn coverage() {
        let ids: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let outcomes = vec![
            // a: fires in its fail fixture, quiet in its pass fixture.
            outcome(&["x", "a"], "fail", &["a"], &["a"], &["a"]),
            outcome(&["x", "a"], "pass", &["c"], &["c"], &["c"]),
            // b: fires somewhere, but its only dedicated fixture also fires it.
            outcome(&["x", "b"], "fail", &["b"], &["b"], &["b"]),
            // c: expected but fired elsewhere (not matched) in a flat layout, quiet in pass-c.yaml.
            outcome(&[], "pass-c", &[], &[], &[]),
            // d: fired without being expected: not coverage.
            outcome(&["x"], "other", &["d"], &[], &[]),
        ];
        let cov = coverage_of(&ids, &outcomes);
        let row = |r: &str| cov.iter().find(|c| c.rule == r).unwrap().clone();
        assert_eq!((row("a").fires, row("a").quiet), (true, true));
        assert_eq!((row("b").fires, row("b").quiet), (true, false));
        assert_eq!((row("c").fires, row("c").quiet), (true, true));
        assert_eq!((row("d").fires, row("d").quiet), (false, false));
        let run = HarnessRun { results: vec![], coverage: cov };
        assert!(!coverage_ok(&run));
        assert_eq!(
            coverage_table(&run),
            "\
rule  fires  quiet
a     yes    yes
b     yes    NO
c     yes    yes
d     NO     NO
4 rules: 1 without a fixture where it fires, 2 without one where it stays quiet
"
        );
    }
}
