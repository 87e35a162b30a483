//! Kubernetes notions as JSON Schema formats and keywords, registered on every rule schema.

use crate::quantity::Quantity;
use jsonschema::{paths::Location, Keyword, ValidationError, ValidationOptions};
use serde_json::{Map, Value};

/// DNS-1123 label: ≤ 63, `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    let inner = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-';
    let end = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    b.len() <= 63 && b.first().is_some_and(end) && b.last().is_some_and(end) && b.iter().all(inner)
}

/// DNS-1123 subdomain: ≤ 253, dot-separated labels.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && !s.is_empty() && s.split('.').all(is_dns1123_label)
}

/// Strict environment variable name (`IsEnvVarName`).
pub fn is_env_var_name(s: &str) -> bool {
    // `[-._a-zA-Z][-._a-zA-Z0-9]*`
    let b = s.as_bytes();
    b.first().is_some_and(|c| !c.is_ascii_digit())
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
        && s != "."
        && s != ".."
        && !s.starts_with("..")
}

/// Relaxed environment variable name: printable ASCII except `=`, non-empty.
pub fn is_env_var_name_relaxed(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'=')
}

/// ConfigMap/Secret data key (`IsConfigMapKey`).
pub fn is_configmap_key(s: &str) -> bool {
    // `[-._a-zA-Z0-9]+`
    !s.is_empty()
        && s.len() <= 253
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
        && s != "."
        && s != ".."
        && !s.starts_with("..")
}

/// Label (qualified name) key: optional DNS-subdomain prefix + `/` + name ≤ 63.
pub fn is_label_key(s: &str) -> bool {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    prefix.is_none_or(is_dns1123_subdomain) && name.len() <= 63 && is_label_name(name)
}

/// Label value: empty, or ≤ 63 of the label-name charset.
pub fn is_label_value(s: &str) -> bool {
    s.is_empty() || (s.len() <= 63 && is_label_name(s))
}

/// The character rule of label names and values, `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]` (no length limit).
pub fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
}

/// Go's `path.Clean`.
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Whether `path` (cleaned) equals or lies below `prefix` (cleaned), on a segment boundary.
pub fn path_under(path: &str, prefix: &str) -> bool {
    let p = clean_path(path);
    let pre = clean_path(prefix);
    if pre == "/" {
        return p.starts_with('/');
    }
    p == pre || p.strip_prefix(&pre).is_some_and(|rest| rest.starts_with('/'))
}

struct QuantityCompare {
    ops: Vec<(String, Quantity)>,
}

impl QuantityCompare {
    fn check(&self, v: &Value) -> bool {
        let Some(q) = Quantity::from_json(v) else { return false };
        self.ops.iter().all(|(op, bound)| match op.as_str() {
            "gt" => q > *bound,
            "ge" => q >= *bound,
            "lt" => q < *bound,
            "le" => q <= *bound,
            _ => q == *bound,
        })
    }
}

impl<'i> Keyword<'i> for QuantityCompare {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        if self.check(instance) {
            Ok(())
        } else {
            let bounds: Vec<String> = self.ops.iter().map(|(o, b)| format!("{o} {b}")).collect();
            Err(ValidationError::custom(format!("{instance} is not a quantity {}", bounds.join(" and "))))
        }
    }
    fn is_valid(&self, instance: &'i Value) -> bool {
        self.check(instance)
    }
}

fn quantity_factory<'a>(
    _parent: &'a Map<String, Value>,
    value: &'a Value,
    _path: Location,
) -> Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>> {
    let Value::Object(ops) = value else {
        return Err(ValidationError::schema("`quantity` takes an object such as {gt: \"0\"}"));
    };
    let mut parsed = Vec::new();
    for (op, bound) in ops {
        if !matches!(op.as_str(), "gt" | "ge" | "lt" | "le" | "eq") {
            return Err(ValidationError::schema(format!(
                "`quantity` operator `{op}` is not one of gt, ge, lt, le, eq"
            )));
        }
        let Some(q) = Quantity::from_json(bound) else {
            return Err(ValidationError::schema(format!("`quantity.{op}`: {bound} is not a quantity")));
        };
        parsed.push((op.clone(), q));
    }
    Ok(Box::new(QuantityCompare { ops: parsed }))
}

/// A keyword defined by a predicate over the instance and the keyword's value.
struct Predicate {
    arg: Value,
    name: &'static str,
    test: fn(&Value, &Value) -> bool,
}

