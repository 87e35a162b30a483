//! What each input file is, decided before anything is linted: a stream of Kubernetes objects, a kustomization,
//! a part of a Helm chart, a tool's configuration, or some other data file. Only object streams are linted as
//! objects; every other file is skipped with a reason (one opt-in `not-a-manifest` info), so a repository's
//! `kustomization.yaml`, `Chart.yaml`, templates, `package.json` or CI workflows never get manifest findings.
//!
//! The decision reads the file's path (and, for Helm charts, whether a `Chart.yaml` sits above it on disk) and
//! the loaded documents; it never re-parses.

use crate::source::SourceFile;
use crate::yaml::{Document, Loaded, Style};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What a file is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Class {
    /// Kubernetes objects (possibly with broken documents among them): linted.
    Objects,
    /// A kustomization (`kustomization.yaml`, or `kind: Kustomization`/`Component` of
    /// `kustomize.config.k8s.io`).
    Kustomization,
    /// A part of the Helm chart whose root is `chart` (`Chart.yaml`, values files, `templates/**`, `charts/**`).
    Chart {
        /// The chart's root directory (as the file's name spells it).
        chart: String,
        /// The part, for the message (`Chart.yaml`, `values file`, `template`, …).
        part: &'static str,
    },
    /// A file that a kustomization among the inputs consumes: a patch (a partial object, meaningful only in the
    /// rendered output) or a generator's input (data).
    Patch {
        /// The kustomization's file name.
        kustomization: String,
        /// How it uses the file.
        how: Consumed,
    },
    /// Not Kubernetes objects: the reason, for the message ("a GitHub Actions workflow", "no document has
    /// apiVersion or kind", …).
    Other(String),
}

impl Class {
    /// Whether the file is linted as Kubernetes objects.
    pub fn is_objects(&self) -> bool {
        matches!(self, Class::Objects)
    }

    /// Why the file is not linted as objects (`None` for object streams).
    pub fn reason(&self) -> Option<String> {
        match self {
            Class::Objects => None,
            Class::Kustomization => Some("a kustomization: kvet checks the objects it renders".into()),
            Class::Chart { chart, part } => Some(format!("{part} of the Helm chart {chart}")),
            Class::Patch { kustomization, how: Consumed::Patch } => {
                Some(format!("a patch that {kustomization} applies: a partial object, not applied on its own"))
            }
            Class::Patch { kustomization, how: Consumed::GeneratorInput { generated } } => {
                Some(format!("data that {kustomization} puts into the generated {generated}, not an object to apply"))
            }
            Class::Other(why) => Some(why.clone()),
        }
    }
}

/// How a kustomization uses a file it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Consumed {
    /// A patch (`patches[].path`, `patchesStrategicMerge`, `patchesJson6902[].path`).
    Patch,
    /// An input of a `configMapGenerator`/`secretGenerator` (`files`, `envs`): data of the generated object.
    GeneratorInput {
        /// The generator's name.
        generated: String,
    },
}

