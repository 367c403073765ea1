//! The serving certificate follows its files: a replaced pair is used by the next
//! handshake, a broken one is refused and the previous pair kept; clients that do not
//! trust the server fail their handshake without disturbing the others.

mod admission_support;

use std::time::Duration;

use admission_support::*;
use kubeward_server::admission::AdmissionConfig;
use kubeward_server::admission::namespaces::NamespaceStore;

async fn leaf(s: &Server, connector: &tokio_rustls::TlsConnector) -> Vec<u8> {
    request(connector, s.addr, "GET", "/healthz", vec![])
        .await
        .2
        .to_vec()
}

#[tokio::test]
async fn replaced_certificate_files_are_served_to_the_next_handshake() {
    let s = Server::start_default().await;
    tokio::spawn(s.certs.clone().watch(Duration::from_millis(50)));
    let before = leaf(&s, &s.connector).await;
    assert_eq!(before, s.cert.der.to_vec());

    // Replace the pair as a Secret volume update does: new files renamed into place.
    let staged = tempfile::tempdir_in(s.dir.path()).expect("staging dir");
    let next = server_cert(staged.path(), "next");
    std::fs::rename(&next.key, &s.cert.key).expect("swap key");
    std::fs::rename(&next.cert, &s.cert.cert).expect("swap cert");

    let trusts_both = connector(&[s.cert.der.clone(), next.der.clone()]);
    let mut seen = before.clone();
    for _ in 0..100 {
        seen = leaf(&s, &trusts_both).await;
        if seen != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, next.der.to_vec(), "the new certificate is served");
}

#[tokio::test]
async fn a_broken_pair_is_refused_and_the_old_one_kept() {
    let s = Server::start_default().await;
    let other = server_cert(s.dir.path(), "other");
    // A key that does not belong to the certificate (a half-finished rotation).
    std::fs::copy(&other.key, &s.cert.key).expect("overwrite key");
    assert!(s.certs.reload_if_changed().is_err());
    assert_eq!(leaf(&s, &s.connector).await, s.cert.der.to_vec());
    // Garbage is refused the same way.
    std::fs::write(&s.cert.cert, "not a certificate").expect("overwrite cert");
    assert!(s.certs.reload_if_changed().is_err());
    assert_eq!(leaf(&s, &s.connector).await, s.cert.der.to_vec());
}

#[tokio::test]
async fn untrusting_clients_fail_the_handshake_and_the_server_keeps_serving() {
    let s = Server::start_default().await;
    let stranger = server_cert(s.dir.path(), "stranger");
    let wrong = connector(std::slice::from_ref(&stranger.der));
    let tcp = tokio::net::TcpStream::connect(s.addr)
        .await
        .expect("connect");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    assert!(wrong.connect(name, tcp).await.is_err());
    // Plain HTTP on the TLS port is a failed handshake too.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(s.addr)
        .await
        .expect("connect");
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .expect("write");
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut buf)).await;
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
    assert_eq!(s.get("/healthz").await.0, 200);
}

#[tokio::test]
async fn a_slow_body_gets_408_and_the_server_keeps_serving() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let cfg = AdmissionConfig {
        max_request_time: Duration::from_millis(300),
        ..AdmissionConfig::default()
    };
    let s = Server::start(cfg, NamespaceStore::fixed(Default::default())).await;
    let tcp = tokio::net::TcpStream::connect(s.addr)
        .await
        .expect("connect");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut tls = s.connector.connect(name, tcp).await.expect("handshake");
    // Headers promise 1000 bytes; only a few arrive.
    tls.write_all(
        b"POST /validate HTTP/1.1\r\nhost: localhost\r\ncontent-length: 1000\r\n\r\n{\"kind\"",
    )
    .await
    .expect("write");
    let mut buf = vec![0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buf))
        .await
        .expect("answered before the client gave up")
        .expect("read");
    let head = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    assert_eq!(s.get("/healthz").await.0, 200);
}

#[tokio::test]
async fn http2_by_alpn_is_served() {
    use http_body_util::{BodyExt, Full};
    let s = Server::start_default().await;
    let connector = h2_connector(std::slice::from_ref(&s.cert.der));
    let tcp = tokio::net::TcpStream::connect(s.addr)
        .await
        .expect("connect");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let tls = connector.connect(name, tcp).await.expect("handshake");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut send, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tls),
    )
    .await
    .expect("h2 handshake");
    tokio::spawn(conn);
    let req = hyper::Request::get(format!("https://localhost:{}/healthz", s.addr.port()))
        .body(Full::new(hyper::body::Bytes::new()))
        .expect("request");
    let resp = send.send_request(req).await.expect("response");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.version(), hyper::Version::HTTP_2);
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(&body[..], b"ok");
}

fn limited(max_connections: usize) -> kubeward_server::tls::ServeOptions {
    kubeward_server::tls::ServeOptions {
        handshake_timeout: Duration::from_millis(300),
        header_read_timeout: Duration::from_millis(300),
        first_request_timeout: Duration::from_millis(300),
        max_connections,
        ..Default::default()
    }
}

#[tokio::test]
async fn slow_headers_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let store = NamespaceStore::fixed(Default::default());
    let s = Server::start_with(AdmissionConfig::default(), store, limited(16)).await;
    let tcp = tokio::net::TcpStream::connect(s.addr)
        .await
        .expect("connect");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut tls = s.connector.connect(name, tcp).await.expect("handshake");
    tls.write_all(b"POST /validate HTTP/1.1\r\nhost: localhost\r\n")
        .await
        .expect("write");
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), tls.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "the server closed the connection");
    assert_eq!(s.get("/healthz").await.0, 200);
}