impl<'i> Keyword<'i> for Predicate {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        if (self.test)(instance, &self.arg) {
            Ok(())
        } else {
            Err(ValidationError::custom(format!("{instance} does not satisfy {} {}", self.name, self.arg)))
        }
    }
    fn is_valid(&self, instance: &'i Value) -> bool {
        (self.test)(instance, &self.arg)
    }
}

fn fraction_test(instance: &Value, arg: &Value) -> bool {
    let frac = Quantity::from_json(instance).is_some_and(|q| q.is_fractional());
    frac == arg.as_bool().unwrap_or(true)
}

fn path_under_test(instance: &Value, arg: &Value) -> bool {
    let Some(p) = instance.as_str() else { return false };
    arg.as_array().is_some_and(|prefixes| prefixes.iter().filter_map(Value::as_str).any(|pre| path_under(p, pre)))
}

fn path_clean_test(instance: &Value, arg: &Value) -> bool {
    instance.as_str().is_some_and(|p| Some(clean_path(p).as_str()) == arg.as_str())
}

macro_rules! predicate_factory {
    ($fn_name:ident, $name:literal, $test:path, $check:expr, $what:literal) => {
        fn $fn_name<'a>(
            _parent: &'a Map<String, Value>,
            value: &'a Value,
            _path: Location,
        ) -> Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>> {
            let ok: fn(&Value) -> bool = $check;
            if !ok(value) {
                return Err(ValidationError::schema(concat!("`", $name, "` takes ", $what)));
            }
            Ok(Box::new(Predicate { arg: value.clone(), name: $name, test: $test }))
        }
    };
}

predicate_factory!(fraction_factory, "quantityFraction", fraction_test, Value::is_boolean, "true or false");
predicate_factory!(
    path_under_factory,
    "pathUnder",
    path_under_test,
    |v| v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
    "a list of paths"
);
predicate_factory!(path_clean_factory, "pathClean", path_clean_test, Value::is_string, "a path");
predicate_factory!(
    image_name_in_factory,
    "imageNameIn",
    image_name_in_test,
    |v| v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
    "a list of image names"
);

/// `podSpec: SCHEMA`: the object's pod spec (where target `PodSpec` finds it for the object's kind) matches
/// SCHEMA; an object without a pod spec does not match.
struct PodSpec {
    schema: jsonschema::Validator,
}

impl PodSpec {
    fn spec(instance: &Value) -> Option<&Value> {
        let kind = instance.get("kind")?.as_str()?;
        let path = crate::workload::pod_spec_path(kind)?;
        crate::pack::template::walk(instance, &path)
    }
}

impl<'i> Keyword<'i> for PodSpec {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            Ok(())
        } else {
            Err(ValidationError::custom("the object's pod spec does not match the `podSpec` schema"))
        }
    }
    fn is_valid(&self, instance: &'i Value) -> bool {
        Self::spec(instance).is_some_and(|s| self.schema.is_valid(s))
    }
}

fn pod_spec_factory<'a>(
    _parent: &'a Map<String, Value>,
    value: &'a Value,
    _path: Location,
) -> Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>> {
    match options().build(value) {
        Ok(schema) => Ok(Box::new(PodSpec { schema })),
        Err(e) => Err(ValidationError::schema(format!("`podSpec` takes a JSON Schema: {e}"))),
    }
}

/// The name of an image reference: its repository's last path segment, without tag or digest
/// (`registry.k8s.io/sig-storage/csi-provisioner:v5.0.1` → `csi-provisioner`).
pub fn image_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last)
}

fn image_name_in_test(instance: &Value, arg: &Value) -> bool {
    let Some(image) = instance.as_str() else { return false };
    let name = image_name(image);
    arg.as_array().is_some_and(|names| names.iter().any(|n| n.as_str() == Some(name)))
}

