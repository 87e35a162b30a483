//! The cross-resource index: every object of the set by (kind, effective namespace, name), the
//! PersistentVolumeClaims a StatefulSet will create from its `volumeClaimTemplates`, and the objects that config
//! `cluster:` declares to exist outside the repository. Built once between load and evaluation in one linear
//! pass, then shared read-only by every thread; every lookup is a hash lookup (no pairwise joins).

use crate::config::Config;
use crate::finding::Related;
use crate::resource::{is_cluster_scoped, Resource};
use crate::sets::Sets;
use crate::source::{FileId, SourceMap, Span};
use crate::value::Fields;
use crate::yaml::{Document, Located, PathElem, SpanNode};
use foldhash::{HashMap, HashMapExt};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::OnceLock;

/// Upper bound of synthesized claims per StatefulSet template (a typo like `replicas: 100000` must not blow up).
const MAX_SYNTHESIZED_ORDINALS: u64 = 1_000;

/// Where an indexed object comes from.
#[derive(Clone, Copy, Debug)]
pub enum Origin<'a> {
    /// A manifest of the set.
    Manifest {
        /// The file.
        file: FileId,
        /// The object's root spans.
        spans: &'a SpanNode,
        /// The resource (identity, document).
        resource: &'a Resource,
    },
    /// A claim the StatefulSet controller will create from a `volumeClaimTemplates` entry.
    Synthesized {
        /// The file of the StatefulSet.
        file: FileId,
        /// The template's spans.
        spans: &'a SpanNode,
        /// Index of the StatefulSet's entry.
        owner: usize,
        /// Ordinal of the replica.
        ordinal: u64,
    },
    /// Declared in config `cluster:` (exists outside the repository).
    Cluster,
    /// An object a controller creates from an object of the set (see `crate::produced`), e.g. the Secret of a
    /// cert-manager Certificate. Its content is unknown.
    Produced {
        /// The file of the producing object.
        file: FileId,
        /// The node that names the created object.
        spans: &'a SpanNode,
        /// Index of the producing object's entry (none for a kustomization's generators).
        owner: Option<usize>,
        /// Who creates it.
        by: &'static str,
        /// Whether its name carries a hash of its content (kustomize generators).
        content_hash: bool,
    },
}

/// The value of objects whose content kvet does not know (an empty mapping).
static UNKNOWN_CONTENT: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| Value::Object(Default::default()));

/// One indexed object.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    /// Kind (`ConfigMap`).
    pub kind: &'a str,
    /// Effective namespace; empty for cluster-scoped kinds.
    pub namespace: &'a str,
    /// Name (owned for synthesized claims).
    pub name: Cow<'a, str>,
    /// The object (for a synthesized claim: the template, which has the claim's `metadata`/`spec` shape).
    pub value: &'a Value,
    /// Where it comes from.
    pub origin: Origin<'a>,
    /// Whether the object's content is known. False for `cluster:` objects that declare only their identity
    /// (rules about keys, types or specs stay quiet on them).
    pub content_known: bool,
}

impl<'a> Entry<'a> {
    /// The object as a located node (none for `cluster:` objects).
    pub fn located(&self) -> Option<Located<'a>> {
        match self.origin {
            Origin::Manifest { spans, .. } | Origin::Synthesized { spans, .. } => {
                Some(Located { value: self.value, spans })
            }
            Origin::Cluster | Origin::Produced { .. } => None,
        }
    }

    /// The file the object is defined in (for a produced object: the file of the object that produces it).
    pub fn file(&self) -> Option<FileId> {
        match self.origin {
            Origin::Manifest { file, .. } | Origin::Synthesized { file, .. } | Origin::Produced { file, .. } => {
                Some(file)
            }
            Origin::Cluster => None,
        }
    }

    /// Whether the object's real name carries a hash of its content (a kustomize generator's output), so a
    /// change to it creates a new object and rolls out the workloads that refer to it.
    pub fn has_content_hash(&self) -> bool {
        matches!(self.origin, Origin::Produced { content_hash: true, .. })
    }

    /// Whether the object is a claim synthesized from a StatefulSet template.
    pub fn is_synthesized(&self) -> bool {
        matches!(self.origin, Origin::Synthesized { .. })
    }

    /// `namespace/name`, or `name` for cluster-scoped objects.
    pub fn display_name(&self) -> String {
        if self.namespace.is_empty() {
            self.name.to_string()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }
}

