//! End-to-end `kubeward audit-policy`: eval, lint and filter, exit codes, formats and
//! error messages.

use crate::common::{Fixture, run};
use kubeward_testkit::cli::args;
use kubeward_testkit::has;
use serde_json::Value;

const POLICY: &str = r#"apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  users: [system:kube-proxy]
  verbs: [watch]
  resources: [{group: "", resources: [endpoints, services]}]
- level: Metadata
  resources:
  - {group: "", resources: [secrets, configmaps, serviceaccounts/token]}
  - {group: authentication.k8s.io, resources: [tokenreviews]}
- level: RequestResponse
  resources: [{group: "", resources: [pods/exec, pods/attach, pods/portforward]}]
- level: Request
  verbs: [create, update, patch, delete]
  resources: [{group: rbac.authorization.k8s.io}]
- level: None
  nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", /version]
- level: Metadata
"#;

#[test]
fn eval_text_and_json() {
    let fx = Fixture::new(&[("policy.yaml", POLICY)]);
    let command = "audit-policy eval policy.yaml --user alice --verb get --resource secrets --namespace kube-system --name s";
    let (code, out, _) = run(fx.root(), &args(command)).parts();
    assert_eq!(code, 0);
    has(&out, "level: Metadata\nomitted stages: RequestReceived\n");
    has(
        &out,
        "decided by: rule 1 (policy.yaml:9): Metadata for resources",
    );
    let command = "audit-policy eval policy.yaml --format json --user bob --verb patch --resource clusterrolebindings --api-group rbac.authorization.k8s.io --name x";
    let (code, out, _) = run(fx.root(), &args(command)).parts();
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["level"], "Request");
    assert_eq!(v["omitStages"], serde_json::json!(["RequestReceived"]));
    assert_eq!(
        (v["rule"]["index"].as_u64(), v["rule"]["line"].as_u64()),
        (Some(3), Some(15))
    );
    assert_eq!(
        v["request"]["groups"],
        serde_json::json!(["system:authenticated"])
    );
    let command = "audit-policy eval policy.yaml --user system:anonymous --verb get --non-resource-url /healthz/etcd?verbose";
    let (_, out, _) = run(fx.root(), &args(command)).parts();
    assert!(
        out.contains("level: None") && out.contains("rule 4 (policy.yaml:18)"),
        "{out}"
    );
}

#[test]
fn eval_default_none_and_bad_arguments() {
    let fx = Fixture::new(&[(
        "p.yaml",
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  verbs: [delete]\n",
    )]);
    let (code, out, _) = run(
        fx.root(),
        &args("audit-policy eval p.yaml --user a --verb get --resource pods"),
    )
    .parts();
    assert_eq!(code, 0);
    assert!(
        out.contains("level: None") && out.contains("no rule matches"),
        "{out}"
    );
    // Neither --resource nor --non-resource-url: a usage error (clap exits 2).
    let (code, _, err) = run(fx.root(), &args("audit-policy eval p.yaml --verb get")).parts();
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(
        fx.root(),
        &args("audit-policy eval p.yaml --verb get --resource a/b/c"),
    )
    .parts();
    assert_eq!(code, 2);
    has(&err, "--resource \"a/b/c\"");
}

#[test]
fn lint_exit_codes_and_formats() {
    let fx = Fixture::new(&[
        ("good.yaml", POLICY),
        (
            "leaky.yaml",
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: RequestResponse\n",
        ),
    ]);
    let (code, out, _) = run(fx.root(), &["audit-policy", "lint", "good.yaml"]).parts();
    assert_eq!((code, out.as_str()), (0, "no findings\n"));
    let (code, out, _) = run(fx.root(), &["audit-policy", "lint", "leaky.yaml"]).parts();
    assert_eq!(code, 1);
    has(&out, "leaky.yaml:5: high AP002 credentials logged");
    let (code, _, _) = run(
        fx.root(),
        &args("audit-policy lint leaky.yaml --fail-on critical"),
    )
    .parts();
    assert_eq!(code, 0);
    let (code, out, _) = run(
        fx.root(),
        &args("audit-policy lint leaky.yaml --format json"),
    )
    .parts();
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let first = &v["findings"][0];
    assert_eq!(
        (
            first["id"].as_str(),
            first["severity"].as_str(),
            first["line"].as_u64()
        ),
        (Some("AP002"), Some("high"), Some(5))
    );
    assert!(first["fix"].as_str().unwrap().contains("Metadata rule"));
}

#[test]
fn unusable_policy_names_file_line_and_fix() {
    let fx = Fixture::new(&[
        (
            "bad.yaml",
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  nonResourceURLs: [healthz]\n",
        ),
        ("notyaml.yaml", "rules: [\n"),
    ]);
    let (code, _, err) = run(fx.root(), &["audit-policy", "lint", "bad.yaml"]).parts();
    assert_eq!(code, 2);
    has(
        &err,
        "bad.yaml:5: rules[0].nonResourceURLs[0]: \"healthz\" does not begin with '/'\n  hint: ",
    );
    let (code, _, err) = run(fx.root(), &["audit-policy", "lint", "notyaml.yaml"]).parts();
    assert_eq!(code, 2);
    has(&err, "notyaml.yaml:");
    let (code, _, err) = run(fx.root(), &["audit-policy", "lint", "missing.yaml"]).parts();
    assert_eq!(code, 2);
    has(&err, "reading missing.yaml");
}

