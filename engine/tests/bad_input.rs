//! Bad input never panics, is reported with a location, and loses nothing else.

use kvet_engine::config::Config;
use kvet_engine::pack::Pack;
use kvet_engine::{check, Report, SourceFile, SourceMap};
use std::collections::BTreeMap;

fn run(files: Vec<SourceFile>) -> Report {
    let pack = Pack::load(&[], &BTreeMap::new()).expect("embedded pack loads");
    let mut sources = SourceMap::default();
    for f in files {
        sources.add(f);
    }
    check(sources, &pack, &Config::default())
}

/// (file name, line, rule) of every finding.
fn found(report: &Report) -> Vec<(String, u32, String)> {
    report
        .findings
        .iter()
        .map(|f| {
            let file = report.sources.get(f.file);
            (file.name.clone(), file.position(f.span.start).line, f.rule.clone())
        })
        .collect()
}

const GOOD: &str = "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv\nspec:\n  capacity:\n    storage: 1Gi\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Recycle\n  nfs: {server: nfs.example.com, path: /exports}\n";

fn good() -> SourceFile {
    SourceFile::new("good.yaml", GOOD)
}

fn has(report: &Report, file: &str, line: u32, rule: &str) -> bool {
    found(report).contains(&(file.to_owned(), line, rule.to_owned()))
}

#[test]
fn unparseable_yaml_is_located_and_other_files_still_checked() {
    let r = run(vec![SourceFile::new("bad.yaml", "a: [1, 2\nb: 3\n"), good()]);
    assert!(found(&r).iter().any(|(f, _, rule)| f == "bad.yaml" && rule == "yaml-syntax"), "{:?}", found(&r));
    assert!(has(&r, "good.yaml", 9, "pv-reclaim-recycle"));
}

#[test]
fn tab_in_indentation() {
    let r = run(vec![SourceFile::new("tab.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n"), good()]);
    let f = r.findings.iter().find(|f| f.rule == "yaml-syntax").expect("syntax finding");
    assert!(f.message.contains("tab"), "{}", f.message);
    assert!(has(&r, "good.yaml", 9, "pv-reclaim-recycle"));
}

#[test]
fn duplicate_keys() {
    let r = run(vec![SourceFile::new(
        "dup.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"1\"\n  a: \"2\"\n",
    )]);
    assert!(has(&r, "dup.yaml", 7, "yaml-duplicate-key"), "{:?}", found(&r));
    assert_eq!(r.findings[0].related.len(), 1);
}

#[test]
fn document_that_is_a_list_or_scalar_and_missing_identity() {
    let r = run(vec![SourceFile::new(
        "odd.yaml",
        "- a\n- b\n---\njust a string\n---\nkind: ConfigMap\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: ConfigMap\n",
    )]);
    let lines: Vec<u32> = r
        .findings
        .iter()
        .filter(|f| f.rule == "manifest-identity")
        .map(|f| r.sources.get(f.file).position(f.span.start).line)
        .collect();
    assert_eq!(lines, vec![1, 4, 6, 10], "{:?}", found(&r));
}

#[test]
fn empty_file_has_no_findings() {
    let r = run(vec![SourceFile::new("empty.yaml", ""), SourceFile::new("comments.yaml", "# nothing\n---\n")]);
    assert!(r.findings.is_empty(), "{:?}", found(&r));
    assert_eq!(r.summary.documents, 0);
}

#[test]
fn binary_and_non_utf8_files() {
    let r = run(vec![
        SourceFile::from_bytes("bin.yaml", vec![0x7f, b'E', b'L', b'F', 0, 1, 2]),
        SourceFile::from_bytes(
            "latin1.yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n".to_vec(),
        ),
        good(),
    ]);
    let f = found(&r);
    assert!(f.iter().any(|(n, _, rule)| n == "bin.yaml" && rule == "yaml-syntax"), "{f:?}");
    assert!(f.iter().any(|(n, l, rule)| n == "latin1.yaml" && *l == 4 && rule == "yaml-syntax"), "{f:?}");
    assert!(has(&r, "good.yaml", 9, "pv-reclaim-recycle"));
}

