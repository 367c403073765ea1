//! End-to-end: `kubeward detect webhook-config` (its policy passes kubeward's own lint)
//! and `kubeward detect serve` as a process on a loopback port, stopped by SIGTERM.

use kubeward_testkit::audit;
use kubeward_testkit::cli::args;
use kubeward_testkit::has;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStderr, Command, Stdio};

use crate::common::{KUBEWARD, run};

#[test]
fn webhook_config_kubeconfig_names_the_url_and_embeds_the_ca() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    std::fs::write(&ca, pem).unwrap();
    let (code, out, err) = run(
        ".",
        &[
            "detect",
            "webhook-config",
            "--url",
            "https://kubeward-audit.kubeward.svc:9765/k8s-audit",
            "--ca",
            ca.to_str().unwrap(),
            "--only",
            "kubeconfig",
        ],
    )
    .parts();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("server: \"https://kubeward-audit.kubeward.svc:9765/k8s-audit\""));
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(pem);
    has(&out, &format!("certificate-authority-data: {b64}"));
    assert!(out.contains("current-context: kubeward-audit"));
    assert!(!out.contains("kind: Policy"));
}

#[test]
fn webhook_config_warns_on_plain_http_and_rejects_non_urls() {
    let (code, _, err) = run(
        ".",
        &args("detect webhook-config --url http://10.0.0.1:9765/k8s-audit"),
    )
    .parts();
    assert_eq!(code, 0);
    has(&err, "clear text");
    let (code, _, err) = run(".", &["detect", "webhook-config", "--url", "not a url"]).parts();
    assert_eq!(code, 2, "{err}");
}

#[test]
fn recommended_policy_passes_the_audit_policy_lint() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(
        ".",
        &[
            "detect",
            "webhook-config",
            "--url",
            "https://a.b.svc:9765/k8s-audit",
            "--output-dir",
            dir.path().to_str().unwrap(),
        ],
    )
    .parts();
    assert_eq!(code, 0, "{err}");
    let policy = dir.path().join("audit-policy.yaml");
    assert!(dir.path().join("audit-webhook.kubeconfig").exists());
    let (code, out, err) = run(
        ".",
        &[
            "audit-policy",
            "lint",
            "--fail-on",
            "low",
            policy.to_str().unwrap(),
        ],
    )
    .parts();
    assert_eq!(code, 0, "lint findings: {out}{err}");
    // The levels the default rules need: exec at Metadata (ResponseStarted kept), pod
    // creation with bodies, RBAC writes with the request body.
    for (words, level) in [
        (
            "--verb create --resource pods/exec --namespace prod",
            "Metadata",
        ),
        (
            "--verb create --resource pods --namespace prod",
            "RequestResponse",
        ),
        ("--verb get --resource secrets --namespace prod", "Metadata"),
        (
            "--verb create --api-group rbac.authorization.k8s.io --resource clusterrolebindings",
            "Request",
        ),
        ("--verb patch --resource namespaces", "Request"),
    ] {
        let mut a = vec![
            "audit-policy",
            "eval",
            policy.to_str().unwrap(),
            "--user",
            "alice",
        ];
        a.extend(args(words));
        let (code, out, err) = run(".", &a).parts();
        assert_eq!(code, 0, "{a:?}: {err}");
        assert!(out.contains(level), "{a:?}: {out}");
    }
}

#[test]
fn serve_alerts_then_drains_on_sigterm() {
    let server = Serve::start(&[]);
    let ev = audit::event("1", "alice", "get", "secrets", "");
    let body = audit::event_list(&[ev]);
    let resp = http(&server.addr, "POST", "/k8s-audit", &body);
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let (out, rest) = server.stop();
    assert_eq!(
        out,
        "12:00:00.250000000: Warning Secret read by non-system user (user=alice verb=get secret=prod/x)\n"
    );
    has(&rest, "1 events evaluated, 0 failed");
}

