//! The PersistentVolumeClaim → PersistentVolume binding simulation (RULES.md §1.1 `pvc-no-matching-pv`, C5), and
//! the storage facts the claim rules share (classes, access modes, volume modes, selectors, default classes).
//!
//! Pure functions over the [`Index`]; the run-wide result is computed once, on first use, and cached in
//! `index.cache.binding`. PersistentVolumes are bucketed by storage class first, so a claim is only ever compared
//! with the volumes of its own class: the cost is O(claims × volumes) within one class bucket, never over the set.

use crate::index::{Entry, Index, Origin};
use crate::quantity::Quantity;
use crate::yaml::PathElem;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The legacy class annotation (still honoured by the binder when `storageClassName` is absent).
pub const LEGACY_CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";
/// The default-class annotations of a StorageClass (GA and beta forms).
pub const DEFAULT_CLASS_ANNOTATIONS: [&str; 2] =
    ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"];
/// The provisioner of classes that only bind pre-created volumes.
pub const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

const CLAIM: &str = "PersistentVolumeClaim";
const VOLUME: &str = "PersistentVolume";

/// One matching criterion of the binder, in the order RULES.md numbers them (1)…(7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Criterion {
    /// (1) Storage class equal (unset PV class = `""`).
    Class,
    /// (2) `volumeMode` equal (both default to Filesystem).
    VolumeMode,
    /// (3) PV access modes ⊇ claim access modes.
    AccessModes,
    /// (4) The claim's label selector matches the PV's labels.
    Selector,
    /// (5) PV `claimRef` unset or naming this claim.
    ClaimRef,
    /// (6) Claim `volumeName` unset or naming this PV.
    VolumeName,
    /// (7) PV capacity ≥ claim request.
    Capacity,
}

impl Criterion {
    /// Every criterion in order.
    pub const ALL: [Criterion; 7] = [
        Criterion::Class,
        Criterion::VolumeMode,
        Criterion::AccessModes,
        Criterion::Selector,
        Criterion::ClaimRef,
        Criterion::VolumeName,
        Criterion::Capacity,
    ];

    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Criterion::Class => "storage class",
            Criterion::VolumeMode => "volumeMode",
            Criterion::AccessModes => "access modes",
            Criterion::Selector => "selector",
            Criterion::ClaimRef => "claimRef",
            Criterion::VolumeName => "volumeName",
            Criterion::Capacity => "capacity",
        }
    }

    /// The claim field this criterion reads (relative to the claim object or template).
    pub fn claim_path(self, claim: &Value) -> Vec<PathElem> {
        match self {
            Criterion::Class => {
                let spec_set = claim.pointer("/spec/storageClassName").is_some_and(|v| !v.is_null());
                if !spec_set && annotation(claim, LEGACY_CLASS_ANNOTATION).is_some() {
                    keys(&["metadata", "annotations", LEGACY_CLASS_ANNOTATION])
                } else {
                    keys(&["spec", "storageClassName"])
                }
            }
            Criterion::VolumeMode => keys(&["spec", "volumeMode"]),
            Criterion::AccessModes => keys(&["spec", "accessModes"]),
            Criterion::Selector => keys(&["spec", "selector"]),
            Criterion::ClaimRef => keys(&["metadata", "name"]),
            Criterion::VolumeName => keys(&["spec", "volumeName"]),
            Criterion::Capacity => keys(&["spec", "resources", "requests", "storage"]),
        }
    }

    /// The PersistentVolume field this criterion reads.
    pub fn volume_path(self, volume: &Value) -> Vec<PathElem> {
        match self {
            Criterion::Class => {
                let spec_set = volume.pointer("/spec/storageClassName").is_some_and(|v| !v.is_null());
                if !spec_set && annotation(volume, LEGACY_CLASS_ANNOTATION).is_some() {
                    keys(&["metadata", "annotations", LEGACY_CLASS_ANNOTATION])
                } else {
                    keys(&["spec", "storageClassName"])
                }
            }
            Criterion::VolumeMode => keys(&["spec", "volumeMode"]),
            Criterion::AccessModes => keys(&["spec", "accessModes"]),
            Criterion::Selector => keys(&["metadata", "labels"]),
            Criterion::ClaimRef => keys(&["spec", "claimRef"]),
            Criterion::VolumeName => keys(&["metadata", "name"]),
            Criterion::Capacity => keys(&["spec", "capacity", "storage"]),
        }
    }
}

/// A failed criterion with the actual values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Which criterion.
    pub criterion: Criterion,
    /// The values that differ, e.g. `1G = 1,000,000,000 bytes < requested 1Gi = 1,073,741,824 bytes`.
    pub detail: String,
}

/// Path of string keys.
pub fn keys(path: &[&str]) -> Vec<PathElem> {
    path.iter().map(|k| PathElem::Key((*k).to_owned())).collect()
}

fn annotation<'v>(object: &'v Value, key: &str) -> Option<&'v str> {
    object.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

/// A claim's requested storage class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimClass<'v> {
    /// No `storageClassName` key (nor the legacy annotation): the cluster's default class is assigned.
    Unset,
    /// A class name; `""` means "no class" (static binding only).
    Named(&'v str),
}

