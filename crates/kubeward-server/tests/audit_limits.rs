//! The audit webhook backend under connection floods: silent, trickling and idle
//! connections are closed by their deadlines, the cap sheds the oldest idle ones, and
//! every batch answered 2xx meanwhile is evaluated.

mod audit_common;
mod flood_support;

use std::time::Duration;

use audit_common::*;
use flood_support::*;
use kubeward_server::audit::{RulesHandle, Stats};
use kubeward_server::tls::{CloseReason, ServeOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Long enough for anything that is not a hang.
const ANSWER: Duration = Duration::from_secs(15);

/// One HTTP/1.1 request on `tcp` (kept alive); the answer's status.
async fn exchange(tcp: &mut TcpStream, path: &str) -> u16 {
    let req = format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n");
    tcp.write_all(req.as_bytes()).await.expect("write");
    let (status, _) = tokio::time::timeout(ANSWER, read_answer(tcp))
        .await
        .expect("answered");
    status
}

#[tokio::test]
async fn silent_trickling_and_idle_connections_are_closed_by_their_deadlines() {
    let mut cfg = config();
    cfg.serve_options = ServeOptions {
        // Apart, so that trickled first headers are cut by the header deadline, not by
        // whichever of two equal deadlines a loaded machine happens to fire first.
        first_request_timeout: Duration::from_millis(1200),
        header_read_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_secs(3),
        ..patient()
    };
    let srv = start(
        cfg,
        RulesHandle::fixed(default_rules()),
        to(&Sink::default()),
    )
    .await;
    let conns = &srv.stats.connections;
    // Plain TCP that never sends a byte.
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(srv.addr).await.expect("connect"));
    }
    for tcp in &mut silent {
        assert!(
            closed_within(tcp, ANSWER).await,
            "a silent connection was left open"
        );
    }
    assert!(conns.closed(CloseReason::FirstRequestTimeout) >= 20);

    // Keep-alive outlives the header and first-request deadlines between requests ...
    let mut kept = TcpStream::connect(srv.addr).await.expect("connect");
    assert_eq!(exchange(&mut kept, "/healthz").await, 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(exchange(&mut kept, "/healthz").await, 200);
    // ... and the idle timeout closes it.
    assert!(closed_within(&mut kept, ANSWER).await);
    assert!(conns.closed(CloseReason::IdleTimeout) >= 1);

    // Headers trickled in are cut at the header deadline.
    let mut slow = TcpStream::connect(srv.addr).await.expect("connect");
    slow.write_all(b"POST /k8s-audit HTTP/1.1\r\nhost: x\r\n")
        .await
        .expect("write");
    assert!(closed_within(&mut slow, ANSWER).await);
    assert!(conns.closed(CloseReason::HeaderTimeout) >= 1);
    assert_eq!(get(&srv.url("/healthz")).await.0, 200);
    let (_, m) = get(&srv.url("/metrics")).await;
    assert!(
        metric(
            &m,
            "kubeward_audit_connections_closed_total{reason=\"first_request_timeout\"}"
        )
        .is_some_and(|n| n >= 20),
        "{m}"
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_silent_connections_does_not_stop_audit_batches() {
    if let Err(why) = ensure_open_files(4_000) {
        eprintln!("skipped: {why}");
        return;
    }
    let sink = Sink::default();
    let mut cfg = config();
    // Default cap (1,024) and per-source limit (256); deadlines out of the way, so that
    // shedding alone must keep the backend answering.
    cfg.serve_options = patient();
    let srv = start_default(cfg, &sink).await;
    let addr = srv.addr;
    // 2,000 silent TCP connections from 20 addresses.
    let flood: Vec<TcpStream> = flood(2_000, |source| connect_from(source, addr)).await;

    // While they are held: health checks and real batches, each answered.
    let mut sent_events = 0u64;
    let mut expected_alerts = 0u64;
    let mut answered_2xx = 0u64;
    for round in 0..20u64 {
        let (status, _) = tokio::time::timeout(ANSWER, get(&srv.url("/healthz")))
            .await
            .expect("/healthz answered during the flood");
        assert_eq!(status, 200);
        // Five events a batch, one of them a secret read by a user (one alert).
        let events: Vec<String> = (0..5)
            .map(|k| {
                let id = round * 10 + k;
                if k == 0 {
                    event(id, "alice", "get", "secrets")
                } else {
                    event(id, "alice", "get", "configmaps")
                }
            })
            .collect();
        let (status, _) = tokio::time::timeout(
            ANSWER,
            post(
                &srv.url("/k8s-audit"),
                event_list(&events),
                "application/json",
            ),
        )
        .await
        .expect("a batch is answered during the flood");
        if (200..300).contains(&status) {
            answered_2xx += 1;
            sent_events += 5;
            expected_alerts += 1;
        }
    }
    assert_eq!(answered_2xx, 20, "every batch accepted");
    // Every batch answered 2xx is evaluated: no event and no alert goes missing.
    let stats = srv.stats.clone();
    eventually("every accepted event evaluated", || {
        stats.events_evaluated.get() == sent_events
    })
    .await;
    eventually("every alert written", || {
        sink.lines().len() as u64 == expected_alerts
    })
    .await;
    assert_eq!(
        Stats::get(&stats.batches, "result", "accepted"),
        answered_2xx
    );
    assert_eq!(stats.events_failed.get(), 0);
    let shed = stats.connections.closed(CloseReason::ShedMaxConnections);
    assert!(shed >= 2_000 - 1_024, "only {shed} shed");
    drop(flood);
    let report = srv.stop().await;
    assert_eq!(report.events_evaluated, sent_events);
    assert!(!report.timed_out);
}

#[tokio::test]
async fn a_trickled_batch_gets_408_and_its_connection_back() {
    let mut cfg = config();
    cfg.max_request_time = Duration::from_millis(300);
    let srv = start(
        cfg,
        RulesHandle::fixed(default_rules()),
        to(&Sink::default()),
    )
    .await;
    let mut tcp = TcpStream::connect(srv.addr).await.expect("connect");
    // Headers promise 1000 bytes; a few arrive. The request is in flight, so no connection
    // limit would ever shed it: the request deadline must end it.
    tcp.write_all(b"POST /k8s-audit HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"kind\"")
        .await
        .expect("write");
    let mut buf = vec![0u8; 256];
    let n = tokio::time::timeout(ANSWER, tcp.read(&mut buf))
        .await
        .expect("answered")
        .expect("read");
    let head = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    assert_eq!(Stats::get(&srv.stats.batches, "result", "too_slow"), 1);
    assert_eq!(Stats::get(&srv.stats.batches, "result", "accepted"), 0);
    assert_eq!(get(&srv.url("/healthz")).await.0, 200);
    srv.stop().await;
}
