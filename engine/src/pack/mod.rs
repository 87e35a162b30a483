//! The rule pack: rule files (embedded and from `--rules` directories) parsed, validated and compiled once
//! per run — schemas, JSONPath selectors, templates — and shared read-only by all threads.

pub mod format;
pub mod keywords;
pub mod profiles;
pub mod rule_schema;
pub mod select;
pub mod template;

use crate::finding::{Finding, Severity};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::yaml::{self, PathElem};
use format::{CaseFile, Condition, RequireFile, RuleFile, Target, View};
pub use rule_schema::{RuleSchema, ScalarView};
use serde_json::{Map, Value};
use serde_json_path::JsonPath;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
pub use template::Template;

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// What a case tests.
#[derive(Debug)]
pub enum Cond {
    /// Finding when the node matches.
    Deny(Arc<RuleSchema>),
    /// A finding per validation error.
    Assert(Arc<RuleSchema>),
    /// A check template.
    Check(String),
    /// A reference to another object (`require:`).
    Require(Box<Require>),
}

/// A compiled `require:`.
#[derive(Debug)]
pub struct Require {
    /// Kind of the referenced object (templated: `{{node.kind}}`).
    pub kind: Template,
    /// Name template.
    pub name: Template,
    /// Namespace template (default: the referrer's effective namespace).
    pub namespace: Option<Template>,
    /// Required data key template.
    pub key: Option<Template>,
    /// The list under the selected node whose elements are checked one by one.
    pub each: Option<Vec<PathElem>>,
    /// Schema the referenced object must satisfy.
    pub where_: Option<Arc<RuleSchema>>,
    /// Schema on the selected node that exempts it.
    pub unless: Option<Arc<RuleSchema>>,
    /// Names that count as present.
    pub known: Vec<String>,
    /// Path of the second label on the referenced object.
    pub related_at: Vec<PathElem>,
    /// Text of the second label.
    pub related_label: Option<Template>,
    /// Selector mode: the path of the selector below the selected node, and its form.
    pub selector: Option<(Vec<PathElem>, format::SelectorForm)>,
    /// A missing object is not reported when the referrer's namespace holds a custom resource.
    pub unless_custom_resources: bool,
}

impl Require {
    /// Whether the rule reports a present object that fails `key`/`where` (true) or a missing object (false).
    pub fn checks_content(&self) -> bool {
        self.key.is_some() || self.where_.is_some()
    }
}

/// One compiled alternative of a rule.
#[derive(Debug)]
pub struct Case {
    /// Optional case id (check templates pick cases by id).
    pub id: Option<String>,
    /// Target (the rule's unless the case names its own).
    pub target: Target,
    /// Kinds filter (the rule's unless the case names its own).
    pub kinds: Vec<String>,
    /// Severity of findings from this case.
    pub severity: Severity,
    /// Precondition on the whole object.
    pub when: Option<Arc<RuleSchema>>,
    /// Selector relative to the target root.
    pub select: Option<JsonPath>,
    /// The selector's source text.
    pub select_text: String,
    /// The same number for every case of the pack with the same `select_text` (so evaluation can share one
    /// object's selected nodes between rules by comparing numbers).
    pub select_id: u32,
    /// The selector as simple steps, when it has no filters or descendants (fast path).
    pub simple_select: Option<Vec<select::Step>>,
    /// What the schemas see.
    pub view: View,
    /// The test.
    pub cond: Cond,
    /// Where to point, relative to the selected node.
    pub at: Vec<PathElem>,
    /// Message template.
    pub message: Template,
    /// Help template.
    pub help: Option<Template>,
    /// Label template.
    pub label: Option<Template>,
    /// The case only words a rule-level `check` (no test of its own): the check runs once per target and its
    /// hits choose among such cases by id.
    pub wording_only: bool,
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    /// Id.
    pub id: String,
    /// Default severity (config may override).
    pub severity: Severity,
    /// Area.
    pub area: String,
    /// One-line summary.
    pub summary: String,
    /// Markdown docs.
    pub docs: String,
    /// Version that added it.
    pub since: Option<String>,
    /// Citations.
    pub sources: Vec<String>,
    /// Old ids.
    pub aliases: Vec<String>,
    /// Target.
    pub target: Target,
    /// Kinds filter.
    pub kinds: Vec<String>,
    /// Effective parameters (defaults merged with config).
    pub params: Map<String, Value>,
    /// The parameters the rule file declares (what a configuration may override).
    pub declared_params: Vec<String>,
    /// Alternatives (a rule without `cases` has one).
    pub cases: Vec<Case>,
    /// Where the rule came from (`<embedded>/volumes/x.yaml` or a path on disk).
    pub origin: String,
    /// Whether the configuration turns the rule on or off by its id (`rules: {ID: {enabled}}`, `enable:`,
    /// `disable:`, `--enable`, `--disable`); `None`: the run's selection decides ([`crate::Config::runs`]).
    pub configured: Option<bool>,
    /// Whether the rule runs when selected by a profile, an area or `all` (rule file `enabled`, default true);
    /// an opt-in rule has `false` and runs only when named by its id.
    pub default_enabled: bool,
    /// The profiles the rule belongs to (rule file `profiles`, default `[correctness]`).
    pub profiles: Vec<String>,
    /// The checks of other tools (and Pod Security Standards controls) that correspond to the rule, per peer
    /// ([`profiles::PEERS`]).
    pub equivalents: BTreeMap<String, Vec<String>>,
    /// Whether the rule comes from the embedded pack (and was not replaced from disk).
    pub builtin: bool,
}

