//! The generator state and the namespace-level structure of the corpus.

use std::io;

use super::objects::{self, Data, Meta};
use super::yaml::base64;
use super::{GeneratedFile, Stats};
use crate::prng::SplitMix64;

/// Generates exactly `documents` documents with `seed`, handing each file to `sink` in order.
pub fn generate(
    documents: usize,
    seed: u64,
    sink: &mut dyn FnMut(GeneratedFile) -> io::Result<()>,
) -> io::Result<Stats> {
    let mut generator = Generator {
        rng: SplitMix64::new(seed),
        remaining: documents,
        sink,
        stats: Stats::default(),
        namespace_files: 0,
    };
    generator.cluster()?;
    let mut index = 0;
    while generator.remaining > 0 {
        generator.namespace(index)?;
        index += 1;
    }
    Ok(generator.stats)
}

/// Team names; each team gets one namespace per environment (`payments-dev`, `payments-staging`, …).
#[rustfmt::skip]
pub(super) const TEAMS: &[&str] = &[
    "payments", "checkout", "catalog", "search", "identity", "billing", "shipping", "inventory",
    "notifications", "analytics", "marketing", "support", "platform", "data", "ml", "media", "reviews",
    "recommendations", "orders", "pricing", "fraud", "loyalty", "ledger", "gateway", "messaging",
    "reporting", "compliance", "onboarding", "partners", "content",
];
/// Environments, one namespace folder each.
pub(super) const ENVIRONMENTS: &[&str] = &["dev", "staging", "prod"];
/// Application names.
#[rustfmt::skip]
pub(super) const COMPONENTS: &[&str] = &[
    "api", "web", "frontend", "backend", "worker", "consumer", "processor", "indexer", "scheduler", "sync",
    "auth", "admin", "events", "reports", "uploader", "renderer", "notifier", "importer", "exporter", "graphql",
];
/// Database engines: name, image, port, data directory.
#[rustfmt::skip]
pub(super) const DATABASES: &[(&str, &str, u16, &str)] = &[
    ("postgres", "postgres:16.4", 5432, "/var/lib/postgresql/data"),
    ("mysql", "mysql:8.4.2", 3306, "/var/lib/mysql"),
    ("mongo", "mongo:7.0.14", 27017, "/data/db"),
    ("rabbitmq", "rabbitmq:3.13.7-management", 5672, "/var/lib/rabbitmq"),
];
/// Node agents: name and image.
pub(super) const AGENTS: &[(&str, &str)] = &[
    ("log-shipper", "fluent/fluent-bit:3.1.9"),
    ("node-exporter", "prom/node-exporter:v1.8.2"),
    ("security-agent", "falcosecurity/falco:0.38.2"),
    ("metrics-agent", "datadog/agent:7.57.2"),
];

/// One document of an application, with the file-name tag used when the app is split into files.
pub(super) struct Doc {
    pub(super) tag: &'static str,
    pub(super) text: String,
}

/// Generation state: the single random stream, the document budget and the output.
pub(super) struct Generator<'a> {
    /// Every choice is drawn from this stream, in generation order.
    pub(super) rng: SplitMix64,
    /// Documents still to write; generation stops when it reaches zero.
    pub(super) remaining: usize,
    /// Receives each finished file.
    pub(super) sink: &'a mut dyn FnMut(GeneratedFile) -> io::Result<()>,
    /// What has been written so far.
    pub(super) stats: Stats,
    /// Files written into the current namespace folder.
    pub(super) namespace_files: usize,
}

/// Per-namespace context: names of shared objects the applications refer to.
pub(super) struct Namespace {
    pub(super) name: String,
    pub(super) team: String,
    pub(super) env: &'static str,
    pub(super) dir: String,
    pub(super) tls_secret: String,
    pub(super) used_names: Vec<String>,
}

/// Label or annotation pairs, in the order they are written.
pub(super) type Labels = Vec<(String, String)>;

/// Owned label pairs from borrowed ones.
pub(super) fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

