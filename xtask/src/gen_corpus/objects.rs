//! Templates for whole Kubernetes objects; each function renders one YAML document (without `---`).

use super::pod::{write_pod_template, Pod};
use super::yaml::{scalar, Yaml};

/// Object metadata: name, optional namespace, labels, annotations.
pub struct Meta {
    pub name: String,
    pub namespace: Option<String>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
}

impl Meta {
    /// Metadata for a namespaced object.
    pub fn namespaced(name: impl Into<String>, namespace: &str, labels: &[(String, String)]) -> Self {
        Self {
            name: name.into(),
            namespace: Some(namespace.to_string()),
            labels: labels.to_vec(),
            annotations: Vec::new(),
        }
    }

    /// Metadata for a cluster-scoped object.
    pub fn cluster(name: impl Into<String>, labels: &[(String, String)]) -> Self {
        Self { name: name.into(), namespace: None, labels: labels.to_vec(), annotations: Vec::new() }
    }

    fn write(&self, y: &mut Yaml, indent: usize) {
        y.line(indent, "metadata:");
        y.line(indent + 1, format!("name: {}", self.name));
        if let Some(namespace) = &self.namespace {
            y.line(indent + 1, format!("namespace: {namespace}"));
        }
        y.map(indent + 1, "labels", &self.labels);
        y.map(indent + 1, "annotations", &self.annotations);
    }
}

fn header(api_version: &str, kind: &str, meta: &Meta) -> Yaml {
    let mut y = Yaml::default();
    y.line(0, format!("apiVersion: {api_version}"));
    y.line(0, format!("kind: {kind}"));
    meta.write(&mut y, 0);
    y
}

/// A value in a ConfigMap or Secret: one line, or a multi-line file rendered as a literal block.
pub enum Data {
    Line(String),
    Block(String),
}

/// `v1 ConfigMap`.
pub fn config_map(meta: &Meta, data: &[(String, Data)], immutable: bool) -> String {
    let mut y = header("v1", "ConfigMap", meta);
    if immutable {
        y.line(0, "immutable: true");
    }
    y.line(0, "data:");
    for (key, value) in data {
        match value {
            Data::Line(text) => y.line(1, format!("{key}: {}", scalar(text))),
            Data::Block(text) => y.literal(1, key, text),
        };
    }
    y.finish()
}

/// `v1 Secret` with base64 `data`.
pub fn secret(meta: &Meta, secret_type: &str, data: &[(String, String)]) -> String {
    let mut y = header("v1", "Secret", meta);
    y.line(0, format!("type: {secret_type}"));
    y.line(0, "data:");
    for (key, value) in data {
        y.line(1, format!("{key}: {}", scalar(value)));
    }
    y.finish()
}

/// `v1 Namespace`.
pub fn namespace(meta: &Meta) -> String {
    header("v1", "Namespace", meta).finish()
}

/// `v1 ServiceAccount`.
pub fn service_account(meta: &Meta, pull_secret: Option<&str>, automount: bool) -> String {
    let mut y = header("v1", "ServiceAccount", meta);
    if !automount {
        y.line(0, "automountServiceAccountToken: false");
    }
    if let Some(secret) = pull_secret {
        y.line(0, "imagePullSecrets:");
        y.line(1, format!("- name: {secret}"));
    }
    y.finish()
}

/// One RBAC policy rule.
pub struct PolicyRule {
    pub api_groups: &'static [&'static str],
    pub resources: &'static [&'static str],
    pub verbs: &'static [&'static str],
}

fn flow_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// `rbac.authorization.k8s.io/v1 Role` or `ClusterRole`.
pub fn role(kind: &str, meta: &Meta, rules: &[PolicyRule]) -> String {
    let mut y = header("rbac.authorization.k8s.io/v1", kind, meta);
    y.line(0, "rules:");
    for rule in rules {
        y.line(1, format!("- apiGroups: {}", flow_list(rule.api_groups)));
        y.line(2, format!("resources: {}", flow_list(rule.resources)));
        y.line(2, format!("verbs: {}", flow_list(rule.verbs)));
    }
    y.finish()
}

