//! From command-line paths to an ordered list of manifest files: directories are walked with .gitignore
//! respected, `*.yaml`, `*.yml` and `*.json` are taken, include/exclude globs applied, and the result sorted.

use crate::source::{ReadError, SourceFile, SourceMap};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// One file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Name shown in output (the path as given, or below a given directory).
    pub name: String,
    /// Path on disk.
    pub path: PathBuf,
    /// False for files that only provide context (`--context`).
    pub reported: bool,
    /// Why the path cannot be read (missing, a symlink loop, a FIFO…): reported at the path, not read.
    pub problem: Option<ReadError>,
}

/// Why a path named on the command line (or met in a walk) is not a file or directory kvet can read; `None`
/// for a regular file or a directory.
pub fn unreadable(path: &Path) -> Option<ReadError> {
    let help = "Check the path: kvet reads regular files and directories, and a symbolic link named as a path when it leads to one.";
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            let message = match std::fs::symlink_metadata(path) {
                Ok(_) if e.raw_os_error() == Some(ELOOP) => {
                    "a symbolic link loop: the links never reach a file".to_owned()
                }
                Ok(_) if e.kind() == std::io::ErrorKind::NotFound => match std::fs::read_link(path) {
                    Ok(target) => format!("a symbolic link to {}, which does not exist", display(&target)),
                    Err(_) => "a symbolic link to a path that does not exist".to_owned(),
                },
                _ if e.kind() == std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
                _ => format!("cannot read: {e}"),
            };
            return Some(ReadError::unreadable(message, help));
        }
    };
    if meta.is_file() || meta.is_dir() {
        return None;
    }
    let what = special_kind(&meta);
    Some(ReadError::unreadable(
        format!("{what}, not a regular file: not read (reading it could wait forever)"),
        "Write the manifests to a file and check that, or pipe them in: `… | kvet check -`.",
    ))
}

/// `ELOOP` (too many levels of symbolic links) on Linux and the BSDs/macOS.
#[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd", target_os = "openbsd", target_os = "netbsd"))]
const ELOOP: i32 = 62;
#[cfg(not(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd"
)))]
const ELOOP: i32 = 40;

#[cfg(unix)]
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::Metadata) -> &'static str {
    "a special file"
}

/// Whether a file name looks like a manifest.
pub fn is_manifest_name(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
}

/// The include/exclude globs of one config, matched with gitignore semantics against each path relative to
/// the directory that holds the config (`base`): a pattern without `/` matches a file or directory name at any
/// depth (`kustomization.yaml`, `charts`), a pattern with a `/` is anchored at `base` (`deploy/**`, `/apps`),
/// `dir/` matches a directory and everything below it, `**` spans directories and `!pattern` re-includes.
/// A path outside `base` matches no pattern: it is kept only when there is no include list.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Absolute, lexically normalised directory the patterns are relative to.
    base: PathBuf,
    /// The working directory, to make relative paths absolute.
    cwd: PathBuf,
    include: Option<Gitignore>,
    exclude: Option<Gitignore>,
}

impl Filter {
    /// A filter for patterns relative to `base` (relative paths are taken from the working directory).
    /// Errors name an invalid glob.
    pub fn new(base: &Path, include: &[String], exclude: &[String]) -> Result<Filter, String> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let base = absolute(&cwd, base);
        let build = |patterns: &[String]| -> Result<Option<Gitignore>, String> {
            if patterns.is_empty() {
                return Ok(None);
            }
            let mut b = GitignoreBuilder::new(&base);
            for p in patterns {
                b.add_line(None, p).map_err(|e| format!("invalid glob `{p}`: {e}"))?;
            }
            b.build().map(Some).map_err(|e| e.to_string())
        };
        Ok(Filter { include: build(include)?, exclude: build(exclude)?, base, cwd })
    }

    /// A filter that keeps everything.
    pub fn none() -> Filter {
        Filter { base: PathBuf::new(), cwd: PathBuf::new(), include: None, exclude: None }
    }

    /// Whether the filter has any pattern.
    pub fn is_empty(&self) -> bool {
        self.include.is_none() && self.exclude.is_none()
    }

    /// The path relative to `base`, or `None` when it lies outside.
    fn relative(&self, path: &Path) -> Option<PathBuf> {
        absolute(&self.cwd, path).strip_prefix(&self.base).ok().map(Path::to_path_buf)
    }

    /// Whether a file (`is_dir` false) or directory is kept: included (or no include list) and not excluded.
    pub fn keeps(&self, path: &Path, is_dir: bool) -> bool {
        if self.is_empty() {
            return true;
        }
        let rel = self.relative(path);
        let matches = |g: &Gitignore| match &rel {
            // `base` itself: no pattern names it.
            Some(r) if r.as_os_str().is_empty() => false,
            Some(r) => g.matched_path_or_any_parents(r, is_dir).is_ignore(),
            None => false,
        };
        if is_dir {
            // A directory is pruned only by exclude: an include list names files below it.
            return self.exclude.as_ref().is_none_or(|g| !matches(g));
        }
        self.include.as_ref().is_none_or(matches) && self.exclude.as_ref().is_none_or(|g| !matches(g))
    }
}

