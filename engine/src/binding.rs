//! The PersistentVolumeClaim → PersistentVolume binding simulation (`pvc-no-matching-pv`), and
//! the storage facts the claim rules share (classes, access modes, volume modes, selectors, default classes).
//!
//! Pure functions over the [`Index`] of one set; each set's result is computed once, on first use, and cached
//! (`Index::binding_cache`). PersistentVolumes are bucketed by storage class first, so a claim is only ever compared
//! with the volumes of its own class: the cost is O(claims × volumes) within one class bucket, never over the set.

use crate::index::{Entry, Index, Origin};
use crate::quantity::Quantity;
use crate::value::Fields;
use crate::yaml::PathElem;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};

/// The legacy class annotation (still honoured by the binder when `storageClassName` is absent).
pub const LEGACY_CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";
/// The default-class annotations of a StorageClass (GA and beta forms).
pub const DEFAULT_CLASS_ANNOTATIONS: [&str; 2] =
    ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"];
/// The provisioner of classes that only bind pre-created volumes.
pub const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

const CLAIM: &str = "PersistentVolumeClaim";
const VOLUME: &str = "PersistentVolume";

/// One matching criterion of the binder, in the order the PersistentVolume controller applies them.
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
                let spec_set = claim.pointer_at("/spec/storageClassName").is_some_and(|v| !v.is_null());
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
                let spec_set = volume.pointer_at("/spec/storageClassName").is_some_and(|v| !v.is_null());
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
    object.field("metadata")?.field("annotations")?.get(key)?.as_str()
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
    match claim.pointer_at("/spec/storageClassName") {
        Some(Value::String(s)) => ClaimClass::Named(s),
        _ => annotation(claim, LEGACY_CLASS_ANNOTATION).map_or(ClaimClass::Unset, ClaimClass::Named),
    }
}

/// The class of a PersistentVolume: `spec.storageClassName`, else the legacy annotation, else `""`.
pub fn volume_class(volume: &Value) -> &str {
    match volume.pointer_at("/spec/storageClassName") {
        Some(Value::String(s)) => s,
        _ => annotation(volume, LEGACY_CLASS_ANNOTATION).unwrap_or(""),
    }
}

/// `spec.volumeMode`, defaulting to `Filesystem`.
pub fn volume_mode(object: &Value) -> &str {
    object.pointer_at("/spec/volumeMode").and_then(Value::as_str).unwrap_or("Filesystem")
}

/// `spec.accessModes` (string entries, in order, deduplicated).
pub fn access_modes(object: &Value) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for m in object.pointer_at("/spec/accessModes").and_then(Value::as_array).into_iter().flatten() {
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
    quantity_at(claim.pointer_at("/spec/resources/requests/storage")?)
}

