//! `service-selects-template`: the Service named by a StatefulSet's `spec.serviceName` (in the set, same
//! namespace) must select the set's Pod template labels, or no per-Pod DNS records are published
//! (`sts-service-not-headless`). A Service without a selector (manually managed endpoints) is left alone.

use super::{CheckInput, Hit};
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{json, Map, Value};

fn render(map: &Map<String, Value>) -> String {
    let pairs: Vec<String> = map
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    if pairs.is_empty() {
        "{}".to_owned()
    } else {
        pairs.join(",")
    }
}

/// The check.
pub fn check(input: &CheckInput<'_>) -> Vec<Hit> {
    let object = input.object;
    let Some(service_name) = object.pointer_at("/spec/serviceName").and_then(Value::as_str) else { return Vec::new() };
    let namespace = input.resource.object.namespace.as_deref().unwrap_or(&input.config.default_namespace);
    let Some(service) = input.index.get_near("Service", namespace, service_name, input.resource.file) else {
        return Vec::new();
    };
    if !service.content_known {
        return Vec::new();
    }
    let Some(selector) = service.value.pointer_at("/spec/selector").and_then(Value::as_object) else {
        return Vec::new();
    };
    if selector.is_empty() {
        return Vec::new();
    }
    let empty = Map::new();
    let labels = object.pointer_at("/spec/template/metadata/labels").and_then(Value::as_object).unwrap_or(&empty);
    if selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
        return Vec::new();
    }
    let mut vars = Map::new();
    vars.insert("service".into(), json!(service_name));
    vars.insert("selector".into(), json!(render(selector)));
    vars.insert("labels".into(), json!(render(labels)));
    let sel_path = [PathElem::Key("spec".into()), PathElem::Key("selector".into())];
    let related = input.index.related(service, &sel_path, format!("selector of Service {service_name}"));
    vec![Hit {
        path: vec![PathElem::Key("spec".into()), PathElem::Key("serviceName".into())],
        vars,
        related: related.into_iter().collect(),
        ..Default::default()
    }]
}