impl Case {
    /// Whether the case applies to objects of `kind`.
    pub fn applies_to(&self, kind: &str) -> bool {
        let kinds_ok = self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind);
        let target_ok = match self.target {
            Target::Object => true,
            _ => crate::workload::POD_KINDS.contains(&kind),
        };
        kinds_ok && target_ok
    }
}

impl Rule {
    /// The distinct severities of the rule's cases, most severe first: what every listing of the rule shows
    /// (`kvet rules`, `kvet explain`, the docs pages), as `error, warning`.
    pub fn severities(&self) -> Vec<Severity> {
        let mut all: Vec<Severity> = self.cases.iter().map(|c| c.severity).collect();
        if all.is_empty() {
            all.push(self.severity);
        }
        all.sort_by(|a, b| b.cmp(a));
        all.dedup();
        all
    }

    /// [`Rule::severities`] as text: `error, warning`.
    pub fn severity_label(&self) -> String {
        self.severities().iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// Whether some case of the rule applies to objects of `kind`.
    pub fn applies_to(&self, kind: &str) -> bool {
        self.cases.iter().any(|c| c.applies_to(kind))
    }
}

/// The compiled pack.
#[derive(Debug, Default)]
pub struct Pack {
    rules: Vec<Rule>,
}

/// Per-rule settings from the config, applied while compiling.
#[derive(Debug, Default, Clone)]
pub struct RuleSettings {
    /// `Some(false)` disables, `Some(true)` enables.
    pub enabled: Option<bool>,
    /// Severity override.
    pub severity: Option<Severity>,
    /// Parameter overrides.
    pub params: Map<String, Value>,
    /// Where the setting is written in the config file (`None` for a command-line flag).
    pub origin: Option<Span>,
}

/// Errors in rule files, located in those files; render them like any report.
#[derive(Debug)]
pub struct PackErrors {
    /// The rule files with errors (for snippets).
    pub sources: SourceMap,
    /// One finding per error (rule id `rule-pack`).
    pub findings: Vec<Finding>,
}

impl PackErrors {
    /// Turns the errors into a report for rendering.
    pub fn into_report(self) -> crate::Report {
        // The files with errors (the pack's other files were read fine).
        let files = self.findings.iter().map(|f| f.file).collect::<std::collections::BTreeSet<_>>().len();
        let summary = crate::Summary { files, errors: self.findings.len(), ..Default::default() };
        crate::Report { sources: self.sources, findings: self.findings, summary }
    }
}

struct Loader<'s> {
    settings: &'s BTreeMap<String, RuleSettings>,
    sources: SourceMap,
    errors: Vec<Finding>,
    rules: BTreeMap<String, Rule>,
}

