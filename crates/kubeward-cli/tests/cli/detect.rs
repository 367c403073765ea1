//! End-to-end: `kubeward detect` and `kubeward rules`.

use crate::common::{Fixture, kubeward, run_stdin};
use kubeward_testkit::cli::args;
use kubeward_testkit::has;
use serde_json::Value;

use kubeward_testkit::audit::event;

fn secret_read() -> String {
    event("1", "alice", "get", "secrets", "")
}

fn masters() -> String {
    event("2", "root-cert", "get", "pods", "").replace(
        r#""groups":["system:authenticated"]"#,
        r#""groups":["system:masters"]"#,
    )
}

fn upstream_k8s() -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/upstream-rules/k8s_audit_rules.yaml");
    if p.exists() {
        Some(p)
    } else {
        println!("skipping: {} is absent", p.display());
        None
    }
}

#[test]
fn default_rules_text_alerts_and_summary() {
    let fx = Fixture::new(&[(
        "audit.log",
        &format!("{}\nnot json\n{}\n", secret_read(), masters()),
    )]);
    let (code, out, err) =
        run_stdin(&["detect", fx.path("audit.log").to_str().unwrap()], "").parts();
    // The unreadable line is reported, counted and makes the input unusable (2); the
    // readable rest is evaluated all the same.
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        out,
        "12:00:00.250000000: Warning Secret read by non-system user (user=alice verb=get secret=prod/x)\n\
         12:00:00.250000000: Warning Request by a system:masters member (user=root-cert verb=get uri=/api/v1/namespaces/prod/pods/x groups=(system:masters))\n"
    );
    has(&err, "audit.log:2: malformed JSON");
    has(&err, "kubeward detect: 2 events read, 1 skipped, 2 alerts");
    has(&err, "1  KW Secret Read By Non-System User");
    has(&err, "2  Warning");
}

#[test]
fn json_alerts_are_falco_objects() {
    let (code, out, _) = run_stdin(&["detect", "--format", "json"], &secret_read()).parts();
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    kubeward_testkit::falco::assert_alice_secret_read(&v);
    assert_eq!(
        v["output_fields"]["evt.time"],
        1_717_243_200_250_000_000_i64
    );
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "hostname",
            "output",
            "output_fields",
            "priority",
            "rule",
            "source",
            "tags",
            "time"
        ]
    );
}

#[test]
fn event_list_documents_and_directories() {
    let list = format!(
        "{{\n  \"kind\": \"EventList\",\n  \"items\": [\n    {},\n    {}\n  ]\n}}\n",
        secret_read(),
        masters()
    );
    let fx = Fixture::new(&[("logs/a.json", &list), ("logs/b.log", &secret_read())]);
    let (code, out, err) = run_stdin(&["detect", fx.path("logs").to_str().unwrap()], "").parts();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");
    has(&err, "3 events read, 0 skipped, 3 alerts");
}

#[test]
fn selection_by_tag_name_and_priority() {
    let input = format!("{}\n{}\n", secret_read(), masters());
    let (_, out, _) = run_stdin(&["detect", "-t", "credentials"], &input).parts();
    assert_eq!(out.lines().count(), 1);
    assert!(out.contains("Secret read"));
    let (_, out, _) = run_stdin(&["detect", "-T", "credentials"], &input).parts();
    assert!(
        out.contains("system:masters") && !out.contains("Secret read"),
        "{out}"
    );
    let (_, out, _) = run_stdin(&["detect", "-D", "Masters"], &input).parts();
    assert!(
        !out.contains("system:masters") && out.contains("Secret read"),
        "{out}"
    );
    let (_, out, err) = run_stdin(&["detect", "--min-priority", "error"], &input).parts();
    assert_eq!(out, "");
    has(&err, "2 events read, 0 skipped, 0 alerts");
    let (_, _, err) = run_stdin(&["detect", "-t", "no-such-tag"], &input).parts();
    has(&err, "no rule has tag `no-such-tag`");
    let (code, _, err) = run_stdin(&["detect", "--min-priority", "warn"], "").parts();
    assert_eq!(code, 2);
    has(&err, "not a priority");
}

