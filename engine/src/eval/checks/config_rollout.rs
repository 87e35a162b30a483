//! `config-rollout`: a workload whose containers read a ConfigMap or Secret at start — through `env`
//! (`configMapKeyRef`/`secretKeyRef`), `envFrom`, or a `subPath`/`subPathExpr` mount of a configMap, secret or
//! projected volume — and nothing that makes a change of that object roll the workload.
//!
//! One hit per (workload, referenced object), at its first reference in document order. Quiet when:
//! - the referenced object (in the set, content known) is `immutable: true`;
//! - its name carries a content hash: the kustomize/kubectl suffix (`-` + 10 characters of
//!   `[2456789bcdfghkmt]`, the alphabet of `encode` in kustomize `api/hasher/hasher.go`: the first ten hex
//!   digits of a SHA-256 with `0 1 3 a e` replaced by `g h k m t`), or a final `-` segment of at least
//!   [`MIN_HEX_SUFFIX`] lowercase hex digits containing at least one decimal digit (`-5f4dcc3b`, a git SHA);
//! - the pod template carries a checksum-style annotation: a key containing `checksum`, `hash`, `sha256` or
//!   `md5` (Helm's `checksum/config`, `config-hash`, kpt `hash-dependency`);
//! - the workload asks a controller to restart it: Stakater Reloader (`reloader.stakater.com/auto: "true"`,
//!   `configmap.reloader.stakater.com/auto`, `secret.reloader.stakater.com/auto`, or the object named in
//!   `configmap.reloader.stakater.com/reload` / `secret.reloader.stakater.com/reload`) or Wave
//!   (`wave.pusher.com/update-on-config-change: "true"`).
//!
//! Values: `check.kind`, `check.name` (the workload), `check.ref` (`ConfigMap app-config`), `check.refKind`,
//! `check.refName`, `check.container`, `check.via` (`env`, `envFrom`, `a subPath mount`).

use super::{CheckInput, Hit};
use crate::index::{data_keys, Index};
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// Shortest all-hex final name segment taken as a content hash.
pub const MIN_HEX_SUFFIX: usize = 8;

/// The characters of a kustomize/kubectl name-suffix hash.
const KUSTOMIZE_HASH_ALPHABET: &[u8] = b"2456789bcdfghkmt";

/// Whether `name` ends with a content hash (see the module docs).
pub fn has_content_hash(name: &str) -> bool {
    let Some((stem, last)) = name.rsplit_once('-') else { return false };
    if stem.is_empty() {
        return false;
    }
    let kustomize = last.len() == 10 && last.bytes().all(|b| KUSTOMIZE_HASH_ALPHABET.contains(&b));
    let hex = last.len() >= MIN_HEX_SUFFIX
        && last.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && last.bytes().any(|b| b.is_ascii_digit());
    kustomize || hex
}

/// Whether a pod template annotation key is a checksum-style annotation.
pub fn is_checksum_annotation(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["checksum", "hash", "sha256", "md5"].iter().any(|w| k.contains(w))
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        Some(Value::Bool(b)) => *b,
        _ => false,
    }
}

/// Whether a controller restarts the workload when `kind`/`name` changes (Reloader, Wave).
fn restarted_by_controller(annotations: Option<&Map<String, Value>>, kind: &str, name: &str) -> bool {
    let Some(a) = annotations else { return false };
    let prefix = if kind == "Secret" { "secret" } else { "configmap" };
    if truthy(a.field("reloader.stakater.com/auto"))
        || truthy(a.get(&format!("{prefix}.reloader.stakater.com/auto")))
        || truthy(a.field("wave.pusher.com/update-on-config-change"))
    {
        return true;
    }
    a.get(&format!("{prefix}.reloader.stakater.com/reload"))
        .and_then(Value::as_str)
        .is_some_and(|list| list.split(',').any(|n| n.trim() == name))
}

/// One consumption of a ConfigMap or Secret by a container.
struct Reference {
    kind: &'static str,
    name: String,
    path: Vec<PathElem>,
    container: String,
    via: &'static str,
}

fn key(k: &str) -> PathElem {
    PathElem::Key(k.to_owned())
}

