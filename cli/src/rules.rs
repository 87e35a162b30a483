//! `kvet rules` and `kvet explain`.

use crate::args::{ExplainArgs, RulesArgs, RulesFormat};
use kvet_engine::pack::Rule;
use serde_json::json;

fn metadata(r: &Rule, cfg: &kvet_engine::Config) -> serde_json::Value {
    json!({
        "id": r.id,
        "severity": r.severity.as_str(),
        "severities": r.severities().iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "area": r.area,
        "summary": r.summary,
        "target": r.target,
        "kinds": r.kinds,
        "enabled": cfg.runs(r),
        "optIn": !r.default_enabled,
        "profiles": r.profiles,
        "equivalents": r.equivalents,
        "docs": r.docs,
        "since": r.since,
        "sources": r.sources,
        "aliases": r.aliases,
        "params": r.params,
        "cases": r.cases.iter().map(|c| json!({"id": c.id, "severity": c.severity.as_str()})).collect::<Vec<_>>(),
        "origin": r.origin,
    })
}

pub fn list(args: RulesArgs) -> i32 {
    let (cfg, pack) = match crate::load(&args.pack, |_| {}) {
        Ok(x) => x,
        Err(code) => return code,
    };
    match args.format {
        RulesFormat::Json => {
            let all: Vec<_> = pack.rules().iter().map(|r| metadata(r, &cfg)).collect();
            crate::out!("{}\n", serde_json::to_string_pretty(&all).unwrap_or_default());
        }
        RulesFormat::Table => {
            let w = pack.rules().iter().map(|r| r.id.len()).max().unwrap_or(2);
            let sw = pack.rules().iter().map(|r| r.severity_label().len()).max().unwrap_or(8).max(8);
            let pw = pack.rules().iter().map(|r| r.profiles.join(",").len()).max().unwrap_or(7).max(7);
            crate::out!("{:<w$}  {:<sw$}  {:<11}  {:<pw$}  summary\n", "id", "severity", "area", "profile");
            for r in pack.rules() {
                let off = if cfg.runs(r) { "" } else { " (off)" };
                let profiles = r.profiles.join(",");
                crate::out!(
                    "{:<w$}  {:<sw$}  {:<11}  {profiles:<pw$}  {}{off}\n",
                    r.id,
                    r.severity_label(),
                    r.area,
                    r.summary
                );
            }
            crate::out!("{} rules\n", pack.rules().len());
        }
    }
    0
}

/// The explanation of a rule, as `kvet explain` prints it and `cargo xtask docs` writes it.
pub fn explain_text(r: &Rule) -> String {
    let mut s = format!("# {}\n\n{}\n\n", r.id, r.summary);
    s.push_str(&format!("- severity: {}\n- area: {}\n", r.severity_label(), r.area));
    s.push_str(&format!("- profiles: {}\n", r.profiles.join(", ")));
    if !r.equivalents.is_empty() {
        let peers: Vec<String> = kvet_engine::pack::profiles::PEERS
            .iter()
            .filter_map(|(id, title)| r.equivalents.get(*id).map(|checks| format!("{title}: {}", checks.join(", "))))
            .collect();
        s.push_str(&format!("- equivalents: {}\n", peers.join("; ")));
    }
    if let Some(v) = &r.since {
        s.push_str(&format!("- since: {v}\n"));
    }
    if !r.aliases.is_empty() {
        s.push_str(&format!("- aliases: {}\n", r.aliases.join(", ")));
    }
    s.push('\n');
    s.push_str(r.docs.trim_end());
    if !r.declared_params.is_empty() {
        // What `.kvet.yaml` may override (`rules: {ID: {params: {NAME: …}}}`), with the value in effect.
        s.push_str("\n\n## Parameters\n\n");
        let file = match r.origin.strip_prefix("<embedded>/") {
            Some(rel) => format!("rules/{rel} in kvet's repository"),
            None => r.origin.clone(),
        };
        let see = format!("(see {file})");
        for name in &r.declared_params {
            let value = r.params.get(name).map(|v| v.to_string()).unwrap_or_default();
            let shown = match r.params.get(name) {
                _ if value.chars().count() <= 100 => format!("`{value}`"),
                Some(serde_json::Value::Array(a)) => format!("a list of {} entries {see}", a.len()),
                Some(serde_json::Value::Object(m)) => format!("a map of {} entries {see}", m.len()),
                _ => format!("a long value {see}"),
            };
            s.push_str(&format!("- `{name}`: {shown}\n"));
        }
        s.pop();
    }
    s.push_str("\n\n## Suppressing\n\n");
    s.push_str(&format!(
        "- on a line: `# kvet-ignore: {id}`\n- in a file: `# kvet-ignore-file: {id}`\n- on an object: annotation `kvet.dev/ignore: \"{id}\"`\n- everywhere: `.kvet.yaml` → `rules: {{{id}: {{enabled: false}}}}`\n",
        id = r.id
    ));
    if !r.sources.is_empty() {
        s.push_str("\n## Sources\n\n");
        for src in &r.sources {
            s.push_str(&format!("- {src}\n"));
        }
    }
    s
}

/// The topics `kvet explain` knows besides rule ids: what the errors of the configuration and of the rule
/// pack (`config`, `rule-pack`) refer to. Shown without loading either, so they work when both are broken.
const TOPICS: [(&str, &str); 2] =
    [("config", include_str!("../../docs/configuration.md")), ("rule-pack", include_str!("../../docs/rule-format.md"))];

pub fn explain(args: ExplainArgs) -> i32 {
    if let Some((_, text)) = TOPICS.iter().find(|(id, _)| *id == args.id) {
        crate::out!("{text}");
        return 0;
    }
    let (_, pack) = match crate::load(&args.pack, |_| {}) {
        Ok(x) => x,
        Err(code) => return code,
    };
    match pack.get(&args.id) {
        Some(r) => {
            crate::out!("{}", explain_text(r));
            0
        }
        None => {
            eprintln!("error: no rule `{}` (see `kvet rules`)", args.id);
            2
        }
    }
}
