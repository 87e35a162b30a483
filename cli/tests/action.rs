//! The GitHub Action (`action.yml`, composite) run as GitHub runs it: its `run:` steps go through
//! `bash --noprofile --norc -eo pipefail` with `${{ … }}` expressions replaced by the inputs (declared defaults
//! overridden by the workflow's `with:`), `INPUT_*`, `GITHUB_*` and `RUNNER_*` set, and the working directory a
//! temporary git repository of manifests. Two steps are not run: `uses: actions/cache` (GitHub's cache
//! service) and `Install kvet` (`cargo install` of this repository — the already-built kvet under test is put
//! on `PATH` instead). Checked: the annotations, the exit code, the step outputs, the job summary and SARIF.
#![allow(clippy::print_stderr)] // skip reasons and notes go to the test log

use kvet_engine::SourceFile;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repository root").to_path_buf()
}

fn target_dir() -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_kvet"));
    exe.parent().and_then(Path::parent).expect("target directory").to_path_buf()
}

fn action() -> Value {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let loaded = kvet_engine::yaml::load(&SourceFile::new("action.yml", text));
    assert!(loaded.problems.is_empty(), "action.yml: {:?}", loaded.problems);
    loaded.documents.into_iter().next().expect("one document").value
}

/// Replaces every `${{ expr }}` of `text`; an expression the emulation does not know fails the test.
fn substitute(text: &str, inputs: &BTreeMap<String, String>, ctx: &BTreeMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").map(|e| start + e).expect("unterminated ${{");
        let expr = rest[start + 3..end].trim();
        let value = match expr.strip_prefix("inputs.") {
            Some(name) => inputs.get(name).unwrap_or_else(|| panic!("undeclared input {name}")).clone(),
            None => ctx.get(expr).unwrap_or_else(|| panic!("expression `{expr}` is not emulated")).clone(),
        };
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

struct Run {
    status: i32,
    stdout: String,
    outputs: String,
    summary: String,
    workspace: PathBuf,
}

/// Runs the action in `workspace` with the `with:` values of a workflow step.
fn run_action(workspace: &Path, with: &[(&str, &str)]) -> Run {
    let action = action();
    assert_eq!(action["runs"]["using"], "composite");
    let mut inputs = BTreeMap::new();
    for (name, spec) in action["inputs"].as_object().expect("inputs") {
        inputs.insert(name.clone(), spec["default"].as_str().unwrap_or_default().to_string());
    }
    for (name, value) in with {
        assert!(inputs.contains_key(*name), "the action has no input {name}");
        inputs.insert(name.to_string(), value.to_string());
    }
    let runner =
        workspace.parent().unwrap().join(format!("{}-runner", workspace.file_name().unwrap().to_string_lossy()));
    let _ = std::fs::remove_dir_all(&runner);
    std::fs::create_dir_all(runner.join("temp")).unwrap();
    let files: BTreeMap<&str, PathBuf> = ["GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH"]
        .into_iter()
        .map(|name| {
            let path = runner.join(name.to_lowercase());
            std::fs::write(&path, "").unwrap();
            (name, path)
        })
        .collect();
    let action_path = repo_root();
    let ctx: BTreeMap<&str, String> = [
        ("github.action_path", action_path.display().to_string()),
        ("github.workspace", workspace.display().to_string()),
        ("github.action_ref", String::new()),
        ("github.sha", "0000000000000000000000000000000000000000".to_string()),
        ("runner.os", "Linux".to_string()),
        ("runner.temp", runner.join("temp").display().to_string()),
        ("steps.kvet.outputs.exit-code", String::new()),
        ("steps.kvet.outputs.sarif-file", String::new()),
    ]
    .into_iter()
    .collect();
    // The kvet under test stands in for `cargo install`'s.
    let kvet_dir = Path::new(env!("CARGO_BIN_EXE_kvet")).parent().unwrap();
    let path = format!("{}:{}", kvet_dir.display(), std::env::var("PATH").unwrap_or_default());

    let mut status = 0;
    let mut stdout = String::new();
    for (i, step) in action["runs"]["steps"].as_array().expect("steps").iter().enumerate() {
        let name = step["name"].as_str().unwrap_or_default();
        if let Some(uses) = step["uses"].as_str() {
            assert!(uses.starts_with("actions/cache@"), "unexpected `uses: {uses}` in the action");
            // Still check that its expressions are all known.
            substitute(&step["with"].to_string(), &inputs, &ctx);
            continue;
        }
        let script = substitute(step["run"].as_str().expect("run"), &inputs, &ctx);
        if name == "Install kvet" {
            assert!(script.contains("cargo install --path \"$GITHUB_ACTION_PATH/cli\" --locked"), "{script}");
            eprintln!("note: step `Install kvet` not run: the kvet binary under test is used instead of cargo install");
            continue;
        }
        assert_eq!(step["shell"], "bash", "step {name}");
        let script_path = runner.join(format!("step-{i}.sh"));
        std::fs::write(&script_path, &script).unwrap();
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"]).arg(&script_path).current_dir(workspace);
        cmd.env("PATH", &path)
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", workspace)
            .env("GITHUB_ACTION_PATH", &action_path)
            .env("RUNNER_TEMP", runner.join("temp"))
            .env("RUNNER_OS", "Linux")
            .env_remove("NO_COLOR");
        for (name, file) in &files {
            cmd.env(name, file);
        }
        for (name, value) in &inputs {
            cmd.env(format!("INPUT_{}", name.to_uppercase()), value);
        }
        if let Some(env) = step["env"].as_object() {
            for (k, v) in env {
                cmd.env(k, substitute(v.as_str().unwrap_or_default(), &inputs, &ctx));
            }
        }
        let out = cmd.output().expect("run bash");
        stdout.push_str(&String::from_utf8_lossy(&out.stdout));
        status = out.status.code().unwrap_or(-1);
        if status != 0 {
            eprintln!("step `{name}` failed with {status}: {}", String::from_utf8_lossy(&out.stderr));
            break;
        }
    }
    Run {
        status,
        stdout,
        outputs: std::fs::read_to_string(&files["GITHUB_OUTPUT"]).unwrap(),
        summary: std::fs::read_to_string(&files["GITHUB_STEP_SUMMARY"]).unwrap(),
        workspace: workspace.to_path_buf(),
    }
}

fn volume(policy: &str) -> String {
    format!(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: scratch\nspec:\n  capacity: {{storage: 5Gi}}\n  \
         accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: {policy}\n  \
         nfs: {{server: nfs.example.internal, path: /exports/scratch}}\n"
    )
}

/// A git repository of manifests under `target/`, fresh for each test.
fn manifest_repo(name: &str, policy: &str) -> PathBuf {
    let dir = target_dir().join("action-test").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("deploy")).unwrap();
    std::fs::write(dir.join("deploy/volume.yaml"), volume(policy)).unwrap();
    std::fs::write(dir.join("deploy/config.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n")
        .unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(&dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@kvet.invalid")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@kvet.invalid")
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "manifests"]);
    dir
}

#[test]
fn the_action_declares_the_documented_inputs() {
    let action = action();
    let inputs: Vec<&str> = action["inputs"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        inputs,
        ["paths", "rules", "config", "format", "fail-on", "sarif-file", "k8s-version", "k8s-upgrade-to"]
    );
    assert_eq!(action["inputs"]["fail-on"]["default"], "warning");
    assert_eq!(action["inputs"]["format"]["default"], "github");
}

#[test]
fn a_warning_fails_the_step_with_annotations_a_summary_and_sarif() {
    let repo = manifest_repo("warning", "Recycle");
    let run = run_action(&repo, &[("paths", "deploy"), ("sarif-file", "reports/kvet.sarif")]);
    assert_eq!(run.status, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "::warning file=deploy/volume.yaml,line=8,col=3,endLine=8,endColumn=41,title=kvet%3A pv-reclaim-recycle::\
             PersistentVolume scratch uses the deprecated Recycle reclaim policy%0A"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("0 errors, 1 warning, 0 infos in 2 files (2 resources)"), "{}", run.stdout);
    assert_eq!(run.outputs, "sarif-file=reports/kvet.sarif\nexit-code=1\n");
    assert!(run.summary.starts_with("### kvet\n"), "{}", run.summary);
    assert!(run.summary.contains("| warning | [`pv-reclaim-recycle`]("), "{}", run.summary);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.workspace.join("reports/kvet.sarif")).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "pv-reclaim-recycle");
    assert_eq!(results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "deploy/volume.yaml");
}

#[test]
fn fail_on_error_lets_warnings_pass_and_a_clean_repository_passes() {
    let repo = manifest_repo("fail-on-error", "Recycle");
    let run = run_action(&repo, &[("fail-on", "error")]);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert!(run.stdout.contains("::warning file=deploy/volume.yaml,line=8,"), "{}", run.stdout);
    assert_eq!(run.outputs, "exit-code=0\n");

    let clean = manifest_repo("clean", "Retain");
    let run = run_action(&clean, &[]);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert_eq!(run.stdout, "no problems found in 2 files (2 resources)\n");
    assert!(run.summary.contains("✅ no problems found"), "{}", run.summary);
}

#[test]
fn a_configuration_error_is_exit_status_2_without_sarif() {
    let repo = manifest_repo("bad-config", "Retain");
    let run = run_action(&repo, &[("config", "missing.yaml"), ("sarif-file", "kvet.sarif")]);
    assert_eq!(run.status, 2, "{}", run.stdout);
    assert_eq!(run.outputs, "exit-code=2\n");
    assert!(!run.workspace.join("kvet.sarif").exists());
}
