//! Evaluation: load every file in parallel, identify objects, run the compiled rules over every object in
//! parallel, then suppress, filter and sort. Output order never depends on thread scheduling.

pub mod checks;
mod require;

use crate::classify::{self, Charts, Class};
use crate::config::Config;
use crate::finding::{Finding, ObjectRef, Related, Severity};
use crate::index::{Index, IndexStore};
use crate::pack::format::{Target, View};
use crate::pack::template::{walk, Vars};
use crate::pack::{Case, Cond, Pack, Rule, ScalarView};
use crate::resource::{self, Resource};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::suppress;
use crate::value::Fields;
use crate::yaml::{self, Document, Located, PathElem, Problem, Style};
use crate::{Report, Summary};
use rayon::prelude::*;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
// The run's own maps hash with foldhash: several are filled on one thread between the parallel phases.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// A loaded file: its documents and loader problems.
struct LoadedFile {
    documents: Vec<Document>,
    problems: Vec<Problem>,
    resources: Vec<Resource>,
    /// What the file is; only object streams have resources and problems.
    class: Class,
}

impl LoadedFile {
    /// A file whose loading panicked (a bug of kvet's): no documents, one `internal-error` finding on its first
    /// line.
    fn failed(file: &SourceFile, stage: &str, panic: &str) -> LoadedFile {
        LoadedFile {
            documents: Vec::new(),
            problems: vec![internal_error(Span::new(0, file.line_end(1)), stage, panic)],
            resources: Vec::new(),
            class: Class::Objects,
        }
    }
}

/// The `internal-error` problem of a panic while `stage` ran on the file or object at `span`.
fn internal_error(span: Span, stage: &str, panic: &str) -> Problem {
    let message = format!("kvet failed while {stage} this (internal error: {panic}); its other findings are missing");
    crate::guard::problem(span, message)
}

/// Loads and parses every file (parallel); used by `check` and by `--parse-only`.
fn load_all(sources: &SourceMap, config: &Config) -> Vec<LoadedFile> {
    let files: Vec<(FileId, &SourceFile)> = sources.iter().collect();
    let charts = Charts::find(files.iter().map(|(_, f)| f.name.as_str()));
    let mut loaded: Vec<LoadedFile> = files
        .par_iter()
        .map(|(id, file)| {
            // A bug of kvet's on one file costs that file only: the file gets an `internal-error` finding.
            crate::guard::guard(|| load_one(*id, file, &charts, config))
                .unwrap_or_else(|panic| LoadedFile::failed(file, "loading", &panic))
        })
        .collect();
    // The patches a kustomization among the inputs applies are partial objects, its generators' inputs are data:
    // skipped as such (their syntax errors stay findings: kustomize fails on them too).
    let patches = classify::kustomize_patches(
        loaded
            .iter()
            .zip(&files)
            .filter(|(lf, _)| matches!(lf.class, Class::Kustomization))
            .map(|(lf, (_, f))| (f.name.as_str(), lf.documents.as_slice())),
    );
    if !patches.is_empty() {
        for (lf, (_, file)) in loaded.iter_mut().zip(&files) {
            if !lf.class.is_objects() || lf.problems.iter().any(|p| p.rule == "yaml-syntax") {
                continue;
            }
            if let Some((k, how)) = patches.get(&classify::normalize(std::path::Path::new(&file.name))) {
                lf.class = Class::Patch { kustomization: k.clone(), how: how.clone() };
                lf.resources.clear();
                lf.problems = vec![skipped(file, &lf.class)];
            }
        }
    }
    loaded
}

/// Loads, classifies and identifies one file.
fn load_one(id: FileId, file: &SourceFile, charts: &Charts, config: &Config) -> LoadedFile {
    crate::guard::inject(config, crate::guard::Fault::Load);
    let mut loaded = yaml::load(file);
    if let Some(e) = &file.read_error {
        let end = (e.at + 1).min(file.text.len()).max(e.at);
        loaded.problems.insert(
            0,
            Problem {
                rule: if e.unreadable { "input-unreadable" } else { "yaml-syntax" },
                severity: Severity::Error,
                span: Span::new(e.at, end),
                message: e.message.clone(),
                help: Some(e.help.clone()),
                related: Vec::new(),
                path: String::new(),
            },
        );
    }
    let class = classify::classify(file, &loaded, charts);
    let mut resources = Vec::new();
    if !class.is_objects() {
        // Not Kubernetes objects: nothing of it is linted; one opt-in info says why.
        loaded.problems = vec![skipped(file, &class)];
        return LoadedFile { documents: loaded.documents, problems: loaded.problems, resources, class };
    }
    for (i, doc) in loaded.documents.iter().enumerate() {
        resource::identify(id, file, i, doc, &config.default_namespace, &mut resources, &mut loaded.problems);
    }
    LoadedFile { documents: loaded.documents, problems: loaded.problems, resources, class }
}

/// The opt-in `not-a-manifest` info of a file that is not linted as objects.
fn skipped(file: &SourceFile, class: &Class) -> Problem {
    let reason = class.reason().unwrap_or_default();
    Problem {
        rule: "not-a-manifest",
        severity: Severity::Info,
        span: Span::new(0, file.line_end(1)),
        message: format!("{} is not a Kubernetes manifest ({reason}); skipped", file.name),
        help: Some(skip_help(class).into()),
        related: Vec::new(),
        path: String::new(),
    }
}

/// The help line of a skipped file's `not-a-manifest` finding.
fn skip_help(class: &Class) -> &'static str {
    match class {
        Class::Kustomization => {
            "kvet renders it and checks the result at the lines to edit (docs/kustomize-and-helm.md); a kustomization it cannot render gets a kustomize-not-rendered finding."
        }
        Class::Patch { .. } => {
            "kvet checks it through the kustomization's rendering (docs/kustomize-and-helm.md); where that is not rendered, check `kubectl kustomize DIR | kvet check -`."
        }
        Class::Chart { .. } => "Render the chart (`helm template CHART | kvet check -`) to check what it produces.",
        _ => "kvet checks Kubernetes objects only; exclude the file in .kvet.yaml to silence this.",
    }
}

