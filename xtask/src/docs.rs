//! `cargo xtask docs [--check]`: one page per rule in `docs/rules/`, plus an index.
//!
//! The pages are generated from `kvet rules --format json` (the rule's own metadata and `docs:` text) and the
//! rule's fixtures (`fail.yaml`, its `fail.out` snapshot, `pass.yaml`), so documentation cannot drift from
//! behaviour. `--check` writes nothing and fails when a page is missing, different or orphaned.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::{build_kvet, describe_status, display_path, repo_root, Args, TaskError, TaskResult};

/// Rule metadata needed for the pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub severity: String,
    pub area: String,
    pub summary: String,
    pub docs: String,
    pub since: Option<String>,
    pub help: Option<String>,
    pub sources: Vec<String>,
    pub aliases: Vec<String>,
    pub enabled: bool,
    /// Opt-in: runs only when named by its id.
    pub opt_in: bool,
    /// The profiles it belongs to.
    pub profiles: Vec<String>,
    /// Corresponding checks of other tools, per peer.
    pub equivalents: BTreeMap<String, Vec<String>>,
    /// Parameters with their defaults (a JSON object; empty when the rule has none).
    pub params: serde_json::Map<String, Value>,
    /// The rule file in the repository (`rules/<area>/<id>.yaml`), when known.
    pub file: Option<String>,
}

/// The fixture texts shown on a rule's page.
#[derive(Debug, Default)]
pub struct Example {
    pub fail: Option<(String, String)>,
    pub fail_out: Option<String>,
    pub pass: Option<(String, String)>,
}

/// `cargo xtask docs [--check]`.
pub fn run(mut args: Args) -> TaskResult {
    let check = args.flag("--check");
    args.finish()?;
    let kvet = build_kvet()?;
    let rules = load_rules(&kvet)?;
    let root = repo_root();
    let pages = render_all(&root, &rules)?;
    let dir = root.join("docs").join("rules");
    let (profiles_path, old, new) = profiles_page(&root, &rules)?;
    if check {
        let pages_ok = check_pages(&dir, &pages)?;
        if old != new {
            eprintln!("docs/profiles.md is out of date: run `cargo xtask docs` and commit the result");
            return Ok(false);
        }
        Ok(pages_ok)
    } else {
        fs::write(&profiles_path, new)
            .map_err(|e| TaskError::new(format!("cannot write {}: {e}", profiles_path.display())))?;
        write_pages(&dir, &pages)
    }
}

fn load_rules(kvet: &Path) -> Result<Vec<Rule>, TaskError> {
    let output = Command::new(kvet)
        .args(["rules", "--format", "json"])
        .current_dir(repo_root())
        .output()
        .map_err(|e| TaskError::new(format!("cannot run {}: {e}", kvet.display())))?;
    if !output.status.success() {
        return Err(TaskError::new(format!(
            "kvet rules --format json: {}\n{}",
            describe_status(&output.status),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let json: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| TaskError::new(format!("kvet rules --format json printed invalid JSON: {e}")))?;
    parse_rules(&json)
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(text).collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Severity as written on the page: the distinct severities of the rule's cases (most severe first), else
/// the rule's own.
fn severity(rule: &Value) -> String {
    // `kvet rules --format json` gives them in order (`Rule::severities`); older output: from the cases.
    if let Some(list) = rule["severities"].as_array().filter(|l| !l.is_empty()) {
        return list.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ");
    }
    let mut all: Vec<String> = match &rule["cases"] {
        Value::Array(cases) if !cases.is_empty() => cases.iter().flat_map(|c| strings(&c["severity"])).collect(),
        _ => strings(&rule["severity"]),
    };
    let rank = |s: &String| ["error", "warning", "info"].iter().position(|r| r == s).unwrap_or(3);
    all.sort_by_key(rank);
    all.dedup();
    all.join(", ")
}

/// Reads the array printed by `kvet rules --format json`, sorted by area then id.
pub fn parse_rules(json: &Value) -> Result<Vec<Rule>, TaskError> {
    let items = json
        .as_array()
        .or_else(|| json["rules"].as_array())
        .ok_or_else(|| TaskError::new("kvet rules --format json: expected an array of rules"))?;
    let mut rules = Vec::new();
    for item in items {
        let id = text(&item["id"]).ok_or_else(|| TaskError::new(format!("a rule without an id: {item}")))?;
        rules.push(Rule {
            severity: severity(item),
            area: text(&item["area"]).unwrap_or_else(|| "other".into()),
            summary: text(&item["summary"]).unwrap_or_default(),
            docs: text(&item["docs"]).unwrap_or_default(),
            since: text(&item["since"]),
            help: text(&item["help"]),
            sources: strings(&item["sources"]),
            aliases: strings(&item["aliases"]),
            enabled: item["enabled"].as_bool().unwrap_or(true),
            opt_in: item["optIn"].as_bool().unwrap_or(false),
            profiles: strings(&item["profiles"]),
            equivalents: item["equivalents"]
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), strings(v))).collect())
                .unwrap_or_default(),
            params: item["params"].as_object().cloned().unwrap_or_default(),
            file: text(&item["origin"]).and_then(|o| o.strip_prefix("<embedded>/").map(|rest| format!("rules/{rest}"))),
            id,
        });
    }
    rules.sort_by(|a, b| (&a.area, &a.id).cmp(&(&b.area, &b.id)));
    Ok(rules)
}

