//! Text templates for the Kubernetes objects of the benchmark corpus.
//!
//! The generator composes applications out of these; each function renders one YAML document (without the
//! `---` separator). Output is plain block-style YAML as people write it by hand, with realistic nesting.

/// A YAML text being written line by line with two-space indentation.
#[derive(Default)]
pub struct Yaml {
    out: String,
}

impl Yaml {
    /// Appends `text` on its own line, indented by `indent` levels.
    pub fn line(&mut self, indent: usize, text: impl AsRef<str>) -> &mut Self {
        for _ in 0..indent {
            self.out.push_str("  ");
        }
        self.out.push_str(text.as_ref());
        self.out.push('\n');
        self
    }

    /// Appends `key: |` followed by `body` as a literal block scalar one level deeper.
    pub fn literal(&mut self, indent: usize, key: &str, body: &str) -> &mut Self {
        self.line(indent, format!("{key}: |"));
        for text in body.lines() {
            if text.is_empty() {
                self.out.push('\n');
            } else {
                self.line(indent + 1, text);
            }
        }
        self
    }

    /// Appends a `key:` mapping of string pairs (quoted when needed); nothing when empty.
    pub fn map(&mut self, indent: usize, key: &str, pairs: &[(String, String)]) -> &mut Self {
        if pairs.is_empty() {
            return self;
        }
        self.line(indent, format!("{key}:"));
        for (k, v) in pairs {
            self.line(indent + 1, format!("{k}: {}", scalar(v)));
        }
        self
    }

    /// The finished document.
    pub fn finish(self) -> String {
        self.out
    }
}