/// The findings about documents themselves: the loader's problems (`yaml-*`, `manifest-identity`) and duplicate
/// objects.
fn document_findings(
    pack: &Pack,
    sources: &SourceMap,
    loaded: &[LoadedFile],
    config: &Config,
    helm: &HelmState,
) -> Vec<Finding> {
    let mut raw: Vec<Finding> = Vec::new();

    // One info per Helm chart that is not rendered: its files are skipped, so say once that what it renders went
    // unchecked — on its Chart.yaml when that is among the inputs, else on its first file.
    if let Some(rule) = pack.get("helm-chart-not-rendered").filter(|r| config.runs(r)) {
        let mut charts: std::collections::BTreeMap<&str, (usize, bool)> = std::collections::BTreeMap::new();
        for (fi, lf) in loaded.iter().enumerate() {
            if let Class::Chart { chart, part } = &lf.class {
                let is_chart_yaml = *part == "Chart.yaml";
                let e = charts.entry(chart.as_str()).or_insert((fi, is_chart_yaml));
                if is_chart_yaml && !e.1 {
                    *e = (fi, true);
                }
            }
        }
        for (chart, (fi, _)) in charts {
            if helm.covered.contains(chart) {
                continue;
            }
            let failure = helm.failed.iter().find(|f| f.job.chart == chart && (f.dependencies || !f.job.configured));
            if failure.is_none() && helm.failed.iter().any(|f| f.job.chart == chart) {
                continue; // a configured rendering failed: a helm-template error says so
            }
            let (message, help) = match (failure, helm.off) {
                (Some(f), _) if f.dependencies => (
                    format!("Helm chart {chart} is not rendered: its dependencies are missing ({})", f.message),
                    format!("Fetch them before kvet runs (`helm dependency build {chart}`), or vendor them under {chart}/charts/."),
                ),
                (Some(f), _) => (
                    format!("Helm chart {chart} is not rendered with its default values: `{}` failed: {}", f.job.command_line(), f.message),
                    format!("Give the values it needs in .kvet.yaml (`helm: {{charts: [{{chart: {chart}, values: [...]}}]}}`), or pipe its output in: `helm template {chart} -f VALUES | kvet check -`."),
                ),
                (None, Some((why, how))) => (
                    format!("Helm chart {chart} is not rendered ({why}), so the objects its templates produce are not checked"),
                    format!("{how}, or check the rendered chart: `helm template {chart} | kvet check -`."),
                ),
                (None, None) => (
                    format!("Helm chart {chart} is not rendered: its Chart.yaml is not among the checked files, so the objects its templates produce are not checked"),
                    format!("Check the chart's directory (or pass the repository with --context), or pipe its output in: `helm template {chart} | kvet check -`."),
                ),
            };
            let file = sources.get(FileId(fi as u32));
            let p = Problem {
                rule: "helm-chart-not-rendered",
                severity: Severity::Info,
                span: Span::new(0, file.line_end(1)),
                message,
                help: Some(help),
                related: Vec::new(),
                path: String::new(),
            };
            raw.push(problem_finding(rule, FileId(fi as u32), &p, None, None));
        }
    }
    // A configured rendering helm fails on: an error, at the template line helm names when it names one.
    if let Some(rule) = pack.get("helm-template").filter(|r| config.runs(r)) {
        for f in helm.failed.iter().filter(|f| f.job.configured && !f.dependencies) {
            let (file, span) = match f.at {
                Some((fi, line)) => {
                    let t = sources.get(FileId(fi as u32));
                    let line = line.min(t.line_count().max(1));
                    (FileId(fi as u32), Span::new(t.line_start(line), t.line_end(line)))
                }
                None => {
                    let c = sources.get(FileId(f.job.chart_yaml as u32));
                    (FileId(f.job.chart_yaml as u32), Span::new(0, c.line_end(1)))
                }
            };
            let p = Problem {
                rule: "helm-template",
                severity: Severity::Error,
                span,
                message: format!("`{}` failed: {}", f.job.command_line(), f.message),
                help: Some(format!(
                    "Fix the chart, or the values of its `helm.charts` entry in {}: `helm install` fails the same way.",
                    config.file.as_ref().map_or(".kvet.yaml".into(), |p| p.display().to_string())
                )),
                related: Vec::new(),
                path: String::new(),
            };
            let mut finding = problem_finding(rule, file, &p, None, None);
            if file.0 as usize != f.job.chart_yaml {
                let c = sources.get(FileId(f.job.chart_yaml as u32));
                finding.related.push(Related {
                    file: FileId(f.job.chart_yaml as u32),
                    span: Span::new(0, c.line_end(1)),
                    message: format!("while rendering the chart {}", f.job.chart),
                });
            }
            raw.push(finding);
        }
    }

    // Loader problems → findings of the yaml-* / manifest-identity rules.
    for (fi, lf) in loaded.iter().enumerate() {
        let file_id = FileId(fi as u32);
        for p in &lf.problems {
            let Some(rule) = pack.get(p.rule) else { continue };
            if !config.runs(rule) {
                continue;
            }
            let case = match p.rule {
                "manifest-identity" => Some("invalid"),
                "yaml-duplicate-key" if p.severity == Severity::Warning => Some("same-value"),
                _ => None,
            };
            raw.push(problem_finding(rule, file_id, p, None, case));
        }
    }

    // Duplicate objects (one linear pass). Scope: one directory — what `kubectl apply -f DIR` or a
    // kustomization applies together; example repositories legitimately reuse names across folders.
    let mut seen: HashMap<(&str, &str, &str, Option<&str>, &str), &Resource> = HashMap::new();
    let mut across: std::collections::BTreeMap<(FileId, FileId), Vec<(&Resource, &Resource)>> = Default::default();
    for lf in loaded {
        for r in &lf.resources {
            if r.object.name.is_empty() {
                continue;
            }
            let name = &sources.get(r.file).name;
            let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
            let key =
                (dir, r.group.as_str(), r.object.kind.as_str(), r.object.namespace.as_deref(), r.object.name.as_str());
            match seen.get(&key) {
                None => {
                    seen.insert(key, r);
                }
                Some(first) if first.file == r.file => {
                    if let Some(rule) = pack.get("manifest-identity").filter(|r| config.runs(r)) {
                        raw.push(duplicate_finding(rule, sources, loaded, first, r));
                    }
                }
                Some(first) => across.entry((first.file, r.file)).or_default().push((*first, r)),
            }
        }
    }
    // Across files, duplicates are mostly alternatives (`deployment-v1.yaml` and `-v2.yaml`, an operator and
    // its OpenShift variant): one info per pair of files, not a warning per object.
    if let Some(rule) = pack.get("manifest-identity").filter(|r| config.runs(r)) {
        for pairs in across.values() {
            raw.push(duplicate_files_finding(rule, sources, loaded, pairs));
        }
    }
    raw
}

/// The one finding for two files of a directory that define the same objects: on the second file's first
/// duplicate, naming how many objects the two share.
fn duplicate_files_finding(
    rule: &Rule,
    sources: &SourceMap,
    loaded: &[LoadedFile],
    pairs: &[(&Resource, &Resource)],
) -> Finding {
    let (first, second) = pairs[0];
    // Both files are in one directory: their base names say which.
    let base = |id: FileId| {
        let name = sources.get(id).name.as_str();
        name.rsplit_once('/').map_or(name, |(_, b)| b).to_owned()
    };
    let (first_file, second_file) = (base(first.file), base(second.file));
    let name = |r: &Resource| {
        let o = &r.object;
        format!("{} {}{}", o.kind, o.namespace.as_deref().map(|n| format!("{n}/")).unwrap_or_default(), o.name)
    };
    let shared = if pairs.len() == 1 {
        name(second)
    } else {
        let names: Vec<String> = pairs.iter().take(3).map(|(_, r)| name(r)).collect();
        let more = if pairs.len() > 3 { format!(", and {} more", pairs.len() - 3) } else { String::new() };
        format!("{} objects ({}{more})", pairs.len(), names.join(", "))
    };
    let problem = Problem {
        rule: "manifest-identity",
        severity: Severity::Info,
        span: name_span(sources, loaded, second),
        message: format!(
            "{second_file} defines {shared} that {first_file} defines too: applied together, the later file overwrites them"
        ),
        help: Some(
            "If the two files are alternatives (variants of one example), apply one of them; otherwise give each object one definition."
                .into(),
        ),
        related: Vec::new(),
        path: "metadata.name".into(),
    };
    let mut f = problem_finding(rule, second.file, &problem, Some(second.object.clone()), Some("duplicate-file"));
    let first_span = name_span(sources, loaded, first);
    f.related = vec![Related { file: first.file, span: first_span, message: "first defined here".into() }];
    f
}

/// Parses only (no rules): the summary counts documents and resources. For benchmarks.
pub fn parse_only(sources: SourceMap, config: &Config) -> Report {
    let loaded = load_all(&sources, config);
    let summary = Summary {
        files: sources.len(),
        documents: loaded.iter().map(|l| l.documents.len()).sum(),
        resources: loaded.iter().map(|l| l.resources.len()).sum(),
        skipped: loaded.iter().filter(|l| !l.class.is_objects()).count(),
        ..Default::default()
    };
    crate::dispose(loaded);
    Report { sources, findings: Vec::new(), summary }
}