/// The files the kustomizations among the inputs consume other than as resources — patches and generator
/// inputs — by normalized path → (the kustomization, how). `kustomizations` are the file names and documents
/// of the files classified [`Class::Kustomization`].
pub fn kustomize_patches<'a>(
    kustomizations: impl IntoIterator<Item = (&'a str, &'a [Document])>,
) -> HashMap<PathBuf, (String, Consumed)> {
    let mut out = HashMap::new();
    for (name, documents) in kustomizations {
        let dir = Path::new(name).parent().unwrap_or(Path::new(""));
        for doc in documents {
            let mut paths: Vec<&str> = Vec::new();
            for field in ["patches", "patchesJson6902"] {
                let items = doc.value.get(field).and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
                paths.extend(items.iter().filter_map(|p| p.get("path").and_then(Value::as_str)));
            }
            let strategic = doc.value.get("patchesStrategicMerge").and_then(Value::as_array);
            // An entry is a path, or an inline patch (YAML text: a mapping).
            let is_path = |p: &&str| !p.contains('\n') && !p.contains(": ");
            paths.extend(strategic.map_or(&[][..], Vec::as_slice).iter().filter_map(Value::as_str).filter(is_path));
            for p in paths {
                out.entry(normalize(&dir.join(p))).or_insert_with(|| (name.to_owned(), Consumed::Patch));
            }
            // Generator inputs are data: `files: [path]` or `[key=path]`, `envs: [path]`.
            for field in ["configMapGenerator", "secretGenerator"] {
                let generators = doc.value.get(field).and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
                for g in generators {
                    let generated = g.get("name").and_then(Value::as_str).unwrap_or_default();
                    for list in ["files", "envs"] {
                        let entries = g.get(list).and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
                        for e in entries.iter().filter_map(Value::as_str) {
                            let path = e.split_once('=').map_or(e, |(_, p)| p);
                            let what = Consumed::GeneratorInput { generated: generated.to_owned() };
                            out.entry(normalize(&dir.join(path))).or_insert_with(|| (name.to_owned(), what));
                        }
                    }
                }
            }
        }
    }
    out
}

/// `a/./b/../c` → `a/c`, lexically (leading `..` kept): the same file spelled two ways gets one key.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out.iter().collect()
}

/// The Helm charts above the input files, found once per directory: for each directory, the nearest ancestor
/// (itself included) that holds a `Chart.yaml`.
#[derive(Debug, Default)]
pub struct Charts {
    roots: HashMap<PathBuf, Option<PathBuf>>,
    /// Directories whose `Chart.yaml` is itself an input (found without asking the disk: stdin names, the
    /// fixture harness's relative names).
    named: std::collections::HashSet<PathBuf>,
}

impl Charts {
    /// Looks up the chart roots of the directories of `names` (file names as given): a directory is a chart
    /// root when `DIR/Chart.yaml` is among the names or on disk.
    pub fn find<'a>(names: impl IntoIterator<Item = &'a str> + Clone) -> Charts {
        let mut charts = Charts::default();
        for name in names.clone() {
            let path = Path::new(name);
            if path.file_name().is_some_and(|n| n == "Chart.yaml") {
                charts.named.insert(path.parent().unwrap_or(Path::new("")).to_path_buf());
            }
        }
        for name in names {
            if let Some(dir) = Path::new(name).parent() {
                charts.root_of(dir);
            }
        }
        charts
    }

    fn root_of(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(known) = self.roots.get(dir) {
            return known.clone();
        }
        let here = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        let root = if self.named.contains(dir) || here.join("Chart.yaml").is_file() {
            Some(dir.to_path_buf())
        } else {
            match dir.parent() {
                Some(parent) if !dir.as_os_str().is_empty() && dir != Path::new(".") => self.root_of(parent),
                _ => None,
            }
        };
        self.roots.insert(dir.to_path_buf(), root.clone());
        root
    }

    /// The chart root above the file `name` and the file's path relative to it.
    fn chart_of<'n>(&self, name: &'n str) -> Option<(&Path, &'n Path)> {
        let path = Path::new(name);
        let root = self.roots.get(path.parent()?)?.as_deref()?;
        let rel = path.strip_prefix(root).ok()?;
        Some((root, rel))
    }
}

