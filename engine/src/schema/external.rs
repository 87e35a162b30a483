//! `--schema-dir DIR`: extra JSON Schemas for kinds the embedded schemas and the CRDs of the set do not
//! define (CRDs installed outside the repository), in the layouts kubeconform users already have:
//!
//! - `<kind>-<group>-<version>.json` (openapi2jsonschema, lowercase: `certificate-cert-manager.io-v1.json`;
//!   the group may be shortened to its first label, `certificate-cert-manager-v1.json`),
//! - `<kind>-<version>.json` for the core group,
//! - `<group>/<kind>_<version>.json` (the CRDs-catalog layout: `cert-manager.io/certificate_v1.json`).
//!
//! Every `*.json` below DIR is read and compiled when the directory is loaded; a file that is not JSON or
//! does not compile is an error with its location (the CLI exits with status 2).

use super::Schema;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Schemas loaded from `--schema-dir`, by lowercase file key.
#[derive(Default)]
pub struct External {
    schemas: HashMap<String, Arc<Schema>>,
}

impl std::fmt::Debug for External {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("External").field("schemas", &self.schemas.len()).finish()
    }
}

/// A schema file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub line: usize,
    /// Column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ExternalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file.display(), self.line, self.column, self.message)
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// The keys a file answers to (lowercase): `kind-group-version`, `kind-version`, or `group/kind_version`.
fn file_keys(dir: &Path, file: &Path) -> Vec<String> {
    let Some(stem) = file.file_stem().and_then(|s| s.to_str()) else { return Vec::new() };
    let stem = stem.to_ascii_lowercase();
    let mut keys = vec![stem.clone()];
    if let (Some((kind, version)), Some(parent)) = (stem.rsplit_once('_'), file.parent()) {
        if parent != dir {
            if let Some(group) = parent.file_name().and_then(|g| g.to_str()) {
                keys.push(format!("{}/{kind}_{version}", group.to_ascii_lowercase()));
            }
        }
    }
    keys
}

/// The candidate keys of an object (lowercase).
fn object_keys(api: &str, kind: &str) -> Vec<String> {
    let kind = kind.to_ascii_lowercase();
    let api = api.to_ascii_lowercase();
    match api.split_once('/') {
        None => vec![format!("{kind}-{api}")],
        Some((group, version)) => {
            let short = group.split('.').next().unwrap_or(group);
            vec![
                format!("{group}/{kind}_{version}"),
                format!("{kind}-{group}-{version}"),
                format!("{kind}-{short}-{version}"),
                format!("{kind}_{version}"),
            ]
        }
    }
}

impl External {
    /// Reads and compiles every `*.json` below the directories.
    pub fn load(dirs: &[PathBuf]) -> Result<External, ExternalError> {
        let mut schemas = HashMap::new();
        for dir in dirs {
            let mut list = Vec::new();
            files(dir, &mut list).map_err(|e| ExternalError {
                file: dir.clone(),
                line: 1,
                column: 1,
                message: format!("cannot read the schema directory: {e}"),
            })?;
            list.sort();
            for file in list {
                let fail = |line, column, message| ExternalError { file: file.clone(), line, column, message };
                let text = std::fs::read_to_string(&file).map_err(|e| fail(1, 1, format!("cannot read: {e}")))?;
                let value: Value = serde_json::from_str(&text)
                    .map_err(|e| fail(e.line(), e.column(), format!("not valid JSON: {e}")))?;
                let mut value = value;
                if let Some(obj) = value.as_object_mut() {
                    // kubeconform's schemas are draft 4/7 documents; their `$schema` and `id` only name them.
                    obj.remove("$schema");
                    obj.remove("id");
                    obj.remove("$id");
                }
                let schema = Schema::compile(value).map_err(|e| {
                    let at = crate::yaml::path_string(&e.path);
                    fail(
                        1,
                        1,
                        format!("not a usable JSON Schema at {}: {}", if at.is_empty() { "/" } else { &at }, e.message),
                    )
                })?;
                let schema = Arc::new(schema);
                for key in file_keys(dir, &file) {
                    schemas.entry(key).or_insert_with(|| schema.clone());
                }
            }
        }
        Ok(External { schemas })
    }

    /// Whether a schema for `apiVersion`/`kind` was loaded.
    pub fn knows(&self, api: &str, kind: &str) -> bool {
        object_keys(api, kind).iter().any(|k| self.schemas.contains_key(k))
    }

    /// The schema of `apiVersion`/`kind`, if loaded.
    pub fn schema(&self, api: &str, kind: &str) -> Option<Arc<Schema>> {
        object_keys(api, kind).iter().find_map(|k| self.schemas.get(k).cloned())
    }

    /// How many files were loaded.
    pub fn len(&self) -> usize {
        self.schemas.len()
    }

    /// Whether nothing was loaded.
    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
    }
}
