//! Throughput of the k8s_audit pipeline: generated, realistic audit events (mixed verbs
//! and resources, pods with several containers) read and evaluated against Falco's full
//! k8s_audit_rules.yaml, side by side with serde_json parsing the same lines alone.
//!
//! `cargo bench -p kubeward-k8saudit --bench pipeline`
//!
//! Measured back to back on a shared 2-core host (events/s, one core; serde_json's
//! own figure shows the load): before the memo and rule index (c9d92a0) / after
//! (5532006): serde_json parse 88k / 100k, kubeward read only 144k / 180k, read +
//! upstream rules first match 73k / 174k, all matches + alerts 56k / 138k.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubeward_k8saudit::reader::{Framer, Record};
use kubeward_k8saudit::source_spec;
use kubeward_rules::engine::{AlertOptions, Engine, MatchMode, RulesFile, Ruleset};
use kubeward_testkit::rng::Rng;
use serde_json::json;

const EVENTS: usize = 20_000;

const USERS: &[&str] = &[
    "system:serviceaccount:kube-system:replicaset-controller",
    "system:serviceaccount:argocd:argocd-application-controller",
    "system:node:ip-10-0-1-17.ec2.internal",
    "system:kube-scheduler",
    "alice@example.com",
    "kubernetes-admin",
    "system:serviceaccount:monitoring:prometheus",
];
const NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "prod",
    "staging",
    "monitoring",
    "argocd",
];
const READ_RESOURCES: &[&str] = &[
    "pods",
    "configmaps",
    "secrets",
    "nodes",
    "services",
    "endpoints",
    "leases",
    "deployments",
];
const IMAGES: &[&str] = &[
    "registry.k8s.io/kube-proxy:v1.31.0",
    "docker.io/library/nginx:1.27",
    "quay.io/prometheus/node-exporter:v1.8.2",
    "ghcr.io/example/api@sha256:0123456789abcdef",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:2024.06.01",
];

fn base(
    rng: &mut Rng,
    i: usize,
    verb: &str,
    resource: &str,
    sub: Option<&str>,
    stage: &str,
    code: u16,
) -> serde_json::Value {
    let ns = rng.pick(NAMESPACES);
    let user = rng.pick(USERS);
    let name = format!("obj-{}", rng.next() % 5000);
    let mut object_ref =
        json!({"resource": resource, "namespace": ns, "name": name, "apiVersion": "v1"});
    if let Some(s) = sub {
        object_ref["subresource"] = json!(s);
    }
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": format!("5b3c{i:08x}-6d2e-4f0a-9c1b-7e8f9a0b1c2d"), "stage": stage,
        "requestURI": format!("/api/v1/namespaces/{ns}/{resource}/{name}{}", sub.map(|s| format!("/{s}?command=sh&container=app")).unwrap_or_default()),
        "verb": verb,
        "user": {"username": user, "uid": "0b6e4a2c", "groups": ["system:authenticated", "system:serviceaccounts"]},
        "sourceIPs": ["10.0.12.34"], "userAgent": "kube-controller-manager/v1.31.0 (linux/amd64) kubernetes/9edcffc",
        "objectRef": object_ref,
        "responseStatus": {"metadata": {}, "code": code},
        "requestReceivedTimestamp": "2024-06-01T12:00:00.000123Z",
        "stageTimestamp": "2024-06-01T12:00:00.004567Z",
        "annotations": {"authorization.k8s.io/decision": "allow",
                        "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding \"system:controller\" of ClusterRole \"system:controller\" to ServiceAccount"}
    })
}

