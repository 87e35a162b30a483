//! Stateful and node-level applications: databases (StatefulSet + headless Service) and node agents
//! (DaemonSets with hostPath volumes and cluster-wide RBAC).

use super::generator::{Doc, Generator, Namespace, AGENTS, DATABASES};
use super::objects::{self, ClaimSpec, Data, Meta, ServicePort};
use super::pod::{Container, Env, Mount, Probe, Resources, Source, Volume};
use super::yaml::base64;

impl Generator<'_> {
    pub(super) fn database_app(&mut self, ns: &mut Namespace) -> (String, Vec<Doc>) {
        let &(engine, image, port, data_path) = self.rng.pick(DATABASES);
        let app = self.unique_name(ns, &format!("{}-{engine}", ns.team));
        let (select, all) = Self::app_labels(ns, &app, image.split(':').nth(1).unwrap_or("1"));
        let mut docs = Vec::new();
        let tuning = format!(
            "max_connections = {}\nshared_buffers = {}MB\neffective_cache_size = {}GB\nwork_mem = 4MB\nmaintenance_work_mem = 64MB\nwal_level = replica\nmax_wal_senders = 5\nlog_min_duration_statement = 500\n",
            self.rng.range(100, 500), self.rng.pick(&[128, 256, 512]), self.rng.range(1, 8)
        );
        let config = Meta::namespaced(format!("{app}-config"), &ns.name, &all);
        docs.push(Doc {
            tag: "config",
            text: objects::config_map(&config, &[("tuning.conf".to_string(), Data::Block(tuning))], false),
        });
        let secret = Meta::namespaced(format!("{app}-credentials"), &ns.name, &all);
        let (user, password, root) = (base64(app.as_bytes()), self.random_base64(24), self.random_base64(24));
        docs.push(Doc {
            tag: "config",
            text: objects::secret(
                &secret,
                "Opaque",
                &[("username".into(), user), ("password".into(), password), ("root-password".into(), root)],
            ),
        });
        let headless = format!("{app}-headless");
        let ports = [ServicePort { name: engine.into(), port, target: engine.into() }];
        docs.push(Doc {
            tag: "service",
            text: objects::service(&Meta::namespaced(headless.clone(), &ns.name, &all), &select, &ports, true, None),
        });
        docs.push(Doc {
            tag: "service",
            text: objects::service(&Meta::namespaced(app.clone(), &ns.name, &all), &select, &ports, false, None),
        });

        let credentials = self.reference(&format!("{app}-credentials"), &format!("{app}-secret"));
        let memory = *self.rng.pick(&[1u32, 2, 4, 8]);
        let mut env = vec![
            Env::SecretKey("DB_USER".into(), credentials.clone(), "username".into()),
            Env::SecretKey("DB_PASSWORD".into(), credentials.clone(), "password".into()),
            Env::SecretKey("DB_ROOT_PASSWORD".into(), credentials, "root-password".into()),
        ];
        if engine == "postgres" {
            env.push(Env::Value("PGDATA".into(), format!("{data_path}/pgdata")));
        }
        let container = Container {
            name: engine.to_string(),
            image: image.to_string(),
            pull_policy: None,
            command: Vec::new(),
            args: Vec::new(),
            ports: vec![(engine.into(), port)],
            env,
            env_from: Vec::new(),
            resources: Some(Resources {
                cpu: format!("{}m", 250 * memory),
                memory: format!("{memory}Gi"),
                cpu_limit: None,
                memory_limit: (!self.rng.percent(8)).then(|| format!("{memory}Gi")),
            }),
            readiness: Some(Probe::Exec(vec!["sh".into(), "-c".into(), format!("nc -z 127.0.0.1 {port}")])),
            liveness: Some(Probe::Tcp(engine)),
            mounts: vec![
                Mount { volume: "data".into(), path: data_path.into(), read_only: false, sub_path: None },
                Mount { volume: "config".into(), path: "/etc/db/conf.d".into(), read_only: true, sub_path: None },
            ],
            hardened: false,
        };
        let mut pod = self.base_pod(ns, &all, None);
        pod.pull_secret = None;
        pod.grace_seconds = Some(120);
        pod.containers.push(container);
        let config_name = self.reference(&format!("{app}-config"), &format!("{app}-tuning"));
        pod.volumes.push(Volume {
            name: "config".into(),
            source: Source::ConfigMap { name: config_name, items: Vec::new(), mode: None },
        });
        let class = if self.rng.percent(85) { "fast-ssd" } else { "premium-rwo" };
        let claim = ClaimSpec {
            storage_class: Some(class.into()),
            access_mode: "ReadWriteOnce",
            size: format!("{}Gi", self.rng.pick(&[10, 20, 50, 100, 200])),
            volume_name: None,
        };
        let replicas = if ns.env == "prod" { 3 } else { 1 };
        let meta = Meta::namespaced(app.clone(), &ns.name, &all);
        docs.push(Doc {
            tag: "statefulset",
            text: objects::stateful_set(&meta, replicas, &headless, &select, &pod, "data", &claim),
        });
        (app, docs)
    }

    pub(super) fn agent_app(&mut self, ns: &mut Namespace) -> (String, Vec<Doc>) {
        let &(base, image) = self.rng.pick(AGENTS);
        let app = self.unique_name(ns, base);
        let (select, all) = Self::app_labels(ns, &app, image.rsplit(':').next().unwrap_or("1"));
        let conf = format!(
            "[SERVICE]\n    Flush        5\n    Log_Level    info\n    Parsers_File parsers.conf\n\n[INPUT]\n    Name         tail\n    Path         /var/log/containers/*.log\n    Tag          kube.*\n    Mem_Buf_Limit {}MB\n\n[OUTPUT]\n    Name         forward\n    Match        *\n    Host         collector.observability.svc\n    Port         24224\n",
            self.rng.range(5, 50)
        );
        let config = Meta::namespaced(format!("{app}-config"), &ns.name, &all);
        let cluster_name = format!("{}-{app}", ns.name);
        let rules = [objects::PolicyRule {
            api_groups: &[""],
            resources: &["nodes", "pods", "namespaces"],
            verbs: &["get", "list", "watch"],
        }];
        let mut docs = vec![
            Doc {
                tag: "config",
                text: objects::config_map(&config, &[("agent.conf".to_string(), Data::Block(conf))], false),
            },
            self.service_account_doc(ns, &app, &all),
            Doc { tag: "rbac", text: objects::role("ClusterRole", &Meta::cluster(cluster_name.clone(), &all), &rules) },
            Doc {
                tag: "rbac",
                text: objects::role_binding(
                    "ClusterRoleBinding",
                    &Meta::cluster(cluster_name.clone(), &all),
                    "ClusterRole",
                    &cluster_name,
                    &app,
                    &ns.name,
                ),
            },
        ];
        let mut mounts = vec![
            Mount { volume: "config".into(), path: "/fluent-bit/etc".into(), read_only: true, sub_path: None },
            Mount { volume: "varlog".into(), path: "/var/log".into(), read_only: true, sub_path: None },
        ];
        let mut volumes = vec![
            Volume {
                name: "config".into(),
                source: Source::ConfigMap { name: format!("{app}-config"), items: Vec::new(), mode: None },
            },
            Volume {
                name: "varlog".into(),
                source: Source::HostPath { path: "/var/log".into(), kind: Some("Directory") },
            },
        ];
        let extra = *self.rng.pick(&[
            ("containers", "/var/lib/docker/containers", Some("DirectoryOrCreate")),
            ("proc", "/proc", None),
            ("sys", "/sys", None),
            ("docker-sock", "/var/run/docker.sock", Some("Socket")),
            ("root", "/", None),
        ]);
        mounts.push(Mount {
            volume: extra.0.into(),
            path: format!("/host{}", extra.1.trim_end_matches('/')),
            read_only: self.rng.percent(85),
            sub_path: None,
        });
        volumes.push(Volume { name: extra.0.into(), source: Source::HostPath { path: extra.1.into(), kind: extra.2 } });
        volumes.push(Volume { name: "podinfo".into(), source: Source::DownwardLabels });
        mounts.push(Mount { volume: "podinfo".into(), path: "/etc/podinfo".into(), read_only: true, sub_path: None });
        let mut pod = self.base_pod(ns, &all, Some(app.clone()));
        pod.run_as_user = None;
        pod.tolerate_all = true;
        pod.host_network = base == "node-exporter";
        pod.priority_class = Some("platform-critical".into());
        pod.anti_affinity = false;
        pod.spread_by_zone = false;
        pod.containers.push(Container {
            name: base.into(),
            image: image.into(),
            pull_policy: Some("IfNotPresent"),
            command: Vec::new(),
            args: vec!["--path.procfs=/host/proc".into(), "--path.sysfs=/host/sys".into()],
            ports: vec![("metrics".into(), 9100)],
            env: vec![Env::Field("NODE_NAME".into(), "spec.nodeName"), Env::Field("HOST_IP".into(), "status.hostIP")],
            env_from: Vec::new(),
            resources: Some(Resources {
                cpu: "50m".into(),
                memory: "64Mi".into(),
                cpu_limit: None,
                memory_limit: Some("256Mi".into()),
            }),
            readiness: Some(Probe::Http("/".into(), "metrics")),
            liveness: Some(Probe::Http("/".into(), "metrics")),
            mounts,
            hardened: false,
        });
        pod.volumes = volumes;
        let meta = Meta::namespaced(app.clone(), &ns.name, &all);
        docs.push(Doc { tag: "daemonset", text: objects::daemon_set(&meta, &select, &pod) });
        (app, docs)
    }
}
