//! The HTTP alert output against a receiver on loopback: delivery, retry after a 500,
//! giving up on a 400 with the loss counted.

mod audit_common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use audit_common::*;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post as route_post;
use kubeward_server::audit::{HttpOutputConfig, OutputsConfig, RulesHandle, Stats};

/// A receiver that answers each request with the next status of `script` (then 200)
/// and keeps the bodies it accepted.
#[derive(Clone, Default)]
struct Receiver {
    script: Arc<Mutex<Vec<u16>>>,
    got: Arc<Mutex<Vec<String>>>,
    attempts: Arc<Mutex<usize>>,
}

async fn receive(State(r): State<Receiver>, body: String) -> StatusCode {
    *r.attempts.lock().unwrap() += 1;
    let code = {
        let mut s = r.script.lock().unwrap();
        if s.is_empty() { 200 } else { s.remove(0) }
    };
    if code == 200 {
        r.got.lock().unwrap().push(body);
    }
    StatusCode::from_u16(code).unwrap()
}

async fn receiver(script: Vec<u16>) -> (String, Receiver) {
    let r = Receiver {
        script: Arc::new(Mutex::new(script)),
        ..Receiver::default()
    };
    let app = Router::new()
        .route("/alerts", route_post(receive))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/alerts"), r)
}

fn http_output(url: &str) -> OutputsConfig {
    OutputsConfig {
        http: Some(HttpOutputConfig {
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(80),
            max_attempts: 3,
            ..HttpOutputConfig::new(url)
        }),
        ..OutputsConfig::default()
    }
}

#[tokio::test]
async fn alert_is_retried_after_a_500_and_delivered_as_json() {
    let (url, rx) = receiver(vec![500]).await;
    let srv = start(
        config(),
        RulesHandle::fixed(default_rules()),
        http_output(&url),
    )
    .await;
    deliver(
        &srv.url("/k8s-audit"),
        &[event(1, "alice", "get", "secrets")],
    )
    .await;
    eventually("delivery", || rx.got.lock().unwrap().len() == 1).await;
    assert_eq!(*rx.attempts.lock().unwrap(), 2);
    let got = rx.got.lock().unwrap()[0].clone();
    let v: serde_json::Value = serde_json::from_str(&got).unwrap();
    assert_eq!(v["rule"], "KW Secret Read By Non-System User");
    assert_eq!(v["output"], SECRET_ALERT);
    assert_eq!(srv.stats.http_output_retries.get(), 1);
    srv.stop().await;
}

#[tokio::test]
async fn retries_are_bounded_and_the_loss_is_counted() {
    // Three 503s exhaust three attempts; a 400 is not retried.
    let (url, rx) = receiver(vec![503, 503, 503, 400]).await;
    let srv = start(
        config(),
        RulesHandle::fixed(default_rules()),
        http_output(&url),
    )
    .await;
    let u = srv.url("/k8s-audit");
    let batch = || event_list(&[event(1, "alice", "get", "secrets")]);
    assert_eq!(post(&u, batch(), "application/json").await.0, 200);
    eventually("the first alert given up", || {
        Stats::get(&srv.stats.alerts_failed, "output", "http") == 1
    })
    .await;
    assert_eq!(*rx.attempts.lock().unwrap(), 3);
    assert_eq!(post(&u, batch(), "application/json").await.0, 200);
    eventually("the second alert given up", || {
        Stats::get(&srv.stats.alerts_failed, "output", "http") == 2
    })
    .await;
    assert_eq!(*rx.attempts.lock().unwrap(), 4);
    assert_eq!(srv.stats.http_output_retries.get(), 2);
    // The receiver recovers: the next alert goes through.
    assert_eq!(post(&u, batch(), "application/json").await.0, 200);
    eventually("delivery", || rx.got.lock().unwrap().len() == 1).await;
    srv.stop().await;
}

#[tokio::test]
async fn shutdown_waits_for_queued_alerts_to_be_sent() {
    let (url, rx) = receiver(vec![500, 500]).await;
    let srv = start(
        config(),
        RulesHandle::fixed(default_rules()),
        http_output(&url),
    )
    .await;
    let events: Vec<String> = (0..10)
        .map(|i| event(i, "alice", "get", "secrets"))
        .collect();
    assert_eq!(
        post(
            &srv.url("/k8s-audit"),
            event_list(&events),
            "application/json"
        )
        .await
        .0,
        200
    );
    let report = srv.stop().await;
    assert!(!report.timed_out);
    assert_eq!(rx.got.lock().unwrap().len(), 10);
}