/// Runs the check.
pub fn run(mut sources: SourceMap, pack: &Pack, config: &Config) -> Report {
    let mut timer = crate::timing::Timer::from_env();
    let mut loaded = load_all(&sources, config);
    timer.phase("load");
    let renders = render_into(&mut sources, &mut loaded, config);
    let (sources, loaded) = (sources, loaded);
    timer.phase("render");
    // What is applied together: cross-resource checks join only the objects of one set.
    let sets = crate::sets::assign(
        &sources,
        loaded.iter().map(|lf| (lf.documents.as_slice(), lf.resources.as_slice())),
        &renders.sets_roots(),
    );
    // The loader's problems and the duplicate objects become findings while the index is built (both read
    // the loaded files only).
    let (mut raw, mut index) = rayon::join(
        || document_findings(pack, &sources, &loaded, config, &renders.helm_state),
        || {
            let files = loaded.iter().map(|lf| (lf.documents.as_slice(), lf.resources.as_slice()));
            IndexStore::build(&sources, files, &sets, config)
        },
    );
    // What kustomizations generate (ConfigMaps, Secrets) exists for reference rules, as kustomize creates it.
    // (A rendered kustomization's generated objects are among its rendered objects.)
    raw.extend(not_rendered_findings(pack, config, &sources, &renders));
    for (fi, lf) in loaded.iter().enumerate() {
        if matches!(lf.class, Class::Kustomization) && !renders.consumed.contains(&fi) {
            for doc in &lf.documents {
                for (namespace, p) in crate::produced::kustomize_generated(doc.root()) {
                    index.add_produced(FileId(fi as u32), namespace.unwrap_or(&config.default_namespace), p);
                }
            }
        }
    }
    timer.phase("index");

    // Rules × objects, in parallel.
    let active: Vec<&Rule> = pack.rules().iter().filter(|r| config.runs(r)).collect();
    let templates = active.iter().flat_map(|r| &r.cases).filter_map(|c| match &c.cond {
        Cond::Check(name) => Some(name.as_str()),
        _ => None,
    });
    checks::prepare(templates, &index.set(0), config);
    timer.phase("prepare");
    let units: Vec<(&LoadedFile, &Resource)> =
        loaded.iter().flat_map(|lf| lf.resources.iter().map(move |r| (lf, r))).collect();
    // The rules that apply to each kind, decided once per kind rather than once per object.
    let mut by_kind: HashMap<&str, Vec<KindRule<'_>>> = HashMap::new();
    for (_, r) in &units {
        let kind = r.object.kind.as_str();
        by_kind.entry(kind).or_insert_with(|| {
            active
                .iter()
                .copied()
                .enumerate()
                .filter_map(|(i, rule)| {
                    let cases: Vec<usize> =
                        rule.cases.iter().enumerate().filter(|(_, c)| c.applies_to(kind)).map(|(ci, _)| ci).collect();
                    (!cases.is_empty()).then_some((i, rule, cases))
                })
                .collect()
        });
    }
    let rule_ns: Option<Vec<std::sync::atomic::AtomicU64>> =
        timer.enabled().then(|| active.iter().map(|_| std::sync::atomic::AtomicU64::new(0)).collect());
    let mut evaluated: Vec<Finding> = units
        .par_iter()
        .flat_map_iter(|(lf, r)| {
            let file = sources.get(r.file);
            let doc = &lf.documents[r.doc];
            if doc.flattened {
                return Vec::new();
            }
            // A bug of kvet's on one object costs that object only: it gets an `internal-error` finding.
            crate::guard::guard(|| {
                crate::guard::inject(config, crate::guard::Fault::Evaluate);
                let index = index.of_file(r.file);
                let mut out = Vec::new();
                let mut shared = Shared::default();
                for (i, rule, cases) in by_kind.get(r.object.kind.as_str()).map_or(&[][..], Vec::as_slice) {
                    match &rule_ns {
                        None => evaluate_rule(rule, cases, file, doc, r, config, &index, &mut shared, &mut out),
                        Some(ns) => {
                            let start = std::time::Instant::now();
                            evaluate_rule(rule, cases, file, doc, r, config, &index, &mut shared, &mut out);
                            let spent = start.elapsed().as_nanos() as u64;
                            ns[*i].fetch_add(spent, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                }
                out
            })
            .unwrap_or_else(|panic| {
                let node = r.node(doc);
                // The object's first line.
                let start = node.spans.span.start;
                let span =
                    Span::new(start as usize, file.line_end(file.position(start).line as usize).max(start as usize));
                pack.get("internal-error")
                    .filter(|rule| config.runs(rule))
                    .map(|rule| {
                        problem_finding(
                            rule,
                            r.file,
                            &internal_error(span, "checking", &panic),
                            Some(r.object.clone()),
                            None,
                        )
                    })
                    .into_iter()
                    .collect()
            })
        })
        .collect();
    raw.append(&mut evaluated);
    crate::schema::drop_shadowed(&mut raw); // a field another rule reports gets no second, schema finding
    timer.phase("evaluate");
    if let Some(ns) = &rule_ns {
        let spent = ns.iter().map(|n| n.load(std::sync::atomic::Ordering::Relaxed));
        timer.costliest(spent.zip(active.iter().map(|r| r.id.as_str())).collect());
    }
    // Suppression (the scans and the per-finding matching in parallel; the bookkeeping in order).
    // Real files only: the virtual texts of renderings repeat their comments, and findings move off them.
    let files: Vec<&SourceFile> = sources.iter().take(renders.first).map(|(_, f)| f).collect();
    let directives: Vec<suppress::Directives> = files.par_iter().map(|f| suppress::scan(f)).collect();
    let annotations: HashMap<(FileId, usize, String), Vec<String>> = loaded
        .par_iter()
        .flat_map_iter(|lf| {
            lf.resources.iter().filter_map(|r| {
                let ids = suppress::annotation_ids(r.node(&lf.documents[r.doc]).value);
                (!ids.is_empty()).then(|| ((r.file, r.doc, yaml::path_string(&r.base)), ids))
            })
        })
        .collect();
    let annotated_files: HashSet<FileId> = annotations.keys().map(|(file, _, _)| *file).collect();
    // The annotation verdict reads the finding's object where it was found (a rendered object's own
    // annotations); then findings on rendered objects move to the lines a person edits, and the roots that
    // share a base report its problem once.
    let by_annotation: Vec<bool> = raw
        .par_iter()
        .map(|f| {
            let aliases = pack.get(&f.rule).map(|r| r.aliases.as_slice()).unwrap_or(&[]);
            f.object.is_some()
                && annotated_files.contains(&f.file)
                && object_annotation_matches(&annotations, &loaded, f, aliases)
        })
        .collect();
    let raw: Vec<(Finding, bool)> = if renders.is_empty() {
        raw.into_iter().zip(by_annotation).collect()
    } else {
        let remapped: Vec<(Finding, bool, Rendering)> = raw
            .into_iter()
            .zip(by_annotation)
            .map(|(mut f, a)| {
                let rendered = match renders.virtual_of(f.file) {
                    None => Rendering::None,
                    Some(Virtual::Kustomize(_)) => Rendering::Kustomize,
                    Some(Virtual::Helm(_)) => Rendering::Helm,
                };
                renders.remap(&mut f, &sources);
                (f, a, rendered)
            })
            .collect();
        merge_across_roots(remapped)
    };
    // Per finding: None when its file is not reported, else the directives that silence it and whether an
    // annotation does.
    type Verdict = Option<(Vec<(usize, usize)>, bool)>;
    let verdicts: Vec<Verdict> = raw
        .par_iter()
        .map(|(f, by_annotation)| {
            let file = sources.get(f.file);
            if !file.reported {
                return None;
            }
            let line = file.position(f.span.start).line;
            let aliases = pack.get(&f.rule).map(|r| r.aliases.as_slice()).unwrap_or(&[]);
            let by_comment = directives[f.file.0 as usize].matches(&f.rule, aliases, line);
            Some((by_comment, *by_annotation))
        })
        .collect();
    let mut suppressed = 0;
    let mut used: HashSet<(usize, usize, usize)> = HashSet::new();
    let mut findings = Vec::with_capacity(raw.len());
    for ((f, _), verdict) in raw.into_iter().zip(verdicts) {
        let Some((by_comment, by_annotation)) = verdict else { continue };
        for (d, i) in &by_comment {
            used.insert((f.file.0 as usize, *d, *i));
        }
        let exempt = !config.exemptions.is_empty()
            && pack.get(&f.rule).is_some_and(|rule| config.exempts(rule, f.object.as_ref()));
        if !by_comment.is_empty() || by_annotation || exempt {
            suppressed += 1;
        } else {
            findings.push(f);
        }
    }
    // Directives that suppress nothing are reported, so stale ones do not pile up.
    if let Some(rule) = pack.get("kvet-ignore-unused").filter(|r| config.runs(r)) {
        for (fi, d) in directives.iter().enumerate() {
            if !sources.get(FileId(fi as u32)).reported {
                continue;
            }
            for (di, directive) in d.list.iter().enumerate() {
                for (ii, id) in directive.ids.iter().enumerate() {
                    if used.contains(&(fi, di, ii)) || id == "kvet-ignore-unused" {
                        continue;
                    }
                    let known = id == "all" || pack.get(id).is_some();
                    let what = if directive.line.is_some() { "kvet-ignore" } else { "kvet-ignore-file" };
                    let message = if known {
                        format!("`{what}: {id}` suppresses nothing here")
                    } else {
                        format!("`{what}: {id}` names no known rule")
                    };
                    let problem = Problem {
                        rule: "kvet-ignore-unused",
                        severity: Severity::Warning,
                        span: directive.span,
                        message,
                        help: Some("Remove the stale directive (or fix the rule id).".into()),
                        related: Vec::new(),
                        path: String::new(),
                    };
                    let f = problem_finding(rule, FileId(fi as u32), &problem, None, None);
                    let line = sources.get(FileId(fi as u32)).position(directive.span.start).line;
                    // An unused-directive finding can itself be silenced on its line.
                    if d.suppresses("kvet-ignore-unused", &rule.aliases, line) {
                        suppressed += 1;
                    } else {
                        findings.push(f);
                    }
                }
            }
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();

    let reported_files: Vec<usize> = sources
        .iter()
        .filter(|(id, f)| f.reported && (id.0 as usize) < renders.first)
        .map(|(id, _)| id.0 as usize)
        .collect();
    // Resources: the loose objects of the reported files and the rendered objects of reported roots.
    let rendered_resources: usize = (renders.first..sources.len())
        .filter(|i| sources.get(FileId(*i as u32)).reported)
        .map(|i| loaded[i].resources.len())
        .sum();
    let summary = Summary {
        files: reported_files.len(),
        documents: reported_files.iter().map(|i| loaded[*i].documents.len()).sum(),
        resources: reported_files.iter().map(|i| loaded[*i].resources.len()).sum::<usize>() + rendered_resources,
        skipped: reported_files.iter().filter(|i| !loaded[**i].class.is_objects()).count(),
        errors: findings.iter().filter(|f| f.severity == Severity::Error).count(),
        warnings: findings.iter().filter(|f| f.severity == Severity::Warning).count(),
        infos: findings.iter().filter(|f| f.severity == Severity::Info).count(),
        suppressed,
    };
    timer.phase("suppress+sort");
    // Compiled schemas, the binding simulation and the documents are large: a worker frees them while the report
    // is rendered, or the process's exit does (`release_at_exit`).
    let cache = std::mem::take(&mut index.cache);
    crate::dispose(cache);
    drop(index);
    timer.phase("drop index");
    crate::dispose(loaded);
    let mut sources = sources;
    sources.truncate(renders.first);
    Report { sources, findings, summary }
}

/// Whether the finding's own object carries a matching `kvet.dev/ignore` annotation.
fn object_annotation_matches(
    annotations: &HashMap<(FileId, usize, String), Vec<String>>,
    loaded: &[LoadedFile],
    f: &Finding,
    aliases: &[String],
) -> bool {
    let Some(obj) = &f.object else { return false };
    let lf = &loaded[f.file.0 as usize];
    lf.resources.iter().any(|r| {
        &r.object == obj
            && r.file == f.file
            && annotations
                .get(&(r.file, r.doc, yaml::path_string(&r.base)))
                .is_some_and(|ids| ids.iter().any(|i| i == &f.rule || i == "all" || aliases.contains(i)))
    })
}

/// A loader problem as a finding of `rule`, worded by the rule's case `case_id` (or its first case), whose
/// templates see the loader's text as `{{check.message}}` and `{{check.help}}`.
fn problem_finding(
    rule: &Rule,
    file: FileId,
    p: &Problem,
    object: Option<ObjectRef>,
    case_id: Option<&str>,
) -> Finding {
    let case =
        case_id.and_then(|id| rule.cases.iter().find(|c| c.id.as_deref() == Some(id))).or_else(|| rule.cases.first());
    let vars = ProblemVars { message: &p.message, help: p.help.as_deref() };
    let message = case.map(|c| c.message.render(&vars)).filter(|m| !m.is_empty()).unwrap_or_else(|| p.message.clone());
    let help = case
        .and_then(|c| c.help.as_ref())
        .map(|h| h.render(&vars))
        .filter(|h| !h.is_empty())
        .or_else(|| p.help.clone());
    Finding {
        rule: rule.id.clone(),
        severity: case.map_or(rule.severity, |c| c.severity),
        file,
        span: p.span,
        object,
        path: p.path.clone(),
        message,
        help,
        label: None,
        related: p.related.iter().map(|(span, m)| Related { file, span: *span, message: m.clone() }).collect(),
    }
}

struct ProblemVars<'a> {
    message: &'a str,
    help: Option<&'a str>,
}

impl Vars for ProblemVars<'_> {
    fn lookup(&self, root: &str, path: &[PathElem]) -> Option<Cow<'_, Value>> {
        match (root, path) {
            ("check", [PathElem::Key(k)]) if k == "message" => Some(Cow::Owned(json!(self.message))),
            ("check", [PathElem::Key(k)]) if k == "help" => self.help.map(|h| Cow::Owned(json!(h))),
            _ => None,
        }
    }
}

/// Where a finding about an object's identity points: its `metadata.name` (or the nearest parent present).
fn name_span(sources: &SourceMap, loaded: &[LoadedFile], r: &Resource) -> Span {
    let doc = &loaded[r.file.0 as usize].documents[r.doc];
    let object = r.node(doc);
    let (n, _) = object.descend(&[PathElem::Key("metadata".into()), PathElem::Key("name".into())]);
    let text = &sources.get(r.file).text;
    let (at, outer) = (n.spans.report_span(text), object.spans.span);
    // An object copied by an alias keeps its anchor's spans (its own span is the alias): point at the alias.
    if at.start >= outer.start && at.end <= outer.end {
        at
    } else {
        outer
    }
}

fn duplicate_finding(
    rule: &Rule,
    sources: &SourceMap,
    loaded: &[LoadedFile],
    first: &Resource,
    second: &Resource,
) -> Finding {
    let span_of = |r: &Resource| name_span(sources, loaded, r);
    let doc_of = |r: &Resource| loaded[r.file.0 as usize].documents[r.doc].index;
    // "document 2", or "document 2, items[3]" for an item of a List.
    let place = |r: &Resource| match r.base.is_empty() {
        true => format!("document {}", doc_of(r)),
        false => format!("document {}, {}", doc_of(r), yaml::path_string(&r.base)),
    };
    let o = &second.object;
    let ns = o.namespace.as_deref().map(|n| format!("{n}/")).unwrap_or_default();
    let first_file = &sources.get(first.file).name;
    let second_file = &sources.get(second.file).name;
    let message = if first.file == second.file && first.base.is_empty() && second.base.is_empty() {
        format!("{} {ns}{} is defined twice (documents {} and {})", o.kind, o.name, doc_of(first), doc_of(second))
    } else if first.file == second.file {
        format!("{} {ns}{} is defined twice ({} and {})", o.kind, o.name, place(first), place(second))
    } else {
        format!(
            "{} {ns}{} is defined twice ({} of {first_file} and {} of {second_file})",
            o.kind,
            o.name,
            place(first),
            place(second)
        )
    };
    let problem = Problem {
        rule: "manifest-identity",
        severity: Severity::Warning,
        span: span_of(second),
        message,
        help: Some("Give each object one definition: the second apply overwrites the first.".into()),
        related: Vec::new(),
        path: "metadata.name".into(),
    };
    let mut f = problem_finding(rule, second.file, &problem, Some(second.object.clone()), Some("duplicate"));
    f.related = vec![Related { file: first.file, span: span_of(first), message: "first defined here".into() }];
    f
}

/// The target roots of a rule in one object: (path from the object root, node).
fn target_roots<'d>(target: Target, kind: &str, object: Located<'d>) -> Vec<(Vec<PathElem>, Located<'d>)> {
    let at = |p: Option<Vec<PathElem>>| -> Option<(Vec<PathElem>, Located<'d>)> {
        let p = p?;
        let node = object.get(&p)?;
        Some((p, node))
    };
    match target {
        Target::Object => vec![(Vec::new(), object)],
        Target::PodTemplate => at(crate::workload::template_path(kind)).into_iter().collect(),
        Target::PodSpec => {
            at(crate::workload::pod_spec_path(kind)).into_iter().filter(|(_, n)| n.value.is_object()).collect()
        }
        Target::Container => {
            let Some((spec_path, spec)) = at(crate::workload::pod_spec_path(kind)) else { return Vec::new() };
            let mut out = Vec::new();
            for list in crate::workload::CONTAINER_LISTS {
                let key = PathElem::Key((*list).to_owned());
                let Some(containers) = spec.child(&key) else { continue };
                let Value::Array(items) = containers.value else { continue };
                for i in 0..items.len() {
                    if let Some(c) = containers.child(&PathElem::Index(i)) {
                        if c.value.is_object() {
                            let mut p = spec_path.clone();
                            p.push(key.clone());
                            p.push(PathElem::Index(i));
                            out.push((p, c));
                        }
                    }
                }
            }
            out
        }
    }
}

struct Ctx<'a> {
    rule: &'a Rule,
    file: &'a SourceFile,
    /// The source text of the object (a whole document, or one item of a `List`).
    object_text: &'a str,
    /// Where `object_text` starts in the file.
    object_start: u32,
    /// Keys are spelled literally in the document's text (`Document::literal_keys`).
    literal_keys: bool,
    resource: &'a Resource,
    object: Located<'a>,
    config: &'a Config,
    index: &'a Index<'a>,
}

