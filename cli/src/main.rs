//! The `kvet` binary: parses arguments, wires the engine together and decides what is printed where.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod check;
mod dump;
mod progress;
mod rules;

use args::{Cli, Command, PackArgs};
use clap::Parser;
use kvet_engine::config::{self, Config};
use kvet_engine::pack::Pack;
use kvet_engine::report::{self, Format, RenderOptions};
use kvet_engine::Report;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A panic inside the engine is contained to one file or object and reported as an `internal-error`
    // finding; the default hook's message stays on stderr for the bug report, except for the faults the
    // fixture harness injects on purpose.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.payload().is::<kvet_engine::guard::InjectedFault>() {
            default_hook(info);
        }
    }));
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Test(a) => check::test(a),
        Command::Rules(a) => rules::list(a),
        Command::Explain(a) => rules::explain(a),
        Command::Dump(a) => dump::run(a),
        Command::Render(a) => dump::render(a),
    };
    ExitCode::from(code as u8)
}

/// Writes `text` to stdout. A closed pipe (`kvet rules | head -1`) is not an error: the reader has what it
/// wanted, so the rest is dropped quietly, as ripgrep does. `false` on any other write error.
pub(crate) fn emit(text: &str) -> bool {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            // Nothing more will be read: stop printing, keep the exit status.
            STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
            true
        }
        Err(_) => false,
    }
}

/// Set once stdout turned out to be a closed pipe; later output is skipped.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// [`emit`], unless stdout is already known to be closed.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::emit_unless_closed(&format!($($arg)*))
    };
}

pub(crate) fn emit_unless_closed(text: &str) -> bool {
    STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed) || emit(text)
}

/// Prints a located usage error (config, rule pack) to stderr and returns exit status 2.
pub(crate) fn fail_with(report: Report) -> i32 {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let opts = RenderOptions { color, ..RenderOptions::default() };
    eprint!("{}", report::render(&report, Format::Human, &opts));
    // In a GitHub Actions log a configuration or rule-pack error is an annotation on its file and line too.
    if ERROR_FORMAT.get() == Some(&Format::Github) {
        out!("{}", report::render(&report, Format::Github, &RenderOptions::default()));
    }
    2
}

/// The report format of the run, for errors found before it (set by `kvet check`).
pub(crate) static ERROR_FORMAT: std::sync::OnceLock<Format> = std::sync::OnceLock::new();

/// Loads config and pack as the pack arguments say; `Err(2)` after printing the error.
pub(crate) fn load(pack_args: &PackArgs, tweak: impl Fn(&mut Config)) -> Result<(Config, Pack), i32> {
    let cfg = load_config(pack_args, tweak)?;
    let pack = load_pack(pack_args, &cfg)?;
    Ok((cfg, pack))
}

/// Loads the config as the pack arguments say (`--config`, discovery upward from the working directory,
/// `--k8s-version`, `--schema-dir`, …); `Err(2)` after printing the error.
pub(crate) fn load_config(pack_args: &PackArgs, tweak: impl Fn(&mut Config)) -> Result<Config, i32> {
    let cwd = std::env::current_dir().unwrap_or_default();
    load_config_file(pack_args, config_file_for(pack_args, &cwd, &cwd), tweak)
}

/// The config file for a check of something in `start` (a directory): `--config`, none with `--no-config`,
/// else the nearest `.kvet.yaml` in `start` or above, named relative to `cwd`.
pub(crate) fn config_file_for(pack_args: &PackArgs, cwd: &Path, start: &Path) -> Option<PathBuf> {
    if pack_args.no_config {
        return None;
    }
    if let Some(file) = &pack_args.config {
        return Some(file.clone());
    }
    let found = config::discover(&kvet_engine::discover::absolute(cwd, start))?;
    Some(relative_to(cwd, &found))
}

