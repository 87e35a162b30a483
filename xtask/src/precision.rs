//! `cargo xtask precision [--unlabelled]`: precision of kvet's errors and warnings on real repositories.
//!
//! `xtask/precision-labels.json` names a set of real manifests in `../shared` (`set`: files or directories)
//! and labels every error and warning kvet reports on them: `true` (a Kubernetes expert agrees), `false` (an
//! expert would call it wrong) or `debatable`, each with the reason. A label names the file, the rule and
//! optionally the line (without a line it covers every finding of that rule in that file — for a class of
//! findings judged together, e.g. containers without memory limits).
//!
//! The task runs kvet on each path of the set (one repository at a time, as users run it), prints precision
//! per rule (`true / (true + false)`, debatable apart) and fails when a finding labelled `false` is reported
//! (the labels of fixed false findings stay, as guards) or when an error or warning has no label: label it in
//! the same change that makes it appear — precision is the first measure of every change. Findings labelled
//! true or debatable that are gone are listed (lost recall?). `--unlabelled` prints label entries to paste.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

use crate::util::{
    build_kvet, describe_status, display_path, kvet_status_ok, repo_root, shared_dir, Args, TaskError, TaskResult,
};

fn labels_path() -> PathBuf {
    repo_root().join("xtask").join("precision-labels.json")
}

/// One label of the committed file.
#[derive(Debug)]
struct Label {
    file: String,
    rule: String,
    line: Option<u64>,
    verdict: Verdict,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    True,
    False,
    Debatable,
}

impl Verdict {
    fn parse(s: &str) -> Option<Verdict> {
        match s {
            "true" => Some(Verdict::True),
            "false" => Some(Verdict::False),
            "debatable" => Some(Verdict::Debatable),
            _ => None,
        }
    }
}

/// One error or warning of the run.
#[derive(Debug)]
struct Found {
    file: String,
    line: u64,
    rule: String,
    severity: String,
    message: String,
}

fn read_labels(value: &Value) -> Result<(Vec<String>, Vec<Label>), String> {
    let set: Vec<String> = value["set"]
        .as_array()
        .ok_or("`set` must be a list of paths relative to ../shared")?
        .iter()
        .map(|p| p.as_str().map(str::to_owned).ok_or_else(|| format!("`set`: {p} is not a string")))
        .collect::<Result<_, _>>()?;
    let mut labels = Vec::new();
    for (i, l) in value["labels"].as_array().ok_or("`labels` must be a list")?.iter().enumerate() {
        let field = |k: &str| l[k].as_str().map(str::to_owned).ok_or_else(|| format!("labels[{i}]: `{k}` is missing"));
        let verdict = field("label")?;
        let verdict = Verdict::parse(&verdict)
            .ok_or_else(|| format!("labels[{i}]: label `{verdict}` is not one of true, false, debatable"))?;
        if l["why"].as_str().is_none_or(str::is_empty) {
            return Err(format!("labels[{i}]: every label says `why`"));
        }
        let line = match &l["line"] {
            Value::Null => None,
            v => Some(v.as_u64().ok_or_else(|| format!("labels[{i}]: `line` must be a number"))?),
        };
        labels.push(Label { file: field("file")?, rule: field("rule")?, line, verdict });
    }
    Ok((set, labels))
}

/// The label of a finding: a label with its line first, then one for the whole file.
fn label_of<'l>(labels: &'l [Label], f: &Found) -> Option<(usize, &'l Label)> {
    let same = |l: &Label| l.file == f.file && l.rule == f.rule;
    labels
        .iter()
        .enumerate()
        .find(|(_, l)| same(l) && l.line == Some(f.line))
        .or_else(|| labels.iter().enumerate().find(|(_, l)| same(l) && l.line.is_none()))
}