/// A string scalar, double-quoted when plain style would change its type or meaning.
pub fn scalar(value: &str) -> String {
    let plain_ok = !value.is_empty()
        && !value.starts_with(|c: char| " -?:,[]{}#&*!|>'\"%@`~0123456789.+".contains(c))
        && !value.ends_with(' ')
        && !value.contains(": ")
        && !value.contains(" #")
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null"
        );
    if plain_ok {
        value.to_string()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Standard base64 (RFC 4648, padded), as found in Secret `data`.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Object metadata: name, optional namespace, labels, annotations.
pub struct Meta {
    pub name: String,
    pub namespace: Option<String>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
}

impl Meta {
    /// Metadata for a namespaced object.
    pub fn namespaced(
        name: impl Into<String>,
        namespace: &str,
        labels: &[(String, String)],
    ) -> Self {
        Self {
            name: name.into(),
            namespace: Some(namespace.to_string()),
            labels: labels.to_vec(),
            annotations: Vec::new(),
        }
    }

    /// Metadata for a cluster-scoped object.
    pub fn cluster(name: impl Into<String>, labels: &[(String, String)]) -> Self {
        Self {
            name: name.into(),
            namespace: None,
            labels: labels.to_vec(),
            annotations: Vec::new(),
        }
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
pub fn role_binding(
    kind: &str,
    meta: &Meta,
    role_kind: &str,
    role: &str,
    sa: &str,
    sa_namespace: &str,
) -> String {
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
pub fn ingress(
    meta: &Meta,
    host: &str,
    tls_secret: &str,
    service: &str,
    port: &str,
    paths: &[&str],
) -> String {
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
            y.line(
                indent,
                format!("storageClassName: {}", scalar_or_empty(class)),
            );
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

/// An environment variable of a container.
pub enum Env {
    Value(String, String),
    Field(String, &'static str),
    ConfigKey(String, String, String),
    SecretKey(String, String, String),
    Resource(String, &'static str),
}

/// An `envFrom` source.
pub enum EnvFrom {
    ConfigMap(String),
    Secret(String),
}

/// A container probe.
pub enum Probe {
    Http(String, &'static str),
    Tcp(&'static str),
    Exec(Vec<String>),
}

/// Requests and (optional) limits.
pub struct Resources {
    pub cpu: String,
    pub memory: String,
    pub cpu_limit: Option<String>,
    pub memory_limit: Option<String>,
}

/// A volume mount.
pub struct Mount {
    pub volume: String,
    pub path: String,
    pub read_only: bool,
    pub sub_path: Option<String>,
}

/// A container.
pub struct Container {
    pub name: String,
    pub image: String,
    pub pull_policy: Option<&'static str>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub ports: Vec<(String, u16)>,
    pub env: Vec<Env>,
    pub env_from: Vec<EnvFrom>,
    pub resources: Option<Resources>,
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
    pub mounts: Vec<Mount>,
    pub hardened: bool,
}

/// A pod volume source.
pub enum Source {
    ConfigMap {
        name: String,
        items: Vec<(String, String)>,
        mode: Option<&'static str>,
    },
    Secret {
        name: String,
        mode: Option<&'static str>,
    },
    Claim(String),
    EmptyDir {
        memory: bool,
        size_limit: Option<String>,
    },
    HostPath {
        path: String,
        kind: Option<&'static str>,
    },
    DownwardLabels,
}

/// A pod volume.
pub struct Volume {
    pub name: String,
    pub source: Source,
}

/// A pod template: metadata labels/annotations and the pod spec.
#[derive(Default)]
pub struct Pod {
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub service_account: Option<String>,
    pub pull_secret: Option<String>,
    pub run_as_user: Option<u32>,
    pub host_network: bool,
    pub priority_class: Option<String>,
    pub restart_policy: Option<&'static str>,
    pub grace_seconds: Option<u32>,
    pub node_selector: Vec<(String, String)>,
    pub tolerate_all: bool,
    pub spread_by_zone: bool,
    pub anti_affinity: bool,
    pub init_containers: Vec<Container>,
    pub containers: Vec<Container>,
    pub volumes: Vec<Volume>,
}

fn write_probe(y: &mut Yaml, indent: usize, key: &str, probe: &Probe, initial: u32, period: u32) {
    y.line(indent, format!("{key}:"));
    match probe {
        Probe::Http(path, port) => {
            y.line(indent + 1, "httpGet:");
            y.line(indent + 2, format!("path: {path}"));
            y.line(indent + 2, format!("port: {port}"));
        }
        Probe::Tcp(port) => {
            y.line(indent + 1, "tcpSocket:");
            y.line(indent + 2, format!("port: {port}"));
        }
        Probe::Exec(command) => {
            y.line(indent + 1, "exec:");
            y.line(indent + 2, "command:");
            for part in command {
                y.line(indent + 3, format!("- {}", scalar(part)));
            }
        }
    }
    y.line(indent + 1, format!("initialDelaySeconds: {initial}"));
    y.line(indent + 1, format!("periodSeconds: {period}"));
    y.line(indent + 1, "timeoutSeconds: 3");
    y.line(indent + 1, "failureThreshold: 3");
}

fn write_container(y: &mut Yaml, indent: usize, c: &Container) {
    y.line(indent, format!("- name: {}", c.name));
    let i = indent + 1;
    y.line(i, format!("image: {}", c.image));
    if let Some(policy) = c.pull_policy {
        y.line(i, format!("imagePullPolicy: {policy}"));
    }
    if !c.command.is_empty() {
        y.line(i, "command:");
        for part in &c.command {
            y.line(i + 1, format!("- {}", scalar(part)));
        }
    }
    if !c.args.is_empty() {
        y.line(i, "args:");
        for part in &c.args {
            y.line(i + 1, format!("- {}", scalar(part)));
        }
    }
    if !c.ports.is_empty() {
        y.line(i, "ports:");
        for (name, port) in &c.ports {
            y.line(i + 1, format!("- name: {name}"));
            y.line(i + 2, format!("containerPort: {port}"));
            y.line(i + 2, "protocol: TCP");
        }
    }
    if !c.env.is_empty() {
        y.line(i, "env:");
        for env in &c.env {
            match env {
                Env::Value(name, value) => {
                    y.line(i + 1, format!("- name: {name}"));
                    y.line(i + 2, format!("value: \"{value}\""));
                }
                Env::Field(name, path) => {
                    y.line(i + 1, format!("- name: {name}"));
                    y.line(i + 2, "valueFrom:");
                    y.line(i + 3, "fieldRef:");
                    y.line(i + 4, format!("fieldPath: {path}"));
                }
                Env::ConfigKey(name, map, key) | Env::SecretKey(name, map, key) => {
                    let selector = if matches!(env, Env::ConfigKey(..)) {
                        "configMapKeyRef"
                    } else {
                        "secretKeyRef"
                    };
                    y.line(i + 1, format!("- name: {name}"));
                    y.line(i + 2, "valueFrom:");
                    y.line(i + 3, format!("{selector}:"));
                    y.line(i + 4, format!("name: {map}"));
                    y.line(i + 4, format!("key: {key}"));
                }
                Env::Resource(name, resource) => {
                    y.line(i + 1, format!("- name: {name}"));
                    y.line(i + 2, "valueFrom:");
                    y.line(i + 3, "resourceFieldRef:");
                    y.line(i + 4, format!("resource: {resource}"));
                }
            }
        }
    }
    if !c.env_from.is_empty() {
        y.line(i, "envFrom:");
        for source in &c.env_from {
            match source {
                EnvFrom::ConfigMap(name) => {
                    y.line(i + 1, "- configMapRef:");
                    y.line(i + 3, format!("name: {name}"));
                }
                EnvFrom::Secret(name) => {
                    y.line(i + 1, "- secretRef:");
                    y.line(i + 3, format!("name: {name}"));
                }
            }
        }
    }
    if let Some(r) = &c.resources {
        y.line(i, "resources:");
        y.line(i + 1, "requests:");
        y.line(i + 2, format!("cpu: {}", r.cpu));
        y.line(i + 2, format!("memory: {}", r.memory));
        if r.cpu_limit.is_some() || r.memory_limit.is_some() {
            y.line(i + 1, "limits:");
            if let Some(cpu) = &r.cpu_limit {
                y.line(i + 2, format!("cpu: {cpu}"));
            }
            if let Some(memory) = &r.memory_limit {
                y.line(i + 2, format!("memory: {memory}"));
            }
        }
    }
    if let Some(probe) = &c.readiness {
        write_probe(y, i, "readinessProbe", probe, 5, 10);
    }
    if let Some(probe) = &c.liveness {
        write_probe(y, i, "livenessProbe", probe, 15, 20);
    }
    if !c.mounts.is_empty() {
        y.line(i, "volumeMounts:");
        for mount in &c.mounts {
            y.line(i + 1, format!("- name: {}", mount.volume));
            y.line(i + 2, format!("mountPath: {}", mount.path));
            if let Some(sub_path) = &mount.sub_path {
                y.line(i + 2, format!("subPath: {sub_path}"));
            }
            if mount.read_only {
                y.line(i + 2, "readOnly: true");
            }
        }
    }
    if c.hardened {
        y.line(i, "securityContext:");
        y.line(i + 1, "allowPrivilegeEscalation: false");
        y.line(i + 1, "readOnlyRootFilesystem: true");
        y.line(i + 1, "capabilities:");
        y.line(i + 2, "drop: [\"ALL\"]");
    }
}

fn write_volume(y: &mut Yaml, indent: usize, v: &Volume) {
    y.line(indent, format!("- name: {}", v.name));
    let i = indent + 1;
    match &v.source {
        Source::ConfigMap { name, items, mode } => {
            y.line(i, "configMap:");
            y.line(i + 1, format!("name: {name}"));
            if let Some(mode) = mode {
                y.line(i + 1, format!("defaultMode: {mode}"));
            }
            if !items.is_empty() {
                y.line(i + 1, "items:");
                for (key, path) in items {
                    y.line(i + 2, format!("- key: {key}"));
                    y.line(i + 3, format!("path: {path}"));
                }
            }
        }
        Source::Secret { name, mode } => {
            y.line(i, "secret:");
            y.line(i + 1, format!("secretName: {name}"));
            if let Some(mode) = mode {
                y.line(i + 1, format!("defaultMode: {mode}"));
            }
        }
        Source::Claim(claim) => {
            y.line(i, "persistentVolumeClaim:");
            y.line(i + 1, format!("claimName: {claim}"));
        }
        Source::EmptyDir { memory, size_limit } => match (memory, size_limit) {
            (false, None) => {
                y.line(i, "emptyDir: {}");
            }
            _ => {
                y.line(i, "emptyDir:");
                if *memory {
                    y.line(i + 1, "medium: Memory");
                }
                if let Some(limit) = size_limit {
                    y.line(i + 1, format!("sizeLimit: {limit}"));
                }
            }
        },
        Source::HostPath { path, kind } => {
            y.line(i, "hostPath:");
            y.line(i + 1, format!("path: {path}"));
            if let Some(kind) = kind {
                y.line(i + 1, format!("type: {kind}"));
            }
        }
        Source::DownwardLabels => {
            y.line(i, "downwardAPI:");
            y.line(i + 1, "items:");
            y.line(i + 2, "- path: labels");
            y.line(i + 3, "fieldRef:");
            y.line(i + 4, "fieldPath: metadata.labels");
        }
    }
}

/// Writes `template:` (metadata + spec) at `indent`.
pub fn write_pod_template(y: &mut Yaml, indent: usize, pod: &Pod) {
    y.line(indent, "template:");
    let i = indent + 1;
    y.line(i, "metadata:");
    y.map(i + 1, "labels", &pod.labels);
    y.map(i + 1, "annotations", &pod.annotations);
    y.line(i, "spec:");
    let s = i + 1;
    if let Some(sa) = &pod.service_account {
        y.line(s, format!("serviceAccountName: {sa}"));
    }
    if let Some(policy) = pod.restart_policy {
        y.line(s, format!("restartPolicy: {policy}"));
    }
    if pod.host_network {
        y.line(s, "hostNetwork: true");
        y.line(s, "dnsPolicy: ClusterFirstWithHostNet");
    }
    if let Some(class) = &pod.priority_class {
        y.line(s, format!("priorityClassName: {class}"));
    }
    if let Some(seconds) = pod.grace_seconds {
        y.line(s, format!("terminationGracePeriodSeconds: {seconds}"));
    }
    if let Some(uid) = pod.run_as_user {
        y.line(s, "securityContext:");
        y.line(s + 1, "runAsNonRoot: true");
        y.line(s + 1, format!("runAsUser: {uid}"));
        y.line(s + 1, format!("fsGroup: {uid}"));
        y.line(s + 1, "seccompProfile:");
        y.line(s + 2, "type: RuntimeDefault");
    }
    if let Some(secret) = &pod.pull_secret {
        y.line(s, "imagePullSecrets:");
        y.line(s + 1, format!("- name: {secret}"));
    }
    y.map(s, "nodeSelector", &pod.node_selector);
    if pod.tolerate_all {
        y.line(s, "tolerations:");
        y.line(s + 1, "- operator: Exists");
    }
    if let Some((key, value)) = pod.labels.first() {
        if pod.anti_affinity {
            y.line(s, "affinity:");
            y.line(s + 1, "podAntiAffinity:");
            y.line(s + 2, "preferredDuringSchedulingIgnoredDuringExecution:");
            y.line(s + 3, "- weight: 100");
            y.line(s + 3, "  podAffinityTerm:");
            y.line(s + 4, "  topologyKey: kubernetes.io/hostname");
            y.line(s + 4, "  labelSelector:");
            y.line(s + 5, "  matchLabels:");
            y.line(s + 6, format!("  {key}: {}", scalar(value)));
        }
        if pod.spread_by_zone {
            y.line(s, "topologySpreadConstraints:");
            y.line(s + 1, "- maxSkew: 1");
            y.line(s + 1, "  topologyKey: topology.kubernetes.io/zone");
            y.line(s + 1, "  whenUnsatisfiable: ScheduleAnyway");
            y.line(s + 1, "  labelSelector:");
            y.line(s + 2, "  matchLabels:");
            y.line(s + 3, format!("  {key}: {}", scalar(value)));
        }
    }
    if !pod.init_containers.is_empty() {
        y.line(s, "initContainers:");
        for c in &pod.init_containers {
            write_container(y, s + 1, c);
        }
    }
    y.line(s, "containers:");
    for c in &pod.containers {
        write_container(y, s + 1, c);
    }
    if !pod.volumes.is_empty() {
        y.line(s, "volumes:");
        for v in &pod.volumes {
            write_volume(y, s + 1, v);
        }
    }
}

fn selector(y: &mut Yaml, indent: usize, labels: &[(String, String)]) {
    y.line(indent, "selector:");
    y.map(indent + 1, "matchLabels", labels);
}

/// `apps/v1 Deployment`.
pub fn deployment(
    meta: &Meta,
    replicas: u32,
    select: &[(String, String)],
    recreate: bool,
    pod: &Pod,
) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn scalar_quotes_what_yaml_would_retype() {
        assert_eq!(scalar("web"), "web");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("8080"), "\"8080\"");
        assert_eq!(scalar("1.10"), "\"1.10\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("*/5 * * * *"), "\"*/5 * * * *\"");
    }
}