/// The class of a claim: `spec.storageClassName`, else the legacy annotation, else unset.
pub fn claim_class(claim: &Value) -> ClaimClass<'_> {
    match claim.pointer("/spec/storageClassName") {
        Some(Value::String(s)) => ClaimClass::Named(s),
        _ => annotation(claim, LEGACY_CLASS_ANNOTATION).map_or(ClaimClass::Unset, ClaimClass::Named),
    }
}

/// The class of a PersistentVolume: `spec.storageClassName`, else the legacy annotation, else `""`.
pub fn volume_class(volume: &Value) -> &str {
    match volume.pointer("/spec/storageClassName") {
        Some(Value::String(s)) => s,
        _ => annotation(volume, LEGACY_CLASS_ANNOTATION).unwrap_or(""),
    }
}

/// `spec.volumeMode`, defaulting to `Filesystem`.
pub fn volume_mode(object: &Value) -> &str {
    object.pointer("/spec/volumeMode").and_then(Value::as_str).unwrap_or("Filesystem")
}

/// `spec.accessModes` (string entries, in order, deduplicated).
pub fn access_modes(object: &Value) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for m in object.pointer("/spec/accessModes").and_then(Value::as_array).into_iter().flatten() {
        if let Some(s) = m.as_str() {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// The claim's storage request (parsed, source text); `None` when absent or not a quantity.
pub fn storage_request(claim: &Value) -> Option<(Quantity, String)> {
    quantity_at(claim.pointer("/spec/resources/requests/storage")?)
}

/// The volume's `capacity.storage` (parsed, source text).
pub fn capacity(volume: &Value) -> Option<(Quantity, String)> {
    quantity_at(volume.pointer("/spec/capacity/storage")?)
}

fn quantity_at(v: &Value) -> Option<(Quantity, String)> {
    let q = Quantity::from_json(v)?;
    let raw = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Some((q, raw))
}

/// Whether a label selector has any requirement (an empty or absent selector selects everything).
pub fn selector_is_empty(selector: Option<&Value>) -> bool {
    match selector {
        Some(Value::Object(m)) => {
            let empty = |k: &str| m.get(k).is_none_or(|v| v.as_object().map_or(v.is_null(), Map::is_empty));
            let no_exprs = m.get("matchExpressions").is_none_or(|v| v.as_array().map_or(v.is_null(), Vec::is_empty));
            empty("matchLabels") && no_exprs
        }
        _ => true,
    }
}

/// Whether a selector is invalid, and why (unknown operator, `In` without values, a non-string value …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelectorError {
    /// The labels do not satisfy a requirement.
    NoMatch(String),
    /// The selector itself is invalid; it matches nothing.
    Invalid(String),
}

/// Evaluates a label selector (`matchLabels` AND `matchExpressions`) against labels. Never panics; an invalid
/// selector matches nothing and says why.
pub fn selector_matches(selector: &Value, labels: Option<&Map<String, Value>>) -> Result<(), SelectorError> {
    let Value::Object(sel) = selector else {
        return if selector.is_null() {
            Ok(())
        } else {
            Err(SelectorError::Invalid("selector is not a mapping".into()))
        };
    };
    let label = |k: &str| labels.and_then(|l| l.get(k));
    let show = |v: Option<&Value>| match v {
        Some(Value::String(s)) => format!("{s:?}"),
        Some(other) => other.to_string(),
        None => "no such label".to_owned(),
    };
    match sel.get("matchLabels") {
        None | Some(Value::Null) => {}
        Some(Value::Object(ml)) => {
            for (k, v) in ml {
                let Some(want) = v.as_str() else {
                    return Err(SelectorError::Invalid(format!("matchLabels value of {k} is {v}, not a string")));
                };
                let have = label(k);
                if have.and_then(Value::as_str) != Some(want) {
                    return Err(SelectorError::NoMatch(format!("matchLabels {k}={want}, PV has {}", show(have))));
                }
            }
        }
        Some(other) => return Err(SelectorError::Invalid(format!("matchLabels is {other}, not a mapping"))),
    }
    let exprs = match sel.get("matchExpressions") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(a)) => a,
        Some(other) => return Err(SelectorError::Invalid(format!("matchExpressions is {other}, not a list"))),
    };
    for (i, e) in exprs.iter().enumerate() {
        let Some(key) = e.get("key").and_then(Value::as_str) else {
            return Err(SelectorError::Invalid(format!("matchExpressions[{i}] has no key")));
        };
        let Some(op) = e.get("operator").and_then(Value::as_str) else {
            return Err(SelectorError::Invalid(format!("matchExpressions[{i}] ({key}) has no operator")));
        };
        let values: Vec<&str> = match e.get("values") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(vs)) => {
                let mut out = Vec::with_capacity(vs.len());
                for v in vs {
                    let Some(s) = v.as_str() else {
                        return Err(SelectorError::Invalid(format!(
                            "matchExpressions {key}: value {v} is not a string"
                        )));
                    };
                    out.push(s);
                }
                out
            }
            Some(other) => {
                return Err(SelectorError::Invalid(format!("matchExpressions {key}: values is {other}, not a list")))
            }
        };
        let have = label(key);
        let have_str = have.and_then(Value::as_str);
        let ok = match op {
            "In" | "NotIn" if values.is_empty() => {
                return Err(SelectorError::Invalid(format!("matchExpressions {key} {op} has no values")));
            }
            "Exists" | "DoesNotExist" if !values.is_empty() => {
                return Err(SelectorError::Invalid(format!("matchExpressions {key} {op} must not have values")));
            }
            "In" => have_str.is_some_and(|h| values.contains(&h)),
            "NotIn" => !have_str.is_some_and(|h| values.contains(&h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            other => {
                return Err(SelectorError::Invalid(format!(
                    "matchExpressions {key}: operator {other:?} is not In, NotIn, Exists or DoesNotExist"
                )))
            }
        };
        if !ok {
            let wanted = if values.is_empty() { String::new() } else { format!(" [{}]", values.join(", ")) };
            return Err(SelectorError::NoMatch(format!("{key} {op}{wanted}, PV has {}", show(have))));
        }
    }
    Ok(())
}

