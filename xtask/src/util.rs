//! Shared helpers: argument parsing, locating the repository, building and running `kvet`.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

/// An error that ends the task with a message (and exit status 1, or `code`).
#[derive(Debug)]
pub struct TaskError {
    /// What went wrong, for the user.
    pub message: String,
    /// Process exit status to end with.
    pub code: i32,
    /// Whether to print the usage text after the message.
    pub show_usage: bool,
}

impl TaskError {
    /// A failure with exit status 1.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), code: 1, show_usage: false }
    }

    /// A failure that ends the task with exit status `code`.
    pub fn with_code(message: impl Into<String>, code: i32) -> Self {
        Self { message: message.into(), code, show_usage: false }
    }

    /// A usage error (exit status 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self { message: message.into(), code: 2, show_usage: true }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<std::io::Error> for TaskError {
    fn from(error: std::io::Error) -> Self {
        Self::new(error.to_string())
    }
}

/// Result of a task: `Ok(true)` success, `Ok(false)` a check failed (already reported), `Err` an error.
pub type TaskResult = Result<bool, TaskError>;

/// Minimal `--flag` / `--key value` parser over the arguments of one subcommand.
pub struct Args {
    rest: Vec<String>,
}

impl Args {
    /// Wraps the arguments that follow the subcommand name.
    pub fn new(args: Vec<String>) -> Self {
        Self { rest: args }
    }

    /// Removes `name` if present and says whether it was.
    pub fn flag(&mut self, name: &str) -> bool {
        match self.rest.iter().position(|a| a == name) {
            Some(index) => {
                self.rest.remove(index);
                true
            }
            None => false,
        }
    }

    /// Removes every `name VALUE` (or `name=VALUE`) pair and returns the values in order.
    pub fn values(&mut self, name: &str) -> Result<Vec<String>, TaskError> {
        let mut found = Vec::new();
        let prefix = format!("{name}=");
        let mut index = 0;
        while index < self.rest.len() {
            if self.rest[index] == name {
                if index + 1 >= self.rest.len() {
                    return Err(TaskError::usage(format!("{name} needs a value")));
                }
                found.push(self.rest.remove(index + 1));
                self.rest.remove(index);
            } else if let Some(value) = self.rest[index].strip_prefix(&prefix) {
                found.push(value.to_string());
                self.rest.remove(index);
            } else {
                index += 1;
            }
        }
        Ok(found)
    }

    /// Removes `name VALUE` and returns the value; an error if given twice.
    pub fn value(&mut self, name: &str) -> Result<Option<String>, TaskError> {
        let mut values = self.values(name)?;
        match values.len() {
            0 => Ok(None),
            1 => Ok(values.pop()),
            _ => Err(TaskError::usage(format!("{name} given more than once"))),
        }
    }

    /// Like [`Args::value`], parsed as a positive integer.
    pub fn number(&mut self, name: &str) -> Result<Option<usize>, TaskError> {
        match self.value(name)? {
            None => Ok(None),
            Some(text) => match text.replace('_', "").parse::<usize>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(TaskError::usage(format!("{name} expects a positive integer, got `{text}`"))),
            },
        }
    }

    /// Fails on anything not consumed.
    pub fn finish(self) -> Result<(), TaskError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(TaskError::usage(format!("unexpected argument(s): {}", self.rest.join(" "))))
        }
    }
}

/// The repository root (the parent of the xtask package).
pub fn repo_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().map(Path::to_path_buf).unwrap_or_else(|| manifest_dir.to_path_buf())
}

/// The shared folder next to the repository (`../shared`).
pub fn shared_dir() -> PathBuf {
    repo_root().join("..").join("shared")
}

/// The cargo executable that runs us (cargo sets `CARGO`), else `cargo` from PATH.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The cargo target directory: `CARGO_TARGET_DIR` (relative to the working directory), else `target/`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                std::env::current_dir().map(|cwd| cwd.join(&dir)).unwrap_or(dir)
            }
        }
        _ => repo_root().join("target"),
    }
}

/// How `kvet` is built for a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// The `dev` profile `cargo test` has already built: fixtures, docs, corpus (fast in CI).
    Dev,
    /// Optimised: benchmarks.
    Release,
}

/// Builds the `kvet` binary in `profile` and returns its path.
pub fn build_kvet_with(profile: Profile) -> Result<PathBuf, TaskError> {
    let (args, dir): (&[&str], &str) = match profile {
        Profile::Dev => (&["build", "-p", "kvet"], "debug"),
        Profile::Release => (&["build", "--release", "-p", "kvet"], "release"),
    };
    eprintln!("xtask: cargo {}", args.join(" "));
    let status = cargo()
        .args(args)
        .current_dir(repo_root())
        .status()
        .map_err(|e| TaskError::new(format!("cannot run cargo: {e}")))?;
    if !status.success() {
        return Err(TaskError::new(format!("cargo {} failed ({status})", args.join(" "))));
    }
    let binary = target_dir().join(dir).join(format!("kvet{}", std::env::consts::EXE_SUFFIX));
    if !binary.is_file() {
        return Err(TaskError::new(format!("the build succeeded but {} does not exist", binary.display())));
    }
    Ok(binary)
}

/// Builds the `kvet` binary of the dev profile (shared with `cargo test`) and returns its path.
pub fn build_kvet() -> Result<PathBuf, TaskError> {
    build_kvet_with(Profile::Dev)
}

/// Runs `program args…` in the repository root with inherited stdio; returns its status.
pub fn run_inherit<I, S>(program: &Path, args: I) -> Result<ExitStatus, TaskError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(program)
        .args(args)
        .current_dir(repo_root())
        .status()
        .map_err(|e| TaskError::new(format!("cannot run {}: {e}", program.display())))
}

/// Whether a kvet exit status is a normal outcome (0 clean, 1 findings) rather than a failure
/// (2 usage/config/rule-pack error, any other code, or death by a signal).
pub fn kvet_status_ok(status: &ExitStatus) -> bool {
    matches!(status.code(), Some(0) | Some(1))
}

/// Describes how kvet ended, for error messages.
pub fn describe_status(status: &ExitStatus) -> String {
    match status.code() {
        Some(2) => "exit status 2 (usage, config or rule-pack error)".to_string(),
        Some(code) => format!("exit status {code}"),
        None => format!("terminated abnormally ({status})"),
    }
}

/// The path relative to the repository root when it lies inside it (for readable output).
pub fn display_path(path: &Path) -> String {
    let root = repo_root();
    path.strip_prefix(&root).unwrap_or(path).display().to_string()
}

/// Files under `dir` (recursively) whose extension kvet reads (`yaml`, `yml`, `json`), sorted.
pub fn manifest_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current)? {
            let entry = entry?;
            let path = entry.path();
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                stack.push(path);
            } else if file_type.is_file()
                && matches!(path.extension().and_then(OsStr::to_str), Some("yaml" | "yml" | "json"))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Args {
        Args::new(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn parses_flags_values_and_leftovers() {
        let mut a = args(&["--bless", "--corpus", "a", "--corpus=b", "--runs", "3"]);
        assert!(a.flag("--bless"));
        assert!(!a.flag("--check"));
        assert_eq!(a.values("--corpus").unwrap(), vec!["a", "b"]);
        assert_eq!(a.number("--runs").unwrap(), Some(3));
        assert!(a.finish().is_ok());

        let mut a = args(&["--docs", "0"]);
        assert!(a.number("--docs").is_err());
        let mut a = args(&["--docs"]);
        assert!(a.value("--docs").is_err());
        assert!(args(&["--what"]).finish().is_err());
    }
}
