//! `subpath-target`: a container mounts a single file of a configMap, secret or projected volume with
//! `subPath`, but `mountPath` names a directory-looking path, so the file is mounted *as* that path
//! (`mountPath: /etc/nginx/conf.d` + `subPath: gzip.conf` creates a file named `conf.d`).
//!
//! The subPath selects one file when it equals an `items[].path` of the volume (or of a projected source), or,
//! for a source without `items`, a data key of the referenced object when it is in the set with known content;
//! when it is not, the subPath's own shape decides: its last segment has an extension ([`has_extension`]).
//! A subPath that is a directory of the volume (`conf/` of `items: [{path: conf/a.conf}]`) is not one file.
//!
//! `mountPath` looks like a directory when it ends with `/`, its last segment ends with `.d`, or the last
//! segment has no extension — except a name that equals the file's (the correct form), names under a `bin`
//! or `sbin` directory (executables conventionally have none: `/usr/local/bin/entrypoint`), and names starting
//! with a dot other than well-known configuration directories (`.bashrc` is a file, `.ssh` a directory).
//!
//! Values: `check.container`, `check.volume`, `check.subPath`, `check.mountPath`, `check.file` (the last
//! segment of the subPath), `check.suggestion` (`mountPath` + `/` + file), `check.source` (how the subPath was
//! found to be a file). The related label points at the key in the referenced object or at the `items[].path`.

use super::{CheckInput, Hit};
use crate::finding::Related;
use crate::index::{Entry, Index};
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// Dot-named directories that hold configuration files (a file mounted as one of these is a mistake).
const DOT_DIRECTORIES: &[&str] = &[".ssh", ".kube", ".docker", ".aws", ".config", ".gnupg", ".m2", ".cache"];

/// Whether the last path segment has an extension: a `.` that is neither its first nor its last character.
pub fn has_extension(segment: &str) -> bool {
    segment.rfind('.').is_some_and(|i| i > 0 && i + 1 < segment.len())
}

