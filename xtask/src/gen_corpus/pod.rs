//! Pod templates: containers, volumes and the pod spec shared by every workload kind.

use super::yaml::{scalar, Yaml};

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
    ConfigMap { name: String, items: Vec<(String, String)>, mode: Option<&'static str> },
    Secret { name: String, mode: Option<&'static str> },
    Claim(String),
    EmptyDir { memory: bool, size_limit: Option<String> },
    HostPath { path: String, kind: Option<&'static str> },
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
                    let selector = if matches!(env, Env::ConfigKey(..)) { "configMapKeyRef" } else { "secretKeyRef" };
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