/// The objects of one run, partitioned into sets (see `crate::sets`): what is applied together — one rendered
/// kustomization, one GitOps path, the loose manifests. Built once; rules read it through an [`Index`], the view
/// of one set, so a cross-resource join never leaves the set of the object it starts from.
pub struct IndexStore<'a> {
    entries: Vec<Entry<'a>>,
    /// The set of each entry.
    sets: Vec<u32>,
    by_id: HashMap<String, Vec<usize>>,
    by_kind_name: HashMap<String, Vec<usize>>,
    /// By set, then kind.
    by_kind: Vec<HashMap<&'a str, Vec<usize>>>,
    sources: &'a SourceMap,
    of_file: &'a Sets,
    /// Config `assumeCompleteSet` (or `--assume-complete`): missing references are errors.
    pub assume_complete: bool,
    /// Run-wide results computed on first use (e.g. the PVC→PV binding simulation), shared by all threads.
    pub cache: IndexCache,
}

/// The index as the objects of one set see it: every lookup answers from that set (and config `cluster:`
/// objects, which every set sees). Cheap to copy.
#[derive(Clone, Copy)]
pub struct Index<'a> {
    store: &'a IndexStore<'a>,
    set: u32,
    /// Config `assumeCompleteSet` (or `--assume-complete`): missing references are errors.
    pub assume_complete: bool,
}

/// Lazily computed analyses over the index.
#[derive(Default)]
pub struct IndexCache {
    /// Results of the claim-binding simulation (see `crate::binding`) of each set, by claim entry.
    pub binding: Vec<OnceLock<Box<dyn std::any::Any + Send + Sync>>>,
    /// The run's schemas (target version, CRDs of every set, `--schema-dir`), built on first use by the
    /// `schema` check template. CustomResourceDefinitions are installed once per cluster, so they are not
    /// scoped to a set.
    pub schemas: OnceLock<crate::schema::SchemaSet>,
    /// The pod-template labels of each set, by namespace (built on first use by a `require.selector` rule).
    pub labels: Vec<OnceLock<SetLabels>>,
}

/// The objects of one set by namespace, for selector lookups: the pod templates with their labels, posted by
/// label pair, and whether the namespace holds custom resources (whose controllers may create Pods).
#[derive(Default)]
pub struct SetLabels {
    by_ns: HashMap<String, NsLabels>,
}

#[derive(Default)]
struct NsLabels {
    /// Entry positions of the pod-owning objects (Pods and workloads) of the namespace.
    templates: Vec<usize>,
    /// `key\0value` → positions into `templates`.
    by_pair: HashMap<String, Vec<u32>>,
    /// Whether a manifest of the namespace is a custom resource.
    custom: bool,
    /// Whether a pod template of the namespace has no labels: they are added by a tool kvet does not see (a
    /// kustomization's `labels`/`commonLabels` outside the set), since a workload's selector must match them.
    unlabelled: bool,
}

/// The labels of the pod template of `entry` (a Pod's own labels), when it owns Pods.
fn template_labels<'v>(entry: &Entry<'v>) -> Option<&'v serde_json::Map<String, Value>> {
    if entry.kind == "PodTemplate" {
        return None; // a template object creates no Pod
    }
    let mut path = crate::workload::template_path(entry.kind)?;
    path.push(PathElem::Key("metadata".into()));
    path.push(PathElem::Key("labels".into()));
    let mut v = entry.value;
    for e in &path {
        if let PathElem::Key(k) = e {
            v = v.field(k)?;
        }
    }
    v.as_object()
}

/// The entry of an object that `owner` (or a kustomization's generator, `None`) creates at runtime: its
/// content is unknown.
fn produced_entry<'a>(
    file: FileId,
    namespace: &'a str,
    p: crate::produced::Produced<'a>,
    owner: Option<usize>,
) -> Entry<'a> {
    Entry {
        kind: p.kind,
        namespace,
        name: Cow::Borrowed(p.name),
        value: &UNKNOWN_CONTENT,
        origin: Origin::Produced { file, spans: p.at.spans, owner, by: p.by, content_hash: p.content_hash },
        content_known: false,
    }
}

