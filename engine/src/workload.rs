//! Where the pod template and pod spec live in each workload kind, and the container lists of a pod spec.

use crate::yaml::PathElem;

/// The kinds that carry a pod spec.
pub const POD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "ReplicaSet",
    "ReplicationController",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "PodTemplate",
];

/// Path from the object root to its pod template (`metadata` + `spec`); the Pod is its own template.
pub fn template_path(kind: &str) -> Option<Vec<PathElem>> {
    let keys: &[&str] = match kind {
        "Pod" => &[],
        "Deployment" | "ReplicaSet" | "ReplicationController" | "StatefulSet" | "DaemonSet" | "Job" => {
            &["spec", "template"]
        }
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        "PodTemplate" => &["template"],
        _ => return None,
    };
    Some(keys.iter().map(|k| PathElem::Key((*k).to_owned())).collect())
}

/// Path from the object root to its pod spec.
pub fn pod_spec_path(kind: &str) -> Option<Vec<PathElem>> {
    let mut p = template_path(kind)?;
    p.push(PathElem::Key("spec".into()));
    Some(p)
}

/// The container lists of a pod spec.
pub const CONTAINER_LISTS: &[&str] = &["initContainers", "containers", "ephemeralContainers"];

/// How messages name the container at index `i` (0-based) of its list: its name, or `#N` (1-based) when it
/// has none (an unnamed container is otherwise an empty string in the message).
pub fn container_name(container: &serde_json::Value, i: usize) -> String {
    match container.get("name").and_then(serde_json::Value::as_str) {
        Some(n) if !n.is_empty() => n.to_owned(),
        _ => format!("#{}", i + 1),
    }
}
