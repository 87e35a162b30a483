//! The removed-API table of `api-version-removed` against the embedded Kubernetes schemas: every removal is
//! absent from the schemas from its version on and present in the version before it, and every stable or beta API that
//! disappears between two embedded versions is in the table.

use kvet_engine::pack::Pack;
use kvet_engine::schema;
use std::collections::BTreeMap;

fn version(v: &str) -> (u32, u32) {
    let (a, b) = v.split_once('.').expect("major.minor");
    (a.parse().unwrap(), b.parse().unwrap())
}

/// (apiVersion, kind, removedIn) of every table entry.
fn removals() -> Vec<(String, String, (u32, u32))> {
    let pack = Pack::load(&[], &BTreeMap::new()).expect("embedded pack loads");
    let rule = pack.get("api-version-removed").expect("rule exists");
    let table = rule.params["removals"].as_array().expect("removals is a list");
    let mut out = Vec::new();
    for entry in table {
        let api = entry["apiVersion"].as_str().unwrap();
        let removed = version(entry["removedIn"].as_str().unwrap());
        for kind in entry["kinds"].as_array().unwrap() {
            out.push((api.to_owned(), kind.as_str().unwrap().to_owned(), removed));
        }
    }
    out
}

#[test]
fn every_removal_matches_the_embedded_schemas_of_every_version() {
    let removals = removals();
    assert!(removals.len() > 40, "{}", removals.len());
    for v in schema::versions().map(version) {
        for (api, kind, removed) in &removals {
            let known = schema::builtin_knows(v, api, kind);
            if v >= *removed {
                assert!(!known, "{api} {kind} is removed in {removed:?} but the {v:?} schemas have it");
            } else if (v.0, v.1 + 1) == *removed {
                // The last version before the removal still serves it (earlier ones may predate it).
                assert!(known, "{api} {kind} is removed only in {removed:?} but the {v:?} schemas lack it");
            }
        }
    }
}

#[test]
fn every_stable_or_beta_api_that_disappears_is_in_the_table() {
    let removals = removals();
    let versions: Vec<(u32, u32)> = schema::versions().map(version).collect();
    let mut missing = Vec::new();
    for pair in versions.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        let later = schema::builtin_kinds(after);
        for key in schema::builtin_kinds(before) {
            if later.binary_search(&key).is_ok() {
                continue;
            }
            let (api, kind) = key.rsplit_once('/').unwrap();
            // Alpha APIs come and go without the deprecation policy (and without the guide); `…List` kinds go
            // with their kind; `Status` is a response, not an object one applies.
            if api.contains("alpha") || kind.ends_with("List") || key == "v1/Status" {
                continue;
            }
            if !removals.iter().any(|(a, k, r)| a == api && k == kind && *r == after) {
                missing.push(format!("{api} {kind} (in the {before:?} schemas, not in {after:?})"));
            }
        }
    }
    assert!(missing.is_empty(), "add to the removals of rules/api/api-version-removed.yaml:\n{}", missing.join("\n"));
}
