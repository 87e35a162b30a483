//! `cargo xtask fuzz [--target load|check] [--seconds N]`: runs the cargo-fuzz targets of `fuzz/` (libFuzzer,
//! nightly Rust) for N seconds each, seeded with every fixture and every file of `../shared/corpus`.
//!
//! - `load`: the YAML loader on arbitrary bytes; every span of every node, key and problem must be a valid
//!   range of the text.
//! - `check`: the whole check with the embedded rule pack, rendered as human and JSON reports; no panic (not
//!   even one that the engine contains as `internal-error`) and every finding's location valid.
//!
//! Crashes are written to `fuzz/artifacts/<target>/`; reproduce one with
//! `cargo +nightly fuzz run <target> fuzz/artifacts/<target>/crash-…`. The working corpus (`fuzz/corpus/`) and
//! the artifacts are not committed; a crash's input becomes a regression fixture under `fixtures/regressions/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{display_path, manifest_files, repo_root, shared_dir, target_dir, Args, TaskError, TaskResult};

const TARGETS: &[&str] = &["load", "check"];

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
    args.finish()?;
    let available = Command::new("cargo").args(["+nightly", "fuzz", "--version"]).output();
    if !available.is_ok_and(|o| o.status.success()) {
        return Err(TaskError::new(
            "needs nightly Rust and cargo-fuzz: `rustup toolchain install nightly` and `cargo install cargo-fuzz`",
        ));
    }
    let seeds = write_seeds()?;
    let mut clean = true;
    for target in &targets {
        let corpus = repo_root().join("fuzz").join("corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| TaskError::new(format!("{}: {e}", corpus.display())))?;
        let max_time = format!("-max_total_time={seconds}");
        let cmd = ["+nightly", "fuzz", "run", "--debug-assertions", target.as_str()];
        eprintln!("xtask: cargo {} {} {} -- {max_time}", cmd.join(" "), display_path(&corpus), display_path(&seeds));
        let status = Command::new("cargo")
            .args(cmd)
            .arg(&corpus)
            .arg(&seeds)
            .args(["--", &max_time, "-max_len=65536", "-timeout=20", "-rss_limit_mb=4096"])
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

/// Copies the fixtures and `../shared/corpus` (files up to 64 KiB, libFuzzer's `-max_len`) into one seed
/// directory under `target/`, named by content so that repeated runs do not duplicate them.
fn write_seeds() -> Result<PathBuf, TaskError> {
    let dir = target_dir().join("fuzz-seeds");
    std::fs::create_dir_all(&dir).map_err(|e| TaskError::new(format!("{}: {e}", dir.display())))?;
    let mut roots = vec![repo_root().join("fixtures")];
    let corpus = shared_dir().join("corpus");
    if corpus.is_dir() {
        roots.push(corpus);
    }
    let mut written = 0usize;
    for root in &roots {
        let files = manifest_files(root).map_err(|e| TaskError::new(format!("{}: {e}", root.display())))?;
        for file in files {
            let Ok(bytes) = std::fs::read(&file) else { continue };
            if bytes.len() > 65536 {
                continue;
            }
            let name = format!("{:016x}", fnv1a(&bytes));
            let path: &Path = &dir.join(name);
            if !path.exists() {
                std::fs::write(path, &bytes).map_err(|e| TaskError::new(format!("{}: {e}", path.display())))?;
            }
            written += 1;
        }
    }
    eprintln!("xtask: {written} seed files in {}", display_path(&dir));
    Ok(dir)
}

/// FNV-1a, a stable content name for a seed file.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}