/// Evaluates the `cases` (indexes into `rule.cases`: those that apply to the object's kind) of one rule.
#[allow(clippy::too_many_arguments)]
fn evaluate_rule<'a>(
    rule: &'a Rule,
    cases: &[usize],
    file: &'a SourceFile,
    doc: &'a Document,
    resource: &'a Resource,
    config: &'a Config,
    index: &'a Index<'a>,
    shared: &mut Shared<'a>,
    out: &mut Vec<Finding>,
) {
    let object = resource.node(doc);
    // The object's own text, not its document's: one item of a 60,000-item List must not scan the List.
    let span = object.spans.span;
    let (object_start, object_text) = match file.text.get(span.start as usize..span.end as usize) {
        Some(text) => (span.start, text),
        None => (0, &file.text[..]),
    };
    let literal_keys = doc.literal_keys;
    let ctx = Ctx { rule, file, object_text, object_start, literal_keys, resource, object, config, index };
    let mut wording_check_ran = false;
    let Shared { roots, selections } = shared;
    for case in cases.iter().map(|i| &rule.cases[*i]) {
        if case.wording_only {
            // A rule-level check runs once; its hits pick among the wording cases.
            if wording_check_ran {
                continue;
            }
            wording_check_ran = true;
        }
        if let Cond::Check(name) = &case.cond {
            if name == "yaml" || name == "identity" {
                continue;
            }
        }
        if let Some(when) = &case.when {
            if !when.is_valid(object.value) {
                continue;
            }
        }
        let ri = match roots.iter().position(|(t, _)| *t == case.target) {
            Some(i) => i,
            None => {
                roots.push((case.target, target_roots(case.target, &resource.object.kind, object)));
                roots.len() - 1
            }
        };
        for (k, (root_path, root)) in roots[ri].1.iter().enumerate() {
            if let Cond::Check(name) = &case.cond {
                evaluate_check(&ctx, case, name, root_path, *root, out);
                continue;
            }
            let key = (case.target, k, case.select_id, wants_scalar(case));
            let si = match selections.iter().position(|(k2, _)| *k2 == key) {
                Some(i) => i,
                None => {
                    selections.push((key, select_nodes(&ctx, case, *root)));
                    selections.len() - 1
                }
            };
            evaluate_case(&ctx, case, root_path, *root, &selections[si].1, out);
        }
    }
}

