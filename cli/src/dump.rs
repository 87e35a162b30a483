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
