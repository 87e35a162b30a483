//! Patches as kustomize applies them: strategic merge (with the merge keys of the built-in Kubernetes types;
//! custom resources merge maps and replace lists, as a JSON merge patch) and JSON 6902 operations. A value a
//! patch sets keeps the patch's span, so a finding on it points at the patch.

use super::tree::{Node, V};
use serde_json::Value;

/// The key that identifies items of the list `field` in a strategic merge of a built-in type, if the list
/// merges item by item (`None`: the patch's list replaces the target's).
fn merge_key(field: &str, items: &[Node]) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "imagePullSecrets"
        | "env"
        | "resourceClaims"
        | "schedulingGates" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "conditions" => "type",
        // Container ports merge by containerPort, Service ports by port.
        "ports" => {
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        _ => return None,
    })
}

/// Lists of scalars that merge as sets in a strategic merge.
fn merges_as_set(field: &str) -> bool {
    field == "finalizers"
}

/// The directive (`$patch: delete|replace|merge`) of a patch mapping.
fn directive(n: &Node) -> Option<&str> {
    n.get("$patch").and_then(Node::str)
}

/// A copy of a patch node without its directives (what ends up in the object when it has no counterpart).
fn clean(n: &Node) -> Node {
    let mut out = n.clone();
    strip(&mut out);
    out
}

fn strip(n: &mut Node) {
    match &mut n.v {
        V::Map(entries) => {
            entries.retain(|(k, _)| !k.starts_with('$'));
            for (_, c) in entries {
                strip(c);
            }
        }
        V::Seq(items) => {
            items.retain(|i| directive(i).is_none());
            for i in items {
                strip(i);
            }
        }
        V::Scalar(_) => {}
    }
}

/// Applies a strategic merge patch to `target` (`typed`: a built-in type, whose lists merge by key).
pub fn strategic(target: &mut Node, patch: &Node, typed: bool) {
    merge_map(target, patch, typed);
}

fn merge_map(target: &mut Node, patch: &Node, typed: bool) {
    if directive(patch) == Some("replace") {
        let key_span = target.key_span;
        *target = clean(patch);
        target.key_span = target.key_span.or(key_span);
        return;
    }
    let V::Map(entries) = &patch.v else {
        *target = clean(patch);
        return;
    };
    if !matches!(target.v, V::Map(_)) {
        let key_span = target.key_span;
        *target = clean(patch);
        target.key_span = key_span.or(target.key_span);
        return;
    }
    for (k, pv) in entries {
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let Some(V::Seq(items)) = target.get_mut(field).map(|n| &mut n.v) {
                let gone: Vec<Value> = pv.items().iter().map(Node::to_value).collect();
                items.retain(|i| !gone.contains(&i.to_value()));
            }
            continue;
        }
        if k.starts_with('$') {
            continue;
        }
        if pv.is_null() {
            target.remove(k);
            continue;
        }
        let key_span = pv.key_span.unwrap_or(pv.span);
        match (target.get_mut(k), &pv.v) {
            (Some(tv), V::Map(_)) if matches!(tv.v, V::Map(_)) => match directive(pv) {
                Some("delete") => {
                    target.remove(k);
                }
                _ => merge_map(tv, pv, typed),
            },
            (Some(tv), V::Seq(items)) if typed && matches!(tv.v, V::Seq(_)) => merge_list(tv, k, items),
            (_, V::Map(_)) if directive(pv) == Some("delete") => {
                target.remove(k);
            }
            // A value the patch repeats (a merge key such as a container's name) is not set by the patch: it
            // keeps its location in the target.
            (Some(tv), V::Scalar(p)) if matches!(&tv.v, V::Scalar(t) if t == p) => {}
            _ => target.set(k, clean(pv), key_span),
        }
    }
}