/// The roots of one target in an object: (path, node).
type Roots<'a> = Vec<(Vec<PathElem>, Located<'a>)>;
/// Which selection: target, root number, `select` (by number), whether scalar views are attached.
type SelectionKey = (Target, usize, u32, bool);

/// What the rules evaluated on one object share: many cases and rules have the same target (every Container
/// rule) and the same `select` (`$.volumes[*]`), so the roots, the selected nodes and their scalar views are
/// computed once per object rather than once per case.
#[derive(Default)]
struct Shared<'a> {
    roots: Vec<(Target, Roots<'a>)>,
    selections: Vec<(SelectionKey, Vec<Selected<'a>>)>,
}

/// Whether a case reads scalar views of its selected nodes.
fn wants_scalar(case: &Case) -> bool {
    case.view == View::Scalar && !matches!(case.cond, Cond::Require(_))
}

/// A rule that applies to a kind: its number among the active rules, the rule, the cases that apply.
type KindRule<'r> = (usize, &'r Rule, Vec<usize>);

/// A node chosen by a case's `select`, with its scalar view when the case asks for one.
struct Selected<'d> {
    path: Vec<PathElem>,
    node: Located<'d>,
    scalar: Option<ScalarView<'d>>,
}

fn select_nodes<'d>(ctx: &Ctx<'d>, case: &Case, root: Located<'d>) -> Vec<Selected<'d>> {
    let selected: Vec<(Vec<PathElem>, Located<'d>)> = match (&case.simple_select, &case.select) {
        (_, None) => vec![(Vec::new(), root)],
        // Without literal keys (aliases, merge keys, escapes) the text tells nothing: not even scanned.
        (Some(steps), Some(_)) => match ctx
            .literal_keys
            .then(|| crate::pack::select::occurrences(steps, ctx.object_text, ctx.object_start))
            .flatten()
        {
            Some(hits) if hits.is_empty() => Vec::new(),
            Some(hits) => crate::pack::select::select_pruned(steps, root, &hits),
            None => crate::pack::select::select(steps, root),
        },
        (None, Some(path)) => crate::pack::select::select_general(path, root),
    };
    selected
        .into_iter()
        .map(|(path, node)| {
            let scalar = if wants_scalar(case) { scalar_view(ctx.file, node) } else { None };
            Selected { path, node, scalar }
        })
        .collect()
}

fn scalar_view<'d>(file: &'d SourceFile, node: Located<'d>) -> Option<ScalarView<'d>> {
    if node.spans.style == Style::Collection {
        return None;
    }
    let raw = file.slice(node.spans.span)?;
    Some(ScalarView { value: node.value, raw, style: node.spans.style.as_str(), tag: node.spans.tag.as_deref() })
}

fn evaluate_check(
    ctx: &Ctx<'_>,
    case: &Case,
    name: &str,
    root_path: &[PathElem],
    root: Located<'_>,
    out: &mut Vec<Finding>,
) {
    let input = checks::CheckInput {
        params: &ctx.rule.params,
        object: ctx.object.value,
        target: root,
        config: ctx.config,
        resource: ctx.resource,
        index: ctx.index,
    };
    for hit in checks::run(name, &input) {
        debug_assert!(
            hit.vars.keys().all(|k| checks::vars_of(name).contains(&k.as_str())),
            "check template {name} sets values it does not declare in checks::VARS: {:?}",
            hit.vars.keys().collect::<Vec<_>>()
        );
        let chosen = hit
            .case
            .as_deref()
            .and_then(|id| ctx.rule.cases.iter().find(|c| c.id.as_deref() == Some(id)))
            .unwrap_or(case);
        // A built-in rule that words its template's cases has a case for each one the template picks.
        debug_assert!(
            !ctx.rule.builtin
                || hit.case.as_deref().is_none_or(|id| {
                    ctx.rule.cases.iter().all(|c| c.id.is_none())
                        || ctx.rule.cases.iter().any(|c| c.id.as_deref() == Some(id))
                }),
            "rule {} has no case `{}` that its check template {name} picks",
            ctx.rule.id,
            hit.case.as_deref().unwrap_or_default()
        );
        let (node, _) = root.descend(&hit.path);
        let vars = EvalVars {
            ctx,
            node,
            target: root,
            target_path: root_path,
            at: node,
            key: None,
            path: join(root_path, &hit.path),
            error: None,
            check: &hit.vars,
            related: None,
        };
        let mut finding = make_finding(ctx, chosen, &vars, node);
        if let Some(severity) = hit.severity {
            finding.severity = severity;
        }
        finding.related = hit.related;
        out.push(finding);
    }
}

