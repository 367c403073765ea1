//! Load benchmark of the admission webhook over TLS on loopback (127.0.0.1 only):
//! keep-alive HTTP/1.1 clients in the same process send AdmissionReviews (a restricted pod,
//! a denied privileged pod, a Deployment warned at restricted) as fast as answers come,
//! bounded in count and time, and the throughput and latency percentiles are printed.
//!
//! `cargo bench -p kubeward-server --bench admission_load` (env: `LOAD_REQUESTS`,
//! default 60000; `LOAD_CONNECTIONS`, default 32; `LOAD_SECONDS`, default 30).
//! Client and server share the machine's cores, so the figures are a floor.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use kubeward_server::admission::namespaces::NamespaceStore;
use kubeward_server::admission::{AdmissionConfig, router};
use kubeward_server::tls::{CertReloader, ServeOptions, serve};
use serde_json::{Value, json};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn review(resource: &str, group: &str, kind: &str, object: Value) -> Vec<u8> {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "0c9a8d74-9cb7-44dd-b98e-09fd62def2f4",
        "kind": {"group": group, "version": "v1", "kind": kind},
        "resource": {"group": group, "version": "v1", "resource": resource},
        "name": "web", "namespace": "prod", "operation": "CREATE",
        "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller",
                     "groups": ["system:serviceaccounts", "system:authenticated"]},
        "object": object, "oldObject": null, "dryRun": false
    }})
    .to_string()
    .into_bytes()
}

fn bodies() -> Vec<Vec<u8>> {
    let good = json!({
        "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "app", "image": "registry.example/app:1.2.3",
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "resources": {"limits": {"cpu": "1", "memory": "256Mi"}},
            "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]
    });
    let bad = json!({"hostNetwork": true, "containers": [{"name": "app", "image": "app",
        "securityContext": {"privileged": true}}]});
    let pod = |spec: &Value| {
        json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web"}}, "spec": spec})
    };
    vec![
        review("pods", "", "Pod", pod(&good)),
        review("pods", "", "Pod", pod(&bad)),
        review(
            "deployments",
            "apps",
            "Deployment",
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "prod"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "app"}]}}}}),
        ),
    ]
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let total = env("LOAD_REQUESTS", 60_000);
    let connections = env("LOAD_CONNECTIONS", 32).max(1);
    let max_time = Duration::from_secs(env("LOAD_SECONDS", 30) as u64);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(total, connections, max_time));
}

async fn run(total: usize, connections: usize, max_time: Duration) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = kubeward_testkit::pki::server_cert(dir.path(), "tls");
    let certs = CertReloader::load(&cert.cert, &cert.key).expect("load");
    let ns: BTreeMap<String, String> = [
        ("pod-security.kubernetes.io/enforce", "baseline"),
        ("pod-security.kubernetes.io/warn", "restricted"),
        ("pod-security.kubernetes.io/audit", "restricted"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let store = NamespaceStore::fixed(HashMap::from([("prod".to_string(), ns)]));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = router(AdmissionConfig::default(), store);
    let acceptor = certs.acceptor();
    tokio::spawn(serve(
        listener,
        Some(acceptor),
        app,
        ServeOptions::default(),
        std::future::pending(),
    ));

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.der.clone()).expect("root");
    let config = rustls::ClientConfig::builder_with_provider(kubeward_server::tls::provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let bodies: Arc<Vec<Bytes>> = Arc::new(bodies().into_iter().map(Bytes::from).collect());

    // Warm-up, then measure.
    let _ = drive(&connector, addr, &bodies, connections, 2_000, max_time).await;
    let rss_before = rss_kib();
    let started = Instant::now();
    let (mut latencies, failures) =
        drive(&connector, addr, &bodies, connections, total, max_time).await;
    let elapsed = started.elapsed();
    let rss_after = rss_kib();
    latencies.sort_unstable();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1));
        latencies.get(i).copied().unwrap_or(0) as f64 / 1000.0
    };
    let done = latencies.len();
    println!(
        "admission over TLS, {connections} keep-alive connections, {done} requests in {:.2}s: {:.0} req/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; failures {failures}; RSS {} -> {} KiB",
        elapsed.as_secs_f64(),
        done as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        latencies.last().copied().unwrap_or(0) as f64 / 1000.0,
        rss_before,
        rss_after,
    );
}

/// `total` requests over `connections` connections; per-request latencies in µs.
async fn drive(
    connector: &tokio_rustls::TlsConnector,
    addr: std::net::SocketAddr,
    bodies: &Arc<Vec<Bytes>>,
    connections: usize,
    total: usize,
    max_time: Duration,
) -> (Vec<u32>, usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + max_time;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (connector, bodies, next) = (connector.clone(), bodies.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut failures = 0usize;
            let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
            let _ = tcp.set_nodelay(true);
            let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
            let tls = connector.connect(name, tcp).await.expect("handshake");
            let (mut send, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
                    .await
                    .expect("http");
            tokio::spawn(conn);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total || Instant::now() > deadline {
                    break;
                }
                let body = bodies[i % bodies.len()].clone();
                let req = hyper::Request::post("/validate?timeout=10s")
                    .header("host", "localhost")
                    .header("content-type", "application/json")
                    .body(Full::new(body))
                    .expect("request");
                let t = Instant::now();
                match send.send_request(req).await {
                    Ok(resp) if resp.status() == 200 => {
                        let ok = resp.into_body().collect().await.is_ok();
                        if ok {
                            lat.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                        } else {
                            failures += 1;
                        }
                    }
                    _ => failures += 1,
                }
            }
            (lat, failures)
        }));
    }
    let mut all = Vec::with_capacity(total);
    let mut failures = 0;
    for t in tasks {
        if let Ok((lat, f)) = t.await {
            all.extend(lat);
            failures += f;
        }
    }
    (all, failures)
}
