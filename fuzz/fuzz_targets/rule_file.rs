//! The rule-file compiler on arbitrary text: it never panics, and every error it reports is located inside the
//! rule file (a valid range of its text) with a message.
#![no_main]

use kvet_engine::Pack;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = Pack::compile_one("fuzz-rule.yaml", &text) {
        assert!(!e.findings.is_empty());
        for f in &e.findings {
            let file = e.sources.get(f.file);
            assert!(file.slice(f.span).is_some(), "{:?} of {} bytes: {}", f.span, file.text.len(), f.message);
            assert!(!f.message.is_empty());
        }
    }
});