/// Tool configuration files known by name (base name, lower case) — the reason shown for them.
const TOOL_FILES: &[(&str, &str)] = &[
    (".kvet.yaml", "kvet's own configuration"),
    (".pre-commit-config.yaml", "a pre-commit configuration"),
    (".pre-commit-hooks.yaml", "a pre-commit hook definition"),
    (".gitlab-ci.yml", "a GitLab CI configuration"),
    (".travis.yml", "a Travis CI configuration"),
    ("azure-pipelines.yml", "an Azure Pipelines configuration"),
    ("cloudbuild.yaml", "a Cloud Build configuration"),
    ("codecov.yml", "a Codecov configuration"),
    (".codecov.yml", "a Codecov configuration"),
    (".golangci.yml", "a golangci-lint configuration"),
    (".golangci.yaml", "a golangci-lint configuration"),
    (".goreleaser.yml", "a GoReleaser configuration"),
    (".goreleaser.yaml", "a GoReleaser configuration"),
    (".yamllint", "a yamllint configuration"),
    (".yamllint.yaml", "a yamllint configuration"),
    (".yamllint.yml", "a yamllint configuration"),
    ("mkdocs.yml", "an MkDocs configuration"),
    ("mkdocs.yaml", "an MkDocs configuration"),
    (".readthedocs.yaml", "a Read the Docs configuration"),
    (".readthedocs.yml", "a Read the Docs configuration"),
    ("skaffold.yaml", "a Skaffold configuration"),
    ("skaffold.yml", "a Skaffold configuration"),
    ("helmfile.yaml", "a helmfile"),
    ("ct.yaml", "a chart-testing configuration"),
    ("package.json", "an npm package manifest"),
    ("package-lock.json", "an npm lock file"),
    ("renovate.json", "a Renovate configuration"),
    ("composer.json", "a Composer package manifest"),
    ("devfile.yaml", "a devfile"),
    ("dependabot.yml", "a Dependabot configuration"),
];

/// apiVersion groups of configuration files that tools read (kind, k3d, kubeadm, the kubelet, kustomize
/// functions, …): they have apiVersion and kind, but nothing applies them to a cluster.
const TOOL_GROUPS: &[(&str, &str)] = &[
    ("kind.x-k8s.io", "a kind cluster configuration"),
    ("k3d.io", "a k3d cluster configuration"),
    ("ctlptl.dev", "a ctlptl configuration"),
    ("skaffold", "a Skaffold configuration"),
    ("kubeadm.k8s.io", "a kubeadm configuration"),
    ("kubelet.config.k8s.io", "a kubelet configuration"),
    ("kubeproxy.config.k8s.io", "a kube-proxy configuration"),
    ("kubescheduler.config.k8s.io", "a kube-scheduler configuration"),
    ("kubecontrollermanager.config.k8s.io", "a kube-controller-manager configuration"),
    ("apiserver.config.k8s.io", "an API server configuration"),
    ("apiserver.k8s.io", "an API server admission configuration"),
    ("audit.k8s.io", "an audit policy (an API server configuration file)"),
    ("pod-security.admission.config.k8s.io", "a PodSecurity admission configuration"),
    ("eventratelimit.admission.k8s.io", "an EventRateLimit admission configuration"),
    ("config.kubernetes.io", "a kustomize function configuration"),
    ("eksctl.io", "an eksctl cluster configuration"),
    ("k0sctl.k0sproject.io", "a k0sctl configuration"),
    ("clusterctl.cluster.x-k8s.io", "a clusterctl configuration"),
    ("clientauthentication.k8s.io", "an ExecCredential, a client credential plugin's exchange"),
    ("admission.k8s.io", "an AdmissionReview, an admission webhook's request or response"),
    ("builtin", "a kustomize built-in plugin configuration"),
    ("fn.kpt.dev", "a kpt function configuration"),
];

/// Tool inputs that share an API group with cluster objects, by apiVersion and kind.
const TOOL_KINDS: &[(&str, &str, &str)] = &[("v1", "Config", "a kubeconfig file, kubectl's client configuration")];

fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

fn str_field<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// Whether a document is meant as a Kubernetes object: a mapping with `kind` or `apiVersion`, or with a
/// `metadata` mapping. Such a document in a file keeps every finding, `manifest-identity` included.
fn object_like(doc: &Document) -> bool {
    let Value::Object(map) = &doc.value else { return false };
    map.contains_key("kind") || map.contains_key("apiVersion") || map.get("metadata").is_some_and(Value::is_object)
}

