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
