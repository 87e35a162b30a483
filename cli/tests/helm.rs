//! Helm charts through the CLI, with `tests/fake-helm` standing in for helm (no helm on the test machines): it
//! checks kvet's arguments as helm does and prints the output recorded beside the chart (a hand-written copy
//! of what helm prints: `# Source:` lines, documents).

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fake_helm() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake-helm")
}

/// A repository with the chart of `fixtures/yaml/helm-template/pass-rendered` at `charts/shop`, a loose
/// manifest, and `config` as its `.kvet.yaml`.
fn repo(name: &str, config: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kvet-helm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let chart = dir.join("charts/shop");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/yaml/helm-template/pass-rendered");
    for f in [
        "Chart.yaml",
        "values.yaml",
        "values-prod.yaml",
        "templates/_helpers.tpl",
        "templates/service.yaml",
        "templates/deployment.yaml",
    ] {
        std::fs::copy(fixture.join(f), chart.join(f)).unwrap();
    }
    // What helm prints with values-prod.yaml; with only the chart's values.yaml it fails on a required value.
    std::fs::copy(fixture.join("helm-template.txt"), chart.join("helm-template.values-prod.txt")).unwrap();
    std::fs::write(
        chart.join("helm-template.err"),
        "Error: execution error at (shop/templates/deployment.yaml:19:22): image.tag is required\n\nUse --debug flag to render out additional detail\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("configmap.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: b\n",
    )
    .unwrap();
    std::fs::write(dir.join(".kvet.yaml"), config).unwrap();
    dir
}

const PROD: &str = "helm:\n  charts:\n    - chart: charts/shop\n      release: shop\n      namespace: shop\n      values: [charts/shop/values-prod.yaml]\n";

fn kvet(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kvet")).current_dir(dir).args(args).env_remove("KVET_HELM").output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn a_configured_chart_is_rendered_and_findings_land_on_template_lines() {
    let dir = repo("render", PROD);
    let log = dir.join("helm.log");
    let out = Command::new(env!("CARGO_BIN_EXE_kvet"))
        .current_dir(&dir)
        .args(["check", ".", "--format", "short"])
        .arg("--helm")
        .arg(fake_helm())
        .env("FAKE_HELM_LOG", &log)
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    // The line that reads like the rendered one; the sidecar (all from values) at the template's first line.
    assert!(t.contains("charts/shop/templates/deployment.yaml:19:11: warning[image-tag-latest]: Container web"), "{t}");
    assert!(
        t.contains("charts/shop/templates/deployment.yaml:1:1: warning[image-tag-latest]: Container log-shipper"),
        "{t}"
    );
    assert!(t.contains("charts/shop/templates/deployment.yaml:1:1: warning[resources-missing]"), "{t}");
    assert!(!t.contains("helm-chart-not-rendered") && !t.contains("Chart.yaml:"), "{t}");
    let ran = std::fs::read_to_string(&log).unwrap();
    assert_eq!(ran.lines().count(), 1, "{ran}");
    assert!(
        ran.starts_with("template shop ") && ran.trim_end().ends_with("--namespace shop --kube-version 1.34.0"),
        "{ran}"
    );
    // The same through KVET_HELM, and in JSON the related location names the command.
    let out = Command::new(env!("CARGO_BIN_EXE_kvet"))
        .current_dir(&dir)
        .args(["check", ".", "--format", "json"])
        .env("KVET_HELM", fake_helm())
        .output()
        .unwrap();
    let t = text(&out);
    assert!(
        t.contains("rendered by `helm template shop charts/shop --namespace shop -f charts/shop/values-prod.yaml`"),
        "{t}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_configured_chart_helm_fails_on_is_an_error_at_the_template_line() {
    let config = "helm:\n  charts:\n    - chart: charts/shop\n      values: [charts/shop/values.yaml]\n";
    let dir = repo("fail", config);
    let out = kvet(&dir, &["check", ".", "--format", "short", "--helm", fake_helm().to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("charts/shop/templates/deployment.yaml:19:1: error[helm-template]: `helm template release-name charts/shop -f charts/shop/values.yaml` failed: execution error at (shop/templates/deployment.yaml:19:22): image.tag is required"),
        "{t}"
    );
    // A values file that does not exist: helm's own error, on the Chart.yaml.
    std::fs::write(
        dir.join(".kvet.yaml"),
        "helm:\n  charts:\n    - chart: charts/shop\n      values: [charts/shop/values-typo.yaml]\n",
    )
    .unwrap();
    let out = kvet(&dir, &["check", ".", "--format", "short", "--helm", fake_helm().to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("charts/shop/Chart.yaml:1:1: error[helm-template]:") && t.contains("no such file"), "{t}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unconfigured_chart_helm_fails_on_or_no_helm_is_one_info() {
    let dir = repo("info", "{}\n");
    let fake = fake_helm();
    let out = kvet(&dir, &["check", ".", "--format", "short", "--fail-on", "info", "--helm", fake.to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("charts/shop/Chart.yaml:1:1: info[helm-chart-not-rendered]: Helm chart charts/shop is not rendered with its default values"),
        "{t}"
    );
    assert_eq!(t.matches("[helm").count(), 1, "{t}");
    let out = kvet(&dir, &["check", ".", "--format", "short", "--no-helm"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains(
            "info[helm-chart-not-rendered]: Helm chart charts/shop is not rendered (Helm rendering is turned off"
        ),
        "{t}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pre_commit_on_a_values_file_checks_the_whole_rendering() {
    let dir = repo("precommit", PROD);
    let fake = fake_helm();
    let helm = ["--helm", fake.to_str().unwrap()];
    let staged = |file: &str| {
        let mut args = vec!["check", "--context", ".", "--format", "short", "--fail-on", "warning"];
        args.extend(helm);
        args.push(file);
        kvet(&dir, &args)
    };
    let out = staged("charts/shop/values-prod.yaml");
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("charts/shop/templates/deployment.yaml:19:11: warning[image-tag-latest]"), "{t}");
    // A change elsewhere does not report the chart.
    let out = staged("configmap.yaml");
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(!t.contains("charts/shop"), "{t}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_configuration_cannot_point_helm_outside_its_directory() {
    let dir = repo("outside", "helm:\n  charts:\n    - chart: charts/shop\n      values: [../../etc/passwd]\n");
    let out = kvet(&dir, &["check", ".", "--format", "short"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains(".kvet.yaml:4:") && t.contains("climbs out of the configuration's directory"), "{t}");
    let _ = std::fs::remove_dir_all(&dir);
}