/// `path` (absolute) relative to `cwd` (absolute), with `..` where it lies outside; `path` itself when they
/// share no root.
pub(crate) fn relative_to(cwd: &Path, path: &Path) -> PathBuf {
    let (a, b): (Vec<_>, Vec<_>) = (cwd.components().collect(), path.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return path.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..a.len() {
        out.push("..");
    }
    for c in &b[common..] {
        out.push(c);
    }
    out
}

/// Loads the config file `file` (or the defaults) and applies the pack arguments' overrides; `Err(2)` after
/// printing the error.
pub(crate) fn load_config_file(
    pack_args: &PackArgs,
    file: Option<PathBuf>,
    tweak: impl Fn(&mut Config),
) -> Result<Config, i32> {
    let mut cfg = match file {
        Some(p) => Config::from_file(&p).map_err(|e| fail_with(e.into_report()))?,
        None => Config::default(),
    };
    if let Some(v) = &pack_args.k8s_version {
        match config::parse_version(v) {
            Some(ver) => cfg.target_version = ver,
            None => {
                eprintln!("error: --k8s-version {v:?} is not a Kubernetes version such as 1.34");
                return Err(2);
            }
        }
    }
    if let Some(v) = &pack_args.k8s_upgrade_to {
        match config::parse_version(v) {
            Some(ver) => cfg.upgrade_to = Some(ver),
            None => {
                eprintln!("error: --k8s-upgrade-to {v:?} is not a Kubernetes version such as 1.37");
                return Err(2);
            }
        }
    }
    if let Some(up) = cfg.upgrade_to.filter(|up| *up <= cfg.target_version) {
        let (t, u) = (cfg.target_version, up);
        eprintln!("error: the upgrade version {}.{} is not later than the checked version {}.{}", u.0, u.1, t.0, t.1);
        return Err(2);
    }
    if pack_args.assume_complete {
        cfg.assume_complete_set = true;
    }
    if !kvet_engine::schema::is_embedded(cfg.target_version) {
        let (major, minor) = cfg.target_version;
        let versions = kvet_engine::schema::versions_line();
        let message = format!("Kubernetes {major}.{minor} is not supported; kvet embeds the schemas of {versions}");
        if pack_args.k8s_version.is_none() && cfg.spans.contains_key("kubernetesVersion") {
            let help = Some(format!("Set kubernetesVersion to one of {versions} (quoted, such as \"1.34\")."));
            return Err(fail_with(cfg.error_at("kubernetesVersion", message, help).into_report()));
        }
        eprintln!("error: --k8s-version: {message}");
        return Err(2);
    }
    cfg.strict_schemas |= pack_args.strict;
    // The binary comes from the command line or the environment, never from `.kvet.yaml` (the repository's).
    if pack_args.no_helm {
        cfg.helm.render = false;
    } else if let Some(helm) = &pack_args.helm {
        if !helm.is_file() {
            eprintln!("error: --helm {}: no such file", helm.display());
            return Err(2);
        }
        cfg.helm.binary = Some(helm.clone());
    } else if let Some(helm) = std::env::var_os("KVET_HELM").filter(|v| !v.is_empty()) {
        cfg.helm.binary = Some(PathBuf::from(helm));
    } else {
        cfg.helm.binary = which::which("helm").ok();
    }
    if !pack_args.schema_dirs.is_empty() {
        match kvet_engine::schema::External::load(&pack_args.schema_dirs) {
            Ok(external) => cfg.schema_dir = Some(std::sync::Arc::new(external)),
            Err(e) => {
                eprintln!("error: --schema-dir: {e}");
                return Err(2);
            }
        }
    }
    tweak(&mut cfg);
    Ok(cfg)
}

/// Loads the rule pack: the embedded rules, the config's rule directories and `--rules`; `Err(2)` after
/// printing the error.
pub(crate) fn load_pack(pack_args: &PackArgs, cfg: &Config) -> Result<Pack, i32> {
    let mut dirs: Vec<&std::path::Path> = cfg.rule_dirs.iter().map(|p| p.as_path()).collect();
    dirs.extend(pack_args.rules.iter().map(|p| p.as_path()));
    let pack = Pack::load(&dirs, &cfg.rules).map_err(|e| fail_with(e.into_report()))?;
    // Rule ids of the configuration point at the config file; those of --enable/--disable are usage errors.
    let unknown = cfg.unknown_rules(&pack);
    let did_you_mean = |u: &kvet_engine::config::UnknownRule| match &u.suggestion {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    };
    let (located, flags): (Vec<_>, Vec<_>) = unknown.iter().partition(|u| u.at.is_some());
    let params = cfg.unknown_params(&pack);
    let selectors = cfg.unknown_selectors(&pack);
    let (located_selectors, flag_selectors): (Vec<_>, Vec<_>) = selectors.iter().partition(|u| u.at.is_some());
    let selector_message = |u: &kvet_engine::config::UnknownSelector| {
        let hint = u.suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
        format!("`{}` is not a {}{hint}", u.name, u.what)
    };
    if !located.is_empty() || !params.is_empty() || !located_selectors.is_empty() {
        let mut errors: Vec<_> = located
            .iter()
            .map(|u| {
                let message = format!("no rule `{}` in the rule pack{}", u.id, did_you_mean(u));
                (u.at.unwrap_or_default(), message, Some("`kvet rules` lists the rule ids.".to_owned()))
            })
            .collect();
        let help = "`kvet explain RULE` lists a rule's parameters and their defaults.";
        errors.extend(params.into_iter().map(|(span, message)| (span, message, Some(help.to_owned()))));
        let help = "`kvet rules` lists the rule ids, areas and profiles (docs/profiles.md).";
        errors.extend(
            located_selectors.iter().map(|u| (u.at.unwrap_or_default(), selector_message(u), Some(help.to_owned()))),
        );
        return Err(fail_with(cfg.errors_at(errors).into_report()));
    }
    if let Some(u) = flag_selectors.first() {
        let flag = match u.key.split('[').next() {
            Some("profile") => "--profile",
            Some("ignore") => "--ignore",
            _ => "--select",
        };
        eprintln!("error: {flag} {}: {} (`kvet rules` lists them)", u.name, selector_message(u));
        return Err(2);
    }
    if let Some(u) = flags.first() {
        let flag = if cfg.rules.get(&u.id).and_then(|s| s.enabled) == Some(false) { "--disable" } else { "--enable" };
        eprintln!("error: {flag} {}: no rule with this id{} (`kvet rules` lists them)", u.id, did_you_mean(u));
        return Err(2);
    }
    Ok(pack)
}

/// Sets the rayon pool size.
/// More threads than this many per core only cost memory and switching (each thread has its own stack and
/// caches); `--jobs` is capped there.
const JOBS_PER_CORE: usize = 4;

pub(crate) fn set_jobs(jobs: Option<usize>) {
    if let Some(n) = jobs {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let cap = cores * JOBS_PER_CORE;
        let n = if n > cap {
            eprintln!("warning: --jobs {n} is more than {JOBS_PER_CORE} per core; using {cap} ({cores} cores)");
            cap
        } else {
            n.max(1)
        };
        // Fails only if a pool exists already, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n).build_global();
    }
}
