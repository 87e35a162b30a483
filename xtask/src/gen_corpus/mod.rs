//! `cargo xtask gen-corpus`: deterministic benchmark corpora of realistic Kubernetes manifests.
//!
//! The corpus imitates a GitOps repository of a company: `cluster/` holds cluster-wide objects
//! (StorageClasses, PriorityClasses), then one folder per team and environment (`payments/prod/`), each a
//! namespace of ~50 files. A namespace has shared configuration (env ConfigMap, CA bundle, pull secret, TLS
//! secret), sometimes a bundle of dashboard ConfigMaps, and applications: web services, workers with claims,
//! databases (StatefulSet + headless Service), batch jobs, caches and node agents (DaemonSets with hostPath).
//! Workloads refer to ConfigMaps, Secrets and claims; about one reference in ten names an object that is not
//! in the corpus, as in real repositories where some objects are created elsewhere. A few containers carry
//! real problems (`:latest` images, no memory limit, hostPath in a Deployment, memory emptyDir without limit).
//!
//! Everything is drawn from one [`SplitMix64`] stream with a fixed seed, so the same document count always
//! produces byte-identical files.

mod app_parts;
mod apps;
mod generator;
pub mod hostile;
mod kustomize;
mod objects;
mod platform_apps;
mod pod;
mod yaml;

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use generator::generate;

use crate::util::{display_path, repo_root, shared_dir, Args, TaskError, TaskResult};

/// The fixed seed of every generated corpus ("kvetcorp").
pub const SEED: u64 = 0x6b76_6574_636f_7270;

/// Corpora generated when `--docs` is not given: folder name and document count.
pub const DEFAULT_SIZES: [(&str, usize); 3] = [("1k", 1_000), ("10k", 10_000), ("100k", 100_000)];

/// Name of the marker file that identifies a generated folder (hidden, so kvet does not read it).
const MARKER: &str = ".kvet-bench-corpus";

/// One generated file.
pub struct GeneratedFile {
    /// Path relative to the corpus root, `/`-separated.
    pub path: String,
    /// File contents.
    pub content: String,
}

/// What a generation produced.
#[derive(Default, Debug)]
pub struct Stats {
    /// Files written.
    pub files: usize,
    /// Documents written.
    pub documents: usize,
    /// Bytes written.
    pub bytes: usize,
    /// Documents per kind.
    pub kinds: BTreeMap<String, usize>,
}

/// `cargo xtask gen-corpus [--docs N] [--out DIR] | --from-corpus DIR --copies K [--out DIR] | --kustomize N [--out DIR]`.
pub fn run(mut args: Args) -> TaskResult {
    let docs = args.number("--docs")?;
    let out = args.value("--out")?.map(PathBuf::from);
    let from = args.value("--from-corpus")?.map(PathBuf::from);
    let copies = args.number("--copies")?;
    let kustomize = args.number("--kustomize")?;
    args.finish()?;

    if let Some(apps) = kustomize {
        let out = out.unwrap_or_else(|| bench_dir().join(format!("kustomize-{apps}")));
        let objects = write_kustomize(apps, &out)?;
        println!("gen-corpus: {apps} applications x 3 overlays ({objects} rendered objects) in {}", out.display());
        return Ok(true);
    }

    if let Some(from) = from {
        if docs.is_some() {
            return Err(TaskError::usage("--docs and --from-corpus exclude each other"));
        }
        let copies = copies.unwrap_or(5);
        let out = out.unwrap_or_else(|| bench_dir().join(format!("shared-x{copies}")));
        copy_corpus(&from, copies, &out)?;
        return Ok(true);
    }
    if copies.is_some() {
        return Err(TaskError::usage("--copies needs --from-corpus DIR"));
    }
    match docs {
        Some(docs) => {
            let out = out.unwrap_or_else(|| bench_dir().join(size_name(docs)));
            write_corpus(docs, &out)?;
        }
        None => {
            if out.is_some() {
                return Err(TaskError::usage("--out needs --docs N (or --from-corpus)"));
            }
            for (name, docs) in DEFAULT_SIZES {
                write_corpus(docs, &bench_dir().join(name))?;
            }
        }
    }
    Ok(true)
}

