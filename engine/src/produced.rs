//! Objects that controllers of the set create at runtime, so that references to them are not reported
//! missing (`config-ref-object-missing`, `image-pull-secret-missing`): the Secret a cert-manager `Certificate`
//! writes, the serving certificate OpenShift's service CA writes for an annotated Service, the Secrets of the
//! common secret operators (External Secrets, Sealed Secrets, Vault Secrets Operator, 1Password), and the Secret
//! an admission webhook's certificate Job creates (`kube-webhook-certgen create --secret-name=…`).
//!
//! The content of such a Secret (its type and keys) is unknown to kvet: the index marks it `content_known:
//! false`, so rules about keys and types stay quiet on it.

use crate::workload::{pod_spec_path, CONTAINER_LISTS};
use crate::yaml::{Located, PathElem};
use serde_json::Value;

/// One object a controller will create from an object of the set.
pub struct Produced<'a> {
    /// Kind of the created object (`Secret`).
    pub kind: &'static str,
    /// Its name, as written in the producing object.
    pub name: &'a str,
    /// The node that names it (the field, the annotation, the container argument).
    pub at: Located<'a>,
    /// Who creates it, for messages ("cert-manager (Certificate.spec.secretName)").
    pub by: &'static str,
    /// Whether the created name carries a hash of the content (kustomize generators, unless
    /// `disableNameSuffixHash`): a change creates a new object, and the workloads referring to it roll out.
    pub content_hash: bool,
}

/// Custom resources whose controller writes a Secret, by API group and kind: the JSON paths that name the
/// Secret, first present wins (an empty list of paths in front of `metadata.name` means "the object's own name").
const SECRET_WRITERS: &[(&str, &str, &[&[&str]], &str)] = &[
    ("cert-manager.io", "Certificate", &[&["spec", "secretName"]], "cert-manager (Certificate.spec.secretName)"),
    (
        "external-secrets.io",
        "ExternalSecret",
        &[&["spec", "target", "name"], &["metadata", "name"]],
        "External Secrets (ExternalSecret.spec.target.name, default metadata.name)",
    ),
    (
        "bitnami.com",
        "SealedSecret",
        &[&["spec", "template", "metadata", "name"], &["metadata", "name"]],
        "the Sealed Secrets controller (SealedSecret)",
    ),
    (
        "secrets.hashicorp.com",
        "VaultStaticSecret",
        &[&["spec", "destination", "name"]],
        "Vault Secrets Operator (spec.destination.name)",
    ),
    (
        "secrets.hashicorp.com",
        "VaultDynamicSecret",
        &[&["spec", "destination", "name"]],
        "Vault Secrets Operator (spec.destination.name)",
    ),
    (
        "secrets.hashicorp.com",
        "VaultPKISecret",
        &[&["spec", "destination", "name"]],
        "Vault Secrets Operator (spec.destination.name)",
    ),
    ("onepassword.com", "OnePasswordItem", &[&["metadata", "name"]], "the 1Password operator (OnePasswordItem)"),
];

/// Custom resources whose operator creates objects of fixed names in the resource's namespace.
/// (kind, name) of an object an operator creates.
type Created = (&'static str, &'static str);

const FIXED_WRITERS: &[(&str, &str, &[Created], &str)] = &[(
    "ceph.rook.io",
    "CephCluster",
    &[("Secret", "rook-ceph-mon"), ("ConfigMap", "rook-ceph-mon-endpoints")],
    "the Rook operator (CephCluster)",
)];

/// Service annotations that make OpenShift's service CA write a serving certificate Secret of that name.
const SERVING_CERT_ANNOTATIONS: &[&str] =
    &["service.beta.openshift.io/serving-cert-secret-name", "service.alpha.openshift.io/serving-cert-secret-name"];

/// The container argument of certificate-generating Jobs (`kube-webhook-certgen create --secret-name=NAME`,
/// used by ingress-nginx, kube-prometheus-stack and others) that names the Secret the Job writes.
const SECRET_NAME_ARG: &str = "--secret-name";

