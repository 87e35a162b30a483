//! Output is byte-identical whatever the thread count.

use kvet_engine::config::Config;
use kvet_engine::pack::Pack;
use kvet_engine::report::{render, Format, RenderOptions};
use kvet_engine::{check, SourceFile, SourceMap};
use std::collections::BTreeMap;

fn corpus() -> SourceMap {
    let mut sources = SourceMap::default();
    for i in 0..60 {
        let text = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\nspec:\n  selector: {{matchLabels: {{app: a{i}}}}}\n  template:\n    metadata: {{labels: {{app: a{i}}}}}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n        volumeMounts: [{{name: missing, mountPath: /x}}]\n      volumes:\n      - name: host\n        hostPath: {{path: /etc}}\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv-{i}\nspec:\n  capacity: {{storage: 1Gi}}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Recycle\n  hostPath: {{path: /}}\n"
        );
        sources.add(SourceFile::new(format!("f{i:02}.yaml"), text));
    }
    sources
}

fn render_with(threads: usize) -> String {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let pack = Pack::load(&[], &BTreeMap::new()).expect("embedded pack loads");
        let report = check(corpus(), &pack, &Config::default());
        assert!(report.findings.len() > 100);
        let opts = RenderOptions::default();
        format!("{}{}", render(&report, Format::Json, &opts), render(&report, Format::Human, &opts))
    })
}

#[test]
fn same_bytes_for_any_thread_count() {
    let one = render_with(1);
    assert_eq!(one, render_with(2));
    assert_eq!(one, render_with(7));
}