#[test]
fn upstream_rules_first_and_all_matching() {
    let Some(rules) = upstream_k8s() else { return };
    let rules = rules.to_str().unwrap();
    let (code, out, err) = run_stdin(&["detect", "-r", rules], &secret_read()).parts();
    assert_eq!(code, 0, "{err}");
    // Falco's default rule_matching is first: only "Disallowed K8s User".
    assert_eq!(out.lines().count(), 1, "{out}");
    has(
        &out,
        "Warning K8s Operation performed by user not in allowed list",
    );
    let (_, out, _) = run_stdin(
        &["detect", "-r", rules, "--rule-matching", "all"],
        &secret_read(),
    )
    .parts();
    assert_eq!(out.lines().count(), 2, "{out}");
    has(
        &out,
        "Error K8s Secret Get Successfully (user=alice secret=x ns=prod",
    );
}

#[test]
fn unusable_rules_or_inputs_exit_2() {
    let fx = Fixture::new(&[(
        "bad.yaml",
        "- rule: X\n  desc: d\n  condition: ka.nope = 1\n  output: o\n  priority: WARNING\n  source: k8s_audit\n",
    )]);
    let (code, out, err) = run_stdin(
        &["detect", "-r", fx.path("bad.yaml").to_str().unwrap()],
        &secret_read(),
    )
    .parts();
    assert_eq!(code, 2);
    assert_eq!(out, "");
    has(&err, "bad.yaml: Invalid");
    has(&err, "kubeward rules validate -r");
    let (code, _, err) = run_stdin(
        &["detect", "-r", fx.path("missing.yaml").to_str().unwrap()],
        "",
    )
    .parts();
    assert_eq!(code, 2);
    assert!(err.contains("missing.yaml") && err.contains("-r"), "{err}");
    // A missing events file: exit 2 after reading the others.
    let fx2 = Fixture::new(&[("ok.log", &secret_read())]);
    std::fs::write(fx2.path("bin.gz"), b"\x1f\x8b\x08\x00").unwrap();
    let (code, out, err) = run_stdin(
        &[
            "detect",
            fx2.path("ok.log").to_str().unwrap(),
            fx2.path("bin.gz").to_str().unwrap(),
        ],
        "",
    )
    .parts();
    assert_eq!(code, 2, "{err}");
    assert_eq!(out.lines().count(), 1);
    has(&err, "looks binary (gzip-compressed data)");
    has(
        &err,
        "1 events read, 0 skipped, 1 input unreadable, 1 alerts",
    );
    let (code, _, err) = run_stdin(&["detect", fx2.path("nope.log").to_str().unwrap()], "").parts();
    assert_eq!(code, 2);
    has(&err, "nope.log");
}

#[test]
fn follow_reads_appended_events_until_idle() {
    let fx = Fixture::new(&[("audit.log", &format!("{}\n", secret_read()))]);
    let path = fx.path("audit.log");
    let appender = {
        let path = path.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(400));
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            std::io::Write::write_all(&mut f, format!("{}\n", masters()).as_bytes()).unwrap();
        })
    };
    let (code, out, err) = run_stdin(
        &[
            "detect",
            "--follow",
            "--idle-exit",
            "1.5",
            path.to_str().unwrap(),
        ],
        "",
    )
    .parts();
    appender.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    let (code, _, err) = run_stdin(&["detect", "--follow"], "").parts();
    assert_eq!(code, 2);
    has(&err, "--follow takes exactly one log file");
}