fn evaluate_case(
    ctx: &Ctx<'_>,
    case: &Case,
    root_path: &[PathElem],
    root: Located<'_>,
    selected: &[Selected<'_>],
    out: &mut Vec<Finding>,
) {
    let empty = Map::new();
    for Selected { path: sel_path, node, scalar } in selected {
        let node = *node;
        if let Cond::Require(req) = &case.cond {
            require::evaluate(ctx, case, req, root_path, root, sel_path, node, out);
            continue;
        }
        let view = match (case.view, scalar) {
            (View::Scalar, Some(view)) => Some(*view),
            (View::Scalar, None) => continue, // a collection has no scalar view
            (View::Value, _) => None,
        };
        // What the case's schemas see: the scalar view or the node's value.
        let matches = |schema: &crate::pack::RuleSchema| match &view {
            Some(view) => schema.is_valid_view(view),
            None => schema.is_valid(node.value),
        };
        // One finding at `rel` (relative to the selected node; the deepest existing part of it).
        let mut emit = |rel: &[PathElem], error: Option<String>| {
            let key = sel_path.last().map(|e| match e {
                PathElem::Key(k) => json!(k),
                PathElem::Index(i) => json!(i),
            });
            let (at_node, n) = node.descend(rel);
            let mut full = sel_path.clone();
            full.extend(rel[..n].iter().cloned());
            let vars = EvalVars {
                ctx,
                node,
                target: root,
                target_path: root_path,
                at: at_node,
                key,
                path: join(root_path, &full),
                error,
                check: &empty,
                related: None,
            };
            out.push(make_finding(ctx, case, &vars, at_node));
        };
        match &case.cond {
            Cond::Deny(schema) => {
                if matches(schema) {
                    emit(&case.at, None);
                }
            }
            Cond::Assert(schema) => {
                // Most nodes pass: the match test builds no errors.
                if matches(schema) {
                    continue;
                }
                let owned = view.map(|v| v.to_value());
                let instance = owned.as_ref().unwrap_or(node.value);
                let mut seen: Vec<Vec<PathElem>> = Vec::new();
                for err in schema.validator().iter_errors(instance) {
                    let mut rel = Vec::new();
                    if case.view != View::Scalar {
                        let mut cur: &Value = instance;
                        for seg in err.instance_path().iter() {
                            let elem = match (seg, cur) {
                                (jsonschema::paths::LocationSegment::Index(i), _) => PathElem::Index(i),
                                (jsonschema::paths::LocationSegment::Property(p), Value::Array(_)) => match p.parse() {
                                    Ok(i) => PathElem::Index(i),
                                    Err(_) => PathElem::Key(p.into_owned()),
                                },
                                (jsonschema::paths::LocationSegment::Property(p), _) => PathElem::Key(p.into_owned()),
                            };
                            cur = walk(cur, std::slice::from_ref(&elem)).unwrap_or(&Value::Null);
                            rel.push(elem);
                        }
                    }
                    if seen.contains(&rel) {
                        continue;
                    }
                    emit(&rel, Some(err.to_string()));
                    seen.push(rel);
                }
            }
            Cond::Check(_) | Cond::Require(_) => {}
        }
    }
}

fn join(a: &[PathElem], b: &[PathElem]) -> String {
    let mut p = a.to_vec();
    p.extend(b.iter().cloned());
    yaml::path_string(&p)
}

fn make_finding(ctx: &Ctx<'_>, case: &Case, vars: &EvalVars<'_>, at: Located<'_>) -> Finding {
    Finding {
        rule: ctx.rule.id.clone(),
        severity: case.severity,
        file: ctx.resource.file,
        span: at.spans.report_span(&ctx.file.text),
        object: Some(ctx.resource.object.clone()),
        path: vars.path.clone(),
        message: case.message.render(vars),
        help: case.help.as_ref().map(|h| h.render(vars)),
        label: case.label.as_ref().map(|l| l.render(vars)),
        related: Vec::new(),
    }
}

/// Walks `path` inside a map without copying it (an empty path: the whole map, copied).
fn walk_map<'v>(map: &'v Map<String, Value>, path: &[PathElem]) -> Option<Cow<'v, Value>> {
    match path.split_first() {
        None => Some(Cow::Owned(Value::Object(map.clone()))),
        Some((PathElem::Key(k), rest)) => walk(map.field(k)?, rest).map(Cow::Borrowed),
        Some((PathElem::Index(_), _)) => None,
    }
}

struct EvalVars<'a> {
    ctx: &'a Ctx<'a>,
    node: Located<'a>,
    target: Located<'a>,
    /// Where the target root is in the object (a container's ends with its list and index).
    target_path: &'a [PathElem],
    at: Located<'a>,
    key: Option<Value>,
    path: String,
    error: Option<String>,
    check: &'a Map<String, Value>,
    /// The referenced object of a `require:` finding (`{{related.*}}`).
    related: Option<&'a Value>,
}

impl EvalVars<'_> {
    /// Whether `target.<path>` asks for the name of a container target.
    fn is_container_name(&self, path: &[PathElem]) -> bool {
        matches!(path, [PathElem::Key(k)] if k == "name")
            && matches!(self.target_path, [.., PathElem::Key(list), PathElem::Index(_)]
                if crate::workload::CONTAINER_LISTS.contains(&list.as_str()))
    }

    /// `#N` (1-based) for a container target.
    fn container_position(&self) -> Option<Cow<'_, Value>> {
        match self.target_path.last() {
            Some(PathElem::Index(i)) => Some(Cow::Owned(json!(format!("#{}", i + 1)))),
            _ => None,
        }
    }
}

impl Vars for EvalVars<'_> {
    fn lookup(&self, root: &str, path: &[PathElem]) -> Option<Cow<'_, Value>> {
        // Values are borrowed from the documents and the rule: nothing is copied to fill a template.
        match root {
            "node" => walk(self.node.value, path).map(Cow::Borrowed),
            "value" => walk(self.at.value, path).map(Cow::Borrowed),
            "target" => match walk(self.target.value, path) {
                // An unnamed container is named by its position: `#1` is the first of its list.
                None | Some(Value::Null) if self.is_container_name(path) => self.container_position(),
                Some(Value::String(s)) if s.is_empty() && self.is_container_name(path) => self.container_position(),
                found => found.map(Cow::Borrowed),
            },
            "check" | "require" => walk_map(self.check, path),
            "related" => self.related.and_then(|r| walk(r, path)).map(Cow::Borrowed),
            "item" => self.check.field("item").and_then(|r| walk(r, path)).map(Cow::Borrowed),
            "params" => walk_map(&self.ctx.rule.params, path),
            "raw" => {
                // The loader's spans are valid ranges of the text (checked in debug builds); should one not be,
                // the value stands in for its source text rather than the run failing.
                match self.ctx.file.slice(self.at.spans.span) {
                    Some(raw) => Some(Cow::Owned(json!(raw))),
                    None => Some(Cow::Owned(json!(self.at.value.to_string()))),
                }
            }
            "key" => self.key.clone().map(Cow::Owned),
            "path" => Some(Cow::Owned(json!(self.path))),
            "error" => self.error.clone().map(|e| Cow::Owned(json!(e))),
            "targetVersion" => {
                let (a, b) = self.ctx.config.target_version;
                Some(Cow::Owned(json!(format!("{a}.{b}"))))
            }
            "object" => {
                let o = &self.ctx.resource.object;
                let v = json!({"kind": o.kind, "name": o.name, "namespace": o.namespace, "apiVersion": o.api_version});
                walk(&v, path).map(|x| Cow::Owned(x.clone()))
            }
            _ => None,
        }
    }
}

