//! `AdmissionServer`, the webhook as a process: it refuses to start without a usable
//! certificate or namespace file (saying how to fix it), serves what it loaded, and on
//! SIGHUP takes a rotated certificate and an edited namespace file at once.

mod admission_support;

use std::path::Path;
use std::time::Duration;

use admission_support::*;
use kubeward_manifest::Limits;
use kubeward_report::Hint;
use kubeward_server::admission::{
    AdmissionConfig, AdmissionServeError, AdmissionServer, NamespaceSource, Serving,
};
use kubeward_server::tls::{ServeOptions, TlsFiles};

fn namespace_file(dir: &Path, enforce: &str) -> std::path::PathBuf {
    let path = dir.join("namespaces.yaml");
    let text = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels:\n    pod-security.kubernetes.io/enforce: {enforce}\n"
    );
    std::fs::write(&path, text).expect("write namespaces");
    path
}

fn serving(cert: &ServerCert, namespaces: NamespaceSource) -> Serving {
    Serving {
        listen: "127.0.0.1:0".into(),
        tls: TlsFiles {
            cert: cert.cert.clone(),
            key: cert.key.clone(),
            // Only SIGHUP reloads within the test's lifetime.
            reload_every: Duration::from_secs(3600),
        },
        namespaces,
        serve_options: ServeOptions::default(),
        reload_on_sighup: true,
    }
}

async fn bind_error(serving: Serving) -> AdmissionServeError {
    match AdmissionServer::bind(AdmissionConfig::default(), serving).await {
        Ok(_) => panic!("bind succeeded"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn a_missing_certificate_or_namespace_file_stops_the_start_with_a_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = server_cert(dir.path(), "tls");
    let file = NamespaceSource::File {
        path: namespace_file(dir.path(), "baseline"),
        limits: Limits::default(),
    };

    let mut no_cert = serving(&cert, file);
    no_cert.tls.key = dir.path().join("absent.key");
    let e = bind_error(no_cert).await;
    assert!(matches!(e, AdmissionServeError::Certificate(_)), "{e}");
    assert!(
        e.to_string()
            .starts_with("loading the serving certificate: "),
        "{e}"
    );
    assert!(e.hint().contains("webhook manifests"), "{}", e.hint());

    let bad_file = NamespaceSource::File {
        path: dir.path().join("absent.yaml"),
        limits: Limits::default(),
    };
    let e = bind_error(serving(&cert, bad_file)).await;
    assert!(matches!(e, AdmissionServeError::NamespaceFile(_)), "{e}");
    assert!(e.hint().contains("--namespaces"), "{}", e.hint());
}

#[tokio::test]
async fn sighup_reloads_the_certificate_and_the_namespace_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = server_cert(dir.path(), "tls");
    let path = namespace_file(dir.path(), "baseline");
    let source = NamespaceSource::File {
        path: path.clone(),
        limits: Limits::default(),
    };
    let server = AdmissionServer::bind(AdmissionConfig::default(), serving(&first, source))
        .await
        .expect("bind");
    let addr = server.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));

    let pod = ReviewBuilder::pod("team", "p", privileged_spec()).build();
    let post = |connector: tokio_rustls::TlsConnector, review: serde_json::Value| async move {
        let (_, body, leaf) = request(
            &connector,
            addr,
            "POST",
            "/validate",
            review.to_string().into_bytes(),
        )
        .await;
        let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
        (body["response"]["allowed"].as_bool(), leaf)
    };
    let trusts_first = connector(std::slice::from_ref(&first.der));
    assert_eq!(post(trusts_first.clone(), pod.clone()).await.0, Some(false));

    // Rotate the pair in place and relax the namespace; nothing changes until SIGHUP.
    let second = server_cert(dir.path(), "tls");
    namespace_file(dir.path(), "privileged");
    assert_eq!(post(trusts_first, pod.clone()).await.0, Some(false));

    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let trusts_second = connector(std::slice::from_ref(&second.der));
    let mut reloaded = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
        if trusts_second.connect(name, tcp).await.is_ok() {
            reloaded = Some(post(trusts_second.clone(), pod.clone()).await);
            if reloaded.as_ref().is_some_and(|r| r.0 == Some(true)) {
                break;
            }
        }
    }
    let (allowed, leaf) = reloaded.expect("the rotated certificate was never served");
    assert_eq!(leaf, second.der);
    assert_eq!(
        allowed,
        Some(true),
        "the edited namespace file was not reloaded"
    );

    let _ = stop.send(());
    let summary = run.await.expect("join").expect("run");
    assert!(summary.contains("accepted"), "{summary}");
}