#[test]
fn rules_validate_list_and_fields() {
    let fx = Fixture::new(&[
        (
            "good.yaml",
            "- list: l\n  items: [a]\n- rule: R\n  desc: d\n  condition: ka.verb in (l)\n  output: v=%ka.verb\n  priority: info\n  source: k8s_audit\n  tags: [x]\n",
        ),
        (
            "off.yaml",
            "- rule: R\n  enabled: false\n  override: {enabled: replace}\n",
        ),
        (
            "bad.yaml",
            "- rule: R\n  desc: d\n  condition: ka.verb contains\n  output: o\n  priority: WARNING\n  source: k8s_audit\n",
        ),
    ]);
    let good = fx.path("good.yaml");
    let (code, out, _) =
        run_stdin(&["rules", "validate", "-r", good.to_str().unwrap()], "").parts();
    assert_eq!(code, 0);
    has(&out, "good.yaml: Ok");
    let (code, out, _) = run_stdin(
        &[
            "rules",
            "validate",
            "-r",
            fx.path("bad.yaml").to_str().unwrap(),
            "-r",
            good.to_str().unwrap(),
        ],
        "",
    )
    .parts();
    assert_eq!(code, 1);
    assert!(
        out.contains("bad.yaml: Invalid") && out.contains("good.yaml: not checked"),
        "{out}"
    );
    let (_, out, _) = run_stdin(
        &[
            "rules",
            "validate",
            "--format",
            "json",
            "-r",
            fx.path("bad.yaml").to_str().unwrap(),
        ],
        "",
    )
    .parts();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["falco_load_results"][0]["successful"], false);
    let (code, out, _) = run_stdin(
        &[
            "rules",
            "list",
            "-r",
            good.to_str().unwrap(),
            "-r",
            fx.path("off.yaml").to_str().unwrap(),
        ],
        "",
    )
    .parts();
    assert_eq!(code, 0);
    let row = out.lines().nth(1).unwrap();
    let cols: Vec<_> = row.split_whitespace().collect();
    assert_eq!(cols, ["R", "k8s_audit", "Informational", "no", "x"]);
    let (_, out, _) = run_stdin(&args("rules list --format json"), "").parts();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 12);
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|r| r["enabled"] == true && r["source"] == "k8s_audit")
    );
    let (code, out, _) = run_stdin(&args("rules fields --source k8s_audit"), "").parts();
    assert_eq!(code, 0);
    has(&out, "ka.req.pod.containers.image.repository");
    assert!(
        out.contains("jevt.value") && out.contains("[key, required]"),
        "{out}"
    );
    assert!(!out.contains("proc.name"));
    let (_, out, _) = run_stdin(&args("rules fields --format json"), "").parts();
    let v = crate::common::assert_camel_case_document(&out);
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|f| f["argRequired"] == true)
    );
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|f| f["source"] == "syscall" && f["name"] == "proc.name")
    );
    let (code, _, err) = run_stdin(&args("rules fields --source nope"), "").parts();
    assert_eq!(code, 2);
    has(&err, "unknown source `nope`; known sources:");
}

#[test]
fn rules_directories_load_yaml_files_by_name() {
    // b.yaml disables the rule a.yaml defines: only correct in name order.
    let fx = Fixture::new(&[
        (
            "rules/a.yaml",
            "- rule: R\n  desc: d\n  condition: ka.verb = get\n  output: got %ka.target.name\n  priority: WARNING\n  source: k8s_audit\n",
        ),
        (
            "rules/b.yml",
            "- rule: R\n  enabled: false\n  override: {enabled: replace}\n",
        ),
        ("rules/notes.txt", "not rules"),
    ]);
    let dir = fx.path("rules");
    let (code, out, _) = run_stdin(&["rules", "list", "-r", dir.to_str().unwrap()], "").parts();
    assert_eq!(code, 0);
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .any(|c| c == "no"),
        "{out}"
    );
    let (code, out, err) =
        run_stdin(&["detect", "-r", dir.to_str().unwrap()], &secret_read()).parts();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "");
    has(&err, "no rule is enabled");
}

#[test]
fn rules_files_must_be_utf8_text() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("latin1.yaml");
    std::fs::write(&p, b"- list: l\n  items: [caf\xe9]\n").unwrap();
    let (code, _, err) = run_stdin(&["rules", "validate", "-r", p.to_str().unwrap()], "").parts();
    assert_eq!(code, 2);
    has(&err, "latin1.yaml: not UTF-8 text (byte 23)");
}

#[test]
fn one_single_line_event_list_of_any_size_is_evaluated_item_by_item() {
    // 100,000 events in one EventList on one line, about 35 MB: over the 16 MiB record
    // limit, which now bounds one item, not the document.
    let pad = format!(r#","annotations":{{"note":"{}"}}"#, "n".repeat(80));
    let item = event("i", "alice", "get", "secrets", &pad);
    let mut doc = String::from(
        r#"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":["#,
    );
    for i in 0..100_000 {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&item);
    }
    doc.push_str("]}");
    assert!(doc.len() > 32 << 20, "{}", doc.len());
    let fx = Fixture::new(&[("list.json", &doc)]);
    drop(doc);
    let out = kubeward()
        .args([
            "detect",
            "--format",
            "json",
            fx.path("list.json").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    has(&err, "100000 events read, 0 skipped, 100000 alerts");
    assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), 100_000);
}

