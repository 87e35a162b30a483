//! CLI behaviour as data: each `tests/cmd/*.toml` states arguments, stdin, exit status and exact output.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}

/// A pull request controls file names and values. In no text format may one of them start a line of the log
/// with `::` (a GitHub Actions workflow command) or put a raw escape sequence on the terminal; in `github`, the
/// only workflow commands are kvet's own annotations, one per finding.
#[cfg(unix)]
#[test]
fn hostile_file_names_and_values_inject_nothing() {
    use std::process::Command;
    let dir = std::env::temp_dir().join(format!("kvet-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: \"c\\n::error::VALUE\\u001b[2J\"\n          image: \"nginx:latest\\n::add-mask::VALUE\"\n          volumeMounts: [{name: \"v\\r::stop-commands::x\", mountPath: /x}]\n";
    std::fs::write(dir.join("f\n::error::NAME.yaml"), manifest).unwrap();
    std::fs::write(dir.join("g\r::warning::NAME\u{1b}[31m.yaml"), "a: [1\n").unwrap();
    for format in ["human", "short", "json", "sarif", "github", "junit"] {
        let out =
            Command::new(env!("CARGO_BIN_EXE_kvet")).args(["check", "--format", format]).arg(&dir).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            let mut commands = 0;
            for line in text.split(['\n', '\r']) {
                let line = line.trim_start();
                if line.starts_with("::") {
                    let ours = format == "github"
                        && stream == "stdout"
                        && ["::error file=", "::warning file=", "::notice file="].iter().any(|p| line.starts_with(p));
                    assert!(ours, "{format} {stream}: a line starts a workflow command: {line:?}");
                    commands += 1;
                }
                assert!(!line.contains("\u{1b}[2J") && !line.contains("\u{1b}[31m"), "{format} {stream}: {line:?}");
            }
            if format == "github" && stream == "stdout" {
                assert!(commands >= 2, "{format}: {text}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--output` never overwrites an input file, directly or through a symlink; a new report file is written
/// whole (through a temporary file and a rename).
#[cfg(unix)]
#[test]
fn output_refuses_to_overwrite_an_input() {
    use std::process::Command;
    let dir = std::env::temp_dir().join(format!("kvet-output-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n";
    std::fs::write(dir.join("good.yaml"), manifest).unwrap();
    std::os::unix::fs::symlink(dir.join("good.yaml"), dir.join("report.json")).unwrap();
    let kvet = |output: &str| {
        Command::new(env!("CARGO_BIN_EXE_kvet"))
            .current_dir(&dir)
            .args(["check", "good.yaml", "--format", "json", "--output", output])
            .output()
            .unwrap()
    };
    for output in ["good.yaml", "./good.yaml", "report.json"] {
        let out = kvet(output);
        assert_eq!(out.status.code(), Some(2), "{output}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to overwrite"), "{output}");
        assert_eq!(std::fs::read_to_string(dir.join("good.yaml")).unwrap(), manifest);
    }
    let out = kvet("out.json");
    assert_eq!(out.status.code(), Some(0));
    let written = std::fs::read_to_string(dir.join("out.json")).unwrap();
    assert!(written.starts_with('{') && written.contains("\"version\""), "{written}");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A path that cannot be read — missing, a symlink loop, a dangling symlink, a FIFO — is reported at the path
/// and every other path is still checked (it used to abort the run with exit status 2, or, for a FIFO, to be
/// skipped without a word). A `--context` directory that does not exist stays a usage error.
#[cfg(unix)]
#[test]
fn unreadable_paths_are_reported_and_the_rest_is_checked() {
    use std::process::Command;
    let dir = std::env::temp_dir().join(format!("kvet-unreadable-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("good.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n")
        .unwrap();
    std::os::unix::fs::symlink("loop-b", dir.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", dir.join("loop-b")).unwrap();
    std::os::unix::fs::symlink("nowhere.yaml", dir.join("dangling.yaml")).unwrap();
    let fifo = dir.join("pipe.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let mut args = vec!["check", "--format", "short", "good.yaml", "missing.yaml", "loop-a", "dangling.yaml"];
    if made {
        args.push("pipe.yaml");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_kvet")).args(&args).current_dir(&dir).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("missing.yaml:1:1: error[input-unreadable]: no such file or directory"), "{text}");
    assert!(text.contains("loop-a:1:1: error[input-unreadable]: a symbolic link loop"), "{text}");
    assert!(text.contains("dangling.yaml:1:1: error[input-unreadable]: a symbolic link to nowhere.yaml"), "{text}");
    if made {
        assert!(text.contains("pipe.yaml:1:1: error[input-unreadable]: a FIFO (named pipe)"), "{text}");
    }
    let files = if made { 5 } else { 4 };
    assert!(text.contains(&format!("in {files} files (1 resource)")), "{text}");
    let out = Command::new(env!("CARGO_BIN_EXE_kvet"))
        .args(["check", "good.yaml", "--context", "no-such-dir"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-dir: no such file or directory"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kvet explain config` and `kvet explain rule-pack`, which every configuration and rule-pack error names,
/// print the format's documentation, even when the configuration itself is broken.
#[test]
fn explain_topics_of_config_and_pack_errors() {
    for (topic, title) in [("config", "# Configuration"), ("rule-pack", "# Writing kvet rules")] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kvet"))
            .args(["explain", topic, "--config", "tests/cmd/data/config-errors/two-documents.kvet.yaml"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{topic}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with(title), "{topic}");
    }
}
