//! `require:` — declarative references to other objects (docs/rule-format.md). Two modes:
//! - existence (no `key`/`where`): a finding when the named object is neither in the set, nor in config
//!   `cluster:`, nor in `known`. Severity: the case's, raised to error when the set is declared complete
//!   (`assumeCompleteSet`) or when the name exists only in another namespace;
//! - content (`key` and/or `where`): a finding when the object is present but lacks the key or fails the
//!   schema; a missing object is left to the existence rule, and `cluster:` objects whose content the config
//!   does not declare are not judged.
//!
//! Message variables: `{{require.kind|name|namespace|key|keys|elsewhere}}` and `{{related.*}}` (the referenced
//! object). Findings carry the referenced object as a related location when it is in the set.

use super::{join, make_finding, Ctx, EvalVars};
use crate::finding::{Finding, Related, Severity};
use crate::index::{data_keys, is_unrendered_name, Entry};
use crate::pack::{Case, Require};
use crate::resource::is_cluster_scoped;
use crate::value::Fields;
use crate::yaml::{Located, PathElem};
use serde_json::{json, Map, Value};

#[allow(clippy::too_many_arguments)]
pub(super) fn evaluate(
    ctx: &Ctx<'_>,
    case: &Case,
    req: &Require,
    root_path: &[PathElem],
    root: Located<'_>,
    sel_path: &[PathElem],
    node: Located<'_>,
    out: &mut Vec<Finding>,
) {
    if req.unless.as_ref().is_some_and(|u| u.is_valid(node.value)) {
        return;
    }
    let empty = Map::new();
    let key = sel_path.last().map(|e| match e {
        PathElem::Key(k) => json!(k),
        PathElem::Index(i) => json!(i),
    });
    let base = EvalVars {
        ctx,
        node,
        target: root,
        target_path: root_path,
        at: node,
        key: key.clone(),
        path: join(root_path, sel_path),
        error: None,
        check: &empty,
        related: None,
    };
    let kind = req.kind.render_value(&base);
    if kind.is_empty() {
        return; // a reference without a kind (`roleRef` without `kind`) is the schema's business
    }
    let name = if req.selector.is_some() { String::new() } else { req.name.render_value(&base) };
    if name.is_empty() && req.selector.is_none() {
        return; // a missing name is the business of the object's own rules (volume-source-invalid, schema)
    }
    let namespace = if is_cluster_scoped(&kind) {
        String::new()
    } else {
        req.namespace.as_ref().map(|t| t.render_value(&base)).filter(|n| !n.is_empty()).unwrap_or_else(|| {
            ctx.resource.object.namespace.clone().unwrap_or_else(|| ctx.config.default_namespace.clone())
        })
    };
    let mut vars = Map::new();
    vars.insert("kind".into(), json!(kind));
    vars.insert("name".into(), json!(name));
    vars.insert("namespace".into(), json!(namespace));
    vars.insert("elsewhere".into(), json!(""));
    // A finding at `rel` + `at` below the selected node.
    let finding_at = |rel: &[PathElem], vars: &Map<String, Value>, related_obj: Option<&Value>| {
        let mut want = rel.to_vec();
        want.extend(case.at.iter().cloned());
        let (at_node, n) = node.descend(&want);
        let mut full = sel_path.to_vec();
        full.extend(want[..n].iter().cloned());
        let v = EvalVars {
            ctx,
            node,
            target: root,
            target_path: root_path,
            at: at_node,
            key: key.clone(),
            path: join(root_path, &full),
            error: None,
            check: vars,
            related: related_obj,
        };
        make_finding(ctx, case, &v, at_node)
    };

    if is_unrendered_name(&name) {
        if req.checks_content() {
            return;
        }
        let mut f = finding_at(&[], &vars, None);
        f.severity = f.severity.max(Severity::Warning);
        f.message = format!(
            "{} {} refers to {} `{name}`, an unrendered template expression rather than a name",
            ctx.resource.object.kind, ctx.resource.object.name, kind
        );
        f.help = Some(
            "Check rendered manifests: `helm template … | kvet check -` or `kustomize build … | kvet check -`.".into(),
        );
        out.push(f);
        return;
    }

    if let Some((path, form)) = &req.selector {
        // Selector mode: the selector must select an object of `kind` in the namespace, when the set can tell.
        let (sel_node, n) = node.descend(path);
        if n < path.len() {
            return; // no selector: nothing is selected by design (a Service with hand-managed endpoints)
        }
        let Some(selector) = crate::labels::Selector::parse(sel_node.value, *form) else { return };
        if selector.is_empty() && *form == crate::pack::format::SelectorForm::Map {
            return;
        }
        if ctx.index.selects(&kind, &namespace, &selector) == Some(false) {
            vars.insert("selector".into(), json!(selector.to_string()));
            out.push(finding_at(&[], &vars, None));
        }
        return;
    }
    let candidates = ctx.index.candidates_near(&kind, &namespace, &name, ctx.resource.file);
    let found = candidates.first().copied();
    let known = req.known.contains(&name);
    if !req.checks_content() {
        if found.is_some() || known {
            return;
        }
        let own_namespace = ctx.resource.object.namespace.as_deref().unwrap_or(&ctx.config.default_namespace);
        if req.unless_custom_resources && ctx.index.has_custom_resources(own_namespace) {
            return;
        }
        let elsewhere: Vec<&str> =
            ctx.index.namespaces_of(&kind, &name).into_iter().filter(|ns| *ns != namespace).collect();
        // An object written without `metadata.namespace` lands in whatever namespace it is applied to
        // (`kubectl apply -n`, a kustomization's `namespace:`): it may well be the referrer's.
        let unplaced = elsewhere.iter().any(|ns| {
            ctx.index.all(&kind, ns, &name).iter().any(|&i| {
                let e = ctx.index.entry(i);
                matches!(e.origin, crate::index::Origin::Manifest { .. })
                    && e.value.pointer_at("/metadata/namespace").is_none()
            })
        });
        if unplaced {
            return;
        }
        if !elsewhere.is_empty() {
            let list = elsewhere.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
            let noun = if elsewhere.len() == 1 { "namespace" } else { "namespaces" };
            vars.insert("elsewhere".into(), json!(format!(" (it exists only in {noun} {list})")));
        }
        let mut f = finding_at(&[], &vars, None);
        if ctx.index.assume_complete || !elsewhere.is_empty() {
            f.severity = Severity::Error;
        }
        if let Some(other) = elsewhere.first().and_then(|ns| ctx.index.get(&kind, ns, &name)) {
            let msg = format!("{kind} {name} is defined in namespace {}", other.namespace);
            f.related.extend(ctx.index.related(other, &req.related_at, msg));
        }
        out.push(f);
        return;
    }

    // Content is judged against the nearest definition, and only when no definition passes (a kustomize
    // overlay may hold a partial copy of the object) and every definition's content is known.
    let Some(target) = found else { return };
    if candidates.iter().any(|c| !c.content_known) {
        return;
    }
    // `type` with the API default (a Secret without `type` is Opaque).
    let target_type = target.value.field("type").and_then(Value::as_str).filter(|t| !t.is_empty());
    let default_type = if kind == "Secret" { Some("Opaque") } else { None };
    if let Some(t) = target_type.or(default_type) {
        vars.insert("type".into(), json!(t));
    }
    let related = |vars: &Map<String, Value>, target: &Entry<'_>| -> Option<Related> {
        let label = match &req.related_label {
            Some(t) => {
                let v = EvalVars {
                    ctx,
                    node,
                    target: root,
                    target_path: root_path,
                    at: node,
                    key: key.clone(),
                    path: String::new(),
                    error: None,
                    check: vars,
                    related: Some(target.value),
                };
                t.render(&v)
            }
            None => format!("{kind} {} is defined here", target.display_name()),
        };
        ctx.index.related(target, &req.related_at, label)
    };
    if let Some(key_template) = &req.key {
        let elements: Vec<(Vec<PathElem>, Option<&Value>)> = match &req.each {
            None => vec![(Vec::new(), None)],
            Some(each) => match node.value.pointer(&pointer_of(each)) {
                Some(Value::Array(items)) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let mut p = each.clone();
                        p.push(PathElem::Index(i));
                        (p, Some(item))
                    })
                    .collect(),
                _ => Vec::new(),
            },
        };
        let keys = data_keys(&kind, target.value);
        let other_keys: Vec<&str> = candidates[1..].iter().flat_map(|c| data_keys(&kind, c.value)).collect();
        let available = if keys.is_empty() {
            "none".to_owned()
        } else {
            keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        };
        for (rel, item) in elements {
            let mut item_vars = Map::new();
            if let Some(item) = item {
                item_vars.insert("item".into(), item.clone());
            }
            let kv = EvalVars {
                ctx,
                node,
                target: root,
                target_path: root_path,
                at: node,
                key: key.clone(),
                path: String::new(),
                error: None,
                check: &item_vars,
                related: None,
            };
            let k = key_template.render_value(&kv);
            if k.is_empty() || keys.contains(&k.as_str()) || other_keys.contains(&k.as_str()) {
                continue;
            }
            let mut vars = vars.clone();
            vars.insert("key".into(), json!(k));
            vars.insert("keys".into(), json!(available));
            if let Some(item) = item {
                vars.insert("item".into(), item.clone());
            }
            let mut f = finding_at(&rel, &vars, Some(target.value));
            f.related.extend(related(&vars, target));
            out.push(f);
        }
        return;
    }
    if let Some(schema) = &req.where_ {
        if !candidates.iter().any(|c| schema.is_valid(c.value)) {
            let mut f = finding_at(&[], &vars, Some(target.value));
            f.related.extend(related(&vars, target));
            out.push(f);
        }
    }
}

/// A JSON pointer for a dotted path.
fn pointer_of(path: &[PathElem]) -> String {
    let mut p = String::new();
    for e in path {
        p.push('/');
        match e {
            PathElem::Key(k) => p.push_str(&k.replace('~', "~0").replace('/', "~1")),
            PathElem::Index(i) => p.push_str(&i.to_string()),
        }
    }
    p
}
