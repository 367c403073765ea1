//! Test support for the admission tests: a server on 127.0.0.1 with a test certificate,
//! a rustls + hyper client, and AdmissionReview builders.
#![allow(dead_code)]

use std::sync::Arc;

use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use kubeward_server::admission::namespaces::NamespaceStore;
use kubeward_server::admission::{AdmissionConfig, router};
use kubeward_server::tls::{CertReloader, ServeOptions, serve};
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;

pub use kubeward_testkit::pki::{ServerCert, server_cert};

/// A TLS client that trusts exactly `roots`.
fn client_config(roots: &[CertificateDer<'static>]) -> rustls::ClientConfig {
    let mut store = rustls::RootCertStore::empty();
    for r in roots {
        store.add(r.clone()).expect("root");
    }
    rustls::ClientConfig::builder_with_provider(kubeward_server::tls::provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(store)
        .with_no_client_auth()
}

pub fn connector(roots: &[CertificateDer<'static>]) -> TlsConnector {
    let mut config = client_config(roots);
    // Every request a full handshake: a resumed session would show the cached certificate.
    config.resumption = rustls::client::Resumption::disabled();
    TlsConnector::from(Arc::new(config))
}

/// A connector that offers only HTTP/2 by ALPN, as the API server's client does.
pub fn h2_connector(roots: &[CertificateDer<'static>]) -> TlsConnector {
    let mut config = client_config(roots);
    config.alpn_protocols = vec![b"h2".to_vec()];
    TlsConnector::from(Arc::new(config))
}

/// One HTTPS request on a fresh connection; returns status, body, and the server's leaf.
pub async fn request(
    connector: &TlsConnector,
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: Vec<u8>,
) -> (u16, Vec<u8>, CertificateDer<'static>) {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let tls = connector
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("handshake");
    let leaf = tls.get_ref().1.peer_certificates().expect("peer cert")[0].clone();
    let (mut send, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
        .await
        .expect("http handshake");
    tokio::spawn(conn);
    let req = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("request");
    let resp = send.send_request(req).await.expect("response");
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (status, bytes.to_vec(), leaf)
}

/// The webhook serving on 127.0.0.1:<ephemeral>, stopped when dropped.
pub struct Server {
    pub addr: std::net::SocketAddr,
    pub connector: TlsConnector,
    pub certs: Arc<CertReloader>,
    pub dir: tempfile::TempDir,
    pub cert: ServerCert,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    /// The default configuration over a cluster with no namespaces.
    pub async fn start_default() -> Server {
        Self::start(
            AdmissionConfig::default(),
            NamespaceStore::fixed(Default::default()),
        )
        .await
    }

    pub async fn start(cfg: AdmissionConfig, namespaces: Arc<NamespaceStore>) -> Server {
        Self::start_with(cfg, namespaces, ServeOptions::default()).await
    }

    pub async fn start_with(
        cfg: AdmissionConfig,
        namespaces: Arc<NamespaceStore>,
        opts: ServeOptions,
    ) -> Server {
        // The router shows the counters that `serve` keeps.
        let opts = ServeOptions {
            metrics: cfg.connections.clone(),
            ..opts
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let cert = server_cert(dir.path(), "tls");
        let certs = CertReloader::load(&cert.cert, &cert.key).expect("load cert");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = router(cfg, namespaces);
        let acceptor = certs.acceptor();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            serve(listener, Some(acceptor), app, opts, shutdown)
                .await
                .expect("serve");
        });
        Server {
            addr,
            connector: connector(std::slice::from_ref(&cert.der)),
            certs,
            dir,
            cert,
            stop: Some(stop),
        }
    }

    pub async fn post_raw(&self, path: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
        let (s, b, _) = request(&self.connector, self.addr, "POST", path, body).await;
        (s, b)
    }

    pub async fn post(&self, path: &str, review: &Value) -> (u16, Value) {
        let (s, b) = self.post_raw(path, review.to_string().into_bytes()).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    /// Posts a CREATE review of pod `ns/name` with `spec` to `path` and returns the
    /// AdmissionReview the server answered.
    pub async fn review_pod(&self, path: &str, ns: &str, name: &str, spec: Value) -> Value {
        self.post(path, &ReviewBuilder::pod(ns, name, spec).build())
            .await
            .1
    }

    /// The `response` of a review of the Pod `ns/name` on `/validate`.
    pub async fn validate_pod(&self, ns: &str, name: &str, spec: Value) -> Value {
        self.review_pod("/validate", ns, name, spec).await["response"].take()
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let (s, b, _) = request(&self.connector, self.addr, "GET", path, vec![]).await;
        (s, String::from_utf8_lossy(&b).into_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub fn restricted_spec() -> Value {
    json!({
        "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "app", "image": "nginx",
            "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}
        }]
    })
}

/// Baseline-compliant but not restricted.
pub fn plain_spec() -> Value {
    json!({"containers": [{"name": "app", "image": "nginx"}]})
}

pub fn privileged_spec() -> Value {
    json!({"containers": [{"name": "app", "image": "nginx", "securityContext": {"privileged": true}}]})
}

pub fn pod_object(ns: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns}, "spec": spec})
}

/// An AdmissionReview as the API server writes it.
pub struct ReviewBuilder {
    v: Value,
}

impl ReviewBuilder {
    pub fn new(
        group: &str,
        resource: &str,
        kind: &str,
        ns: &str,
        name: &str,
        object: Value,
    ) -> Self {
        let version = "v1";
        let mut request = json!({
            "uid": "uid-1",
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": resource},
            "name": name,
            "operation": "CREATE",
            "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
            "object": object,
            "oldObject": null,
            "dryRun": false
        });
        if !ns.is_empty() {
            request["namespace"] = json!(ns);
        }
        ReviewBuilder {
            v: json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}),
        }
    }

    pub fn pod(ns: &str, name: &str, spec: Value) -> Self {
        Self::new("", "pods", "Pod", ns, name, pod_object(ns, name, spec))
    }

    pub fn object(mut self, object: Value) -> Self {
        self.v["request"]["object"] = object;
        self
    }

    pub fn update(mut self, old: Value) -> Self {
        self.v["request"]["operation"] = json!("UPDATE");
        self.v["request"]["oldObject"] = old;
        self
    }

    pub fn dry_run(mut self) -> Self {
        self.v["request"]["dryRun"] = json!(true);
        self
    }

    pub fn user(mut self, name: &str) -> Self {
        self.v["request"]["userInfo"]["username"] = json!(name);
        self
    }

    pub fn subresource(mut self, sub: &str) -> Self {
        self.v["request"]["subResource"] = json!(sub);
        self
    }

    pub fn build(self) -> Value {
        self.v
    }
}

/// PodSecurityPolicies from YAML text.
pub fn load_policies(yaml: &str) -> Vec<kubeward_podsecurity::psp::Policy> {
    let file: Arc<str> = Arc::from("policies.yaml");
    let resources: Vec<_> =
        kubeward_manifest::parse_documents(&file, yaml, &kubeward_manifest::Limits::default())
            .into_iter()
            .map(|r| r.expect("policy parses"))
            .collect();
    let (policies, errors) = kubeward_podsecurity::psp::load_policies(&resources);
    assert!(errors.is_empty(), "{errors:?}");
    policies
}

/// The JSON Patch operations of a response.
pub fn decode_patch(resp: &Value) -> Vec<Value> {
    let text = resp["patch"].as_str().expect("patch present");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64 patch");
    serde_json::from_slice(&bytes).expect("patch JSON")
}

/// A review response's status message ("" when there is none).
pub fn message(resp: &Value) -> &str {
    resp["status"]["message"].as_str().unwrap_or_default()
}
