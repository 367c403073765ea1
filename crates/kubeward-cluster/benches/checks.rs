//! The per-resource hot paths of the cluster checks: every family on one workload's pod
//! template, and one binding judged through an aggregated ClusterRole, against an
//! inventory of a few thousand objects.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubeward_cluster::{Inventory, Selection, Template, check_resource, check_workload};
use kubeward_manifest::{Limits, Resource, parse_documents, pod_template};
use kubeward_podsecurity::defaults::{Holder, apply_defaults};

/// Namespaces, ServiceAccounts, NetworkPolicies and roles, one aggregating ClusterRole
/// among 500, as a medium cluster's manifests hold them.
fn inventory_yaml() -> String {
    let mut y = String::new();
    for i in 0..50 {
        y.push_str(&format!(
            "---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: team-{i}}}\n\
             ---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: app, namespace: team-{i}}}\n\
             ---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np, namespace: team-{i}}}\n\
             spec: {{podSelector: {{matchLabels: {{app: other}}}}, policyTypes: [Ingress, Egress]}}\n"
        ));
    }
    for i in 0..500 {
        y.push_str(&format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n\
             metadata: {{name: cr-{i}, labels: {{agg: 'true'}}}}\n\
             rules: [{{apiGroups: [''], resources: [configmaps, pods/log], verbs: [get, list]}}]\n"
        ));
    }
    y.push_str(
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: ops}\n\
         aggregationRule: {clusterRoleSelectors: [{matchLabels: {agg: 'true'}}]}\n",
    );
    y
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team-7}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: app
      containers:
      - name: app
        image: registry.example.com/shop/web:1.2.3
        env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: t, key: token}}}]
        resources: {requests: {cpu: 100m}}
      - name: sidecar
        image: registry.example.com/shop/proxy:2.0
";

const BINDING: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ops, namespace: team-7}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ops}
subjects:
- {kind: ServiceAccount, name: app}
- {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}
";

fn parse(text: &str) -> Vec<Resource> {
    let file: Arc<str> = Arc::from("bench.yaml");
    parse_documents(&file, text, &Limits::default())
        .into_iter()
        .filter_map(Result::ok)
        .collect()
}

fn checks(c: &mut Criterion) {
    let mut inv = Inventory::default();
    for r in parse(&inventory_yaml()) {
        inv.add(&r);
    }
    inv.finish();
    let sel = Selection::default();
    let deployment = parse(DEPLOYMENT).remove(0);
    let Some(Ok(t)) = pod_template(&deployment) else {
        panic!("the bench's Deployment has a template");
    };
    let mut spec = t.spec.clone();
    apply_defaults(&mut spec, Holder::of_kind(&deployment.kind));
    let template = Template {
        prefix: t.prefix,
        metadata: &t.metadata,
        spec: &spec,
    };
    let binding = parse(BINDING).remove(0);

    let mut group = c.benchmark_group("cluster");
    group.throughput(Throughput::Elements(1));
    group.bench_function("workload", |b| {
        b.iter(|| check_workload(black_box(&deployment), &template, &inv, &sel))
    });
    group.bench_function("binding_through_aggregation", |b| {
        b.iter(|| check_resource(black_box(&binding), &inv, &sel))
    });
    group.finish();
}

criterion_group!(benches, checks);
criterion_main!(benches);