fn pod_spec(rng: &mut Rng) -> serde_json::Value {
    let n = 2 + (rng.next() % 3) as usize;
    let containers: Vec<_> = (0..n)
        .map(|c| {
            json!({"name": format!("c{c}"), "image": rng.pick(IMAGES), "imagePullPolicy": "IfNotPresent",
                   "command": ["/bin/app", "--config=/etc/app/config.yaml"], "args": ["--port=8080", "--verbose"],
                   "ports": [{"containerPort": 8080 + c, "protocol": "TCP"}],
                   "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
                   "env": [{"name": "MODE", "value": "production"}, {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
                   "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}, {"name": "data", "mountPath": "/data"}],
                   "securityContext": {"privileged": rng.next().is_multiple_of(50), "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true,
                                       "capabilities": {"drop": ["ALL"]}}})
        })
        .collect();
    let host_path = if rng.next().is_multiple_of(40) {
        "/var/run/docker.sock"
    } else {
        "/var/log/app"
    };
    json!({"containers": containers,
           "initContainers": [{"name": "init", "image": rng.pick(IMAGES), "command": ["sh", "-c", "until nslookup db; do sleep 1; done"]}],
           "volumes": [{"name": "config", "configMap": {"name": "app-config"}}, {"name": "data", "emptyDir": {}},
                       {"name": "logs", "hostPath": {"path": host_path, "type": "DirectoryOrCreate"}}],
           "hostNetwork": rng.next().is_multiple_of(30), "serviceAccountName": "app", "nodeName": "ip-10-0-1-17.ec2.internal",
           "securityContext": {"runAsUser": 1000, "fsGroup": 2000, "seccompProfile": {"type": "RuntimeDefault"}},
           "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]})
}

/// One JSON line per event; the mix is that of a busy cluster's Metadata/Request log.
fn generate(n: usize) -> Vec<u8> {
    let mut rng = Rng(42);
    let mut out = Vec::with_capacity(n * 2048);
    for i in 0..n {
        let roll = rng.next() % 100;
        let ev = match roll {
            0..=59 => {
                let verb = rng.pick(&["get", "list", "watch"]);
                let res = rng.pick(READ_RESOURCES);
                base(&mut rng, i, verb, res, None, "ResponseComplete", 200)
            }
            60..=74 => {
                let mut ev = base(&mut rng, i, "create", "pods", None, "ResponseComplete", 201);
                ev["level"] = json!("RequestResponse");
                let spec = pod_spec(&mut rng);
                ev["requestObject"] = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"generateName": "app-", "labels": {"app": "api", "pod-template-hash": "7d9f8c6b5"}}, "spec": spec});
                ev["responseObject"] = json!({"kind": "Pod", "metadata": {"name": format!("app-{i}"), "uid": "6f1e"}, "status": {"phase": "Pending"}});
                ev
            }
            75..=84 => {
                let verb = rng.pick(&["update", "patch"]);
                let mut ev = base(
                    &mut rng,
                    i,
                    verb,
                    "deployments",
                    None,
                    "ResponseComplete",
                    200,
                );
                ev["level"] = json!("Request");
                let spec = pod_spec(&mut rng);
                ev["requestObject"] = json!({"kind": "Deployment", "spec": {"replicas": 3, "template": {"spec": spec}}});
                ev
            }
            85..=89 => {
                let res = rng.pick(&[
                    "clusterrolebindings",
                    "rolebindings",
                    "clusterroles",
                    "roles",
                ]);
                let mut ev = base(&mut rng, i, "create", res, None, "ResponseComplete", 201);
                ev["requestObject"] = json!({"roleRef": {"kind": "ClusterRole", "name": rng.pick(&["view", "edit", "cluster-admin"])},
                                             "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "build"}],
                                             "rules": [{"apiGroups": [""], "resources": ["pods", "pods/exec"], "verbs": ["get", "create"]}]});
                ev
            }
            90..=94 => {
                let sub = rng.pick(&["exec", "attach", "log"]);
                base(
                    &mut rng,
                    i,
                    "create",
                    "pods",
                    Some(sub),
                    "ResponseStarted",
                    101,
                )
            }
            _ => {
                let res = rng.pick(READ_RESOURCES);
                base(&mut rng, i, "delete", res, None, "ResponseComplete", 200)
            }
        };
        serde_json::to_writer(&mut out, &ev).unwrap();
        out.push(b'\n');
    }
    out
}

fn ruleset() -> Ruleset {
    let path = kubeward_testkit::upstream::dir().join("k8s_audit_rules.yaml");
    let (name, text) = match std::fs::read_to_string(&path) {
        Ok(t) => ("k8s_audit_rules.yaml".to_string(), t),
        Err(e) => {
            eprintln!(
                "{}: {e}; benchmarking kubeward's default ruleset instead",
                path.display()
            );
            (
                kubeward_k8saudit::DEFAULT_RULES_NAME.to_string(),
                kubeward_k8saudit::DEFAULT_RULES.to_string(),
            )
        }
    };
    let mut engine = Engine::new();
    engine.add_source(source_spec());
    engine
        .load(&[RulesFile::new(name, &text)])
        .ruleset
        .expect("rules load")
}

fn bench(c: &mut Criterion) {
    let data = generate(EVENTS);
    let lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let rules = ruleset();
    let src = rules.source_id("k8s_audit").expect("source");
    let opts = AlertOptions {
        hostname: "bench".into(),
        ..AlertOptions::default()
    };
    eprintln!(
        "{} events, {} bytes ({} bytes/event)",
        lines.len(),
        data.len(),
        data.len() / lines.len()
    );

    let mut g = c.benchmark_group("k8s_audit");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.sample_size(20);
    g.bench_function("serde_json::Value parse only", |b| {
        b.iter(|| {
            for l in &lines {
                let v: serde_json::Value = serde_json::from_slice(l).expect("valid");
                std::hint::black_box(v);
            }
        })
    });
    g.bench_function("kubeward read only", |b| {
        b.iter(|| {
            let mut n = 0u64;
            let mut f = Framer::new();
            f.push(&data, &mut |r| {
                if let Record::Event(_) = r {
                    n += 1;
                }
            });
            f.finish(&mut |_| {});
            std::hint::black_box(n)
        })
    });
    for (label, mode) in [
        ("read + upstream rules (first match)", MatchMode::First),
        (
            "read + upstream rules (all matches) + alerts",
            MatchMode::All,
        ),
    ] {
        g.bench_function(label, |b| {
            b.iter(|| {
                let mut hits = Vec::new();
                let mut alerts = 0u64;
                let mut f = Framer::new();
                f.push(&data, &mut |r| {
                    if let Record::Event(ev) = r {
                        hits.clear();
                        rules.evaluate(src, ev, mode, &mut hits);
                        if mode == MatchMode::All {
                            for id in &hits {
                                if let Some(a) = rules.alert(*id, ev, &opts) {
                                    alerts += a.text_line().len() as u64;
                                }
                            }
                        } else {
                            alerts += hits.len() as u64;
                        }
                    }
                });
                f.finish(&mut |_| {});
                std::hint::black_box(alerts)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