fn last_segment(path: &str) -> &str {
    path.trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

/// Whether `mount_path` looks like a directory although the mounted file is called `file`.
pub fn looks_like_directory(mount_path: &str, file: &str) -> bool {
    let trimmed = mount_path.trim_end_matches('/');
    if trimmed.is_empty() {
        return false; // `/` itself: the API rejects mounting over the root elsewhere
    }
    let last = last_segment(trimmed);
    if last == file {
        return false;
    }
    if mount_path.ends_with('/') {
        return true;
    }
    if last.ends_with(".d") && last.len() > 2 {
        return true;
    }
    if let Some(rest) = last.strip_prefix('.') {
        return !rest.is_empty() && DOT_DIRECTORIES.contains(&last);
    }
    if has_extension(last) {
        return false;
    }
    let parent = trimmed[..trimmed.len() - last.len()].trim_end_matches('/');
    !matches!(last_segment(parent), "bin" | "sbin")
}

fn key(k: &str) -> PathElem {
    PathElem::Key(k.to_owned())
}

/// Why the subPath is one file.
enum Evidence<'i, 'a> {
    /// `items[k].path` of the volume; the path relative to the volume entry.
    ItemPath(Vec<PathElem>),
    /// A data key of a referenced object in the set.
    Key { entry: &'i Entry<'a>, field: &'static str },
    /// The subPath has a file extension (the object is not in the set).
    Shape,
}

/// Whether `sub_path` names a single file of a configMap/secret source (`kind`, reference `source`), with
/// the path of the source relative to the volume entry.
fn file_in_source<'i, 'a>(
    kind: &str,
    source: &Value,
    source_path: &[PathElem],
    name_key: &str,
    sub_path: &str,
    index: &'i Index<'a>,
    namespace: &str,
) -> Option<Evidence<'i, 'a>> {
    if let Some(items) = source.field("items").and_then(Value::as_array) {
        let at = items.iter().position(|i| {
            i.field("path").and_then(Value::as_str).is_some_and(|p| p.trim_start_matches("./") == sub_path)
        })?;
        let mut p = source_path.to_vec();
        p.extend([key("items"), PathElem::Index(at), key("path")]);
        return Some(Evidence::ItemPath(p));
    }
    let name = source.field(name_key).and_then(Value::as_str).unwrap_or("");
    match index.get(kind, namespace, name).filter(|e| e.content_known && !name.is_empty()) {
        Some(entry) => {
            let fields = crate::index::data_fields(kind);
            let field = fields
                .iter()
                .find(|f| entry.value.get(**f).and_then(Value::as_object).is_some_and(|m| m.contains_key(sub_path)))?;
            Some(Evidence::Key { entry, field })
        }
        None => (!sub_path.contains('/') && has_extension(sub_path)).then_some(Evidence::Shape),
    }
}

/// The evidence that `sub_path` is one file of `volume`.
fn single_file<'i, 'a>(
    volume: &Value,
    sub_path: &str,
    index: &'i Index<'a>,
    namespace: &str,
) -> Option<(Evidence<'i, 'a>, String)> {
    if let Some(s) = volume.field("configMap").filter(|s| s.is_object()) {
        let name = s.field("name").and_then(Value::as_str).unwrap_or("");
        let ev = file_in_source("ConfigMap", s, &[key("configMap")], "name", sub_path, index, namespace)?;
        return Some((ev, format!("ConfigMap {name}")));
    }
    if let Some(s) = volume.field("secret").filter(|s| s.is_object()) {
        let name = s.field("secretName").and_then(Value::as_str).unwrap_or("");
        let ev = file_in_source("Secret", s, &[key("secret")], "secretName", sub_path, index, namespace)?;
        return Some((ev, format!("Secret {name}")));
    }
    let sources = volume.pointer_at("/projected/sources").and_then(Value::as_array)?;
    for (i, src) in sources.iter().enumerate() {
        for (field, kind) in [("configMap", "ConfigMap"), ("secret", "Secret")] {
            let Some(s) = src.get(field).filter(|s| s.is_object()) else { continue };
            let path = [key("projected"), key("sources"), PathElem::Index(i), key(field)];
            if let Some(ev) = file_in_source(kind, s, &path, "name", sub_path, index, namespace) {
                let name = s.field("name").and_then(Value::as_str).unwrap_or("");
                return Some((ev, format!("{kind} {name}")));
            }
        }
    }
    None
}

/// Reports each single-file subPath mount whose mountPath looks like a directory.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let spec = input.target.value;
    let Some(volumes) = spec.field("volumes").and_then(Value::as_array) else { return Vec::new() };
    let namespace = input.resource.object.namespace.clone().unwrap_or_else(|| input.config.default_namespace.clone());
    let spec_path = crate::workload::pod_spec_path(&input.resource.object.kind).unwrap_or_default();
    let this = input.index.position_of(input.resource).map(|i| input.index.entry(i));
    let mut hits = Vec::new();
    for list in crate::workload::CONTAINER_LISTS {
        let Some(containers) = spec.get(*list).and_then(Value::as_array) else { continue };
        for (ci, c) in containers.iter().enumerate() {
            let Some(mounts) = c.field("volumeMounts").and_then(Value::as_array) else { continue };
            for (mi, m) in mounts.iter().enumerate() {
                let (Some(sub_path), Some(mount_path), Some(vname)) = (
                    m.field("subPath").and_then(Value::as_str),
                    m.field("mountPath").and_then(Value::as_str),
                    m.field("name").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let sub_path = sub_path.trim_start_matches("./");
                if sub_path.is_empty() || sub_path.ends_with('/') {
                    continue;
                }
                // The first volume of that name is the one the kubelet uses.
                let Some((vi, volume)) =
                    volumes.iter().enumerate().find(|(_, v)| v.field("name").and_then(Value::as_str) == Some(vname))
                else {
                    continue;
                };
                let file = last_segment(sub_path);
                if !looks_like_directory(mount_path, file) {
                    continue;
                }
                let Some((evidence, reference)) = single_file(volume, sub_path, input.index, &namespace) else {
                    continue;
                };
                let (source, related): (String, Option<Related>) = match evidence {
                    Evidence::ItemPath(rel) => {
                        let mut full = spec_path.clone();
                        full.extend([key("volumes"), PathElem::Index(vi)]);
                        full.extend(rel);
                        let label = format!("items[].path {sub_path} projects a single file of {reference}");
                        let related = this.and_then(|e| input.index.related(e, &full, label));
                        (format!("an items[].path of volume {vname}"), related)
                    }
                    Evidence::Key { entry, field } => {
                        let label = format!("{sub_path} is a single key of {reference}");
                        let related = input.index.related(entry, &[key(field), key(sub_path)], label);
                        (format!("a key of {reference}"), related)
                    }
                    Evidence::Shape => (format!("a file name (from {reference})"), None),
                };
                let mut vars = Map::new();
                vars.insert("container".into(), json!(crate::workload::container_name(c, ci)));
                vars.insert("volume".into(), json!(vname));
                vars.insert("subPath".into(), json!(sub_path));
                vars.insert("mountPath".into(), json!(mount_path));
                vars.insert("file".into(), json!(file));
                vars.insert("suggestion".into(), json!(format!("{}/{file}", mount_path.trim_end_matches('/'))));
                vars.insert("source".into(), json!(source));
                let path =
                    vec![key(list), PathElem::Index(ci), key("volumeMounts"), PathElem::Index(mi), key("mountPath")];
                hits.push(Hit { path, vars, related: related.into_iter().collect(), ..Default::default() });
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::super::config_rollout::test_support::{run as run_set, Root};
    use super::*;

    fn run(text: &str) -> Vec<(String, Hit)> {
        run_set(check, &json!({}), text, Root::PodSpec, (1, 34))
    }

    fn pod(mounts: &str, volumes: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  containers:\n    - name: app\n      \
             image: x:1\n      volumeMounts: {mounts}\n  volumes: {volumes}\n"
        )
    }

    #[test]
    fn directory_looking_mount_paths() {
        assert!(looks_like_directory("/etc/nginx/conf.d", "gzip.conf"));
        assert!(looks_like_directory("/etc/nginx/conf.d/", "gzip.conf"));
        assert!(looks_like_directory("/etc/app/", "app.conf"));
        assert!(!looks_like_directory("/etc/app/app.conf/", "app.conf"));
        assert!(looks_like_directory("/etc/nginx", "nginx.conf"));
        assert!(looks_like_directory("/root/.ssh", "id_rsa"));
        assert!(!looks_like_directory("/etc/nginx/conf.d/gzip.conf", "gzip.conf"));
        assert!(!looks_like_directory("/etc/nginx/nginx.conf", "nginx-prod.conf"));
        assert!(!looks_like_directory("/etc/ssl/password", "password"));
        assert!(!looks_like_directory("/usr/local/bin/entrypoint", "entrypoint.sh"));
        assert!(!looks_like_directory("/root/.bashrc", "bashrc"));
        assert!(!looks_like_directory("/", "a.conf"));
        assert!(has_extension("gzip.conf") && !has_extension(".env") && !has_extension("conf.") && !has_extension("x"));
    }

    #[test]
    fn file_by_shape_items_and_keys() {
        // Object not in the set: the subPath's shape decides.
        let vols = "[{name: c, configMap: {name: nginx}}]";
        let hits = run(&pod("[{name: c, mountPath: /etc/nginx/conf.d, subPath: gzip.conf}]", vols));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].0, "spec.containers[0].volumeMounts[0].mountPath");
        assert_eq!(hits[0].1.vars["suggestion"], json!("/etc/nginx/conf.d/gzip.conf"));
        assert!(hits[0].1.related.is_empty());
        assert!(run(&pod("[{name: c, mountPath: /etc/nginx/conf.d, subPath: html}]", vols)).is_empty());
        // An items[].path is one file, even without an extension; a directory of items is not.
        let vols = "[{name: c, secret: {secretName: s, items: [{key: k, path: password}, {key: l, path: d/x.conf}]}}]";
        let hits = run(&pod("[{name: c, mountPath: /etc/creds, subPath: password}]", vols));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].1.related.len(), 1);
        assert!(run(&pod("[{name: c, mountPath: /etc/conf, subPath: d}]", vols)).is_empty());
        // A key of an object in the set is one file; a name that is not a key is left alone.
        let cm = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {settings: x}\n";
        let vols = "[{name: c, projected: {sources: [{secret: {name: other}}, {configMap: {name: cfg}}]}}]";
        let hits = run(&(pod("[{name: c, mountPath: /etc/app, subPath: settings}]", vols) + cm));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].1.vars["source"], json!("a key of ConfigMap cfg"));
        assert_eq!(hits[0].1.related.len(), 1);
        assert!(run(&(pod("[{name: c, mountPath: /etc/app, subPath: missing.conf}]", vols) + cm)).len() == 1);
        let vols = "[{name: c, configMap: {name: cfg}}]";
        assert!(run(&(pod("[{name: c, mountPath: /etc/app, subPath: missing.conf}]", vols) + cm)).is_empty());
    }
}