/// Writes the kustomize benchmark repository of `apps` applications (see [`kustomize`]).
pub fn write_kustomize(apps: usize, out: &Path) -> Result<usize, TaskError> {
    kustomize::write(apps, out)
}

/// `bench-corpus/` in the repository root.
pub fn bench_dir() -> PathBuf {
    repo_root().join("bench-corpus")
}

/// Folder name for a document count: `1k`, `10k`, `2500`.
pub fn size_name(docs: usize) -> String {
    if docs % 1000 == 0 {
        format!("{}k", docs / 1000)
    } else {
        docs.to_string()
    }
}

/// The document count a default folder name stands for (`10k` → 10 000).
pub fn docs_for_name(name: &str) -> Option<usize> {
    DEFAULT_SIZES.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
}

/// Empties `out` if it is a folder we generated (or empty); refuses to touch anything else.
fn prepare_output(out: &Path) -> Result<(), TaskError> {
    if out.exists() {
        let is_ours = out.join(MARKER).is_file();
        let is_empty = fs::read_dir(out)?.next().is_none();
        if !is_ours && !is_empty {
            return Err(TaskError::new(format!(
                "{} exists and was not generated by xtask (no {MARKER}); remove it or choose another --out",
                out.display()
            )));
        }
        fs::remove_dir_all(out)?;
    }
    fs::create_dir_all(out)?;
    Ok(())
}

/// Generates `docs` documents into `out` (replacing a previous generation).
pub fn write_corpus(docs: usize, out: &Path) -> Result<Stats, TaskError> {
    prepare_output(out)?;
    let stats = generate(docs, SEED, &mut |file| {
        let path = out.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, file.content)
    })?;
    fs::write(out.join(MARKER), format!("generator: cargo xtask gen-corpus\nseed: {SEED:#x}\ndocuments: {docs}\n"))?;
    let kinds: Vec<String> = stats.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!(
        "{}: {} documents in {} files, {:.1} MB ({})",
        display_path(out),
        stats.documents,
        stats.files,
        stats.bytes as f64 / 1e6,
        kinds.join(", ")
    );
    Ok(stats)
}

/// Copies `from` `copies` times into `out/copy-0 … copy-{copies-1}`.
pub fn copy_corpus(from: &Path, copies: usize, out: &Path) -> Result<(), TaskError> {
    if !from.is_dir() {
        return Err(TaskError::new(format!("{} is not a directory", from.display())));
    }
    prepare_output(out)?;
    let mut files = 0usize;
    let mut bytes = 0u64;
    for copy in 0..copies {
        let (f, b) = copy_tree(from, &out.join(format!("copy-{copy}")))?;
        files += f;
        bytes += b;
    }
    fs::write(
        out.join(MARKER),
        format!("generator: cargo xtask gen-corpus --from-corpus\nsource: {}\ncopies: {copies}\n", from.display()),
    )?;
    println!(
        "{}: {copies} copies of {}, {files} files, {:.1} MB",
        display_path(out),
        from.display(),
        bytes as f64 / 1e6
    );
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<(usize, u64)> {
    fs::create_dir_all(to)?;
    let mut entries: Vec<_> = fs::read_dir(from)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    let (mut files, mut bytes) = (0, 0);
    for entry in entries {
        let file_type = entry.file_type()?;
        let target = to.join(entry.file_name());
        if file_type.is_dir() {
            let (f, b) = copy_tree(&entry.path(), &target)?;
            files += f;
            bytes += b;
        } else if file_type.is_file() {
            bytes += fs::copy(entry.path(), target)?;
            files += 1;
        }
    }
    Ok((files, bytes))
}

/// The default source of `--from-corpus` copies used by `bench`.
pub fn shared_corpus() -> PathBuf {
    shared_dir().join("corpus")
}

#[cfg(test)]
mod tests;