/// The claim class after the set's default class is applied: `None` when the claim has no class and the set
/// declares no default StorageClass (the cluster's default is unknown).
fn effective_class<'v>(claim: &'v Value, default_class: Option<&'v str>) -> Option<&'v str> {
    match claim_class(claim) {
        ClaimClass::Named(c) => Some(c),
        ClaimClass::Unset => default_class,
    }
}

/// Compares one claim with one volume, criteria (1)…(7) in order. With `first_only`, stops at the first failure
/// (a cheap "does it match" test).
pub fn compare(claim: &Entry<'_>, volume: &Entry<'_>, default_class: Option<&str>, first_only: bool) -> Vec<Failure> {
    let mut out = Vec::new();
    let c = claim.value;
    let v = volume.value;
    let mut fail = |criterion: Criterion, detail: String| {
        out.push(Failure { criterion, detail });
        first_only
    };
    // (1) class
    let pv_class = volume_class(v);
    let class_ok = match claim_class(c) {
        ClaimClass::Named(cc) => cc == pv_class,
        // The cluster default class is assigned; a class-less PV never matches it. With no default class in
        // the set the default is unknown: a PV of a named class may be of it.
        ClaimClass::Unset => match default_class {
            Some(d) => d == pv_class,
            None => !pv_class.is_empty(),
        },
    };
    if !class_ok {
        let claim_side = match claim_class(c) {
            ClaimClass::Named(cc) => format!("claim class {cc:?}"),
            ClaimClass::Unset => match default_class {
                Some(d) => format!("claim has no storageClassName and gets the default class {d:?}"),
                None => "claim has no storageClassName and gets the cluster default class".to_owned(),
            },
        };
        if fail(Criterion::Class, format!("{claim_side}, PV class {pv_class:?}")) {
            return out;
        }
    }
    // (2) volumeMode
    let (cm, vm) = (volume_mode(c), volume_mode(v));
    if cm != vm {
        let dflt = |o: &Value| if o.pointer("/spec/volumeMode").is_some() { "" } else { " (default)" };
        if fail(Criterion::VolumeMode, format!("claim {cm}{}, PV {vm}{}", dflt(c), dflt(v))) {
            return out;
        }
    }
    // (3) access modes
    let (cms, vms) = (access_modes(c), access_modes(v));
    let missing: Vec<&str> = cms.iter().copied().filter(|m| !vms.contains(m)).collect();
    if !missing.is_empty() {
        let offers = if vms.is_empty() { "none".to_owned() } else { vms.join(", ") };
        if fail(Criterion::AccessModes, format!("claim requests {}, PV offers {offers}", missing.join(", "))) {
            return out;
        }
    }
    // (4) selector
    if let Some(sel) = c.pointer("/spec/selector") {
        let labels = v.pointer("/metadata/labels").and_then(Value::as_object);
        if let Err(e) = selector_matches(sel, labels) {
            let detail = match e {
                SelectorError::NoMatch(d) => d,
                SelectorError::Invalid(d) => format!("the selector is invalid and matches nothing: {d}"),
            };
            if fail(Criterion::Selector, detail) {
                return out;
            }
        }
    }
    // (5) claimRef
    if let Some(cr) = v.pointer("/spec/claimRef").filter(|r| r.is_object()) {
        let ns = cr.get("namespace").and_then(Value::as_str).unwrap_or("");
        let name = cr.get("name").and_then(Value::as_str).unwrap_or("");
        if ns != claim.namespace || name != claim.name {
            let target = if ns.is_empty() { format!("{name} (no namespace)") } else { format!("{ns}/{name}") };
            if fail(Criterion::ClaimRef, format!("PV is reserved for claim {target} by claimRef")) {
                return out;
            }
        }
    }
    // (6) volumeName
    if let Some(vn) = c.pointer("/spec/volumeName").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        if vn != volume.name && fail(Criterion::VolumeName, format!("claim names volumeName {vn}")) {
            return out;
        }
    }
    // (7) capacity
    let detail = match (storage_request(c), capacity(v)) {
        (Some((req, req_raw)), Some((cap, cap_raw))) if cap < req => {
            Some(format!("{cap_raw} = {cap} bytes < requested {req_raw} = {req} bytes"))
        }
        (_, None) => Some(match v.pointer("/spec/capacity/storage") {
            Some(raw) => format!("PV capacity {raw} is not a quantity"),
            None => "PV has no capacity.storage".to_owned(),
        }),
        _ => None,
    };
    if let Some(d) = detail {
        fail(Criterion::Capacity, d);
    }
    out
}

