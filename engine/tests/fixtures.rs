//! The built-in pack against `fixtures/`: every fixture's `# expect:` lines and `.out` snapshots hold, and every
//! rule has a fixture where it fires and one where it stays quiet. (`cargo xtask fixtures` prints the table.)

use kvet_engine::config::Config;
use kvet_engine::harness::{self, HarnessOptions};
use kvet_engine::pack::Pack;
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn builtin_fixtures_pass_with_full_coverage() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let pack = Pack::load(&[], &BTreeMap::new()).expect("embedded pack loads");
    let run = harness::run_fixtures(&dir, &pack, &Config::default(), &HarnessOptions::default());
    assert!(run.results.len() > 50, "fixtures found: {}", run.results.len());
    assert!(run.ok(), "{}", harness::render_summary(&run));
    assert!(harness::coverage_ok(&run), "{}", harness::coverage_table(&run));
}
