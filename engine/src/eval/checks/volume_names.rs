//! `volume-names`: a volume name used twice in a pod spec's `volumes`, or a StatefulSet
//! volumeClaimTemplate name used twice (the API's "Duplicate value").

use super::{CheckInput, Hit};
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

/// Reports every repeated name after its first occurrence, at the repeated `name`.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let target = input.target.value;
    let on_object = std::ptr::eq(target, input.object);
    if on_object {
        let Some(list) = target.pointer_at("/spec/volumeClaimTemplates").and_then(Value::as_array) else {
            return Vec::new();
        };
        let names: Vec<Option<&str>> =
            list.iter().map(|t| t.pointer_at("/metadata/name").and_then(Value::as_str)).collect();
        let prefix = ["spec", "volumeClaimTemplates"];
        duplicates(&names, |i| {
            let mut p: Vec<PathElem> = prefix.iter().map(|k| PathElem::Key((*k).to_owned())).collect();
            p.extend([PathElem::Index(i), PathElem::Key("metadata".into()), PathElem::Key("name".into())]);
            p
        })
    } else {
        let Some(list) = target.field("volumes").and_then(Value::as_array) else { return Vec::new() };
        let names: Vec<Option<&str>> = list.iter().map(|v| v.field("name").and_then(Value::as_str)).collect();
        duplicates(&names, |i| vec![PathElem::Key("volumes".into()), PathElem::Index(i), PathElem::Key("name".into())])
    }
}

fn duplicates(names: &[Option<&str>], path: impl Fn(usize) -> Vec<PathElem>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let Some(name) = name else { continue };
        let Some(first) = names[..i].iter().position(|n| n == &Some(*name)) else { continue };
        let mut vars = Map::new();
        vars.insert("name".into(), json!(name));
        vars.insert("first".into(), json!(first));
        vars.insert("index".into(), json!(i));
        hits.push(Hit { path: path(i), vars, case: None, ..Default::default() });
    }
    hits
}

/// Runs a check template on `target` (a part of `object`, or `object` itself) with dummy spans, for the
/// unit tests of the templates in this folder.
#[cfg(test)]
pub(super) fn run_for_test(
    f: super::CheckFn,
    params: &Value,
    object: &Value,
    target: &Value,
    version: (u32, u32),
) -> Vec<Hit> {
    use crate::config::Config;
    use crate::yaml::{Located, SpanNode, Style};
    fn spans(v: &Value) -> SpanNode {
        let children = match v {
            Value::Object(m) => m.values().map(spans).collect(),
            Value::Array(a) => a.iter().map(spans).collect(),
            _ => Vec::new(),
        };
        SpanNode { span: Default::default(), key_span: None, style: Style::Collection, tag: None, children }
    }
    let s = spans(target);
    let params = params.as_object().cloned().unwrap_or_default();
    let config = Config { target_version: version, ..Config::default() };
    let sources = crate::source::SourceMap::default();
    let store = crate::index::IndexStore::build_one_set(&sources, std::iter::empty(), &config);
    let index = store.set(0);
    let resource = crate::resource::Resource {
        file: crate::source::FileId(0),
        doc: 0,
        base: Vec::new(),
        object: crate::finding::ObjectRef {
            api_version: String::new(),
            kind: String::new(),
            namespace: None,
            name: String::new(),
        },
        group: String::new(),
    };
    f(&CheckInput {
        params: &params,
        object,
        target: Located { value: target, spans: &s },
        config: &config,
        resource: &resource,
        index: &index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(object: &Value, target: &Value) -> Vec<Hit> {
        run_for_test(check, &json!({}), object, target, (1, 34))
    }

    #[test]
    fn duplicate_pod_volumes() {
        let spec = json!({"volumes": [{"name": "a"}, {"name": "b"}, {"name": "a"}, {"name": "a"}]});
        let obj = json!({"kind": "Pod", "spec": spec.clone()});
        let hits = run(&obj, &spec);
        assert_eq!(hits.len(), 2);
        assert_eq!(
            hits[0].path,
            vec![PathElem::Key("volumes".into()), PathElem::Index(2), PathElem::Key("name".into())]
        );
        assert_eq!(hits[1].vars["first"], json!(0));
    }

    #[test]
    fn unique_names_pass() {
        let spec = json!({"volumes": [{"name": "a"}, {"name": "b"}, {"emptyDir": {}}]});
        assert!(run(&json!({}), &spec).is_empty());
    }

    #[test]
    fn duplicate_claim_templates() {
        let obj = json!({"kind": "StatefulSet", "spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}}, {"metadata": {"name": "data"}}]}});
        let hits = run(&obj, &obj);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].vars["name"], json!("data"));
    }
}
