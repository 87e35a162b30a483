//! `cargo xtask kustomize [--bless]`: differential test of kvet's native kustomize renderer against
//! `kubectl kustomize` (kustomize v5).
//!
//! Every root kustomization that `kvet render` finds under `../shared/corpus-layouts` and `fixtures/` is
//! compared with the committed snapshot `xtask/kustomize-renderings.json` — what `kubectl kustomize` produced for
//! that directory, objects sorted by identity (key order does not matter). So CI always compares, with or
//! without kubectl. Where `kubectl` is on PATH, each directory is rendered again and must still equal its
//! snapshot (a stale snapshot fails; `--bless` rewrites the snapshots from kubectl). Where it is not, the
//! re-check is reported as skipped.
//!
//! Agreement means: the same objects where both render; both fail where kubectl fails (kvet reports an error);
//! a root kvet does not render (a remote resource, `vars`, a field it does not implement) is listed, not a
//! failure — kvet then checks its files as loose manifests and says so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::util::{build_kvet, repo_root, shared_dir, target_dir, Args, TaskError, TaskResult};

/// The snapshot file, relative to the repository root.
const SNAPSHOTS: &str = "xtask/kustomize-renderings.json";

/// What one side made of one root.
#[derive(Debug, PartialEq)]
enum Outcome {
    Objects(Vec<Value>),
    Error(String),
    Skipped(String),
}

/// `cargo xtask kustomize`.
pub fn run(mut args: Args) -> TaskResult {
    let bless = args.flag("--bless");
    args.finish()?;
    let kvet = build_kvet()?;
    let root = repo_root();
    let mut dirs: Vec<PathBuf> = Vec::new();
    let layouts = shared_dir().join("corpus-layouts");
    if layouts.is_dir() {
        dirs.push(PathBuf::from("../shared/corpus-layouts"));
    } else {
        println!("note: {} does not exist; its kustomizations are not compared", layouts.display());
    }
    dirs.push(PathBuf::from("fixtures"));
    let ours = kvet_render(&kvet, &root, &dirs)?;
    let snapshot_path = root.join(SNAPSHOTS);
    let mut snapshots: BTreeMap<String, Value> = match std::fs::read_to_string(&snapshot_path) {
        Ok(text) => {
            serde_json::from_str(&text).map_err(|e| TaskError::new(format!("{SNAPSHOTS} is not valid JSON: {e}")))?
        }
        Err(_) if bless => BTreeMap::new(),
        Err(e) => return Err(TaskError::new(format!("cannot read {SNAPSHOTS}: {e} (run with --bless)"))),
    };
    if !layouts.is_dir() {
        snapshots.retain(|k, _| !k.starts_with("../shared/"));
    }

    let kubectl = Command::new("kubectl").arg("version").arg("--client").output().is_ok_and(|o| o.status.success());
    let mut failures: Vec<String> = Vec::new();
    if kubectl {
        let mut fresh: BTreeMap<String, Value> = BTreeMap::new();
        for name in ours.keys() {
            fresh.insert(name.clone(), kubectl_render(&kvet, &root, name)?);
        }
        if bless {
            let text = serde_json::to_string_pretty(&fresh).map_err(|e| TaskError::new(e.to_string()))? + "\n";
            std::fs::write(&snapshot_path, text)
                .map_err(|e| TaskError::new(format!("cannot write {SNAPSHOTS}: {e}")))?;
            println!("kustomize: wrote {} snapshot(s) from kubectl to {SNAPSHOTS}", fresh.len());
            snapshots = fresh;
        } else {
            for (name, now) in &fresh {
                match snapshots.get(name) {
                    Some(was) if same(was, now) => {}
                    Some(_) => {
                        failures.push(format!("{name}: kubectl now renders it differently from the snapshot (--bless)"))
                    }
                    None => failures.push(format!("{name}: no snapshot (run `cargo xtask kustomize --bless`)")),
                }
            }
            println!("kustomize: the snapshots were re-checked against `kubectl kustomize`");
        }
    } else if bless {
        return Err(TaskError::new("--bless needs kubectl (or kustomize) on PATH"));
    } else {
        println!("kustomize: kubectl is not on PATH: re-checking the snapshots against kubectl skipped");
    }

    let (mut same_count, mut skipped, mut both_fail) = (0, Vec::new(), 0);
    let mut objects = 0;
    for (name, outcome) in &ours {
        let Some(snap) = snapshots.get(name) else {
            failures.push(format!("{name}: kvet renders this root, but {SNAPSHOTS} has no snapshot for it (--bless)"));
            continue;
        };
        match (outcome, snap.get("objects").and_then(Value::as_array)) {
            (Outcome::Skipped(why), _) => skipped.push(format!("{name}: {why}")),
            (Outcome::Objects(got), Some(want)) => {
                if sorted(got) == sorted(want) {
                    same_count += 1;
                    objects += got.len();
                } else {
                    failures.push(format!("{name}: {}", difference(&sorted(want), &sorted(got))));
                }
            }
            (Outcome::Objects(_), None) => failures.push(format!(
                "{name}: kvet renders it, kubectl fails: {}",
                snap.get("error").and_then(Value::as_str).unwrap_or("?")
            )),
            (Outcome::Error(e), Some(_)) => failures.push(format!("{name}: kvet reports `{e}`, kubectl renders it")),
            (Outcome::Error(_), None) => both_fail += 1,
        }
    }
    for name in snapshots.keys().filter(|k| !ours.contains_key(*k)) {
        failures.push(format!("{name}: in {SNAPSHOTS} but not a root kvet finds (remove it, or --bless)"));
    }
    println!(
        "kustomize: {} root kustomization(s): {same_count} rendered identically to kubectl ({objects} objects), \
         {both_fail} rejected by both, {} not rendered by kvet",
        ours.len(),
        skipped.len()
    );
    for s in &skipped {
        println!("  not rendered: {s}");
    }
    if failures.is_empty() {
        println!("kustomize: kvet's renderings agree with kubectl kustomize");
        Ok(true)
    } else {
        println!("\n{} disagreement(s):", failures.len());
        for f in &failures {
            println!("  {f}");
        }
        Ok(false)
    }
}

