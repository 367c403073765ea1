//! Load on the audit webhook backend through its HTTP endpoint on loopback: EventList
//! batches of 400 events (the API server's default batch size) POSTed by 4 concurrent
//! clients; measured from the first POST until every event has been evaluated, so the
//! figure is ingestion plus evaluation, not just HTTP acceptance. 429s are retried, as
//! the API server does.
//!
//! Rules: Falco's upstream k8s_audit_rules.yaml when ../../shared/upstream-rules has it
//! (the issue's target), else kubeward's default ruleset.
//!
//! `CARGO_TARGET_DIR=... cargo bench -p kubeward-server --bench audit_load`

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::Full;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use kubeward_rules::engine::{Engine, RulesFile, Ruleset};
use kubeward_server::audit::{AuditServer, OutputsConfig, RulesHandle, ServeConfig};

const BATCH: usize = 400;
const BATCHES_PER_ITER: usize = 25;
const CLIENTS: usize = 4;

fn ruleset() -> (Ruleset, &'static str) {
    let upstream = kubeward_testkit::upstream::dir().join("k8s_audit_rules.yaml");
    let (text, name) = match std::fs::read_to_string(&upstream) {
        Ok(t) => (t, "upstream k8s_audit_rules.yaml"),
        Err(_) => (
            kubeward_k8saudit::DEFAULT_RULES.to_owned(),
            "kubeward default rules",
        ),
    };
    let mut engine = Engine::new();
    engine.add_source(kubeward_k8saudit::source_spec());
    let loaded = engine.load(&[RulesFile::new("rules.yaml", &text)]);
    (loaded.ruleset.expect("rules load"), name)
}

/// A deterministic mix: reads of many resources by controllers and people, pod creations
/// with containers, exec, RBAC writes.
fn event(i: usize) -> String {
    let users = [
        "system:serviceaccount:kube-system:replicaset-controller",
        "system:node:n1",
        "alice@example.com",
        "system:kube-scheduler",
    ];
    let user = users[i % users.len()];
    let ts = format!(
        "2024-06-01T12:{:02}:{:02}.{:06}Z",
        (i / 60) % 60,
        i % 60,
        i % 1_000_000
    );
    match i % 10 {
        0 => format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a{i}","stage":"ResponseComplete","verb":"create","requestURI":"/api/v1/namespaces/prod/pods","user":{{"username":"{user}","groups":["system:authenticated"]}},"sourceIPs":["10.0.0.1"],"objectRef":{{"resource":"pods","namespace":"prod","apiVersion":"v1"}},"responseStatus":{{"code":201}},"requestObject":{{"kind":"Pod","apiVersion":"v1","metadata":{{"generateName":"web-"}},"spec":{{"containers":[{{"name":"app","image":"docker.io/library/nginx:1.27","securityContext":{{"privileged":{}}}}},{{"name":"sidecar","image":"quay.io/prometheus/node-exporter:v1.8.2"}}],"hostNetwork":false}}}},"responseObject":{{"kind":"Pod","metadata":{{"name":"web-{i}","namespace":"prod"}}}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}}}"#,
            i.is_multiple_of(20)
        ),
        1 => format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a{i}","stage":"ResponseStarted","verb":"create","requestURI":"/api/v1/namespaces/prod/pods/web/exec?command=sh&container=app&stdin=true&tty=true","user":{{"username":"{user}","groups":["system:authenticated"]}},"objectRef":{{"resource":"pods","namespace":"prod","name":"web","subresource":"exec","apiVersion":"v1"}},"responseStatus":{{"code":101}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}}}"#
        ),
        2 => format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a{i}","stage":"ResponseComplete","verb":"create","requestURI":"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings","user":{{"username":"{user}","groups":["system:authenticated"]}},"objectRef":{{"resource":"clusterrolebindings","name":"b{i}","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"}},"responseStatus":{{"code":201}},"requestObject":{{"kind":"ClusterRoleBinding","roleRef":{{"kind":"ClusterRole","name":"view"}},"subjects":[{{"kind":"User","name":"bob"}}]}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}}}"#
        ),
        n => {
            let res = [
                "pods",
                "configmaps",
                "secrets",
                "nodes",
                "services",
                "leases",
                "endpoints",
            ][n % 7];
            format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a{i}","stage":"ResponseComplete","verb":"get","requestURI":"/api/v1/namespaces/kube-system/{res}/x{i}","user":{{"username":"{user}","groups":["system:authenticated"]}},"sourceIPs":["10.0.0.2"],"userAgent":"kube-controller-manager/v1.31.0","objectRef":{{"resource":"{res}","namespace":"kube-system","name":"x{i}","apiVersion":"v1"}},"responseStatus":{{"code":200}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC"}}}}"#
            )
        }
    }
}

fn batches() -> Vec<Bytes> {
    (0..BATCHES_PER_ITER)
        .map(|b| {
            let items: Vec<String> = (0..BATCH).map(|i| event(b * BATCH + i)).collect();
            Bytes::from(format!(
                r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{}]}}"#,
                items.join(",")
            ))
        })
        .collect()
}

async fn post_all(addr: SocketAddr, batches: Arc<Vec<Bytes>>, client_no: usize) {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let url = format!("http://{addr}/k8s-audit");
    for body in batches.iter().skip(client_no).step_by(CLIENTS) {
        // Bounded retries of 429, as the API server's backoff would.
        for _ in 0..1000 {
            let req = Request::builder()
                .method(Method::POST)
                .uri(&url)
                .header("content-type", "application/json")
                .body(Full::new(body.clone()))
                .expect("request");
            let status = client.request(req).await.expect("answer").status();
            if status.is_success() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (rules, name) = ruleset();
    eprintln!("audit_load: rules = {name}");
    let mut cfg = ServeConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)));
    cfg.alert_options.hostname = "bench".into();
    let (addr, stats, stop, task) = rt.block_on(async {
        // Alerts go nowhere: this measures intake and evaluation, not a terminal.
        let outputs = OutputsConfig {
            writer: Some(Box::new(std::io::sink())),
            ..OutputsConfig::default()
        };
        let server = AuditServer::bind(cfg, Arc::new(RulesHandle::fixed(rules)), outputs)
            .await
            .expect("bind");
        let (addr, stats) = (server.local_addr(), server.stats());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        (addr, stats, tx, task)
    });
    let batches = Arc::new(batches());
    let per_iter = (BATCH * BATCHES_PER_ITER) as u64;
    let mut g = c.benchmark_group("audit_webhook");
    g.throughput(Throughput::Elements(per_iter));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("loopback_http_400_event_batches", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let target = stats.events_evaluated.get() + per_iter;
                    let clients: Vec<_> = (0..CLIENTS)
                        .map(|n| tokio::spawn(post_all(addr, Arc::clone(&batches), n)))
                        .collect();
                    for c in clients {
                        c.await.expect("client");
                    }
                    while stats.events_evaluated.get() < target {
                        tokio::time::sleep(Duration::from_micros(200)).await;
                    }
                }
                start.elapsed()
            })
        })
    });
    g.finish();
    let _ = stop.send(());
    let _ = rt.block_on(task);
    eprintln!(
        "audit_load: {} batches refused with 429 (retried)",
        kubeward_server::audit::Stats::get(&stats.batches, "result", "queue_full")
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