/// The renderer's view of the loaded files.
fn render_inputs<'a>(sources: &'a SourceMap, loaded: &'a [LoadedFile]) -> Vec<crate::kustomize::Input<'a>> {
    sources
        .iter()
        .zip(loaded)
        .map(|((_, file), lf)| crate::kustomize::Input {
            file,
            documents: &lf.documents,
            kustomization: matches!(lf.class, Class::Kustomization),
            broken: lf.problems.iter().any(|p| p.rule == "yaml-syntax"),
        })
        .collect()
}

/// Renders every root kustomization among `sources` (what `kvet render` prints).
pub fn render(sources: &SourceMap, config: &Config) -> crate::kustomize::Rendering {
    let loaded = load_all(sources, config);
    crate::kustomize::render(&render_inputs(sources, &loaded))
}

/// The run's renderings: their objects are loaded as virtual files from id `first` on (kustomize root `i` is
/// file `first + i`, then Helm rendering `j` is file `first + roots.len() + j`), mapped back to the real files
/// before anything is reported.
struct Renders {
    first: usize,
    roots: Vec<crate::kustomize::Rendered>,
    not_rendered: Vec<crate::kustomize::NotRendered>,
    /// Every real file a rendered root read (its kustomizations, resources, patches).
    consumed: HashSet<usize>,
    helm: Vec<crate::helm::Rendered>,
    helm_state: HelmState,
}

/// What became of the run's Helm charts.
#[derive(Default)]
struct HelmState {
    /// Why no chart was rendered, and how to have them rendered (`None`: helm ran).
    off: Option<(&'static str, &'static str)>,
    /// Charts (as named) with a rendering, and those that need none of their own.
    covered: HashSet<String>,
    /// The renderings helm failed.
    failed: Vec<HelmFailure>,
}

struct HelmFailure {
    job: crate::helm::Job,
    message: String,
    /// The chart's dependencies are missing (`helm dependency build`): not the manifests' fault.
    dependencies: bool,
    /// The template and line helm's message names.
    at: Option<(usize, usize)>,
}

/// Renders the root kustomizations and the Helm charts among the loaded files and adds their objects as
/// virtual files; the files a kustomization rendering consumed are linted only through it (their resources are
/// dropped, their YAML problems kept).
fn render_into(sources: &mut SourceMap, loaded: &mut Vec<LoadedFile>, config: &Config) -> Renders {
    let first = sources.len();
    let (roots, not_rendered, consumed) = render_kustomize(sources, loaded, config);
    let (helm, helm_state) = render_helm(sources, loaded, config, first);
    Renders { first, roots, not_rendered, consumed, helm, helm_state }
}

type KustomizeRenders = (Vec<crate::kustomize::Rendered>, Vec<crate::kustomize::NotRendered>, HashSet<usize>);

fn render_kustomize(sources: &mut SourceMap, loaded: &mut Vec<LoadedFile>, config: &Config) -> KustomizeRenders {
    if !loaded.iter().any(|lf| matches!(lf.class, Class::Kustomization)) {
        return (Vec::new(), Vec::new(), HashSet::new());
    }
    let rendering = {
        let inputs = render_inputs(sources, loaded);
        crate::guard::guard(|| crate::kustomize::render(&inputs))
    };
    let mut rendering = match rendering {
        Ok(r) => r,
        Err(panic) => {
            // A bug of kvet's in the renderer: every kustomization is checked as before, and the first says why.
            if let Some(i) = loaded.iter().position(|lf| matches!(lf.class, Class::Kustomization)) {
                let first_line = Span::new(0, sources.get(FileId(i as u32)).line_end(1));
                loaded[i].problems.push(internal_error(first_line, "rendering", &panic));
            }
            return (Vec::new(), Vec::new(), HashSet::new());
        }
    };
    let mut consumed = HashSet::new();
    for r in &rendering.roots {
        consumed.extend(r.files.iter().copied());
    }
    for &i in &consumed {
        let lf = &mut loaded[i];
        lf.resources.clear();
        lf.problems.retain(|p| p.rule != "manifest-identity");
    }
    for r in &mut rendering.roots {
        let root = sources.get(FileId(r.kustomization as u32));
        let mut file = SourceFile::new(format!("{}/rendered", root.name), std::mem::take(&mut r.text));
        // Reported when any file it read is (pre-commit names a changed patch; the rest is `--context`): each
        // finding is then kept or dropped by the file it maps back to.
        file.reported = r.files.iter().any(|i| sources.get(FileId(*i as u32)).reported);
        let id = sources.add(file);
        let documents = std::mem::take(&mut r.documents);
        let (mut resources, mut problems) = (Vec::new(), Vec::new());
        for (i, doc) in documents.iter().enumerate() {
            resource::identify(id, sources.get(id), i, doc, &config.default_namespace, &mut resources, &mut problems);
        }
        loaded.push(LoadedFile { documents, problems, resources, class: Class::Objects });
    }
    (rendering.roots, rendering.not_rendered, consumed)
}

/// Renders every chart among the real files (`first` of them) with `helm template` and loads each output as a
/// virtual object stream.
fn render_helm(
    sources: &mut SourceMap,
    loaded: &mut Vec<LoadedFile>,
    config: &Config,
    first: usize,
) -> (Vec<crate::helm::Rendered>, HelmState) {
    let mut state = HelmState::default();
    let (jobs, skipped) = {
        let charts: Vec<crate::helm::ChartInput<'_>> = (loaded.iter().take(first).enumerate())
            .filter_map(|(i, lf)| match &lf.class {
                Class::Chart { chart, part: "Chart.yaml" } => Some(crate::helm::ChartInput {
                    index: i,
                    chart,
                    file: sources.get(FileId(i as u32)),
                    documents: &lf.documents,
                }),
                _ => None,
            })
            .collect();
        if charts.is_empty() {
            return (Vec::new(), state);
        }
        crate::helm::jobs(&charts, config)
    };
    // Subcharts are reported through their parent, library charts produce nothing: neither gets an info.
    state.covered.extend(skipped);
    let binary = match (&config.helm.binary, config.helm.render) {
        (_, false) => {
            state.off = Some((
                "Helm rendering is turned off by `helm.render: false` or --no-helm",
                "Turn it on to have kvet run `helm template`",
            ));
            None
        }
        (None, true) => {
            state.off = Some(("helm is not on PATH", "Install helm (kvet then runs `helm template`)"));
            None
        }
        (Some(b), true) => Some(b.clone()),
    };
    if binary.is_none() && jobs.iter().all(|j| j.replay.is_none()) {
        return (Vec::new(), state);
    }
    let names: std::collections::HashMap<std::path::PathBuf, usize> = (sources.iter().take(first))
        .map(|(id, f)| (classify::normalize(std::path::Path::new(&f.name)), id.0 as usize))
        .collect();
    let first_chart = jobs.first().map(|j| j.chart_yaml);
    let outcomes = match crate::guard::guard(|| crate::helm::render(jobs, binary.as_deref(), &names)) {
        Ok(o) => o,
        Err(panic) => {
            if let Some(i) = first_chart {
                let first_line = Span::new(0, sources.get(FileId(i as u32)).line_end(1));
                loaded[i].problems.push(internal_error(first_line, "rendering", &panic));
            }
            return (Vec::new(), state);
        }
    };
    let mut rendered = Vec::new();
    for outcome in outcomes {
        match outcome {
            crate::helm::Outcome::Rendered(mut r) => {
                let chart = r.job.chart.clone();
                state.covered.insert(chart.clone());
                // The chart's files: a change to any of them (pre-commit names a changed values.yaml) checks the
                // whole rendering, wherever its findings map back to.
                let sub = format!("{chart}/charts/");
                let files: Vec<usize> = (loaded.iter().take(first).enumerate())
                    .filter(|(_, lf)| matches!(&lf.class, Class::Chart { chart: c, .. } if *c == chart || c.starts_with(&sub)))
                    .map(|(i, _)| i)
                    .collect();
                let reported = files.iter().any(|i| sources.get(FileId(*i as u32)).reported);
                if reported {
                    for &i in &files {
                        sources.get_mut(FileId(i as u32)).reported = true;
                    }
                }
                let name = format!("{chart}/.helm-{}/{}", rendered.len(), r.job.release);
                let mut file = SourceFile::new(name, std::mem::take(&mut r.text));
                file.reported = reported;
                let id = sources.add(file);
                let lf = crate::guard::guard(|| {
                    let file = sources.get(id);
                    let mut l = yaml::load(file);
                    let mut resources = Vec::new();
                    for (i, doc) in l.documents.iter().enumerate() {
                        resource::identify(
                            id,
                            file,
                            i,
                            doc,
                            &config.default_namespace,
                            &mut resources,
                            &mut l.problems,
                        );
                    }
                    LoadedFile { documents: l.documents, problems: l.problems, resources, class: Class::Objects }
                })
                .unwrap_or_else(|panic| LoadedFile::failed(sources.get(id), "loading", &panic));
                loaded.push(lf);
                rendered.push(r);
            }
            crate::helm::Outcome::Failed { job, message, dependencies } => {
                let at = crate::helm::error_location(&message, &job.chart, &names);
                state.failed.push(HelmFailure { job, message, dependencies, at });
            }
        }
    }
    (rendered, state)
}