/// `path` made absolute against `cwd` and lexically normalised (`.` dropped, `..` pops a component).
pub fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(path).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// What [`discover`] found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// The inputs, sorted.
    pub inputs: Vec<Input>,
    /// Manifests named or found under the paths that the filter left out.
    pub excluded: usize,
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}

/// Expands `paths` (files or directories) and, with `context`, every manifest under it (not reported unless
/// also named in `paths`). `filter` applies to every file, named ones included; a directory it excludes is not
/// entered. Errors name paths that do not exist.
pub fn discover(paths: &[PathBuf], context: Option<&Path>, filter: &Filter) -> Result<Discovered, String> {
    // Files (and directories not entered) left out by the filter, below or among the reported paths.
    let excluded = Arc::new(AtomicUsize::new(0));
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
        if let Some(problem) = unreadable(root) {
            // A context path is an option's value: a usage error. A reported path is an input: its problem is
            // reported there and the other paths are still checked.
            if !reported {
                return Err(format!("{}: {}", root.display(), problem.message));
            }
            let name = display(root);
            found
                .insert(root.to_path_buf(), Input { name, path: root.to_path_buf(), reported, problem: Some(problem) });
            return Ok(());
        }
        if root.is_file() {
            if !filter.keeps(root, false) {
                if reported {
                    excluded.fetch_add(1, Ordering::Relaxed);
                }
                return Ok(());
            }
            let key = canonical(root);
            let entry = found.entry(key).or_insert(Input {
                name: display(root),
                path: root.to_path_buf(),
                reported,
                problem: None,
            });
            entry.reported |= reported;
            if reported {
                entry.name = display(root);
            }
            return Ok(());
        }
        // The walk runs on several threads; the result is ordered afterwards, so it does not depend on them.
        let (tx, rx) = std::sync::mpsc::channel::<Result<PathBuf, (PathBuf, String)>>();
        let mut walker = ignore::WalkBuilder::new(root);
        if !filter.is_empty() {
            let (filter, excluded) = (filter.clone(), Arc::clone(&excluded));
            // An excluded directory is not entered (the root, named on the command line, is walked).
            walker.filter_entry(move |e| {
                let keep = e.depth() == 0 || !e.file_type().is_some_and(|t| t.is_dir()) || filter.keeps(e.path(), true);
                if !keep && reported {
                    excluded.fetch_add(1, Ordering::Relaxed);
                }
                keep
            });
        }
        walker.build_parallel().run(|| {
            let tx = tx.clone();
            Box::new(move |entry| {
                let item = match entry {
                    Err(e) => Some(Err((error_path(&e).unwrap_or_else(|| root.to_path_buf()), e.to_string()))),
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
        // An entry the walk cannot read (a directory without permission, a symlink loop) is reported there.
        errors.sort();
        for (path, message) in errors {
            if reported {
                let problem = ReadError::unreadable(message, "Check the path's permissions and symbolic links.");
                let input = Input { name: display(&path), path: path.clone(), reported, problem: Some(problem) };
                found.entry(path).or_insert(input);
            }
        }
        if context.is_some() {
            // Canonical keys can collide (a symlink and its target): the first in path order names the file.
            paths.sort();
        }
        let before = paths.len();
        paths.retain(|p| filter.keeps(p, false));
        if reported {
            excluded.fetch_add(before - paths.len(), Ordering::Relaxed);
        }
        for p in &paths {
            let p = p.as_path();
            let key = canonical(p);
            let e =
                found.entry(key).or_insert(Input { name: display(p), path: p.to_path_buf(), reported, problem: None });
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
    Ok(Discovered { inputs, excluded: excluded.load(Ordering::Relaxed) })
}

/// The path an error of the directory walk is about.
fn error_path(e: &ignore::Error) -> Option<PathBuf> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

/// Reads the inputs in parallel into a source map (order kept). Unreadable files become read errors.
pub fn read(inputs: &[Input]) -> SourceMap {
    let files: Vec<SourceFile> = inputs
        .par_iter()
        .map(|input| {
            let read = match &input.problem {
                Some(p) => Err(p.clone()),
                None => std::fs::read(&input.path).map_err(|e| {
                    ReadError::unreadable(format!("cannot read file: {e}"), "Check the file's permissions.")
                }),
            };
            let mut f = match read {
                Ok(bytes) => SourceFile::from_bytes(input.name.clone(), bytes),
                Err(problem) => {
                    let mut f = SourceFile::new(input.name.clone(), "");
                    f.read_error = Some(problem);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(include: &[&str], exclude: &[&str]) -> Filter {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Filter::new(Path::new("/repo"), &strings(include), &strings(exclude)).unwrap()
    }

    #[test]
    fn bare_names_match_at_any_depth() {
        let f = filter(&[], &["kustomization.yaml", "charts"]);
        assert!(!f.keeps(Path::new("/repo/kustomization.yaml"), false));
        assert!(!f.keeps(Path::new("/repo/a/b/kustomization.yaml"), false));
        assert!(f.keeps(Path::new("/repo/a/deployment.yaml"), false));
        // A directory name excludes everything below it.
        assert!(!f.keeps(Path::new("/repo/x/charts"), true));
        assert!(!f.keeps(Path::new("/repo/x/charts/redis/values.yaml"), false));
    }

    #[test]
    fn patterns_with_a_slash_are_anchored_at_the_config_dir() {
        let f = filter(&["deploy/**"], &["deploy/tmp/*.yaml"]);
        assert!(f.keeps(Path::new("/repo/deploy/app.yaml"), false));
        assert!(f.keeps(Path::new("/repo/deploy/a/b/app.yaml"), false));
        assert!(!f.keeps(Path::new("/repo/other/deploy/app.yaml"), false), "anchored, not at any depth");
        assert!(!f.keeps(Path::new("/repo/deploy/tmp/x.yaml"), false));
        assert!(f.keeps(Path::new("/repo/deploy/tmp/sub/x.yaml"), false), "`*` does not cross `/`");
        let f = filter(&["/apps"], &[]);
        assert!(f.keeps(Path::new("/repo/apps/web.yaml"), false));
        assert!(!f.keeps(Path::new("/repo/x/apps/web.yaml"), false));
    }

    #[test]
    fn dir_patterns_match_directories_and_below() {
        let f = filter(&[], &["generated/"]);
        assert!(!f.keeps(Path::new("/repo/generated"), true));
        assert!(!f.keeps(Path::new("/repo/a/generated/x.yaml"), false));
        assert!(f.keeps(Path::new("/repo/generated"), false), "a file named generated is not a directory");
        let f = filter(&["**/prod/**"], &["!keep.yaml", "*.json"]);
        assert!(f.keeps(Path::new("/repo/a/prod/x.yaml"), false));
        assert!(!f.keeps(Path::new("/repo/a/prod/x.json"), false));
        assert!(!f.keeps(Path::new("/repo/a/dev/x.yaml"), false));
    }

    #[test]
    fn relative_to_the_config_dir_not_the_working_directory() {
        let cwd = std::env::current_dir().unwrap();
        let f = Filter::new(&cwd.join("proj"), &["deploy/**".into()], &[]).unwrap();
        assert!(f.keeps(&cwd.join("proj/deploy/a.yaml"), false));
        assert!(f.keeps(&cwd.join("proj/./x/../deploy/a.yaml"), false), "lexically normalised");
        assert!(!f.keeps(Path::new("deploy/a.yaml"), false), "cwd/deploy is outside proj/");
        assert!(f.keeps(Path::new("proj/deploy/a.yaml"), false), "relative paths are taken from the cwd");
        // Outside the config's directory: no pattern matches, so only a filter without include keeps it.
        assert!(!f.keeps(Path::new("/elsewhere/deploy/a.yaml"), false));
        let f = Filter::new(&cwd.join("proj"), &[], &["deploy".into()]).unwrap();
        assert!(f.keeps(Path::new("/elsewhere/deploy/a.yaml"), false));
        assert!(Filter::new(Path::new("/repo"), &["a/{b,c".into()], &[]).is_err(), "invalid glob");
    }

    #[test]
    fn named_files_and_directories_are_filtered() {
        let dir = std::env::temp_dir().join(format!("kvet-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for f in ["app.yaml", "kustomization.yaml", "charts/c.yaml", "sub/charts/d.yaml", "sub/e.yml"] {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "a: 1\n").unwrap();
        }
        let filter = Filter::new(&dir, &[], &["kustomization.yaml".into(), "charts/".into()]).unwrap();
        let found = discover(&[dir.clone(), dir.join("kustomization.yaml")], None, &filter).unwrap();
        let names: Vec<_> = found.inputs.iter().map(|i| i.path.strip_prefix(&dir).unwrap().to_path_buf()).collect();
        assert_eq!(names, [PathBuf::from("app.yaml"), PathBuf::from("sub/e.yml")]);
        // kustomization.yaml walked and named, charts/ and sub/charts/ not entered.
        assert_eq!(found.excluded, 4);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
