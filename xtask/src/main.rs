//! `cargo xtask`: kvet's project chores. Every task that needs the linter builds the `kvet` binary (dev profile; release for `bench`)
//! and runs it as a user would, so this crate never depends on the engine's internals.

mod bench;
mod ci;
mod corpus;
mod docs;
mod fixtures;
mod fuzz;
mod gen_corpus;
mod import_schemas;
mod kustomize;
mod measure;
mod precision;
mod prng;
mod util;
mod yaml_oracle;

use std::process::ExitCode;

use util::{Args, TaskError, TaskResult};

const USAGE: &str = "\
usage: cargo xtask <task> [options]

tasks:
  ci                         exactly what CI runs: fmt --check, clippy -D warnings, tests, fixtures, docs --check
  fixtures                   run `kvet test fixtures --coverage` (fails when a rule lacks a firing or quiet fixture)
  docs [--check]             generate docs/rules/<id>.md and docs/rules/README.md; --check: fail if stale
  corpus [--bless]           per-rule finding counts on ../shared/corpus vs xtask/corpus-baseline.json
  precision [--unlabelled]   precision per rule on the labelled real manifests of xtask/precision-labels.json;
                             fails on a finding labelled false or an unlabelled error/warning
  gen-corpus [--docs N] [--out DIR]
                             deterministic benchmark corpus (default: 1k, 10k, 100k into bench-corpus/)
  gen-corpus --from-corpus DIR [--copies K] [--out DIR]
                             K copies of DIR into bench-corpus/shared-xK/copy-0..K-1
  gen-corpus --kustomize N [--out DIR]
                             N applications, each a base rendered by 3 overlays, into bench-corpus/kustomize-N
  bench [--corpus DIR]... [--runs N]
                             time `kvet check` (1 and 2 threads) and `--parse-only`; writes bench-results.md
  import-schemas             regenerate engine/schemas/ (Kubernetes JSON Schemas) from PyPI kubernetes-validate
  yaml-oracle [--mutations N] [--show N]
                             kvet's YAML loader vs PyYAML (CSafeLoader) on the corpora, fixtures and seeded
                             mutations: where PyYAML accepts, kvet must load the same value without yaml-syntax
  kustomize [--bless]        kvet's kustomize renderings vs the kubectl kustomize snapshots of
                             xtask/kustomize-renderings.json (re-checked against kubectl when it is on PATH)
  fuzz [--target T] [--seconds N] [--ci]
                             the cargo-fuzz targets of fuzz/ (nightly Rust): load, front_ends, check,
                             rule_file, config, quantity, select; N seconds each (default 60), seeded with
                             fuzz/seeds/ and the repository's inputs; --ci installs cargo-fuzz if missing
                             and skips when nightly is missing
  schema-compare [--version X.Y]
                             kvet's schema verdicts on ../shared/corpus vs plain JSON Schema (kubeconform-style)
";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    }
    let task = args.remove(0);
    let args = Args::new(args);
    let result: TaskResult = match task.as_str() {
        "ci" => ci::run(args),
        "fixtures" => fixtures::run(args),
        "docs" => docs::run(args),
        "corpus" => corpus::run(args),
        "precision" => precision::run(args),
        "gen-corpus" => gen_corpus::run(args),
        "bench" => bench::run(args),
        "import-schemas" => import_schemas::run(args),
        "schema-compare" => import_schemas::compare(args),
        "yaml-oracle" => yaml_oracle::run(args),
        "fuzz" => fuzz::run(args),
        "kustomize" => kustomize::run(args),
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(true)
        }
        other => Err(TaskError::usage(format!("unknown task `{other}`"))),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("xtask {task}: {error}");
            if error.show_usage {
                eprint!("\n{USAGE}");
            }
            ExitCode::from(u8::try_from(error.code).unwrap_or(1))
        }
    }
}