/// Whether `doc` is a kustomization (kustomize's own `Kustomization` or `Component`).
pub fn is_kustomization_doc(value: &Value) -> bool {
    str_field(value, "apiVersion").is_some_and(|v| group_of(v) == "kustomize.config.k8s.io")
        && str_field(value, "kind").is_some_and(|k| matches!(k, "Kustomization" | "Component"))
}

/// Whether `name` (a path) is named like a kustomization file.
pub fn is_kustomization_name(name: &str) -> bool {
    matches!(base_name(name), "kustomization.yaml" | "kustomization.yml" | "Kustomization")
}

fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Whether the text holds Go template actions the YAML reader choked on or turned into flow mappings: a Helm
/// or other text template, not a manifest yet.
fn template_like(file: &SourceFile, loaded: &Loaded) -> bool {
    let text: &str = &file.text;
    if !text.contains("{{") {
        return false;
    }
    let syntax_error = loaded.problems.iter().any(|p| p.rule == "yaml-syntax");
    // A line that starts with an action (`{{- if .Values.x }}`, `{{ include … }}`) cannot be YAML that means it.
    let action_line = text.lines().any(|l| l.trim_start().starts_with("{{"));
    // An unquoted `{{ … }}` value parses as a flow mapping whose text starts with `{{`.
    let flow_action = loaded.documents.iter().any(|d| flow_mapping_action(text, &d.spans));
    (syntax_error && action_line) || flow_action
}

fn flow_mapping_action(text: &str, node: &crate::yaml::SpanNode) -> bool {
    if node.style != Style::Collection {
        return false;
    }
    let at = node.span.start as usize;
    if text.get(at..at + 2) == Some("{{") {
        return true;
    }
    node.children.iter().any(|c| flow_mapping_action(text, c))
}

/// The part of a chart a file at `rel` (relative to the chart root) is, if any.
fn chart_part(rel: &Path) -> Option<&'static str> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    let single = rel.components().count() == 1;
    match first {
        "Chart.yaml" if single => Some("Chart.yaml"),
        "Chart.lock" | "requirements.yaml" | "requirements.lock" if single => Some("the dependency list"),
        "values.schema.json" if single => Some("the values schema"),
        f if single && f.starts_with("values") => Some("a values file"),
        "templates" => Some("a template"),
        "charts" => Some("a subchart file"),
        "ci" => Some("a chart-testing values file"),
        _ => None,
    }
}

