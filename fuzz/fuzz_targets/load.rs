//! The YAML loader on arbitrary bytes: it never panics, and every span it produces — of every node, key and
//! problem — is a valid range of the text (inside it, on character boundaries, start ≤ end). Non-UTF-8 input
//! is decoded lossily, as `kvet check` reads it.
#![no_main]

use kvet_engine::{yaml, SourceFile, Span};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let file = SourceFile::new("fuzz.yaml", text);
    let loaded = yaml::load(&file);
    let valid = |s: Span| file.text.get(s.start as usize..s.end as usize).is_some();
    for (i, doc) in loaded.documents.iter().enumerate() {
        if let Some(bad) = yaml::invalid_span(&file.text, &doc.spans) {
            panic!("document {}: span {bad:?} is not a valid range of {} bytes", i + 1, file.text.len());
        }
    }
    for p in &loaded.problems {
        assert_ne!(p.rule, "internal-error", "{}", p.message);
        assert!(valid(p.span), "{} at {:?} of {} bytes", p.rule, p.span, file.text.len());
        for (span, _) in &p.related {
            assert!(valid(*span), "{}: related {span:?}", p.rule);
        }
    }
});