fn read_optional(root: &Path, relative: &str) -> Option<(String, String)> {
    fs::read_to_string(root.join(relative)).ok().map(|text| (relative.to_string(), text))
}

/// Finds a rule's fixtures under `fixtures/<area>/<id>/` (falling back to the first `fail-*.yaml`).
pub fn example_for(root: &Path, rule: &Rule) -> Example {
    let dir = format!("fixtures/{}/{}", rule.area, rule.id);
    let mut fail = read_optional(root, &format!("{dir}/fail.yaml"));
    let mut fail_out = read_optional(root, &format!("{dir}/fail.out")).map(|(_, t)| t);
    if fail.is_none() {
        let mut cases: Vec<String> = fs::read_dir(root.join(&dir))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| n.starts_with("fail-") && n.ends_with(".yaml"))
            .collect();
        cases.sort();
        if let Some(first) = cases.first() {
            fail = read_optional(root, &format!("{dir}/{first}"));
            let out = format!("{dir}/{}.out", first.trim_end_matches(".yaml"));
            fail_out = read_optional(root, &out).map(|(_, t)| t);
        }
    }
    Example { fail, fail_out, pass: read_optional(root, &format!("{dir}/pass.yaml")) }
}

/// A fenced code block whose fence is longer than any backtick run inside `body`.
fn fenced(language: &str, body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest.max(2) + 1);
    let mut out = format!("{fence}{language}\n{body}");
    if !body.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&fence);
    out.push('\n');
    out
}

fn source_item(source: &str) -> String {
    let trimmed = source.trim();
    if trimmed.starts_with("https://") || trimmed.starts_with("http://") {
        format!("<{trimmed}>")
    } else if trimmed.starts_with("kubernetes.io/") {
        format!("<https://{trimmed}>")
    } else {
        trimmed.to_string()
    }
}

fn table_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

const GENERATED: &str =
    "<!-- Generated by `cargo xtask docs` from `kvet rules --format json` and the rule's fixtures. Do not edit. -->";