/// The failed criteria of `compare` as a bit set (bit n = criterion n of [`Criterion::ALL`]), without building
/// messages: the hot path of the simulation. `request` and `cap` are the parsed quantities.
fn failed_mask(
    claim: &Entry<'_>,
    volume: &Entry<'_>,
    default_class: Option<&str>,
    request: Quantity,
    cap: Quantity,
) -> u8 {
    let (c, v) = (claim.value, volume.value);
    let mut mask = 0u8;
    let pv_class = volume_class(v);
    let class_ok = match claim_class(c) {
        ClaimClass::Named(cc) => cc == pv_class,
        ClaimClass::Unset => default_class.map_or(!pv_class.is_empty(), |d| d == pv_class),
    };
    mask |= u8::from(!class_ok);
    mask |= u8::from(volume_mode(c) != volume_mode(v)) << 1;
    let pv_modes = v.pointer("/spec/accessModes").and_then(Value::as_array);
    let offered = |m: &str| pv_modes.is_some_and(|a| a.iter().any(|x| x.as_str() == Some(m)));
    let missing = c
        .pointer("/spec/accessModes")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().filter_map(Value::as_str).any(|m| !offered(m)));
    mask |= u8::from(missing) << 2;
    if let Some(sel) = c.pointer("/spec/selector") {
        let labels = v.pointer("/metadata/labels").and_then(Value::as_object);
        mask |= u8::from(selector_matches(sel, labels).is_err()) << 3;
    }
    if let Some(cr) = v.pointer("/spec/claimRef").filter(|r| r.is_object()) {
        let ns = cr.get("namespace").and_then(Value::as_str).unwrap_or("");
        let name = cr.get("name").and_then(Value::as_str).unwrap_or("");
        mask |= u8::from(ns != claim.namespace || name != claim.name) << 4;
    }
    if let Some(vn) = c.pointer("/spec/volumeName").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        mask |= u8::from(vn != volume.name) << 5;
    }
    mask |= u8::from(cap < request) << 6;
    mask
}

/// The closest PersistentVolume of a claim that cannot bind.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Index entry of the volume.
    pub volume: usize,
    /// Its failed criteria, in order; empty when it matches but another claim took it.
    pub failures: Vec<Failure>,
    /// The claim entry the volume is bound to in the simulation, if any.
    pub taken_by: Option<usize>,
}

/// Why a claim is expected to bind statically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaticReason {
    /// `storageClassName: ""`.
    NoClass,
    /// `spec.volumeName` is set.
    VolumeName,
    /// The class is a StorageClass of the set with `provisioner: kubernetes.io/no-provisioner`.
    NoProvisioner,
    /// Some PersistentVolume of the set carries the claim's class.
    VolumesOfClass,
    /// A non-empty selector (a claim with a selector is never dynamically provisioned).
    Selector,
}

impl StaticReason {
    /// Wording for messages.
    pub fn describe(self) -> &'static str {
        match self {
            StaticReason::NoClass => "storageClassName \"\" allows only pre-created PersistentVolumes",
            StaticReason::VolumeName => "the claim names a volume (spec.volumeName)",
            StaticReason::NoProvisioner => "its StorageClass has provisioner kubernetes.io/no-provisioner",
            StaticReason::VolumesOfClass => "PersistentVolumes of its class are defined in the set",
            StaticReason::Selector => "a claim with a selector is never dynamically provisioned",
        }
    }
}

/// The outcome of one claim that takes part in the simulation.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Bound to this volume entry.
    Bound(usize),
    /// Left over: no free volume of the set satisfies it.
    Unbound {
        /// Why static binding is expected.
        reason: StaticReason,
        /// The closest candidate (fewest failed criteria, ties by name); `None` if the set has no volume.
        closest: Option<Candidate>,
    },
    /// Pre-bound (`volumeName`) to a volume of the set that it cannot take: reported by `pvc-prebind-conflict`.
    Prebound,
}

/// The run-wide result.
#[derive(Debug, Default)]
pub struct Binding {
    /// By claim entry; claims for which static binding is not expected are absent.
    pub claims: HashMap<usize, Outcome>,
    /// Volume entry → claim entry it is bound to.
    pub volumes: HashMap<usize, usize>,
    /// StatefulSet entry → its synthesized claim entries, in order.
    pub owned: HashMap<usize, Vec<usize>>,
    /// StorageClass entries marked default, in set order.
    pub default_classes: Vec<usize>,
    /// Class name → StorageClass entry (first).
    pub classes: HashMap<String, usize>,
    /// The set's default class used for claims without a class (the last one marked default).
    pub default_class: Option<String>,
    /// Volume name → manifest claims naming it in `spec.volumeName`, in set order.
    pub by_volume_name: HashMap<String, Vec<usize>>,
    /// `namespace/name` → volumes whose `claimRef` names that claim, in set order.
    pub by_claim_ref: HashMap<String, Vec<usize>>,
    /// Volumes (known content) without a class, in set order.
    pub classless_volumes: Vec<usize>,
}

/// The binding result of the run (computed on first use).
pub fn of<'i>(index: &'i Index<'_>) -> &'i Binding {
    let any = index.cache.binding.get_or_init(|| Box::new(simulate(index)));
    match any.downcast_ref::<Binding>() {
        Some(b) => b,
        None => unreachable!("index.cache.binding holds the binding result"),
    }
}

/// Whether a StorageClass object is marked default.
pub fn is_default_class(class: &Value) -> bool {
    DEFAULT_CLASS_ANNOTATIONS.iter().any(|a| annotation(class, a) == Some("true"))
}