/// Gives every distinct `select` text of the pack one number (`Case::select_id`).
fn number_selects(rules: &mut [Rule]) {
    let mut ids: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for case in rules.iter_mut().flat_map(|r| r.cases.iter_mut()) {
        let next = ids.len() as u32;
        case.select_id = *ids.entry(case.select_text.clone()).or_insert(next);
    }
}

impl Pack {
    /// Loads the embedded pack, then each directory of `extra` (a rule with an existing id replaces it),
    /// applying `settings` (per rule id or alias).
    pub fn load(extra: &[&Path], settings: &BTreeMap<String, RuleSettings>) -> Result<Pack, PackErrors> {
        let mut loader = Loader::new(settings);
        for (rel, text) in EMBEDDED_RULES {
            if rel.ends_with("areas.yaml") {
                continue;
            }
            loader.add(format!("<embedded>/{rel}"), text.to_string(), rel);
        }
        for dir in extra {
            let mut files = Vec::new();
            let is_yaml = |p: &Path| p.extension().is_some_and(|e| e == "yaml" || e == "yml");
            if dir.is_file() {
                // Only rule files are read, so an error snippet never shows another file's content.
                if is_yaml(dir) {
                    files.push(dir.to_path_buf());
                } else {
                    loader
                        .error_at_path(dir, format!("{} is not a rule file (.yaml or .yml); not read", dir.display()));
                }
            } else {
                let root = dir.canonicalize().ok();
                for entry in ignore::WalkBuilder::new(dir).standard_filters(false).build().flatten() {
                    let p = entry.path();
                    if !is_yaml(p) || p.file_name().is_some_and(|n| n == "areas.yaml") {
                        continue;
                    }
                    if entry.path_is_symlink() {
                        // A link is followed only to a file inside the rule directory.
                        let target = p.canonicalize().ok();
                        let inside = matches!((&root, &target), (Some(r), Some(t)) if t.starts_with(r) && t.is_file());
                        if !inside {
                            loader.error_at_path(
                                p,
                                format!(
                                    "rule file {} is a symbolic link to a file outside {}; not read",
                                    p.display(),
                                    dir.display()
                                ),
                            );
                            continue;
                        }
                    } else if !entry.file_type().is_some_and(|t| t.is_file()) {
                        continue;
                    }
                    files.push(p.to_path_buf());
                }
                if !dir.exists() {
                    loader.error_at_path(dir, format!("rule directory {} does not exist", dir.display()));
                }
            }
            files.sort();
            for f in files {
                let name = f.display().to_string();
                match std::fs::read_to_string(&f) {
                    Ok(text) => {
                        let rel = f.strip_prefix(dir).unwrap_or(&f).to_string_lossy().into_owned();
                        loader.add(name, text, &rel);
                    }
                    // The content is not shown: a file that is not UTF-8 text is no rule file to quote.
                    Err(e) => loader.error_at_path(&f, format!("cannot read rule file {name}: {e}")),
                }
            }
        }
        loader.finish()
    }

    /// Compiles one rule file's text alone (without the embedded pack), named `name` (its file name must be
    /// the rule id): the entry point of the `rule_file` fuzz target.
    #[doc(hidden)]
    pub fn compile_one(name: &str, text: &str) -> Result<Pack, PackErrors> {
        let settings = BTreeMap::new();
        let mut loader = Loader::new(&settings);
        loader.add(name.to_owned(), text.to_owned(), name);
        loader.finish()
    }

    /// All rules, sorted by id.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Rule ids, sorted.
    pub fn rule_ids(&self) -> Vec<String> {
        self.rules.iter().map(|r| r.id.clone()).collect()
    }

    /// The rule with this id or alias.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id).or_else(|| self.rules.iter().find(|r| r.aliases.iter().any(|a| a == id)))
    }

    /// Canonical id for an id or alias.
    pub fn canonical<'a>(&'a self, id: &'a str) -> Option<&'a str> {
        self.get(id).map(|r| r.id.as_str())
    }
}

impl<'s> Loader<'s> {
    fn new(settings: &'s BTreeMap<String, RuleSettings>) -> Self {
        Loader { settings, sources: SourceMap::default(), errors: Vec::new(), rules: BTreeMap::new() }
    }

