//! The progress indicator of `kvet check`: drawn on a terminal once the run lasts long enough, never in
//! piped output. `KVET_PROGRESS_DELAY_MS=0` stands in for a long run; `script` (util-linux) provides the terminal.
#![allow(clippy::print_stderr)] // skip reasons and notes go to the test log

use std::path::Path;
use std::process::Command;

fn cases_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cmd")
}

#[test]
fn never_in_piped_output() {
    let out = Command::new(env!("CARGO_BIN_EXE_kvet"))
        .args(["check", "--no-config", "--format", "short", "data/formats"])
        .current_dir(cases_dir())
        .env("KVET_PROGRESS_DELAY_MS", "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("checking") && !stdout.contains("reading"), "{stdout}");
}

/// Runs kvet under `script` so that stdout and stderr are a terminal; `None` when `script` is missing.
fn on_a_terminal(delay_ms: &str, extra: &str) -> Option<String> {
    let kvet = env!("CARGO_BIN_EXE_kvet");
    let command = format!("{kvet} check --no-config --format short {extra} data/formats");
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(cases_dir())
        .env("KVET_PROGRESS_DELAY_MS", delay_ms)
        .env("TERM", "xterm")
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn on_a_terminal_only_after_the_delay_and_not_when_quiet() {
    let Some(mut shown) = on_a_terminal("0", "") else {
        eprintln!("SKIPPED: `script` (util-linux) is not available to provide a terminal");
        return;
    };
    // With no delay the indicator races a 3-file run; a loaded machine may finish first, so try again.
    for _ in 0..4 {
        if shown.contains("checking 3 files") {
            break;
        }
        shown = on_a_terminal("0", "").unwrap_or_default();
    }
    assert!(shown.contains("checking 3 files"), "the indicator was not drawn: {shown:?}");
    assert!(shown.contains("2 errors, 4 warnings"), "{shown:?}");
    // A run shorter than the default delay never draws it, and --quiet never does.
    let short_run = on_a_terminal("60000", "").unwrap();
    assert!(!short_run.contains("checking 3 files"), "{short_run:?}");
    let quiet = on_a_terminal("0", "--quiet").unwrap();
    assert!(!quiet.contains("checking 3 files"), "{quiet:?}");
}
