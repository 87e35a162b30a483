//! `.kvet.yaml`: discovery (upward from each checked path), parsing with located errors, and the
//! effective run settings. Its include/exclude globs are relative to the directory that holds it
//! ([`Config::filter`], gitignore semantics).

use crate::finding::{Finding, Severity};
use crate::pack::RuleSettings;
use crate::source::{SourceFile, SourceMap, Span};
use crate::yaml::{self, PathElem};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The config file name looked for.
pub const FILE_NAME: &str = ".kvet.yaml";
/// Default Kubernetes minor version checked against.
pub const DEFAULT_TARGET_VERSION: (u32, u32) = (1, 34);

/// Run configuration (from `.kvet.yaml` and the command line).
#[derive(Debug, Clone)]
pub struct Config {
    /// Effective namespace of objects without `metadata.namespace`.
    pub default_namespace: String,
    /// Kubernetes version (`major`, `minor`).
    pub target_version: (u32, u32),
    /// Config `kubernetesUpgradeTo` / `--k8s-upgrade-to`: a later version the cluster is to be upgraded to;
    /// APIs removed by then are reported as breaking on the upgrade.
    pub upgrade_to: Option<(u32, u32)>,
    /// Per-rule settings (enable/disable, severity, params), by id or alias.
    pub rules: BTreeMap<String, RuleSettings>,
    /// Extra rule pack directories (resolved against the config file's folder).
    pub rule_dirs: Vec<PathBuf>,
    /// Which rules run ([`Config::runs`]): config `select`/`profile`/`ignore`, `--select`/`--profile`/`--ignore`.
    pub selection: Selection,
    /// Config `exemptions`: objects some rules leave alone (vendored manifests that cannot be annotated).
    pub exemptions: Vec<Exemption>,
    /// Include globs (gitignore semantics, relative to the config file's directory); empty = every manifest.
    pub include: Vec<String>,
    /// Exclude globs.
    pub exclude: Vec<String>,
    /// The config file used, if any.
    pub file: Option<PathBuf>,
    /// Objects that exist in the cluster outside the repository (config `cluster:`), as manifests.
    pub cluster: Vec<ClusterObject>,
    /// Config `assumeCompleteSet` / `--assume-complete`: the set is the whole truth, so a missing
    /// reference is an error instead of a warning.
    pub assume_complete_set: bool,
    /// `--strict`: unknown fields and kinds without any schema are errors (`schema-violation`).
    pub strict_schemas: bool,
    /// Extra JSON Schemas from `--schema-dir` (loaded and compiled by the CLI before the run).
    pub schema_dir: Option<std::sync::Arc<crate::schema::External>>,
    /// Rules turned on for this run on top of the pack's (`# kvet-test: enable=ID` in a fixture): an opt-in rule
    /// can be tested without recompiling the pack.
    pub also_enabled: Vec<String>,
    /// Rules turned off for this run (`# kvet-test: disable=ID`): a fixture can show what one rule reports when
    /// a more specific one, which would otherwise take its place, is off.
    pub also_disabled: Vec<String>,
    /// A panic injected on purpose (`# kvet-test: fault=load|evaluate` in a fixture), which tests that kvet's
    /// own bugs become `internal-error` findings ([`crate::guard`]). Never set from `.kvet.yaml`.
    pub fault: Option<crate::guard::Fault>,
    /// How Helm charts are rendered (config `helm:`; the binary only from the command line).
    pub helm: Helm,
    /// The config file's text, so that errors found after parsing (an unknown rule id, an unsupported
    /// version, an invalid glob) point at the offending text.
    pub source: Option<std::sync::Arc<SourceFile>>,
    /// Where settings are in [`Config::source`], by path: `kubernetesVersion`, `include[0]`, `exclude[2]`,
    /// `rules.ID`, `enable[1]`.
    pub spans: BTreeMap<String, Span>,
}

/// Helm rendering: the `helm` binary the runner found (`--helm`, `KVET_HELM`, `helm` on PATH — never
/// `.kvet.yaml`, which comes with the repository), and the per-chart settings of config `helm:`.
#[derive(Debug, Clone)]
pub struct Helm {
    /// The `helm` to run; `None`: charts are not rendered (one `helm-chart-not-rendered` info each).
    pub binary: Option<PathBuf>,
    /// Config `helm.render` (default true); false: charts are not rendered even with `helm` installed.
    pub render: bool,
    /// Config `helm.charts`: how to render a chart (several entries for one chart render it several times).
    pub charts: Vec<HelmChart>,
}

impl Default for Helm {
    fn default() -> Helm {
        Helm { binary: None, render: true, charts: Vec::new() }
    }
}

/// One `helm.charts` entry: a chart directory and the values and release to render it with.
#[derive(Debug, Clone)]
pub struct HelmChart {
    /// The chart directory (resolved against the configuration's directory).
    pub chart: PathBuf,
    /// `helm template RELEASE` (default `release-name`, helm's own).
    pub release: Option<String>,
    /// `--namespace` (default: `defaultNamespace`).
    pub namespace: Option<String>,
    /// `--values` files in order (resolved against the configuration's directory), after the chart's own
    /// `values.yaml`.
    pub values: Vec<PathBuf>,
    /// `--set` pairs (`key=value`), after the values files.
    pub set: Vec<String>,
    /// What helm printed for this entry, replayed instead of running helm (a file of helm's output, or of its
    /// error message when the name ends in `.err`): the fixture harness's `# kvet-test: helm-output=FILE`, so
    /// that fixtures render the same on every machine. Never from `.kvet.yaml`.
    pub replay: Option<PathBuf>,
}

