//! `cargo xtask bench`: wall time, throughput, peak memory and thread scaling of `kvet check`.
//!
//! For each corpus: one untimed warm-up run (fills the page cache, reads the document count from kvet's JSON
//! summary), then `--runs` rounds of three configurations, interleaved so that drift affects all alike:
//! `check --jobs 1`, `check --jobs 2`, and `check --parse-only --jobs 2` (discover + read + parse only).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::gen_corpus::{self, bench_dir, docs_for_name, shared_corpus};
use crate::measure;
use crate::util::{
    build_kvet_with, describe_status, display_path, kvet_status_ok, manifest_files, repo_root, Args, TaskError,
    TaskResult,
};

/// One measured configuration.
struct Mode {
    label: &'static str,
    jobs: &'static str,
    parse_only: bool,
}

const MODES: [Mode; 3] = [
    Mode { label: "check, 1 thread", jobs: "1", parse_only: false },
    Mode { label: "check, 2 threads", jobs: "2", parse_only: false },
    Mode { label: "parse-only, 2 threads", jobs: "2", parse_only: true },
];

/// Results of one configuration on one corpus.
struct ModeResult {
    label: &'static str,
    median: Duration,
    min: Duration,
    max: Duration,
    max_rss: Option<u64>,
}

/// Results for one corpus.
struct CorpusResult {
    name: String,
    files: usize,
    bytes: u64,
    documents: u64,
    findings: (u64, u64, u64),
    modes: Vec<ModeResult>,
}

/// `cargo xtask bench [--corpus DIR]... [--runs N]`.
pub fn run(mut args: Args) -> TaskResult {
    let given = args.values("--corpus")?;
    let runs = args.number("--runs")?.unwrap_or(5);
    args.finish()?;

    let kvet = build_kvet_with(crate::util::Profile::Release)?;
    let corpora: Vec<PathBuf> = if given.is_empty() {
        vec![bench_dir().join("10k"), bench_dir().join("shared-x5"), bench_dir().join("kustomize-800")]
    } else {
        // `bench-corpus/hostile` stands for every hostile case, one corpus each.
        given
            .iter()
            .map(PathBuf::from)
            .flat_map(|p| match p.file_name().and_then(|n| n.to_str()) {
                Some("hostile") if !p.is_dir() => gen_corpus::hostile::CASES
                    .iter()
                    .map(|(case, _)| p.with_file_name(format!("hostile-{case}")))
                    .collect(),
                _ => vec![p],
            })
            .collect()
    };

    let mut results = Vec::new();
    for corpus in &corpora {
        if !ensure_corpus(corpus)? {
            continue;
        }
        eprintln!("xtask bench: {} ({runs} runs per configuration)", display_path(corpus));
        results.push(bench_corpus(&kvet, corpus, runs)?);
    }
    if results.is_empty() {
        return Err(TaskError::new("no corpus to measure"));
    }

    let report = render(&kvet, runs, &results);
    print!("{report}");
    let out = repo_root().join("bench-results.md");
    std::fs::write(&out, &report)?;
    eprintln!("xtask bench: wrote {}", display_path(&out));
    Ok(true)
}

/// Generates a missing default corpus; `Ok(false)` skips a copy corpus whose source is absent.
fn ensure_corpus(corpus: &Path) -> Result<bool, TaskError> {
    if corpus.is_dir() {
        return Ok(true);
    }
    let name = corpus.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if let Some(docs) = docs_for_name(name) {
        gen_corpus::write_corpus(docs, corpus)?;
        return Ok(true);
    }
    if let Some(apps) = name.strip_prefix("kustomize-").and_then(|k| k.parse::<usize>().ok()) {
        gen_corpus::write_kustomize(apps, corpus)?;
        return Ok(true);
    }
    if let Some(result) = name.strip_prefix("hostile-").and_then(|case| gen_corpus::hostile::write(case, corpus)) {
        result?;
        return Ok(true);
    }
    if let Some(copies) = name.strip_prefix("shared-x").and_then(|k| k.parse::<usize>().ok()) {
        let source = shared_corpus();
        if !source.is_dir() {
            eprintln!("xtask bench: skipping {}: {} does not exist", display_path(corpus), source.display());
            return Ok(false);
        }
        gen_corpus::copy_corpus(&source, copies, corpus)?;
        return Ok(true);
    }
    Err(TaskError::new(format!(
        "corpus {} does not exist (generate it with `cargo xtask gen-corpus --docs N --out DIR`)",
        corpus.display()
    )))
}

fn kvet_command(kvet: &Path, corpus: &Path, mode: &Mode) -> Command {
    let mut command = Command::new(kvet);
    command.arg("check").arg(corpus);
    if mode.parse_only {
        command.arg("--parse-only");
    }
    command.args(["--format", "json", "--no-helm", "--jobs", mode.jobs]);
    command
}

/// Where a run's report goes (overwritten by each run).
fn report_path() -> PathBuf {
    crate::util::target_dir().join("bench-report.json")
}

