//! Identity of Kubernetes objects: `apiVersion`/`kind`/`metadata`, effective namespace, `kind: List`
//! expansion and the `manifest-identity` problems.

use crate::finding::{ObjectRef, Severity};
use crate::source::{FileId, SourceFile, Span};
use crate::value::Fields;
use crate::yaml::{Document, Located, PathElem, Problem};
use serde_json::Value;

/// Kinds that have no namespace.
pub const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterIssuer",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CustomResourceDefinition",
    "DeviceClass",
    "FlowSchema",
    "IPAddress",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "ServiceCIDR",
    "StorageClass",
    "StorageVersionMigration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
    "VolumeSnapshotClass",
    "VolumeSnapshotContent",
    "ClusterPodMonitoring",
    "ClusterRules",
    "ClusterNodeMonitoring",
];

/// Whether objects of `kind` are cluster-scoped.
pub fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED.contains(&kind)
}

/// One Kubernetes object: a document, or an item of a `kind: List`.
#[derive(Debug, Clone)]
pub struct Resource {
    /// File it comes from.
    pub file: FileId,
    /// Index into that file's documents.
    pub doc: usize,
    /// Path from the document root to the object (empty, or `items[3]` for List items).
    pub base: Vec<PathElem>,
    /// Identity, with the effective namespace.
    pub object: ObjectRef,
    /// API group (`apps`, `""` for core).
    pub group: String,
}

impl Resource {
    /// The object as a located node inside `doc`.
    pub fn node<'d>(&self, doc: &'d Document) -> Located<'d> {
        doc.root().get(&self.base).unwrap_or_else(|| doc.root())
    }
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Identifies the objects of one document (expanding Lists) and reports identity problems.
pub fn identify(
    file_id: FileId,
    file: &SourceFile,
    doc_idx: usize,
    doc: &Document,
    default_namespace: &str,
    out: &mut Vec<Resource>,
    problems: &mut Vec<Problem>,
) {
    let mut base = Vec::new();
    visit(file_id, file, doc_idx, doc, doc.root(), &mut base, default_namespace, out, problems);
}

/// Kinds that are complete without `metadata.name`: create-only review requests (the API server answers them
/// and stores nothing) and well-known tool inputs shaped like custom resources, which the tool names itself.
/// By API group (the version does not matter) and kind.
pub const NAME_OPTIONAL: &[(&str, &str)] = &[
    ("authentication.k8s.io", "TokenReview"),
    ("authentication.k8s.io", "SelfSubjectReview"),
    ("authorization.k8s.io", "SubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectAccessReview"),
    ("authorization.k8s.io", "LocalSubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectRulesReview"),
    // `istioctl install -f` input; istioctl names the installed object (`installed-state`).
    ("install.istio.io", "IstioOperator"),
];

fn name_optional(api_version: Option<&str>, kind: Option<&str>) -> bool {
    let (Some(api_version), Some(kind)) = (api_version, kind) else { return false };
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    NAME_OPTIONAL.iter().any(|(g, k)| *g == group && *k == kind)
}

#[allow(clippy::too_many_arguments)]
fn visit(
    file_id: FileId,
    file: &SourceFile,
    doc_idx: usize,
    doc: &Document,
    node: Located<'_>,
    base: &mut Vec<PathElem>,
    default_namespace: &str,
    out: &mut Vec<Resource>,
    problems: &mut Vec<Problem>,
) {
    let what = if base.is_empty() {
        format!("Document {}", doc.index)
    } else {
        format!("Document {} item {}", doc.index, crate::yaml::path_string(base))
    };
    let first_line_span = |n: &Located<'_>| n.spans.report_span(&file.text);
    let mut problem = |span: Span, message: String, help: &str| {
        problems.push(Problem {
            rule: "manifest-identity",
            severity: Severity::Error,
            span,
            message,
            help: Some(help.to_owned()),
            related: Vec::new(),
            path: crate::yaml::path_string(base),
        })
    };
    let Value::Object(map) = node.value else {
        let kind = match node.value {
            Value::Array(_) => "a list",
            Value::String(_) => "a string",
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::Object(_) => "a mapping",
        };
        problem(
            first_line_span(&node),
            format!("{what} is {kind}, not a Kubernetes object"),
            "A manifest document must be a mapping with apiVersion, kind and metadata.",
        );
        return;
    };
    let api_version = str_at(node.value, "apiVersion");
    let kind = str_at(node.value, "kind");
    if doc.flattened {
        return; // yaml-lost-indentation already explains this document
    }
    let mut missing = Vec::new();
    if api_version.is_none() {
        missing.push("apiVersion");
    }
    if kind.is_none() {
        missing.push("kind");
    }
    // `kind: List` (and `*List` kinds with items) expand into their items.
    if let Some(k) = kind {
        if k == "List" || (k.ends_with("List") && map.field("items").is_some()) {
            match map.field("items") {
                Some(Value::Array(items)) => {
                    for i in 0..items.len() {
                        base.push(PathElem::Key("items".into()));
                        base.push(PathElem::Index(i));
                        if let Some(item) = doc.root().get(base) {
                            visit(file_id, file, doc_idx, doc, item, base, default_namespace, out, problems);
                        }
                        base.truncate(base.len() - 2);
                    }
                }
                _ => {
                    let span = node
                        .child(&PathElem::Key("items".into()))
                        .or_else(|| node.child(&PathElem::Key("kind".into())))
                        .map_or_else(|| first_line_span(&node), |n| n.spans.report_span(&file.text));
                    problem(
                        span,
                        format!("{what} is a {k} without an items list"),
                        "Give the List an `items:` sequence of objects.",
                    );
                }
            }
            return;
        }
    }
    let metadata = node.value.field("metadata");
    let name = metadata.and_then(|m| str_at(m, "name"));
    let generate_name = metadata.and_then(|m| str_at(m, "generateName"));
    if name.is_none() && generate_name.is_none() && !name_optional(api_version, kind) {
        missing.push("metadata.name");
    }
    if !missing.is_empty() {
        // Missing apiVersion/kind: the document's first line; missing name: the `metadata` key.
        let anchor =
            if api_version.is_none() || kind.is_none() { None } else { node.child(&PathElem::Key("metadata".into())) };
        let span = anchor.map_or_else(|| first_line_span(&node), |n| n.spans.report_span(&file.text));
        problem(
            span,
            format!("{what} has no {}", missing.join(", ")),
            "Every object needs apiVersion, kind and metadata.name (or metadata.generateName).",
        );
        if api_version.is_none() || kind.is_none() {
            return;
        }
    }
    let api_version = api_version.unwrap_or_default().to_owned();
    let kind = kind.unwrap_or_default().to_owned();
    let namespace = if is_cluster_scoped(&kind) {
        None
    } else {
        Some(
            metadata
                .and_then(|m| str_at(m, "namespace"))
                .filter(|n| !n.is_empty())
                .unwrap_or(default_namespace)
                .to_owned(),
        )
    };
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g).to_owned();
    out.push(Resource {
        file: file_id,
        doc: doc_idx,
        base: base.clone(),
        object: ObjectRef { api_version, kind, namespace, name: name.or(generate_name).unwrap_or_default().to_owned() },
        group,
    });
}
