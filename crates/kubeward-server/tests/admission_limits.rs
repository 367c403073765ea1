//! The admission webhook under connection floods: deadlines close idle connections, the cap
//! sheds the oldest idle one for a newcomer, a busy connection is never shed, and one source
//! address cannot take the server; meanwhile real clients get real answers.

mod admission_support;
mod flood_support;

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use admission_support::*;
use flood_support::*;
use http_body_util::Empty;
use hyper::body::Bytes;
use kubeward_server::admission::AdmissionConfig;
use kubeward_server::admission::namespaces::NamespaceStore;
use kubeward_server::tls::{CloseReason, ConnMetrics, ServeOptions};
use rustls::pki_types::ServerName;
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// Long enough for anything that is not a hang.
const ANSWER: Duration = Duration::from_secs(15);

fn store() -> Arc<NamespaceStore> {
    let mut ns = HashMap::new();
    ns.insert("open".to_string(), Default::default());
    NamespaceStore::fixed(ns)
}

fn review() -> Vec<u8> {
    ReviewBuilder::pod("open", "p", plain_spec())
        .build()
        .to_string()
        .into_bytes()
}

async fn handshake_from(s: &Server, source: IpAddr) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = connect_from(source, s.addr).await?;
    let name = ServerName::try_from("localhost").expect("name");
    s.connector.connect(name, tcp).await
}

/// A real client's review on a new connection, answered in time and allowed.
async fn real_review(s: &Server) {
    let (status, body) = tokio::time::timeout(ANSWER, s.post_raw("/validate", review()))
        .await
        .expect("a real review is answered during the flood");
    assert_eq!(status, 200);
    let body: Value = serde_json::from_slice(&body).expect("JSON answer");
    assert_eq!(body["response"]["allowed"], true, "{body}");
    assert_eq!(body["response"]["uid"], "uid-1");
}

async fn healthz(s: &Server) {
    let (status, body) = tokio::time::timeout(ANSWER, s.get("/healthz"))
        .await
        .expect("/healthz is answered during the flood");
    assert_eq!((status, body.as_str()), (200, "ok"));
}

async fn metric(s: &Server, reason: &str) -> u64 {
    let (_, text) = tokio::time::timeout(ANSWER, s.get("/metrics"))
        .await
        .expect("/metrics answered");
    sample(
        &text,
        &format!("kubeward_admission_connections_closed_total{{reason=\"{reason}\"}}"),
    )
}