/// Classifies one loaded file.
pub fn classify(file: &SourceFile, loaded: &Loaded, charts: &Charts) -> Class {
    let name = file.name.as_str();
    let base = base_name(name);
    if is_kustomization_name(name) {
        return Class::Kustomization;
    }
    if let Some((root, rel)) = charts.chart_of(name) {
        if let Some(part) = chart_part(rel) {
            let chart = if root.as_os_str().is_empty() { ".".to_owned() } else { root.display().to_string() };
            return Class::Chart { chart, part };
        }
    }
    if base == "Chart.yaml" {
        // A chart file read from stdin or without its directory on disk.
        return Class::Chart { chart: name.rsplit_once('/').map_or(".", |(d, _)| d).to_owned(), part: "Chart.yaml" };
    }
    let lower = base.to_ascii_lowercase();
    if let Some((_, why)) = TOOL_FILES.iter().find(|(n, _)| *n == lower) {
        return Class::Other((*why).to_owned());
    }
    let in_dir = |dir: &str| name.split(['/', '\\']).any(|c| c == dir);
    if in_dir(".github") {
        let why = if in_dir("workflows") { "a GitHub Actions workflow" } else { "a GitHub configuration file" };
        return Class::Other(why.to_owned());
    }
    if (lower.starts_with("docker-compose") || lower.starts_with("compose.")) && !lower.ends_with(".json") {
        return Class::Other("a Docker Compose file".to_owned());
    }
    if lower.starts_with("tsconfig") && lower.ends_with(".json") {
        return Class::Other("a TypeScript configuration".to_owned());
    }
    if loaded.documents.iter().any(|d| is_kustomization_doc(&d.value)) {
        return Class::Kustomization;
    }
    if template_like(file, loaded) {
        return Class::Other("a text template (`{{ … }}` actions): render it and check the output".to_owned());
    }
    if loaded.problems.iter().any(|p| p.rule == "yaml-syntax") {
        // Not valid YAML (nor a template): `kubectl apply -f DIR` fails on it whatever it was meant to be, so its
        // syntax errors are findings.
        return Class::Objects;
    }
    let objects: Vec<&Document> = loaded.documents.iter().filter(|d| object_like(d)).collect();
    if objects.is_empty() {
        if loaded.documents.is_empty() {
            return Class::Objects; // empty or comments only: nothing to report either way
        }
        return Class::Other("no document has apiVersion, kind or metadata".to_owned());
    }
    // Every document is a tool's input: the file is that tool's configuration (the first document names it).
    let tool_of = |d: &Document| {
        let api_version = str_field(&d.value, "apiVersion")?;
        let kind = str_field(&d.value, "kind").unwrap_or_default();
        if let Some((_, _, why)) = TOOL_KINDS.iter().find(|(a, k, _)| *a == api_version && *k == kind) {
            return Some(*why);
        }
        let group = group_of(api_version);
        // `apiVersion: builtin` (kustomize's plugins) has no version part.
        TOOL_GROUPS.iter().find(|(g, _)| *g == group || *g == api_version).map(|(_, why)| *why)
    };
    if objects.len() == loaded.documents.len() {
        if let Some(tools) = objects.iter().map(|d| tool_of(d)).collect::<Option<Vec<&str>>>() {
            return Class::Other(tools[0].to_owned());
        }
    }
    Class::Objects
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class_of(name: &str, text: &str) -> Class {
        let file = SourceFile::new(name, text);
        let loaded = crate::yaml::load(&file);
        classify(&file, &loaded, &Charts::default())
    }

    #[test]
    fn object_streams_stay_objects() {
        assert_eq!(class_of("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"), Class::Objects);
        // A broken object keeps its findings: missing kind, missing apiVersion, syntax error.
        assert_eq!(class_of("a.yaml", "apiVersion: v1\nmetadata: {name: a}\n"), Class::Objects);
        assert_eq!(class_of("a.yaml", "metadata:\n  name: a\ndata: {}\n"), Class::Objects);
        assert_eq!(class_of("a.yaml", "apiVersion: v1\nkind: Pod\nspec:\n\tcontainers: []\n"), Class::Objects);
        // Any file that is not valid YAML (and not a template): `kubectl apply -f DIR` fails on it.
        assert_eq!(class_of("data.yaml", "a: [1, 2\nb: 3\n"), Class::Objects);
        // Mixed: an object and a stray data document.
        assert_eq!(
            class_of("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nfoo: 1\n"),
            Class::Objects
        );
        // Flux's Kustomization is an object, and quoted template strings (Argo CD ApplicationSets) are values.
        assert_eq!(
            class_of(
                "a.yaml",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: a}\n"
            ),
            Class::Objects
        );
        assert_eq!(
            class_of("a.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: a}\nspec:\n  template:\n    metadata:\n      name: '{{path.basename}}'\n"),
            Class::Objects
        );
        // A Go template inside a block scalar is data.
        assert_eq!(
            class_of("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  t: |\n    {{ define \"x\" }}{{ end }}\n"),
            Class::Objects
        );
    }

    #[test]
    fn non_objects_are_skipped_with_a_reason() {
        assert_eq!(class_of("k/kustomization.yaml", "resources: [a.yaml]\n"), Class::Kustomization);
        assert_eq!(
            class_of(
                "k/base.yaml",
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n"
            ),
            Class::Kustomization
        );
        assert!(matches!(class_of("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"), Class::Chart { .. }));
        for (name, text) in [
            ("package.json", "{\"name\": \"x\"}"),
            ("tsconfig.build.json", "{\"compilerOptions\": {}}"),
            (".github/workflows/ci.yaml", "on: push\njobs: {}\n"),
            ("docker-compose.yml", "services: {}\n"),
            ("values.yaml", "image:\n  repository: nginx\nresources: {}\n"),
            ("kind.yaml", "apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnodes: []\n"),
            ("kubeconfig.yaml", "apiVersion: v1\nkind: Config\nclusters: []\n"),
            ("labels.yaml", "apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: l}\n"),
            ("t.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n"),
            ("t.yaml", "{{- if .Values.enabled }}\napiVersion: v1\nkind: Pod\n  x: [\n{{- end }}\n"),
        ] {
            let class = class_of(name, text);
            assert!(!class.is_objects(), "{name}: {class:?}");
            assert!(class.reason().is_some());
        }
    }

    #[test]
    fn kustomize_patches_are_found_relative_to_their_kustomization() {
        let text = "resources: [../../base]\npatches:\n  - path: deployment.yaml\n  - patch: |-\n      - op: remove\n\
                    patchesStrategicMerge:\n  - ./sub/../svc.yaml\n  - |-\n    apiVersion: v1\n\
                    patchesJson6902:\n  - path: ../json.yaml\n";
        let file = SourceFile::new("repo/overlays/prod/kustomization.yaml", text);
        let loaded = crate::yaml::load(&file);
        let patches = kustomize_patches([(file.name.as_str(), loaded.documents.as_slice())]);
        assert!(patches.values().all(|(k, how)| k == &file.name && *how == Consumed::Patch));
        let mut got: Vec<String> = patches.keys().map(|p| p.display().to_string()).collect();
        got.sort();
        assert_eq!(
            got,
            ["repo/overlays/json.yaml", "repo/overlays/prod/deployment.yaml", "repo/overlays/prod/svc.yaml"]
        );
        assert_eq!(normalize(Path::new("../a/./b/../c.yaml")), PathBuf::from("../a/c.yaml"));
        let text =
            "configMapGenerator:\n  - name: cfg\n    files: [helperPod.yaml, conf=c/config.json]\n    envs: [a.env]\n";
        let file = SourceFile::new("k/kustomization.yaml", text);
        let loaded = crate::yaml::load(&file);
        let inputs = kustomize_patches([(file.name.as_str(), loaded.documents.as_slice())]);
        let mut got: Vec<String> = inputs.keys().map(|p| p.display().to_string()).collect();
        got.sort();
        assert_eq!(got, ["k/a.env", "k/c/config.json", "k/helperPod.yaml"]);
    }

    #[test]
    fn chart_parts_are_found_on_disk() {
        let dir = std::env::temp_dir().join(format!("kvet-classify-{}", std::process::id()));
        let chart = dir.join("chart");
        std::fs::create_dir_all(chart.join("templates/sub")).unwrap();
        std::fs::create_dir_all(chart.join("crds")).unwrap();
        std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: c\nversion: 1.0.0\n").unwrap();
        let name = |rel: &str| chart.join(rel).display().to_string();
        let names = [name("templates/sub/deploy.yaml"), name("values-prod.yaml"), name("crds/crd.yaml")];
        let charts = Charts::find(names.iter().map(String::as_str));
        let obj = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";
        let class = |n: &str| {
            let file = SourceFile::new(n, obj);
            classify(&file, &crate::yaml::load(&file), &charts)
        };
        assert!(matches!(class(&names[0]), Class::Chart { part: "a template", .. }));
        assert!(matches!(class(&names[1]), Class::Chart { part: "a values file", .. }));
        assert_eq!(class(&names[2]), Class::Objects, "crds/ is plain YAML");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