/// Runs the simulation over the whole index.
pub fn simulate(index: &Index<'_>) -> Binding {
    let mut b = Binding::default();
    for (i, sc) in index.of_kind("StorageClass") {
        b.classes.entry(sc.name.to_string()).or_insert(i);
        if sc.content_known && is_default_class(sc.value) {
            b.default_classes.push(i);
        }
    }
    b.default_class = b.default_classes.last().map(|i| index.entry(*i).name.to_string());
    let default_class = b.default_class.as_deref();

    // Volumes: known content, bucketed by class; unknown ones (config `cluster:` identity only) by name.
    let mut buckets: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut volume_by_name: HashMap<&str, usize> = HashMap::new();
    let mut unknown_volumes: Vec<&str> = Vec::new();
    let mut all_volumes: Vec<usize> = Vec::new();
    for (i, v) in index.of_kind(VOLUME) {
        volume_by_name.entry(v.name.as_ref()).or_insert(i);
        if v.content_known && capacity(v.value).is_none() {
            continue; // the API server rejects it (storage-size-invalid): it never exists
        }
        if !v.content_known {
            unknown_volumes.push(v.name.as_ref());
            continue;
        }
        buckets.entry(volume_class(v.value)).or_default().push(i);
        all_volumes.push(i);
        if let Some(cr) = v.value.pointer("/spec/claimRef") {
            let ns = cr.get("namespace").and_then(Value::as_str).unwrap_or("");
            let name = cr.get("name").and_then(Value::as_str).unwrap_or("");
            if !name.is_empty() {
                b.by_claim_ref.entry(format!("{ns}/{name}")).or_default().push(i);
            }
        }
    }
    b.classless_volumes = buckets.get("").cloned().unwrap_or_default();

    // Claims of the set (manifests and StatefulSet templates), in set order.
    let mut claims: Vec<(usize, StaticReason)> = Vec::new();
    for (i, c) in index.of_kind(CLAIM) {
        if let Origin::Synthesized { owner, .. } = c.origin {
            b.owned.entry(owner).or_default().push(i);
        }
        if let (Origin::Manifest { .. }, Some(vn)) =
            (c.origin, c.value.pointer("/spec/volumeName").and_then(Value::as_str))
        {
            if !vn.is_empty() {
                b.by_volume_name.entry(vn.to_owned()).or_default().push(i);
            }
        }
        if matches!(c.origin, Origin::Cluster) || storage_request(c.value).is_none() {
            continue; // existing claims, or claims the API server rejects (storage-size-invalid)
        }
        if let Some(reason) = static_reason(index, &b, &buckets, c) {
            claims.push((i, reason));
        }
    }

    let mut taken: HashMap<usize, usize> = HashMap::new(); // volume → claim
    let mut bound: HashMap<usize, usize> = HashMap::new(); // claim → volume
                                                           // Parsed once: every simulated claim has a request, every candidate volume a capacity.
    let requests: HashMap<usize, Quantity> =
        claims.iter().filter_map(|(ci, _)| Some((*ci, storage_request(index.entry(*ci).value)?.0))).collect();
    let caps: HashMap<usize, Quantity> =
        all_volumes.iter().filter_map(|vi| Some((*vi, capacity(index.entry(*vi).value)?.0))).collect();
    let mask = |ci: usize, vi: usize| match (requests.get(&ci), caps.get(&vi)) {
        (Some(r), Some(c)) => failed_mask(index.entry(ci), index.entry(vi), default_class, *r, *c),
        _ => u8::MAX,
    };
    let fits = |ci: usize, vi: usize| mask(ci, vi) == 0;
    // Each class bucket sorted by (capacity, set order), for the smallest fitting volume.
    let sorted: HashMap<&str, Vec<(Quantity, usize)>> = buckets
        .iter()
        .map(|(k, vs)| {
            let mut v: Vec<(Quantity, usize)> = vs.iter().filter_map(|vi| Some((*caps.get(vi)?, *vi))).collect();
            v.sort_unstable();
            (*k, v)
        })
        .collect();

    // Pre-bound pairs first: claims naming a volume, then volumes reserving a claim.
    for (ci, _) in &claims {
        let c = index.entry(*ci);
        let Some(vn) = c.value.pointer("/spec/volumeName").and_then(Value::as_str) else { continue };
        if let Some(&vi) = volume_by_name.get(vn) {
            if index.entry(vi).content_known && !taken.contains_key(&vi) && fits(*ci, vi) {
                taken.insert(vi, *ci);
                bound.insert(*ci, vi);
            }
        }
    }
    let in_sim: HashMap<usize, ()> = claims.iter().map(|(c, _)| (*c, ())).collect();
    for &vi in &all_volumes {
        if taken.contains_key(&vi) {
            continue;
        }
        let v = index.entry(vi);
        let Some(cr) = v.value.pointer("/spec/claimRef") else { continue };
        let (Some(ns), Some(name)) =
            (cr.get("namespace").and_then(Value::as_str), cr.get("name").and_then(Value::as_str))
        else {
            continue;
        };
        let Some(&ci) = index.all(CLAIM, ns, name).iter().find(|c| in_sim.contains_key(c)) else { continue };
        if !bound.contains_key(&ci) && fits(ci, vi) {
            taken.insert(vi, ci);
            bound.insert(ci, vi);
        }
    }
    // Then the smallest fitting free volume per claim, in set order (ties: set order).
    for (ci, _) in &claims {
        if bound.contains_key(ci) {
            continue;
        }
        let c = index.entry(*ci);
        let Some(&request) = requests.get(ci) else { continue };
        let mut best: Option<(Quantity, usize)> = None;
        for bucket in candidate_buckets(&sorted, c.value, default_class) {
            // The first fitting free volume at or above the request is the smallest of this bucket.
            let start = bucket.partition_point(|(cap, _)| *cap < request);
            let found = bucket[start..].iter().find(|(_, vi)| !taken.contains_key(vi) && fits(*ci, *vi));
            if let Some(&(cap, vi)) = found {
                if best.is_none_or(|b| (cap, vi) < b) {
                    best = Some((cap, vi));
                }
            }
        }
        if let Some((_, vi)) = best {
            taken.insert(vi, *ci);
            bound.insert(*ci, vi);
        }
    }

    for (ci, reason) in claims {
        if let Some(vi) = bound.get(&ci) {
            b.claims.insert(ci, Outcome::Bound(*vi));
            continue;
        }
        let c = index.entry(ci);
        let volume_name = c.value.pointer("/spec/volumeName").and_then(Value::as_str).filter(|s| !s.is_empty());
        if let Some(vn) = volume_name {
            if volume_by_name.get(vn).is_some_and(|vi| index.entry(*vi).content_known) {
                b.claims.insert(ci, Outcome::Prebound);
                continue;
            }
            if !index.assume_complete || unknown_volumes.contains(&vn) {
                continue; // the named volume may exist in the cluster
            }
        } else if !unknown_volumes.is_empty() {
            continue; // a volume declared only by name may satisfy it
        }
        let closest = closest(index, &buckets, &all_volumes, &taken, ci, default_class, &mask);
        b.claims.insert(ci, Outcome::Unbound { reason, closest });
    }
    b.volumes = taken;
    b
}