/// An object of config `cluster:`.
#[derive(Debug, Clone)]
pub struct ClusterObject {
    /// A manifest-shaped value: `kind`, `metadata.name`/`namespace`, and what the config declares (`type`,
    /// `data` keys, `spec`, annotations).
    pub value: Value,
    /// Whether the config declared more than the identity (type, keys, spec): only then do rules about the
    /// object's content look at it.
    pub content_known: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            default_namespace: "default".into(),
            target_version: DEFAULT_TARGET_VERSION,
            upgrade_to: None,
            rules: BTreeMap::new(),
            rule_dirs: Vec::new(),
            selection: Selection::default(),
            exemptions: Vec::new(),
            include: Vec::new(),
            exclude: Vec::new(),
            file: None,
            cluster: Vec::new(),
            assume_complete_set: false,
            strict_schemas: false,
            schema_dir: None,
            also_enabled: Vec::new(),
            also_disabled: Vec::new(),
            fault: None,
            helm: Helm::default(),
            source: None,
            spans: BTreeMap::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConfigFile {
    kubernetes_version: Option<Value>,
    kubernetes_upgrade_to: Option<Value>,
    default_namespace: Option<String>,
    #[serde(default)]
    rules: Map<String, Value>,
    #[serde(default)]
    enable: Vec<String>,
    #[serde(default)]
    disable: Vec<String>,
    select: Option<Vec<String>>,
    profile: Option<crate::pack::format::OneOrMany>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    exemptions: Vec<ExemptionEntry>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    cluster: Vec<ClusterEntry>,
    #[serde(default)]
    assume_complete_set: bool,
    #[serde(default)]
    known_storage_classes: Vec<String>,
    helm: Option<HelmEntry>,
}

/// One config `exemptions` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExemptionEntry {
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    names: Vec<String>,
}

/// Which rules a run selects, like ruff's `select`/`ignore`. Each entry is a rule id (or alias), an area, a
/// profile or `all`. The most specific entry wins: a rule named by id in `select` runs even when `ignore` names
/// its profile, and a rule named by id in `ignore` does not run even when `select` names its profile. A profile,
/// an area or `all` selects only the rules that are on by default (opt-in rules run when named by id).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `select` / `--select`: what runs; `None`: the default profile (`correctness`).
    pub select: Option<Vec<String>>,
    /// `profile` / `--profile`: profiles selected on top of `select`.
    pub profiles: Vec<String>,
    /// `ignore` / `--ignore`.
    pub ignore: Vec<String>,
}

impl Selection {
    /// Every entry selected (`select` or the default profile, then `profile`).
    fn selected(&self) -> impl Iterator<Item = &str> {
        let select = match &self.select {
            Some(list) => list.iter().map(String::as_str).collect::<Vec<_>>(),
            None => vec![crate::pack::profiles::DEFAULT],
        };
        select.into_iter().chain(self.profiles.iter().map(String::as_str))
    }

    /// Whether the selection turns `rule` on.
    pub fn selects(&self, rule: &crate::pack::Rule) -> bool {
        let by_id = |s: &str| s == rule.id || rule.aliases.iter().any(|a| a == s);
        if self.ignore.iter().any(|s| by_id(s)) {
            return false;
        }
        if self.selected().any(by_id) {
            return true;
        }
        rule.default_enabled
            && self.selected().any(|s| broadly(s, rule))
            && !self.ignore.iter().any(|s| broadly(s, rule))
    }
}

/// Whether the selector `s` (`all`, an area or a profile) covers `rule`.
fn broadly(s: &str, rule: &crate::pack::Rule) -> bool {
    s == "all" || s == rule.area || rule.profiles.iter().any(|p| crate::pack::profiles::selects(s, p))
}

/// One config `exemptions` entry: findings of `rules` (ids, areas, profiles, `all`; every rule when empty) on
/// objects whose kind, namespace and name match (each list empty = any; `names` are globs) are not reported.
#[derive(Debug, Clone)]
pub struct Exemption {
    /// Rule selectors.
    pub rules: Vec<String>,
    /// Kinds (`Deployment`).
    pub kinds: Vec<String>,
    /// Effective namespaces.
    pub namespaces: Vec<String>,
    /// Name globs (`*`, `?`, `[…]`).
    pub names: globset::GlobSet,
    /// Whether `names` has entries.
    pub any_name: bool,
}

impl Exemption {
    /// Whether the exemption covers a finding of `rule` about `object`.
    pub fn covers(&self, rule: &crate::pack::Rule, object: &crate::finding::ObjectRef) -> bool {
        let rule_ok = self.rules.is_empty()
            || self.rules.iter().any(|s| s == &rule.id || rule.aliases.contains(s) || broadly(s, rule));
        let kind_ok = self.kinds.is_empty() || self.kinds.contains(&object.kind);
        let ns_ok =
            self.namespaces.is_empty() || object.namespace.as_ref().is_some_and(|ns| self.namespaces.contains(ns));
        let name_ok = self.any_name || self.names.is_match(&object.name);
        rule_ok && kind_ok && ns_ok && name_ok
    }
}

/// Config `helm:`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HelmEntry {
    #[serde(default = "yes")]
    render: bool,
    #[serde(default)]
    charts: Vec<HelmChartEntry>,
}

fn yes() -> bool {
    true
}

/// One `helm.charts` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HelmChartEntry {
    chart: String,
    release: Option<String>,
    namespace: Option<String>,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    set: Vec<String>,
}

