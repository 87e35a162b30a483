//! `--format sarif` checked by real validators: the SARIF 2.1.0 JSON schema (vendored in `tests/data-sarif/`,
//! validated with the `jsonschema` crate) and Microsoft's SARIF Multitool (`validate`, installed from npm into
//! `target/npm` on first use and cached there), which must report no error and no warning.
#![allow(clippy::print_stderr)] // skip reasons and notes go to the test log

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const MULTITOOL: &str = "@microsoft/sarif-multitool-linux@5.7.0";

fn cli_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/` (the directory above the profile directory of the kvet binary under test).
fn target_dir() -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_kvet"));
    exe.parent().and_then(Path::parent).expect("target directory").to_path_buf()
}

fn kvet(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kvet"))
        .args(args)
        .current_dir(cli_dir().join("tests/cmd"))
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("run kvet")
}

fn sarif_text() -> String {
    let out = kvet(&["check", "--no-config", "--format", "sarif", "data/formats"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn schema_errors(doc: &Value) -> Vec<String> {
    let schema_text = std::fs::read_to_string(cli_dir().join("tests/data-sarif/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::options().should_validate_formats(true).build(&schema).expect("the schema compiles");
    validator.iter_errors(doc).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let doc: Value = serde_json::from_str(&sarif_text()).expect("JSON");
    assert_eq!(schema_errors(&doc), Vec::<String>::new());

    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(rules[index]["helpUri"]
            .as_str()
            .unwrap()
            .starts_with("https://github.com/kvet-dev/kvet/blob/main/docs/rules/"));
    }
    // The duplicate key points back at its first definition.
    let duplicate = results.iter().find(|r| r["ruleId"] == "yaml-duplicate-key").unwrap();
    let related = &duplicate["relatedLocations"][0]["physicalLocation"];
    assert_eq!(related["artifactLocation"]["uri"], "data/formats/app.yaml");
    assert_eq!(related["region"]["startLine"], 29);

    // The schema check is not vacuous: a broken region is rejected.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert_eq!(schema_errors(&broken).len(), 2, "{:?}", schema_errors(&broken));
}

#[test]
fn sarif_is_deterministic() {
    assert_eq!(sarif_text(), sarif_text());
}

#[test]
fn output_file_gets_the_format_and_the_terminal_the_human_report() {
    let dir = target_dir().join("tmp-sarif-output");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("kvet.sarif");
    let _ = std::fs::remove_file(&file);
    let out = kvet(&["check", "--no-config", "--format", "sarif", "--output", file.to_str().unwrap(), "data/formats"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), sarif_text());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("╭─[data/formats/storage.yaml:8:3]"), "{stdout}");
    assert!(stdout.ends_with("2 errors, 4 warnings, 0 infos in 3 files (4 resources)\n"), "{stdout}");
}

/// The Multitool binary, installed with npm into `target/npm` when missing; `Err` says why it is not there.
fn multitool() -> Result<PathBuf, String> {
    let prefix = target_dir().join("npm");
    let binary = prefix.join("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    if !binary.is_file() {
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(MULTITOOL)
            .status()
            .map_err(|e| format!("npm is not available ({e})"))?;
        if !status.success() || !binary.is_file() {
            return Err(format!("`npm install {MULTITOOL}` failed ({status})"));
        }
    }
    // npm may skip the package's postinstall `chmod u+x` (install scripts not allowed).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut perms = std::fs::metadata(&binary).map_err(|e| e.to_string())?.permissions();
        perms.set_mode(perms.mode() | 0o700);
        std::fs::set_permissions(&binary, perms).map_err(|e| e.to_string())?;
    }
    Ok(binary)
}

#[test]
fn sarif_multitool_validate_reports_no_error_and_no_warning() {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        eprintln!("SKIPPED: the SARIF Multitool npm package used here is for x86-64 Linux");
        return;
    }
    let tool = match multitool() {
        Ok(t) => t,
        Err(why) => {
            eprintln!("SKIPPED: SARIF Multitool validation: {why}");
            return;
        }
    };
    let dir = target_dir().join("tmp-sarif-multitool");
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("kvet.sarif");
    let log = dir.join("validation.sarif");
    let _ = std::fs::remove_file(&log);
    std::fs::write(&input, sarif_text()).unwrap();
    let out = Command::new(&tool)
        .arg("validate")
        .arg(&input)
        .arg("--output")
        .arg(&log)
        .args(["--log", "ForceOverwrite", "--level", "Error;Warning"])
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("run the SARIF Multitool");
    let console = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{console}");
    let validation: Value = serde_json::from_str(&std::fs::read_to_string(&log).expect("validation log")).unwrap();
    let run = &validation["runs"][0];
    assert_eq!(run["invocations"][0]["executionSuccessful"], true, "{console}");
    let problems: Vec<String> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        // A result without `level` is a warning (SARIF §3.27.10).
        .filter(|r| r["level"].as_str().unwrap_or("warning") != "note")
        .map(|r| format!("{} {}: {}", r["level"], r["ruleId"], r["message"]))
        .collect();
    assert_eq!(problems, Vec::<String>::new());

    // The Multitool does find problems: a result with line 0 is an error.
    let mut broken: Value = serde_json::from_str(&sarif_text()).unwrap();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    std::fs::write(&input, broken.to_string()).unwrap();
    let out = Command::new(&tool)
        .arg("validate")
        .arg(&input)
        .arg("--output")
        .arg(&log)
        .args(["--log", "ForceOverwrite", "--level", "Error;Warning"])
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("run the SARIF Multitool");
    let validation: Value = serde_json::from_str(&std::fs::read_to_string(&log).expect("validation log")).unwrap();
    let errors = validation["runs"][0]["results"].as_array().unwrap().len();
    assert!(errors > 0, "{}", String::from_utf8_lossy(&out.stdout));
}