fn keys(path: &[&str]) -> Vec<PathElem> {
    path.iter().map(|k| PathElem::Key((*k).into())).collect()
}

fn non_empty(node: Located<'_>) -> Option<&str> {
    node.value.as_str().filter(|s| !s.is_empty())
}

/// The objects `object` (of `kind` and `api_version`) makes a controller create.
pub fn produced<'a>(api_version: &str, kind: &str, object: Located<'a>) -> Vec<Produced<'a>> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let mut out = Vec::new();
    for (g, k, paths, by) in SECRET_WRITERS {
        if *g == group && *k == kind {
            if let Some(at) = paths.iter().filter_map(|p| object.get(&keys(p))).find(|n| non_empty(*n).is_some()) {
                out.push(Produced {
                    kind: "Secret",
                    name: non_empty(at).unwrap_or_default(),
                    at,
                    by,
                    content_hash: false,
                });
            }
            return out;
        }
    }
    for (g, k, objects, by) in FIXED_WRITERS {
        if *g == group && *k == kind {
            for (kind, name) in *objects {
                out.push(Produced { kind, name, at: object, by, content_hash: false });
            }
            return out;
        }
    }
    if kind == "Service" && group.is_empty() {
        for a in SERVING_CERT_ANNOTATIONS {
            let path =
                [PathElem::Key("metadata".into()), PathElem::Key("annotations".into()), PathElem::Key((*a).into())];
            if let Some(at) = object.get(&path).filter(|n| non_empty(*n).is_some()) {
                let by = "OpenShift's service CA (serving-cert-secret-name annotation)";
                out.push(Produced {
                    kind: "Secret",
                    name: non_empty(at).unwrap_or_default(),
                    at,
                    by,
                    content_hash: false,
                });
            }
        }
        return out;
    }
    let Some(spec) = pod_spec_path(kind).and_then(|p| object.get(&p)) else { return out };
    for list in CONTAINER_LISTS {
        let Some(containers) = spec.child(&PathElem::Key((*list).into())) else { continue };
        let Value::Array(items) = containers.value else { continue };
        for i in 0..items.len() {
            let Some(container) = containers.child(&PathElem::Index(i)) else { continue };
            for field in ["command", "args"] {
                let Some(args) = container.child(&PathElem::Key(field.into())) else { continue };
                let Value::Array(words) = args.value else { continue };
                for (j, word) in words.iter().enumerate() {
                    let Some(word) = word.as_str() else { continue };
                    let name = match word.strip_prefix(SECRET_NAME_ARG) {
                        Some(rest) if rest.starts_with('=') => Some((j, &rest[1..])),
                        Some("") => words.get(j + 1).and_then(Value::as_str).map(|n| (j + 1, n)),
                        _ => None,
                    };
                    let Some((j, name)) = name.filter(|(_, n)| !n.is_empty() && !n.contains("$(")) else { continue };
                    let Some(at) = args.child(&PathElem::Index(j)) else { continue };
                    let by = "a certificate Job (container argument --secret-name)";
                    out.push(Produced { kind: "Secret", name, at, by, content_hash: false });
                }
            }
        }
    }
    out
}

