//! Loader throughput on a generated multi-document file of realistic Deployments:
//! parsing alone, and parsing plus typed pod templates (the per-resource hot path).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubeward_manifest::{Limits, parse_documents, pod_template};

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-NUM
  namespace: shop
  labels:
    app.kubernetes.io/name: web
    app.kubernetes.io/part-of: shop
  annotations:
    deployment.kubernetes.io/revision: "3"
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      serviceAccountName: web
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile:
          type: RuntimeDefault
      containers:
      - name: app
        image: registry.example.com/shop/web:1.2.3
        args: ["--port=8080", "--verbose"]
        ports:
        - containerPort: 8080
          name: http
        env:
        - name: MODE
          value: production
        resources:
          limits: {cpu: 500m, memory: 256Mi}
          requests: {cpu: 100m, memory: 128Mi}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities:
            drop: [ALL]
      - name: sidecar
        image: busybox:1.36
        command: [sh, -c, "sleep infinity"]
"#;

const DOCS: u64 = 1_000;

fn manifest() -> String {
    (0..DOCS)
        .map(|i| format!("---\n{}", DEPLOYMENT.replace("NUM", &i.to_string())))
        .collect()
}

fn bench(c: &mut Criterion) {
    let text = manifest();
    let file: Arc<str> = Arc::from("bench.yaml");
    let limits = Limits::default();
    let mut g = c.benchmark_group("load");
    g.throughput(Throughput::Elements(DOCS));
    g.bench_function("parse_documents", |b| {
        b.iter(|| parse_documents(&file, black_box(&text), &limits))
    });
    g.bench_function("parse_and_pod_template", |b| {
        b.iter(|| {
            let resources = parse_documents(&file, black_box(&text), &limits);
            resources
                .iter()
                .flatten()
                .filter_map(pod_template)
                .filter(Result::is_ok)
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