/// One `cluster:` entry: an object that exists outside the repository.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClusterEntry {
    kind: String,
    name: String,
    namespace: Option<String>,
    /// Secret `type`.
    #[serde(rename = "type")]
    type_: Option<String>,
    /// ConfigMap/Secret data keys.
    keys: Option<Vec<String>>,
    /// Any `spec` (PersistentVolumeClaim, Service, …).
    spec: Option<Value>,
    #[serde(default)]
    labels: Map<String, Value>,
    #[serde(default)]
    annotations: Map<String, Value>,
    /// ServiceAccount image pull secrets (names).
    image_pull_secrets: Option<Vec<String>>,
}

impl ClusterEntry {
    fn into_object(self) -> ClusterObject {
        let mut metadata = Map::new();
        metadata.insert("name".into(), Value::String(self.name));
        if let Some(ns) = self.namespace {
            metadata.insert("namespace".into(), Value::String(ns));
        }
        if !self.labels.is_empty() {
            metadata.insert("labels".into(), Value::Object(self.labels));
        }
        if !self.annotations.is_empty() {
            metadata.insert("annotations".into(), Value::Object(self.annotations));
        }
        let mut obj = Map::new();
        obj.insert("kind".into(), Value::String(self.kind));
        obj.insert("metadata".into(), Value::Object(metadata));
        let content_known =
            self.type_.is_some() || self.keys.is_some() || self.spec.is_some() || self.image_pull_secrets.is_some();
        if let Some(t) = self.type_ {
            obj.insert("type".into(), Value::String(t));
        }
        if let Some(keys) = self.keys {
            let data: Map<String, Value> = keys.into_iter().map(|k| (k, Value::String(String::new()))).collect();
            obj.insert("data".into(), Value::Object(data));
        }
        if let Some(spec) = self.spec {
            obj.insert("spec".into(), spec);
        }
        if let Some(names) = self.image_pull_secrets {
            let list = names.into_iter().map(|n| serde_json::json!({ "name": n })).collect();
            obj.insert("imagePullSecrets".into(), Value::Array(list));
        }
        ClusterObject { value: Value::Object(obj), content_known }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    enabled: Option<bool>,
    severity: Option<Severity>,
    #[serde(default)]
    params: Map<String, Value>,
}

/// Config errors, located in the config file; render them like a report.
#[derive(Debug)]
pub struct ConfigError {
    /// The config file (for the snippet).
    pub sources: SourceMap,
    /// The errors as findings (rule id `config`), at least one.
    pub findings: Vec<Finding>,
}

impl ConfigError {
    /// As a report.
    pub fn into_report(self) -> crate::Report {
        let summary = crate::Summary { files: 1, errors: self.findings.len(), ..Default::default() };
        crate::Report { sources: self.sources, findings: self.findings, summary }
    }
}

/// An entry of `select`, `profile`, `ignore` or an exemption's `rules` that names nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSelector {
    /// The entry.
    pub name: String,
    /// What it should be (`profile`, `rule id, area, profile or `all``).
    pub what: String,
    /// The closest known name.
    pub suggestion: Option<String>,
    /// Where it is written in the config file; `None` for a command-line flag.
    pub at: Option<Span>,
    /// Its config key (`select[0]`).
    pub key: String,
}

/// A rule id in the configuration (or on the command line) that names no rule of the pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule {
    pub id: String,
    /// The closest rule id, when one is close.
    pub suggestion: Option<String>,
    /// Where the id is written in the config file; `None` for `--enable`/`--disable`.
    pub at: Option<Span>,
}

/// Parses `major.minor` (`1.34`, `v1.34`, `1.34.2`).
pub fn parse_version(s: &str) -> Option<(u32, u32)> {
    let s = s.trim().trim_start_matches('v');
    let mut it = s.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor))
}

impl Config {
    /// Where the setting `key` of [`Config::spans`] is (the file's start when it has no span).
    pub fn span(&self, key: &str) -> Span {
        self.spans.get(key).copied().unwrap_or_default()
    }

    /// An error at the setting `key` of [`Config::spans`].
    pub fn error_at(&self, key: &str, message: String, help: Option<String>) -> ConfigError {
        self.errors_at(vec![(self.span(key), message, help)])
    }

    /// Errors at places of the config file, one finding each.
    pub fn errors_at(&self, errors: Vec<(Span, String, Option<String>)>) -> ConfigError {
        let mut sources = SourceMap::default();
        let file = match &self.source {
            Some(f) => SourceFile::new(f.name.clone(), f.text.clone()),
            None => SourceFile::new(self.file.as_ref().map_or(FILE_NAME.into(), |f| f.display().to_string()), ""),
        };
        let id = sources.add(file);
        let findings =
            errors.into_iter().map(|(span, message, help)| config_finding(id, span, message, help)).collect();
        ConfigError { sources, findings }
    }

    /// The rule ids of [`Config::rules`] that name no rule of `pack` (by id or alias), with the closest id.
    pub fn unknown_rules(&self, pack: &crate::Pack) -> Vec<UnknownRule> {
        let ids = pack.rule_ids();
        self.rules
            .iter()
            .filter(|(key, _)| pack.get(key).is_none())
            .map(|(key, settings)| UnknownRule {
                id: key.clone(),
                suggestion: crate::schema::explain::suggest(key, &ids).map(str::to_owned),
                at: settings.origin,
            })
            .collect()
    }

