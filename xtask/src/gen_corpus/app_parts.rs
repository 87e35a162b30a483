//! Building blocks shared by the applications: config, secrets, the main container, pod defaults, volumes.

use super::generator::{labels, Doc, Generator, Labels, Namespace};
use super::objects::{self, Data, Meta};
use super::pod::{Container, Env, EnvFrom, Mount, Pod, Probe, Resources, Source, Volume};

impl Generator<'_> {
    /// The selector labels and the full recommended label set of an application.
    pub(super) fn app_labels(ns: &Namespace, app: &str, version: &str) -> (Labels, Labels) {
        let select = labels(&[("app.kubernetes.io/name", app)]);
        let all = labels(&[
            ("app.kubernetes.io/name", app),
            ("app.kubernetes.io/part-of", &ns.team),
            ("app.kubernetes.io/version", version),
        ]);
        (select, all)
    }

    /// An application ConfigMap: a config file plus a few environment keys.
    pub(super) fn app_config(&mut self, ns: &Namespace, app: &str, meta_labels: &[(String, String)]) -> Doc {
        let style = self.rng.below(3);
        let file = match style {
            0 => (
                "config.yaml",
                format!(
                    "server:\n  port: 8080\n  readTimeout: {}s\n  writeTimeout: {}s\n  shutdownGracePeriod: 20s\ndatabase:\n  host: {}-db.{}.svc.cluster.local\n  port: 5432\n  name: {}\n  maxOpenConns: {}\n  maxIdleConns: 10\n  connMaxLifetime: 30m\ncache:\n  address: cache:6379\n  ttl: {}s\nlogging:\n  level: info\n  format: json\nfeatures:\n  newCheckout: {}\n  asyncExport: true\n  rateLimitPerMinute: {}\n",
                    self.rng.range(5, 60), self.rng.range(5, 60), ns.team, ns.name, app.replace('-', "_"),
                    self.rng.range(10, 100), self.rng.range(60, 3600), self.rng.percent(50), self.rng.range(100, 5000)
                ),
            ),
            1 => (
                "application.properties",
                format!(
                    "server.port=8080\nserver.shutdown=graceful\nmanagement.endpoints.web.exposure.include=health,info,prometheus\nmanagement.endpoint.health.probes.enabled=true\nspring.application.name={app}\nspring.datasource.url=jdbc:postgresql://{}-db.{}.svc:5432/{}\nspring.datasource.hikari.maximum-pool-size={}\nspring.jpa.open-in-view=false\nspring.kafka.bootstrap-servers=kafka.messaging.svc:9092\nspring.kafka.consumer.group-id={app}-{}\nlogging.level.root=INFO\nlogging.level.com.example={}\n",
                    ns.team, ns.name, app.replace('-', "_"), self.rng.range(5, 50), ns.env,
                    if ns.env == "prod" { "INFO" } else { "DEBUG" }
                ),
            ),
            _ => (
                "nginx.conf",
                format!(
                    "worker_processes auto;\nevents {{\n  worker_connections {};\n}}\nhttp {{\n  include /etc/nginx/mime.types;\n  sendfile on;\n  keepalive_timeout 65;\n  gzip on;\n  gzip_types text/plain application/json application/javascript text/css;\n  server {{\n    listen 8080;\n    server_name _;\n    root /usr/share/nginx/html;\n    location /healthz {{\n      return 200 'ok';\n    }}\n    location /api/ {{\n      proxy_pass http://{}-api:8080/;\n      proxy_set_header Host $host;\n      proxy_set_header X-Request-ID $request_id;\n      proxy_read_timeout {}s;\n    }}\n    location / {{\n      try_files $uri $uri/ /index.html;\n    }}\n  }}\n}}\n",
                    self.rng.range(512, 4096), ns.team, self.rng.range(10, 120)
                ),
            ),
        };
        let data = vec![
            (file.0.to_string(), Data::Block(file.1)),
            ("HTTP_PORT".into(), Data::Line("8080".into())),
            ("METRICS_PORT".into(), Data::Line("9090".into())),
            ("CACHE_TTL_SECONDS".into(), Data::Line(self.rng.range(30, 900).to_string())),
            ("UPSTREAM_TIMEOUT".into(), Data::Line(format!("{}s", self.rng.range(1, 30)))),
        ];
        let meta = Meta::namespaced(format!("{app}-config"), &ns.name, meta_labels);
        Doc { tag: "config", text: objects::config_map(&meta, &data, self.rng.percent(10)) }
    }

    pub(super) fn app_secret(&mut self, ns: &Namespace, app: &str, meta_labels: &[(String, String)]) -> Doc {
        let data = vec![
            ("database-password".to_string(), self.random_base64(24)),
            ("api-key".into(), self.random_base64(32)),
            ("jwt-signing-key".into(), self.random_base64(64)),
        ];
        let meta = Meta::namespaced(format!("{app}-secrets"), &ns.name, meta_labels);
        Doc { tag: "config", text: objects::secret(&meta, "Opaque", &data) }
    }

    /// A main application container, with the occasional real problem.
    pub(super) fn app_container(&mut self, ns: &Namespace, app: &str, image: String, config_file: bool) -> Container {
        let image = match self.rng.below(100) {
            0..=2 => format!("registry.example.com/{}/{app}:latest", ns.team),
            3 => format!("registry.example.com/{}/{app}", ns.team),
            4..=12 => format!("{image}@sha256:{}", self.hex(64)),
            _ => image,
        };
        let config = self.reference(&format!("{app}-config"), &format!("{app}-env"));
        let secrets = self.reference(&format!("{app}-secrets"), &format!("{app}-credentials"));
        let key_secret = self.reference(&format!("{app}-secrets"), &format!("{}-db-credentials", ns.team));
        let mut env = vec![
            Env::Field("POD_NAME".into(), "metadata.name"),
            Env::Field("POD_NAMESPACE".into(), "metadata.namespace"),
            Env::ConfigKey("LOG_LEVEL".into(), "common-env".into(), "LOG_LEVEL".into()),
            Env::ConfigKey(
                "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
                "common-env".into(),
                "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
            ),
            Env::SecretKey("DATABASE_PASSWORD".into(), key_secret, "database-password".into()),
        ];
        if self.rng.percent(50) {
            env.push(Env::Resource("GOMAXPROCS".into(), "limits.cpu"));
        }
        if self.rng.percent(40) {
            env.push(Env::Value("FEATURE_ASYNC_EXPORT".into(), "true".into()));
        }
        let resources = match self.rng.below(100) {
            0..=3 => None,
            4..=7 => {
                Some(Resources { cpu: "100m".into(), memory: "128Mi".into(), cpu_limit: None, memory_limit: None })
            }
            _ => {
                let memory = *self.rng.pick(&[128u32, 256, 512, 1024]);
                Some(Resources {
                    cpu: format!("{}m", self.rng.pick(&[50, 100, 250, 500])),
                    memory: format!("{memory}Mi"),
                    cpu_limit: self.rng.percent(60).then(|| "1".to_string()),
                    memory_limit: Some(format!("{}Mi", memory * 2)),
                })
            }
        };
        let mut mounts = Vec::new();
        if config_file {
            mounts.push(Mount {
                volume: "config".into(),
                path: format!("/etc/{app}"),
                read_only: true,
                sub_path: None,
            });
        }
        Container {
            name: app.to_string(),
            image,
            pull_policy: Some("IfNotPresent"),
            command: Vec::new(),
            args: vec![
                format!("--config=/etc/{app}/config.yaml"),
                "--http-addr=:8080".into(),
                "--metrics-addr=:9090".into(),
            ],
            ports: vec![("http".into(), 8080), ("metrics".into(), 9090)],
            env,
            env_from: vec![EnvFrom::ConfigMap(config), EnvFrom::Secret(secrets)],
            resources,
            readiness: Some(Probe::Http("/healthz/ready".into(), "http")),
            liveness: Some(Probe::Http("/healthz/live".into(), "http")),
            mounts,
            hardened: self.rng.percent(80),
        }
    }

    pub(super) fn base_pod(&mut self, ns: &Namespace, all_labels: &[(String, String)], sa: Option<String>) -> Pod {
        let mut annotations = Vec::new();
        if self.rng.percent(60) {
            annotations.push(("prometheus.io/scrape".to_string(), "true".to_string()));
            annotations.push(("prometheus.io/port".to_string(), "9090".to_string()));
        }
        Pod {
            labels: all_labels[..2].to_vec(),
            annotations,
            service_account: sa,
            pull_secret: self.rng.percent(70).then(|| self.reference("regcred", "registry-credentials")),
            run_as_user: self.rng.percent(75).then_some(10001),
            grace_seconds: self.rng.percent(30).then_some(45),
            node_selector: if self.rng.percent(15) { labels(&[("kubernetes.io/os", "linux")]) } else { Vec::new() },
            anti_affinity: ns.env == "prod" && self.rng.percent(50),
            spread_by_zone: ns.env == "prod" && self.rng.percent(30),
            ..Pod::default()
        }
    }

    /// Adds the common volumes of an application pod: config file, TLS secret, scratch space.
    pub(super) fn app_volumes(&mut self, ns: &Namespace, app: &str, pod: &mut Pod) {
        let config = self.reference(&format!("{app}-config"), &format!("{app}-files"));
        let mode = match self.rng.below(10) {
            0..=5 => None,
            6..=7 => Some("0444"),
            _ => Some("420"),
        };
        pod.volumes.push(Volume {
            name: "config".into(),
            source: Source::ConfigMap { name: config, items: Vec::new(), mode },
        });
        if self.rng.percent(50) {
            pod.volumes.push(Volume {
                name: "tls".into(),
                source: Source::Secret { name: ns.tls_secret.clone(), mode: Some("0400") },
            });
            pod.containers[0].mounts.push(Mount {
                volume: "tls".into(),
                path: "/etc/tls".into(),
                read_only: true,
                sub_path: None,
            });
        }
        if self.rng.percent(30) {
            pod.volumes.push(Volume {
                name: "ca-bundle".into(),
                source: Source::ConfigMap {
                    name: "ca-bundle".into(),
                    items: vec![("ca.crt".into(), "ca.crt".into())],
                    mode: None,
                },
            });
            pod.containers[0].mounts.push(Mount {
                volume: "ca-bundle".into(),
                path: "/etc/ssl/certs/internal-ca.crt".into(),
                read_only: true,
                sub_path: Some("ca.crt".into()),
            });
        }
        let scratch = match self.rng.below(100) {
            0..=2 => Source::EmptyDir { memory: true, size_limit: None },
            3..=19 => Source::EmptyDir { memory: true, size_limit: Some("64Mi".into()) },
            _ => Source::EmptyDir { memory: false, size_limit: None },
        };
        pod.volumes.push(Volume { name: "tmp".into(), source: scratch });
        pod.containers[0].mounts.push(Mount {
            volume: "tmp".into(),
            path: "/tmp".into(),
            read_only: false,
            sub_path: None,
        });
        if self.rng.percent(2) {
            let path = *self.rng.pick(&["/var/run/docker.sock", "/var/log", "/etc/kubernetes"]);
            pod.volumes
                .push(Volume { name: "host".into(), source: Source::HostPath { path: path.into(), kind: None } });
            pod.containers[0].mounts.push(Mount {
                volume: "host".into(),
                path: format!("/host{path}"),
                read_only: false,
                sub_path: None,
            });
        }
    }

    pub(super) fn service_account_doc(&mut self, ns: &Namespace, name: &str, meta_labels: &[(String, String)]) -> Doc {
        let meta = Meta::namespaced(name, &ns.name, meta_labels);
        Doc { tag: "rbac", text: objects::service_account(&meta, None, self.rng.percent(50)) }
    }
}
