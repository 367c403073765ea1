//! The program output (Falco's `program_output`): each alert a line on a command's
//! standard input; with keep-alive one process, restarted when it dies, else one per alert.

mod audit_common;

use std::path::Path;

use audit_common::*;
use kubeward_server::audit::{OutputsConfig, ProgramOutputConfig, RulesHandle};

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn program(command: String, keep_alive: bool) -> OutputsConfig {
    OutputsConfig {
        program: Some(ProgramOutputConfig {
            program: command,
            keep_alive,
        }),
        ..OutputsConfig::default()
    }
}

#[tokio::test]
async fn a_kept_alive_program_gets_every_alert_and_is_restarted_when_it_dies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (out, pids) = (dir.path().join("alerts"), dir.path().join("pids"));
    let command = format!(
        "echo $$ >> '{}'; exec cat >> '{}'",
        pids.display(),
        out.display()
    );
    let srv = start(
        config(),
        RulesHandle::fixed(default_rules()),
        program(command, true),
    )
    .await;
    let url = srv.url("/k8s-audit");
    deliver(&url, &[event(1, "alice", "get", "secrets")]).await;
    deliver(&url, &[event(2, "alice", "get", "secrets")]).await;
    eventually("two alerts", || lines(&out).len() == 2).await;
    assert_eq!(lines(&out)[0], SECRET_ALERT);
    assert_eq!(lines(&pids).len(), 1, "one process for both");
    // Kill it: the next alert starts another.
    let pid = lines(&pids)[0].clone();
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    // Gone once it is a zombie (the server, its parent, has not reaped it yet) or reaped:
    // an alert written before that would sit in a pipe nobody reads.
    let stat = format!("/proc/{pid}/stat");
    eventually("the program's death", || {
        std::fs::read_to_string(&stat).map_or(true, |s| s.contains(") Z "))
    })
    .await;
    deliver(&url, &[event(3, "alice", "get", "secrets")]).await;
    eventually("the alert after the restart", || lines(&out).len() == 3).await;
    assert_eq!(lines(&pids).len(), 2);
    srv.stop().await;
}

#[tokio::test]
async fn without_keep_alive_the_program_runs_once_per_alert() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (out, runs) = (dir.path().join("alerts"), dir.path().join("runs"));
    let command = format!(
        "cat >> '{}'; echo run >> '{}'",
        out.display(),
        runs.display()
    );
    let srv = start(
        config(),
        RulesHandle::fixed(default_rules()),
        program(command, false),
    )
    .await;
    let events = [
        event(1, "alice", "get", "secrets"),
        event(2, "bob", "get", "secrets"),
    ];
    deliver(&srv.url("/k8s-audit"), &events).await;
    eventually("two runs", || lines(&runs).len() == 2).await;
    assert_eq!(lines(&out).len(), 2);
    assert_eq!(lines(&out)[0], SECRET_ALERT);
    srv.stop().await;
}