/// The configMap/secret sources of a projected volume that a mount with `sub_path` (None: `subPathExpr`,
/// unknown) reads. A source whose `items` (or, without items, whose known keys) hold the first segment of
/// the subPath certainly provides it; when none does, every source that might (no items, content unknown).
fn projected_sources(
    sources: &[Value],
    sub_path: Option<&str>,
    index: &Index<'_>,
    namespace: &str,
) -> Vec<(&'static str, String)> {
    let mut certain = Vec::new();
    let mut maybe = Vec::new();
    let first = sub_path.map(|s| s.trim_start_matches("./").split('/').next().unwrap_or(""));
    for src in sources {
        let (kind, source) = match (src.field("configMap"), src.field("secret")) {
            (Some(s), _) if s.is_object() => ("ConfigMap", s),
            (_, Some(s)) if s.is_object() => ("Secret", s),
            _ => continue,
        };
        let Some(name) = source.field("name").and_then(Value::as_str).filter(|n| !n.is_empty()) else { continue };
        let Some(first) = first else {
            maybe.push((kind, name.to_owned()));
            continue;
        };
        if let Some(items) = source.field("items").and_then(Value::as_array) {
            let provides = items.iter().filter_map(|i| i.field("path").and_then(Value::as_str)).any(|p| {
                let p = p.trim_start_matches("./");
                p.split('/').next() == Some(first)
            });
            if provides {
                certain.push((kind, name.to_owned()));
            }
            continue;
        }
        match index.get(kind, namespace, name).filter(|e| e.content_known) {
            Some(entry) => {
                if data_keys(kind, entry.value).contains(&first) {
                    certain.push((kind, name.to_owned()));
                }
            }
            None => maybe.push((kind, name.to_owned())),
        }
    }
    if certain.is_empty() {
        maybe
    } else {
        certain
    }
}