fn id_key(set: u32, kind: &str, namespace: &str, name: &str) -> String {
    use std::fmt::Write;
    let mut k = String::with_capacity(kind.len() + namespace.len() + name.len() + 8);
    let _ = write!(k, "{set}\0");
    k.push_str(kind);
    k.push('\0');
    k.push_str(namespace);
    k.push('\0');
    k.push_str(name);
    k
}

fn kind_name_key(set: u32, kind: &str, name: &str) -> String {
    use std::fmt::Write;
    let mut k = String::with_capacity(kind.len() + name.len() + 8);
    let _ = write!(k, "{set}\0");
    k.push_str(kind);
    k.push('\0');
    k.push_str(name);
    k
}

impl<'a> IndexStore<'a> {
    /// Builds the index over the resources of every loaded file (in file/document order, which is the
    /// deterministic order every "first"/"earlier" decision uses), each in the set `sets` gives its file, and
    /// config `cluster:` objects (in every set).
    /// [`IndexStore::build`] with every file in one set (unit tests of the checks and the simulation).
    #[cfg(test)]
    pub fn build_one_set<I>(sources: &'a SourceMap, files: I, config: &'a Config) -> IndexStore<'a>
    where
        I: IntoIterator<Item = (&'a [Document], &'a [Resource])>,
    {
        static ONE: std::sync::LazyLock<Sets> = std::sync::LazyLock::new(Sets::one);
        IndexStore::build(sources, files, &ONE, config)
    }

