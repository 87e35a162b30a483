//! Profiles: the policy levels a user picks in one line (`profile:` in `.kvet.yaml`, `--profile`). A rule names
//! the profiles it belongs to (`profiles:` in its file, default `[correctness]`); a profile may include another
//! (`pss-restricted` includes `pss-baseline`, as the Pod Security Standards' Restricted policy includes Baseline).

/// One profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Id, as written in rule files, `.kvet.yaml` and `--profile`.
    pub id: &'static str,
    /// Title of its section in the docs.
    pub title: &'static str,
    /// What it covers (one sentence).
    pub description: &'static str,
    /// Profiles it includes: selecting this one selects their rules too.
    pub includes: &'static [&'static str],
}

/// The profile every run selects unless `select:` says otherwise.
pub const DEFAULT: &str = "correctness";

/// Every profile, in the order the docs list them.
pub const PROFILES: &[Profile] = &[
    Profile {
        id: "correctness",
        title: "Correctness",
        description: "What the API server rejects, what never works at run time, and what loses data. On by default.",
        includes: &[],
    },
    Profile {
        id: "pss-baseline",
        title: "Pod Security Standards: Baseline",
        description: "The Baseline policy of the Kubernetes Pod Security Standards, control by control: known privilege escalations (privileged containers, host namespaces, host ports, added capabilities, unsafe sysctls, …).",
        includes: &[],
    },
    Profile {
        id: "pss-restricted",
        title: "Pod Security Standards: Restricted",
        description: "The Restricted policy of the Pod Security Standards (which includes Baseline): running as non-root, no privilege escalation, dropping ALL capabilities, a RuntimeDefault or Localhost seccomp profile, restricted volume types.",
        includes: &["pss-baseline"],
    },
    Profile {
        id: "security",
        title: "Security hardening",
        description: "Hardening beyond the Pod Security Standards that the common linters check: a read-only root filesystem, high user and group ids, service-account tokens, credentials written into manifests.",
        includes: &[],
    },
    Profile {
        id: "hygiene",
        title: "Workload hygiene",
        description: "Resources, probes and availability: requests and limits, liveness and readiness probes, replicas, PodDisruptionBudgets, autoscalers, spreading, priorities, Job and CronJob settings.",
        includes: &[],
    },
    Profile {
        id: "rbac",
        title: "RBAC",
        description: "Roles and bindings that grant more than they should: wildcards, Secrets, pod exec, escalate/bind/impersonate, cluster-admin, and bindings to roles or accounts that are not defined.",
        includes: &[],
    },
    Profile {
        id: "network",
        title: "Networking",
        description: "Services, Ingresses and NetworkPolicies: selectors that select no Pod, backends that are not defined, workloads no NetworkPolicy covers, exposure through NodePort, LoadBalancer and external IPs.",
        includes: &[],
    },
    Profile {
        id: "supply-chain",
        title: "Supply chain",
        description: "Where images come from: digest pinning and allowed registries.",
        includes: &[],
    },
];

/// The profile `id`.
pub fn get(id: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.id == id)
}

/// The ids of every profile.
pub fn ids() -> Vec<String> {
    PROFILES.iter().map(|p| p.id.to_owned()).collect()
}

/// Whether selecting `selected` selects the rules of profile `member` (itself, or one it includes, transitively).
pub fn selects(selected: &str, member: &str) -> bool {
    if selected == member {
        return true;
    }
    get(selected).is_some_and(|p| p.includes.iter().any(|inc| selects(inc, member)))
}

/// The peers an `equivalents:` entry of a rule may name, with how the docs show each.
pub const PEERS: &[(&str, &str)] = &[
    ("pss", "Pod Security Standards"),
    ("kube-linter", "kube-linter"),
    ("kube-score", "kube-score"),
    ("polaris", "Polaris"),
    ("checkov", "checkov"),
    ("kyverno", "Kyverno policies"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restricted_includes_baseline() {
        assert!(selects("pss-restricted", "pss-baseline"));
        assert!(selects("pss-restricted", "pss-restricted"));
        assert!(!selects("pss-baseline", "pss-restricted"));
        assert!(!selects("hygiene", "correctness"));
        for p in PROFILES {
            for inc in p.includes {
                assert!(get(inc).is_some(), "{} includes unknown {inc}", p.id);
            }
        }
    }
}
