//! From command-line paths to an ordered list of manifest files: directories are walked with .gitignore
//! respected, `*.yaml`, `*.yml` and `*.json` are taken, include/exclude globs applied, and the result sorted.

use crate::source::{SourceFile, SourceMap};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One file to read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    /// Name shown in output (the path as given, or below a given directory).
    pub name: String,
    /// Path on disk.
    pub path: PathBuf,
    /// False for files that only provide context (`--context`).
    pub reported: bool,
}

/// Whether a file name looks like a manifest.
pub fn is_manifest_name(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
}

fn globset(patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| format!("invalid glob `{p}`: {e}"))?);
    }
    b.build().map(Some).map_err(|e| e.to_string())
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}

/// Expands `paths` (files or directories) and, with `context`, every manifest under it (not reported unless
/// also named in `paths`). Errors name paths that do not exist or bad globs.
pub fn discover(
    paths: &[PathBuf],
    context: Option<&Path>,
    include: &[String],
    exclude: &[String],
) -> Result<Vec<Input>, String> {
    let include = globset(include)?;
    let exclude = globset(exclude)?;
    let keep = |p: &Path| {
        let rel = display(p);
        include.as_ref().is_none_or(|g| g.is_match(&rel)) && exclude.as_ref().is_none_or(|g| !g.is_match(&rel))
    };
    let mut found: HashMap<PathBuf, Input> = HashMap::new();
    // Canonical paths are only needed to match `--context` files with named ones; skip the syscalls otherwise.
    let canonical = |p: &Path| -> PathBuf {
        if context.is_some() {
            std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
        } else {
            p.to_path_buf()
        }
    };
    let walk = |root: &Path, reported: bool, found: &mut HashMap<PathBuf, Input>| -> Result<(), String> {
        if root.is_file() {
            let key = canonical(root);
            let entry = found.entry(key).or_insert(Input { name: display(root), path: root.to_path_buf(), reported });
            entry.reported |= reported;
            if reported {
                entry.name = display(root);
            }
            return Ok(());
        }
        if !root.exists() {
            return Err(format!("{}: no such file or directory", root.display()));
        }
        // The walk runs on several threads; the result is ordered afterwards, so it does not depend on them.
        let (tx, rx) = std::sync::mpsc::channel::<Result<PathBuf, String>>();
        ignore::WalkBuilder::new(root).build_parallel().run(|| {
            let tx = tx.clone();
            Box::new(move |entry| {
                let item = match entry {
                    Err(e) => Some(Err(e.to_string())),
                    Ok(entry) => {
                        let p = entry.path();
                        (entry.file_type().is_some_and(|t| t.is_file()) && is_manifest_name(p))
                            .then(|| Ok(p.to_path_buf()))
                    }
                };
                if let Some(item) = item {
                    let _ = tx.send(item);
                }
                ignore::WalkState::Continue
            })
        });
        drop(tx);
        let (mut paths, mut errors) = (Vec::new(), Vec::new());
        for item in rx {
            match item {
                Ok(p) => paths.push(p),
                Err(e) => errors.push(e),
            }
        }
        if let Some(first) = errors.into_iter().min() {
            return Err(first);
        }
        if context.is_some() {
            // Canonical keys can collide (a symlink and its target): the first in path order names the file.
            paths.sort();
        }
        for p in paths.iter().filter(|p| keep(p)) {
            let p = p.as_path();
            let key = canonical(p);
            let e = found.entry(key).or_insert(Input { name: display(p), path: p.to_path_buf(), reported });
            if reported && !e.reported {
                e.reported = true;
                e.name = display(p);
            }
        }
        Ok(())
    };
    for p in paths {
        walk(p, true, &mut found)?;
    }
    if let Some(ctx) = context {
        walk(ctx, false, &mut found)?;
    }
    // The order of the output: by name (the same file named twice, `x.yaml` and `./x.yaml`, by path).
    let mut inputs: Vec<Input> = found.into_values().collect();
    inputs.sort_unstable_by(|a, b| a.name.cmp(&b.name).then_with(|| a.path.cmp(&b.path)));
    Ok(inputs)
}

/// Reads the inputs in parallel into a source map (order kept). Unreadable files become read errors.
pub fn read(inputs: &[Input]) -> SourceMap {
    let files: Vec<SourceFile> = inputs
        .par_iter()
        .map(|input| {
            let mut f = match std::fs::read(&input.path) {
                Ok(bytes) => SourceFile::from_bytes(input.name.clone(), bytes),
                Err(e) => {
                    let mut f = SourceFile::new(input.name.clone(), "");
                    f.read_error = Some((0, format!("cannot read file: {e}")));
                    f
                }
            };
            f.reported = input.reported;
            f
        })
        .collect();
    let mut map = SourceMap::default();
    for f in files {
        map.add(f);
    }
    map
}