/// A rendering's virtual file.
enum Virtual<'r> {
    Kustomize(&'r crate::kustomize::Rendered),
    Helm(&'r crate::helm::Rendered),
}

impl Renders {
    fn is_empty(&self) -> bool {
        self.roots.is_empty() && self.helm.is_empty()
    }

    fn virtual_of(&self, file: FileId) -> Option<Virtual<'_>> {
        let i = (file.0 as usize).checked_sub(self.first)?;
        match self.roots.get(i) {
            Some(r) => Some(Virtual::Kustomize(r)),
            None => self.helm.get(i - self.roots.len()).map(Virtual::Helm),
        }
    }

    /// The renderings as the set assignment sees them.
    fn sets_roots(&self) -> Vec<crate::sets::RenderedRoot> {
        let kustomize = self.roots.iter().enumerate().map(|(i, r)| crate::sets::RenderedRoot {
            file: FileId((self.first + i) as u32),
            kustomization: FileId(r.kustomization as u32),
            own: false,
        });
        let helm = self.helm.iter().enumerate().map(|(j, h)| crate::sets::RenderedRoot {
            file: FileId((self.first + self.roots.len() + j) as u32),
            kustomization: FileId(h.job.chart_yaml as u32),
            own: true,
        });
        kustomize.chain(helm).collect()
    }

    /// The real location of `(file, span)`: itself for a real file, else where the rendered text came from
    /// (and, for Helm output, whether the template line was found).
    fn locate(&self, file: FileId, span: Span, sources: &SourceMap) -> (FileId, Span, bool) {
        match self.virtual_of(file) {
            None => (file, span, true),
            Some(Virtual::Kustomize(root)) => match root.locate(span) {
                Some((i, s)) => (FileId(i as u32), s, true),
                None => (FileId(root.kustomization as u32), Span::new(0, 0), true),
            },
            Some(Virtual::Helm(h)) => {
                let text = &sources.get(file).text;
                match h.locate(text, span, |i| sources.get(FileId(i as u32))) {
                    Some((i, s, found)) => (FileId(i as u32), s, found),
                    None => {
                        let c = FileId(h.job.chart_yaml as u32);
                        (c, Span::new(0, sources.get(c).line_end(1)), false)
                    }
                }
            }
        }
    }

    /// Maps a finding on rendered objects back to the files a person edits, naming the kustomization or the
    /// helm command that rendered it.
    fn remap(&self, f: &mut Finding, sources: &SourceMap) {
        for r in &mut f.related {
            (r.file, r.span, _) = self.locate(r.file, r.span, sources);
        }
        let Some(v) = self.virtual_of(f.file) else { return };
        let rendered = f.file;
        let at = f.span;
        let found;
        (f.file, f.span, found) = self.locate(f.file, f.span, sources);
        match v {
            Virtual::Kustomize(root) => {
                let k = FileId(root.kustomization as u32);
                let kfile = sources.get(k);
                if f.file != k {
                    f.related.push(Related {
                        file: k,
                        span: Span::new(0, kfile.line_end(1)),
                        message: format!("rendered by {}", kfile.name),
                    });
                }
            }
            Virtual::Helm(h) => {
                let c = FileId(h.job.chart_yaml as u32);
                let text = &sources.get(rendered).text;
                let mut message = format!("rendered by `{}`", h.job.command_line());
                if !found {
                    let source = h.source_at(at).unwrap_or("?");
                    message.push_str(&format!(" from {source} as `{}`", crate::helm::rendered_line(text, at)));
                }
                f.related.push(Related { file: c, span: Span::new(0, sources.get(c).line_end(1)), message });
            }
        }
    }
}

/// The findings of the roots that could not be rendered: an error kustomize fails with (`kustomize-build`),
/// or what kvet does not render (`kustomize-not-rendered`, info).
fn not_rendered_findings(pack: &Pack, config: &Config, sources: &SourceMap, renders: &Renders) -> Vec<Finding> {
    let mut out = Vec::new();
    for n in &renders.not_rendered {
        let (id, severity) =
            if n.error { ("kustomize-build", Severity::Error) } else { ("kustomize-not-rendered", Severity::Info) };
        let Some(rule) = pack.get(id).filter(|r| config.runs(r)) else { continue };
        let file = FileId(n.file as u32);
        let span =
            if n.span.is_empty() && n.span.start == 0 { Span::new(0, sources.get(file).line_end(1)) } else { n.span };
        let related = if n.file != n.kustomization {
            let k = sources.get(FileId(n.kustomization as u32));
            vec![(Span::new(0, k.line_end(1)), format!("while rendering {}", k.name))]
        } else {
            Vec::new()
        };
        let p = Problem {
            rule: id,
            severity,
            span,
            message: n.message.clone(),
            help: Some(n.help.clone()),
            related: Vec::new(),
            path: String::new(),
        };
        let mut f = problem_finding(rule, file, &p, None, None);
        f.related = related
            .into_iter()
            .map(|(span, message)| Related { file: FileId(n.kustomization as u32), span, message })
            .collect();
        out.push(f);
    }
    out
}

/// Which rendering a finding was on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rendering {
    None,
    Kustomize,
    Helm,
}

/// One finding per (rule, file, span) among the findings on rendered objects: the roots that share a base report its problem once, at the
/// base, naming every root that renders it (the first message is kept). Helm findings merge only with the same
/// message: several objects a template renders in a loop can map to one template line.
fn merge_across_roots(findings: Vec<(Finding, bool, Rendering)>) -> Vec<(Finding, bool)> {
    type Key = (String, FileId, u32, u32, Option<String>);
    let mut at: HashMap<Key, usize> = HashMap::new();
    let mut out: Vec<(Finding, bool)> = Vec::with_capacity(findings.len());
    for (f, annotated, rendered) in findings {
        if rendered == Rendering::None {
            out.push((f, annotated));
            continue;
        }
        let message = (rendered == Rendering::Helm).then(|| f.message.clone());
        let key = (f.rule.clone(), f.file, f.span.start, f.span.end, message);
        match at.get(&key) {
            Some(&i) => {
                let kept = &mut out[i].0;
                for r in f.related {
                    if !kept.related.iter().any(|k| k.file == r.file && k.span == r.span && k.message == r.message) {
                        kept.related.push(r);
                    }
                }
                out[i].1 &= annotated;
            }
            None => {
                at.insert(key, out.len());
                out.push((f, annotated));
            }
        }
    }
    out
}