/// A `kubeward detect serve` process on a loopback port, with the address it announced.
pub(crate) struct Serve {
    child: Child,
    stderr: BufReader<ChildStderr>,
    pub(crate) addr: String,
}

impl Serve {
    /// Starts `kubeward detect serve --listen 127.0.0.1:0 EXTRA` with both streams piped,
    /// and waits for its address.
    pub(crate) fn start(extra: &[&OsStr]) -> Serve {
        let mut child = Command::new(KUBEWARD.path())
            .env_remove("NODE_NAME")
            .args(["detect", "serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("FALCO_HOSTNAME", "h1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let addr = announced_address(&mut stderr);
        Serve {
            child,
            stderr,
            addr,
        }
    }

    /// Sends `signal` (`-HUP`, `-TERM`) to the server.
    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Stops the server with SIGTERM, asserts that it exits 0, and returns its standard
    /// output and the rest of its standard error.
    pub(crate) fn stop(mut self) -> (String, String) {
        self.signal("-TERM");
        let out = self.child.wait_with_output().unwrap();
        assert!(out.status.success());
        let mut rest = String::new();
        self.stderr.read_to_string(&mut rest).unwrap();
        (String::from_utf8(out.stdout).unwrap(), rest)
    }
}

/// The `host:port` that `detect serve` announces on stderr once it listens.
fn announced_address(stderr: &mut BufReader<ChildStderr>) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the server exited early"
        );
        if let Some(rest) = line
            .trim()
            .strip_prefix("kubeward detect serve: listening on http://")
        {
            return rest.trim_end_matches("/k8s-audit").to_owned();
        }
    }
}

/// One HTTP/1.1 request on its own connection; the whole response.
pub(crate) fn http(addr: &str, method: &str, path: &str, body: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    resp
}

#[test]
fn sighup_reloads_the_rules_files() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    let rule = |word: &str| {
        format!(
            "- rule: Get\n  desc: d\n  condition: ka.verb = get\n  output: \"{word} %ka.user.name\"\n  priority: WARNING\n  source: k8s_audit\n"
        )
    };
    std::fs::write(&rules, rule("before")).unwrap();
    let server = Serve::start(&["-r".as_ref(), rules.as_os_str()]);
    let addr = server.addr.clone();
    let ev = audit::event("1", "alice", "get", "pods", "");
    let body = audit::event_list(&[ev]);
    assert!(http(&addr, "POST", "/k8s-audit", &body).starts_with("HTTP/1.1 200"));
    std::fs::write(&rules, rule("after")).unwrap();
    server.signal("-HUP");
    let reloaded = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(25));
        http(&addr, "GET", "/metrics", "").contains("rule_reloads_total{result=\"ok\"} 1")
    });
    assert!(reloaded, "{}", http(&addr, "GET", "/metrics", ""));
    assert!(http(&addr, "POST", "/k8s-audit", &body).starts_with("HTTP/1.1 200"));
    let (alerts, _) = server.stop();
    let words: Vec<&str> = alerts
        .lines()
        .filter_map(|l| l.split(": Warning ").nth(1))
        .collect();
    assert_eq!(words, ["before alice", "after alice"], "{alerts}");
}

#[test]
fn detect_options_before_a_subcommand_are_refused() {
    // `serve` is a subcommand, not an events file (a file of that name: `./serve`).
    let (code, _, err) = run(".", &args("detect -r x.yaml serve")).parts();
    assert_eq!(code, 2, "{err}");
}

#[test]
fn serve_closes_a_silent_connection_and_counts_it_in_the_summary() {
    let server =
        Serve::start(&["--first-request-timeout-seconds", "1", "--no-stdout"].map(OsStr::new));
    // A client that never sends a byte is closed by the first-request deadline.
    let mut silent = TcpStream::connect(&server.addr).unwrap();
    silent
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut buf = [0u8; 16];
    let n = silent.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "the silent connection was closed without an answer");
    let (_, rest) = server.stop();
    has(
        &rest,
        "kubeward detect serve: 1 connections accepted; closed or refused by the server: 1 first_request_timeout",
    );
}