/// Waits until the server is answering `n` requests (read from the counters directly: a
/// `/metrics` request would need a connection of its own).
async fn wait_in_flight(counters: &ConnMetrics, n: i64) {
    for _ in 0..1000 {
        if counters.in_flight() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server never had {n} requests in flight");
}

/// A server whose connection counters the test can read.
/// Two requests on one connection, 900 ms apart (past the header and first-request
/// deadlines), each answered 200 within [`ANSWER`]; their HTTP versions. `what` names
/// the requests in a failure.
async fn two_requests_apart<F>(
    mut send: impl FnMut(hyper::Request<Empty<Bytes>>) -> F,
    request: impl Fn() -> hyper::Request<Empty<Bytes>>,
    what: &str,
) -> Vec<hyper::Version>
where
    F: Future<Output = hyper::Result<hyper::Response<hyper::body::Incoming>>>,
{
    let mut versions = Vec::new();
    for round in 0..2 {
        if round > 0 {
            tokio::time::sleep(Duration::from_millis(900)).await;
        }
        let resp = tokio::time::timeout(ANSWER, send(request()))
            .await
            .expect("answered")
            .unwrap_or_else(|e| panic!("{what} {round} failed: {e}"));
        assert_eq!(resp.status(), 200);
        versions.push(resp.version());
    }
    versions
}

async fn start(opts: ServeOptions) -> (Server, ConnMetrics) {
    let counters = ConnMetrics::default();
    let cfg = AdmissionConfig {
        connections: counters.clone(),
        ..AdmissionConfig::default()
    };
    (Server::start_with(cfg, store(), opts).await, counters)
}

/// A connection with a review request in flight: headers and half the body sent.
struct Busy {
    tls: TlsStream<TcpStream>,
    rest: Vec<u8>,
}

async fn busy_from(s: &Server, source: IpAddr) -> Busy {
    let mut tls = handshake_from(s, source).await.expect("handshake");
    let body = review();
    let head = format!(
        "POST /validate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let half = body.len() / 2;
    tls.write_all(head.as_bytes()).await.expect("write head");
    tls.write_all(&body[..half]).await.expect("write half");
    tls.flush().await.expect("flush");
    Busy {
        tls,
        rest: body[half..].to_vec(),
    }
}

impl Busy {
    /// Sends the rest of the body; the answer's status and body.
    async fn finish(mut self) -> (u16, Value) {
        self.tls.write_all(&self.rest).await.expect("write rest");
        self.tls.flush().await.expect("flush");
        let (status, body) = tokio::time::timeout(ANSWER, read_answer(&mut self.tls))
            .await
            .expect("the in-flight request is answered");
        (status, serde_json::from_slice(&body).expect("JSON body"))
    }
}

#[tokio::test]
async fn idle_connections_are_closed_by_the_first_request_deadline_and_the_idle_timeout() {
    let opts = ServeOptions {
        first_request_timeout: Duration::from_millis(300),
        header_read_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_secs(3),
        ..patient()
    };
    let s = Server::start_with(AdmissionConfig::default(), store(), opts).await;
    // Handshake done, then silence: closed by the first-request deadline.
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(handshake_from(&s, loopback(0, 1)).await.expect("handshake"));
    }
    for tls in &mut silent {
        assert!(
            closed_within(tls, ANSWER).await,
            "a silent connection was left open"
        );
    }
    assert!(metric(&s, "first_request_timeout").await >= 20);

    // A keep-alive connection outlives the header and first-request deadlines between
    // requests (hyper's own header timer would cut it there) ...
    let tcp = connect_from(loopback(0, 1), s.addr).await.expect("connect");
    let tls = s
        .connector
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("handshake");
    let (mut send, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
        .await
        .expect("http handshake");
    let conn = tokio::spawn(conn);
    let get_healthz = || {
        hyper::Request::get("/healthz")
            .header("host", "localhost")
            .body(Empty::new())
            .expect("request")
    };
    two_requests_apart(
        |req| send.send_request(req),
        get_healthz,
        "keep-alive request",
    )
    .await;
    // ... and is closed by the idle timeout once it stays quiet.
    let ended = tokio::time::timeout(ANSWER, conn).await;
    assert!(
        ended.is_ok(),
        "the idle keep-alive connection was left open"
    );
    assert!(metric(&s, "idle_timeout").await >= 1);

    // Headers trickled in are cut at the header deadline.
    let mut slow = handshake_from(&s, loopback(0, 1)).await.expect("handshake");
    slow.write_all(b"POST /validate HTTP/1.1\r\nhost: loc")
        .await
        .expect("write");
    slow.flush().await.expect("flush");
    assert!(closed_within(&mut slow, ANSWER).await);
    healthz(&s).await;
}

#[tokio::test]
async fn at_the_cap_the_oldest_idle_connection_is_shed_never_a_busy_one() {
    let opts = ServeOptions {
        max_connections: 2,
        max_connections_per_source: 0,
        ..patient()
    };
    let (s, counters) = start(opts).await;
    let busy = busy_from(&s, loopback(0, 1)).await;
    wait_in_flight(&counters, 1).await;
    let mut idle = handshake_from(&s, loopback(0, 1)).await.expect("handshake");
    // A newcomer at the cap: the idle connection goes, the busy one (older) stays.
    let mut newcomer = handshake_from(&s, loopback(0, 1))
        .await
        .expect("the newcomer is served");
    assert!(
        closed_within(&mut idle, ANSWER).await,
        "the idle one was shed"
    );
    assert!(!closed_within(&mut newcomer, Duration::from_millis(100)).await);
    // Now both are busy: a further connection waits in the backlog...
    drop(newcomer);
    let other = busy_from(&s, loopback(0, 1)).await;
    wait_in_flight(&counters, 2).await;
    let waiting = tokio::spawn({
        let connector = s.connector.clone();
        let addr = s.addr;
        async move {
            let tcp = TcpStream::connect(addr).await.expect("connect");
            let name = ServerName::try_from("localhost").expect("name");
            connector.connect(name, tcp).await.is_ok()
        }
    });
    // ... until a request ends and its connection turns idle (and is shed for it).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, body) = busy.finish().await;
    assert_eq!(status, 200);
    assert_eq!(body["response"]["allowed"], true, "{body}");
    let served = tokio::time::timeout(ANSWER, waiting)
        .await
        .expect("the waiting connection is served")
        .expect("task");
    assert!(served);
    let (status, _) = other.finish().await;
    assert_eq!(status, 200, "the other busy connection was never shed");
    assert!(counters.closed(CloseReason::ShedMaxConnections) >= 2);
}

#[tokio::test]
async fn one_source_address_is_held_to_its_limit() {
    let opts = ServeOptions {
        max_connections_per_source: 2,
        ..patient()
    };
    let (s, counters) = start(opts).await;
    let greedy = loopback(0, 2);
    let mut first = handshake_from(&s, greedy).await.expect("handshake");
    let second = busy_from(&s, greedy).await;
    wait_in_flight(&counters, 1).await;
    // At its limit, the address's oldest idle connection makes room.
    let third = busy_from(&s, greedy).await;
    wait_in_flight(&counters, 2).await;
    assert!(
        closed_within(&mut first, ANSWER).await,
        "its idle one was shed"
    );
    // With both busy, a further connection from it is refused ...
    match handshake_from(&s, greedy).await {
        Err(_) => {}
        Ok(mut refused) => assert!(closed_within(&mut refused, ANSWER).await),
    }
    // ... while other addresses are served,
    let mut other = handshake_from(&s, loopback(0, 3)).await.expect("handshake");
    assert!(!closed_within(&mut other, Duration::from_millis(100)).await);
    real_review(&s).await;
    // and the busy connections finish their requests.
    for b in [second, third] {
        let (status, body) = b.finish().await;
        assert_eq!(status, 200);
        assert_eq!(body["response"]["allowed"], true);
    }
    assert_eq!(metric(&s, "shed_per_source").await, 1);
    assert!(metric(&s, "refused_per_source").await >= 1);
}

/// Opens `n` TLS connections from 20 source addresses, completes each handshake (or gives
/// up on it after a few seconds, as on a server that stopped accepting) and keeps them.
async fn tls_flood(s: &Server, n: usize) -> Vec<TlsStream<TcpStream>> {
    flood(n, |source| handshake_from(s, source)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_idle_tls_connections_does_not_lock_out_real_clients() {
    // 2,000 client sockets, the server's side of up to 1,024, and some slack.
    if let Err(why) = ensure_open_files(4_000) {
        eprintln!("skipped: {why}");
        return;
    }
    // Default limits (cap 1,024, 256 per source), deadlines out of the way: shedding alone
    // must keep the server answering.
    let s = Server::start_with(AdmissionConfig::default(), store(), patient()).await;
    let mut flood = tls_flood(&s, 2_000).await;
    for _ in 0..10 {
        healthz(&s).await;
        real_review(&s).await;
    }
    // Every connection beyond the cap made an older idle one close.
    let shed = metric(&s, "shed_max_connections").await;
    assert!(shed >= 2_000 - 1_024, "only {shed} shed");
    // The oldest flood connections are the ones that went.
    let mut oldest_closed = 0;
    for tls in flood.iter_mut().take(50) {
        if closed_within(tls, Duration::from_millis(50)).await {
            oldest_closed += 1;
        }
    }
    assert!(oldest_closed > 0, "no early flood connection was closed");
    drop(flood);
}

#[tokio::test]
async fn an_idle_http2_connection_with_pings_is_kept_until_the_idle_timeout() {
    let opts = ServeOptions {
        first_request_timeout: Duration::from_millis(300),
        header_read_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_secs(3),
        ..patient()
    };
    let (s, counters) = start(opts).await;
    let connector = h2_connector(std::slice::from_ref(&s.cert.der));
    let tcp = TcpStream::connect(s.addr).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let tls = connector.connect(name, tcp).await.expect("handshake");
    // Pings every 100 ms while idle, as Go's HTTP/2 health checks do: bytes on an idle
    // HTTP/2 connection are frames, not a request trickling in.
    let (mut send, conn) =
        hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .timer(hyper_util::rt::TokioTimer::new())
            .keep_alive_interval(Duration::from_millis(100))
            .keep_alive_while_idle(true)
            .handshake(hyper_util::rt::TokioIo::new(tls))
            .await
            .expect("h2 handshake");
    let conn = tokio::spawn(conn);
    let url = format!("https://localhost:{}/healthz", s.addr.port());
    let healthz = || {
        hyper::Request::get(&url)
            .body(Empty::new())
            .expect("request")
    };
    let versions = two_requests_apart(
        |req| send.send_request(req),
        healthz,
        "request on the idle connection",
    )
    .await;
    assert_eq!(versions, [hyper::Version::HTTP_2; 2]);
    assert_eq!(counters.closed(CloseReason::HeaderTimeout), 0);
    // With no stream for the idle timeout, the server says GOAWAY and the connection ends.
    let ended = tokio::time::timeout(ANSWER, conn).await;
    assert!(ended.is_ok(), "the idle HTTP/2 connection was left open");
    assert_eq!(counters.closed(CloseReason::IdleTimeout), 1);
}
