//! `kvet dump FILE…` (hidden): what the YAML loader made of each file, one JSON line per file —
//! `{"file", "documents": [value…], "problems": [{"rule", "severity", "line", "column", "message"}…]}`.
//! Documents are the non-empty ones, in order, with kubectl's typing; `cargo xtask yaml-oracle` compares
//! them with PyYAML's.

use crate::args::DumpArgs;
use kvet_engine::SourceFile;
use serde_json::json;

pub fn run(args: DumpArgs) -> i32 {
    let mut status = 0;
    for path in &args.files {
        let name = path.display().to_string();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("kvet dump: {name}: {e}");
                status = 2;
                continue;
            }
        };
        let file = SourceFile::from_bytes(name.clone(), bytes);
        let loaded = kvet_engine::yaml::load(&file);
        let problems: Vec<_> = loaded
            .problems
            .iter()
            .map(|p| {
                let at = file.position(p.span.start);
                json!({"rule": p.rule, "severity": p.severity.as_str(), "line": at.line, "column": at.column, "message": p.message})
            })
            .collect();
        let documents: Vec<_> = loaded.documents.into_iter().map(|d| d.value).collect();
        crate::out!("{}\n", json!({"file": name, "documents": documents, "problems": problems}));
    }
    status
}

/// `kvet render PATH…` (hidden): for each root kustomization under the paths, one JSON line —
/// `{"kustomization", "objects": [value…]}` when it renders, else `{"kustomization", "error"|"skipped": message,
/// "file", "line"}`.
pub fn render(args: crate::args::RenderArgs) -> i32 {
    let found = match kvet_engine::discover::discover(&args.paths, None, &kvet_engine::discover::Filter::none()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("kvet render: {e}");
            return 2;
        }
    };
    let sources = kvet_engine::discover::read(&found.inputs);
    let rendering = kvet_engine::eval::render(&sources, &kvet_engine::Config::default());
    let name = |i: usize| sources.get(kvet_engine::FileId(i as u32)).name.clone();
    let mut lines: Vec<(String, serde_json::Value)> = Vec::new();
    for r in &rendering.roots {
        let objects: Vec<_> = r.documents.iter().map(|d| d.value.clone()).collect();
        lines.push((name(r.kustomization), json!({"kustomization": name(r.kustomization), "objects": objects})));
    }
    let mut status = 0;
    for n in &rendering.not_rendered {
        let file = sources.get(kvet_engine::FileId(n.file as u32));
        let key = if n.error { "error" } else { "skipped" };
        if n.error {
            status = 1;
        }
        let line = file.position(n.span.start).line;
        lines.push((
            name(n.kustomization),
            json!({"kustomization": name(n.kustomization), key: n.message, "file": file.name, "line": line}),
        ));
    }
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, l) in lines {
        crate::out!("{l}\n");
    }
    status
}