fn merge_list(target: &mut Node, field: &str, patch_items: &[Node]) {
    if patch_items.iter().any(|i| directive(i) == Some("replace") && i.get("$patch").is_some() && map_len(i) == 1) {
        let rest: Vec<Node> = patch_items.iter().filter(|i| directive(i).is_none()).map(clean).collect();
        target.v = V::Seq(rest);
        return;
    }
    let V::Seq(items) = &mut target.v else { return };
    if merges_as_set(field) {
        for p in patch_items {
            let pv = p.to_value();
            if !items.iter().any(|i| i.to_value() == pv) {
                items.push(p.clone());
            }
        }
        return;
    }
    let Some(key) = merge_key(field, patch_items).or_else(|| merge_key(field, items)) else {
        target.v = V::Seq(patch_items.iter().map(clean).collect());
        return;
    };
    // As kustomize orders them: the patch's items (merged with their counterparts) in the patch's order, then the
    // target's other items in theirs.
    let mut rest: Vec<Option<Node>> = std::mem::take(items).into_iter().map(Some).collect();
    let mut merged = Vec::with_capacity(rest.len() + patch_items.len());
    for p in patch_items {
        let id = p.get(key).map(Node::to_value);
        let found = id.as_ref().and_then(|id| {
            rest.iter().position(|i| i.as_ref().and_then(|i| i.get(key)).map(Node::to_value).as_ref() == Some(id))
        });
        match (found, directive(p)) {
            (Some(i), Some("delete")) => rest[i] = None,
            (None, Some("delete")) => {}
            (Some(i), _) => {
                let mut item = rest[i].take().expect("found");
                merge_map(&mut item, p, true);
                merged.push(item);
            }
            (None, _) => merged.push(clean(p)),
        }
    }
    merged.extend(rest.into_iter().flatten());
    *items = merged;
}

fn map_len(n: &Node) -> usize {
    match &n.v {
        V::Map(e) => e.len(),
        _ => 0,
    }
}

/// One JSON 6902 operation (`op`, `path`, `from`, `value`) applied to `target`.
pub fn json6902(target: &mut Node, op: &Node) -> Result<(), String> {
    let name = op.str_at(&["op"]).ok_or("an operation without `op`")?;
    let path = parse_pointer(op.str_at(&["path"]).ok_or("an operation without `path`")?)?;
    let value = || op.get("value").cloned().ok_or_else(|| format!("`{name}` without a `value`"));
    match name {
        "add" => add(target, &path, value()?),
        "remove" => remove(target, &path).map(|_| ()),
        "replace" => {
            let v = value()?;
            let slot = resolve_mut(target, &path)?;
            let key_span = slot.key_span;
            *slot = v;
            slot.key_span = key_span;
            Ok(())
        }
        "move" => {
            let from = parse_pointer(op.str_at(&["from"]).ok_or("`move` without `from`")?)?;
            let v = remove(target, &from)?;
            add(target, &path, v)
        }
        "copy" => {
            let from = parse_pointer(op.str_at(&["from"]).ok_or("`copy` without `from`")?)?;
            let v = resolve_mut(target, &from)?.clone();
            add(target, &path, v)
        }
        "test" => {
            let want = value()?.to_value();
            let have = resolve_mut(target, &path)?.to_value();
            if want == have {
                Ok(())
            } else {
                Err(format!("`test` failed: {} is {have}, not {want}", pointer_text(&path)))
            }
        }
        other => Err(format!("unknown operation `{other}`")),
    }
}

fn pointer_text(path: &[String]) -> String {
    path.iter().map(|p| format!("/{p}")).collect()
}

fn parse_pointer(s: &str) -> Result<Vec<String>, String> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = s.strip_prefix('/') else { return Err(format!("path `{s}` does not start with `/`")) };
    Ok(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

fn child_mut<'n>(n: &'n mut Node, token: &str) -> Option<&'n mut Node> {
    match &mut n.v {
        V::Map(entries) => entries.iter_mut().find(|(k, _)| k == token).map(|(_, c)| c),
        V::Seq(items) => token.parse::<usize>().ok().and_then(move |i| items.get_mut(i)),
        V::Scalar(_) => None,
    }
}