/// The ConfigMaps and Secrets a kustomization's `configMapGenerator` and `secretGenerator` create (by the
/// generator's name: kustomize rewrites the references to the generated, hash-suffixed name), with the
/// namespace each is created in when the generator says (else the kustomization's `namespace`, else `None`).
pub fn kustomize_generated<'a>(kustomization: Located<'a>) -> Vec<(Option<&'a str>, Produced<'a>)> {
    let own_namespace = kustomization.value.get("namespace").and_then(Value::as_str).filter(|n| !n.is_empty());
    let no_hash = |options: Option<&Value>| {
        options.and_then(|o| o.get("disableNameSuffixHash")).and_then(Value::as_bool).unwrap_or(false)
    };
    let hash_by_default = !no_hash(kustomization.value.get("generatorOptions"));
    let mut out = Vec::new();
    for (field, kind) in [("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")] {
        let Some(list) = kustomization.child(&PathElem::Key(field.into())) else { continue };
        let Value::Array(items) = list.value else { continue };
        for i in 0..items.len() {
            let Some(item) = list.child(&PathElem::Index(i)) else { continue };
            let Some(at) = item.child(&PathElem::Key("name".into())) else { continue };
            let Some(name) = non_empty(at) else { continue };
            let namespace =
                item.value.get("namespace").and_then(Value::as_str).filter(|n| !n.is_empty()).or(own_namespace);
            let by = if kind == "Secret" { "a kustomize secretGenerator" } else { "a kustomize configMapGenerator" };
            let content_hash = match item.value.get("options").and_then(|o| o.get("disableNameSuffixHash")) {
                Some(v) => v.as_bool() != Some(true),
                None => hash_by_default,
            };
            out.push((namespace, Produced { kind, name, at, by, content_hash }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::value::Fields;

    fn names(text: &str) -> Vec<String> {
        let file = SourceFile::new("t.yaml", text);
        let loaded = crate::yaml::load(&file);
        let doc = &loaded.documents[0];
        let v = &doc.value;
        let api = v.field("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = v.field("kind").and_then(Value::as_str).unwrap_or("");
        produced(api, kind, doc.root()).iter().map(|p| format!("{} {}", p.kind, p.name)).collect()
    }

    #[test]
    fn controllers_write_secrets() {
        let cert =
            "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c}\nspec: {secretName: web-tls}\n";
        assert_eq!(names(cert), ["Secret web-tls"]);
        let es = "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: db}\nspec: {}\n";
        assert_eq!(names(es), ["Secret db"], "the target defaults to the ExternalSecret's name");
        let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n    \
                   service.beta.openshift.io/serving-cert-secret-name: s-tls\n";
        assert_eq!(names(svc), ["Secret s-tls"]);
        let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      \
                   containers:\n        - name: create\n          args: [create, --secret-name=x-admission, \
                   --namespace=$(POD_NAMESPACE)]\n        - name: other\n          args: [--secret-name, other-tls]\n";
        assert_eq!(names(job), ["Secret x-admission", "Secret other-tls"]);
        let rook = "apiVersion: ceph.rook.io/v1\nkind: CephCluster\nmetadata: {name: rook-ceph}\nspec: {}\n";
        assert_eq!(names(rook), ["Secret rook-ceph-mon", "ConfigMap rook-ceph-mon-endpoints"]);
        let plain = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n";
        assert!(names(plain).is_empty());
    }

    #[test]
    fn kustomize_generators_create_config() {
        let text = "namespace: shop\nconfigMapGenerator:\n  - name: settings\n    files: [a.env]\n\
                    secretGenerator:\n  - name: creds\n    namespace: other\n    literals: [a=b]\n  - files: [x]\n";
        let file = SourceFile::new("kustomization.yaml", text);
        let loaded = crate::yaml::load(&file);
        let got: Vec<String> = kustomize_generated(loaded.documents[0].root())
            .iter()
            .map(|(ns, p)| format!("{} {}/{}", p.kind, ns.unwrap_or("-"), p.name))
            .collect();
        assert_eq!(got, ["ConfigMap shop/settings", "Secret other/creds"]);
        let off = "generatorOptions: {disableNameSuffixHash: true}\nconfigMapGenerator:\n  - name: a\n  \
                   - name: b\n    options: {disableNameSuffixHash: false}\n";
        let file = SourceFile::new("kustomization.yaml", off);
        let loaded = crate::yaml::load(&file);
        let hashed: Vec<bool> =
            kustomize_generated(loaded.documents[0].root()).iter().map(|(_, p)| p.content_hash).collect();
        assert_eq!(hashed, [false, true]);
    }
}
