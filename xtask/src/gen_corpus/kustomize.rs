//! `cargo xtask gen-corpus --kustomize N`: a kustomize repository of N applications, each a base (Deployment,
//! Service, PersistentVolumeClaim, a configMapGenerator and a secretGenerator) rendered by three overlays (dev,
//! staging, prod: namespace, name prefix, labels, a strategic-merge patch, a JSON 6902 patch, images,
//! replicas, a generator merge). Deterministic: the same N gives the same bytes.

use std::fmt::Write as _;
use std::path::Path;

use crate::util::TaskError;

/// Writes the repository into `out` (replacing it); returns the number of rendered objects.
pub fn write(apps: usize, out: &Path) -> Result<usize, TaskError> {
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| TaskError::new(format!("cannot clear {}: {e}", out.display())))?;
    }
    let put = |rel: String, text: String| -> Result<(), TaskError> {
        let path = out.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| TaskError::new(format!("{}: {e}", dir.display())))?;
        }
        std::fs::write(&path, text).map_err(|e| TaskError::new(format!("{}: {e}", path.display())))
    };
    for a in 0..apps {
        let app = format!("app{a:04}");
        let base = format!("{app}/base");
        put(format!("{base}/kustomization.yaml"), format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nlabels:\n- pairs:\n    app.kubernetes.io/part-of: {app}\n  includeSelectors: true\nresources:\n- deployment.yaml\n- service.yaml\n- pvc.yaml\nconfigMapGenerator:\n- name: {app}-config\n  literals:\n  - LOG_LEVEL=info\n  - WORKERS={}\n  files:\n  - app.properties\nsecretGenerator:\n- name: {app}-db\n  literals:\n  - username={app}\n  - password=change-me\n",
            a % 8 + 1
        ))?;
        put(format!("{base}/app.properties"), format!("cache.ttl={}\nfeature.search=true\n", 30 + a % 90))?;
        put(format!("{base}/deployment.yaml"), format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/{app}/web:1.0.{a}\n        ports:\n        - containerPort: 8080\n        envFrom:\n        - configMapRef:\n            name: {app}-config\n        env:\n        - name: DB_USER\n          valueFrom:\n            secretKeyRef:\n              name: {app}-db\n              key: username\n        resources:\n          requests: {{cpu: 100m, memory: 128Mi}}\n          limits: {{memory: 128Mi}}\n        volumeMounts:\n        - name: data\n          mountPath: /var/lib/{app}\n      volumes:\n      - name: data\n        persistentVolumeClaim:\n          claimName: {app}-data\n"
        ))?;
        put(format!("{base}/service.yaml"), format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {app}\nspec:\n  selector:\n    app: {app}\n  ports:\n  - port: 80\n    targetPort: 8080\n"
        ))?;
        put(format!("{base}/pvc.yaml"), format!(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {app}-data\nspec:\n  accessModes: [ReadWriteOncePod]\n  resources:\n    requests:\n      storage: {}Gi\n",
            a % 20 + 1
        ))?;
        for (env, replicas) in [("dev", 1), ("staging", 1), ("prod", 1)] {
            let dir = format!("{app}/overlays/{env}");
            let mut k = format!(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: {app}-{env}\nnamePrefix: {env}-\ncommonAnnotations:\n  team: team{}\nresources:\n- ../../base\npatches:\n- path: env.yaml\n- target:\n    kind: Deployment\n  patch: |-\n    - op: add\n      path: /spec/template/metadata/annotations\n      value:\n        env: {env}\nimages:\n- name: registry.example.com/{app}/web\n  newTag: 1.1.{a}\nreplicas:\n- name: {app}\n  count: {replicas}\n",
                a % 7
            );
            let _ = write!(
                k,
                "configMapGenerator:\n- name: {app}-config\n  behavior: merge\n  literals:\n  - ENVIRONMENT={env}\n"
            );
            put(format!("{dir}/kustomization.yaml"), k)?;
            put(format!("{dir}/env.yaml"), format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        env:\n        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef:\n              name: {app}-db\n              key: password\n"
            ))?;
        }
    }
    // Per overlay: Deployment, Service, PVC, ConfigMap, Secret.
    Ok(apps * 3 * 5)
}
