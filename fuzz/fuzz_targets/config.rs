//! `.kvet.yaml` parsing on arbitrary text: it never panics, and an error is located inside the file.
#![no_main]

use kvet_engine::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match Config::parse(".kvet.yaml", &text) {
        Ok(cfg) => {
            // What is checked after parsing: the globs and their locations.
            if let Err(e) = cfg.filter() {
                for f in &e.findings {
                    assert!(e.sources.get(f.file).slice(f.span).is_some(), "{:?}: {}", f.span, f.message);
                }
            }
        }
        Err(e) => {
            for f in &e.findings {
                assert!(e.sources.get(f.file).slice(f.span).is_some(), "{:?}: {}", f.span, f.message);
            }
        }
    }
});
