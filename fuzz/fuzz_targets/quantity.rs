//! Kubernetes quantities (`500Mi`, `1.5`, `2e3`, `100m`) on arbitrary text: parsing never panics or overflows,
//! and a parsed quantity's integer units and fraction flag are computed without panicking; the same value
//! written as a JSON number or string parses the same way.
#![no_main]

use kvet_engine::quantity::Quantity;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = Quantity::parse(text);
    if let Some(q) = &parsed {
        let _ = q.units();
        let _ = q.is_fractional();
    }
    let as_json = Quantity::from_json(&serde_json::Value::String(text.to_owned()));
    assert_eq!(parsed.is_some(), as_json.is_some(), "{text:?}");
    if let Ok(n) = text.parse::<i64>() {
        let _ = Quantity::from_json(&serde_json::json!(n));
    }
});