/// Runs kvet once; fails on exit status 2 or a crash (status 1 only means findings).
fn measured_run(kvet: &Path, corpus: &Path, mode: &Mode) -> Result<measure::Measured, TaskError> {
    let stdout = std::fs::File::create(report_path())?;
    let measured = measure::run(&mut kvet_command(kvet, corpus, mode), stdout)
        .map_err(|e| TaskError::new(format!("cannot run {}: {e}", kvet.display())))?;
    if !kvet_status_ok(&measured.status) {
        let stderr = String::from_utf8_lossy(&measured.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
        return Err(TaskError::new(format!(
            "kvet check {} ({}) failed: {}\n{}",
            corpus.display(),
            mode.label,
            describe_status(&measured.status),
            tail.join("\n")
        )));
    }
    Ok(measured)
}

fn bench_corpus(kvet: &Path, corpus: &Path, runs: usize) -> Result<CorpusResult, TaskError> {
    let files = manifest_files(corpus)?;
    let bytes = files.iter().map(|f| f.metadata().map(|m| m.len()).unwrap_or(0)).sum();

    measured_run(kvet, corpus, &MODES[0])?;
    // Only the summary is read (streamed: the findings are skipped, not held).
    #[derive(serde::Deserialize)]
    struct Report {
        summary: std::collections::HashMap<String, serde_json::Value>,
    }
    let reader = std::io::BufReader::new(std::fs::File::open(report_path())?);
    let report: Report = serde_json::from_reader(reader).map_err(|e| {
        TaskError::new(format!("kvet check --format json printed invalid JSON for {}: {e}", corpus.display()))
    })?;
    let summary = |key: &str| report.summary.get(key).and_then(serde_json::Value::as_u64).unwrap_or(0);
    let documents = summary("documents");

    let mut samples: Vec<Vec<(Duration, Option<u64>)>> = vec![Vec::new(); MODES.len()];
    for round in 0..runs {
        for (index, mode) in MODES.iter().enumerate() {
            let measured = measured_run(kvet, corpus, mode)?;
            eprintln!("  run {}/{runs} {:<22} {:>9.1} ms", round + 1, mode.label, measured.wall.as_secs_f64() * 1e3);
            samples[index].push((measured.wall, measured.max_rss));
        }
    }
    let modes = MODES
        .iter()
        .zip(samples)
        .map(|(mode, runs)| {
            let mut times: Vec<Duration> = runs.iter().map(|r| r.0).collect();
            times.sort();
            ModeResult {
                label: mode.label,
                median: median(&times),
                min: times[0],
                max: times[times.len() - 1],
                max_rss: runs.iter().filter_map(|r| r.1).max(),
            }
        })
        .collect();
    Ok(CorpusResult {
        name: display_path(corpus),
        files: files.len(),
        bytes,
        documents,
        findings: (summary("errors"), summary("warnings"), summary("infos")),
        modes,
    })
}

/// Median of sorted durations (mean of the middle two for an even count).
fn median(sorted: &[Duration]) -> Duration {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}

/// `12345678` → `12,345,678`.
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn command_output(program: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).current_dir(repo_root()).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

fn render(kvet: &Path, runs: usize, results: &[CorpusResult]) -> String {
    let version = command_output(kvet, &["--version"]).unwrap_or_else(|| "kvet (unknown version)".into());
    let commit =
        command_output(Path::new("git"), &["describe", "--always", "--dirty"]).unwrap_or_else(|| "unknown".into());
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut out = String::new();
    let _ = writeln!(out, "# kvet benchmark results\n");
    let _ = writeln!(
        out,
        "{version} · commit {commit} · {cpus} CPUs · {}/{} · median of {runs} runs after one warm-up run\n",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    let _ = writeln!(out, "| corpus | files | documents | MB | run | median wall (ms) | min–max (ms) | documents/s | MB/s | peak RSS (MiB) |");
    let _ = writeln!(out, "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|");
    for r in results {
        for m in &r.modes {
            let seconds = m.median.as_secs_f64().max(1e-9);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1} | {} | {:.1} | {:.1}–{:.1} | {} | {:.1} | {} |",
                r.name,
                thousands(r.files as u64),
                thousands(r.documents),
                r.bytes as f64 / 1e6,
                m.label,
                seconds * 1e3,
                m.min.as_secs_f64() * 1e3,
                m.max.as_secs_f64() * 1e3,
                thousands((r.documents as f64 / seconds).round() as u64),
                r.bytes as f64 / 1e6 / seconds,
                m.max_rss.map(|b| format!("{:.1}", b as f64 / 1_048_576.0)).unwrap_or_else(|| "n/a".into()),
            );
        }
    }
    let _ = writeln!(
        out,
        "\n| corpus | findings (errors / warnings / infos) | speed-up 1 → 2 threads | check ÷ parse-only (2 threads) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for r in results {
        let secs = |i: usize| r.modes[i].median.as_secs_f64().max(1e-9);
        let _ = writeln!(
            out,
            "| {} | {} / {} / {} | {:.2}× | {:.2}× |",
            r.name,
            thousands(r.findings.0),
            thousands(r.findings.1),
            thousands(r.findings.2),
            secs(0) / secs(1),
            secs(1) / secs(2),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_thousands() {
        let ms = Duration::from_millis;
        assert_eq!(median(&[ms(1), ms(2), ms(9)]), ms(2));
        assert_eq!(median(&[ms(1), ms(3)]), ms(2));
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(12345678), "12,345,678");
    }
}