/// Runs kvet on each path of the set separately — one repository at a time, as its users run it (references
/// never resolve to another repository's objects).
fn run_kvet(set: &[String]) -> Result<Vec<Found>, TaskError> {
    let kvet = build_kvet()?;
    let mut found = Vec::new();
    for path in set {
        let output = Command::new(&kvet)
            .args(["check", "--no-config", "--no-helm", "--format", "json", "--allow-empty", path])
            .current_dir(shared_dir())
            .output()
            .map_err(|e| TaskError::new(format!("cannot run {}: {e}", kvet.display())))?;
        if !kvet_status_ok(&output.status) {
            return Err(TaskError::new(format!(
                "kvet check {path}: {}\n{}",
                describe_status(&output.status),
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        let report: Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| TaskError::new(format!("kvet check --format json printed invalid JSON: {e}")))?;
        found.extend(
            report["diagnostics"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| matches!(d["severity"].as_str(), Some("error" | "warning")))
                .map(|d| Found {
                    file: d["file"].as_str().unwrap_or_default().to_owned(),
                    line: d["line"].as_u64().unwrap_or(0),
                    rule: d["rule"].as_str().unwrap_or_default().to_owned(),
                    severity: d["severity"].as_str().unwrap_or_default().to_owned(),
                    message: d["message"].as_str().unwrap_or_default().to_owned(),
                }),
        );
    }
    Ok(found)
}

/// Per rule: true, false, debatable.
type Tally = BTreeMap<String, [u64; 3]>;

fn precision(t: u64, f: u64) -> String {
    if t + f == 0 {
        "–".to_owned()
    } else {
        format!("{:.0} %", 100.0 * t as f64 / (t + f) as f64)
    }
}

fn table(tally: &Tally) -> String {
    let mut out = String::from("| rule | true | false | debatable | precision |\n|---|---:|---:|---:|---:|\n");
    let mut total = [0u64; 3];
    for (rule, [t, f, d]) in tally {
        out.push_str(&format!("| {rule} | {t} | {f} | {d} | {} |\n", precision(*t, *f)));
        total[0] += t;
        total[1] += f;
        total[2] += d;
    }
    let [t, f, d] = total;
    out.push_str(&format!("| **total** | {t} | {f} | {d} | {} |\n", precision(t, f)));
    out
}

/// `cargo xtask precision [--unlabelled]`.
pub fn run(mut args: Args) -> TaskResult {
    let print_unlabelled = args.flag("--unlabelled");
    args.finish()?;
    let path = labels_path();
    let text = std::fs::read_to_string(&path).map_err(|e| TaskError::new(format!("{}: {e}", display_path(&path))))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| TaskError::new(format!("{}: {e}", display_path(&path))))?;
    let (set, labels) = read_labels(&value).map_err(|e| TaskError::new(format!("{}: {e}", display_path(&path))))?;
    let missing: Vec<&String> = set.iter().filter(|p| !shared_dir().join(p).exists()).collect();
    if !missing.is_empty() {
        println!("note: ../shared lacks {missing:?}; nothing to measure");
        return Ok(true);
    }
    let found = run_kvet(&set)?;
    let mut tally = Tally::new();
    let mut used = vec![false; labels.len()];
    let mut false_back = Vec::new();
    let mut unlabelled = Vec::new();
    for f in &found {
        match label_of(&labels, f) {
            Some((i, l)) => {
                used[i] = true;
                tally.entry(f.rule.clone()).or_default()[l.verdict as usize] += 1;
                if l.verdict == Verdict::False {
                    false_back.push(f);
                }
            }
            None => unlabelled.push(f),
        }
    }
    print!("{}", table(&tally));
    println!("{} errors and warnings on {} labelled path(s); {} labels", found.len(), set.len(), labels.len());
    let gone = |verdict: bool| -> Vec<&Label> {
        labels
            .iter()
            .zip(&used)
            .filter(|(l, u)| !**u && (l.verdict == Verdict::False) == verdict)
            .map(|(l, _)| l)
            .collect()
    };
    let guarded = gone(true).len();
    if guarded > 0 {
        println!("{guarded} findings labelled false are no longer reported (their labels guard against their return)");
    }
    let lost = gone(false);
    if !lost.is_empty() {
        println!("\nfindings labelled true or debatable that are no longer reported ({}):", lost.len());
        for l in &lost {
            let line = l.line.map_or_else(String::new, |n| format!(":{n}"));
            println!("  {:?} {}{line} {}", l.verdict, l.file, l.rule);
        }
        println!("find out why (lost recall?), then remove or relabel them");
    }
    let mut ok = true;
    if !false_back.is_empty() {
        ok = false;
        println!("\nfindings labelled false are reported again ({}):", false_back.len());
        for f in &false_back {
            println!("  {}:{}: {}[{}]: {}", f.file, f.line, f.severity, f.rule, f.message);
        }
    }
    if !unlabelled.is_empty() {
        ok = false;
        println!("\nunlabelled errors and warnings ({}); label each in {}:", unlabelled.len(), display_path(&path));
        for f in &unlabelled {
            println!("  {}:{}: {}[{}]: {}", f.file, f.line, f.severity, f.rule, f.message);
        }
        if print_unlabelled {
            println!();
            for f in &unlabelled {
                let entry = json!({"file": f.file, "line": f.line, "rule": f.rule, "label": "?", "why": f.message});
                println!("    {entry},");
            }
        } else {
            println!("(`cargo xtask precision --unlabelled` prints entries to paste)");
        }
    }
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(file: &str, line: u64, rule: &str) -> Found {
        Found { file: file.into(), line, rule: rule.into(), severity: "warning".into(), message: String::new() }
    }

    #[test]
    fn line_labels_win_over_file_labels() {
        let value = json!({"set": ["a"], "labels": [
            {"file": "a/x.yaml", "rule": "r", "label": "true", "why": "all of them"},
            {"file": "a/x.yaml", "rule": "r", "line": 7, "label": "false", "why": "this one"},
        ]});
        let (_, labels) = read_labels(&value).unwrap();
        assert_eq!(label_of(&labels, &found("a/x.yaml", 7, "r")).unwrap().1.verdict, Verdict::False);
        assert_eq!(label_of(&labels, &found("a/x.yaml", 8, "r")).unwrap().1.verdict, Verdict::True);
        assert!(label_of(&labels, &found("a/x.yaml", 7, "other")).is_none());
    }

    #[test]
    fn labels_are_checked() {
        let no_why = json!({"set": [], "labels": [{"file": "f", "rule": "r", "label": "true"}]});
        assert!(read_labels(&no_why).unwrap_err().contains("why"));
        let bad = json!({"set": [], "labels": [{"file": "f", "rule": "r", "label": "yes", "why": "w"}]});
        assert!(read_labels(&bad).unwrap_err().contains("not one of"));
    }

    #[test]
    fn precision_ignores_debatable() {
        let mut tally = Tally::new();
        tally.insert("r".into(), [3, 1, 5]);
        assert!(table(&tally).contains("| r | 3 | 1 | 5 | 75 % |"));
    }
}