/// Every ConfigMap/Secret consumption of the pod spec, in document order (paths relative to the pod spec).
fn references(spec: &Value, index: &Index<'_>, namespace: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    let Some(spec_map) = spec.as_object() else { return out };
    let volumes = spec.field("volumes").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    for (list, containers) in spec_map {
        if !crate::workload::CONTAINER_LISTS.contains(&list.as_str()) {
            continue;
        }
        let Some(containers) = containers.as_array() else { continue };
        for (ci, c) in containers.iter().enumerate() {
            let Some(fields) = c.as_object() else { continue };
            let cname = crate::workload::container_name(c, ci);
            let base = [key(list), PathElem::Index(ci)];
            let mut push = |kind: &'static str, name: &str, rel: &[PathElem], via: &'static str| {
                if name.is_empty() || crate::index::is_unrendered_name(name) {
                    return;
                }
                let mut path = base.to_vec();
                path.extend_from_slice(rel);
                out.push(Reference { kind, name: name.to_owned(), path, container: cname.clone(), via });
            };
            for (field, value) in fields {
                let Some(items) = value.as_array() else { continue };
                match field.as_str() {
                    "env" => {
                        for (j, e) in items.iter().enumerate() {
                            for (sel, kind) in [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")] {
                                if let Some(n) = e.pointer(&format!("/valueFrom/{sel}/name")).and_then(Value::as_str) {
                                    let rel = [key("env"), PathElem::Index(j), key("valueFrom"), key(sel), key("name")];
                                    push(kind, n, &rel, "env");
                                }
                            }
                        }
                    }
                    "envFrom" => {
                        for (j, e) in items.iter().enumerate() {
                            for (sel, kind) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")] {
                                if let Some(n) = e.get(sel).and_then(|r| r.field("name")).and_then(Value::as_str) {
                                    push(
                                        kind,
                                        n,
                                        &[key("envFrom"), PathElem::Index(j), key(sel), key("name")],
                                        "envFrom",
                                    );
                                }
                            }
                        }
                    }
                    "volumeMounts" => {
                        for (j, m) in items.iter().enumerate() {
                            let sub_path = m.field("subPath").and_then(Value::as_str).filter(|s| !s.is_empty());
                            let expr = m.field("subPathExpr").and_then(Value::as_str).filter(|s| !s.is_empty());
                            let at = match (sub_path, expr) {
                                (Some(_), _) => "subPath",
                                (None, Some(_)) => "subPathExpr",
                                (None, None) => continue,
                            };
                            let Some(vname) = m.field("name").and_then(Value::as_str) else { continue };
                            // The first volume of that name is the one the kubelet uses.
                            let Some(volume) =
                                volumes.iter().find(|v| v.field("name").and_then(Value::as_str) == Some(vname))
                            else {
                                continue;
                            };
                            let rel = [key("volumeMounts"), PathElem::Index(j), key(at)];
                            let via = "a subPath mount";
                            if let Some(n) = volume.pointer_at("/configMap/name").and_then(Value::as_str) {
                                push("ConfigMap", n, &rel, via);
                            } else if let Some(n) = volume.pointer_at("/secret/secretName").and_then(Value::as_str) {
                                push("Secret", n, &rel, via);
                            } else if let Some(sources) =
                                volume.pointer_at("/projected/sources").and_then(Value::as_array)
                            {
                                for (kind, n) in projected_sources(sources, sub_path, index, namespace) {
                                    push(kind, &n, &rel, via);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

/// Reports each ConfigMap/Secret a workload reads at container start whose changes do not roll it.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let object = input.object;
    let kind = input.resource.object.kind.as_str();
    let (Some(template_path), Some(spec_path)) =
        (crate::workload::template_path(kind), crate::workload::pod_spec_path(kind))
    else {
        return Vec::new();
    };
    let Some(template) = input.target.get(&template_path) else { return Vec::new() };
    let template_annotations = template.value.pointer_at("/metadata/annotations").and_then(Value::as_object);
    if template_annotations.is_some_and(|a| a.keys().any(|k| is_checksum_annotation(k))) {
        return Vec::new();
    }
    let Some(spec) = template.value.field("spec") else { return Vec::new() };
    let workload_annotations = object.pointer_at("/metadata/annotations").and_then(Value::as_object);
    let namespace = input.resource.object.namespace.clone().unwrap_or_else(|| input.config.default_namespace.clone());
    let mut seen: Vec<(&'static str, String)> = Vec::new();
    let mut hits = Vec::new();
    for r in references(spec, input.index, &namespace) {
        if seen.iter().any(|(k, n)| *k == r.kind && *n == r.name) {
            continue;
        }
        seen.push((r.kind, r.name.clone()));
        if has_content_hash(&r.name) || restarted_by_controller(workload_annotations, r.kind, &r.name) {
            continue;
        }
        let entry = input.index.get_near(r.kind, &namespace, &r.name, input.resource.file);
        if entry.is_some_and(|e| e.has_content_hash()) {
            continue; // a kustomize generator's output: its real name has the content hash
        }
        let known = entry.filter(|e| e.content_known);
        if known.is_some_and(|e| e.value.field("immutable") == Some(&Value::Bool(true))) {
            continue;
        }
        let mut vars = Map::new();
        vars.insert("kind".into(), json!(kind));
        vars.insert("name".into(), json!(input.resource.object.name));
        vars.insert("ref".into(), json!(format!("{} {}", r.kind, r.name)));
        vars.insert("refKind".into(), json!(r.kind));
        vars.insert("refName".into(), json!(r.name));
        vars.insert("container".into(), json!(r.container));
        vars.insert("via".into(), json!(r.via));
        let label = format!("{} {} is mutable and its name has no content hash", r.kind, r.name);
        let related = entry.and_then(|e| input.index.related(e, &[key("metadata"), key("name")], label));
        let mut path = spec_path.clone();
        path.extend(r.path);
        hits.push(Hit { path, vars, related: related.into_iter().collect(), ..Default::default() });
    }
    hits
}

#[cfg(test)]
pub(super) mod test_support {
    //! Runs a check template over a small set the way the evaluator does (index, identity, target roots).
    use super::super::{CheckFn, CheckInput, Hit};
    use crate::config::Config;
    use crate::source::{SourceFile, SourceMap};
    use crate::yaml::PathElem;
    use serde_json::Value;

    /// Where the check runs: the object, its pod spec, or each container.
    #[derive(Clone, Copy)]
    pub enum Root {
        Object,
        PodSpec,
        Container,
    }

    /// Runs `f` with `params` on every object of `text` whose kind carries a pod spec; hits with the full
    /// path from the object root, as a dotted string, plus the hit.
    pub fn run(f: CheckFn, params: &Value, text: &str, root: Root, version: (u32, u32)) -> Vec<(String, Hit)> {
        let config = Config { target_version: version, ..Config::default() };
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new("a.yaml", text.to_string()));
        let loaded = crate::yaml::load(sources.get(id));
        let mut resources = Vec::new();
        let mut problems = loaded.problems;
        for (i, doc) in loaded.documents.iter().enumerate() {
            crate::resource::identify(id, sources.get(id), i, doc, "default", &mut resources, &mut problems);
        }
        let files = [(loaded.documents, resources)];
        let views = files.iter().map(|(d, r)| (d.as_slice(), r.as_slice()));
        let store = crate::index::IndexStore::build_one_set(&sources, views, &config);
        let index = store.set(0);
        let params = params.as_object().cloned().unwrap_or_default();
        let mut out = Vec::new();
        let (documents, resources) = &files[0];
        for r in resources {
            let object = r.node(&documents[r.doc]);
            let kind = r.object.kind.as_str();
            let Some(spec_path) = crate::workload::pod_spec_path(kind) else { continue };
            let roots: Vec<Vec<PathElem>> = match root {
                Root::Object => vec![Vec::new()],
                Root::PodSpec => vec![spec_path],
                Root::Container => {
                    let mut v = Vec::new();
                    for list in crate::workload::CONTAINER_LISTS {
                        let mut p = spec_path.clone();
                        p.push(PathElem::Key((*list).to_owned()));
                        let n = object.get(&p).and_then(|l| l.value.as_array().map(Vec::len)).unwrap_or(0);
                        for i in 0..n {
                            let mut c = p.clone();
                            c.push(PathElem::Index(i));
                            v.push(c);
                        }
                    }
                    v
                }
            };
            for rp in roots {
                let Some(target) = object.get(&rp) else { continue };
                let input = CheckInput {
                    params: &params,
                    object: object.value,
                    target,
                    config: &config,
                    resource: r,
                    index: &index,
                };
                for hit in f(&input) {
                    let mut full = rp.clone();
                    full.extend(hit.path.iter().cloned());
                    out.push((crate::yaml::path_string(&full), hit));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{run as run_set, Root};
    use super::*;

    fn run(text: &str) -> Vec<(String, Hit)> {
        run_set(check, &json!({}), text, Root::Object, (1, 34))
    }

    const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}ANNOTATIONS}
    spec:
      containers:
        - name: app
          image: app:1
          envFrom:
            - configMapRef: {name: settings}
          env:
            - name: A
              valueFrom: {configMapKeyRef: {name: settings, key: a}}
            - name: P
              valueFrom: {secretKeyRef: {name: db-credentials, key: password}}
          volumeMounts:
            - {name: conf, mountPath: /etc/app/app.conf, subPath: app.conf}
            - {name: whole, mountPath: /etc/whole}
      volumes:
        - {name: conf, configMap: {name: app-files}}
        - {name: whole, configMap: {name: live}}
";

    fn deployment(annotations: &str) -> String {
        DEPLOYMENT.replace("ANNOTATIONS", annotations)
    }

    #[test]
    fn one_hit_per_object_at_first_reference_in_document_order() {
        let hits = run(&deployment(""));
        let got: Vec<(&str, &Value, &Value)> =
            hits.iter().map(|(p, h)| (p.as_str(), &h.vars["ref"], &h.vars["via"])).collect();
        assert_eq!(
            got,
            [
                (
                    "spec.template.spec.containers[0].envFrom[0].configMapRef.name",
                    &json!("ConfigMap settings"),
                    &json!("envFrom")
                ),
                (
                    "spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.name",
                    &json!("Secret db-credentials"),
                    &json!("env")
                ),
                (
                    "spec.template.spec.containers[0].volumeMounts[0].subPath",
                    &json!("ConfigMap app-files"),
                    &json!("a subPath mount")
                ),
            ]
        );
        assert!(hits.iter().all(|(_, h)| h.related.is_empty()), "nothing referenced is in the set");
    }

    #[test]
    fn checksum_annotation_and_controllers_silence_it() {
        assert!(run(&deployment(", annotations: {checksum/config: abc}")).is_empty());
        assert!(run(&deployment(", annotations: {example.com/config-hash: abc}")).is_empty());
        let reloader = deployment("").replace(
            "namespace: shop}",
            "namespace: shop, annotations: {secret.reloader.stakater.com/reload: 'other, db-credentials'}}",
        );
        let refs: Vec<Value> = run(&reloader).into_iter().map(|(_, h)| h.vars["ref"].clone()).collect();
        assert_eq!(refs, [json!("ConfigMap settings"), json!("ConfigMap app-files")]);
        let auto = deployment("")
            .replace("namespace: shop}", "namespace: shop, annotations: {reloader.stakater.com/auto: 'true'}}");
        assert!(run(&auto).is_empty());
    }

    #[test]
    fn immutable_objects_and_hashed_names_are_quiet() {
        let set = deployment("")
            + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\n"
            + "immutable: true\ndata: {a: '1'}\n"
            + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: db-credentials, namespace: shop}\n"
            + "immutable: false\n";
        let hits = run(&set);
        let refs: Vec<&Value> = hits.iter().map(|(_, h)| &h.vars["ref"]).collect();
        assert_eq!(refs, [&json!("Secret db-credentials"), &json!("ConfigMap app-files")]);
        assert_eq!(hits[0].1.related.len(), 1, "the Secret is in the set");
        let hashed = deployment("").replace("name: settings", "name: settings-m2k7f9h4tb");
        let refs: Vec<Value> = run(&hashed).into_iter().map(|(_, h)| h.vars["ref"].clone()).collect();
        assert_eq!(refs, [json!("Secret db-credentials"), json!("ConfigMap app-files")]);
    }

    #[test]
    fn projected_sub_path_reads_the_source_that_holds_it() {
        let text = "\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      containers:
        - name: c
          image: x:1
          volumeMounts: [{name: bundle, mountPath: /etc/db/tls.crt, subPath: tls.crt}]
      volumes:
        - name: bundle
          projected:
            sources:
              - configMap: {name: db-config}
              - secret: {name: db-tls, items: [{key: tls.crt, path: tls.crt}]}
              - configMap: {name: unknown}
";
        let refs: Vec<Value> = run(text).into_iter().map(|(_, h)| h.vars["ref"].clone()).collect();
        assert_eq!(refs, [json!("Secret db-tls")]);
        // Without items anywhere, every source whose keys are unknown might provide it.
        let text = text.replace(", items: [{key: tls.crt, path: tls.crt}]", "");
        let refs: Vec<Value> = run(&text).into_iter().map(|(_, h)| h.vars["ref"].clone()).collect();
        assert_eq!(refs, [json!("ConfigMap db-config"), json!("Secret db-tls"), json!("ConfigMap unknown")]);
    }

    #[test]
    fn content_hash_suffixes() {
        for name in
            ["app-config-m2k7f9h4tb", "app-config-5f4dcc3b", "cfg-5f4dcc3b5aa765d61d8327deb882cf99", "x-20240101"]
        {
            assert!(has_content_hash(name), "{name}");
        }
        for name in [
            "app-config",
            "app-config-m2k7f9h4ta", // `a` is not in the alphabet
            "app-config-m2k7f9h4t",  // 9 characters
            "app-config-deadbeef",   // no decimal digit
            "app-config-5f4dcc3",    // 7 hex digits
            "m2k7f9h4tb",            // no stem
            "-m2k7f9h4tb",
            "settings-v2",
        ] {
            assert!(!has_content_hash(name), "{name}");
        }
        assert!(is_checksum_annotation("checksum/config"));
        assert!(is_checksum_annotation("configHash"));
        assert!(!is_checksum_annotation("prometheus.io/scrape"));
    }
}
