//! `cargo xtask fixtures`: the built-in pack over `fixtures/`, with the rule coverage table.

use crate::util::{build_kvet, describe_status, run_inherit, Args, TaskError, TaskResult};

/// Builds kvet and runs `kvet test fixtures --coverage`; fails with kvet's exit status.
pub fn run(args: Args) -> TaskResult {
    args.finish()?;
    let kvet = build_kvet()?;
    let status = run_inherit(&kvet, ["test", "fixtures", "--coverage"])?;
    if status.success() {
        return Ok(true);
    }
    Err(TaskError::with_code(
        format!("kvet test fixtures --coverage: {}", describe_status(&status)),
        status.code().filter(|c| (1..=255).contains(c)).unwrap_or(1),
    ))
}