/// `RoleBinding` / `ClusterRoleBinding` of a role to one ServiceAccount.
pub fn role_binding(kind: &str, meta: &Meta, role_kind: &str, role: &str, sa: &str, sa_namespace: &str) -> String {
    let mut y = header("rbac.authorization.k8s.io/v1", kind, meta);
    y.line(0, "roleRef:");
    y.line(1, "apiGroup: rbac.authorization.k8s.io");
    y.line(1, format!("kind: {role_kind}"));
    y.line(1, format!("name: {role}"));
    y.line(0, "subjects:");
    y.line(1, "- kind: ServiceAccount");
    y.line(2, format!("name: {sa}"));
    y.line(2, format!("namespace: {sa_namespace}"));
    y.finish()
}

/// A Service port.
pub struct ServicePort {
    pub name: String,
    pub port: u16,
    pub target: String,
}

/// `v1 Service`; `headless` sets `clusterIP: None`.
pub fn service(
    meta: &Meta,
    selector: &[(String, String)],
    ports: &[ServicePort],
    headless: bool,
    service_type: Option<&str>,
) -> String {
    let mut y = header("v1", "Service", meta);
    y.line(0, "spec:");
    if let Some(service_type) = service_type {
        y.line(1, format!("type: {service_type}"));
    }
    if headless {
        y.line(1, "clusterIP: None");
        y.line(1, "publishNotReadyAddresses: true");
    }
    y.map(1, "selector", selector);
    y.line(1, "ports:");
    for port in ports {
        y.line(2, format!("- name: {}", port.name));
        y.line(3, format!("port: {}", port.port));
        y.line(3, format!("targetPort: {}", port.target));
        y.line(3, "protocol: TCP");
    }
    y.finish()
}

/// `networking.k8s.io/v1 Ingress` for one host and backend Service.
pub fn ingress(meta: &Meta, host: &str, tls_secret: &str, service: &str, port: &str, paths: &[&str]) -> String {
    let mut y = header("networking.k8s.io/v1", "Ingress", meta);
    y.line(0, "spec:");
    y.line(1, "ingressClassName: nginx");
    y.line(1, "tls:");
    y.line(2, "- hosts:");
    y.line(3, format!("- {host}"));
    y.line(2, format!("  secretName: {tls_secret}"));
    y.line(1, "rules:");
    y.line(2, format!("- host: {host}"));
    y.line(2, "  http:");
    y.line(3, "  paths:");
    for path in paths {
        y.line(4, format!("- path: {path}"));
        y.line(4, "  pathType: Prefix");
        y.line(4, "  backend:");
        y.line(5, "  service:");
        y.line(6, format!("  name: {service}"));
        y.line(6, "  port:");
        y.line(7, format!("  name: {port}"));
    }
    y.finish()
}

/// `autoscaling/v2 HorizontalPodAutoscaler` on CPU.
pub fn hpa(meta: &Meta, deployment: &str, min: u32, max: u32, cpu_percent: u32) -> String {
    let mut y = header("autoscaling/v2", "HorizontalPodAutoscaler", meta);
    y.line(0, "spec:");
    y.line(1, "scaleTargetRef:");
    y.line(2, "apiVersion: apps/v1");
    y.line(2, "kind: Deployment");
    y.line(2, format!("name: {deployment}"));
    y.line(1, format!("minReplicas: {min}"));
    y.line(1, format!("maxReplicas: {max}"));
    y.line(1, "metrics:");
    y.line(2, "- type: Resource");
    y.line(2, "  resource:");
    y.line(3, "  name: cpu");
    y.line(3, "  target:");
    y.line(4, "  type: Utilization");
    y.line(4, format!("  averageUtilization: {cpu_percent}"));
    y.finish()
}

/// `policy/v1 PodDisruptionBudget`.
pub fn pdb(meta: &Meta, selector: &[(String, String)], min_available: &str) -> String {
    let mut y = header("policy/v1", "PodDisruptionBudget", meta);
    y.line(0, "spec:");
    y.line(1, format!("minAvailable: {}", min_available));
    y.line(1, "selector:");
    y.map(2, "matchLabels", selector);
    y.finish()
}