#[test]
fn billion_laughs_is_bounded() {
    let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let p = i - 1;
        s.push_str(&format!("  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    let start = std::time::Instant::now();
    let r = run(vec![SourceFile::new("lol.yaml", s), good()]);
    assert!(r.findings.iter().any(|f| f.rule == "yaml-syntax" && f.message.contains("billion laughs")));
    assert!(has(&r, "good.yaml", 9, "pv-reclaim-recycle"));
    assert!(start.elapsed().as_secs() < 30, "bounded time");
}

#[test]
fn large_file_is_checked_with_correct_lines() {
    // ~50 MB: 100k small documents; the last one has the problem.
    let mut s = String::with_capacity(52 << 20);
    let filler = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-NUM\ndata:\n  key: \"a value that makes the document a little bigger than it needs to be for realism, padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding\"\n---\n";
    let mut n = 0;
    while s.len() < 50 << 20 {
        s.push_str(&filler.replace("NUM", &n.to_string()));
        n += 1;
    }
    let lines_before = s.lines().count() as u32;
    s.push_str(GOOD);
    let r = run(vec![SourceFile::new("big.yaml", s)]);
    assert!(has(&r, "big.yaml", lines_before + 9, "pv-reclaim-recycle"), "{:?}", found(&r));
    assert_eq!(r.summary.resources, n + 1);
}

#[test]
fn bad_rule_files_are_located() {
    let dir = std::env::temp_dir().join(format!("kvet-bad-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("my-rule.yaml"),
        "id: my-rule\nseverity: warning\narea: custom\nsummary: s\ntarget: Object\ndeny: {type: 12}\nmessage: m\ndocs: d\nunknwon: 1\n",
    )
    .unwrap();
    let err = Pack::load(&[dir.as_path()], &BTreeMap::new()).expect_err("bad rule file");
    let f = &err.findings[0];
    let file = err.sources.get(f.file);
    assert_eq!(file.position(f.span.start).line, 9, "{}", f.message);
    assert!(f.message.contains("unknwon"));
    std::fs::write(
        dir.join("my-rule.yaml"),
        "id: my-rule\nseverity: warning\narea: custom\nsummary: s\ntarget: Object\ndeny: {type: 12}\nmessage: m\ndocs: d\n",
    )
    .unwrap();
    let err = Pack::load(&[dir.as_path()], &BTreeMap::new()).expect_err("bad schema");
    let f = &err.findings[0];
    assert_eq!(err.sources.get(f.file).position(f.span.start).line, 6, "{}", f.message);
    std::fs::remove_dir_all(&dir).ok();
}

/// A check rule's parameter that its template does not read (a typo of `report`) fails the pack at the
/// parameter, with the name the template reads; it used to select the template's default silently.
#[test]
fn misspelled_template_parameters_are_errors() {
    let dir = std::env::temp_dir().join(format!("kvet-param-typo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rule = "id: my-unused\nseverity: warning\narea: custom\nsummary: s\ntarget: PodSpec\ncheck: volume-refs\nparams:\n  reprot: unused\nmessage: \"volume {{check.volume}}\"\ndocs: d\n";
    std::fs::write(dir.join("my-unused.yaml"), rule).unwrap();
    let err = Pack::load(&[dir.as_path()], &BTreeMap::new()).expect_err("a misspelled parameter");
    let f = &err.findings[0];
    assert_eq!(err.sources.get(f.file).position(f.span.start).line, 8, "{}", f.message);
    assert!(f.message.contains("`reprot`") && f.message.contains("did you mean `report`?"), "{}", f.message);
    std::fs::write(dir.join("my-unused.yaml"), rule.replace("reprot", "report")).unwrap();
    assert!(Pack::load(&[dir.as_path()], &BTreeMap::new()).is_ok());
    std::fs::remove_dir_all(&dir).ok();
}

/// A rule file that is not text, and a rule directory that does not exist, are reported at their paths (they
/// were `<rules>:1:1`), and the pack error report counts the files with errors, not every rule file.
#[test]
fn unreadable_rule_paths_are_named() {
    let dir = std::env::temp_dir().join(format!("kvet-binary-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("blob.yaml"), [0xff, 0xfe, 0x00, 0x9c, 0x41]).unwrap();
    let missing = dir.join("no-such-dir");
    let err = Pack::load(&[dir.as_path(), missing.as_path()], &BTreeMap::new()).expect_err("unreadable rules");
    let names: Vec<&str> = err.findings.iter().map(|f| err.sources.get(f.file).name.as_str()).collect();
    assert_eq!(names, [dir.join("blob.yaml").display().to_string(), missing.display().to_string()], "{names:?}");
    assert!(err.findings[0].message.contains("cannot read rule file"), "{}", err.findings[0].message);
    assert_eq!(err.into_report().summary.files, 2);
    std::fs::remove_dir_all(&dir).ok();
}

/// A template variable that cannot have a value fails the pack at the line of the text that uses it: the
/// fields of a scalar view's node, `check.*` values a template does not set, parameters that do not exist,
/// roots a kind of test does not fill.
#[test]
fn unresolvable_template_variables_fail_the_pack() {
    let dir = std::env::temp_dir().join(format!("kvet-bad-templates-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let head = "id: my-rule\nseverity: warning\narea: custom\nsummary: s\ntarget: Object\ndocs: d\n";
    let cases = [
        (
            "select: $.data[*]\nview: scalar\ndeny: {type: object}\nmessage: \"read as {{node.value}}\"\n",
            10,
            "view: scalar",
        ),
        ("check: volume-mounts\nmessage: \"{{check.nope}}\"\n", 8, "sets container"),
        ("deny: {type: object}\nmessage: m\nhelp: \"{{params.missing}}\"\n", 9, "names no parameter"),
        ("deny: {type: object}\nmessage: \"{{error}} {{object.labels}}\"\n", 8, "only for `assert`"),
        ("deny: {type: object}\nmessage: \"{{object.labels}}\"\n", 8, "kind, name, namespace"),
        ("deny: {type: object}\nmessage: \"{{nodes.name}}\"\n", 8, "unknown template variable"),
        ("message: m\ncases:\n  - deny: {type: object}\n    message: \"{{require.name}}\"\n", 10, "`require:` rules"),
    ];
    for (body, line, text) in cases {
        std::fs::write(dir.join("my-rule.yaml"), format!("{head}{body}")).unwrap();
        let err = Pack::load(&[dir.as_path()], &BTreeMap::new()).expect_err(body);
        let f = &err.findings[0];
        assert_eq!(err.sources.get(f.file).position(f.span.start).line, line, "{body}: {}", f.message);
        assert!(f.message.contains(text), "{body}: {}", f.message);
    }
    std::fs::write(
        dir.join("my-rule.yaml"),
        format!("{head}select: $.data[*]\nview: scalar\ndeny: {{type: object}}\nmessage: \"{{{{raw}}}} is {{{{node}}}} ({{{{object.kind}}}} {{{{x ?? none}}}})\"\n"),
    )
    .unwrap();
    let err = Pack::load(&[dir.as_path()], &BTreeMap::new()).expect_err("unknown root even with a fallback");
    assert!(err.findings[0].message.contains("unknown template variable `{{x}}`"), "{}", err.findings[0].message);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_config_is_located() {
    let e = Config::parse(".kvet.yaml", "rules:\n  image-tag-latest: {severty: error}\n").expect_err("typo");
    assert_eq!(e.sources.get(e.findings[0].file).position(e.findings[0].span.start).line, 2);
    let e = Config::parse(".kvet.yaml", "defaultNamespace: [a\n").expect_err("syntax");
    assert!(e.findings[0].message.contains("YAML"));
}

#[test]
fn a_panic_on_one_file_or_object_is_an_internal_error_and_the_rest_is_checked() {
    use kvet_engine::guard::Fault;
    let pack = Pack::load(&[], &BTreeMap::new()).expect("embedded pack loads");
    for fault in [Fault::Load, Fault::Evaluate] {
        let mut sources = SourceMap::default();
        sources.add(good());
        sources.add(SourceFile::new("bad.yaml", "a: [1, 2\nb: 3\n"));
        let config = Config { fault: Some(fault), ..Config::default() };
        let r = check(sources, &pack, &config);
        let internal: Vec<_> = found(&r).into_iter().filter(|(_, _, rule)| rule == "internal-error").collect();
        match fault {
            // Every file fails to load; each says so on its first line.
            Fault::Load => assert_eq!(
                internal,
                [
                    ("good.yaml".to_owned(), 1, "internal-error".to_owned()),
                    ("bad.yaml".to_owned(), 1, "internal-error".to_owned())
                ]
            ),
            // The one object fails to be checked; the other file's syntax error is still reported.
            Fault::Evaluate => {
                assert_eq!(internal, [("good.yaml".to_owned(), 1, "internal-error".to_owned())]);
                assert!(
                    has(&r, "bad.yaml", 1, "yaml-syntax") || has(&r, "bad.yaml", 2, "yaml-syntax"),
                    "{:?}",
                    found(&r)
                );
            }
        }
        let f = r.findings.iter().find(|f| f.rule == "internal-error").unwrap();
        assert!(f.message.contains("fault injected") && f.help.as_deref().unwrap_or("").contains("bug in kvet"));
    }
}

#[cfg(unix)]
#[test]
fn rule_files_are_read_only_inside_their_directory() {
    let dir = std::env::temp_dir().join(format!("kvet-pack-escape-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("secret.yaml"), "SECRET_TOKEN=hunter2\n").unwrap();
    std::fs::write(dir.join("passwd"), "root:x:0:0\n").unwrap();
    std::os::unix::fs::symlink(dir.join("secret.yaml"), dir.join("policies/x.yaml")).unwrap();
    let errors = |extra: &std::path::Path| {
        let Err(e) = Pack::load(&[extra], &BTreeMap::new()) else { panic!("the pack is refused") };
        let report = e.into_report();
        let text: Vec<String> =
            report.findings.iter().map(|f| format!("{} {}", f.message, report.sources.get(f.file).text)).collect();
        text.join("\n")
    };
    let linked = errors(&dir.join("policies"));
    assert!(linked.contains("symbolic link to a file outside"), "{linked}");
    assert!(!linked.contains("hunter2"), "the linked file's content is never shown: {linked}");
    let other = errors(&dir.join("passwd"));
    assert!(other.contains("is not a rule file") && !other.contains("root:x"), "{other}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_finding_on_a_line_of_millions_of_characters_renders_without_a_snippet() {
    use kvet_engine::report::{render, Format, RenderOptions};
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: minified\ndata: {{blob: \"{}\", bad key: v}}\n",
        "x".repeat(3_000_000)
    );
    let r = run(vec![SourceFile::new("wide.yaml", text), good()]);
    assert!(has(&r, "wide.yaml", 5, "config-key-invalid"), "{:?}", found(&r));
    let out = render(&r, Format::Human, &RenderOptions::default());
    assert!(out.contains("(the line is too long to show)"), "{}", &out[..out.len().min(2000)]);
    assert!(out.contains("pv-reclaim-recycle"), "the other findings are still drawn");
}
