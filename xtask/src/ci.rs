//! `cargo xtask ci`: exactly the checks CI runs, in order, stopping at the first failure.

use crate::util::{cargo, repo_root, Args, TaskError, TaskResult};
use crate::{corpus, kustomize, precision, yaml_oracle};
use crate::{docs, fixtures, fuzz};

/// Runs `cargo ARGS…` in the repository root.
fn cargo_step(args: &[&str]) -> TaskResult {
    let status = cargo()
        .args(args)
        .current_dir(repo_root())
        .status()
        .map_err(|e| TaskError::new(format!("cannot run cargo: {e}")))?;
    Ok(status.success())
}

/// `cargo xtask ci`.
pub fn run(args: Args) -> TaskResult {
    args.finish()?;
    type Step = (&'static str, fn() -> TaskResult);
    let steps: [Step; 11] = [
        ("cargo fmt --all -- --check", || cargo_step(&["fmt", "--all", "--", "--check"])),
        ("cargo clippy --workspace --all-targets -- -D warnings", || {
            cargo_step(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])
        }),
        ("cargo test --workspace", || cargo_step(&["test", "--workspace"])),
        ("pre-commit hook end to end", || {
            cargo_step(&["test", "-p", "kvet", "--test", "precommit", "--", "--ignored"])
        }),
        ("cargo xtask fixtures", || fixtures::run(Args::new(Vec::new()))),
        ("cargo xtask docs --check", || docs::run(Args::new(vec!["--check".to_string()]))),
        ("cargo xtask corpus", || corpus::run(Args::new(Vec::new()))),
        ("cargo xtask precision", || precision::run(Args::new(Vec::new()))),
        ("cargo xtask yaml-oracle", || yaml_oracle::run(Args::new(Vec::new()))),
        ("cargo xtask kustomize", || kustomize::run(Args::new(Vec::new()))),
        ("cargo xtask fuzz --ci --seconds 60", || {
            fuzz::run(Args::new(["--ci", "--seconds", "60"].map(String::from).to_vec()))
        }),
    ];
    for (index, (name, step)) in steps.iter().enumerate() {
        println!("==> [{}/{}] {name}", index + 1, steps.len());
        match step() {
            Ok(true) => {}
            Ok(false) => {
                eprintln!("xtask ci: `{name}` failed");
                return Ok(false);
            }
            Err(error) => return Err(TaskError { message: format!("`{name}` failed: {}", error.message), ..error }),
        }
    }
    println!("==> all {} CI steps passed", steps.len());
    Ok(true)
}
