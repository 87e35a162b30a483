//! `cargo xtask corpus [--bless]`: per-rule finding counts on the real-world corpus in `../shared/corpus`,
//! compared with the committed baseline `xtask/corpus-baseline.json`.
//!
//! A change in the counts is not necessarily wrong, but it must be deliberate: inspect the difference, then
//! run with `--bless` and commit the new baseline together with the change that caused it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

use crate::util::{build_kvet, describe_status, display_path, kvet_status_ok, repo_root, Args, TaskError, TaskResult};

/// The corpus path as given to kvet, relative to the repository root.
const CORPUS: &str = "../shared/corpus";

/// Counts of one run: rule → severity → findings, plus the document and file totals.
#[derive(Debug, Default, PartialEq)]
pub struct Counts {
    pub rules: BTreeMap<String, BTreeMap<String, u64>>,
    pub files: u64,
    pub documents: u64,
}

fn baseline_path() -> PathBuf {
    repo_root().join("xtask").join("corpus-baseline.json")
}

/// `cargo xtask corpus [--bless]`.
pub fn run(mut args: Args) -> TaskResult {
    let bless = args.flag("--bless");
    args.finish()?;
    let root = repo_root();
    if !root.join(CORPUS).is_dir() {
        println!("note: {CORPUS} does not exist next to the repository; nothing to compare");
        return Ok(true);
    }
    let kvet = build_kvet()?;
    let output = Command::new(&kvet)
        .args(["check", CORPUS, "--format", "json", "--no-helm"])
        .current_dir(&root)
        .output()
        .map_err(|e| TaskError::new(format!("cannot run {}: {e}", kvet.display())))?;
    if !kvet_status_ok(&output.status) {
        return Err(TaskError::new(format!(
            "kvet check {CORPUS}: {}\n{}",
            describe_status(&output.status),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let report: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| TaskError::new(format!("kvet check --format json printed invalid JSON: {e}")))?;
    let counts = count(&report);
    print!("{}", table(&counts));
    print!("{}", profile_table(&kvet, &root)?);

    let path = baseline_path();
    if bless {
        std::fs::write(&path, to_json(&counts))?;
        println!("wrote {}", display_path(&path));
        return Ok(true);
    }
    let baseline = match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str::<Value>(&text)
            .map(|v| from_json(&v))
            .map_err(|e| TaskError::new(format!("{}: {e}", display_path(&path))))?,
        Err(_) => {
            eprintln!("no baseline at {}: run `cargo xtask corpus --bless`", display_path(&path));
            return Ok(false);
        }
    };
    let differences = diff(&baseline, &counts);
    if differences.is_empty() {
        println!("counts match {}", display_path(&path));
        return Ok(true);
    }
    println!("\ndifferences from {} (baseline → now):", display_path(&path));
    for line in &differences {
        println!("  {line}");
    }
    println!("inspect them; if they are intended, run `cargo xtask corpus --bless` and commit the baseline");
    Ok(false)
}

/// Findings per profile with every profile on (`--select all`): what each policy level reports on the corpus.
/// Printed, not compared (the default run's counts are the baseline).
fn profile_table(kvet: &std::path::Path, root: &std::path::Path) -> Result<String, TaskError> {
    let run = |args: &[&str]| -> Result<Value, TaskError> {
        let output = Command::new(kvet)
            .args(args)
            .current_dir(root)
            .output()
            .map_err(|e| TaskError::new(format!("cannot run {}: {e}", kvet.display())))?;
        if !kvet_status_ok(&output.status) {
            return Err(TaskError::new(format!(
                "kvet {}: {}\n{}",
                args.join(" "),
                describe_status(&output.status),
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        serde_json::from_slice(&output.stdout).map_err(|e| TaskError::new(format!("kvet printed invalid JSON: {e}")))
    };
    let rules = run(&["rules", "--format", "json"])?;
    let mut profiles_of: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for r in rules.as_array().into_iter().flatten() {
        let id = r["id"].as_str().unwrap_or("?").to_owned();
        let profiles = r["profiles"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned);
        profiles_of.insert(id, profiles.collect());
    }
    let report = run(&["check", CORPUS, "--format", "json", "--no-helm", "--select", "all"])?;
    let all = count(&report);
    let mut per: std::collections::BTreeMap<String, [u64; 3]> = Default::default();
    for (rule, by_severity) in &all.rules {
        for profile in profiles_of.get(rule).into_iter().flatten() {
            let entry = per.entry(profile.clone()).or_default();
            for (severity, n) in by_severity {
                let i = match severity.as_str() {
                    "error" => 0,
                    "warning" => 1,
                    _ => 2,
                };
                entry[i] += n;
            }
        }
    }
    let mut out =
        format!("\nfindings per profile with `--select all` ({CORPUS}; a rule counts in each of its profiles):\n");
    out.push_str(&format!("  {:<16} {:>7} {:>9} {:>7}\n", "profile", "errors", "warnings", "infos"));
    for (profile, [e, w, i]) in &per {
        out.push_str(&format!("  {profile:<16} {e:>7} {w:>9} {i:>7}\n"));
    }
    Ok(out)
}

/// Counts findings per rule and severity in a `--format json` report.
pub fn count(report: &Value) -> Counts {
    let mut counts = Counts {
        files: report["summary"]["files"].as_u64().unwrap_or(0),
        documents: report["summary"]["documents"].as_u64().unwrap_or(0),
        ..Counts::default()
    };
    for diagnostic in report["diagnostics"].as_array().into_iter().flatten() {
        let rule = diagnostic["rule"].as_str().unwrap_or("?").to_string();
        let severity = diagnostic["severity"].as_str().unwrap_or("?").to_string();
        *counts.rules.entry(rule).or_default().entry(severity).or_default() += 1;
    }
    counts
}

/// The baseline file: sorted keys, one rule per entry, trailing newline.
pub fn to_json(counts: &Counts) -> String {
    let rules: serde_json::Map<String, Value> =
        counts.rules.iter().map(|(rule, severities)| (rule.clone(), json!(severities))).collect();
    let value = json!({
        "corpus": CORPUS,
        "files": counts.files,
        "documents": counts.documents,
        "findings": rules,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads a baseline written by [`to_json`].
pub fn from_json(value: &Value) -> Counts {
    let mut counts = Counts {
        files: value["files"].as_u64().unwrap_or(0),
        documents: value["documents"].as_u64().unwrap_or(0),
        ..Counts::default()
    };
    if let Some(rules) = value["findings"].as_object() {
        for (rule, severities) in rules {
            let entry = counts.rules.entry(rule.clone()).or_default();
            for (severity, n) in severities.as_object().into_iter().flatten() {
                entry.insert(severity.clone(), n.as_u64().unwrap_or(0));
            }
        }
    }
    counts
}

/// One line per count that differs.
pub fn diff(baseline: &Counts, now: &Counts) -> Vec<String> {
    let mut lines = Vec::new();
    for (what, old, new) in [("files", baseline.files, now.files), ("documents", baseline.documents, now.documents)] {
        if old != new {
            lines.push(format!("{what}: {old} → {new}"));
        }
    }
    let mut keys: Vec<(&String, &String)> = Vec::new();
    for counts in [baseline, now] {
        for (rule, severities) in &counts.rules {
            for severity in severities.keys() {
                if !keys.contains(&(rule, severity)) {
                    keys.push((rule, severity));
                }
            }
        }
    }
    keys.sort();
    let get =
        |c: &Counts, rule: &str, severity: &str| c.rules.get(rule).and_then(|s| s.get(severity)).copied().unwrap_or(0);
    for (rule, severity) in keys {
        let (old, new) = (get(baseline, rule, severity), get(now, rule, severity));
        if old != new {
            lines.push(format!("{rule} ({severity}): {old} → {new} ({:+})", new as i64 - old as i64));
        }
    }
    lines
}

/// The per-rule table printed by the task.
pub fn table(counts: &Counts) -> String {
    let mut out = format!(
        "kvet check {CORPUS}: {} files, {} documents\n\n| rule | error | warning | info | total |\n|---|---:|---:|---:|---:|\n",
        counts.files, counts.documents
    );
    let mut totals = [0u64; 4];
    for (rule, severities) in &counts.rules {
        let n = |s: &str| severities.get(s).copied().unwrap_or(0);
        let row = [n("error"), n("warning"), n("info"), severities.values().sum()];
        for (total, v) in totals.iter_mut().zip(row) {
            *total += v;
        }
        out.push_str(&format!("| {rule} | {} | {} | {} | {} |\n", row[0], row[1], row[2], row[3]));
    }
    out.push_str(&format!("| **total** | {} | {} | {} | {} |\n", totals[0], totals[1], totals[2], totals[3]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_round_trip_and_diff() {
        let report = json!({
            "version": 1,
            "summary": {"files": 2, "documents": 5},
            "diagnostics": [
                {"rule": "image-tag-latest", "severity": "warning"},
                {"rule": "image-tag-latest", "severity": "warning"},
                {"rule": "pv-reclaim-recycle", "severity": "error"}
            ]
        });
        let counts = count(&report);
        assert_eq!(counts.rules["image-tag-latest"]["warning"], 2);
        let text = to_json(&counts);
        let back = from_json(&serde_json::from_str(&text).unwrap());
        assert_eq!(back, counts);
        assert!(diff(&counts, &back).is_empty());

        let mut changed = count(&report);
        changed.rules.remove("pv-reclaim-recycle");
        changed.rules.entry("volume-unused".into()).or_default().insert("warning".into(), 1);
        changed.documents = 6;
        assert_eq!(
            diff(&counts, &changed),
            vec![
                "documents: 5 → 6".to_string(),
                "pv-reclaim-recycle (error): 1 → 0 (-1)".to_string(),
                "volume-unused (warning): 0 → 1 (+1)".to_string(),
            ]
        );
        assert!(table(&counts).contains("| image-tag-latest | 0 | 2 | 0 | 2 |"));
    }
}
