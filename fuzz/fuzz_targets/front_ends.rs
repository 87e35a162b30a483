//! The fast YAML front end against saphyr: on any text, the fast scanner either bails (and saphyr parses the
//! file) or yields exactly saphyr's events — variant, text, style, anchor, tag and byte offsets.
#![no_main]

use kvet_engine::yaml::{compare_front_ends, FrontEnds};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let FrontEnds::Differ(diff) = compare_front_ends(&text) {
        panic!("{diff}");
    }
});