    pub fn build<I>(sources: &'a SourceMap, files: I, sets: &'a Sets, config: &'a Config) -> IndexStore<'a>
    where
        I: IntoIterator<Item = (&'a [Document], &'a [Resource])>,
    {
        let mut index = IndexStore {
            entries: Vec::new(),
            sets: Vec::new(),
            by_id: HashMap::new(),
            by_kind_name: HashMap::new(),
            by_kind: (0..sets.count()).map(|_| HashMap::new()).collect(),
            sources,
            of_file: sets,
            assume_complete: config.assume_complete_set,
            cache: IndexCache::default(),
        };
        index.cache.binding.resize_with(sets.count() as usize, OnceLock::new);
        index.cache.labels.resize_with(sets.count() as usize, OnceLock::new);
        for (documents, resources) in files {
            for r in resources {
                let doc = &documents[r.doc];
                let node = r.node(doc);
                if r.object.name.is_empty() || !node.value.is_object() {
                    continue;
                }
                let set = sets.of(r.file);
                let namespace =
                    if is_cluster_scoped(&r.object.kind) { "" } else { r.object.namespace.as_deref().unwrap_or("") };
                let owner = index.push(
                    set,
                    Entry {
                        kind: &r.object.kind,
                        namespace,
                        name: Cow::Borrowed(&r.object.name),
                        value: node.value,
                        origin: Origin::Manifest { file: r.file, spans: node.spans, resource: r },
                        content_known: true,
                    },
                );
                if r.object.kind == "StatefulSet" {
                    index.synthesize_claims(set, owner, r.file, node);
                }
                for p in crate::produced::produced(&r.object.api_version, &r.object.kind, node) {
                    index.push(set, produced_entry(r.file, namespace, p, Some(owner)));
                }
            }
        }
        for c in &config.cluster {
            let obj = &c.value;
            let kind = obj.field("kind").and_then(Value::as_str).unwrap_or("");
            let name = obj.pointer_at("/metadata/name").and_then(Value::as_str).unwrap_or("");
            if kind.is_empty() || name.is_empty() {
                continue;
            }
            let namespace = if is_cluster_scoped(kind) {
                ""
            } else {
                obj.pointer_at("/metadata/namespace").and_then(Value::as_str).unwrap_or(&config.default_namespace)
            };
            for set in 0..sets.count() {
                index.push(
                    set,
                    Entry {
                        kind,
                        namespace,
                        name: Cow::Borrowed(name),
                        value: obj,
                        origin: Origin::Cluster,
                        content_known: c.content_known,
                    },
                );
            }
        }
        index
    }

    /// Adds an object that something outside the object streams creates — the ConfigMaps and Secrets of a
    /// kustomization's generators — in `namespace` (its content is unknown), in the set of `file`.
    pub fn add_produced(&mut self, file: FileId, namespace: &'a str, p: crate::produced::Produced<'a>) {
        let namespace = if is_cluster_scoped(p.kind) { "" } else { namespace };
        self.push(self.of_file.of(file), produced_entry(file, namespace, p, None));
    }

    fn push(&mut self, set: u32, entry: Entry<'a>) -> usize {
        let i = self.entries.len();
        self.by_id.entry(id_key(set, entry.kind, entry.namespace, &entry.name)).or_default().push(i);
        self.by_kind_name.entry(kind_name_key(set, entry.kind, &entry.name)).or_default().push(i);
        self.by_kind[set as usize].entry(entry.kind).or_default().push(i);
        self.entries.push(entry);
        self.sets.push(set);
        i
    }

    /// The claims `<template>-<set>-<ordinal>` a StatefulSet creates from its `volumeClaimTemplates`.
    fn synthesize_claims(&mut self, set: u32, owner: usize, file: FileId, sts: Located<'a>) {
        let Some(templates) = sts.get(&[PathElem::Key("spec".into()), PathElem::Key("volumeClaimTemplates".into())])
        else {
            return;
        };
        let Value::Array(items) = templates.value else { return };
        let set_name = self.entries[owner].name.to_string();
        let namespace = self.entries[owner].namespace;
        let spec = sts.value.field("spec");
        let replicas = spec.and_then(|s| s.field("replicas")).map_or(Some(1), Value::as_u64).unwrap_or(0);
        let start = spec.and_then(|s| s.pointer_at("/ordinals/start")).and_then(Value::as_u64).unwrap_or(0);
        for i in 0..items.len() {
            let Some(t) = templates.child(&PathElem::Index(i)) else { continue };
            let Some(tname) = t.value.pointer_at("/metadata/name").and_then(Value::as_str) else { continue };
            if tname.is_empty() {
                continue;
            }
            for ordinal in start..start.saturating_add(replicas.min(MAX_SYNTHESIZED_ORDINALS)) {
                self.push(
                    set,
                    Entry {
                        kind: "PersistentVolumeClaim",
                        namespace,
                        name: Cow::Owned(format!("{tname}-{set_name}-{ordinal}")),
                        value: t.value,
                        origin: Origin::Synthesized { file, spans: t.spans, owner, ordinal },
                        content_known: true,
                    },
                );
            }
        }
    }

    /// The view of the set `file` belongs to.
    pub fn of_file(&'a self, file: FileId) -> Index<'a> {
        self.set(self.of_file.of(file))
    }

    /// The view of set `set`.
    pub fn set(&'a self, set: u32) -> Index<'a> {
        Index { store: self, set, assume_complete: self.assume_complete }
    }

    /// Every entry of every set, in set order.
    pub fn entries(&self) -> &[Entry<'a>] {
        &self.entries
    }

    /// Whether findings in `file` are reported (files only read as `--context` are not).
    pub fn is_reported(&self, file: FileId) -> bool {
        self.sources.get(file).reported
    }
}

impl<'a> Index<'a> {
    /// The set this view answers from.
    pub fn set_id(&self) -> u32 {
        self.set
    }

    /// The run's schemas (shared by every set).
    pub fn schemas(&self) -> &'a OnceLock<crate::schema::SchemaSet> {
        &self.store.cache.schemas
    }

    /// The binding simulation of this set (computed on first use).
    pub fn binding_cache(&self) -> &'a OnceLock<Box<dyn std::any::Any + Send + Sync>> {
        &self.store.cache.binding[self.set as usize]
    }

    /// Every entry of every set, by position (positions are run-wide).
    pub fn entries(&self) -> &'a [Entry<'a>] {
        &self.store.entries
    }

    /// Whether findings in `file` are reported (files only read as `--context` are not).
    pub fn is_reported(&self, file: FileId) -> bool {
        self.store.is_reported(file)
    }

