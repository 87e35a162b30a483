//! Command-line arguments (clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// kvet — a fast linter, policy engine and declarative test harness for Kubernetes manifests.
#[derive(Debug, Parser)]
#[command(name = "kvet", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check manifests (files, directories, or `-` for stdin).
    Check(CheckArgs),
    /// Run declarative rule fixtures (`# expect: <rule-id>` comments).
    Test(TestArgs),
    /// List the loaded rules.
    Rules(RulesArgs),
    /// Print the documentation of a rule.
    Explain(ExplainArgs),
    /// Print the loaded YAML of each file as one JSON line (documents and loader problems); a debugging aid
    /// and the input of `cargo xtask yaml-oracle`.
    #[command(hide = true)]
    Dump(DumpArgs),
    /// Print what kvet renders for each root kustomization under the paths, one JSON line per root (for
    /// debugging and the differential test against `kubectl kustomize`).
    #[command(hide = true)]
    Render(RenderArgs),
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Files or directories (every kustomization among them is a candidate root).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DumpArgs {
    /// Files to load (not directories).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

/// Options shared by commands that load the rule pack.
#[derive(Debug, Args, Clone, Default)]
pub struct PackArgs {
    /// Add or replace rules from this directory (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Use this config file instead of the `.kvet.yaml` found upward from each checked path.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any `.kvet.yaml`.
    #[arg(long)]
    pub no_config: bool,
    /// Kubernetes version to check against (default 1.34).
    #[arg(long = "k8s-version", value_name = "X.Y")]
    pub k8s_version: Option<String>,
    /// Also report what breaks on an upgrade to this later Kubernetes version (APIs removed by then;
    /// config `kubernetesUpgradeTo`).
    #[arg(long = "k8s-upgrade-to", value_name = "X.Y")]
    pub k8s_upgrade_to: Option<String>,
    /// The inputs (with --context) are the whole truth: references to objects that are not among them (and
    /// not declared in config `cluster:`) are errors instead of warnings (config `assumeCompleteSet`).
    #[arg(long)]
    pub assume_complete: bool,
    /// Schema validation: unknown fields and kinds without any schema are errors (default: warning / info).
    #[arg(long)]
    pub strict: bool,
    /// Extra JSON Schemas for custom resources (kubeconform names: `<kind>-<group>-<version>.json`; repeatable).
    #[arg(long = "schema-dir", value_name = "DIR")]
    pub schema_dirs: Vec<PathBuf>,
    /// The `helm` binary that renders charts (default: $KVET_HELM, else `helm` on PATH).
    #[arg(long, value_name = "PATH", conflicts_with = "no_helm")]
    pub helm: Option<PathBuf>,
    /// Do not render Helm charts (each gets one helm-chart-not-rendered info).
    #[arg(long)]
    pub no_helm: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Snippets, labels and help (miette).
    Human,
    /// `file:line:col: severity[id]: message`.
    Short,
    /// The stable, versioned JSON document.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// GitHub Actions annotations (and a job summary when GITHUB_STEP_SUMMARY is set).
    Github,
    /// JUnit XML: a testsuite per file, a testcase per object.
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check; `-` reads one stream from stdin. Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub pack: PackArgs,
    /// A run that checks no file (every PATH excluded by config include/exclude, or no manifest under them)
    /// exits 0 with an empty report instead of failing with status 2 (pre-commit with only excluded files).
    #[arg(long)]
    pub allow_empty: bool,
    /// Load and index every manifest under DIR, but report only on the PATHs (pre-commit).
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Write the report (in --format) to FILE; the terminal still gets the human report.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with status 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Enable rules that are disabled by default or by config (repeatable, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub enable: Vec<String>,
    /// Disable rules (repeatable, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub disable: Vec<String>,
    /// Also run the rules of these profiles (pss-baseline, pss-restricted, hygiene, rbac, network, supply-chain;
    /// comma-separated; config `profile`). `correctness` always runs unless `--select` leaves it out.
    #[arg(long, value_delimiter = ',', value_name = "PROFILE")]
    pub profile: Vec<String>,
    /// Run exactly these rule ids, areas, profiles or `all` (comma-separated; replaces config `select`;
    /// default `correctness`).
    #[arg(long, value_delimiter = ',', value_name = "SELECTOR")]
    pub select: Option<Vec<String>>,
    /// Do not run these rule ids, areas, profiles (comma-separated; added to config `ignore`). A rule named by
    /// its id in `--select` still runs.
    #[arg(long, value_delimiter = ',', value_name = "SELECTOR")]
    pub ignore: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Never use colours.
    #[arg(long)]
    pub no_color: bool,
    /// Print only the summary line (human format); no progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// File name to report for stdin input.
    #[arg(long, value_name = "NAME", default_value = "-")]
    pub stdin_name: String,
    /// Only read and parse (no rules); for measuring the parser.
    #[arg(long, hide = true)]
    pub parse_only: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Directory of fixtures (default: `fixtures`).
    #[arg(value_name = "DIR", default_value = "fixtures")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub pack: PackArgs,
    /// Rewrite `.out` snapshots (and create missing ones for `fail*` fixtures).
    #[arg(long)]
    pub bless: bool,
    /// Also require every rule to have a fixture where it fires and one where it stays quiet.
    #[arg(long)]
    pub coverage: bool,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(flatten)]
    pub pack: PackArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule id (or alias).
    pub id: String,
    #[command(flatten)]
    pub pack: PackArgs,
}