/// `kvet render DIRS…`: root kustomization file name → outcome.
fn kvet_render(kvet: &Path, root: &Path, dirs: &[PathBuf]) -> Result<BTreeMap<String, Outcome>, TaskError> {
    let out = Command::new(kvet)
        .arg("render")
        .args(dirs)
        .current_dir(root)
        .output()
        .map_err(|e| TaskError::new(format!("cannot run kvet render: {e}")))?;
    if !matches!(out.status.code(), Some(0 | 1)) {
        return Err(TaskError::new(format!(
            "kvet render failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let mut found = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).map_err(|e| TaskError::new(format!("kvet render: {e}: {line}")))?;
        let name = v["kustomization"].as_str().unwrap_or_default().to_owned();
        let outcome = if let Some(objs) = v["objects"].as_array() {
            Outcome::Objects(objs.clone())
        } else if let Some(e) = v["error"].as_str() {
            Outcome::Error(e.to_owned())
        } else {
            Outcome::Skipped(v["skipped"].as_str().unwrap_or_default().to_owned())
        };
        found.insert(name, outcome);
    }
    Ok(found)
}

/// `kubectl kustomize DIR` for the root kustomization file `name`, as a snapshot value: `{"objects": [...]}`
/// (parsed by `kvet dump`, i.e. with kubectl's typing) or `{"error": first line}`.
fn kubectl_render(kvet: &Path, root: &Path, name: &str) -> Result<Value, TaskError> {
    let dir = Path::new(name).parent().unwrap_or(Path::new("."));
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .current_dir(root)
        .output()
        .map_err(|e| TaskError::new(format!("cannot run kubectl: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        // The message names absolute paths of this machine: keep its gist only.
        let line = stderr.lines().find(|l| l.contains("err")).unwrap_or("kubectl kustomize failed");
        let gist = line.rsplit("err=").next().unwrap_or(line).trim().trim_matches(['<', '"', ' ']);
        let gist = if gist.is_empty() { "kubectl kustomize failed" } else { gist };
        return Ok(json!({"error": gist.replace(&root.display().to_string(), ".")}));
    }
    let tmp = target_dir().join("kustomize-oracle");
    std::fs::create_dir_all(&tmp).map_err(|e| TaskError::new(e.to_string()))?;
    let file = tmp.join("rendered.yaml");
    std::fs::write(&file, &out.stdout).map_err(|e| TaskError::new(e.to_string()))?;
    let dump = Command::new(kvet)
        .arg("dump")
        .arg(&file)
        .output()
        .map_err(|e| TaskError::new(format!("cannot run kvet dump: {e}")))?;
    let v: Value = serde_json::from_slice(&dump.stdout)
        .map_err(|e| TaskError::new(format!("kvet dump of kubectl's output for {name}: {e}")))?;
    Ok(json!({"objects": sorted(v["documents"].as_array().map_or(&[][..], Vec::as_slice))}))
}

/// Whether two snapshot values agree (errors agree whatever their text).
fn same(a: &Value, b: &Value) -> bool {
    match (a.get("objects").and_then(Value::as_array), b.get("objects").and_then(Value::as_array)) {
        (Some(x), Some(y)) => sorted(x) == sorted(y),
        (None, None) => true,
        _ => false,
    }
}

/// The objects in a stable order: by apiVersion, kind, namespace, name (then text).
fn sorted(objects: &[Value]) -> Vec<Value> {
    let key = |o: &Value| {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        (s(&o["apiVersion"]), s(&o["kind"]), s(&o["metadata"]["namespace"]), s(&o["metadata"]["name"]), o.to_string())
    };
    let mut v = objects.to_vec();
    v.sort_by_cached_key(key);
    v
}

/// A short description of how two sorted object lists differ.
fn difference(want: &[Value], got: &[Value]) -> String {
    let id = |o: &Value| {
        format!(
            "{} {}/{}",
            o["kind"].as_str().unwrap_or("?"),
            o["metadata"]["namespace"].as_str().unwrap_or(""),
            o["metadata"]["name"].as_str().unwrap_or("?")
        )
    };
    if want.len() != got.len() {
        let w: Vec<String> = want.iter().map(id).collect();
        let g: Vec<String> = got.iter().map(id).collect();
        return format!(
            "kubectl renders {} object(s) [{}], kvet {} [{}]",
            w.len(),
            w.join(", "),
            g.len(),
            g.join(", ")
        );
    }
    for (w, g) in want.iter().zip(got) {
        if w != g {
            let mut at = String::new();
            first_difference(w, g, &mut at);
            return format!("{} differs at {at}: kubectl {}, kvet {}", id(w), short(w, &at), short(g, &at));
        }
    }
    "the objects differ".into()
}

/// The JSON path of the first difference between `a` and `b`.
fn first_difference(a: &Value, b: &Value, at: &mut String) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                if x.get(k) != y.get(k) {
                    at.push('.');
                    at.push_str(k);
                    if let (Some(p), Some(q)) = (x.get(k), y.get(k)) {
                        first_difference(p, q, at);
                    }
                    return;
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if p != q {
                    at.push_str(&format!("[{i}]"));
                    first_difference(p, q, at);
                    return;
                }
            }
        }
        _ => {}
    }
}

/// The value at `path` (from [`first_difference`]), shortened.
fn short(v: &Value, path: &str) -> String {
    let mut cur = v;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, idx) = part.split_once('[').map_or((part, None), |(k, rest)| (k, Some(rest)));
        cur = &cur[key];
        if let Some(rest) = idx {
            for i in rest.split('[') {
                cur = &cur[i.trim_end_matches(']').parse::<usize>().unwrap_or(0)];
            }
        }
    }
    let s = if cur.is_null() { "absent".to_owned() } else { cur.to_string() };
    if s.len() > 120 {
        format!("{}…", &s[..s.char_indices().nth(120).map_or(s.len(), |(i, _)| i)])
    } else {
        s
    }
}
