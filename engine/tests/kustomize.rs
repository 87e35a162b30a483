//! Findings on rendered kustomizations land at the lines to edit, with the overlays that render them named.

use kvet_engine::config::Config;
use kvet_engine::discover::{discover, read, Filter};
use kvet_engine::pack::Pack;
use kvet_engine::{check, Report};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn shop() -> Report {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/kustomize/fail-shop");
    let found = discover(&[root], None, &Filter::none()).expect("the fixture exists");
    let pack = Pack::load(&[], &BTreeMap::new()).expect("embedded pack loads");
    check(read(&found.inputs), &pack, &Config::default())
}

fn file_of(report: &Report, f: &kvet_engine::Finding) -> String {
    report.sources.get(f.file).name.rsplit("fail-shop/").next().unwrap_or_default().to_owned()
}

#[test]
fn a_base_problem_of_both_overlays_is_reported_once_naming_both() {
    let report = shop();
    let missing: Vec<_> = report.findings.iter().filter(|f| f.rule == "config-ref-object-missing").collect();
    assert_eq!(missing.len(), 1, "one finding for both overlays");
    let f = missing[0];
    assert_eq!(file_of(&report, f), "base/deployment.yaml");
    assert_eq!(report.sources.get(f.file).position(f.span.start).line, 32);
    let rendered_by: Vec<&str> = f.related.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(rendered_by.len(), 2, "{rendered_by:?}");
    assert!(rendered_by[0].ends_with("overlays/prod/kustomization.yaml"), "{rendered_by:?}");
    assert!(rendered_by[1].ends_with("overlays/staging/kustomization.yaml"), "{rendered_by:?}");
}

#[test]
fn a_wrong_key_a_patch_introduces_is_reported_at_the_patch_and_hashed_names_resolve() {
    let report = shop();
    let key: Vec<_> = report.findings.iter().filter(|f| f.rule == "config-ref-key-missing").collect();
    assert_eq!(key.len(), 1);
    assert_eq!(file_of(&report, key[0]), "overlays/staging/db-user.yaml");
    assert_eq!(report.sources.get(key[0].file).position(key[0].span.start).line, 15);
    assert!(key[0].message.contains("staging-db-"), "{}", key[0].message);
    // The generated ConfigMap (hash-suffixed) and Secret resolve: no other reference is missing.
    assert!(!report.findings.iter().any(|f| f.rule == "config-ref-object-missing" && f.message.contains("web-config")));
    // Findings are on real files only; the virtual renderings are gone from the report.
    assert!(report.sources.iter().all(|(_, s)| !s.name.ends_with("/rendered")));
    assert_eq!(report.summary.resources, 10);
}

#[test]
fn a_changed_patch_is_checked_through_its_rendering_when_the_rest_is_context() {
    // What pre-commit runs: the changed file named, the repository as `--context`.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/kustomize/fail-shop");
    let found = discover(&[root.join("overlays/staging/db-user.yaml")], Some(&root), &Filter::none()).unwrap();
    let pack = Pack::load(&[], &BTreeMap::new()).expect("embedded pack loads");
    let report = check(read(&found.inputs), &pack, &Config::default());
    let rules: Vec<(&str, String)> = report.findings.iter().map(|f| (f.rule.as_str(), file_of(&report, f))).collect();
    assert!(rules.contains(&("config-ref-key-missing", "overlays/staging/db-user.yaml".into())), "{rules:?}");
    // Nothing on the unchanged base or the other overlay.
    assert!(rules.iter().all(|(_, file)| file == "overlays/staging/db-user.yaml"), "{rules:?}");
}