    /// The pack, or every error found while loading it.
    fn finish(self) -> Result<Pack, PackErrors> {
        if !self.errors.is_empty() {
            return Err(PackErrors { sources: self.sources, findings: self.errors });
        }
        let mut rules: Vec<Rule> = self.rules.into_values().collect();
        number_selects(&mut rules);
        Ok(Pack { rules })
    }

    /// An error about a rule path as a whole, located at the path (line 1; its content is not shown).
    fn error_at_path(&mut self, path: &Path, message: String) {
        let id = self.sources.add(SourceFile::new(path.display().to_string(), ""));
        self.push_error(id, Span::default(), message, None);
    }

    fn push_error(&mut self, file: FileId, span: Span, message: String, help: Option<String>) {
        self.errors.push(Finding::input_error("rule-pack", file, span, message, help));
    }

    fn add(&mut self, name: String, text: String, rel: &str) {
        let file = SourceFile::new(name.clone(), text);
        let loaded = yaml::load(&file);
        let file_id = self.sources.add(file);
        let file = self.sources.get(file_id);
        if let Some(p) = loaded.problems.first() {
            let (span, message) = (p.span, format!("rule file is not valid YAML: {}", p.message));
            self.push_error(file_id, span, message, None);
            return;
        }
        let Some(doc) = loaded.documents.into_iter().next() else {
            let message = format!("rule file {name} is empty");
            self.push_error(file_id, Span::default(), message, None);
            return;
        };
        let parsed: Result<RuleFile, _> = serde_path_to_error::deserialize(&doc.value);
        let rule_file = match parsed {
            Ok(r) => r,
            Err(e) => {
                let path = crate::config::error_path(&e);
                let inner = e.inner().to_string();
                let (node, _) = doc.root().descend(&path);
                let span = node.spans.report_span(&file.text);
                let at = yaml::path_string(&path);
                let message = if at.is_empty() {
                    format!("invalid rule: {inner}")
                } else {
                    format!("invalid rule at `{at}`: {inner}")
                };
                self.push_error(file_id, span, message, Some("The rule format: `kvet explain rule-pack`.".into()));
                return;
            }
        };
        let span_of = |path: &str| -> Span {
            let p = yaml::parse_dotted(path).unwrap_or_default();
            let (node, _) = doc.root().descend(&p);
            node.spans.report_span(&file.text)
        };
        let stem = rel.rsplit('/').next().unwrap_or(rel).trim_end_matches(".yaml").trim_end_matches(".yml");
        let mut errs: Vec<(Span, String)> = Vec::new();
        if stem != rule_file.id {
            errs.push((span_of("id"), format!("rule id `{}` must equal the file name `{stem}`", rule_file.id)));
        }
        let kebab = !rule_file.id.is_empty()
            && rule_file.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !rule_file.id.starts_with('-');
        if !kebab {
            errs.push((span_of("id"), format!("rule id `{}` must be kebab-case", rule_file.id)));
        }
        for (i, profile) in rule_file.profiles.iter().flatten().enumerate() {
            if profiles::get(profile).is_none() {
                let hint = did_you_mean(profile, &profiles::ids());
                errs.push((span_of(&format!("profiles[{i}]")), format!("unknown profile `{profile}`{hint}")));
            }
        }
        if rule_file.profiles.as_ref().is_some_and(Vec::is_empty) {
            errs.push((span_of("profiles"), "`profiles` is empty: a rule belongs to at least one profile".to_owned()));
        }
        let peers: Vec<String> = profiles::PEERS.iter().map(|(id, _)| (*id).to_owned()).collect();
        for peer in rule_file.equivalents.keys() {
            if !peers.contains(peer) {
                let hint = did_you_mean(peer, &peers);
                errs.push((
                    span_of(&format!("equivalents.{peer}")),
                    format!("unknown peer `{peer}` in `equivalents` (known: {}){hint}", peers.join(", ")),
                ));
            }
        }
        let settings = self
            .settings
            .get(&rule_file.id)
            .cloned()
            .or_else(|| rule_file.aliases.iter().find_map(|a| self.settings.get(a).cloned()));
        let settings = settings.unwrap_or_default();
        let mut params = rule_file.params.clone();
        for (k, v) in &settings.params {
            params.insert(k.clone(), v.clone());
        }
        let mut cases = Vec::new();
        let base = rule_file.condition();
        let raw_cases: Vec<(String, Option<&CaseFile>)> = if rule_file.cases.is_empty() {
            vec![(String::new(), None)]
        } else {
            rule_file.cases.iter().enumerate().map(|(i, c)| (format!("cases[{i}]."), Some(c))).collect()
        };
        // The check templates whose hits may choose any case of the rule by id (and fill its `{{check.*}}`).
        let checks: Vec<String> =
            rule_file.check.iter().chain(rule_file.cases.iter().filter_map(|c| c.check.as_ref())).cloned().collect();
        for (prefix, case) in raw_cases {
            let own = case.map(|c| c.condition());
            let wording_only = own
                .as_ref()
                .is_some_and(|c| c.deny.is_none() && c.assert.is_none() && c.check.is_none() && c.require.is_none())
                && base.check.is_some();
            let cond = match &own {
                Some(c) => merge(&base, c),
                None => base.clone(),
            };
            let message = case.and_then(|c| c.message.clone()).or_else(|| rule_file.message.clone());
            let help = case.and_then(|c| c.help.clone()).or_else(|| rule_file.help.clone());
            let label = case.and_then(|c| c.label.clone()).or_else(|| rule_file.label.clone());
            let severity = case.and_then(|c| c.severity).unwrap_or(rule_file.severity);
            let own_text = [
                case.is_some_and(|c| c.message.is_some()),
                case.is_some_and(|c| c.help.is_some()),
                case.is_some_and(|c| c.label.is_some()),
            ];
            match compile_case(&cond, message, help, label, &params) {
                Ok(compiled) if unresolvable(&compiled, &checks, &params).is_some() => {
                    let (i, field, msg) = unresolvable(&compiled, &checks, &params).unwrap_or_default();
                    let path = if own_text[i] { format!("{prefix}{field}") } else { field.to_owned() };
                    errs.push((span_of(&path), msg));
                }
                Ok(mut compiled) => {
                    compiled.wording_only = wording_only;
                    compiled.id = case.and_then(|c| c.id.clone());
                    compiled.target = case.and_then(|c| c.target).unwrap_or(rule_file.target);
                    compiled.kinds = case.and_then(|c| c.kinds.clone()).unwrap_or_else(|| rule_file.kinds.clone());
                    compiled.severity = settings.severity.unwrap_or(severity);
                    cases.push(compiled);
                }
                Err((field, msg)) => {
                    let path = format!("{prefix}{field}");
                    let span = span_of(&path);
                    errs.push((span, msg));
                }
            }
        }
        // A parameter of a check rule is read by its template or used as `{{params.NAME}}` in the rule's own
        // text; any other (`reprot: unused`) would be ignored while the template falls back to its default.
        if !checks.is_empty() {
            let read: Vec<&str> = checks.iter().flat_map(|c| crate::eval::checks::params_of(c)).copied().collect();
            let mut names: Vec<String> = read.iter().map(|s| (*s).to_owned()).collect();
            names.sort();
            names.dedup();
            for key in rule_file.params.keys() {
                if read.contains(&key.as_str()) || file.text.contains(&format!("params.{key}")) {
                    continue;
                }
                let hint = match crate::schema::explain::suggest(key, &names) {
                    Some(s) => format!("; did you mean `{s}`?"),
                    None if names.is_empty() => String::new(),
                    None => format!(" (it reads {})", names.join(", ")),
                };
                let msg = format!(
                    "parameter `{key}` is read by no check template of the rule (`{}`) and used nowhere as `{{{{params.{key}}}}}`{hint}",
                    checks.join("`, `")
                );
                errs.push((span_of(&format!("params.{key}")), msg));
            }
        }
        if !errs.is_empty() {
            for (span, msg) in errs {
                self.push_error(file_id, span, format!("rule {}: {msg}", rule_file.id), None);
            }
            return;
        }
        let builtin = name.starts_with("<embedded>/");
        let origin = name;
        let default_enabled = rule_file.enabled.unwrap_or(true);
        let profiles = rule_file.profiles.unwrap_or_else(|| vec![profiles::DEFAULT.to_owned()]);
        let equivalents = rule_file.equivalents.into_iter().map(|(k, v)| (k, v.into_vec())).collect();
        self.rules.insert(
            rule_file.id.clone(),
            Rule {
                id: rule_file.id,
                severity: settings.severity.unwrap_or(rule_file.severity),
                area: rule_file.area,
                summary: rule_file.summary,
                docs: rule_file.docs,
                since: rule_file.since,
                sources: rule_file.sources,
                aliases: rule_file.aliases,
                target: rule_file.target,
                kinds: rule_file.kinds,
                declared_params: rule_file.params.keys().cloned().collect(),
                params,
                cases,
                origin,
                configured: settings.enabled,
                default_enabled,
                profiles,
                equivalents,
                builtin,
            },
        );
    }
}

