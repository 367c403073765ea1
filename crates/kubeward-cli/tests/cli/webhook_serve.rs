//! `kubeward webhook serve` as a process: flags, offline namespaces, TLS on 127.0.0.1,
//! a decision, and a clean exit on SIGTERM.

use kubeward_testkit::has;
use kubeward_testkit::pki::server_cert;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;

use crate::common::KUBEWARD;

/// Stops the server if the test fails before it does.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn https(
    port: u16,
    roots: &rustls::RootCertStore,
    method: &str,
    path: &str,
    body: &str,
) -> Option<String> {
    let config = rustls::ClientConfig::builder_with_provider(kubeward_server::tls::provider())
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(roots.clone())
        .with_no_client_auth();
    let conn =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").ok()?)
            .ok()?;
    let tcp = TcpStream::connect(("127.0.0.1", port)).ok()?;
    tcp.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    let _ = tls.read_to_string(&mut out);
    Some(out)
}

/// Waits up to 20 s for `/readyz` to answer 200.
fn wait_ready(port: u16, roots: &rustls::RootCertStore) {
    let started = Instant::now();
    let mut ready = None;
    while started.elapsed() < Duration::from_secs(20) {
        ready = https(port, roots, "GET", "/readyz", "");
        if ready
            .as_deref()
            .is_some_and(|r| r.starts_with("HTTP/1.1 200"))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("not ready: {ready:?}");
}

#[test]
fn serve_answers_over_tls_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = server_cert(dir.path(), "tls");
    std::fs::write(
        dir.path().join("ns.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n",
    )
    .expect("write");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.der).expect("root");
    // A free loopback port (released just before the server binds it).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let child = Command::new(KUBEWARD.path())
        .args(["webhook", "serve", "--listen", &format!("127.0.0.1:{port}")])
        .args([
            "--tls-cert",
            "tls.crt",
            "--tls-key",
            "tls.key",
            "--namespaces",
            "ns.yaml",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut server = Running(child);

    let started = Instant::now();
    wait_ready(port, &roots);

    let review = serde_json::json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "name": "bad", "namespace": "prod", "operation": "CREATE", "userInfo": {"username": "bob"},
        "object": {"metadata": {"name": "bad", "namespace": "prod"},
                   "spec": {"hostPID": true, "containers": [{"name": "c", "image": "i"}]}},
        "dryRun": false}});
    let answer = https(port, &roots, "POST", "/validate", &review.to_string()).expect("answer");
    has(
        &answer,
        "pods \\\"bad\\\" is forbidden: violates PodSecurity \\\"baseline:latest\\\": host namespaces (hostPID=true)",
    );

    let pid = server.0.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let mut status = None;
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(Some(s)) = server.0.try_wait() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
}

/// Policies `a-low` and `b-high` both admit a plain pod by defaulting its user; `a-low`
/// wins by name when both are usable.
const TWO_POLICIES: &str = "apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: a-low}
spec:
  runAsUser: {rule: MustRunAs, ranges: [{min: 1000, max: 2000}]}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
  volumes: ['*']
---
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: b-high}
spec:
  runAsUser: {rule: MustRunAs, ranges: [{min: 3000, max: 4000}]}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
  volumes: ['*']
";

/// alice may use b-high in namespace `open` (a Role granting it, bound there).
const RBAC: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: use-b-high}
rules:
- apiGroups: [policy]
  resources: [podsecuritypolicies]
  resourceNames: [b-high]
  verbs: [use]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-b-high, namespace: open}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: use-b-high}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}
- {kind: ServiceAccount, name: builder, namespace: open}
";

fn pod_review(user: &str, service_account: Option<&str>) -> String {
    let mut spec = serde_json::json!({"containers": [{"name": "c", "image": "i"}]});
    if let Some(sa) = service_account {
        spec["serviceAccountName"] = serde_json::json!(sa);
    }
    serde_json::json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "name": "p", "namespace": "open", "operation": "CREATE",
        "userInfo": {"username": user, "groups": ["system:authenticated"]},
        "object": {"metadata": {"name": "p", "namespace": "open"},
                   "spec": spec},
        "dryRun": false}})
    .to_string()
}

#[test]
fn psp_mode_with_rbac_files_authorizes_policy_use_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = server_cert(dir.path(), "tls");
    for (name, text) in [
        ("psp.yaml", TWO_POLICIES),
        ("rbac.yaml", RBAC),
        (
            "ns.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: open}\n",
        ),
    ] {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.der).expect("root");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let child = Command::new(KUBEWARD.path())
        .args(["webhook", "serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--tls-cert", "tls.crt", "--tls-key", "tls.key"])
        .args(["--mode", "psp", "--psp", "psp.yaml", "--rbac", "rbac.yaml"])
        .args(["--namespaces", "ns.yaml"])
        // Offline for sure: no kubeconfig, not in a pod.
        .env("HOME", dir.path())
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let _server = Running(child);
    wait_ready(port, &roots);
    // alice may use b-high only: b-high, though a-low comes first by name.
    let answer =
        https(port, &roots, "POST", "/mutate", &pod_review("alice", None)).expect("answer");
    has(&answer, "\"admit-policy\":\"b-high\"");
    // bob may use neither: refused, with no policy's errors to show.
    let answer = https(port, &roots, "POST", "/mutate", &pod_review("bob", None)).expect("answer");
    has(&answer, "\"allowed\":false");
    has(
        &answer,
        "pods \\\"p\\\" is forbidden: PodSecurityPolicy: unable to admit pod",
    );
    // bob's pod running as the bound service account: b-high.
    let review = pod_review("bob", Some("builder"));
    let answer = https(port, &roots, "POST", "/mutate", &review).expect("answer");
    has(&answer, "\"admit-policy\":\"b-high\"");
}
