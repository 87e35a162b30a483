//! The whole check — loader, classification, index, every rule of the embedded pack, rendering — on
//! arbitrary bytes: it never panics (a contained panic would show as an `internal-error` finding, which fails
//! the target too), every finding's location is a valid range of its file, and the human and JSON reports
//! render. A NUL byte splits the input into two files of one directory, so cross-file rules get inputs too.
#![no_main]

use kvet_engine::report::{render, Format, RenderOptions};
use kvet_engine::{Config, Pack, SourceFile, SourceMap};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn pack() -> &'static Pack {
    static PACK: OnceLock<Pack> = OnceLock::new();
    PACK.get_or_init(|| Pack::load(&[], &Default::default()).expect("the embedded pack loads"))
}

fuzz_target!(|data: &[u8]| {
    let mut sources = SourceMap::default();
    for (i, part) in data.splitn(2, |b| *b == 0).enumerate() {
        let text = String::from_utf8_lossy(part).into_owned();
        sources.add(SourceFile::new(format!("dir/f{i}.yaml"), text));
    }
    let config = Config::default();
    let report = kvet_engine::check(sources, pack(), &config);
    for f in &report.findings {
        assert_ne!(f.rule, "internal-error", "{}", f.message);
        let file = report.sources.get(f.file);
        assert!(file.slice(f.span).is_some(), "{} at {:?} of {} bytes", f.rule, f.span, file.text.len());
        for r in &f.related {
            assert!(report.sources.get(r.file).slice(r.span).is_some(), "{}: related {:?}", f.rule, r.span);
        }
    }
    let opts = RenderOptions::default();
    let _ = render(&report, Format::Human, &opts);
    let _ = render(&report, Format::Json, &opts);
});
