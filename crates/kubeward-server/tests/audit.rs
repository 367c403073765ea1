//! End to end: the audit webhook backend on a loopback port, driven as the API server
//! drives it.

mod audit_common;

use std::path::PathBuf;
use std::time::Duration;

use audit_common::*;
use kubeward_server::audit::server::reload;
use kubeward_server::audit::{OutputsConfig, RulesHandle, Stats};

#[tokio::test]
async fn small_batch_alerts_on_the_writer_and_the_file_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alerts.txt");
    let sink = Sink::default();
    let outputs = OutputsConfig {
        file: Some(file.clone()),
        ..to(&sink)
    };
    let srv = start(config(), RulesHandle::fixed(default_rules()), outputs).await;
    let events = [
        event(1, "alice", "get", "secrets"),
        event(2, "system:kube-scheduler", "get", "secrets"),
    ];
    deliver(&srv.url("/k8s-audit"), &events).await;
    eventually("the alert", || sink.lines().len() == 1).await;
    assert_eq!(sink.lines(), [SECRET_ALERT]);
    let (_, m) = get(&srv.url("/metrics")).await;
    assert_metrics(
        &m,
        &[
            ("kubeward_audit_events_received_total", 2),
            ("kubeward_audit_events_evaluated_total", 2),
            ("kubeward_audit_alerts_total{priority=\"Warning\"}", 1),
            ("kubeward_audit_batches_total{result=\"accepted\"}", 1),
        ],
    );
    let report = srv.stop().await;
    assert_eq!(report.events_evaluated, 2);
    assert!(!report.timed_out);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{SECRET_ALERT}\n")
    );
}

#[tokio::test]
async fn json_format_is_falcos_object() {
    let sink = Sink::default();
    let cfg = config_with(|c| c.format = kubeward_server::audit::AlertFormat::Json);
    let srv = start_default(cfg, &sink).await;
    deliver(
        &srv.url("/k8s-audit"),
        &[event(1, "alice", "get", "secrets")],
    )
    .await;
    eventually("the alert", || sink.lines().len() == 1).await;
    let v: serde_json::Value = serde_json::from_str(&sink.lines()[0]).unwrap();
    kubeward_testkit::falco::assert_alice_secret_read(&v);
    srv.stop().await;
}

#[tokio::test]
async fn large_batch_is_evaluated_whole() {
    let sink = Sink::default();
    let srv = start_default(config(), &sink).await;
    // 2,000 events, about 700 KB: the size of a busy API server's batch.
    let events: Vec<String> = (0..2000)
        .map(|i| {
            let user = if i % 4 == 0 {
                "alice"
            } else {
                "system:node:n1"
            };
            event(i, user, "get", "secrets")
        })
        .collect();
    let (status, _) = post(
        &srv.url("/k8s-audit"),
        event_list(&events),
        "application/json",
    )
    .await;
    assert_eq!(status, 200);
    eventually("500 alerts", || sink.lines().len() == 500).await;
    assert!(sink.lines().iter().all(|l| l == SECRET_ALERT));
    let report = srv.stop().await;
    assert_eq!(report.events_evaluated, 2000);
}