    /// Parameters under `rules: {ID: {params: …}}` that the rule does not declare (a typo is otherwise
    /// ignored): where the parameter is and the message, with the closest declared name.
    pub fn unknown_params(&self, pack: &crate::Pack) -> Vec<(Span, String)> {
        let mut out = Vec::new();
        for (id, settings) in &self.rules {
            let Some(rule) = pack.get(id) else { continue };
            for param in settings.params.keys().filter(|p| !rule.declared_params.contains(p)) {
                let hint = match crate::schema::explain::suggest(param, &rule.declared_params) {
                    Some(s) => format!("; did you mean `{s}`?"),
                    None if rule.declared_params.is_empty() => "; it has no parameters".to_owned(),
                    None => format!(" (its parameters: {})", rule.declared_params.join(", ")),
                };
                let span = self.span(&format!("rules.{id}.params.{param}"));
                out.push((span, format!("rule `{}` has no parameter `{param}`{hint}", rule.id)));
            }
        }
        out
    }

    /// Whether `rule` runs: a fixture's `enable=`/`disable=` first, then the rule's own setting (`rules: {ID:
    /// {enabled}}`, `enable:`, `disable:`, `--enable`, `--disable`), then the selection.
    pub fn runs(&self, rule: &crate::pack::Rule) -> bool {
        if self.also_disabled.contains(&rule.id) {
            return false;
        }
        if self.also_enabled.contains(&rule.id) {
            return true;
        }
        match rule.configured {
            Some(on) => on,
            None => self.selection.selects(rule),
        }
    }

    /// Whether an exemption covers a finding of `rule` about `object`.
    pub fn exempts(&self, rule: &crate::pack::Rule, object: Option<&crate::finding::ObjectRef>) -> bool {
        match object {
            Some(object) if !self.exemptions.is_empty() => self.exemptions.iter().any(|e| e.covers(rule, object)),
            _ => false,
        }
    }

    /// The selectors of the selection and the exemptions (config keys `select[i]`, `profile[i]`, `ignore[i]`,
    /// `exemptions[i].rules[j]`; `None` for a command-line flag) that name no rule id or alias, area, profile or
    /// `all` of `pack`, with the closest name; `profile` entries must be profiles.
    pub fn unknown_selectors(&self, pack: &crate::Pack) -> Vec<UnknownSelector> {
        let mut names: Vec<String> = pack.rule_ids();
        names.extend(pack.rules().iter().flat_map(|r| r.aliases.iter().cloned()));
        names.extend(pack.rules().iter().map(|r| r.area.clone()));
        names.extend(crate::pack::profiles::ids());
        names.push("all".to_owned());
        names.sort();
        names.dedup();
        let profiles = crate::pack::profiles::ids();
        let mut out = Vec::new();
        let mut check = |key: String, name: &str, known: &[String], what: &str| {
            if !known.iter().any(|k| k == name) {
                out.push(UnknownSelector {
                    name: name.to_owned(),
                    what: what.to_owned(),
                    suggestion: crate::schema::explain::suggest(name, known).map(str::to_owned),
                    at: self.spans.get(&key).copied(),
                    key,
                });
            }
        };
        let any = "rule id, area, profile or `all`";
        for (i, s) in self.selection.select.iter().flatten().enumerate() {
            check(format!("select[{i}]"), s, &names, any);
        }
        for (i, s) in self.selection.profiles.iter().enumerate() {
            check(format!("profile[{i}]"), s, &profiles, "profile");
        }
        for (i, s) in self.selection.ignore.iter().enumerate() {
            check(format!("ignore[{i}]"), s, &names, any);
        }
        for (i, e) in self.exemptions.iter().enumerate() {
            for (j, s) in e.rules.iter().enumerate() {
                check(format!("exemptions[{i}].rules[{j}]"), s, &names, any);
            }
        }
        out
    }
}