/// `storage.k8s.io/v1 StorageClass`.
pub fn storage_class(
    meta: &Meta,
    provisioner: &str,
    parameters: &[(String, String)],
    reclaim: &str,
    binding: &str,
    expansion: bool,
) -> String {
    let mut y = header("storage.k8s.io/v1", "StorageClass", meta);
    y.line(0, format!("provisioner: {provisioner}"));
    y.map(0, "parameters", parameters);
    y.line(0, format!("reclaimPolicy: {reclaim}"));
    y.line(0, format!("volumeBindingMode: {binding}"));
    if expansion {
        y.line(0, "allowVolumeExpansion: true");
    }
    y.finish()
}

/// A PersistentVolumeClaim spec (also used inside `volumeClaimTemplates`).
pub struct ClaimSpec {
    pub storage_class: Option<String>,
    pub access_mode: &'static str,
    pub size: String,
    pub volume_name: Option<String>,
}

impl ClaimSpec {
    fn write(&self, y: &mut Yaml, indent: usize) {
        y.line(indent, "accessModes:");
        y.line(indent + 1, format!("- {}", self.access_mode));
        if let Some(class) = &self.storage_class {
            y.line(indent, format!("storageClassName: {}", scalar_or_empty(class)));
        }
        if let Some(volume) = &self.volume_name {
            y.line(indent, format!("volumeName: {volume}"));
        }
        y.line(indent, "resources:");
        y.line(indent + 1, "requests:");
        y.line(indent + 2, format!("storage: {}", self.size));
    }
}

fn scalar_or_empty(value: &str) -> String {
    if value.is_empty() {
        "\"\"".to_string()
    } else {
        scalar(value)
    }
}

/// `v1 PersistentVolumeClaim`.
pub fn pvc(meta: &Meta, spec: &ClaimSpec) -> String {
    let mut y = header("v1", "PersistentVolumeClaim", meta);
    y.line(0, "spec:");
    spec.write(&mut y, 1);
    y.finish()
}

/// `v1 PersistentVolume` backed by NFS, pre-bound to a claim.
pub fn nfs_pv(
    meta: &Meta,
    size: &str,
    access_mode: &str,
    server: &str,
    path: &str,
    reclaim: &str,
    claim: Option<(&str, &str)>,
) -> String {
    let mut y = header("v1", "PersistentVolume", meta);
    y.line(0, "spec:");
    y.line(1, "capacity:");
    y.line(2, format!("storage: {size}"));
    y.line(1, "volumeMode: Filesystem");
    y.line(1, "accessModes:");
    y.line(2, format!("- {access_mode}"));
    y.line(1, format!("persistentVolumeReclaimPolicy: {reclaim}"));
    y.line(1, "storageClassName: \"\"");
    y.line(1, "mountOptions:");
    y.line(2, "- hard");
    y.line(2, "- nfsvers=4.1");
    y.line(1, "nfs:");
    y.line(2, format!("server: {server}"));
    y.line(2, format!("path: {path}"));
    if let Some((namespace, name)) = claim {
        y.line(1, "claimRef:");
        y.line(2, format!("namespace: {namespace}"));
        y.line(2, format!("name: {name}"));
    }
    y.finish()
}

fn selector(y: &mut Yaml, indent: usize, labels: &[(String, String)]) {
    y.line(indent, "selector:");
    y.map(indent + 1, "matchLabels", labels);
}

/// `apps/v1 Deployment`.
pub fn deployment(meta: &Meta, replicas: u32, select: &[(String, String)], recreate: bool, pod: &Pod) -> String {
    let mut y = header("apps/v1", "Deployment", meta);
    y.line(0, "spec:");
    y.line(1, format!("replicas: {replicas}"));
    y.line(1, "revisionHistoryLimit: 5");
    selector(&mut y, 1, select);
    y.line(1, "strategy:");
    if recreate {
        y.line(2, "type: Recreate");
    } else {
        y.line(2, "type: RollingUpdate");
        y.line(2, "rollingUpdate:");
        y.line(3, "maxSurge: 25%");
        y.line(3, "maxUnavailable: 0");
    }
    write_pod_template(&mut y, 1, pod);
    y.finish()
}