fn merge(base: &Condition, case: &Condition) -> Condition {
    let has_test = case.deny.is_some() || case.assert.is_some() || case.check.is_some() || case.require.is_some();
    Condition {
        when: case.when.clone().or_else(|| base.when.clone()),
        select: case.select.clone().or_else(|| base.select.clone()),
        view: case.view.or(base.view),
        deny: if has_test { case.deny.clone() } else { base.deny.clone() },
        assert: if has_test { case.assert.clone() } else { base.assert.clone() },
        check: if has_test { case.check.clone() } else { base.check.clone() },
        require: if has_test { case.require.clone() } else { base.require.clone() },
        at: case.at.clone().or_else(|| base.at.clone()),
    }
}

/// The first template variable of a compiled case that cannot have a value by construction: (0 message,
/// 1 help, 2 label; the field; the error). Statically known: the roots, which roots each kind of test sets
/// (`error` for `assert`, `check` for check templates with the values each declares, `require`/`related`/
/// `item` for `require`), the parameters, the fields of `object`, and that `raw`, `key`, `path`, `error`,
/// `targetVersion` and the selected node of a scalar view are scalars.
fn unresolvable(case: &Case, checks: &[String], params: &Map<String, Value>) -> Option<(usize, &'static str, String)> {
    const ROOTS: &[&str] = &[
        "node",
        "value",
        "raw",
        "key",
        "path",
        "error",
        "object",
        "target",
        "params",
        "check",
        "require",
        "related",
        "item",
        "targetVersion",
    ];
    const REQUIRE: &[&str] = &["kind", "name", "namespace", "elsewhere", "key", "keys", "type", "item", "selector"];
    let texts = [("message", Some(&case.message)), ("help", case.help.as_ref()), ("label", case.label.as_ref())];
    for (i, (field, template)) in texts.into_iter().enumerate() {
        let Some(template) = template else { continue };
        for (root, path) in template.vars() {
            let first = match path.first() {
                Some(PathElem::Key(k)) => Some(k.as_str()),
                _ => None,
            };
            let shown = |r: &str| {
                let rest = yaml::path_string(path);
                let sep = if rest.is_empty() || rest.starts_with('[') { "" } else { "." };
                format!("`{{{{{r}{sep}{rest}}}}}`")
            };
            let problem = if !ROOTS.contains(&root) {
                Some(format!("unknown template variable {} (known: {})", shown(root), ROOTS.join(", ")))
            } else {
                match (root, &case.cond) {
                    ("raw" | "key" | "path" | "error" | "targetVersion", _) if !path.is_empty() => {
                        Some(format!("{} has no fields: `{{{{{root}}}}}` is a scalar", shown(root)))
                    }
                    ("node", _) if case.view == View::Scalar && !path.is_empty() => Some(format!(
                        "{}: with `view: scalar` the selected node is a scalar; write `{{{{node}}}}` (its value) or `{{{{raw}}}}` (its source text)",
                        shown(root)
                    )),
                    ("error", c) if !matches!(c, Cond::Assert(_)) => {
                        Some("`{{error}}` is set only for `assert` rules".to_owned())
                    }
                    ("require" | "related" | "item", c) if !matches!(c, Cond::Require(_)) => {
                        Some(format!("{} is set only for `require:` rules", shown(root)))
                    }
                    ("item", Cond::Require(r)) if r.each.is_none() => {
                        Some(format!("{} is set only for `require:` rules with `each`", shown(root)))
                    }
                    ("require", Cond::Require(_)) => match first {
                        Some(k) if REQUIRE.contains(&k) => None,
                        _ => Some(format!("{}: `require` has the values {}", shown(root), REQUIRE.join(", "))),
                    },
                    ("check", _) if checks.is_empty() => {
                        Some(format!("{} is set only for rules with a `check:`", shown(root)))
                    }
                    ("check", _) => {
                        let declared: Vec<&str> =
                            checks.iter().flat_map(|c| crate::eval::checks::vars_of(c)).copied().collect();
                        match first {
                            Some(k) if declared.contains(&k) => None,
                            _ => Some(format!(
                                "{}: check template `{}` sets {}",
                                shown(root),
                                checks.join("`, `"),
                                if declared.is_empty() { "no values".to_owned() } else { declared.join(", ") }
                            )),
                        }
                    }
                    ("params", _) => match first {
                        Some(k) if params.contains_key(k) => None,
                        _ => Some(format!("{} names no parameter of the rule", shown(root))),
                    },
                    ("object", _) => match (first, path.len()) {
                        (None, 0) => None,
                        (Some("kind" | "name" | "namespace" | "apiVersion"), 1) => None,
                        _ => Some(format!("{}: `object` has kind, name, namespace and apiVersion", shown(root))),
                    },
                    _ => None,
                }
            };
            if let Some(p) = problem {
                return Some((i, field, format!("`{field}` uses a template variable that cannot have a value: {p}")));
            }
        }
    }
    None
}