/// Looks for `.kvet.yaml` in `start` and its parents (give an absolute `start` to search past the working
/// directory).
pub fn discover(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

impl Config {
    /// The include/exclude filter, relative to the directory holding the config file (the working directory
    /// without one). Errors point at each invalid glob.
    pub fn filter(&self) -> Result<crate::discover::Filter, ConfigError> {
        let mut bad = Vec::new();
        for (list, globs) in [("include", &self.include), ("exclude", &self.exclude)] {
            for (i, glob) in globs.iter().enumerate() {
                if let Err(e) = ignore::gitignore::GitignoreBuilder::new("").add_line(None, glob) {
                    let help = "Globs use .gitignore syntax: `*`, `**`, `?`, `[abc]`, `{a,b}` (a `{` needs its `}`).";
                    let span = self.span(&format!("{list}[{i}]"));
                    bad.push((span, format!("invalid {list} glob `{glob}`: {e}"), Some(help.into())));
                }
            }
        }
        if !bad.is_empty() {
            return Err(self.errors_at(bad));
        }
        let base = self.file.as_deref().and_then(Path::parent).unwrap_or(Path::new(""));
        crate::discover::Filter::new(base, &self.include, &self.exclude)
            .map_err(|e| self.error_at("include[0]", e, None))
    }

    /// Reads and parses a config file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            error(SourceFile::new(name.clone(), ""), Span::default(), format!("cannot read config file {name}: {e}"))
        })?;
        let base = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut cfg = Config::parse_in(&name, &text, Some(base))?;
        cfg.rule_dirs = cfg.rule_dirs.iter().map(|d| base.join(d)).collect();
        cfg.file = Some(path.to_path_buf());
        Ok(cfg)
    }

    /// Parses config text; `name` is used in error locations.
    pub fn parse(name: &str, text: &str) -> Result<Config, ConfigError> {
        Config::parse_in(name, text, None)
    }

    /// Parses config text of a file in directory `base` (when known): `rules.extra` entries must then lie
    /// inside `base` once symlinks are resolved. A configuration comes with the repository — in CI, from the
    /// pull request — so it must not make kvet read (and echo in an error snippet) files outside it.
    fn parse_in(name: &str, text: &str, base: Option<&Path>) -> Result<Config, ConfigError> {
        let file = SourceFile::new(name, text);
        let loaded = yaml::load(&file);
        if let Some(p) = loaded.problems.first() {
            let (span, msg) = (p.span, format!("config file is not valid YAML: {}", p.message));
            return Err(error(file, span, msg));
        }
        let Some(doc) = loaded.documents.first() else { return Ok(Config::default()) };
        if let Some(second) = loaded.documents.get(1) {
            let span = second.spans.report_span(&file.text);
            let n = loaded.documents.len();
            return Err(error(
                file,
                span,
                format!("the configuration file holds {n} YAML documents; kvet reads one configuration (merge them into the first, or remove the `---`)"),
            ));
        }
        let locate = |path: &[PathElem]| doc.root().descend(path).0.spans.report_span(&file.text);
        let parsed: ConfigFile = match serde_path_to_error::deserialize(&doc.value) {
            Ok(c) => c,
            Err(e) => {
                let span = locate(&error_path(&e));
                return Err(error(file, span, format!("invalid configuration: {}", e.inner())));
            }
        };
        let mut cfg = Config::default();
        if let Some(v) = parsed.kubernetes_version {
            let text = match &v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            // `1.30` unquoted is the number 1.3: insist on a string.
            let version = if v.is_string() { parse_version(&text) } else { None };
            match version {
                Some(ver) => cfg.target_version = ver,
                None => {
                    let span = locate(&[PathElem::Key("kubernetesVersion".into())]);
                    return Err(error(
                        file,
                        span,
                        format!(
                            "kubernetesVersion must be a quoted \"major.minor\" string such as \"1.34\", got {text}"
                        ),
                    ));
                }
            }
        }
        if let Some(v) = parsed.kubernetes_upgrade_to {
            let version = v.as_str().and_then(parse_version);
            match version {
                Some(ver) if ver > cfg.target_version => cfg.upgrade_to = Some(ver),
                _ => {
                    let span = locate(&[PathElem::Key("kubernetesUpgradeTo".into())]);
                    let (a, b) = cfg.target_version;
                    return Err(error(
                        file,
                        span,
                        format!("kubernetesUpgradeTo must be a quoted \"major.minor\" string later than the checked version {a}.{b}, got {v}"),
                    ));
                }
            }
        }
        if let Some(ns) = parsed.default_namespace {
            cfg.default_namespace = ns;
        }
        let rules_key = || PathElem::Key("rules".into());
        let mut param_spans = Vec::new();
        for (key, value) in parsed.rules {
            if key == "extra" {
                let dirs: Vec<String> = match serde_json::from_value(value) {
                    Ok(d) => d,
                    Err(e) => {
                        let span = locate(&[PathElem::Key("rules".into()), PathElem::Key(key.clone())]);
                        return Err(error(file, span, format!("rules.extra must be a list of directories: {e}")));
                    }
                };
                for (i, dir) in dirs.iter().enumerate() {
                    if let Some(why) = outside(Path::new(dir), base) {
                        let span =
                            locate(&[PathElem::Key("rules".into()), PathElem::Key(key.clone()), PathElem::Index(i)]);
                        return Err(error(
                            file,
                            span,
                            format!("rules.extra entry `{dir}` {why}: a configuration may only name rule directories inside its own directory (give other rule directories with --rules)"),
                        ));
                    }
                }
                cfg.rule_dirs.extend(dirs.into_iter().map(PathBuf::from));
                continue;
            }
            let entry: RuleEntry = match serde_path_to_error::deserialize(&value) {
                Ok(r) => r,
                Err(e) => {
                    let mut path = vec![PathElem::Key("rules".into()), PathElem::Key(key.clone())];
                    path.extend(error_path(&e));
                    let span = locate(&path);
                    return Err(error(file, span, format!("invalid settings for rule `{key}`: {}", e.inner())));
                }
            };
            let origin = Some(locate(&[PathElem::Key("rules".into()), PathElem::Key(key.clone())]));
            for param in entry.params.keys() {
                let path = [
                    rules_key(),
                    PathElem::Key(key.clone()),
                    PathElem::Key("params".into()),
                    PathElem::Key(param.clone()),
                ];
                param_spans.push((format!("rules.{key}.params.{param}"), locate(&path)));
            }
            cfg.rules.insert(
                key,
                RuleSettings { enabled: entry.enabled, severity: entry.severity, params: entry.params, origin },
            );
        }
        for (list, ids, on) in [("enable", parsed.enable, true), ("disable", parsed.disable, false)] {
            for (i, id) in ids.into_iter().enumerate() {
                let span = locate(&[PathElem::Key(list.into()), PathElem::Index(i)]);
                let settings = cfg.rules.entry(id).or_default();
                settings.enabled = Some(on);
                settings.origin = settings.origin.or(Some(span));
            }
        }
        let mut selector_spans: Vec<(String, Span)> = Vec::new();
        let mut list_spans = |key: &str, n: usize, single: bool| {
            for i in 0..n {
                let mut path = vec![PathElem::Key(key.into())];
                if !single {
                    path.push(PathElem::Index(i));
                }
                selector_spans.push((format!("{key}[{i}]"), locate(&path)));
            }
        };
        if let Some(select) = &parsed.select {
            list_spans("select", select.len(), false);
        }
        list_spans("ignore", parsed.ignore.len(), false);
        let (profiles, single) = match parsed.profile {
            Some(crate::pack::format::OneOrMany::One(p)) => (vec![p], true),
            Some(crate::pack::format::OneOrMany::Many(list)) => (list, false),
            None => (Vec::new(), false),
        };
        list_spans("profile", profiles.len(), single);
        cfg.selection = Selection { select: parsed.select, profiles, ignore: parsed.ignore };
        for (i, entry) in parsed.exemptions.into_iter().enumerate() {
            let at = |field: &str, j: Option<usize>| {
                let mut path =
                    vec![PathElem::Key("exemptions".into()), PathElem::Index(i), PathElem::Key(field.into())];
                path.extend(j.map(PathElem::Index));
                locate(&path)
            };
            if entry.kinds.is_empty() && entry.namespaces.is_empty() && entry.names.is_empty() {
                let span = locate(&[PathElem::Key("exemptions".into()), PathElem::Index(i)]);
                return Err(error(
                    file,
                    span,
                    "an exemption names no `kinds`, `namespaces` or `names`: it would exempt every object (turn rules off with `ignore:` instead)".to_owned(),
                ));
            }
            for j in 0..entry.rules.len() {
                selector_spans.push((format!("exemptions[{i}].rules[{j}]"), at("rules", Some(j))));
            }
            let mut names = globset::GlobSetBuilder::new();
            for (j, glob) in entry.names.iter().enumerate() {
                match globset::Glob::new(glob) {
                    Ok(g) => {
                        names.add(g);
                    }
                    Err(e) => {
                        let span = at("names", Some(j));
                        return Err(error(
                            file,
                            span,
                            format!("invalid name glob `{glob}` in an exemption: {}", e.kind()),
                        ));
                    }
                }
            }
            let names = match names.build() {
                Ok(set) => set,
                Err(e) => {
                    let span = at("names", None);
                    return Err(error(file, span, format!("invalid name globs: {e}")));
                }
            };
            cfg.exemptions.push(Exemption {
                rules: entry.rules,
                kinds: entry.kinds,
                namespaces: entry.namespaces,
                any_name: entry.names.is_empty(),
                names,
            });
        }
        if let Some(helm) = parsed.helm {
            cfg.helm.render = helm.render;
            for (ci, entry) in helm.charts.into_iter().enumerate() {
                let at = |field: &str, i: Option<usize>| {
                    let mut path = vec![
                        PathElem::Key("helm".into()),
                        PathElem::Key("charts".into()),
                        PathElem::Index(ci),
                        PathElem::Key(field.into()),
                    ];
                    path.extend(i.map(PathElem::Index));
                    path
                };
                // Like `rules.extra`: a configuration names only files inside its own directory, so a pull
                // request cannot make helm read (and kvet echo) files elsewhere.
                let paths = std::iter::once((entry.chart.as_str(), at("chart", None)))
                    .chain(entry.values.iter().enumerate().map(|(i, v)| (v.as_str(), at("values", Some(i)))));
                for (p, path) in paths {
                    if let Some(why) = outside(Path::new(p), base) {
                        let span = locate(&path);
                        return Err(error(
                            file,
                            span,
                            format!("helm chart path `{p}` {why}: a configuration may only name files inside its own directory"),
                        ));
                    }
                }
                for (i, pair) in entry.set.iter().enumerate() {
                    if !pair.contains('=') {
                        let span = locate(&at("set", Some(i)));
                        return Err(error(file, span, format!("helm `set` entry `{pair}` is not `key=value`")));
                    }
                }
                if let Some(release) = &entry.release {
                    let valid = !release.is_empty()
                        && release.len() <= 53
                        && release.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                    if !valid {
                        let span = locate(&at("release", None));
                        return Err(error(
                            file,
                            span,
                            format!("helm release name `{release}` is not a valid release name (lowercase letters, digits and `-`, at most 53 characters)"),
                        ));
                    }
                }
                let resolve =
                    |p: &str| crate::classify::normalize(&base.map_or_else(|| PathBuf::from(p), |b| b.join(p)));
                cfg.helm.charts.push(HelmChart {
                    chart: resolve(&entry.chart),
                    release: entry.release,
                    namespace: entry.namespace,
                    values: entry.values.iter().map(|v| resolve(v)).collect(),
                    set: entry.set,
                    replay: None,
                });
            }
        }
        let mut spans: BTreeMap<String, Span> = param_spans.into_iter().chain(selector_spans).collect();
        if doc.value.get("kubernetesVersion").is_some() {
            spans.insert("kubernetesVersion".to_owned(), locate(&[PathElem::Key("kubernetesVersion".into())]));
        }
        for (list, globs) in [("include", &parsed.include), ("exclude", &parsed.exclude)] {
            for i in 0..globs.len() {
                spans.insert(format!("{list}[{i}]"), locate(&[PathElem::Key(list.into()), PathElem::Index(i)]));
            }
        }
        cfg.spans = spans;
        cfg.include = parsed.include;
        cfg.exclude = parsed.exclude;
        cfg.assume_complete_set = parsed.assume_complete_set;
        cfg.cluster = parsed.cluster.into_iter().map(ClusterEntry::into_object).collect();
        for class in parsed.known_storage_classes {
            let entry = ClusterEntry {
                kind: "StorageClass".into(),
                name: class,
                namespace: None,
                type_: None,
                keys: None,
                spec: None,
                labels: Map::new(),
                annotations: Map::new(),
                image_pull_secrets: None,
            };
            cfg.cluster.push(entry.into_object());
        }
        cfg.source = Some(std::sync::Arc::new(file));
        Ok(cfg)
    }
}

