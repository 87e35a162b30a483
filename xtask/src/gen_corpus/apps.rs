//! Applications teams deploy: web services, workers with claims, caches, batch jobs.

use super::generator::{Doc, Generator, Namespace, COMPONENTS};
use super::objects::{self, ClaimSpec, Data, Meta, ServicePort};
use super::pod::{Container, Env, Mount, Probe, Resources, Source, Volume};

impl Generator<'_> {
    pub(super) fn web_app(&mut self, ns: &mut Namespace) -> (String, Vec<Doc>) {
        let base = *self.rng.pick(COMPONENTS);
        let app = self.unique_name(ns, base);
        let version = self.version();
        let (select, all) = Self::app_labels(ns, &app, &version);
        let mut docs = vec![self.app_config(ns, &app, &all), self.app_secret(ns, &app, &all)];
        let sa = self.rng.percent(50).then(|| app.clone());
        if let Some(sa) = &sa {
            docs.push(self.service_account_doc(ns, sa, &all));
        }
        let image = format!("registry.example.com/{}/{app}:{version}", ns.team);
        let mut pod = self.base_pod(ns, &all, sa);
        pod.containers.push(self.app_container(ns, &app, image, true));
        if self.rng.percent(20) {
            pod.containers.push(Container {
                name: "envoy".into(),
                image: "envoyproxy/envoy:v1.31.2".into(),
                pull_policy: None,
                command: Vec::new(),
                args: vec!["--config-path".into(), "/etc/envoy/envoy.yaml".into(), "--log-level".into(), "warn".into()],
                ports: vec![("proxy".into(), 15001)],
                env: Vec::new(),
                env_from: Vec::new(),
                resources: Some(Resources {
                    cpu: "50m".into(),
                    memory: "64Mi".into(),
                    cpu_limit: None,
                    memory_limit: Some("128Mi".into()),
                }),
                readiness: Some(Probe::Tcp("proxy")),
                liveness: None,
                mounts: vec![Mount {
                    volume: "config".into(),
                    path: "/etc/envoy".into(),
                    read_only: true,
                    sub_path: None,
                }],
                hardened: true,
            });
        }
        self.app_volumes(ns, &app, &mut pod);
        let replicas = if ns.env == "prod" { self.rng.range(2, 6) } else { 1 } as u32;
        let mut meta = Meta::namespaced(app.clone(), &ns.name, &all);
        if self.rng.percent(30) {
            meta.annotations.push(("deployment.kubernetes.io/revision".into(), self.rng.range(1, 40).to_string()));
        }
        docs.push(Doc { tag: "deployment", text: objects::deployment(&meta, replicas, &select, false, &pod) });
        let ports = [
            ServicePort { name: "http".into(), port: 80, target: "http".into() },
            ServicePort { name: "metrics".into(), port: 9090, target: "metrics".into() },
        ];
        docs.push(Doc {
            tag: "service",
            text: objects::service(&Meta::namespaced(app.clone(), &ns.name, &all), &select, &ports, false, None),
        });
        if self.rng.percent(45) {
            let host = format!("{app}.{}.{}.example.com", ns.team, ns.env);
            let mut meta = Meta::namespaced(app.clone(), &ns.name, &all);
            meta.annotations.push(("cert-manager.io/cluster-issuer".into(), "letsencrypt".into()));
            meta.annotations.push(("nginx.ingress.kubernetes.io/proxy-body-size".into(), "8m".into()));
            let tls = self.reference(&ns.tls_secret, &format!("{app}-tls"));
            docs.push(Doc { tag: "ingress", text: objects::ingress(&meta, &host, &tls, &app, "http", &["/", "/api"]) });
        }
        if ns.env == "prod" && self.rng.percent(50) {
            let meta = Meta::namespaced(app.clone(), &ns.name, &all);
            docs.push(Doc { tag: "hpa", text: objects::hpa(&meta, &app, replicas, replicas * 4, 70) });
            docs.push(Doc {
                tag: "hpa",
                text: objects::pdb(&Meta::namespaced(app.clone(), &ns.name, &all), &select, "50%"),
            });
        }
        if self.rng.percent(20) {
            docs.push(Doc {
                tag: "network-policy",
                text: objects::network_policy(
                    &Meta::namespaced(format!("{app}-ingress"), &ns.name, &all),
                    &select,
                    8080,
                ),
            });
        }
        (app, docs)
    }

    pub(super) fn worker_app(&mut self, ns: &mut Namespace) -> (String, Vec<Doc>) {
        let base = *self.rng.pick(&["worker", "consumer", "processor", "indexer", "importer", "exporter"]);
        let app = self.unique_name(ns, base);
        let version = self.version();
        let (select, all) = Self::app_labels(ns, &app, &version);
        let mut docs = vec![self.app_config(ns, &app, &all), self.app_secret(ns, &app, &all)];
        let claim = format!("{app}-data");
        let size = format!("{}Gi", self.rng.pick(&[5, 10, 20, 50, 100]));
        if self.rng.percent(20) {
            let pv = format!("{}-{app}-nfs", ns.name);
            let pv_meta = Meta::cluster(pv.clone(), &all);
            docs.push(Doc {
                tag: "storage",
                text: objects::nfs_pv(
                    &pv_meta,
                    &size,
                    "ReadWriteMany",
                    "nfs.storage.internal",
                    &format!("/exports/{}/{app}", ns.name),
                    "Retain",
                    Some((&ns.name, &claim)),
                ),
            });
            let spec = ClaimSpec {
                storage_class: Some(String::new()),
                access_mode: "ReadWriteMany",
                size,
                volume_name: Some(pv),
            };
            docs.push(Doc {
                tag: "storage",
                text: objects::pvc(&Meta::namespaced(claim.clone(), &ns.name, &all), &spec),
            });
        } else {
            let class = match self.rng.below(10) {
                0..=3 => Some("standard".to_string()),
                4..=6 => Some("fast-ssd".to_string()),
                7 => Some("standard-retain".to_string()),
                _ => None,
            };
            let spec = ClaimSpec { storage_class: class, access_mode: "ReadWriteOnce", size, volume_name: None };
            docs.push(Doc {
                tag: "storage",
                text: objects::pvc(&Meta::namespaced(claim.clone(), &ns.name, &all), &spec),
            });
        }
        let image = format!("registry.example.com/{}/{app}:{version}", ns.team);
        let mut pod = self.base_pod(ns, &all, None);
        let mut container = self.app_container(ns, &app, image, true);
        container.ports.truncate(0);
        container.ports.push(("metrics".into(), 9090));
        container.readiness = Some(Probe::Http("/healthz".into(), "metrics"));
        container.liveness = Some(Probe::Exec(vec!["/bin/healthcheck".into(), "--timeout=2s".into()]));
        container.mounts.push(Mount {
            volume: "data".into(),
            path: format!("/var/lib/{app}"),
            read_only: false,
            sub_path: None,
        });
        pod.containers.push(container);
        self.app_volumes(ns, &app, &mut pod);
        let claim_ref = self.reference(&claim, &format!("{app}-cache"));
        pod.volumes.push(Volume { name: "data".into(), source: Source::Claim(claim_ref) });
        let meta = Meta::namespaced(app.clone(), &ns.name, &all);
        docs.push(Doc { tag: "deployment", text: objects::deployment(&meta, 1, &select, true, &pod) });
        (app, docs)
    }

    pub(super) fn batch_app(&mut self, ns: &mut Namespace) -> (String, Vec<Doc>) {
        let base = *self.rng.pick(&[
            "nightly-report",
            "db-backup",
            "cleanup",
            "sync-catalog",
            "invoice-run",
            "reindex",
            "migrate",
        ]);
        let app = self.unique_name(ns, base);
        let version = self.version();
        let (_, all) = Self::app_labels(ns, &app, &version);
        let mut docs = vec![self.app_config(ns, &app, &all)];
        let with_secret = self.rng.percent(60);
        if with_secret {
            docs.push(self.app_secret(ns, &app, &all));
        }
        let image = format!("registry.example.com/{}/{app}:{version}", ns.team);
        let mut container = self.app_container(ns, &app, image, true);
        container.ports.clear();
        container.readiness = None;
        container.liveness = None;
        container.args = vec!["run".into(), format!("--since={}h", self.rng.range(1, 48))];
        if !with_secret {
            container.env_from.pop();
            container.env.retain(|e| !matches!(e, Env::SecretKey(..)));
        }
        let mut pod = self.base_pod(ns, &all, None);
        pod.annotations.clear();
        pod.restart_policy = Some(if self.rng.percent(50) { "OnFailure" } else { "Never" });
        pod.containers.push(container);
        pod.volumes.push(Volume {
            name: "config".into(),
            source: Source::ConfigMap { name: format!("{app}-config"), items: Vec::new(), mode: Some("0440") },
        });
        let meta = Meta::namespaced(app.clone(), &ns.name, &all);
        let text = if base == "migrate" || self.rng.percent(20) {
            objects::job(&meta, 3, &pod)
        } else {
            let schedule = format!("{} {} * * *", self.rng.range(0, 59), self.rng.range(0, 23));
            objects::cron_job(&meta, &schedule, &pod)
        };
        docs.push(Doc { tag: if text.contains("kind: Job") { "job" } else { "cronjob" }, text });
        (app, docs)
    }

    pub(super) fn cache_app(&mut self, ns: &mut Namespace) -> (String, Vec<Doc>) {
        let app = self.unique_name(ns, "cache");
        let (select, all) = Self::app_labels(ns, &app, "7.2.5");
        let conf = format!(
            "maxmemory {}mb\nmaxmemory-policy allkeys-lru\nappendonly no\nsave \"\"\ntcp-keepalive 60\ntimeout 300\n",
            self.rng.pick(&[128, 256, 512])
        );
        let config = Meta::namespaced(format!("{app}-config"), &ns.name, &all);
        let mut docs = vec![Doc {
            tag: "config",
            text: objects::config_map(&config, &[("redis.conf".to_string(), Data::Block(conf))], false),
        }];
        let image = if self.rng.percent(6) { "redis:latest" } else { "redis:7.2.5-alpine" };
        let mut pod = self.base_pod(ns, &all, None);
        pod.pull_secret = None;
        pod.containers.push(Container {
            name: "redis".into(),
            image: image.into(),
            pull_policy: None,
            command: vec!["redis-server".into(), "/usr/local/etc/redis/redis.conf".into()],
            args: Vec::new(),
            ports: vec![("redis".into(), 6379)],
            env: Vec::new(),
            env_from: Vec::new(),
            resources: Some(Resources {
                cpu: "100m".into(),
                memory: "256Mi".into(),
                cpu_limit: None,
                memory_limit: Some("512Mi".into()),
            }),
            readiness: Some(Probe::Exec(vec!["redis-cli".into(), "ping".into()])),
            liveness: Some(Probe::Tcp("redis")),
            mounts: vec![Mount {
                volume: "config".into(),
                path: "/usr/local/etc/redis".into(),
                read_only: true,
                sub_path: None,
            }],
            hardened: true,
        });
        pod.volumes.push(Volume {
            name: "config".into(),
            source: Source::ConfigMap { name: format!("{app}-config"), items: Vec::new(), mode: None },
        });
        let meta = Meta::namespaced(app.clone(), &ns.name, &all);
        docs.push(Doc { tag: "deployment", text: objects::deployment(&meta, 1, &select, false, &pod) });
        let ports = [ServicePort { name: "redis".into(), port: 6379, target: "redis".into() }];
        docs.push(Doc {
            tag: "service",
            text: objects::service(&Meta::namespaced(app.clone(), &ns.name, &all), &select, &ports, false, None),
        });
        (app, docs)
    }
}
