//! The rule file format (v1) as serde types. Unknown fields are errors.
#![allow(missing_docs)]

use serde::Deserialize;
use serde_json::{Map, Value};

/// What a rule looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Target {
    /// The whole object.
    Object,
    /// Each pod spec.
    PodSpec,
    /// Each pod template (metadata + spec).
    PodTemplate,
    /// Each container, init container and ephemeral container.
    Container,
}

/// What the schemas of a rule see.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// The resolved JSON value.
    #[default]
    Value,
    /// `{value, raw, style, tag}` of a scalar.
    Scalar,
}

macro_rules! condition_of {
    ($x:expr) => {
        Condition {
            when: $x.when.clone(),
            select: $x.select.clone(),
            view: $x.view,
            deny: $x.deny.clone(),
            assert: $x.assert.clone(),
            check: $x.check.clone(),
            require: $x.require.clone(),
            at: $x.at.clone(),
        }
    };
}

impl RuleFile {
    /// The rule-level condition.
    pub fn condition(&self) -> Condition {
        condition_of!(self)
    }
}

impl CaseFile {
    /// The case's own condition fields.
    pub fn condition(&self) -> Condition {
        condition_of!(self)
    }
}

/// A rule file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleFile {
    pub id: String,
    pub severity: crate::Severity,
    pub area: String,
    pub summary: String,
    pub target: Target,
    #[serde(default)]
    pub kinds: Vec<String>,
    pub when: Option<Value>,
    pub select: Option<String>,
    pub view: Option<View>,
    pub deny: Option<Value>,
    pub assert: Option<Value>,
    pub check: Option<String>,
    pub require: Option<RequireFile>,
    pub at: Option<String>,
    #[serde(default)]
    pub params: Map<String, Value>,
    pub message: Option<String>,
    pub help: Option<String>,
    pub label: Option<String>,
    #[serde(default)]
    pub cases: Vec<CaseFile>,
    pub docs: String,
    pub since: Option<String>,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `false`: the rule is off unless enabled by its id (`--enable`, `--select ID`, config,
    /// `# kvet-test: enable=`); a profile, an area or `all` does not turn it on.
    pub enabled: Option<bool>,
    /// The profiles the rule belongs to (default `[correctness]`).
    pub profiles: Option<Vec<String>>,
    /// Corresponding checks of other tools, per peer: `{kube-linter: [privileged-container], pss: [Privileged Containers]}`.
    #[serde(default)]
    pub equivalents: std::collections::BTreeMap<String, OneOrMany>,
}

/// A string or a list of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    /// As a list.
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// The condition part shared by a rule and its cases.
#[derive(Debug, Default, Clone)]
pub struct Condition {
    pub when: Option<Value>,
    pub select: Option<String>,
    pub view: Option<View>,
    pub deny: Option<Value>,
    pub assert: Option<Value>,
    pub check: Option<String>,
    pub require: Option<RequireFile>,
    pub at: Option<String>,
}

/// One alternative of a rule with several conditions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CaseFile {
    pub id: Option<String>,
    pub target: Option<Target>,
    pub kinds: Option<Vec<String>>,
    pub severity: Option<crate::Severity>,
    pub when: Option<Value>,
    pub select: Option<String>,
    pub view: Option<View>,
    pub deny: Option<Value>,
    pub assert: Option<Value>,
    pub check: Option<String>,
    pub require: Option<RequireFile>,
    pub at: Option<String>,
    pub message: Option<String>,
    pub help: Option<String>,
    pub label: Option<String>,
}

/// `require:` — a reference from the selected node to another object of the set (or of config `cluster:`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RequireFile {
    /// Kind of the referenced object (`ConfigMap`).
    pub kind: String,
    /// Its name, templated from the selected node (`"{{node.name}}"`); not used in selector mode.
    #[serde(default)]
    pub name: String,
    /// Its namespace (default: the referrer's effective namespace; ignored for cluster-scoped kinds).
    pub namespace: Option<String>,
    /// A data key the object must have (ConfigMap `data`/`binaryData`, Secret `data`/`stringData`).
    pub key: Option<String>,
    /// A list under the selected node (dotted path, e.g. `items`) whose elements are checked one by one:
    /// `{{item.*}}` is the element in `key`, and `at` is relative to the element.
    pub each: Option<String>,
    /// A JSON Schema the referenced object must satisfy.
    #[serde(rename = "where")]
    pub where_: Option<Value>,
    /// A JSON Schema on the selected node: when it matches, the reference is not checked (`optional: true`).
    pub unless: Option<Value>,
    /// Names that count as present although not in the set (e.g. `"{{params.knownStorageClasses}}"`).
    pub known: Option<Value>,
    /// Where the second label points on the referenced object (dotted path; default `metadata.name`).
    pub related_at: Option<String>,
    /// The second label's text (templated; default "defined here").
    pub related_label: Option<String>,
    /// Selector mode: a label selector below the selected node that must select at least one object of `kind`
    /// in the namespace (`Pod`: the pod templates of every workload kind).
    pub selector: Option<SelectorFile>,
    /// Existence mode: a missing object is not reported when the referrer's namespace holds a custom resource,
    /// whose operator may create it (a Service of an Elasticsearch cluster, the Deployment of an operand).
    #[serde(default)]
    pub unless_custom_resources: bool,
}

/// `require.selector`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectorFile {
    /// Dotted path from the selected node to the selector (`spec.selector`); empty: the node itself.
    #[serde(default)]
    pub path: String,
    /// `labelSelector` (default: `matchLabels` and `matchExpressions`) or `map` (a Service's plain map).
    #[serde(default)]
    pub form: SelectorForm,
}

/// How a selector is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SelectorForm {
    /// `matchLabels` + `matchExpressions`.
    #[default]
    LabelSelector,
    /// A plain label map (Service `spec.selector`, ReplicationController).
    Map,
}
