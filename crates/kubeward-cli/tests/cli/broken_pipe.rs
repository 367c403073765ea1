//! Output cut off by a closed pipe (`| head`): every command stops quietly and
//! successfully, as ripgrep does, wherever the write that found the pipe closed was.

use kubeward_testkit::cli::args;
use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::{KUBEWARD, PRIVILEGED_POD};

/// Runs `kubeward ARGS` with its stdout already closed by the reader, then feeds it
/// `stdin`: it reads its input first, so its first write meets the closed pipe.
fn with_stdout_closed(args: &[&str], stdin: &str) -> (Option<i32>, String) {
    let mut child = Command::new(KUBEWARD.path())
        .args(args)
        .env("FALCO_HOSTNAME", "h1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kubeward");
    drop(child.stdout.take());
    let mut input = child.stdin.take().expect("stdin");
    // kubeward may stop reading before the end: a refused write is fine.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_quiet(args: &[&str], stdin: &str) {
    let (code, stderr) = with_stdout_closed(args, stdin);
    assert_eq!(code, Some(0), "{args:?}: exit {code:?}, stderr:\n{stderr}");
    assert_eq!(stderr, "", "{args:?}");
}

#[test]
fn scan_stops_quietly_in_every_format_even_with_denied_workloads() {
    let many = format!("{PRIVILEGED_POD}---\n").repeat(200);
    for format in ["text", "json", "sarif"] {
        assert_quiet(&["scan", "--format", format, "-"], &many);
    }
}

#[test]
fn audit_policy_and_seccomp_stop_quietly() {
    let policy = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n";
    assert_quiet(&["audit-policy", "lint", "-"], policy);
    assert_quiet(
        &args("audit-policy eval - --verb get --resource pods --user u"),
        policy,
    );
    assert_quiet(
        &["seccomp", "check", "-"],
        r#"{"defaultAction": "SCMP_ACT_ALLOW"}"#,
    );
}

#[test]
fn detect_stops_quietly_when_the_pipe_closes_under_its_alerts() {
    let event = kubeward_testkit::audit::event("1", "alice", "get", "secrets", "");
    let events = format!("{event}\n").repeat(2000);
    assert_quiet(&["detect"], &events);
}