    /// Entry by (run-wide) position.
    pub fn entry(&self, i: usize) -> &'a Entry<'a> {
        &self.store.entries[i]
    }

    /// The first object of `kind` named `name` in `namespace` (ignored for cluster-scoped kinds).
    pub fn get(&self, kind: &str, namespace: &str, name: &str) -> Option<&'a Entry<'a>> {
        self.all(kind, namespace, name).first().map(|i| &self.store.entries[*i])
    }

    /// Every object of `kind` named `name` in `namespace`, nearest to `from` first: a set of loose manifests
    /// may define the same object more than once (unrelated projects side by side), and the definition next to
    /// the referrer is the one it means. Nearness is the number of leading directories the two paths share;
    /// ties keep set order.
    pub fn candidates_near(&self, kind: &str, namespace: &str, name: &str, from: FileId) -> Vec<&'a Entry<'a>> {
        let entries = &self.store.entries;
        self.positions_near(kind, namespace, name, from).into_iter().map(|i| &entries[i]).collect()
    }

    /// The positions of [`Index::candidates_near`].
    pub fn positions_near(&self, kind: &str, namespace: &str, name: &str, from: FileId) -> Vec<usize> {
        let all = self.all(kind, namespace, name);
        if all.len() <= 1 {
            return all.to_vec();
        }
        let (entries, sources) = (&self.store.entries, self.store.sources);
        let dirs = |f: FileId| -> Vec<&str> {
            let n = &sources.get(f).name;
            let mut parts: Vec<&str> = n.split('/').collect();
            parts.pop();
            parts
        };
        let here = dirs(from);
        let mut ranked: Vec<(usize, usize)> = all
            .iter()
            .map(|i| {
                let shared = match entries[*i].file() {
                    Some(f) => dirs(f).iter().zip(&here).take_while(|(a, b)| a == b).count(),
                    None => 0,
                };
                (usize::MAX - shared, *i)
            })
            .collect();
        ranked.sort_unstable();
        ranked.into_iter().map(|(_, i)| i).collect()
    }

    /// Whether files `a` and `b` are in the same directory.
    pub fn same_directory(&self, a: FileId, b: FileId) -> bool {
        let dir = |f: FileId| {
            let n = self.store.sources.get(f).name.as_str();
            n.rsplit_once('/').map_or("", |(d, _)| d)
        };
        a == b || dir(a) == dir(b)
    }

    /// The position of the nearest object of `kind` named `name` in `namespace` (see
    /// [`Index::candidates_near`]).
    pub fn position_near(&self, kind: &str, namespace: &str, name: &str, from: Option<FileId>) -> Option<usize> {
        match from {
            Some(from) => self.positions_near(kind, namespace, name, from).first().copied(),
            None => self.all(kind, namespace, name).first().copied(),
        }
    }

    /// The nearest object of `kind` named `name` in `namespace` (see [`Index::candidates_near`]).
    pub fn get_near(&self, kind: &str, namespace: &str, name: &str, from: FileId) -> Option<&'a Entry<'a>> {
        self.candidates_near(kind, namespace, name, from).into_iter().next()
    }

