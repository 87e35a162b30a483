//! Findings: what a rule reports, with its location, message, help and related locations.

use crate::source::{FileId, Span};
use serde::Serialize;
use std::fmt;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Advice.
    Info,
    /// Works but is risky or very likely wrong.
    Warning,
    /// Rejected by the API server, or can never work.
    Error,
}

impl Severity {
    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    /// Parses `error`, `warning` or `info`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Kubernetes object a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    /// `apiVersion` as written.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// Effective namespace; `None` for cluster-scoped kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.name` (or `generateName`, or empty).
    pub name: String,
}

/// A secondary location (e.g. the PersistentVolume that cannot satisfy a claim, maybe in another file).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Related {
    /// File of the related location.
    pub file: FileId,
    /// Span in that file.
    pub span: Span,
    /// What this location is.
    pub message: String,
}

/// One diagnostic.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Finding {
    /// Rule id, e.g. `pv-reclaim-recycle`.
    pub rule: String,
    /// Severity after config overrides.
    pub severity: Severity,
    /// File of the primary location.
    pub file: FileId,
    /// Primary span.
    pub span: Span,
    /// The object, when the finding is about one.
    pub object: Option<ObjectRef>,
    /// JSON path inside the object, e.g. `spec.template.spec.volumes[0].hostPath.path`.
    pub path: String,
    /// What is wrong, naming the actual values.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Label shown under the snippet (short); defaults to the message.
    pub label: Option<String>,
    /// Secondary locations.
    pub related: Vec<Related>,
}

impl Finding {
    /// An error about the user's input that is not an object (a configuration, a rule file): at `span` of
    /// `file`, with no object, path, label or related location.
    pub fn input_error(rule: &str, file: FileId, span: Span, message: String, help: Option<String>) -> Finding {
        Finding {
            rule: rule.into(),
            severity: Severity::Error,
            file,
            span,
            object: None,
            path: String::new(),
            message,
            help,
            label: None,
            related: Vec::new(),
        }
    }

    /// Sort key: file, position, rule, message — independent of thread scheduling.
    pub fn sort_key(&self) -> (FileId, u32, u32, &str, &str) {
        (self.file, self.span.start, self.span.end, self.rule.as_str(), self.message.as_str())
    }
}