/// The Markdown page of one rule.
pub fn render_page(rule: &Rule, example: &Example) -> String {
    let id = &rule.id;
    let mut out = format!("{GENERATED}\n\n# `{id}`\n\n{}\n\n", rule.summary.trim());
    out.push_str("| severity | area | profiles | since |\n|---|---|---|---|\n");
    out.push_str(&format!(
        "| {} | {} | {} | {} |\n\n",
        rule.severity,
        rule.area,
        rule.profiles.join(", "),
        rule.since.as_deref().unwrap_or("—")
    ));
    let default_profile = rule.profiles.iter().any(|p| p == "correctness");
    if !rule.opt_in && !default_profile {
        let p = rule.profiles.first().map(String::as_str).unwrap_or("correctness");
        out.push_str(&format!(
            "This rule is in the `{p}` profile, which does not run by default: `kvet check --profile {p}`, or \
             `profile: [{p}]` in `.kvet.yaml` ([profiles](../profiles.md)).\n\n"
        ));
    }
    if !rule.equivalents.is_empty() {
        let peers: Vec<String> = PEERS
            .iter()
            .filter_map(|(id, title)| {
                rule.equivalents
                    .get(*id)
                    .map(|c| format!("{title}: {}", c.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ")))
            })
            .collect();
        out.push_str(&format!("Corresponds to: {}.\n\n", peers.join("; ")));
    }
    if rule.opt_in {
        out.push_str(&format!(
            "This rule is **disabled by default**; enable it with `kvet check --enable {id}` or in `.kvet.yaml` \
             (`rules: {{{id}: {{enabled: true}}}}`).\n\n"
        ));
    }
    if !rule.aliases.is_empty() {
        let aliases: Vec<String> = rule.aliases.iter().map(|a| format!("`{a}`")).collect();
        out.push_str(&format!(
            "Former ids, still accepted in configuration and ignore comments: {}.\n\n",
            aliases.join(", ")
        ));
    }
    let docs = rule.docs.trim();
    if !docs.is_empty() {
        out.push_str(docs);
        out.push_str("\n\n");
    }
    if let Some(help) = &rule.help {
        if !help.trim().is_empty() && !help.contains("{{") {
            out.push_str(&format!("**How to fix:** {}\n\n", help.trim()));
        }
    }

    if !rule.params.is_empty() {
        out.push_str("## Parameters\n\nDefaults below; override them in `.kvet.yaml` under `rules: {");
        out.push_str(&format!("{id}: {{params: …}}}}`.\n\n"));
        let pretty = serde_json::to_string_pretty(&Value::Object(rule.params.clone())).unwrap_or_default();
        out.push_str(&fenced("json", &pretty));
        out.push('\n');
    }

    out.push_str("## Example\n\n");
    match &example.fail {
        Some((path, text)) => {
            out.push_str(&format!("This manifest triggers the rule (`{path}`; `# expect:` marks the lines):\n\n"));
            out.push_str(&fenced("yaml", text));
            if let Some(report) = &example.fail_out {
                out.push_str("\nkvet reports:\n\n");
                out.push_str(&fenced("text", report));
            }
        }
        None => out.push_str("There is no failing fixture for this rule yet.\n"),
    }
    if let Some((path, text)) = &example.pass {
        out.push_str(&format!("\nThis one passes (`{path}`):\n\n"));
        out.push_str(&fenced("yaml", text));
    }

    out.push_str("\n## Suppressing the finding\n\n");
    out.push_str(&format!(
        "- On one line: add the comment `# kvet-ignore: {id}` at the end of the line the finding points at, \
         or alone on the line above it.\n\
         - In a whole file: add `# kvet-ignore-file: {id}` anywhere in the file.\n\
         - For one object: add the annotation `kvet.dev/ignore: \"{id}\"` to its `metadata.annotations` \
         (several ids separated by commas).\n\
         - Everywhere: disable the rule in `.kvet.yaml`:\n\n"
    ));
    out.push_str(&fenced("yaml", &format!("rules:\n  {id}:\n    enabled: false\n")));
    out.push_str(
        "\nA `kvet-ignore` comment or annotation that suppresses nothing is itself reported \
         ([`kvet-ignore-unused`](kvet-ignore-unused.md)), so stale suppressions do not pile up.\n",
    );

    if !rule.sources.is_empty() {
        out.push_str("\n## Sources\n\n");
        for source in &rule.sources {
            out.push_str(&format!("- {}\n", source_item(source)));
        }
    }
    if let Some(file) = &rule.file {
        out.push_str(&format!("\nRule definition: `{file}`.\n"));
    }
    out
}

/// The index page: one row per rule, sorted by area then id.
pub fn render_index(rules: &[Rule]) -> String {
    let mut out = format!("{GENERATED}\n\n# Rules\n\n");
    out.push_str(&format!(
        "kvet's built-in rule pack: {} rules, by area. `kvet explain <id>` prints a rule's documentation; \
         [../rule-format.md](../rule-format.md) describes how to write your own rules.\n\n",
        rules.len()
    ));
    out.push_str("| rule | severity | area | summary |\n|---|---|---|---|\n");
    for rule in rules {
        out.push_str(&format!(
            "| [`{id}`]({id}.md) | {} | {} | {} |\n",
            table_cell(&rule.severity),
            table_cell(&rule.area),
            table_cell(rule.summary.trim()),
            id = rule.id
        ));
    }
    out
}

/// The peers of `equivalents:` in the order the docs show them (the engine's `pack::profiles::PEERS`).
const PEERS: &[(&str, &str)] = &[
    ("pss", "Pod Security Standards"),
    ("kube-linter", "kube-linter"),
    ("kube-score", "kube-score"),
    ("polaris", "Polaris"),
    ("checkov", "checkov"),
    ("kyverno", "Kyverno"),
];

/// The profiles in the order docs/profiles.md lists them (the engine's `pack::profiles::PROFILES`).
const PROFILE_ORDER: &[&str] =
    &["correctness", "pss-baseline", "pss-restricted", "security", "hygiene", "rbac", "network", "supply-chain"];

const BEGIN: &str = "<!-- BEGIN generated by `cargo xtask docs` from the rules' `profiles` and `equivalents`. -->";
const END: &str = "<!-- END generated -->";

/// The generated part of docs/profiles.md: per profile, its rules and the checks of other tools each
/// corresponds to.
pub fn render_profiles(rules: &[Rule]) -> String {
    let mut out = format!("{BEGIN}\n");
    let mut order: Vec<&str> = PROFILE_ORDER.to_vec();
    for r in rules {
        for p in &r.profiles {
            if !order.contains(&p.as_str()) {
                order.push(p);
            }
        }
    }
    for profile in order {
        let mut members: Vec<&Rule> = rules.iter().filter(|r| r.profiles.iter().any(|p| p == profile)).collect();
        if members.is_empty() {
            continue;
        }
        members.sort_by(|a, b| a.id.cmp(&b.id));
        out.push_str(&format!("\n### `{profile}` ({} rules)\n\n", members.len()));
        out.push_str("| rule | severity |");
        for (_, title) in PEERS {
            out.push_str(&format!(" {title} |"));
        }
        out.push_str("\n|---|---|");
        out.push_str(&"---|".repeat(PEERS.len()));
        out.push('\n');
        for r in members {
            let opt = if r.opt_in { " (opt-in)" } else { "" };
            out.push_str(&format!("| [`{id}`](rules/{id}.md){opt} | {} |", table_cell(&r.severity), id = r.id));
            for (peer, _) in PEERS {
                let cell = r.equivalents.get(*peer).map(|c| c.join(", ")).unwrap_or_default();
                out.push_str(&format!(" {} |", table_cell(&cell)));
            }
            out.push('\n');
        }
    }
    out.push_str(END);
    out
}

/// docs/profiles.md with its generated part replaced.
fn profiles_page(root: &Path, rules: &[Rule]) -> Result<(PathBuf, String, String), TaskError> {
    let path = root.join("docs").join("profiles.md");
    let text = fs::read_to_string(&path).map_err(|e| TaskError::new(format!("cannot read {}: {e}", path.display())))?;
    let (Some(start), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        return Err(TaskError::new(format!("{} lacks the generated-part markers", path.display())));
    };
    let new = format!("{}{}{}", &text[..start], render_profiles(rules), &text[end + END.len()..]);
    Ok((path, text, new))
}

/// Every generated file: name in `docs/rules/` → contents.
fn render_all(root: &Path, rules: &[Rule]) -> Result<BTreeMap<String, String>, TaskError> {
    let mut pages = BTreeMap::new();
    for rule in rules {
        let name = format!("{}.md", rule.id);
        if pages.insert(name, render_page(rule, &example_for(root, rule))).is_some() {
            return Err(TaskError::new(format!("rule id {} is listed twice", rule.id)));
        }
    }
    pages.insert("README.md".to_string(), render_index(rules));
    Ok(pages)
}

fn existing_pages(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    found.sort();
    found
}

fn check_pages(dir: &Path, pages: &BTreeMap<String, String>) -> TaskResult {
    let mut problems = Vec::new();
    for (name, content) in pages {
        let path = dir.join(name);
        match fs::read_to_string(&path) {
            Ok(current) if current == *content => {}
            Ok(_) => problems.push(format!("stale:   {}", display_path(&path))),
            Err(_) => problems.push(format!("missing: {}", display_path(&path))),
        }
    }
    for path in existing_pages(dir) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !pages.contains_key(name) {
            problems.push(format!("orphan:  {} (no rule with this id)", display_path(&path)));
        }
    }
    if problems.is_empty() {
        println!("docs/rules is up to date ({} files)", pages.len());
        return Ok(true);
    }
    for problem in &problems {
        eprintln!("{problem}");
    }
    eprintln!("docs/rules is out of date: run `cargo xtask docs` and commit the result");
    Ok(false)
}

fn write_pages(dir: &Path, pages: &BTreeMap<String, String>) -> TaskResult {
    fs::create_dir_all(dir)?;
    let mut changed = 0;
    for (name, content) in pages {
        let path = dir.join(name);
        if fs::read_to_string(&path).ok().as_deref() != Some(content.as_str()) {
            fs::write(&path, content)?;
            changed += 1;
        }
    }
    let mut removed = 0;
    for path in existing_pages(dir) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !pages.contains_key(name) {
            fs::remove_file(&path)?;
            removed += 1;
        }
    }
    println!("{}: {} files, {changed} written, {removed} removed", display_path(dir), pages.len());
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<Rule> {
        let json = serde_json::json!([
            {"id": "volume-unused", "severity": "warning", "area": "volumes", "summary": "a volume | unused",
             "docs": "Why.\n", "sources": ["kubernetes.io/docs/concepts/storage/volumes/", "Kubernetes in Action"]},
            {"id": "access-modes-invalid", "severity": "error", "area": "storage", "summary": "bad modes",
             "docs": "Why.", "cases": [{"severity": "warning"}, {"severity": "error"}, {"severity": "error"}],
             "origin": "<embedded>/storage/access-modes-invalid.yaml", "params": {"max": 3}, "enabled": false, "optIn": true}
        ]);
        parse_rules(&json).unwrap()
    }

    #[test]
    fn rules_sort_by_area_then_id_and_merge_case_severities() {
        let rules = rules();
        assert_eq!(rules[0].id, "access-modes-invalid");
        assert_eq!(rules[0].severity, "error, warning");
        assert_eq!(rules[0].file.as_deref(), Some("rules/storage/access-modes-invalid.yaml"));
        assert_eq!(rules[1].area, "volumes");
        let page = render_page(&rules[0], &Example::default());
        assert!(page.contains("**disabled by default**"));
        assert!(page.contains("## Parameters"));
        assert!(page.contains("\"max\": 3"));
        assert!(page.contains("Rule definition: `rules/storage/access-modes-invalid.yaml`."));
        assert!(page.contains("There is no failing fixture"));
    }

    #[test]
    fn page_contains_every_section() {
        let rule = &rules()[1];
        let example = Example {
            fail: Some(("fixtures/volumes/volume-unused/fail.yaml".into(), "a: ```x```\n".into())),
            fail_out: Some("warning[volume-unused]".into()),
            pass: Some(("fixtures/volumes/volume-unused/pass.yaml".into(), "b: 1\n".into())),
        };
        let page = render_page(rule, &example);
        assert!(page.contains("# `volume-unused`"));
        assert!(page.contains("````yaml\na: ```x```\n````"));
        assert!(page.contains("```text\nwarning[volume-unused]\n```"));
        assert!(page.contains("# kvet-ignore: volume-unused"));
        assert!(page.contains("# kvet-ignore-file: volume-unused"));
        assert!(page.contains("kvet.dev/ignore: \"volume-unused\""));
        assert!(page.contains("rules:\n  volume-unused:\n    enabled: false"));
        assert!(page.contains("- <https://kubernetes.io/docs/concepts/storage/volumes/>\n- Kubernetes in Action\n"));
        let index = render_index(&rules());
        assert!(index.contains("| [`volume-unused`](volume-unused.md) | warning | volumes | a volume \\| unused |"));
    }
}
