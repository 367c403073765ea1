//! The syslog output (Falco's `syslog_output`): one RFC 5424 datagram per alert on a
//! Unix socket, facility user, the rule's priority as severity.

mod audit_common;

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use audit_common::*;
use kubeward_server::audit::{OutputsConfig, RulesHandle, SyslogOutputConfig};

#[tokio::test]
async fn each_alert_is_one_rfc5424_message_with_its_priority() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let receiver = UnixDatagram::bind(&path).expect("bind the test's own syslog socket");
    receiver
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let outputs = OutputsConfig {
        syslog: Some(SyslogOutputConfig {
            socket: path.clone(),
        }),
        ..OutputsConfig::default()
    };
    let srv = start(config(), RulesHandle::fixed(default_rules()), outputs).await;
    deliver(
        &srv.url("/k8s-audit"),
        &[event(1, "alice", "get", "secrets")],
    )
    .await;
    let message = tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; 65_536];
        let n = receiver.recv(&mut buf).expect("a datagram");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .expect("received");
    // Warning (4) in the user facility (1): 1 * 8 + 4.
    assert!(message.starts_with("<12>1 "), "{message}");
    let fields: Vec<&str> = message.splitn(8, ' ').collect();
    assert_eq!(fields.len(), 8, "{message}");
    assert!(
        fields[1].ends_with('Z') && fields[1].len() == 27,
        "{message}"
    );
    assert_eq!(fields[3], "kubeward");
    assert_eq!(fields[4], std::process::id().to_string());
    assert_eq!((fields[5], fields[6]), ("-", "-"));
    assert_eq!(fields[7], SECRET_ALERT);
    srv.stop().await;
}

#[tokio::test]
async fn a_missing_socket_loses_alerts_counted_not_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outputs = OutputsConfig {
        syslog: Some(SyslogOutputConfig {
            socket: dir.path().join("nobody-listens"),
        }),
        ..OutputsConfig::default()
    };
    let srv = start(config(), RulesHandle::fixed(default_rules()), outputs).await;
    deliver(
        &srv.url("/k8s-audit"),
        &[event(1, "alice", "get", "secrets")],
    )
    .await;
    let url = srv.url("/metrics");
    let mut failed = None;
    for _ in 0..100 {
        let (_, m) = get(&url).await;
        failed = metric(&m, "kubeward_audit_alerts_failed_total{output=\"syslog\"}");
        if failed == Some(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(failed, Some(1));
    srv.stop().await;
}
