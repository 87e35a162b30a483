//! Label selectors as the API reads them: a plain map (Service `spec.selector`) or a `LabelSelector`
//! (`matchLabels` + `matchExpressions`), matched against label maps. `require.selector` rules ask the index
//! whether a selector selects any object of a kind in a namespace ([`crate::index::Index::selects`]).

use crate::pack::format::SelectorForm;
use serde_json::{Map, Value};

/// One `matchExpressions` requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement<'a> {
    /// `In`: the label is one of the values.
    In(&'a str, Vec<&'a str>),
    /// `NotIn`: the label is absent or none of the values.
    NotIn(&'a str, Vec<&'a str>),
    /// `Exists`.
    Exists(&'a str),
    /// `DoesNotExist`.
    DoesNotExist(&'a str),
}

/// A parsed selector.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector<'a> {
    /// `matchLabels` (or the plain map), in source order.
    pub labels: Vec<(&'a str, &'a str)>,
    /// `matchExpressions`.
    pub expressions: Vec<Requirement<'a>>,
}

impl<'a> Selector<'a> {
    /// Parses `value` in `form`; `None` when it is not a valid selector (other rules report that: `labels-invalid`,
    /// `schema-violation`), so nothing is concluded from it.
    pub fn parse(value: &'a Value, form: SelectorForm) -> Option<Selector<'a>> {
        let obj = value.as_object()?;
        match form {
            SelectorForm::Map => Some(Selector { labels: pairs(obj)?, expressions: Vec::new() }),
            SelectorForm::LabelSelector => {
                if obj.keys().any(|k| k != "matchLabels" && k != "matchExpressions") {
                    return None;
                }
                let labels = match obj.get("matchLabels") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Object(m)) => pairs(m)?,
                    Some(_) => return None,
                };
                let mut expressions = Vec::new();
                match obj.get("matchExpressions") {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(items)) => {
                        for item in items {
                            expressions.push(requirement(item)?);
                        }
                    }
                    Some(_) => return None,
                }
                Some(Selector { labels, expressions })
            }
        }
    }

    /// Whether the selector has no terms (a `LabelSelector` `{}` selects everything; a Service without
    /// selector terms selects nothing, by design: its endpoints are managed by hand).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.expressions.is_empty()
    }

    /// Whether `labels` satisfies every term.
    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.labels.iter().all(|(k, v)| get(k) == Some(*v))
            && self.expressions.iter().all(|r| match r {
                Requirement::In(k, vs) => get(k).is_some_and(|v| vs.contains(&v)),
                Requirement::NotIn(k, vs) => get(k).is_none_or(|v| !vs.contains(&v)),
                Requirement::Exists(k) => labels.is_some_and(|l| l.contains_key(*k)),
                Requirement::DoesNotExist(k) => !labels.is_some_and(|l| l.contains_key(*k)),
            })
    }
}

impl std::fmt::Display for Selector<'_> {
    /// `app=web,tier in (db,cache),!legacy`, as `kubectl get -l` writes selectors.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut terms: Vec<String> = self.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for r in &self.expressions {
            terms.push(match r {
                Requirement::In(k, vs) => format!("{k} in ({})", vs.join(",")),
                Requirement::NotIn(k, vs) => format!("{k} notin ({})", vs.join(",")),
                Requirement::Exists(k) => (*k).to_owned(),
                Requirement::DoesNotExist(k) => format!("!{k}"),
            });
        }
        if terms.is_empty() {
            f.write_str("{}")
        } else {
            f.write_str(&terms.join(","))
        }
    }
}

fn pairs(map: &Map<String, Value>) -> Option<Vec<(&str, &str)>> {
    map.iter().map(|(k, v)| v.as_str().map(|v| (k.as_str(), v))).collect()
}

fn requirement(item: &Value) -> Option<Requirement<'_>> {
    let key = item.get("key")?.as_str()?;
    let values = || -> Option<Vec<&str>> {
        match item.get("values") {
            Some(Value::Array(vs)) => vs.iter().map(Value::as_str).collect(),
            _ => None,
        }
    };
    match item.get("operator")?.as_str()? {
        "In" => Some(Requirement::In(key, values().filter(|v| !v.is_empty())?)),
        "NotIn" => Some(Requirement::NotIn(key, values().filter(|v| !v.is_empty())?)),
        "Exists" => Some(Requirement::Exists(key)),
        "DoesNotExist" => Some(Requirement::DoesNotExist(key)),
        _ => None,
    }
}

/// Whether `api_version` belongs to a custom resource (a group that is not one of Kubernetes' own): its
/// controller may create objects kvet cannot see, so a selector that selects nothing proves nothing there.
pub fn is_custom_api(api_version: &str) -> bool {
    match api_version.rsplit_once('/') {
        None => false, // the core group (`v1`)
        Some((group, _)) => group.contains('.') && !group.ends_with(".k8s.io"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_and_match() {
        let v = json!({"matchLabels": {"app": "web"}, "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["db", "cache"]},
            {"key": "legacy", "operator": "DoesNotExist"}]});
        let s = Selector::parse(&v, SelectorForm::LabelSelector).unwrap();
        assert_eq!(s.to_string(), "app=web,tier in (db,cache),!legacy");
        let labels = json!({"app": "web", "tier": "db"});
        assert!(s.matches(labels.as_object()));
        let labels = json!({"app": "web", "tier": "db", "legacy": "x"});
        assert!(!s.matches(labels.as_object()));
        assert!(!s.matches(None));
        let any = json!({});
        let all = Selector::parse(&any, SelectorForm::LabelSelector).unwrap();
        assert!(all.is_empty() && all.matches(None));
        // A Service's map form; a number value is not a valid selector (kubectl rejects it).
        let m = json!({"app": "web"});
        assert_eq!(Selector::parse(&m, SelectorForm::Map).unwrap().labels, vec![("app", "web")]);
        assert!(Selector::parse(&json!({"v": 1}), SelectorForm::Map).is_none());
        assert!(Selector::parse(
            &json!({"matchExpressions": [{"key": "a", "operator": "In"}]}),
            SelectorForm::LabelSelector
        )
        .is_none());
        assert!(Selector::parse(&json!({"app": "web"}), SelectorForm::LabelSelector).is_none());
    }

    #[test]
    fn custom_groups() {
        assert!(!is_custom_api("v1"));
        assert!(!is_custom_api("apps/v1"));
        assert!(!is_custom_api("networking.k8s.io/v1"));
        assert!(is_custom_api("monitoring.coreos.com/v1"));
    }
}
