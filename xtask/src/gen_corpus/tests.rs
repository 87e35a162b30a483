//! Determinism and sanity of the generated corpus.

use super::*;

fn collect(docs: usize, seed: u64) -> (Vec<GeneratedFile>, Stats) {
    let mut files = Vec::new();
    let stats = generate(docs, seed, &mut |f| {
        files.push(f);
        Ok(())
    })
    .unwrap();
    (files, stats)
}

/// The documents of a file: text between `---` lines that has more than comments.
fn documents(file: &GeneratedFile) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in file.content.lines() {
        if line == "---" {
            docs.push(String::new());
        } else if !line.starts_with('#') {
            let last = docs.last_mut().unwrap();
            last.push_str(line);
            last.push('\n');
        }
    }
    docs.retain(|d| !d.trim().is_empty());
    docs
}

#[test]
fn same_seed_gives_byte_identical_corpus() {
    let (a, _) = collect(2_000, SEED);
    let (b, _) = collect(2_000, SEED);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.path, y.path);
        assert_eq!(x.content, y.content, "{}", x.path);
    }
    let (c, _) = collect(2_000, SEED + 1);
    assert!(a.iter().zip(&c).any(|(x, y)| x.content != y.content));
}

#[test]
fn produces_exactly_the_requested_document_count() {
    for n in [1, 7, 100, 1_234] {
        let (files, stats) = collect(n, SEED);
        assert_eq!(stats.documents, n);
        assert_eq!(files.iter().map(|f| documents(f).len()).sum::<usize>(), n);
    }
}

#[test]
fn documents_look_like_kubernetes_objects() {
    let (files, stats) = collect(3_000, SEED);
    for file in &files {
        assert!((1..=20).contains(&documents(file).len()), "{} has {} documents", file.path, documents(file).len());
        assert!(file.path.ends_with(".yaml"));
        assert!(!file.content.contains('\t'), "{} has a tab", file.path);
        for doc in documents(file) {
            assert!(doc.contains("apiVersion: "), "{}: {doc}", file.path);
            assert!(doc.contains("\nkind: "), "{}: {doc}", file.path);
            assert!(doc.contains("metadata:\n  name: "), "{}: {doc}", file.path);
            for line in doc.lines() {
                let indent = line.len() - line.trim_start_matches(' ').len();
                assert!(indent % 2 == 0, "{}: odd indentation in `{line}`", file.path);
                assert!(!line.ends_with(' '), "{}: trailing space in `{line}`", file.path);
            }
        }
    }
    for kind in [
        "Deployment",
        "Service",
        "ConfigMap",
        "Secret",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "StorageClass",
        "StatefulSet",
        "DaemonSet",
        "CronJob",
        "Ingress",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
    ] {
        assert!(stats.kinds.get(kind).copied().unwrap_or(0) > 0, "no {kind} in {:?}", stats.kinds);
    }
}

#[test]
fn folders_hold_about_fifty_files() {
    let (files, _) = collect(10_000, SEED);
    let mut per_namespace: BTreeMap<String, usize> = BTreeMap::new();
    for file in &files {
        let parts: Vec<&str> = file.path.split('/').collect();
        if parts[0] != "cluster" {
            *per_namespace.entry(format!("{}/{}", parts[0], parts[1])).or_default() += 1;
        }
    }
    let last = files.last().unwrap().path.split('/').take(2).collect::<Vec<_>>().join("/");
    for (folder, count) in &per_namespace {
        if *folder != last {
            assert!((40..=75).contains(count), "{folder}: {count} files");
        }
    }
}

#[test]
fn most_references_resolve_and_some_do_not() {
    let (files, _) = collect(5_000, SEED);
    let all: String = files.iter().map(|f| f.content.as_str()).collect();
    let defined: std::collections::BTreeSet<String> = all
        .split("\n---\n")
        .filter(|d| d.contains("kind: ConfigMap") || d.contains("kind: Secret"))
        .filter_map(|d| d.lines().find_map(|l| l.strip_prefix("  name: ")).map(str::to_string))
        .collect();
    let mut total = 0;
    let mut missing = 0;
    let mut lines = all.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed.ends_with("configMapRef:") || trimmed.ends_with("secretRef:") {
            if let Some(name) = lines.peek().and_then(|l| l.trim().strip_prefix("name: ")) {
                total += 1;
                if !defined.contains(name) {
                    missing += 1;
                }
            }
        }
    }
    assert!(total > 500, "{total} envFrom references");
    let ratio = missing as f64 / total as f64;
    assert!((0.04..0.2).contains(&ratio), "missing ratio {ratio}");
}