    /// Positions of every object of `kind` named `name` in `namespace`.
    pub fn all(&self, kind: &str, namespace: &str, name: &str) -> &'a [usize] {
        let namespace = if is_cluster_scoped(kind) { "" } else { namespace };
        self.store.by_id.get(&id_key(self.set, kind, namespace, name)).map_or(&[], Vec::as_slice)
    }

    /// The namespaces (sorted, deduplicated) holding an object of `kind` named `name`.
    pub fn namespaces_of(&self, kind: &str, name: &str) -> Vec<&'a str> {
        let entries = &self.store.entries;
        let mut out: Vec<&'a str> = self
            .store
            .by_kind_name
            .get(&kind_name_key(self.set, kind, name))
            .map(|v| v.iter().map(|i| entries[*i].namespace).collect())
            .unwrap_or_default();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether `selector` selects an object of `kind` in `namespace` — for `Pod`, the pod template of a Pod or a
    /// workload; for another kind, an object's `metadata.labels`. `None` when the set cannot tell: the namespace
    /// holds no object of the kind, or holds custom resources, whose controllers may create them.
    pub fn selects(&self, kind: &str, namespace: &str, selector: &crate::labels::Selector<'_>) -> Option<bool> {
        let labels = self.store.cache.labels.get(self.set as usize)?.get_or_init(|| self.set_labels());
        let ns = labels.by_ns.get(namespace)?;
        if ns.custom {
            return None;
        }
        if kind == "Pod" {
            if ns.templates.is_empty() || ns.unlabelled {
                return None;
            }
            let matches = |i: usize| selector.matches(template_labels(&self.store.entries[i]));
            // The rarest pair of `matchLabels` narrows the candidates; each is then matched whole.
            let posting = selector
                .labels
                .iter()
                .map(|(k, v)| ns.by_pair.get(&format!("{k}\0{v}")).map_or(&[][..], Vec::as_slice))
                .min_by_key(|p| p.len());
            return Some(match posting {
                Some(p) => p.iter().any(|&t| matches(ns.templates[t as usize])),
                None => ns.templates.iter().any(|&i| matches(i)),
            });
        }
        let mut any = false;
        for (_, e) in self.of_kind(kind).filter(|(_, e)| e.namespace == namespace) {
            any = true;
            if selector.matches(e.value.pointer_at("/metadata/labels").and_then(Value::as_object)) {
                return Some(true);
            }
        }
        any.then_some(false)
    }

    /// Whether `namespace` of the set holds a custom resource, whose operator may create objects kvet cannot see.
    pub fn has_custom_resources(&self, namespace: &str) -> bool {
        let Some(labels) = self.store.cache.labels.get(self.set as usize) else { return false };
        labels.get_or_init(|| self.set_labels()).by_ns.get(namespace).is_some_and(|ns| ns.custom)
    }

    fn set_labels(&self) -> SetLabels {
        let mut out = SetLabels::default();
        for (i, e) in self.store.entries.iter().enumerate() {
            if self.store.sets[i] != self.set || !matches!(e.origin, Origin::Manifest { .. }) {
                continue;
            }
            let ns = out.by_ns.entry(e.namespace.to_owned()).or_default();
            let api = e.value.field("apiVersion").and_then(Value::as_str).unwrap_or("");
            ns.custom |= crate::labels::is_custom_api(api);
            if !crate::workload::POD_KINDS.contains(&e.kind) || e.kind == "PodTemplate" {
                continue;
            }
            let t = ns.templates.len() as u32;
            ns.templates.push(i);
            ns.unlabelled |= template_labels(e).is_none_or(|l| l.is_empty());
            for (k, v) in template_labels(e).into_iter().flatten() {
                if let Some(v) = v.as_str() {
                    ns.by_pair.entry(format!("{k}\0{v}")).or_default().push(t);
                }
            }
        }
        out
    }

    /// Every object of `kind`, in set order.
    pub fn of_kind(&self, kind: &str) -> impl Iterator<Item = (usize, &'a Entry<'a>)> + 'a {
        let entries = &self.store.entries;
        self.store
            .by_kind
            .get(self.set as usize)
            .and_then(|m| m.get(kind))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(move |i| (*i, &entries[*i]))
    }

    /// The position of the entry of a manifest resource.
    pub fn position_of(&self, resource: &Resource) -> Option<usize> {
        let namespace = if is_cluster_scoped(&resource.object.kind) {
            ""
        } else {
            resource.object.namespace.as_deref().unwrap_or("")
        };
        self.all(&resource.object.kind, namespace, &resource.object.name).iter().copied().find(|i| {
            matches!(self.store.entries[*i].origin, Origin::Manifest { resource: r, .. }
                if r.file == resource.file && r.doc == resource.doc && r.base == resource.base)
        })
    }

    /// A related location on `entry` at `path` (the deepest existing node of it), for a second label.
    pub fn related(&self, entry: &Entry<'a>, path: &[PathElem], message: impl Into<String>) -> Option<Related> {
        let (file, span) = self.span_of(entry, path)?;
        Some(Related { file, span, message: message.into() })
    }

    /// The report span of `path` inside `entry` (the deepest existing node of it; the object's name when not
    /// even the first step exists).
    pub fn span_of(&self, entry: &Entry<'a>, path: &[PathElem]) -> Option<(FileId, Span)> {
        let file = entry.file()?;
        let sources = self.store.sources;
        if let Origin::Produced { spans, .. } = entry.origin {
            return Some((file, spans.report_span(&sources.get(file).text)));
        }
        let located = entry.located()?;
        let (mut node, n) = located.descend(path);
        if n == 0 && !path.is_empty() {
            node = located.descend(&[PathElem::Key("metadata".into()), PathElem::Key("name".into())]).0;
        }
        Some((file, node.spans.report_span(&sources.get(file).text)))
    }
}