#[tokio::test]
async fn malformed_and_wrong_kind_batches_are_counted_not_evaluated() {
    let sink = Sink::default();
    let srv = start_default(config(), &sink).await;
    let url = srv.url("/k8s-audit");
    assert_eq!(
        post(
            &url,
            "{\"kind\":\"EventList\",\"items\":[",
            "application/json"
        )
        .await
        .0,
        200
    );
    assert_eq!(
        post(
            &url,
            r#"{"kind":"Pod","apiVersion":"v1"}"#,
            "application/json"
        )
        .await
        .0,
        200
    );
    // One good item beside one without stageTimestamp: the good one still counts.
    let mixed = event_list(&[
        event(1, "alice", "get", "secrets"),
        r#"{"kind":"Event","auditID":"2"}"#.to_owned(),
    ]);
    assert_eq!(post(&url, mixed, "application/json").await.0, 200);
    let (status, _) = post(&url, event_list(&[]), "text/plain").await;
    assert_eq!(status, 415);
    eventually("all three batches", || {
        Stats::get(&srv.stats.batches_failed, "reason", "malformed_json") == 1
            && Stats::get(&srv.stats.batches_failed, "reason", "not_audit_events") == 1
            && srv.stats.events_failed.get() == 1
    })
    .await;
    eventually("the good item's alert", || sink.lines().len() == 1).await;
    assert_eq!(srv.stats.events_received.get(), 2);
    assert_eq!(srv.stats.events_evaluated.get(), 1);
    assert_eq!(
        Stats::get(&srv.stats.batches, "result", "bad_content_type"),
        1
    );
    let (_, m) = get(&srv.url("/metrics")).await;
    assert_eq!(
        metric(
            &m,
            "kubeward_audit_batches_failed_total{reason=\"malformed_json\"}"
        ),
        Some(1)
    );
    srv.stop().await;
}

#[tokio::test]
async fn oversized_body_gets_413_and_the_server_keeps_serving() {
    let sink = Sink::default();
    let srv = start_default(config_with(|c| c.max_body_bytes = 4096), &sink).await;
    let url = srv.url("/k8s-audit");
    let big = event_list(
        &(0..20)
            .map(|i| event(i, "alice", "get", "secrets"))
            .collect::<Vec<_>>(),
    );
    assert!(big.len() > 4096);
    assert_eq!(post(&url, big, "application/json").await.0, 413);
    assert_eq!(Stats::get(&srv.stats.batches, "result", "too_large"), 1);
    let small = event_list(&[event(1, "alice", "get", "secrets")]);
    assert_eq!(post(&url, small, "application/json").await.0, 200);
    eventually("the alert", || sink.lines().len() == 1).await;
    assert_eq!(get(&srv.url("/healthz")).await.0, 200);
    assert_eq!(get(&srv.url("/readyz")).await.0, 200);
    srv.stop().await;
}

#[tokio::test]
async fn full_queue_answers_429_counts_the_drop_and_loses_nothing_accepted() {
    let sink = Sink::gated();
    let cfg = config_with(|c| (c.workers, c.queue_batches) = (1, 1));
    let srv = start_default(cfg, &sink).await;
    let url = srv.url("/k8s-audit");
    let batch = || event_list(&[event(1, "alice", "get", "secrets")]);
    // The worker takes the first batch and stalls writing its alert.
    assert_eq!(post(&url, batch(), "application/json").await.0, 200);
    eventually("the worker to take it", || {
        srv.stats.queue_batches.get() == 0
    })
    .await;
    // The second waits in the queue; the third finds it full.
    assert_eq!(post(&url, batch(), "application/json").await.0, 200);
    let third = batch();
    let third_len = third.len() as u64;
    let (status, text) = post(&url, third, "application/json").await;
    assert_eq!(status, 429, "{text}");
    let (_, m) = get(&srv.url("/metrics")).await;
    assert_metrics(
        &m,
        &[
            ("kubeward_audit_batches_total{result=\"queue_full\"}", 1),
            ("kubeward_audit_dropped_bytes_total", third_len),
            ("kubeward_audit_queue_batches", 1),
        ],
    );
    sink.open_gate();
    eventually("both accepted batches", || sink.lines().len() == 2).await;
    let report = srv.stop().await;
    assert_eq!(report.events_evaluated, 2);
}

#[tokio::test]
async fn shutdown_drains_the_queue_and_flushes() {
    let sink = Sink::gated();
    let mut srv = start_default(config_with(|c| c.workers = 1), &sink).await;
    let url = srv.url("/k8s-audit");
    for i in 0..5 {
        let b = event_list(&[event(i, "alice", "get", "secrets")]);
        assert_eq!(post(&url, b, "application/json").await.0, 200);
    }
    // Shutdown begins while four batches wait behind a stalled worker.
    srv.begin_stop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    sink.open_gate();
    let report = srv.join().await;
    assert_eq!(report.events_evaluated, 5);
    assert!(!report.timed_out);
    assert_eq!(sink.lines().len(), 5);
}

