//! The HTTP alert output over TLS, as Falco's `http_output` with `ca_bundle`, `mtls` and
//! custom headers: a receiver on loopback that requires a client certificate gets each
//! alert; one the output cannot trust, or that refuses the client, gets nothing and the
//! loss is counted.

mod audit_common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use audit_common::*;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use kubeward_server::audit::{HttpOutputConfig, OutputsConfig, RulesHandle};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A CA with a server and a client pair, as PEM files in `dir`.
struct Pki {
    ca: PathBuf,
    server: (PathBuf, PathBuf),
    client: (PathBuf, PathBuf),
}

fn pki(dir: &Path, name: &str) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, name);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let ca_path = dir.join(format!("{name}-ca.pem"));
    std::fs::write(&ca_path, ca_cert.pem()).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let pair = |role: &str, usage: ExtendedKeyUsagePurpose| {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        p.subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        p.extended_key_usages = vec![usage];
        let cert = p.signed_by(&key, &issuer).unwrap();
        let (c, k) = (
            dir.join(format!("{name}-{role}.pem")),
            dir.join(format!("{name}-{role}-key.pem")),
        );
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, key.serialize_pem()).unwrap();
        (c, k)
    };
    Pki {
        ca: ca_path,
        server: pair("server", ExtendedKeyUsagePurpose::ServerAuth),
        client: pair("client", ExtendedKeyUsagePurpose::ClientAuth),
    }
}

/// What the receiver got: (the `x-token` header, the body).
type Got = Arc<Mutex<Vec<(String, String)>>>;

/// An HTTPS receiver that requires a client certificate signed by `client_ca`.
async fn receiver(server: &(PathBuf, PathBuf), client_ca: &Path) -> (String, Got) {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&server.0)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&server.1).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(client_ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::clone(&provider),
    )
    .build()
    .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let got: Got = Arc::default();
    let keep = Arc::clone(&got);
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, got) = (acceptor.clone(), Arc::clone(&keep));
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let got = Arc::clone(&got);
                    async move {
                        let token = req
                            .headers()
                            .get("x-token")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned();
                        let body = req.into_body().collect().await?.to_bytes();
                        got.lock()
                            .unwrap()
                            .push((token, String::from_utf8_lossy(&body).into_owned()));
                        Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::new())))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (format!("https://localhost:{}/", addr.port()), got)
}

fn https(url: &str, change: impl FnOnce(&mut HttpOutputConfig)) -> OutputsConfig {
    let mut cfg = HttpOutputConfig {
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(40),
        max_attempts: 2,
        ..HttpOutputConfig::new(url)
    };
    change(&mut cfg);
    OutputsConfig {
        http: Some(cfg),
        ..OutputsConfig::default()
    }
}

/// A server with `outputs` that has been sent one event raising one alert.
async fn secret_read_to(outputs: OutputsConfig) -> Running {
    let srv = start(config(), RulesHandle::fixed(default_rules()), outputs).await;
    deliver(
        &srv.url("/k8s-audit"),
        &[event(1, "alice", "get", "secrets")],
    )
    .await;
    srv
}

async fn failed(srv: &Running) -> Option<u64> {
    let url = srv.url("/metrics");
    for _ in 0..100 {
        let (_, m) = get(&url).await;
        let n = metric(&m, "kubeward_audit_alerts_failed_total{output=\"http\"}");
        if n == Some(1) {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

#[tokio::test]
async fn alerts_reach_an_mtls_receiver_with_the_custom_headers() {
    let dir = tempfile::tempdir().unwrap();
    let p = pki(dir.path(), "a");
    let (url, got) = receiver(&p.server, &p.ca).await;
    let outputs = https(&url, |c| {
        c.ca_bundle = Some(p.ca.clone());
        c.client_cert = Some(p.client.clone());
        c.headers = vec![("x-token".into(), "s3cret".into())];
    });
    let srv = secret_read_to(outputs).await;
    eventually("the alert over TLS", || got.lock().unwrap().len() == 1).await;
    let (token, body) = got.lock().unwrap()[0].clone();
    assert_eq!(token, "s3cret");
    let alert: serde_json::Value = serde_json::from_str(&body).unwrap();
    kubeward_testkit::falco::assert_alice_secret_read(&alert);
    srv.stop().await;
}

#[tokio::test]
async fn an_untrusted_receiver_or_a_missing_client_certificate_loses_the_alert() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (pki(dir.path(), "a"), pki(dir.path(), "b"));
    // The receiver's certificate is signed by a CA the output does not trust.
    let (url, got) = receiver(&a.server, &a.ca).await;
    let outputs = https(&url, |c| {
        c.ca_bundle = Some(b.ca.clone());
        c.client_cert = Some(a.client.clone());
    });
    let srv = secret_read_to(outputs).await;
    assert_eq!(failed(&srv).await, Some(1));
    srv.stop().await;
    // Trusted, but no client certificate: the receiver refuses the handshake.
    let outputs = https(&url, |c| c.ca_bundle = Some(a.ca.clone()));
    let srv = secret_read_to(outputs).await;
    assert_eq!(failed(&srv).await, Some(1));
    srv.stop().await;
    // `insecure` accepts the untrusted certificate.
    let outputs = https(&url, |c| {
        c.insecure = true;
        c.client_cert = Some(a.client.clone());
    });
    let srv = secret_read_to(outputs).await;
    eventually("the alert, insecurely", || got.lock().unwrap().len() == 1).await;
    srv.stop().await;
}