/// The document path of a deserialization error; for an unknown field, the field itself.
/// Why the rule directory `dir` of a configuration in `base` is not inside `base`: an absolute path, a path
/// that climbs out with `..`, or one that resolves (through symlinks) outside; `None` when it is inside (or
/// does not exist yet: the pack loader reports a missing directory).
fn outside(dir: &Path, base: Option<&Path>) -> Option<String> {
    use std::path::Component;
    if dir.is_absolute() || dir.components().any(|c| matches!(c, Component::Prefix(_) | Component::RootDir)) {
        return Some("is an absolute path".into());
    }
    let mut depth = 0i32;
    for c in dir.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
        if depth < 0 {
            return Some("climbs out of the configuration's directory".into());
        }
    }
    let base = base?;
    let (Ok(root), Ok(real)) = (base.canonicalize(), base.join(dir).canonicalize()) else { return None };
    (!real.starts_with(&root)).then(|| format!("resolves to {}, outside the configuration's directory", real.display()))
}

pub fn error_path(e: &serde_path_to_error::Error<serde_json::Error>) -> Vec<PathElem> {
    let mut path: Vec<PathElem> = e
        .path()
        .iter()
        .filter_map(|seg| match seg {
            serde_path_to_error::Segment::Map { key } => Some(PathElem::Key(key.clone())),
            serde_path_to_error::Segment::Seq { index } => Some(PathElem::Index(*index)),
            _ => None,
        })
        .collect();
    let inner = e.inner().to_string();
    if let Some(field) = inner.strip_prefix("unknown field `").and_then(|r| r.split('`').next()) {
        if path.last() != Some(&PathElem::Key(field.to_owned())) {
            path.push(PathElem::Key(field.to_owned()));
        }
    }
    path
}