/// Validation options with every kvet format and keyword registered.
pub fn options() -> ValidationOptions<'static> {
    jsonschema::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(false)
        .with_format("k8s-quantity", |s: &str| Quantity::parse(s).is_some())
        .with_format("dns1123-label", is_dns1123_label)
        .with_format("dns1123-subdomain", is_dns1123_subdomain)
        .with_format("env-var-name", is_env_var_name)
        .with_format("env-var-name-relaxed", is_env_var_name_relaxed)
        .with_format("configmap-key", is_configmap_key)
        .with_format("label-key", is_label_key)
        .with_format("label-value", is_label_value)
        .with_keyword("quantity", quantity_factory)
        .with_keyword("quantityFraction", fraction_factory)
        .with_keyword("pathUnder", path_under_factory)
        .with_keyword("pathClean", path_clean_factory)
        .with_keyword("podSpec", pod_spec_factory)
        .with_keyword("imageNameIn", image_name_in_factory)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The byte-level predicates agree with the regular expressions of apimachinery's validation on every
    /// string of up to three characters over an alphabet that covers each character class and edge.
    #[test]
    fn predicates_match_the_apimachinery_regexes() {
        let re = |r: &str| regex::Regex::new(r).unwrap();
        let dns = re(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
        let env = re(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$");
        let key = re(r"^[-._a-zA-Z0-9]+$");
        let label = re(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$");
        let alphabet = ['a', 'Z', '0', '9', '-', '.', '_', '/', ' ', 'é', '\n'];
        let mut strings = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> =
                strings.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            strings.extend(longer);
        }
        strings.sort();
        strings.dedup();
        for s in &strings {
            assert_eq!(is_dns1123_label(s), dns.is_match(s), "dns label {s:?}");
            assert_eq!(is_label_name(s), label.is_match(s), "label name {s:?}");
            let dots = s != "." && s != ".." && !s.starts_with("..");
            assert_eq!(is_env_var_name(s), env.is_match(s) && dots, "env name {s:?}");
            assert_eq!(is_configmap_key(s), key.is_match(s) && dots, "config key {s:?}");
        }
    }

    #[test]
    fn names() {
        assert!(is_dns1123_label("web-0"));
        assert!(!is_dns1123_label("web.v2"));
        assert!(!is_dns1123_label("log_storage"));
        assert!(is_dns1123_subdomain("a.b-c"));
        assert!(is_env_var_name("CONFIG_FOO-BAR"));
        assert!(!is_env_var_name("1badkey"));
        assert!(is_env_var_name_relaxed("1 bad key"));
        assert!(!is_env_var_name_relaxed("a=b"));
        assert!(is_configmap_key("app.properties"));
        assert!(!is_configmap_key("..data"));
        assert!(is_label_key("app.kubernetes.io/name"));
        assert!(!is_label_key("-bad"));
        assert!(is_label_value(""));
    }

    #[test]
    fn paths() {
        assert_eq!(clean_path("/etc/ssl/../kubernetes/"), "/etc/kubernetes");
        assert_eq!(clean_path("/./"), "/");
        assert!(path_under("/dev/shm", "/dev"));
        assert!(!path_under("/devices", "/dev"));
        assert!(path_under("/etc", "/etc"));
    }

    #[test]
    fn schema_keywords() {
        let v = options().build(&json!({"quantity": {"gt": "0"}, "format": "k8s-quantity"})).expect("schema compiles");
        assert!(v.is_valid(&json!("1Gi")));
        assert!(!v.is_valid(&json!("0")));
        assert!(!v.is_valid(&json!("1GB")));
        let p = options().build(&json!({"pathUnder": ["/etc", "/var/lib/kubelet"]})).expect("compiles");
        assert!(p.is_valid(&json!("/etc/kubernetes")));
        assert!(!p.is_valid(&json!("/data")));
        assert!(options().build(&json!({"quantity": {"gt": "x"}})).is_err());
    }

    #[test]
    fn pod_spec_and_image_names() {
        assert_eq!(image_name("registry.k8s.io/sig-storage/csi-provisioner:v5.0.1"), "csi-provisioner");
        assert_eq!(image_name("livenessprobe@sha256:abc"), "livenessprobe");
        assert_eq!(image_name("localhost:5000/x/registrar"), "registrar");
        let v = options()
            .build(&json!({"podSpec": {"required": ["containers"], "properties": {"containers": {"contains": {
                "properties": {"image": {"imageNameIn": ["livenessprobe"]}}, "required": ["image"]}}}}}))
            .expect("compiles");
        let ds = |image: &str| json!({"kind": "DaemonSet", "spec": {"template": {"spec": {"containers": [{"name": "a", "image": image}]}}}});
        assert!(v.is_valid(&ds("registry.k8s.io/sig-storage/livenessprobe:v2.13.0")));
        assert!(!v.is_valid(&ds("nginx")));
        assert!(v.is_valid(&json!({"kind": "Pod", "spec": {"containers": [{"image": "livenessprobe"}]}})));
        assert!(!v.is_valid(&json!({"kind": "ConfigMap", "data": {}})));
        assert!(options().build(&json!({"podSpec": {"type": 3}})).is_err());
    }
}