#[test]
fn every_unreadable_record_is_counted_and_exits_2() {
    // Not JSON, a NUL byte, truncated (the next line is not swallowed), too deep, a
    // number out of range, and a bad item inside an EventList: each reported with its
    // file and line, counted, and the readable rest evaluated.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let cut = &secret_read()[..60];
    let list = format!(
        r#"{{"kind":"EventList","items":[{},{{"n":1e999999}},{}]}}"#,
        secret_read(),
        masters()
    );
    let log = format!(
        "{}\nnot json\n{{\"kind\":\u{0}}}\n{cut}\n{}\n{deep}\n{{\"n\":1e999999}}\n{list}\n",
        secret_read(),
        masters()
    );
    let fx = Fixture::new(&[("audit.log", &log)]);
    let (code, out, err) =
        run_stdin(&["detect", fx.path("audit.log").to_str().unwrap()], "").parts();
    assert_eq!(code, 2, "{err}");
    assert_eq!(out.lines().count(), 4, "{out}");
    for at in [
        "audit.log:2: ",
        "audit.log:3: ",
        "audit.log:6: ",
        "audit.log:7: ",
    ] {
        assert!(err.contains(&format!("{at}malformed JSON")), "{at}: {err}");
    }
    has(&err, "audit.log:4: incomplete JSON");
    has(&err, "NUL byte");
    has(&err, "recursion limit");
    has(&err, "number out of range");
    has(&err, "audit.log:8:");
    has(&err, "item 1: malformed JSON");
    has(&err, "4 events read, 6 skipped, 4 alerts");
}

#[test]
fn fail_on_turns_alerts_at_or_above_a_priority_into_exit_1() {
    // The default rules raise Warning alerts for these events.
    let events = format!("{}\n{}\n", secret_read(), masters());
    for (level, code) in [
        ("warning", 1),
        ("WARNING", 1),
        ("Notice", 1),
        ("debug", 1),
        ("error", 0),
        ("emergency", 0),
    ] {
        let (got, out, err) = run_stdin(&["detect", "--fail-on", level], &events).parts();
        assert_eq!(got, code, "--fail-on {level}: {err}");
        assert_eq!(out.lines().count(), 2);
    }
    // Without the flag, alerts leave the status at 0.
    let (got, _, _) = run_stdin(&["detect"], &events).parts();
    assert_eq!(got, 0);
    // Unusable input takes precedence.
    let (got, _, err) = run_stdin(
        &["detect", "--fail-on", "warning"],
        &format!("{events}oops\n"),
    )
    .parts();
    assert_eq!(got, 2, "{err}");
    // Falco's names only.
    let (got, _, err) = run_stdin(&["detect", "--fail-on", "warn"], &events).parts();
    assert_eq!(got, 2);
    has(&err, "`warn` is not a priority");
}

#[test]
fn a_macro_bomb_fails_fast_naming_the_macro() {
    // 24 macros, each the previous one twice (about 1 KB of macros): 16 million
    // conditions once spliced.
    let mut bomb = String::from("- macro: m0\n  condition: ka.verb = get\n");
    for i in 1..=24 {
        bomb += &format!("- macro: m{i}\n  condition: (m{p} or m{p})\n", p = i - 1);
    }
    bomb += "- rule: R\n  desc: d\n  condition: m24\n  output: o\n  priority: WARNING\n  source: k8s_audit\n";
    assert!(bomb.len() < 2048);
    let fx = Fixture::new(&[("bomb.yaml", &bomb)]);
    let path = fx.path("bomb.yaml");
    for args in [
        vec!["rules", "validate", "-r", path.to_str().unwrap()],
        vec!["detect", "-r", path.to_str().unwrap()],
    ] {
        let (code, out, err) = run_stdin(&args, "").parts();
        assert_ne!(code, 0, "{args:?}");
        let all = format!("{out}{err}");
        assert!(all.contains("macro 'm24' is too large"), "{args:?}: {all}");
    }
}

#[test]
fn json_that_is_not_an_audit_event_is_counted_without_failing_but_bad_json_fails() {
    // Falco drops well-formed non-events and exits 0 (its test Fal01003); bytes that are
    // not JSON at all make the input unusable (2). Both are reported and counted.
    let fx = Fixture::new(&[
        (
            "not-event.jsonl",
            "{\"kind\":\"Pod\",\"apiVersion\":\"v1\"}\n",
        ),
        ("broken.jsonl", "{\"kind\":\"Event\",\n"),
    ]);
    let run = |file: &str| {
        kubeward()
            .args(["detect"])
            .arg(fx.path(file))
            .output()
            .expect("run")
    };
    let out = run("not-event.jsonl");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    has(&err, "1 record not an audit event");
    let out = run("broken.jsonl");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    has(&err, "1 skipped");
}
