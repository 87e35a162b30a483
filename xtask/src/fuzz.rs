//! `cargo xtask fuzz [--target NAME] [--seconds N] [--ci]`: runs the cargo-fuzz targets of `fuzz/` (libFuzzer,
//! nightly Rust) for N seconds each (default 60).
//!
//! | target | what it feeds | invariant |
//! |---|---|---|
//! | `load` | the YAML loader | no panic; every span of every node, key and problem is a valid range of the text |
//! | `front_ends` | the fast YAML front end and saphyr | the fast one bails or yields exactly saphyr's events |
//! | `check` | the whole check, human and JSON reports | no panic (not even a contained `internal-error`), valid locations |
//! | `rule_file` | the rule-file compiler | no panic; every error located inside the rule file |
//! | `config` | `.kvet.yaml` parsing and its globs | no panic; every error located inside the file |
//! | `quantity` | Kubernetes quantities | no panic or overflow; string and JSON forms agree |
//! | `select` | JSONPath selection (first line the selector) | no panic; the pruned walk selects what the full walk does |
//!
//! Seeds: the committed `fuzz/seeds/<target>/` plus, per target, the repository's own inputs of that kind —
//! fixtures and `../shared/corpus` for the YAML targets, `rules/` for `rule_file`, the CLI tests' `.kvet.yaml`
//! files for `config` — copied (up to 64 KiB each) into `target/fuzz-seeds/<target>/`.
//!
//! Crashes are written to `fuzz/artifacts/<target>/`; reproduce one with
//! `cargo +nightly fuzz run <target> fuzz/artifacts/<target>/crash-…`. The working corpus (`fuzz/corpus/`) and
//! the artifacts are not committed; a crash's input becomes a regression test or fixture.
//!
//! `--ci` (used by `.ci/run`) installs cargo-fuzz when it is missing, skips with a message — not a failure —
//! when nightly Rust is not installed, and fixes libFuzzer's seed (`-seed=1`), so that CI explores the same
//! inputs on every run and a failure is reproducible.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{display_path, manifest_files, repo_root, shared_dir, target_dir, Args, TaskError, TaskResult};

const TARGETS: &[&str] = &["load", "front_ends", "check", "rule_file", "config", "quantity", "select"];

/// `cargo xtask fuzz`.
pub fn run(mut args: Args) -> TaskResult {
    let targets: Vec<String> = match args.value("--target")? {
        Some(t) if TARGETS.contains(&t.as_str()) => vec![t],
        Some(t) => {
            return Err(TaskError::usage(format!("unknown fuzz target `{t}` (targets: {})", TARGETS.join(", "))))
        }
        None => TARGETS.iter().map(|t| (*t).to_owned()).collect(),
    };
    let seconds = args.number("--seconds")?.unwrap_or(60);
    let ci = args.flag("--ci");
    args.finish()?;
    let nightly = Command::new("cargo").args(["+nightly", "--version"]).output();
    if !nightly.is_ok_and(|o| o.status.success()) {
        if ci {
            println!("fuzz: skipped — nightly Rust is not installed (`rustup toolchain install nightly`)");
            return Ok(true);
        }
        return Err(TaskError::new("needs nightly Rust: `rustup toolchain install nightly`"));
    }
    let fuzz = Command::new("cargo").args(["+nightly", "fuzz", "--version"]).output();
    if !fuzz.is_ok_and(|o| o.status.success()) {
        if !ci {
            return Err(TaskError::new("needs cargo-fuzz: `cargo install cargo-fuzz`"));
        }
        eprintln!("xtask: cargo install cargo-fuzz --locked");
        let status = Command::new("cargo")
            .args(["install", "cargo-fuzz", "--locked"])
            .status()
            .map_err(|e| TaskError::new(format!("cannot run cargo install: {e}")))?;
        if !status.success() {
            return Err(TaskError::new("cargo install cargo-fuzz failed"));
        }
    }
    let mut clean = true;
    for target in &targets {
        let seeds = write_seeds(target)?;
        let corpus = repo_root().join("fuzz").join("corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| TaskError::new(format!("{}: {e}", corpus.display())))?;
        let max_time = format!("-max_total_time={seconds}");
        let cmd = ["+nightly", "fuzz", "run", "--debug-assertions", target.as_str()];
        eprintln!("xtask: cargo {} {} {} -- {max_time}", cmd.join(" "), display_path(&corpus), display_path(&seeds));
        let status = Command::new("cargo")
            .args(cmd)
            .arg(&corpus)
            .arg(&seeds)
            .args(["--", &max_time, "-max_len=65536", "-timeout=20", "-rss_limit_mb=4096", "-print_final_stats=1"])
            // CI explores the same inputs on every run (a fixed seed): a red CI is a reproducible crash.
            .args(ci.then_some("-seed=1"))
            .current_dir(repo_root())
            .status()
            .map_err(|e| TaskError::new(format!("cannot run cargo fuzz: {e}")))?;
        if !status.success() {
            println!("fuzz target {target} failed ({status}): see fuzz/artifacts/{target}/");
            clean = false;
        } else {
            println!("fuzz target {target}: no crash in {seconds} s");
        }
    }
    Ok(clean)
}

/// The seed directory of `target`: its committed seeds and the repository inputs of its kind (files up to
/// 64 KiB, libFuzzer's `-max_len`), under `target/fuzz-seeds/<target>/`, named by content so that repeated
/// runs do not duplicate them.
fn write_seeds(target: &str) -> Result<PathBuf, TaskError> {
    let dir = target_dir().join("fuzz-seeds").join(target);
    std::fs::create_dir_all(&dir).map_err(|e| TaskError::new(format!("{}: {e}", dir.display())))?;
    let root = repo_root();
    let mut files: Vec<PathBuf> = Vec::new();
    let committed = root.join("fuzz").join("seeds").join(target);
    if let Ok(entries) = std::fs::read_dir(&committed) {
        files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
    }
    let mut manifests = |dir: &Path, keep: &dyn Fn(&Path) -> bool| -> Result<(), TaskError> {
        if dir.is_dir() {
            let found = manifest_files(dir).map_err(|e| TaskError::new(format!("{}: {e}", dir.display())))?;
            files.extend(found.into_iter().filter(|p| keep(p)));
        }
        Ok(())
    };
    match target {
        "rule_file" => manifests(&root.join("rules"), &|p| !p.ends_with("areas.yaml"))?,
        "config" => manifests(&root.join("cli").join("tests"), &|p| {
            p.file_name().is_some_and(|n| n.to_string_lossy().ends_with("kvet.yaml"))
        })?,
        "quantity" | "select" => {}
        _ => {
            manifests(&root.join("fixtures"), &|_| true)?;
            manifests(&shared_dir().join("corpus"), &|_| true)?;
        }
    }
    let mut written = 0usize;
    for file in files {
        let Ok(bytes) = std::fs::read(&file) else { continue };
        if bytes.len() > 65536 {
            continue;
        }
        let path = dir.join(format!("{:016x}", fnv1a(&bytes)));
        if !path.exists() {
            std::fs::write(&path, &bytes).map_err(|e| TaskError::new(format!("{}: {e}", path.display())))?;
        }
        written += 1;
    }
    eprintln!("xtask: {written} seed files for {target} in {}", display_path(&dir));
    Ok(dir)
}

/// FNV-1a, a stable content name for a seed file.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}
