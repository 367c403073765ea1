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
    let mut ready = None;
    while started.elapsed() < Duration::from_secs(20) {
        ready = https(port, &roots, "GET", "/readyz", "");
        if ready
            .as_deref()
            .is_some_and(|r| r.starts_with("HTTP/1.1 200"))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        ready
            .as_deref()
            .is_some_and(|r| r.starts_with("HTTP/1.1 200")),
        "{ready:?}"
    );

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
