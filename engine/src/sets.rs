//! Sets: which objects are applied together, so that cross-resource checks (references, PVC→PV binding,
//! StatefulSet Services) join only objects that meet in one cluster.
//!
//! - The objects of one rendered kustomization are one set: two overlays of one base go to different
//!   clusters (or namespaces), and neither sees the other's objects.
//! - A path that an Argo CD `Application` or a Flux `Kustomization` of the run applies is one set: the loose
//!   manifests under it (Flux applies the tree, Argo CD the directory, or the tree with `directory.recurse`)
//!   and the kustomizations rendered inside a Flux path without a kustomization of its own (Flux generates one
//!   that includes them).
//! - Every other loose manifest is in the set of the loose files, where a reference prefers the definition
//!   nearest in the directory tree ([`crate::index::Index::candidates_near`]).
//!
//! Set 0 is the loose files; then the GitOps paths in path order; then the rendered roots that are sets of
//! their own, in root order. Deterministic: it depends only on file names and contents.

use crate::resource::Resource;
use crate::source::{FileId, SourceMap};
use crate::value::Fields;
use crate::yaml::Document;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use serde_json::Value;
use std::collections::BTreeMap;

/// The set of every file of a run.
#[derive(Debug, Clone)]
pub struct Sets {
    of_file: Vec<u32>,
    count: u32,
    /// Each set's description (`loose manifests`, `Argo CD path apps/web`, `rendered by a/kustomization.yaml`).
    names: Vec<String>,
}

impl Default for Sets {
    fn default() -> Sets {
        Sets::one()
    }
}

impl Sets {
    /// One set holding every file.
    pub fn one() -> Sets {
        Sets { of_file: Vec::new(), count: 1, names: vec!["loose manifests".into()] }
    }

    /// The set of `file`.
    pub fn of(&self, file: FileId) -> u32 {
        self.of_file.get(file.0 as usize).copied().unwrap_or(0)
    }

    /// Number of sets.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// What set `set` is.
    pub fn name(&self, set: u32) -> &str {
        self.names.get(set as usize).map_or("", String::as_str)
    }
}

/// A directory that a GitOps object applies.
#[derive(Debug, Clone, Copy, Default)]
struct Applied {
    /// The tree below it too (Flux; Argo CD with `directory.recurse`).
    recurse: bool,
    /// By an Argo CD Application (else a Flux Kustomization).
    argo: bool,
}

/// The paths (relative to the repository) that an object applies, with whether the whole tree is applied.
fn applied_paths<'v>(r: &Resource, value: &'v Value) -> Vec<(&'v str, Applied)> {
    let api = r.object.api_version.as_str();
    let kind = r.object.kind.as_str();
    let spec = value.field("spec");
    let mut out = Vec::new();
    if kind == "Application" && api.starts_with("argoproj.io/") {
        let sources = spec
            .and_then(|s| s.field("source"))
            .into_iter()
            .chain(spec.and_then(|s| s.field("sources")).and_then(Value::as_array).into_iter().flatten());
        for source in sources {
            // A chart from a Helm repository has no path in this repository.
            if let Some(path) = source.field("path").and_then(Value::as_str) {
                let recurse = source.pointer_at("/directory/recurse").and_then(Value::as_bool).unwrap_or(false);
                out.push((path, Applied { recurse, argo: true }));
            }
        }
    } else if kind == "Kustomization" && api.starts_with("kustomize.toolkit.fluxcd.io/") {
        let path = spec.and_then(|s| s.field("path")).and_then(Value::as_str).unwrap_or("");
        out.push((path, Applied { recurse: true, argo: false }));
    }
    out
}