/// Whether a referenced name is a template expression left over from Helm, kustomize or envsubst.
pub fn is_unrendered_name(name: &str) -> bool {
    name.contains("{{") || name.contains("}}") || name.contains("${")
}

/// The fields holding the data keys of a ConfigMap (`data`, `binaryData`) or Secret (`data`, `stringData`).
pub fn data_fields(kind: &str) -> &'static [&'static str] {
    if kind == "Secret" {
        &["data", "stringData"]
    } else {
        &["data", "binaryData"]
    }
}

/// The data keys of a ConfigMap (`data` ∪ `binaryData`) or Secret (`data` ∪ `stringData`), sorted.
pub fn data_keys<'v>(kind: &str, value: &'v Value) -> Vec<&'v str> {
    let mut keys: Vec<&str> = data_fields(kind)
        .iter()
        .filter_map(|f| value.get(*f).and_then(Value::as_object))
        .flat_map(|m| m.keys().map(String::as_str))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    type Loaded = Vec<(Vec<Document>, Vec<Resource>)>;

    fn load(text: &str, config: &Config) -> (SourceMap, Loaded) {
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new("a.yaml", text.to_string()));
        let loaded = crate::yaml::load(sources.get(id));
        let mut resources = Vec::new();
        let mut problems = loaded.problems;
        for (i, doc) in loaded.documents.iter().enumerate() {
            crate::resource::identify(
                id,
                sources.get(id),
                i,
                doc,
                &config.default_namespace,
                &mut resources,
                &mut problems,
            );
        }
        (sources, vec![(loaded.documents, resources)])
    }

    const SET: &str = "\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c, image: x:1}]}}
  volumeClaimTemplates:
    - metadata: {name: pgdata}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: '1'}
binaryData: {b: AA==}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1, namespace: ignored}
spec: {capacity: {storage: 1Gi}}
";

    #[test]
    fn indexes_objects_synthesized_claims_and_cluster_objects() {
        let mut config = Config::default();
        let cluster = "cluster:\n  - {kind: Secret, name: registry, namespace: data}\n";
        config.cluster = Config::parse(".kvet.yaml", cluster).unwrap().cluster;
        let (sources, files) = load(SET, &config);
        let store =
            IndexStore::build_one_set(&sources, files.iter().map(|(d, r)| (d.as_slice(), r.as_slice())), &config);
        let index = store.set(0);
        assert!(index.get("StatefulSet", "data", "db").is_some());
        assert!(index.get("StatefulSet", "default", "db").is_none());
        let claims: Vec<String> = index.of_kind("PersistentVolumeClaim").map(|(_, e)| e.display_name()).collect();
        assert_eq!(claims, ["data/pgdata-db-0", "data/pgdata-db-1"]);
        assert!(index.get("PersistentVolumeClaim", "data", "pgdata-db-1").is_some_and(Entry::is_synthesized));
        assert_eq!(index.namespaces_of("ConfigMap", "settings"), ["default"]);
        // Cluster-scoped kinds ignore the namespace, both in the manifest and in lookups.
        assert!(index.get("PersistentVolume", "whatever", "pv1").is_some());
        let secret = index.get("Secret", "data", "registry").expect("cluster object");
        assert!(matches!(secret.origin, Origin::Cluster) && !secret.content_known);
        let cm = index.get("ConfigMap", "default", "settings").unwrap();
        assert_eq!(data_keys("ConfigMap", cm.value), ["a", "b"]);
        let (file, span) = index.span_of(cm, &[PathElem::Key("data".into())]).unwrap();
        assert_eq!(sources.get(file).position(span.start).line, 16);
    }
}