fn static_reason(
    index: &Index<'_>,
    b: &Binding,
    buckets: &HashMap<&str, Vec<usize>>,
    claim: &Entry<'_>,
) -> Option<StaticReason> {
    let c = claim.value;
    let class = effective_class(c, b.default_class.as_deref());
    if class == Some("") {
        return Some(StaticReason::NoClass);
    }
    if c.pointer("/spec/volumeName").and_then(Value::as_str).is_some_and(|s| !s.is_empty()) {
        return Some(StaticReason::VolumeName);
    }
    if let Some(class) = class {
        let sc = b.classes.get(class).map(|i| index.entry(*i));
        if sc.is_some_and(|sc| sc.value.get("provisioner").and_then(Value::as_str) == Some(NO_PROVISIONER)) {
            return Some(StaticReason::NoProvisioner);
        }
        // Volumes of the class are expected to be bound, unless the class is a StorageClass of the set with a
        // real provisioner: a claim no volume fits is then provisioned.
        let provisions = sc.is_some_and(|sc| {
            sc.content_known
                && sc
                    .value
                    .get("provisioner")
                    .and_then(Value::as_str)
                    .is_some_and(|p| !p.is_empty() && p != NO_PROVISIONER)
        });
        if !provisions && buckets.get(class).is_some_and(|v| !v.is_empty()) {
            return Some(StaticReason::VolumesOfClass);
        }
    }
    if !selector_is_empty(c.pointer("/spec/selector")) {
        return Some(StaticReason::Selector);
    }
    None
}

/// The buckets a claim can bind from: its class, or — without a class and without a default class in the
/// set — every named class.
fn candidate_buckets<'b, T>(
    buckets: &'b HashMap<&str, Vec<T>>,
    claim: &Value,
    default_class: Option<&str>,
) -> Vec<&'b Vec<T>> {
    match effective_class(claim, default_class) {
        Some(class) => buckets.get(class).into_iter().collect(),
        None => {
            let mut named: Vec<(&&str, &Vec<T>)> = buckets.iter().filter(|(k, _)| !k.is_empty()).collect();
            named.sort_by(|a, b| a.0.cmp(b.0));
            named.into_iter().map(|(_, v)| v).collect()
        }
    }
}

/// The closest candidate of a left-over claim: among the volumes of its class when there are any, else among
/// all volumes; fewest failed criteria, ties by name (then set order).
fn closest(
    index: &Index<'_>,
    buckets: &HashMap<&str, Vec<usize>>,
    all_volumes: &[usize],
    taken: &HashMap<usize, usize>,
    ci: usize,
    default_class: Option<&str>,
    mask: &dyn Fn(usize, usize) -> u8,
) -> Option<Candidate> {
    let c = index.entry(ci);
    let in_class: Vec<usize> =
        candidate_buckets(buckets, c.value, default_class).into_iter().flatten().copied().collect();
    let pool: &[usize] = if in_class.is_empty() { all_volumes } else { &in_class };
    let mut best: Option<(u32, usize)> = None;
    for &vi in pool {
        let failed = mask(ci, vi).count_ones();
        let better = best.is_none_or(|(bf, bi)| (failed, &index.entry(vi).name, vi) < (bf, &index.entry(bi).name, bi));
        if better {
            best = Some((failed, vi));
        }
    }
    // Messages only for the winner.
    best.map(|(_, vi)| Candidate {
        volume: vi,
        failures: compare(c, index.entry(vi), default_class, false),
        taken_by: taken.get(&vi).copied(),
    })
}