fn event(user: &str, verb: &str, stage: &str, resource: &str, extra: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"{user}-{verb}-{stage}","stage":"{stage}","requestURI":"/api/v1/{resource}","verb":"{verb}","user":{{"username":"{user}","groups":["system:authenticated"]}},"objectRef":{{"resource":"{resource}","namespace":"a","name":"n"{extra}}},"requestObject":{{"a":1}},"responseObject":{{"b":2}}}}"#
    )
}

#[test]
fn filter_json_lines_and_event_list() {
    let lines = [
        event("alice", "get", "ResponseComplete", "secrets", ""),
        event("alice", "get", "RequestReceived", "secrets", ""),
        event(
            "system:kube-proxy",
            "watch",
            "ResponseComplete",
            "endpoints",
            "",
        ),
        event(
            "alice",
            "create",
            "ResponseComplete",
            "pods",
            r#","subresource":"exec""#,
        ),
    ]
    .join("\n");
    let list = format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{}]}}"#,
        event(
            "bob",
            "patch",
            "ResponseComplete",
            "clusterroles",
            r#","apiGroup":"rbac.authorization.k8s.io""#
        )
    );
    let fx = Fixture::new(&[
        ("policy.yaml", POLICY),
        ("audit.log", &lines),
        ("list.json", &list),
        ("broken.log", "{\"verb\": \"get\"}\nnot json\n"),
    ]);
    let (code, out, err) = run(
        fx.root(),
        &args("audit-policy filter policy.yaml audit.log list.json"),
    )
    .parts();
    assert_eq!(code, 0, "{err}");
    let kept: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = kept
        .iter()
        .map(|e| e["auditID"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            "alice-get-ResponseComplete",
            "alice-create-ResponseComplete",
            "bob-patch-ResponseComplete"
        ]
    );
    assert_eq!(kept[0]["level"], "Metadata");
    assert!(kept[0].get("requestObject").is_none() && kept[0].get("responseObject").is_none());
    assert_eq!(kept[1]["level"], "RequestResponse");
    assert_eq!(kept[1]["responseObject"]["b"], 2);
    assert_eq!(kept[2]["level"], "Request");
    assert!(kept[2].get("responseObject").is_none() && kept[2]["requestObject"]["a"] == 1);
    has(
        &err,
        "kept 3 of 5 events; dropped 1 at level None and 1 in omitted stages; 0 error(s)",
    );
    let (code, _, err) = run(
        fx.root(),
        &args("audit-policy filter policy.yaml broken.log --format json"),
    )
    .parts();
    assert_eq!(code, 2);
    has(&err, "broken.log:1: event requestURI: missing");
    has(&err, "broken.log:2: malformed JSON");
    let summary: Value = serde_json::from_str(err.lines().last().unwrap()).unwrap();
    assert_eq!(summary["errors"], 2);
}

#[test]
fn filter_replays_everything_after_a_bad_line_and_counts_true() {
    // Each bad line used to end the file: what followed was dropped and the summary
    // counted only what came before. A truncated line also swallowed the next event.
    let good = |n: usize| event(&format!("u{n}"), "get", "ResponseComplete", "secrets", "");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let truncated = &good(0)[..80];
    let list = format!(
        r#"{{"kind":"EventList","items":[{},{{"n":1e999999}},{}]}}"#,
        good(7),
        good(8)
    );
    for bad in [
        "not json",
        truncated,
        &deep,
        r#"{"verb":"get","n":1e999999}"#,
    ] {
        let log = format!(
            "{}\n{}\n{bad}\n{}\n{}\n{list}\n",
            good(1),
            good(2),
            good(3),
            good(4)
        );
        let fx = Fixture::new(&[("policy.yaml", POLICY), ("audit.log", &log)]);
        let (code, out, err) = run(
            fx.root(),
            &args("audit-policy filter policy.yaml audit.log"),
        )
        .parts();
        assert_eq!(code, 2, "{err}");
        let ids: Vec<String> = out
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["auditID"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let want: Vec<String> = [1, 2, 3, 4, 7, 8]
            .iter()
            .map(|n| format!("u{n}-get-ResponseComplete"))
            .collect();
        assert_eq!(ids, want, "{bad:.30}: {err}");
        has(&err, "audit.log:3: ");
        has(&err, "audit.log:6:381: item 1: malformed JSON");
        assert!(
            err.contains(
                "kept 6 of 6 events; dropped 0 at level None and 0 in omitted stages; 2 error(s)"
            ),
            "{bad:.30}: {err}"
        );
    }
}

#[test]
fn filter_streams_a_large_event_list() {
    // One EventList line of 40,000 events (over 16 MiB): each item is replayed.
    let item = event(
        "big",
        "get",
        "ResponseComplete",
        "secrets",
        &format!(r#","pad":"{}""#, "p".repeat(100)),
    );
    let items = vec![item; 40_000].join(",");
    let list =
        format!(r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{items}]}}"#);
    assert!(list.len() > 16 << 20);
    let fx = Fixture::new(&[("policy.yaml", POLICY), ("list.json", &list)]);
    drop((list, items));
    let (code, out, err) = run(
        fx.root(),
        &args("audit-policy filter policy.yaml list.json"),
    )
    .parts();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 40_000);
    has(&err, "kept 40000 of 40000 events");
}
