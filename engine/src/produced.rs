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
                out.push(Produced { kind: "Secret", name: non_empty(at).unwrap_or_default(), at, by });
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
                out.push(Produced { kind: "Secret", name: non_empty(at).unwrap_or_default(), at, by });
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
                    out.push(Produced { kind: "Secret", name, at, by });
                }
            }
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
        let plain = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n";
        assert!(names(plain).is_empty());
    }
}