fn error(file: SourceFile, span: Span, message: String) -> ConfigError {
    let mut sources = SourceMap::default();
    let id = sources.add(file);
    ConfigError { sources, findings: vec![config_finding(id, span, message, None)] }
}

/// A finding of the configuration (rule id `config`: renderers add "see: kvet explain config").
fn config_finding(file: crate::FileId, span: Span, message: String, help: Option<String>) -> Finding {
    let help = help.unwrap_or_else(|| "Every key and its format: `kvet explain config`.".into());
    Finding::input_error("config", file, span, message, Some(help))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_settings() {
        let c = Config::parse(
            ".kvet.yaml",
            "kubernetesVersion: \"1.29\"\ndefaultNamespace: apps\nrules:\n  image-tag-latest: {severity: error}\n  extra: [policies]\ndisable: [resources-missing]\n",
        )
        .unwrap();
        assert_eq!(c.target_version, (1, 29));
        assert_eq!(c.default_namespace, "apps");
        assert_eq!(c.rules["image-tag-latest"].severity, Some(Severity::Error));
        assert_eq!(c.rules["resources-missing"].enabled, Some(false));
        assert_eq!(c.rule_dirs, vec![PathBuf::from("policies")]);
    }

    #[test]
    fn rule_directories_stay_inside_the_configuration_directory() {
        for (entry, why) in
            [("/proc/self/environ", "absolute"), ("../../etc", "climbs out"), ("policies/../../x", "climbs out")]
        {
            let text = format!("defaultNamespace: a\nrules:\n  extra:\n    - policies\n    - {entry}\n");
            let e = Config::parse(".kvet.yaml", &text).unwrap_err();
            let f = e.sources.get(e.findings[0].file);
            assert_eq!(f.position(e.findings[0].span.start).line, 5, "{entry}");
            assert!(
                e.findings[0].message.contains(why) && e.findings[0].message.contains(entry),
                "{}",
                e.findings[0].message
            );
        }
        assert!(Config::parse(".kvet.yaml", "rules:\n  extra: [a/../b, ./c]\n").is_ok());
        // A symlink inside the directory that points out of it.
        let dir = std::env::temp_dir().join(format!("kvet-config-escape-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("repo/policies")).unwrap();
        std::fs::create_dir_all(dir.join("elsewhere")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("elsewhere"), dir.join("repo/out")).unwrap();
        let config = dir.join("repo/.kvet.yaml");
        std::fs::write(&config, "rules:\n  extra: [policies, out]\n").unwrap();
        let result = Config::from_file(&config);
        #[cfg(unix)]
        assert!(result.unwrap_err().findings[0].message.contains("outside the configuration's directory"));
        std::fs::write(&config, "rules:\n  extra: [policies]\n").unwrap();
        assert_eq!(Config::from_file(&config).unwrap().rule_dirs, vec![dir.join("repo").join("policies")]);
        let _ = std::fs::remove_dir_all(&dir);
        let _ = result;
    }

    #[test]
    fn upgrade_version_is_later_than_the_target() {
        let cfg = Config::parse("k.yaml", "kubernetesVersion: \"1.30\"\nkubernetesUpgradeTo: \"1.33\"\n").unwrap();
        assert_eq!(cfg.upgrade_to, Some((1, 33)));
        let err = Config::parse("k.yaml", "kubernetesVersion: \"1.30\"\nkubernetesUpgradeTo: \"1.29\"\n").unwrap_err();
        assert!(err.findings[0].message.contains("later than the checked version 1.30"), "{}", err.findings[0].message);
        assert_eq!(err.sources.get(err.findings[0].file).position(err.findings[0].span.start).line, 2);
    }

    #[test]
    fn selection_by_profile_area_and_id() {
        let pack = crate::Pack::load(&[], &BTreeMap::new()).expect("embedded pack");
        let rule = |id: &str| pack.get(id).expect(id);
        let runs = |text: &str, id: &str| Config::parse("c.yaml", text).unwrap().runs(rule(id));
        // Default: the correctness profile only; opt-in rules never by a profile.
        assert!(runs("{}", "pv-reclaim-delete"));
        assert!(!runs("{}", "service-selects-nothing"));
        assert!(!runs("select: [all]", "not-a-manifest"));
        assert!(runs("select: [not-a-manifest]", "not-a-manifest"));
        // `profile` adds; `select` replaces; areas select too.
        assert!(runs("profile: network", "service-selects-nothing"));
        assert!(runs("profile: network", "pv-reclaim-delete"));
        assert!(!runs("select: [network]", "pv-reclaim-delete"));
        assert!(runs("select: [storage]", "pv-reclaim-delete"));
        // The most specific entry wins; a rule's own setting wins over the selection.
        assert!(!runs("ignore: [storage]", "pv-reclaim-delete"));
        assert!(runs("select: [pv-reclaim-delete]\nignore: [storage]", "pv-reclaim-delete"));
        assert!(!runs("profile: [network]\nignore: [service-selects-nothing]", "service-selects-nothing"));
        let off = Config::parse("c.yaml", "disable: [service-selects-nothing]\nprofile: network").unwrap();
        let pack_off = crate::Pack::load(&[], &off.rules).unwrap();
        assert!(!off.runs(pack_off.get("service-selects-nothing").unwrap()));
        let on = Config::parse("c.yaml", "enable: [service-selects-nothing]").unwrap();
        let pack_on = crate::Pack::load(&[], &on.rules).unwrap();
        assert!(on.runs(pack_on.get("service-selects-nothing").unwrap()));
    }

    #[test]
    fn unknown_selectors_are_located() {
        let pack = crate::Pack::load(&[], &BTreeMap::new()).expect("embedded pack");
        let text =
            "profile: [pss-restrictd]\nselect: [storage, al]\nexemptions:\n  - rules: [netwrk]\n    kinds: [Pod]\n";
        let c = Config::parse("c.yaml", text).unwrap();
        let unknown = c.unknown_selectors(&pack);
        let names: Vec<(&str, Option<&str>, &str)> =
            unknown.iter().map(|u| (u.name.as_str(), u.suggestion.as_deref(), u.key.as_str())).collect();
        assert_eq!(
            names,
            [
                ("al", Some("all"), "select[1]"),
                ("pss-restrictd", Some("pss-restricted"), "profile[0]"),
                ("netwrk", Some("network"), "exemptions[0].rules[0]"),
            ]
        );
        let at = unknown[1].at.expect("located");
        assert_eq!(&text[at.start as usize..at.end as usize], "pss-restrictd");
    }

    #[test]
    fn exemptions_match_kind_namespace_and_name_globs() {
        let pack = crate::Pack::load(&[], &BTreeMap::new()).expect("embedded pack");
        let text = "exemptions:\n  - rules: [volumes]\n    kinds: [DaemonSet]\n    names: [\"cilium*\"]\n";
        let c = Config::parse("c.yaml", text).unwrap();
        let object = |kind: &str, name: &str| crate::finding::ObjectRef {
            api_version: "apps/v1".into(),
            kind: kind.into(),
            namespace: Some("kube-system".into()),
            name: name.into(),
        };
        let rule = pack.get("hostpath-writable").unwrap();
        assert!(c.exempts(rule, Some(&object("DaemonSet", "cilium-agent"))));
        assert!(!c.exempts(rule, Some(&object("DaemonSet", "fluent-bit"))));
        assert!(!c.exempts(rule, Some(&object("Deployment", "cilium-operator"))));
        assert!(!c.exempts(pack.get("image-tag-latest").unwrap(), Some(&object("DaemonSet", "cilium-agent"))));
        assert!(!c.exempts(rule, None));
        let err = Config::parse("c.yaml", "exemptions:\n  - rules: [all]\n").unwrap_err();
        assert!(err.findings[0].message.contains("names no `kinds`"), "{}", err.findings[0].message);
    }

    #[test]
    fn typo_is_located() {
        let e = Config::parse(".kvet.yaml", "defaultNamespace: a\ndisabel: [x]\n").unwrap_err();
        let f = e.sources.get(e.findings[0].file);
        assert_eq!(f.position(e.findings[0].span.start).line, 2);
        assert!(e.findings[0].message.contains("disabel"));
        let e = Config::parse(".kvet.yaml", "kubernetesVersion: 1.30\n").unwrap_err();
        assert!(e.findings[0].message.contains("quoted"));
    }

    #[test]
    fn cluster_objects_and_complete_sets() {
        let text = "assumeCompleteSet: true\nknownStorageClasses: [gp3]\ncluster:\n  - {kind: Secret, namespace: shop, name: reg, type: kubernetes.io/dockerconfigjson, keys: [.dockerconfigjson]}\n  - {kind: ConfigMap, name: flags}\n";
        let c = Config::parse(".kvet.yaml", text).unwrap();
        assert!(c.assume_complete_set);
        assert_eq!(c.cluster.len(), 3);
        let secret = &c.cluster[0];
        assert!(secret.content_known);
        assert_eq!(secret.value.pointer("/metadata/namespace"), Some(&serde_json::json!("shop")));
        assert!(secret.value.pointer("/data/.dockerconfigjson").is_some());
        assert!(!c.cluster[1].content_known, "identity only");
        assert_eq!(c.cluster[2].value["kind"], "StorageClass");
        // A typo inside an entry is located on its line.
        let e = Config::parse(".kvet.yaml", "cluster:\n  - kind: Secret\n    name: a\n    nmespace: b\n").unwrap_err();
        assert_eq!(e.sources.get(e.findings[0].file).position(e.findings[0].span.start).line, 4);
    }
}