/// `apps/v1 StatefulSet` with one volume claim template.
pub fn stateful_set(
    meta: &Meta,
    replicas: u32,
    service: &str,
    select: &[(String, String)],
    pod: &Pod,
    claim_name: &str,
    claim: &ClaimSpec,
) -> String {
    let mut y = header("apps/v1", "StatefulSet", meta);
    y.line(0, "spec:");
    y.line(1, format!("serviceName: {service}"));
    y.line(1, format!("replicas: {replicas}"));
    y.line(1, "podManagementPolicy: OrderedReady");
    y.line(1, "updateStrategy:");
    y.line(2, "type: RollingUpdate");
    selector(&mut y, 1, select);
    write_pod_template(&mut y, 1, pod);
    y.line(1, "volumeClaimTemplates:");
    y.line(2, "- metadata:");
    y.line(4, format!("name: {claim_name}"));
    y.line(3, "spec:");
    claim.write(&mut y, 4);
    y.finish()
}

/// `apps/v1 DaemonSet`.
pub fn daemon_set(meta: &Meta, select: &[(String, String)], pod: &Pod) -> String {
    let mut y = header("apps/v1", "DaemonSet", meta);
    y.line(0, "spec:");
    selector(&mut y, 1, select);
    y.line(1, "updateStrategy:");
    y.line(2, "type: RollingUpdate");
    y.line(2, "rollingUpdate:");
    y.line(3, "maxUnavailable: 1");
    write_pod_template(&mut y, 1, pod);
    y.finish()
}

/// `batch/v1 Job`.
pub fn job(meta: &Meta, backoff: u32, pod: &Pod) -> String {
    let mut y = header("batch/v1", "Job", meta);
    y.line(0, "spec:");
    y.line(1, format!("backoffLimit: {backoff}"));
    y.line(1, "ttlSecondsAfterFinished: 86400");
    write_pod_template(&mut y, 1, pod);
    y.finish()
}

/// `batch/v1 CronJob`.
pub fn cron_job(meta: &Meta, schedule: &str, pod: &Pod) -> String {
    let mut y = header("batch/v1", "CronJob", meta);
    y.line(0, "spec:");
    y.line(1, format!("schedule: \"{schedule}\""));
    y.line(1, "concurrencyPolicy: Forbid");
    y.line(1, "successfulJobsHistoryLimit: 3");
    y.line(1, "failedJobsHistoryLimit: 1");
    y.line(1, "jobTemplate:");
    y.line(2, "spec:");
    y.line(3, "backoffLimit: 2");
    y.line(3, "activeDeadlineSeconds: 3600");
    write_pod_template(&mut y, 3, pod);
    y.finish()
}

/// `v1 LimitRange` with container defaults.
pub fn limit_range(meta: &Meta, memory: &str, cpu: &str) -> String {
    let mut y = header("v1", "LimitRange", meta);
    y.line(0, "spec:");
    y.line(1, "limits:");
    y.line(2, "- type: Container");
    y.line(2, "  default:");
    y.line(3, format!("  cpu: {cpu}"));
    y.line(3, format!("  memory: {memory}"));
    y.line(2, "  defaultRequest:");
    y.line(3, "  cpu: 50m");
    y.line(3, "  memory: 64Mi");
    y.finish()
}

/// `networking.k8s.io/v1 NetworkPolicy` allowing ingress from the namespace's ingress controller.
pub fn network_policy(meta: &Meta, select: &[(String, String)], port: u16) -> String {
    let mut y = header("networking.k8s.io/v1", "NetworkPolicy", meta);
    y.line(0, "spec:");
    y.line(1, "podSelector:");
    y.map(2, "matchLabels", select);
    y.line(1, "policyTypes: [\"Ingress\"]");
    y.line(1, "ingress:");
    y.line(2, "- from:");
    y.line(3, "- namespaceSelector:");
    y.line(4, "  matchLabels:");
    y.line(5, "  kubernetes.io/metadata.name: ingress-nginx");
    y.line(3, "ports:");
    y.line(4, "- protocol: TCP");
    y.line(4, format!("  port: {port}"));
    y.finish()
}