const RULE_A: &str = "- rule: Rule A\n  desc: d\n  condition: ka.verb=get\n  output: A user=%ka.user.name\n  priority: WARNING\n  source: k8s_audit\n";
const RULE_B: &str = "- rule: Rule B\n  desc: d\n  condition: ka.verb=get\n  output: B user=%ka.user.name\n  priority: ERROR\n  source: k8s_audit\n";

/// A server writing to `sink` whose rules load from `text`, written as `rules.yaml` in a
/// fresh directory, now and at every reload; the directory (kept while it lives) and the
/// file's path come with it.
async fn start_reloadable(text: &str, sink: &Sink) -> (tempfile::TempDir, PathBuf, Running) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yaml");
    std::fs::write(&path, text).unwrap();
    let p = path.clone();
    let loader = move || rules_from(&std::fs::read_to_string(&p).map_err(|e| e.to_string())?);
    let rules = RulesHandle::reloadable(Box::new(loader)).unwrap();
    let srv = start(config(), rules, to(sink)).await;
    (dir, path, srv)
}

/// Posts one event to `url` and waits for the `n`th alert, which must end with `ending`.
async fn post_for_alert(url: &str, sink: &Sink, n: usize, ending: &str) {
    let batch = event_list(&[event(1, "alice", "get", "pods")]);
    assert_eq!(post(url, batch, "application/json").await.0, 200);
    eventually("the alert", || sink.lines().len() == n).await;
    let lines = sink.lines();
    assert!(lines[n - 1].ends_with(ending), "{lines:?}");
}

#[tokio::test]
async fn reload_swaps_rules_and_a_bad_reload_keeps_the_old_ones() {
    let sink = Sink::default();
    let (_dir, path, srv) = start_reloadable(RULE_A, &sink).await;
    let url = srv.url("/k8s-audit");
    post_for_alert(&url, &sink, 1, "Warning A user=alice").await;

    std::fs::write(&path, RULE_B).unwrap();
    assert_eq!(reload(&srv.rules, &srv.stats), Ok(1));
    post_for_alert(&url, &sink, 2, "Error B user=alice").await;

    std::fs::write(&path, "- rule: broken\n  condition: (\n").unwrap();
    assert!(reload(&srv.rules, &srv.stats).is_err());
    // Rule B still.
    post_for_alert(&url, &sink, 3, "Error B user=alice").await;
    let (_, m) = get(&srv.url("/metrics")).await;
    assert_metrics(
        &m,
        &[
            ("kubeward_audit_rule_reloads_total{result=\"ok\"}", 1),
            ("kubeward_audit_rule_reloads_total{result=\"error\"}", 1),
        ],
    );
    srv.stop().await;
}

#[tokio::test]
async fn reload_while_posting_drops_nothing() {
    let sink = Sink::default();
    let (_dir, _, srv) = start_reloadable(RULE_A, &sink).await;
    let url = srv.url("/k8s-audit");
    let rules = srv.rules.clone();
    let stats = srv.stats.clone();
    let reloader = tokio::task::spawn_blocking(move || {
        for _ in 0..20 {
            reload(&rules, &stats).unwrap();
        }
    });
    for i in 0..50 {
        let b = event_list(&[
            event(i, "alice", "get", "pods"),
            event(i, "bob", "get", "pods"),
        ]);
        assert_eq!(post(&url, b, "application/json").await.0, 200);
    }
    reloader.await.unwrap();
    let report = srv.stop().await;
    assert_eq!(report.events_evaluated, 100);
    assert_eq!(sink.lines().len(), 100);
}