/// Replaces strings that are exactly `{{params.x}}` with the parameter's value.
fn substitute(schema: &Value, params: &Map<String, Value>) -> Result<Value, String> {
    Ok(match schema {
        Value::String(s) => {
            let t = s.trim();
            if let Some(name) = t
                .strip_prefix("{{")
                .and_then(|r| r.strip_suffix("}}"))
                .map(str::trim)
                .and_then(|n| n.strip_prefix("params."))
            {
                params.get(name).cloned().ok_or_else(|| format!("schema uses unknown parameter `{name}`"))?
            } else {
                schema.clone()
            }
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| substitute(v, params)).collect::<Result<_, _>>()?),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(k.clone(), substitute(v, params)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn compile_schema(
    field: &'static str,
    schema: &Value,
    params: &Map<String, Value>,
) -> Result<Arc<RuleSchema>, (&'static str, String)> {
    let schema = substitute(schema, params).map_err(|e| (field, e))?;
    RuleSchema::compile(&schema)
        .map(Arc::new)
        .map_err(|e| (field, format!("`{field}` is not a valid JSON Schema: {e}")))
}

fn compile_require(r: &RequireFile, params: &Map<String, Value>) -> Result<Require, (&'static str, String)> {
    let template =
        |field: &'static str, t: &str| Template::parse(t).map_err(|e| (field, format!("require.{field}: {e}")));
    if r.kind.is_empty() {
        return Err(("require", "`require.kind` must name a kind".into()));
    }
    let selector = match &r.selector {
        Some(sel) => {
            let path = if sel.path.is_empty() {
                Vec::new()
            } else {
                yaml::parse_dotted(&sel.path)
                    .ok_or(("require", format!("`require.selector.path` is not a valid path: {}", sel.path)))?
            };
            let others = [("key", r.key.is_some()), ("where", r.where_.is_some()), ("each", r.each.is_some())];
            if let Some((field, _)) = others.iter().find(|(_, set)| *set) {
                return Err(("require", format!("`require.selector` cannot be combined with `require.{field}`")));
            }
            Some((path, sel.form))
        }
        None => None,
    };
    if selector.is_none() && r.name.is_empty() {
        return Err(("require", "`require.name` is required (or `require.selector`)".into()));
    }
    let known = match &r.known {
        None => Vec::new(),
        Some(v) => match substitute(v, params).map_err(|e| ("require", e))? {
            Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
            Value::Null => Vec::new(),
            other => return Err(("require", format!("`require.known` must be a list of names, got {other}"))),
        },
    };
    let related_at = match &r.related_at {
        Some(a) => yaml::parse_dotted(a).ok_or(("require", format!("`require.relatedAt` is not a valid path: {a}")))?,
        None => vec![PathElem::Key("metadata".into()), PathElem::Key("name".into())],
    };
    Ok(Require {
        kind: template("kind", &r.kind)?,
        selector,
        unless_custom_resources: r.unless_custom_resources,
        name: template("name", &r.name)?,
        namespace: r.namespace.as_deref().map(|n| template("namespace", n)).transpose()?,
        key: r.key.as_deref().map(|k| template("key", k)).transpose()?,
        each: match &r.each {
            Some(e) => {
                Some(yaml::parse_dotted(e).ok_or(("require", format!("`require.each` is not a valid path: {e}")))?)
            }
            None => None,
        },
        where_: r.where_.as_ref().map(|w| compile_schema("require", w, params)).transpose()?,
        unless: r.unless.as_ref().map(|u| compile_schema("require", u, params)).transpose()?,
        known,
        related_at,
        related_label: r.related_label.as_deref().map(|l| template("relatedLabel", l)).transpose()?,
    })
}

fn compile_case(
    cond: &Condition,
    message: Option<String>,
    help: Option<String>,
    label: Option<String>,
    params: &Map<String, Value>,
) -> Result<Case, (&'static str, String)> {
    let tests = [cond.deny.is_some(), cond.assert.is_some(), cond.check.is_some(), cond.require.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    if tests != 1 {
        return Err(("deny", "exactly one of `deny`, `assert`, `check` or `require` is required".into()));
    }
    let when = cond.when.as_ref().map(|w| compile_schema("when", w, params)).transpose()?;
    let test = if let Some(d) = &cond.deny {
        Cond::Deny(compile_schema("deny", d, params)?)
    } else if let Some(a) = &cond.assert {
        Cond::Assert(compile_schema("assert", a, params)?)
    } else if let Some(r) = &cond.require {
        Cond::Require(Box::new(compile_require(r, params)?))
    } else {
        let name = cond.check.clone().unwrap_or_default();
        if !crate::eval::checks::is_known(&name) {
            let known: Vec<&str> = crate::eval::checks::TEMPLATES.iter().map(|(n, _)| *n).collect();
            return Err(("check", format!("unknown check template `{name}` (known: {})", known.join(", "))));
        }
        Cond::Check(name)
    };
    let select = match &cond.select {
        Some(s) => Some(JsonPath::parse(s).map_err(|e| ("select", format!("`select` is not a valid JSONPath: {e}")))?),
        None => None,
    };
    let at = match &cond.at {
        Some(a) => yaml::parse_dotted(a).ok_or(("at", format!("`at` is not a valid path: {a}")))?,
        None => Vec::new(),
    };
    let message = message.ok_or(("message", "`message` is required".to_owned()))?;
    let parse = |field: &'static str, t: &str| Template::parse(t).map_err(|e| (field, e));
    Ok(Case {
        id: None,
        target: Target::Object,
        kinds: Vec::new(),
        severity: Severity::Error,
        when,
        select,
        select_text: cond.select.clone().unwrap_or_else(|| "$".into()),
        select_id: 0, // numbered when the pack is complete (`number_selects`)
        simple_select: cond.select.as_deref().and_then(select::parse_simple),
        view: cond.view.unwrap_or_default(),
        cond: test,
        at,
        message: parse("message", &message)?,
        help: help.as_deref().map(|h| parse("help", h)).transpose()?,
        label: label.as_deref().map(|l| parse("label", l)).transpose()?,
        wording_only: false,
    })
}

/// `; did you mean `X`?` when a name of `known` is close to `name`.
fn did_you_mean(name: &str, known: &[String]) -> String {
    match crate::schema::explain::suggest(name, known) {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    }
}
