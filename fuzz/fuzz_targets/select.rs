//! JSONPath selection on arbitrary documents. The first line is a selector, the rest a YAML file. Selection
//! never panics, and for the simple selectors the pruned walk (which skips subtrees whose text does not
//! contain the searched key) selects exactly what the full walk selects, on every document whose keys are
//! spelled literally.
#![no_main]

use kvet_engine::pack::select;
use kvet_engine::{yaml, SourceFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (selector, yaml_text) = text.split_once('\n').unwrap_or((&text, ""));
    let file = SourceFile::new("fuzz.yaml", yaml_text);
    let loaded = yaml::load(&file);
    if let Ok(path) = serde_json_path::JsonPath::parse(selector) {
        for doc in &loaded.documents {
            let _ = select::select_general(&path, doc.root());
        }
    }
    let Some(steps) = select::parse_simple(selector) else { return };
    for doc in &loaded.documents {
        let full: Vec<_> = select::select(&steps, doc.root()).into_iter().map(|(p, _)| p).collect();
        if !doc.literal_keys {
            continue;
        }
        let span = doc.spans.span;
        let Some(doc_text) = file.text.get(span.start as usize..span.end as usize) else { continue };
        let Some(hits) = select::occurrences(&steps, doc_text, span.start) else { continue };
        let pruned: Vec<_> = select::select_pruned(&steps, doc.root(), &hits).into_iter().map(|(p, _)| p).collect();
        assert_eq!(full, pruned, "selector {selector:?}");
    }
});