#[test]
fn both_servers_take_the_same_connection_limit_flags() {
    for cmd in ["detect", "webhook"] {
        let (code, out, err) = run(".", &[cmd, "serve", "--help"]).parts();
        assert_eq!(code, 0, "{err}");
        for (flag, default) in [
            ("--handshake-timeout-seconds", "10"),
            ("--first-request-timeout-seconds", "10"),
            ("--header-timeout-seconds", "10"),
            ("--idle-timeout-seconds", "120"),
            ("--max-connections ", "1024"),
            ("--max-connections-per-source", "256"),
        ] {
            let at = out
                .find(flag)
                .unwrap_or_else(|| panic!("{cmd} serve --help lacks {flag}"));
            let help = &out[at + flag.len()..];
            let own = &help[..help.find("\n      --").unwrap_or(help.len())];
            let default = format!("[default: {default}]");
            assert!(own.contains(&default), "{cmd}: {flag} {default}");
        }
    }
    let (code, _, err) = run(".", &args("detect serve --max-connections 0")).parts();
    assert_eq!(code, 2, "a cap of 0 is refused: {err}");
}

/// `detect serve --syscalls`: syscall alerts go to the same outputs, `/metrics` carries
/// the source's counters, and a reload that needs another syscall retargets the probe.
#[test]
fn serve_syscalls_shares_outputs_and_metrics_and_follows_reloads() {
    if !crate::detect_live::can_capture() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    let rule = |name: &str, types: &str, what: &str| {
        format!(
            "- rule: {name}\n  desc: d\n  condition: evt.type in ({types}) and {what} contains kw-marker\n  output: \"{name} by %proc.name\"\n  priority: WARNING\n"
        )
    };
    let open_rule = rule("Open marker", "open, openat", "fd.name");
    std::fs::write(&rules, &open_rule).unwrap();
    let server = Serve::start(&[
        "--syscalls".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "-r".as_ref(),
        rules.as_os_str(),
    ]);
    let addr = server.addr.clone();
    let touch = |name: &str| std::fs::write(dir.path().join(name), "x").unwrap();
    let mkdir = |name: &str| std::fs::create_dir(dir.path().join(name)).unwrap();
    touch("kw-marker-1");
    // mkdir is neither in the rules nor kept for the state: not captured yet.
    mkdir("kw-marker-dir-before");
    let both = format!(
        "{open_rule}{}",
        rule("Mkdir marker", "mkdir, mkdirat", "evt.arg.path")
    );
    std::fs::write(&rules, both).unwrap();
    server.signal("-HUP");
    let reloaded = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(25));
        http(&addr, "GET", "/metrics", "").contains("rule_reloads_total{result=\"ok\"} 1")
    });
    assert!(reloaded);
    // The source swaps rules and rewrites the probe's table within a drain period.
    std::thread::sleep(std::time::Duration::from_millis(100));
    mkdir("kw-marker-dir-after");
    touch("kw-marker-2");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let metrics = http(&addr, "GET", "/metrics", "");
    has(
        &metrics,
        "kubeward_syscall_kernel_events_total{kind=\"dropped\"} 0",
    );
    let evaluated: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("kubeward_syscall_events_evaluated_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("kubeward_syscall_events_evaluated_total");
    assert!(evaluated > 0);
    let (alerts, err) = server.stop();
    has(
        &err,
        "syscall events evaluated, 0 lost by the kernel (ring buffer full)",
    );
    // The directory made before the reload is not reported: mkdir was not captured.
    let rules: Vec<String> = alerts
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|a| a["source"] == "syscall")
        .map(|a| a["rule"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        rules,
        ["Open marker", "Mkdir marker", "Open marker"],
        "{alerts}"
    );
}