impl Generator<'_> {
    /// Writes one file holding (a prefix of) `docs`; stops silently once the budget is spent.
    pub(super) fn emit(&mut self, path: String, docs: Vec<String>) -> io::Result<()> {
        let take = docs.len().min(self.remaining);
        if take == 0 {
            return Ok(());
        }
        let mut content = String::new();
        if self.rng.percent(15) {
            content.push_str("# Managed by the platform team. Changes go through review in #infra.\n");
        }
        for (i, doc) in docs.iter().take(take).enumerate() {
            if i > 0 || self.rng.percent(25) {
                content.push_str("---\n");
            }
            content.push_str(doc);
            let kind = doc.lines().find_map(|l| l.strip_prefix("kind: ")).unwrap_or("?");
            *self.stats.kinds.entry(kind.to_string()).or_default() += 1;
        }
        self.remaining -= take;
        self.namespace_files += 1;
        self.stats.files += 1;
        self.stats.documents += take;
        self.stats.bytes += content.len();
        (self.sink)(GeneratedFile { path, content })
    }

    pub(super) fn version(&mut self) -> String {
        format!("{}.{}.{}", self.rng.range(0, 4), self.rng.range(0, 30), self.rng.range(0, 12))
    }

    pub(super) fn random_base64(&mut self, bytes: usize) -> String {
        let data: Vec<u8> = (0..bytes).map(|_| self.rng.next_u64() as u8).collect();
        base64(&data)
    }

    /// ~10% of references name an object that the corpus does not define.
    pub(super) fn reference(&mut self, existing: &str, missing: &str) -> String {
        if self.rng.percent(10) {
            missing.to_string()
        } else {
            existing.to_string()
        }
    }

    pub(super) fn cluster(&mut self) -> io::Result<()> {
        let managed = labels(&[("app.kubernetes.io/managed-by", "platform")]);
        let mut standard = Meta::cluster("standard", &managed);
        standard.annotations.push(("storageclass.kubernetes.io/is-default-class".into(), "true".into()));
        let gce = |kind: &str| vec![("type".to_string(), kind.to_string())];
        let classes = vec![
            objects::storage_class(
                &standard,
                "pd.csi.storage.gke.io",
                &gce("pd-balanced"),
                "Delete",
                "WaitForFirstConsumer",
                true,
            ),
            objects::storage_class(
                &Meta::cluster("fast-ssd", &managed),
                "pd.csi.storage.gke.io",
                &gce("pd-ssd"),
                "Delete",
                "WaitForFirstConsumer",
                true,
            ),
            objects::storage_class(
                &Meta::cluster("standard-retain", &managed),
                "pd.csi.storage.gke.io",
                &gce("pd-balanced"),
                "Retain",
                "WaitForFirstConsumer",
                true,
            ),
            objects::storage_class(
                &Meta::cluster("local-storage", &managed),
                "kubernetes.io/no-provisioner",
                &[],
                "Retain",
                "WaitForFirstConsumer",
                false,
            ),
        ];
        self.emit("cluster/storage-classes.yaml".into(), classes)?;
        let priorities = ["platform-critical", "batch-low"]
            .iter()
            .zip([100_000, -10])
            .map(|(name, value)| {
                format!(
                    "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: {name}\nvalue: {value}\nglobalDefault: false\ndescription: \"{name} workloads\"\n"
                )
            })
            .collect();
        self.emit("cluster/priority-classes.yaml".into(), priorities)
    }

    pub(super) fn namespace(&mut self, index: usize) -> io::Result<()> {
        let team_index = index / ENVIRONMENTS.len();
        let base = TEAMS[team_index % TEAMS.len()];
        let team = match team_index / TEAMS.len() {
            0 => base.to_string(),
            n => format!("{base}-{}", n + 1),
        };
        let env = ENVIRONMENTS[index % ENVIRONMENTS.len()];
        let ns = Namespace {
            name: format!("{team}-{env}"),
            dir: format!("{team}/{env}"),
            tls_secret: format!("{team}-tls"),
            team,
            env,
            used_names: Vec::new(),
        };
        self.namespace_files = 0;
        let target_files = self.rng.range(40, 60) as usize;

        let ns_labels = labels(&[("team", &ns.team), ("environment", env)]);
        let mut docs = vec![objects::namespace(&Meta::cluster(ns.name.clone(), &ns_labels))];
        if self.rng.percent(50) {
            docs.push(objects::limit_range(&Meta::namespaced("defaults", &ns.name, &[]), "512Mi", "500m"));
        }
        self.emit(format!("{}/namespace.yaml", ns.dir), docs)?;
        let shared = self.shared_config(&ns);
        self.emit(format!("{}/shared-config.yaml", ns.dir), shared)?;
        if self.rng.percent(30) {
            let dashboards = self.dashboards(&ns);
            self.emit(format!("{}/dashboards.yaml", ns.dir), dashboards)?;
        }

        let mut ns = ns;
        while self.namespace_files < target_files && self.remaining > 0 {
            let roll = self.rng.below(100);
            let (app, docs) = match roll {
                0..=34 => self.web_app(&mut ns),
                35..=54 => self.worker_app(&mut ns),
                55..=66 => self.database_app(&mut ns),
                67..=81 => self.batch_app(&mut ns),
                82..=91 => self.cache_app(&mut ns),
                _ => self.agent_app(&mut ns),
            };
            self.layout(&ns, &app, docs)?;
        }
        Ok(())
    }

    /// Writes an application as one file, one file per tag, or a folder of files.
    pub(super) fn layout(&mut self, ns: &Namespace, app: &str, docs: Vec<Doc>) -> io::Result<()> {
        let mut groups: Vec<(&'static str, Vec<String>)> = Vec::new();
        let style = self.rng.below(100);
        if style < 45 {
            let all = docs.into_iter().map(|d| d.text).collect();
            return self.emit(format!("{}/{app}.yaml", ns.dir), all);
        }
        for doc in docs {
            match groups.iter_mut().find(|(tag, _)| *tag == doc.tag) {
                Some((_, list)) => list.push(doc.text),
                None => groups.push((doc.tag, vec![doc.text])),
            }
        }
        for (tag, texts) in groups {
            let path = if style < 80 {
                format!("{}/{app}-{tag}.yaml", ns.dir)
            } else {
                format!("{}/{app}/{tag}.yaml", ns.dir)
            };
            self.emit(path, texts)?;
        }
        Ok(())
    }

    pub(super) fn unique_name(&mut self, ns: &mut Namespace, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        while ns.used_names.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        ns.used_names.push(name.clone());
        name
    }

    pub(super) fn shared_config(&mut self, ns: &Namespace) -> Vec<String> {
        let meta = |name: &str| Meta::namespaced(name, &ns.name, &labels(&[("team", &ns.team)]));
        let level = if ns.env == "prod" { "info" } else { "debug" };
        let common = vec![
            ("LOG_LEVEL".to_string(), Data::Line(level.into())),
            ("LOG_FORMAT".into(), Data::Line("json".into())),
            ("ENVIRONMENT".into(), Data::Line(ns.env.into())),
            ("TZ".into(), Data::Line("UTC".into())),
            ("OTEL_EXPORTER_OTLP_ENDPOINT".into(), Data::Line("http://otel-collector.observability:4317".into())),
            (
                "OTEL_RESOURCE_ATTRIBUTES".into(),
                Data::Line(format!("deployment.environment={},team={}", ns.env, ns.team)),
            ),
        ];
        let certificate = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            self.random_base64(720)
                .as_bytes()
                .chunks(64)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("\n")
        );
        let auth = base64(format!("robot-{}:{}", ns.team, self.random_base64(24)).as_bytes());
        let docker = format!("{{\"auths\":{{\"registry.example.com\":{{\"auth\":\"{auth}\"}}}}}}");
        let tls_crt = self.random_base64(1100);
        let tls_key = self.random_base64(1600);
        vec![
            objects::config_map(&meta("common-env"), &common, false),
            objects::config_map(&meta("ca-bundle"), &[("ca.crt".to_string(), Data::Block(certificate))], false),
            objects::secret(
                &meta("regcred"),
                "kubernetes.io/dockerconfigjson",
                &[(".dockerconfigjson".into(), base64(docker.as_bytes()))],
            ),
            objects::secret(
                &meta(&ns.tls_secret),
                "kubernetes.io/tls",
                &[("tls.crt".into(), tls_crt), ("tls.key".into(), tls_key)],
            ),
        ]
    }

    pub(super) fn dashboards(&mut self, ns: &Namespace) -> Vec<String> {
        let count = self.rng.range(3, 20);
        (0..count)
            .map(|i| {
                let mut panels = Vec::new();
                for p in 0..self.rng.range(2, 6) {
                    panels.push(format!(
                        "    {{\"id\": {p}, \"type\": \"timeseries\", \"title\": \"{} p{}\",\n      \"targets\": [{{\"expr\": \"histogram_quantile(0.{}, sum(rate(http_request_duration_seconds_bucket{{namespace=\\\"{}\\\"}}[5m])) by (le))\"}}]}}",
                        COMPONENTS[(i as usize + p as usize) % COMPONENTS.len()],
                        self.rng.range(50, 99),
                        self.rng.range(5, 99),
                        ns.name
                    ));
                }
                let json = format!(
                    "{{\n  \"title\": \"{} overview {i}\",\n  \"uid\": \"{}\",\n  \"refresh\": \"30s\",\n  \"panels\": [\n{}\n  ]\n}}\n",
                    ns.team,
                    &self.random_base64(9)[..12].replace(['+', '/'], "x"),
                    panels.join(",\n")
                );
                let meta = Meta::namespaced(format!("dashboard-{}-{i}", ns.team), &ns.name, &labels(&[("grafana_dashboard", "1")]));
                objects::config_map(&meta, &[(format!("{}-{i}.json", ns.team), Data::Block(json))], false)
            })
            .collect()
    }

    pub(super) fn hex(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(b"0123456789abcdef"[self.rng.below(16) as usize])).collect()
    }
}