/// `a/./b/../c/` → `a/c` with `/` separators, lexically; `None` when it climbs above its start.
fn clean(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// One rendering (a kustomization, a Helm chart): its virtual file and its root file.
#[derive(Debug, Clone, Copy)]
pub struct RenderedRoot {
    /// The virtual file that holds the rendered objects.
    pub file: FileId,
    /// The root kustomization (a Helm rendering: the chart's `Chart.yaml`).
    pub kustomization: FileId,
    /// A set of its own whatever GitOps path it is under (a Helm release).
    pub own: bool,
}

/// Assigns every file of `sources` to a set. `files` gives each real file's documents and resources (in file
/// order); `roots` the rendered kustomizations.
pub fn assign<'a>(
    sources: &SourceMap,
    files: impl IntoIterator<Item = (&'a [Document], &'a [Resource])>,
    roots: &[RenderedRoot],
) -> Sets {
    let name = |f: FileId| sources.get(f).name.as_str();
    let virtual_files: HashSet<FileId> = roots.iter().map(|r| r.file).collect();
    // Every directory that holds a real file (and its ancestors): where a GitOps path may point.
    let mut dirs: HashSet<String> = HashSet::new();
    let mut kustomization_dirs: HashSet<&str> = HashSet::new();
    for i in 0..sources.len() {
        let f = FileId(i as u32);
        if virtual_files.contains(&f) {
            continue;
        }
        let n = name(f);
        let dir = parent(n);
        if crate::classify::is_kustomization_name(n) {
            kustomization_dirs.insert(dir);
        }
        let mut d = dir;
        while !d.is_empty() && dirs.insert(d.to_owned()) {
            d = parent(d);
        }
    }
    // The GitOps paths: resolved against the directories above the object that applies it, nearest first
    // (the repository root is not known; the path names a directory of the repository).
    let mut applied: BTreeMap<String, Applied> = BTreeMap::new();
    for (documents, resources) in files {
        for r in resources {
            if !matches!(r.object.kind.as_str(), "Application" | "Kustomization") {
                continue;
            }
            let Some(doc) = documents.get(r.doc) else { continue };
            let node = r.node(doc);
            for (path, how) in applied_paths(r, node.value) {
                if crate::index::is_unrendered_name(path) {
                    continue;
                }
                let mut base = parent(name(r.file));
                let found = loop {
                    let joined = clean(&format!("{base}/{path}"));
                    if let Some(j) = joined.filter(|j| !j.is_empty() && dirs.contains(j)) {
                        break Some(j);
                    }
                    if base.is_empty() {
                        break None;
                    }
                    base = parent(base);
                };
                if let Some(dir) = found {
                    let e = applied.entry(dir).or_default();
                    e.recurse |= how.recurse;
                    e.argo |= how.argo;
                }
            }
        }
    }
    // A directory with a kustomization is applied as that kustomization renders it (whole tree reachable).
    for (dir, how) in &mut applied {
        if kustomization_dirs.contains(dir.as_str()) {
            how.recurse = true;
        }
    }
    let mut names = vec!["loose manifests".to_owned()];
    let mut set_of_dir: HashMap<&str, u32> = HashMap::new();
    let mut dir_of_set: Vec<&str> = vec![""];
    for (dir, how) in &applied {
        set_of_dir.insert(dir.as_str(), names.len() as u32);
        dir_of_set.push(dir.as_str());
        names.push(format!("{} path {dir}", if how.argo { "Argo CD Application" } else { "Flux Kustomization" }));
    }
    // The deepest applied directory that applies `dir` (itself, or an ancestor that applies its tree).
    let applying = |dir: &str, strictly_below: bool| -> Option<u32> {
        let mut d = dir;
        let mut first = true;
        loop {
            if let Some((set, how)) = set_of_dir.get(d).zip(applied.get(d)) {
                let here = first && !strictly_below;
                if here || how.recurse {
                    return Some(*set);
                }
            }
            if d.is_empty() {
                return None;
            }
            d = parent(d);
            first = false;
        }
    };
    let mut of_file = vec![0u32; sources.len()];
    for (i, set) in of_file.iter_mut().enumerate() {
        let f = FileId(i as u32);
        if !virtual_files.contains(&f) {
            *set = applying(parent(name(f)), false).unwrap_or(0);
        }
    }
    for root in roots {
        let kdir = parent(name(root.kustomization));
        // Inside a Flux path that has no kustomization of its own, Flux's generated kustomization applies this
        // one together with the rest of the tree.
        let shared =
            applying(kdir, true).filter(|set| !root.own && !kustomization_dirs.contains(dir_of_set[*set as usize]));
        of_file[root.file.0 as usize] = match shared {
            Some(set) => set,
            None => {
                names.push(format!("rendered by {}", name(root.kustomization)));
                names.len() as u32 - 1
            }
        };
    }
    Sets { of_file, count: names.len() as u32, names }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn run(files: &[(&str, &str)], rendered: &[(&str, usize)]) -> Vec<String> {
        let mut sources = SourceMap::default();
        for (name, text) in files {
            sources.add(SourceFile::new(*name, text.to_string()));
        }
        let mut loaded = Vec::new();
        for i in 0..files.len() {
            let id = FileId(i as u32);
            let l = crate::yaml::load(sources.get(id));
            let (mut resources, mut problems) = (Vec::new(), Vec::new());
            for (d, doc) in l.documents.iter().enumerate() {
                crate::resource::identify(id, sources.get(id), d, doc, "default", &mut resources, &mut problems);
            }
            loaded.push((l.documents, resources));
        }
        let mut roots = Vec::new();
        for (name, k) in rendered {
            let id = sources.add(SourceFile::new(*name, String::new()));
            roots.push(RenderedRoot { file: id, kustomization: FileId(*k as u32), own: false });
        }
        let sets = assign(&sources, loaded.iter().map(|(d, r)| (d.as_slice(), r.as_slice())), &roots);
        (0..sources.len()).map(|i| sets.name(sets.of(FileId(i as u32))).to_owned()).collect()
    }

    const PV: &str = "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv}\n";

    #[test]
    fn overlays_are_sets_of_their_own() {
        let got = run(
            &[("base/kustomization.yaml", "resources: [pv.yaml]\n"), ("a/kustomization.yaml", ""), ("x.yaml", PV)],
            &[("a/kustomization.yaml/rendered", 1), ("b/kustomization.yaml/rendered", 0)],
        );
        assert_eq!(
            got,
            [
                "loose manifests",
                "loose manifests",
                "loose manifests",
                "rendered by a/kustomization.yaml",
                "rendered by base/kustomization.yaml"
            ]
        );
    }

    #[test]
    fn gitops_paths_resolve_against_the_directories_above() {
        let app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\n\
                   spec:\n  source: {repoURL: 'https://example.com/r.git', path: apps/web}\n";
        let flux = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: infra}\n\
                    spec: {path: ./infra, sourceRef: {kind: GitRepository, name: flux-system}}\n";
        let got = run(
            &[
                ("repo/clusters/prod/apps.yaml", app),
                ("repo/clusters/prod/infra.yaml", flux),
                ("repo/apps/web/pv.yaml", PV),
                ("repo/apps/web/sub/pv.yaml", PV),
                ("repo/infra/a/pv.yaml", PV),
                ("repo/infra/a/kustomization.yaml", "resources: []\n"),
                ("repo/other/pv.yaml", PV),
            ],
            &[("repo/infra/a/kustomization.yaml/rendered", 5)],
        );
        assert_eq!(
            got,
            [
                "loose manifests",
                "loose manifests",
                "Argo CD Application path repo/apps/web",
                "loose manifests", // Argo CD applies the directory only
                "Flux Kustomization path repo/infra",
                "Flux Kustomization path repo/infra",
                "loose manifests",
                "Flux Kustomization path repo/infra", // Flux's generated kustomization includes it
            ]
        );
    }

    #[test]
    fn templated_and_missing_paths_are_ignored() {
        let app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\n\
                   spec:\n  sources:\n    - {path: '{{path}}'}\n    - {path: nowhere}\n    - {path: ../../..}\n";
        let got = run(&[("apps.yaml", app), ("web/pv.yaml", PV)], &[]);
        assert_eq!(got, ["loose manifests", "loose manifests"]);
    }

    #[test]
    fn clean_paths() {
        assert_eq!(clean("a/./b/../c/").as_deref(), Some("a/c"));
        assert_eq!(clean("../x"), None);
    }
}