/// The volume's `capacity.storage` (parsed, source text).
pub fn capacity(volume: &Value) -> Option<(Quantity, String)> {
    quantity_at(volume.pointer_at("/spec/capacity/storage")?)
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
            let no_exprs = m.field("matchExpressions").is_none_or(|v| v.as_array().map_or(v.is_null(), Vec::is_empty));
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
    match sel.field("matchLabels") {
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
    let exprs = match sel.field("matchExpressions") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(a)) => a,
        Some(other) => return Err(SelectorError::Invalid(format!("matchExpressions is {other}, not a list"))),
    };
    for (i, e) in exprs.iter().enumerate() {
        let Some(key) = e.field("key").and_then(Value::as_str) else {
            return Err(SelectorError::Invalid(format!("matchExpressions[{i}] has no key")));
        };
        let Some(op) = e.field("operator").and_then(Value::as_str) else {
            return Err(SelectorError::Invalid(format!("matchExpressions[{i}] ({key}) has no operator")));
        };
        let values: Vec<&str> = match e.field("values") {
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
        let dflt = |o: &Value| if o.pointer_at("/spec/volumeMode").is_some() { "" } else { " (default)" };
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
    if let Some(sel) = c.pointer_at("/spec/selector") {
        let labels = v.pointer_at("/metadata/labels").and_then(Value::as_object);
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
    if let Some(cr) = v.pointer_at("/spec/claimRef").filter(|r| r.is_object()) {
        let ns = cr.field("namespace").and_then(Value::as_str).unwrap_or("");
        let name = cr.field("name").and_then(Value::as_str).unwrap_or("");
        if ns != claim.namespace || name != claim.name {
            let target = if ns.is_empty() { format!("{name} (no namespace)") } else { format!("{ns}/{name}") };
            if fail(Criterion::ClaimRef, format!("PV is reserved for claim {target} by claimRef")) {
                return out;
            }
        }
    }
    // (6) volumeName
    if let Some(vn) = c.pointer_at("/spec/volumeName").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        if vn != volume.name && fail(Criterion::VolumeName, format!("claim names volumeName {vn}")) {
            return out;
        }
    }
    // (7) capacity
    let detail = match (storage_request(c), capacity(v)) {
        (Some((req, req_raw)), Some((cap, cap_raw))) if cap < req => {
            Some(format!("{cap_raw} = {cap} bytes < requested {req_raw} = {req} bytes"))
        }
        (_, None) => Some(match v.pointer_at("/spec/capacity/storage") {
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
    let pv_modes = v.pointer_at("/spec/accessModes").and_then(Value::as_array);
    let offered = |m: &str| pv_modes.is_some_and(|a| a.iter().any(|x| x.as_str() == Some(m)));
    let missing = c
        .pointer_at("/spec/accessModes")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().filter_map(Value::as_str).any(|m| !offered(m)));
    mask |= u8::from(missing) << 2;
    if let Some(sel) = c.pointer_at("/spec/selector") {
        let labels = v.pointer_at("/metadata/labels").and_then(Value::as_object);
        mask |= u8::from(selector_matches(sel, labels).is_err()) << 3;
    }
    if let Some(cr) = v.pointer_at("/spec/claimRef").filter(|r| r.is_object()) {
        let ns = cr.field("namespace").and_then(Value::as_str).unwrap_or("");
        let name = cr.field("name").and_then(Value::as_str).unwrap_or("");
        mask |= u8::from(ns != claim.namespace || name != claim.name) << 4;
    }
    if let Some(vn) = c.pointer_at("/spec/volumeName").and_then(Value::as_str).filter(|s| !s.is_empty()) {
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
    /// The class is a StorageClass of the set with `provisioner: kubernetes.io/no-provisioner`, and no
    /// provisioner workload of the set creates its volumes at runtime.
    NoProvisioner,
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
    /// Volume → manifest claims whose `spec.volumeName` names it (the nearest volume of that name, see
    /// [`named_volume`]), in set order.
    pub named_by: HashMap<usize, Vec<usize>>,
    /// `namespace/name` → volumes whose `claimRef` names that claim, in set order.
    pub by_claim_ref: HashMap<String, Vec<usize>>,
    /// Volumes (known content) without a class, in set order.
    pub classless_volumes: Vec<usize>,
    /// `classless_volumes` indexed for [`Binding::first_classless_fit`].
    classless: ClasslessIndex,
    /// Class name → volumes (known content, with a capacity) of that class, in set order.
    pub by_class: HashMap<String, Vec<usize>>,
    /// Classes whose PersistentVolumes a provisioner workload of the set creates at runtime ([`runtime_classes`]).
    pub runtime_classes: RuntimeClasses,
    /// `(csi.driver, csi.volumeHandle)` → volumes (known content) that name that CSI volume, in set order.
    pub by_csi_handle: HashMap<(String, String), Vec<usize>>,
}

/// The classes a provisioner workload of the set creates PersistentVolumes for at runtime, although their
/// StorageClass says `kubernetes.io/no-provisioner`: the classes named in the `storageClassMap` of a
/// sig-storage-local-static-provisioner ConfigMap, in `LocalVolume` (`spec.storageClassDevices[*].storageClassName`)
/// and `LocalVolumeSet` (`spec.storageClassName`) objects of the OpenShift Local Storage Operator. A
/// local-volume-provisioner workload whose configuration is not in the set (a Helm release) makes every
/// no-provisioner class a runtime class.
#[derive(Debug, Default)]
pub struct RuntimeClasses {
    /// Named classes.
    pub names: std::collections::HashSet<String>,
    /// A provisioner workload without configuration in the set: every class.
    pub all: bool,
}

impl RuntimeClasses {
    /// Whether the volumes of `class` are created at runtime.
    pub fn contains(&self, class: &str) -> bool {
        self.all || self.names.contains(class)
    }
}

/// The image of sig-storage-local-static-provisioner.
const LOCAL_PROVISIONER_IMAGE: &str = "local-volume-provisioner";

/// The top-level keys of a `storageClassMap` (a YAML mapping of class name → discovery settings, as text).
fn storage_class_map_keys(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|line| {
        let first = line.chars().next()?;
        if first.is_whitespace() || first == '#' || first == '-' {
            return None;
        }
        let (key, _) = line.split_once(':')?;
        Some(key.trim().trim_matches(|c| c == '"' || c == '\'').trim()).filter(|k| !k.is_empty())
    })
}

/// See [`RuntimeClasses`].
pub fn runtime_classes(index: &Index<'_>) -> RuntimeClasses {
    let mut rc = RuntimeClasses::default();
    let mut configured = false;
    for (_, cm) in index.of_kind("ConfigMap") {
        if let Some(map) = cm.value.pointer_at("/data/storageClassMap").and_then(Value::as_str) {
            configured = true;
            rc.names.extend(storage_class_map_keys(map).map(str::to_owned));
        }
    }
    for (_, lv) in index.of_kind("LocalVolume") {
        let devices = lv.value.pointer_at("/spec/storageClassDevices").and_then(Value::as_array);
        for d in devices.into_iter().flatten() {
            if let Some(name) = d.field("storageClassName").and_then(Value::as_str) {
                rc.names.insert(name.to_owned());
            }
        }
    }
    for (_, lvs) in index.of_kind("LocalVolumeSet") {
        if let Some(name) = lvs.value.pointer_at("/spec/storageClassName").and_then(Value::as_str) {
            rc.names.insert(name.to_owned());
        }
    }
    if !configured {
        rc.all = ["DaemonSet", "Deployment", "StatefulSet"].iter().any(|kind| {
            index.of_kind(kind).any(|(_, w)| {
                let containers = w.value.pointer_at("/spec/template/spec/containers").and_then(Value::as_array);
                containers.into_iter().flatten().any(|c| {
                    c.field("image").and_then(Value::as_str).is_some_and(|i| i.contains(LOCAL_PROVISIONER_IMAGE))
                })
            })
        });
    }
    rc
}

/// The class-less volumes indexed for [`Binding::first_classless_fit`]: grouped by shape (`volumeMode`,
/// access-mode set, reserved by a `claimRef` or not), each group by capacity with the earliest volume (in set
/// order) of every capacity suffix.
#[derive(Debug, Default)]
struct ClasslessIndex {
    groups: Vec<ClasslessGroup>,
    /// `claimRef` (namespace, name), absent fields as `""` → positions in `classless_volumes` it reserves.
    reserved_for: HashMap<(String, String), Vec<usize>>,
    /// Volume name → positions in `classless_volumes`.
    by_name: HashMap<String, Vec<usize>>,
}

#[derive(Debug)]
struct ClasslessGroup {
    mode: String,
    access: Vec<String>,
    reserved: bool,
    /// (capacity, position in `classless_volumes`), sorted.
    by_cap: Vec<(Quantity, usize)>,
    /// `first_from[i]`: the lowest position in `by_cap[i..]`.
    first_from: Vec<usize>,
}

impl ClasslessIndex {
    fn build(index: &Index<'_>, volumes: &[usize]) -> Self {
        let mut ix = ClasslessIndex::default();
        let mut by_shape: HashMap<(&str, Vec<&str>, bool), usize> = HashMap::new();
        for (pos, &vi) in volumes.iter().enumerate() {
            let v = index.entry(vi);
            let Some((cap, _)) = capacity(v.value) else { continue };
            let reserved = claim_ref(v.value);
            if let Some((ns, name)) = reserved {
                ix.reserved_for.entry((ns.to_owned(), name.to_owned())).or_default().push(pos);
            }
            ix.by_name.entry(v.name.to_string()).or_default().push(pos);
            let mut access = access_modes(v.value);
            access.sort_unstable();
            let mode = volume_mode(v.value);
            let groups = &mut ix.groups;
            let gi = *by_shape.entry((mode, access.clone(), reserved.is_some())).or_insert_with(|| {
                groups.push(ClasslessGroup {
                    mode: mode.to_owned(),
                    access: access.iter().map(|m| (*m).to_owned()).collect(),
                    reserved: reserved.is_some(),
                    by_cap: Vec::new(),
                    first_from: Vec::new(),
                });
                groups.len() - 1
            });
            ix.groups[gi].by_cap.push((cap, pos));
        }
        for g in &mut ix.groups {
            g.by_cap.sort_unstable();
            g.first_from = vec![0; g.by_cap.len()];
            let mut first = usize::MAX;
            for (i, &(_, pos)) in g.by_cap.iter().enumerate().rev() {
                first = first.min(pos);
                g.first_from[i] = first;
            }
        }
        ix
    }
}

impl Binding {
    /// The first class-less volume (in set order, of [`Binding::classless_volumes`]) that the claim would take if
    /// its class were `""`: `compare(claim, volume, Some(""), true)` is empty, i.e. criteria (2)–(7) hold.
    ///
    /// Without a selector, only a volume reserved for the claim, a volume of its `volumeName`, or — when it names
    /// none — the earliest volume at or above the request in a group of matching modes that no `claimRef`
    /// reserves can be the first fit; those few are compared. A claim with a selector is compared with every
    /// class-less volume in order.
    pub fn first_classless_fit(&self, index: &Index<'_>, claim: &Entry<'_>) -> Option<usize> {
        let fits = |pos: usize| compare(claim, index.entry(self.classless_volumes[pos]), Some(""), true).is_empty();
        let request = storage_request(claim.value).filter(|_| claim.value.pointer_at("/spec/selector").is_none());
        let Some((request, _)) = request else {
            return (0..self.classless_volumes.len()).find(|pos| fits(*pos)).map(|pos| self.classless_volumes[pos]);
        };
        let ix = &self.classless;
        let mut candidates: Vec<usize> = Vec::new();
        let key = (claim.namespace.to_owned(), claim.name.to_string());
        candidates.extend(ix.reserved_for.get(&key).into_iter().flatten());
        match claim.value.pointer_at("/spec/volumeName").and_then(Value::as_str).filter(|s| !s.is_empty()) {
            Some(vn) => candidates.extend(ix.by_name.get(vn).into_iter().flatten()),
            None => {
                let (mode, modes) = (volume_mode(claim.value), access_modes(claim.value));
                for g in &ix.groups {
                    if g.reserved || g.mode != mode || !modes.iter().all(|m| g.access.iter().any(|a| a == m)) {
                        continue;
                    }
                    let start = g.by_cap.partition_point(|(cap, _)| *cap < request);
                    candidates.extend(g.first_from.get(start));
                }
            }
        }
        candidates.sort_unstable();
        candidates.into_iter().find(|pos| fits(*pos)).map(|pos| self.classless_volumes[pos])
    }
}

/// The binding result of the run (computed on first use).
pub fn of<'i>(index: &'i Index<'_>) -> &'i Binding {
    let any = index.binding_cache().get_or_init(|| Box::new(simulate(index)));
    match any.downcast_ref::<Binding>() {
        Some(b) => b,
        None => unreachable!("index.cache.binding holds the binding result"),
    }
}

/// The volume a claim's `spec.volumeName` names: of the set's volumes of that name, the nearest to the claim (a
/// set of loose manifests may hold unrelated projects that reuse a name).
pub fn named_volume(index: &Index<'_>, claim: &Entry<'_>) -> Option<usize> {
    let vn = claim.value.pointer_at("/spec/volumeName").and_then(Value::as_str).filter(|s| !s.is_empty())?;
    index.position_near(VOLUME, "", vn, claim.file())
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
    b.runtime_classes = runtime_classes(index);
    let default_class = b.default_class.as_deref();

    // Volumes: known content, bucketed by class; unknown ones (config `cluster:` identity only) by name.
    let mut buckets: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut unknown_volumes: Vec<&str> = Vec::new();
    let mut all_volumes: Vec<usize> = Vec::new();
    for (i, v) in index.of_kind(VOLUME) {
        if v.content_known && capacity(v.value).is_none() {
            continue; // the API server rejects it (storage-size-invalid): it never exists
        }
        if !v.content_known {
            unknown_volumes.push(v.name.as_ref());
            continue;
        }
        buckets.entry(volume_class(v.value)).or_default().push(i);
        b.by_class.entry(volume_class(v.value).to_owned()).or_default().push(i);
        let csi = |k: &str| v.value.pointer_at("/spec/csi").and_then(|c| c.field(k)).and_then(Value::as_str);
        if let (Some(driver), Some(handle)) = (csi("driver"), csi("volumeHandle")) {
            if !driver.is_empty() && !handle.is_empty() {
                b.by_csi_handle.entry((driver.to_owned(), handle.to_owned())).or_default().push(i);
            }
        }
        all_volumes.push(i);
        if let Some(cr) = v.value.pointer_at("/spec/claimRef") {
            let ns = cr.field("namespace").and_then(Value::as_str).unwrap_or("");
            let name = cr.field("name").and_then(Value::as_str).unwrap_or("");
            if !name.is_empty() {
                b.by_claim_ref.entry(format!("{ns}/{name}")).or_default().push(i);
            }
        }
    }
    b.classless_volumes = buckets.get("").cloned().unwrap_or_default();
    b.classless = ClasslessIndex::build(index, &b.classless_volumes);

    // Claims of the set (manifests and StatefulSet templates), in set order.
    let mut claims: Vec<(usize, StaticReason)> = Vec::new();
    for (i, c) in index.of_kind(CLAIM) {
        if let Origin::Synthesized { owner, .. } = c.origin {
            b.owned.entry(owner).or_default().push(i);
        }
        if let (Origin::Manifest { .. }, Some(vn)) =
            (c.origin, c.value.pointer_at("/spec/volumeName").and_then(Value::as_str))
        {
            if let Some(vi) = (!vn.is_empty()).then(|| named_volume(index, c)).flatten() {
                b.named_by.entry(vi).or_default().push(i);
            }
        }
        if matches!(c.origin, Origin::Cluster) || storage_request(c.value).is_none() {
            continue; // existing claims, or claims the API server rejects (storage-size-invalid)
        }
        if let Some(reason) = static_reason(index, &b, c) {
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
    let mut pools = Pools::build(index, &all_volumes, &caps);

    // Pre-bound pairs first: claims naming a volume, then volumes reserving a claim.
    for (ci, _) in &claims {
        let c = index.entry(*ci);
        if let Some(vi) = named_volume(index, c) {
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
        let Some(cr) = v.value.pointer_at("/spec/claimRef") else { continue };
        let (Some(ns), Some(name)) =
            (cr.field("namespace").and_then(Value::as_str), cr.field("name").and_then(Value::as_str))
        else {
            continue;
        };
        let near = match v.file() {
            Some(f) => index.positions_near(CLAIM, ns, name, f),
            None => index.all(CLAIM, ns, name).to_vec(),
        };
        let Some(ci) = near.into_iter().find(|c| in_sim.contains_key(c)) else { continue };
        if !bound.contains_key(&ci) && fits(ci, vi) {
            taken.insert(vi, ci);
            bound.insert(ci, vi);
        }
    }
    // Then the smallest fitting free volume per claim, in set order (ties: set order).
    pools.free_all_but(&taken);
    for (ci, _) in &claims {
        if bound.contains_key(ci) {
            continue;
        }
        let Some(&request) = requests.get(ci) else { continue };
        let free_fit = |vi: usize| !taken.contains_key(&vi) && fits(*ci, vi);
        if let Some(vi) = pools.smallest_fit(index.entry(*ci), request, default_class, &caps, &free_fit) {
            pools.take(vi, &caps);
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
        let volume_name = c.value.pointer_at("/spec/volumeName").and_then(Value::as_str).filter(|s| !s.is_empty());
        if let Some(vn) = volume_name {
            if named_volume(index, c).is_some_and(|vi| index.entry(vi).content_known) {
                b.claims.insert(ci, Outcome::Prebound);
                continue;
            }
            if !index.assume_complete || unknown_volumes.contains(&vn) {
                continue; // the named volume may exist in the cluster
            }
        } else if !unknown_volumes.is_empty() {
            continue; // a volume declared only by name may satisfy it
        }
        let closest = pools.closest(index, &taken, ci, requests.get(&ci).copied(), default_class, &mask);
        b.claims.insert(ci, Outcome::Unbound { reason, closest });
    }
    b.volumes = taken;
    b
}

fn static_reason(index: &Index<'_>, b: &Binding, claim: &Entry<'_>) -> Option<StaticReason> {
    let c = claim.value;
    let class = effective_class(c, b.default_class.as_deref());
    if class == Some("") {
        return Some(StaticReason::NoClass);
    }
    if c.pointer_at("/spec/volumeName").and_then(Value::as_str).is_some_and(|s| !s.is_empty()) {
        return Some(StaticReason::VolumeName);
    }
    // A class implies static binding only when the set defines it without a provisioner and no provisioner
    // workload of the set creates its volumes at runtime. PersistentVolumes that carry a class do not: a
    // hand-written volume for an existing disk often names the class its CSI driver provisions.
    if let Some(class) = class {
        let sc = b.classes.get(class).map(|i| index.entry(*i));
        if sc.is_some_and(|sc| sc.value.field("provisioner").and_then(Value::as_str) == Some(NO_PROVISIONER))
            && !b.runtime_classes.contains(class)
        {
            return Some(StaticReason::NoProvisioner);
        }
    }
    if !selector_is_empty(c.pointer_at("/spec/selector")) {
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

/// The volumes of the simulation, indexed for the two searches made per claim: the smallest fitting free volume
/// (a range query on capacity) and the closest candidate of a left-over claim (a few lookups per group).
///
/// Volumes are grouped by shape: class, `volumeMode`, access-mode set, and whether a `claimRef` reserves them.
/// For a given claim, the volumes of one group fail the same criteria among (1)–(3) and, unless the volume is
/// reserved for this very claim, (5); beyond that they differ only in selector (4), volumeName (6) and
/// capacity (7).
#[derive(Default)]
struct Pools<'i> {
    groups: Vec<Group<'i>>,
    /// Class → its groups, in order of first appearance.
    by_class: HashMap<&'i str, Vec<usize>>,
    /// Volume entry → its group.
    group_of: HashMap<usize, usize>,
    /// Volume entry → its position in (name, set order): the tie-break of the closest candidate.
    rank: HashMap<usize, usize>,
    /// `claimRef` (namespace, name), absent fields as `""` → the volumes it reserves, in set order.
    reserved_for: HashMap<(&'i str, &'i str), Vec<usize>>,
    /// Volume name → the volumes of that name, in set order.
    by_name: HashMap<&'i str, Vec<usize>>,
}

struct Group<'i> {
    mode: &'i str,
    /// String entries of `spec.accessModes`, sorted, deduplicated.
    access: Vec<&'i str>,
    /// Some `claimRef` reserves the volumes: they only fit the claim it names.
    reserved: bool,
    /// Every volume of the group by (capacity, set order).
    by_cap: Vec<(Quantity, usize)>,
    /// `best_from[i]`: the volume of lowest rank in `by_cap[i..]`.
    best_from: Vec<usize>,
    /// The volumes not yet bound, by (capacity, set order); only for groups that are not reserved.
    free: BTreeSet<(Quantity, usize)>,
}

/// The `claimRef` of a volume when it is a mapping: (namespace, name), absent fields as `""`.
fn claim_ref(volume: &Value) -> Option<(&str, &str)> {
    let cr = volume.pointer_at("/spec/claimRef").filter(|r| r.is_object())?;
    let field = |k: &str| cr.get(k).and_then(Value::as_str).unwrap_or("");
    Some((field("namespace"), field("name")))
}

impl<'i> Pools<'i> {
    /// Indexes `volumes` (each with a parsed capacity in `caps`).
    fn build(index: &'i Index<'_>, volumes: &[usize], caps: &HashMap<usize, Quantity>) -> Self {
        let mut p = Pools::default();
        let mut by_shape: HashMap<(&str, &str, Vec<&str>, bool), usize> = HashMap::new();
        let mut ranked: Vec<usize> = Vec::with_capacity(volumes.len());
        for &vi in volumes {
            let Some(&cap) = caps.get(&vi) else { continue };
            let v = index.entry(vi);
            let reserved = claim_ref(v.value);
            if let Some(key) = reserved {
                p.reserved_for.entry(key).or_default().push(vi);
            }
            p.by_name.entry(v.name.as_ref()).or_default().push(vi);
            let mut access = access_modes(v.value);
            access.sort_unstable();
            let (class, mode) = (volume_class(v.value), volume_mode(v.value));
            let groups = &mut p.groups;
            let gi = *by_shape.entry((class, mode, access.clone(), reserved.is_some())).or_insert_with(|| {
                groups.push(Group {
                    mode,
                    access,
                    reserved: reserved.is_some(),
                    by_cap: Vec::new(),
                    best_from: Vec::new(),
                    free: BTreeSet::new(),
                });
                p.by_class.entry(class).or_default().push(groups.len() - 1);
                groups.len() - 1
            });
            p.groups[gi].by_cap.push((cap, vi));
            p.group_of.insert(vi, gi);
            ranked.push(vi);
        }
        ranked.sort_unstable_by(|a, b| (&index.entry(*a).name, a).cmp(&(&index.entry(*b).name, b)));
        p.rank = ranked.iter().enumerate().map(|(r, vi)| (*vi, r)).collect();
        for g in &mut p.groups {
            g.by_cap.sort_unstable();
            let mut best_from = vec![0; g.by_cap.len()];
            let mut best: Option<usize> = None;
            for (i, &(_, vi)) in g.by_cap.iter().enumerate().rev() {
                let b = best.filter(|b| p.rank[b] < p.rank[&vi]).unwrap_or(vi);
                best = Some(b);
                best_from[i] = b;
            }
            g.best_from = best_from;
        }
        p
    }

    /// Fills the free sets with the volumes of the groups that are not reserved, except those already `taken`.
    fn free_all_but(&mut self, taken: &HashMap<usize, usize>) {
        for g in self.groups.iter_mut().filter(|g| !g.reserved) {
            g.free = g.by_cap.iter().filter(|(_, vi)| !taken.contains_key(vi)).copied().collect();
        }
    }

    /// Marks a volume bound.
    fn take(&mut self, vi: usize, caps: &HashMap<usize, Quantity>) {
        if let (Some(&gi), Some(&cap)) = (self.group_of.get(&vi), caps.get(&vi)) {
            self.groups[gi].free.remove(&(cap, vi));
        }
    }

    /// The smallest volume, by (capacity, set order), for which `free_fit` holds (free and every criterion met)
    /// among those the claim can bind from. Only a volume reserved for the claim, a volume of the claim's
    /// `volumeName`, or a free volume of a group of matching modes at or above the request can fit, so only
    /// those are tested.
    fn smallest_fit(
        &self,
        claim: &Entry<'_>,
        request: Quantity,
        default_class: Option<&str>,
        caps: &HashMap<usize, Quantity>,
        free_fit: &dyn Fn(usize) -> bool,
    ) -> Option<usize> {
        let mut best: Option<(Quantity, usize)> = None;
        let mut consider = |cap: Quantity, vi: usize| {
            if best.is_none_or(|b| (cap, vi) < b) && free_fit(vi) {
                best = Some((cap, vi));
            }
        };
        let mine = self.reserved_for.get(&(claim.namespace, claim.name.as_ref()));
        for &vi in mine.into_iter().flatten() {
            if let Some(&cap) = caps.get(&vi) {
                consider(cap, vi);
            }
        }
        if let Some(vn) = claim.value.pointer_at("/spec/volumeName").and_then(Value::as_str).filter(|s| !s.is_empty()) {
            for &vi in self.by_name.get(vn).into_iter().flatten() {
                if let Some(&cap) = caps.get(&vi) {
                    consider(cap, vi);
                }
            }
            return best.map(|(_, vi)| vi);
        }
        let (mode, modes) = (volume_mode(claim.value), access_modes(claim.value));
        for groups in candidate_buckets(&self.by_class, claim.value, default_class) {
            for g in groups.iter().map(|gi| &self.groups[*gi]) {
                if g.reserved || g.mode != mode || !modes.iter().all(|m| g.access.contains(m)) {
                    continue;
                }
                // The first one that fits is the smallest of the group (only the selector may still fail).
                if let Some(&(cap, vi)) = g.free.range((request, 0)..).find(|(_, vi)| free_fit(*vi)) {
                    consider(cap, vi);
                }
            }
        }
        best.map(|(_, vi)| vi)
    }

    /// The closest candidate of a left-over claim: among the volumes of its class when there are any, else among
    /// all volumes; fewest failed criteria, ties by name (then set order).
    ///
    /// Without a selector on the claim, the volumes of a group that are neither reserved for the claim nor named
    /// by its `volumeName` fail the same number of criteria except for capacity; the best of them is the
    /// lowest-ranked volume at or above the request, else the lowest-ranked of the group. Those two per group and
    /// the few special volumes contain the winner (a special volume fails no more than the others of its group).
    /// A claim with a selector compares every volume of the pool.
    #[allow(clippy::too_many_arguments)]
    fn closest(
        &self,
        index: &Index<'_>,
        taken: &HashMap<usize, usize>,
        ci: usize,
        request: Option<Quantity>,
        default_class: Option<&str>,
        mask: &dyn Fn(usize, usize) -> u8,
    ) -> Option<Candidate> {
        let c = index.entry(ci);
        let mut pool: Vec<usize> =
            candidate_buckets(&self.by_class, c.value, default_class).into_iter().flatten().copied().collect();
        if pool.is_empty() {
            pool = (0..self.groups.len()).collect();
        }
        let mut best: Option<(u32, usize, usize)> = None; // (failed, rank, volume)
        let mut consider = |vi: usize| {
            let key = (mask(ci, vi).count_ones(), self.rank[&vi]);
            if best.is_none_or(|(f, r, _)| key < (f, r)) {
                best = Some((key.0, key.1, vi));
            }
        };
        let request = request.filter(|_| c.value.pointer_at("/spec/selector").is_none());
        if let Some(request) = request {
            let mut in_pool = vec![false; self.groups.len()];
            for &gi in &pool {
                in_pool[gi] = true;
                let g = &self.groups[gi];
                let start = g.by_cap.partition_point(|(cap, _)| *cap < request);
                g.best_from.get(start).into_iter().chain(g.best_from.first()).for_each(|vi| consider(*vi));
            }
            let mine = self.reserved_for.get(&(c.namespace, c.name.as_ref()));
            let vn = c.value.pointer_at("/spec/volumeName").and_then(Value::as_str).filter(|s| !s.is_empty());
            let named = vn.and_then(|vn| self.by_name.get(vn));
            for &vi in mine.into_iter().chain(named).flatten() {
                if self.group_of.get(&vi).is_some_and(|gi| in_pool[*gi]) {
                    consider(vi);
                }
            }
        } else {
            for &gi in &pool {
                self.groups[gi].by_cap.iter().for_each(|(_, vi)| consider(*vi));
            }
        }
        // Messages only for the winner.
        best.map(|(_, _, vi)| Candidate {
            volume: vi,
            failures: compare(c, index.entry(vi), default_class, false),
            taken_by: taken.get(&vi).copied(),
        })
    }
}

/// The index of the `volumeClaimTemplates` entry a synthesized claim comes from.
pub fn template_index(index: &Index<'_>, claim: &Entry<'_>) -> Option<usize> {
    let Origin::Synthesized { owner, .. } = claim.origin else { return None };
    let templates = index.entry(owner).value.pointer_at("/spec/volumeClaimTemplates")?.as_array()?;
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
        let files = files.iter().map(|(d, r)| (d.as_slice(), r.as_slice()));
        let store = crate::index::IndexStore::build_one_set(&sources, files, &config);
        let index = store.set(0);
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
    fn storage_class_map_keys_are_the_top_level_keys() {
        let text = "# classes\nfast-disks:\n  hostDir: /mnt/fast\n  blockCleanerCommand:\n    - a\n\"slow\": {}\n";
        assert_eq!(storage_class_map_keys(text).collect::<Vec<_>>(), ["fast-disks", "slow"]);
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

    /// A PersistentVolume of class `''` with the given access modes and extra spec fields.
    fn pv_with(name: &str, size: &str, access: &str, extra: &str, labels: &str) -> String {
        format!(
            "apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {name}, labels: {{{labels}}}}}\n\
             spec: {{capacity: {{storage: {size}}}, accessModes: [{access}], storageClassName: ''{extra}}}\n---\n"
        )
    }

    #[test]
    fn ties_in_capacity_go_by_set_order_and_closest_ties_by_name() {
        // Equal capacities: the first volume of the set is taken, not the first by name.
        let text = pv("b", "1Gi", "") + &pv("a", "1Gi", "") + &pvc("c1", "1Gi", "");
        assert_eq!(run(&text), [("c1".into(), "bound b".into())]);
        let text = pv("b", "1Gi", "") + &pv("a", "1Gi", "") + &pvc("c1", "1Gi", "") + &pvc("c2", "1Gi", "");
        assert_eq!(run(&text), [("c1".into(), "bound b".into()), ("c2".into(), "bound a".into())]);
        // Three claims, two volumes: the left-over one's closest candidate (both match, both taken) is the first
        // by name.
        let text = pv("b", "1Gi", "")
            + &pv("a", "1Gi", "")
            + &pvc("c1", "1Gi", "")
            + &pvc("c2", "1Gi", "")
            + &pvc("c3", "1Gi", "");
        assert_eq!(run(&text)[2], ("c3".into(), "closest a: ".into()));
    }

    #[test]
    fn taken_volumes_leave_the_pool() {
        // c1 takes the smallest; c2 the next fitting one; c3 fits only the largest, which is left.
        let text = pv("v1", "1Gi", "")
            + &pv("v2", "2Gi", "")
            + &pv("v5", "5Gi", "")
            + &pvc("c1", "1Gi", "")
            + &pvc("c2", "1Gi", "")
            + &pvc("c3", "3Gi", "")
            + &pvc("c4", "1Gi", "");
        assert_eq!(
            run(&text),
            [
                ("c1".into(), "bound v1".into()),
                ("c2".into(), "bound v2".into()),
                ("c3".into(), "bound v5".into()),
                ("c4".into(), "closest v1: ".into()),
            ]
        );
    }

    #[test]
    fn volumes_reserved_for_another_claim_are_not_offered() {
        let other = ", claimRef: {namespace: default, name: elsewhere}";
        // The reserved small volume is skipped; the larger open one is taken.
        let text = pv("r", "1Gi", other) + &pv("open", "5Gi", "") + &pvc("c", "1Gi", "");
        assert_eq!(run(&text), [("c".into(), "bound open".into())]);
        // With only reserved volumes, the closest candidate says so.
        let text = pv("r", "1Gi", other) + &pvc("c", "1Gi", "");
        assert_eq!(
            run(&text),
            [("c".into(), "closest r: PV is reserved for claim default/elsewhere by claimRef".into())]
        );
        // A volume reserved for the claim beats an open one of the same size later in the set only by set order;
        // the claimRef phase gives it to its claim first.
        let mine = ", claimRef: {namespace: default, name: c}";
        let text = pv("open", "1Gi", "") + &pv("mine", "1Gi", mine) + &pvc("c", "1Gi", "") + &pvc("d", "1Gi", "");
        assert_eq!(run(&text), [("c".into(), "bound mine".into()), ("d".into(), "bound open".into())]);
        // A reserved volume that is too small for its claim stays the closest candidate of that claim: it fails
        // one criterion where the open volume fails two.
        let text = pv("mine", "1Gi", mine) + &pv("block", "1Mi", ", volumeMode: Block") + &pvc("c", "5Gi", "");
        let want = "closest mine: 1Gi = 1,073,741,824 bytes < requested 5Gi = 5,368,709,120 bytes";
        assert_eq!(run(&text), [("c".into(), want.into())]);
    }

    #[test]
    fn selectors_filter_volumes() {
        let sel = ", selector: {matchLabels: {tier: db}}";
        let text = pv_with("small", "1Gi", "ReadWriteOnce", "", "")
            + &pv_with("big", "5Gi", "ReadWriteOnce", "", "tier: db")
            + &pvc("c", "1Gi", sel);
        assert_eq!(run(&text), [("c".into(), "bound big".into())]);
        // No labelled volume: the closest is the first by name among those failing the fewest criteria.
        let text = pv_with("b", "1Gi", "ReadWriteOnce", "", "tier: web")
            + &pv_with("a", "1Mi", "ReadWriteOnce", "", "")
            + &pvc("c", "1Gi", sel);
        assert_eq!(run(&text), [("c".into(), "closest b: matchLabels tier=db, PV has \"web\"".into())]);
    }

    #[test]
    fn mode_mismatches_in_the_closest_candidate() {
        // Each fails one criterion: the first by name wins and names its criterion.
        let text = pv_with("c-small", "1Mi", "ReadWriteOnce", "", "")
            + &pv_with("b-rox", "1Gi", "ReadOnlyMany", "", "")
            + &pv_with("a-block", "1Gi", "ReadWriteOnce", ", volumeMode: Block", "")
            + &pvc("c", "1Gi", "");
        assert_eq!(run(&text), [("c".into(), "closest a-block: claim Filesystem (default), PV Block".into())]);
        let text = pv_with("c-small", "1Mi", "ReadWriteOnce", "", "")
            + &pv_with("b-rox", "1Gi", "ReadOnlyMany", "", "")
            + &pvc("c", "1Gi", "");
        assert_eq!(
            run(&text),
            [("c".into(), "closest b-rox: claim requests ReadWriteOnce, PV offers ReadOnlyMany".into())]
        );
        // A matching volume taken by another claim (no failure) beats volumes that fail one criterion.
        let text = pv_with("z-taken", "1Gi", "ReadWriteOnce", "", "")
            + &pv_with("a-block", "1Gi", "ReadWriteOnce", ", volumeMode: Block", "")
            + &pv_with("b-rox", "9Gi", "ReadOnlyMany", "", "")
            + &pvc("c1", "1Gi", "")
            + &pvc("c2", "1Gi", "");
        assert_eq!(run(&text), [("c1".into(), "bound z-taken".into()), ("c2".into(), "closest z-taken: ".into())]);
        // A volume offering more access modes than requested fits.
        let text = pv_with("rw", "1Gi", "ReadWriteMany, ReadWriteOnce", "", "") + &pvc("c", "1Gi", "");
        assert_eq!(run(&text), [("c".into(), "bound rw".into())]);
    }

    /// Loads `text` and runs `f` on its index.
    fn with_index<R>(text: &str, f: impl FnOnce(&Index<'_>) -> R) -> R {
        let config = Config::default();
        let (sources, files) = load(text);
        let files = files.iter().map(|(d, r)| (d.as_slice(), r.as_slice()));
        let store = crate::index::IndexStore::build_one_set(&sources, files, &config);
        let index = store.set(0);
        f(&index)
    }

    #[test]
    fn first_classless_fit_is_the_first_in_set_order() {
        let unset = |name: &str, size: &str, extra: &str| {
            format!(
                "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}}}\nspec: {{accessModes: \
                 [ReadWriteOnce], resources: {{requests: {{storage: {size}}}}}{extra}}}\n---\n"
            )
        };
        let other = ", claimRef: {namespace: default, name: elsewhere}";
        let text = pv("reserved", "9Gi", other)
            + &pv("small", "1Mi", "")
            + &pv("big", "10Gi", "")
            + &pv("fit", "1Gi", "")
            + &pv_with("rwx", "1Gi", "ReadWriteMany", "", "tier: db")
            + &unset("c", "1Gi", "")
            + &unset("sel", "1Gi", ", selector: {matchLabels: {tier: db}}")
            + &unset("named", "1Gi", ", volumeName: fit")
            + &unset("huge", "1Ti", "")
            + &unset("elsewhere", "2Gi", "");
        with_index(&text, |index| {
            let b = simulate(index);
            let fit = |name: &str| {
                let (_, c) = index.of_kind(CLAIM).find(|(_, c)| c.name == name).unwrap();
                b.first_classless_fit(index, c).map(|v| index.entry(v).name.to_string())
            };
            assert_eq!(fit("c").as_deref(), Some("big")); // set order, not the smallest
            assert_eq!(fit("sel"), None); // rwx is labelled but offers no ReadWriteOnce
            assert_eq!(fit("named").as_deref(), Some("fit"));
            assert_eq!(fit("huge"), None);
            assert_eq!(fit("elsewhere").as_deref(), Some("reserved")); // reserved for it, first in set order
        });
    }

    /// A small deterministic generator (no dependency).
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len() as u64) as usize]
        }
    }

    /// Random sets: the indexed searches give what a full scan gives (closest candidate, first class-less fit,
    /// and every claim bound to the smallest fitting volume left free by the claims before it).
    #[test]
    fn indexed_searches_equal_full_scans() {
        let mut rng = Lcg(7);
        for round in 0..300 {
            let mut text = String::new();
            let claim_names = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"];
            for _ in 0..rng.below(12) {
                let name = format!("v{}", rng.below(8)); // duplicate names on purpose
                let size = rng.pick(&["1Gi", "1Gi", "2Gi", "1024Mi", "5Gi", "1Mi"]);
                let access =
                    rng.pick(&["ReadWriteOnce", "ReadWriteMany", "ReadWriteOnce, ReadOnlyMany", "ReadOnlyMany"]);
                let class = rng.pick(&["", "", "fast", "slow"]);
                let mut extra = format!(", storageClassName: '{class}'");
                if rng.below(4) == 0 {
                    extra += ", volumeMode: Block";
                }
                if rng.below(3) == 0 {
                    extra += &format!(", claimRef: {{namespace: default, name: {}}}", rng.pick(&claim_names));
                }
                let labels = rng.pick(&["", "tier: db", "tier: web"]);
                text += &format!(
                    "apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {name}, labels: {{{labels}}}}}\n\
                     spec: {{capacity: {{storage: {size}}}, accessModes: [{access}]{extra}}}\n---\n"
                );
            }
            if rng.below(2) == 0 {
                text += "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast, annotations: \
                         {storageclass.kubernetes.io/is-default-class: 'true'}}\nprovisioner: kubernetes.io/no-provisioner\n---\n";
            }
            for name in claim_names.iter().take(rng.below(9) as usize) {
                let size = rng.pick(&["1Gi", "2Gi", "1Mi", "3Gi"]);
                let access = rng.pick(&["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany"]);
                let mut extra = String::new();
                match rng.below(4) {
                    0 => {}
                    1 => extra += ", storageClassName: fast",
                    _ => extra += ", storageClassName: ''",
                }
                if rng.below(4) == 0 {
                    extra += ", volumeMode: Block";
                }
                if rng.below(5) == 0 {
                    extra += ", selector: {matchLabels: {tier: db}}";
                }
                if rng.below(6) == 0 {
                    extra += &format!(", volumeName: v{}", rng.below(8));
                }
                text += &format!(
                    "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}}}\n\
                     spec: {{accessModes: [{access}], resources: {{requests: {{storage: {size}}}}}{extra}}}\n---\n"
                );
            }
            with_index(&text, |index| check_against_scans(index, round));
        }
    }

    fn check_against_scans(index: &Index<'_>, round: usize) {
        let b = simulate(index);
        let dc = b.default_class.as_deref();
        let volumes: Vec<usize> = index
            .of_kind(VOLUME)
            .filter(|(_, v)| v.content_known && capacity(v.value).is_some())
            .map(|(i, _)| i)
            .collect();
        let name = |i: usize| index.entry(i).name.to_string();
        for (ci, c) in index.of_kind(CLAIM) {
            // First class-less fit.
            if storage_request(c.value).is_some() {
                let want = b
                    .classless_volumes
                    .iter()
                    .find(|v| compare(c, index.entry(**v), Some(""), true).is_empty())
                    .copied();
                assert_eq!(b.first_classless_fit(index, c), want, "round {round}, claim {}", c.name);
            }
            let Some(outcome) = b.claims.get(&ci) else { continue };
            let in_class = |v: usize| match effective_class(c.value, dc) {
                Some(class) => volume_class(index.entry(v).value) == class,
                None => !volume_class(index.entry(v).value).is_empty(),
            };
            let mut pool: Vec<usize> = volumes.iter().copied().filter(|v| in_class(*v)).collect();
            if pool.is_empty() {
                pool = volumes.clone();
            }
            match outcome {
                Outcome::Unbound { closest, .. } => {
                    let want = pool.iter().copied().min_by(|a, b| {
                        let key = |v: usize| (compare(c, index.entry(v), dc, false).len(), name(v), v);
                        key(*a).cmp(&key(*b))
                    });
                    assert_eq!(closest.as_ref().map(|c| c.volume), want, "round {round}, claim {}", c.name);
                    // Nothing free fits it.
                    let free_fit = pool
                        .iter()
                        .find(|v| !b.volumes.contains_key(v) && compare(c, index.entry(**v), dc, true).is_empty());
                    assert_eq!(free_fit, None, "round {round}, claim {}", c.name);
                }
                Outcome::Bound(v) => {
                    assert!(compare(c, index.entry(*v), dc, true).is_empty(), "round {round}");
                    assert_eq!(b.volumes.get(v), Some(&ci), "round {round}");
                }
                Outcome::Prebound => {}
            }
        }
    }
}