/// The index of the `volumeClaimTemplates` entry a synthesized claim comes from.
pub fn template_index(index: &Index<'_>, claim: &Entry<'_>) -> Option<usize> {
    let Origin::Synthesized { owner, .. } = claim.origin else { return None };
    let templates = index.entry(owner).value.pointer("/spec/volumeClaimTemplates")?.as_array()?;
    templates.iter().position(|t| std::ptr::eq(t, claim.value))
}

/// The path prefix, inside the object that holds it, of a claim entry: empty for a manifest claim,
/// `spec.volumeClaimTemplates[i]` for a synthesized one.
pub fn claim_prefix(index: &Index<'_>, claim: &Entry<'_>) -> Vec<PathElem> {
    match template_index(index, claim) {
        Some(i) => {
            let mut p = keys(&["spec", "volumeClaimTemplates"]);
            p.push(PathElem::Index(i));
            p
        }
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::resource::Resource;
    use crate::source::{SourceFile, SourceMap};
    use crate::yaml::Document;
    use serde_json::json;

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn selector_operators() {
        let l = labels(json!({"tier": "db", "zone": "a"}));
        let m = |s: Value| selector_matches(&s, Some(&l));
        assert_eq!(m(json!({"matchLabels": {"tier": "db"}})), Ok(()));
        assert!(matches!(m(json!({"matchLabels": {"tier": "web"}})), Err(SelectorError::NoMatch(_))));
        let ex =
            |op: &str, values: Value| json!({"matchExpressions": [{"key": "zone", "operator": op, "values": values}]});
        assert_eq!(m(ex("In", json!(["a", "b"]))), Ok(()));
        assert!(matches!(m(ex("In", json!(["b"]))), Err(SelectorError::NoMatch(_))));
        assert_eq!(m(ex("NotIn", json!(["b"]))), Ok(()));
        assert!(matches!(m(ex("NotIn", json!(["a"]))), Err(SelectorError::NoMatch(_))));
        assert_eq!(m(ex("Exists", Value::Null)), Ok(()));
        assert!(matches!(m(ex("DoesNotExist", json!([]))), Err(SelectorError::NoMatch(_))));
        // NotIn and DoesNotExist match a missing label.
        let absent =
            |op: &str, values: Value| json!({"matchExpressions": [{"key": "rack", "operator": op, "values": values}]});
        assert_eq!(m(absent("NotIn", json!(["r1"]))), Ok(()));
        assert_eq!(m(absent("DoesNotExist", Value::Null)), Ok(()));
        assert!(matches!(m(absent("In", json!(["r1"]))), Err(SelectorError::NoMatch(_))));
        // Invalid selectors match nothing and say why; never panic.
        let invalid = |s: Value| matches!(m(s), Err(SelectorError::Invalid(_)));
        assert!(invalid(ex("Equals", json!(["a"]))));
        assert!(invalid(ex("In", json!([]))));
        assert!(invalid(ex("Exists", json!(["a"]))));
        assert!(invalid(ex("In", json!([1]))));
        assert!(invalid(json!({"matchLabels": {"tier": true}})));
        assert!(invalid(json!({"matchExpressions": [{"operator": "Exists"}]})));
        assert!(invalid(json!({"matchExpressions": "x"})));
        assert!(invalid(json!("tier=db")));
        // Empty selectors select everything (and PVs without labels).
        assert_eq!(selector_matches(&json!({}), None), Ok(()));
        assert!(selector_is_empty(Some(&json!({"matchLabels": {}, "matchExpressions": []}))));
        assert!(!selector_is_empty(Some(&json!({"matchLabels": {"a": "b"}}))));
    }

    type Files = Vec<(Vec<Document>, Vec<Resource>)>;

    fn load(text: &str) -> (SourceMap, Files) {
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new("a.yaml", text.to_string()));
        let loaded = crate::yaml::load(sources.get(id));
        let mut resources = Vec::new();
        let mut problems = loaded.problems;
        for (i, doc) in loaded.documents.iter().enumerate() {
            crate::resource::identify(id, sources.get(id), i, doc, "default", &mut resources, &mut problems);
        }
        (sources, vec![(loaded.documents, resources)])
    }

    fn pv(name: &str, size: &str, extra: &str) -> String {
        format!(
            "apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {name}}}\n\
             spec: {{capacity: {{storage: {size}}}, accessModes: [ReadWriteOnce], storageClassName: ''{extra}}}\n---\n"
        )
    }

    fn pvc(name: &str, size: &str, extra: &str) -> String {
        format!(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}}}\n\
             spec: {{accessModes: [ReadWriteOnce], storageClassName: '', resources: {{requests: {{storage: {size}}}}}{extra}}}\n---\n"
        )
    }

    /// Runs the simulation; returns claim name → bound volume name or the closest candidate's failures.
    fn run(text: &str) -> Vec<(String, String)> {
        let config = Config::default();
        let (sources, files) = load(text);
        let index = Index::build(&sources, files.iter().map(|(d, r)| (d.as_slice(), r.as_slice())), &config);
        let b = simulate(&index);
        let mut out: Vec<(String, String)> = index
            .of_kind(CLAIM)
            .filter_map(|(i, c)| {
                let o = b.claims.get(&i)?;
                let s = match o {
                    Outcome::Bound(v) => format!("bound {}", index.entry(*v).name),
                    Outcome::Prebound => "prebound".to_owned(),
                    Outcome::Unbound { closest: None, .. } => "no volume".to_owned(),
                    Outcome::Unbound { closest: Some(cand), .. } => {
                        let f: Vec<String> = cand.failures.iter().map(|f| f.detail.clone()).collect();
                        format!("closest {}: {}", index.entry(cand.volume).name, f.join("; "))
                    }
                };
                Some((c.name.to_string(), s))
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn exact_quantities() {
        let text = pv("small", "1G", "") + &pvc("claim", "1Gi", "");
        assert_eq!(
            run(&text),
            [("claim".into(), "closest small: 1G = 1,000,000,000 bytes < requested 1Gi = 1,073,741,824 bytes".into())]
        );
        // 1024Mi == 1Gi; a YAML number is a quantity; 2G > 1Gi.
        assert_eq!(run(&(pv("a", "1024Mi", "") + &pvc("c", "1Gi", ""))), [("c".into(), "bound a".into())]);
        assert_eq!(run(&(pv("a", "1073741824", "") + &pvc("c", "1Gi", ""))), [("c".into(), "bound a".into())]);
        assert_eq!(run(&(pv("a", "2G", "") + &pvc("c", "1Gi", ""))), [("c".into(), "bound a".into())]);
        // 500m bytes is less than 1 byte.
        let got = run(&(pv("a", "500m", "") + &pvc("c", "1", "")));
        assert_eq!(got, [("c".into(), "closest a: 500m = 0.5 bytes < requested 1 = 1 bytes".into())]);
        // A volume with an unparseable capacity is rejected by the API server, so it is no candidate; an
        // invalid request keeps the claim out of the simulation.
        let got = run(&(pv("a", "1GB", "") + &pvc("c", "1Gi", "")));
        assert_eq!(got, [("c".into(), "no volume".into())]);
        assert!(run(&(pv("a", "1Gi", "") + &pvc("c", "1gi", ""))).is_empty());
    }

    #[test]
    fn one_volume_per_claim_smallest_first_prebound_first() {
        // c1 would take the smallest (small); big is left for c2.
        let text = pv("big", "10Gi", "") + &pv("small", "1Gi", "") + &pvc("c1", "1Gi", "") + &pvc("c2", "2Gi", "");
        assert_eq!(run(&text), [("c1".into(), "bound small".into()), ("c2".into(), "bound big".into())]);
        // Two claims, one volume: the second is left over and told who took it.
        let text = pv("only", "1Gi", "") + &pvc("c1", "1Gi", "") + &pvc("c2", "1Gi", "");
        assert_eq!(run(&text), [("c1".into(), "bound only".into()), ("c2".into(), "closest only: ".into())]);
        // A volume reserved by claimRef goes to its claim even if an earlier claim fits it.
        let reserved = ", claimRef: {namespace: default, name: c2}";
        let text = pv("only", "1Gi", reserved) + &pvc("c1", "1Gi", "") + &pvc("c2", "1Gi", "");
        let got = run(&text);
        assert_eq!(got[1], ("c2".into(), "bound only".into()));
        assert_eq!(got[0].1, "closest only: PV is reserved for claim default/c2 by claimRef");
        // volumeName naming a volume it cannot take is left to pvc-prebind-conflict.
        let text = pv("only", "1Gi", "") + &pvc("c1", "5Gi", ", volumeName: only");
        assert_eq!(run(&text), [("c1".into(), "prebound".into())]);
    }

    #[test]
    fn criteria_in_order_and_closest_by_fewest_failures_then_name() {
        let text = pv("b-two", "1Gi", ", volumeMode: Block")
            + &pv("a-three", "1Mi", ", volumeMode: Block")
            + &pv("c-two", "1Mi", "")
            + &pvc("claim", "1Gi", ", selector: {matchLabels: {tier: db}}");
        let got = run(&text);
        // b-two: volumeMode, selector; c-two: selector, capacity — tie on 2, b-two first by name.
        assert_eq!(
            got[0].1,
            "closest b-two: claim Filesystem (default), PV Block; matchLabels tier=db, PV has no such label"
        );
    }

    #[test]
    fn statefulset_claims_take_part() {
        let text = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\nspec:\n  replicas: 2\n  \
                    volumeClaimTemplates:\n  - metadata: {name: www}\n    spec: {accessModes: [ReadWriteOnce], \
                    storageClassName: '', resources: {requests: {storage: 1Gi}}}\n---\n"
            .to_owned()
            + &pv("pv-a", "1Gi", "");
        assert_eq!(
            run(&text),
            [("www-web-0".into(), "bound pv-a".into()), ("www-web-1".into(), "closest pv-a: ".into())]
        );
    }

    #[test]
    fn static_binding_expectation() {
        // A claim of a provisioning class with no volume of that class, no selector: dynamic, not simulated.
        let claim = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec: {accessModes: \
                     [ReadWriteOnce], storageClassName: fast, resources: {requests: {storage: 1Gi}}}\n";
        assert!(run(claim).is_empty());
        // Without a class the claim gets the default class, which a class-less volume never matches.
        let unset = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec: {accessModes: \
                     [ReadWriteOnce], selector: {matchLabels: {a: b}}, resources: {requests: {storage: 1Gi}}}\n---\n";
        let text = unset.to_owned() + &pv("v", "1Gi", "");
        let got = run(&text);
        assert!(got[0].1.starts_with("closest v: claim has no storageClassName"), "{got:?}");
    }
}