fn resolve_mut<'n>(target: &'n mut Node, path: &[String]) -> Result<&'n mut Node, String> {
    let mut cur = target;
    for (i, t) in path.iter().enumerate() {
        cur = child_mut(cur, t).ok_or_else(|| format!("{} does not exist", pointer_text(&path[..=i])))?;
    }
    Ok(cur)
}

fn add(target: &mut Node, path: &[String], mut value: Node) -> Result<(), String> {
    let Some((last, parent)) = path.split_last() else {
        *target = value;
        return Ok(());
    };
    let parent = resolve_mut(target, parent)?;
    match &mut parent.v {
        V::Map(_) => {
            let key_span = value.key_span.unwrap_or(value.span);
            parent.set(last, value, key_span);
            Ok(())
        }
        V::Seq(items) => {
            value.key_span = None;
            if last == "-" {
                items.push(value);
                return Ok(());
            }
            let i: usize = last.parse().map_err(|_| format!("`{last}` is not a list index"))?;
            if i > items.len() {
                return Err(format!("index {i} is past the end of a list of {}", items.len()));
            }
            items.insert(i, value);
            Ok(())
        }
        V::Scalar(_) => Err(format!("{} is not a mapping or a list", pointer_text(path))),
    }
}

fn remove(target: &mut Node, path: &[String]) -> Result<Node, String> {
    let Some((last, parent_path)) = path.split_last() else { return Err("cannot remove the whole object".into()) };
    let parent = resolve_mut(target, parent_path)?;
    let gone = match &mut parent.v {
        V::Map(_) => parent.remove(last),
        V::Seq(items) => last.parse::<usize>().ok().filter(|i| *i < items.len()).map(|i| items.remove(i)),
        V::Scalar(_) => None,
    };
    gone.ok_or_else(|| format!("{} does not exist", pointer_text(path)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn node(text: &str) -> Node {
        let file = SourceFile::new("t.yaml", text);
        let doc = &crate::yaml::load(&file).documents[0];
        Node::from_loaded(&doc.value, &doc.spans, 0)
    }

    #[test]
    fn strategic_merge_merges_containers_by_name_and_honours_directives() {
        let mut t = node("spec:\n  containers:\n  - {name: a, image: x, env: [{name: A, value: '1'}]}\n  - {name: b, image: y}\n  tolerations: [{key: k}]\n");
        let p = node("spec:\n  containers:\n  - {name: a, image: z, env: [{name: B, value: '2'}]}\n  - {name: b, $patch: delete}\n  - {name: c, image: w}\n  tolerations: [{key: j}]\n");
        strategic(&mut t, &p, true);
        assert_eq!(
            t.to_value(),
            serde_json::json!({"spec": {"containers": [
                {"name": "a", "image": "z", "env": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]},
                {"name": "c", "image": "w"}], "tolerations": [{"key": "j"}]}})
        );
        let mut u = node("spec: {containers: [{name: a}], x: 1}\n");
        strategic(&mut u, &node("spec: {containers: [{name: b}], x: null}\n"), false);
        assert_eq!(
            u.to_value(),
            serde_json::json!({"spec": {"containers": [{"name": "b"}]}}),
            "untyped: lists replace"
        );
    }

    #[test]
    fn json6902_operations() {
        let mut t = node("a: {b: [1, 2]}\n");
        for op in [
            "{op: add, path: /a/b/-, value: 3}",
            "{op: replace, path: /a/b/0, value: 9}",
            "{op: add, path: /a/c~1d, value: {e: f}}",
            "{op: copy, from: /a/c~1d, path: /g}",
            "{op: remove, path: /a/b/1}",
        ] {
            json6902(&mut t, &node(op)).unwrap();
        }
        assert_eq!(t.to_value(), serde_json::json!({"a": {"b": [9, 3], "c/d": {"e": "f"}}, "g": {"e": "f"}}));
        let err = json6902(&mut t, &node("{op: replace, path: /x/y, value: 1}")).unwrap_err();
        assert_eq!(err, "/x does not exist");
    }
}
