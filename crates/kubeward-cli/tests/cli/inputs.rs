//! Inputs and their errors: stdin, directories, bad files next to good ones.

use kubeward_testkit::cli::args;
use std::io::Write;

use crate::common::{
    Fixture, PRIVILEGED_POD, RESTRICTED_POD, kubeward, result, results, run, scan_json,
};
use serde_json::json;

#[test]
fn dash_reads_standard_input() {
    let out = kubeward()
        .args(["scan", "--format", "json", "-"])
        .write_stdin(PRIVILEGED_POD)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let r = result(&doc, "bad");
    assert_eq!(r["file"], "<stdin>");
    assert_eq!(r["violations"][0]["line"], 11);
}

#[test]
fn standard_input_namespaces_apply_to_its_workloads() {
    // Stdin is read once and serves both the Namespace pre-pass and the main pass.
    let text = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    \
         pod-security.kubernetes.io/enforce: privileged\n---\n{PRIVILEGED_POD}"
    );
    let out = kubeward()
        .args(["scan", "--format", "json", "-"])
        .write_stdin(text)
        .output()
        .expect("run");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    assert_eq!(result(&doc, "bad")["policy"], "privileged:latest");
}

#[test]
fn directories_are_scanned_recursively_in_order() {
    let json_pod = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"from-json"},
        "spec":{"containers":[{"name":"c","image":"i"}]}}"#;
    let f = Fixture::new(&[
        (
            "b/deep/er/pod.yml",
            &PRIVILEGED_POD.replace("name: bad", "name: deep"),
        ),
        ("a.yaml", RESTRICTED_POD),
        ("b/pod.json", json_pod),
        ("notes.txt", PRIVILEGED_POD),
    ]);
    let (code, doc) = scan_json(f.root(), &["."]);
    assert_eq!(code, 1);
    let names: Vec<_> = results(&doc).iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, [json!("good"), json!("deep"), json!("from-json")]);
    assert_eq!(doc["summary"]["files"], 3);
}

#[test]
fn a_document_that_is_not_an_object_is_an_error_and_its_neighbours_are_reported() {
    let text = format!("{PRIVILEGED_POD}---\n- just\n- a list\n---\n{RESTRICTED_POD}");
    let f = Fixture::new(&[("mixed.yaml", &text)]);
    let (code, doc) = scan_json(f.root(), &["mixed.yaml"]);
    assert_eq!(code, 2, "{doc:#}");
    let names: Vec<_> = results(&doc).iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, [json!("bad"), json!("good")]);
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["file"], "mixed.yaml");
    assert_eq!(errors[0]["line"], 13);
    assert_eq!(doc["summary"]["errors"], 1);
    assert_eq!(doc["summary"]["denied"], 1);
}

#[test]
fn a_yaml_syntax_error_is_reported_with_a_hint_and_other_files_are_still_scanned() {
    // After a syntax error the YAML stream cannot be resynchronised (kubectl stops there
    // too); what came before it and the other files are still reported.
    let broken = format!("{PRIVILEGED_POD}---\nkind: [unclosed\n");
    let f = Fixture::new(&[("broken.yaml", &broken), ("good.yaml", RESTRICTED_POD)]);
    let (code, doc) = scan_json(f.root(), &["broken.yaml", "good.yaml"]);
    assert_eq!(code, 2, "{doc:#}");
    let names: Vec<_> = results(&doc).iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, [json!("bad"), json!("good")]);
    assert_eq!(doc["errors"][0]["file"], "broken.yaml");
    // Where the parser notices: the unclosed line or the end of input after it.
    let line = doc["errors"][0]["line"].as_u64().expect("line");
    assert!((13..=14).contains(&line), "{doc:#}");

    run(f.root(), &["scan", "broken.yaml", "good.yaml"])
        .code(2)
        .err_has(&format!("error: broken.yaml:{line}: "))
        .err_has("hint: fix the YAML/JSON at this line")
        .out_has("broken.yaml:1 Pod apps/bad — DENIED")
        .out_has("good.yaml:1 Pod apps/good — allowed");
}

#[test]
fn a_template_that_does_not_match_the_api_is_an_error() {
    let bad = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: typo
spec:
  template:
    spec:
      containers: not-a-list
";
    let f = Fixture::new(&[("d.yaml", bad), ("p.yaml", RESTRICTED_POD)]);
    let (code, doc) = scan_json(f.root(), &["d.yaml", "p.yaml"]);
    assert_eq!(code, 2, "{doc:#}");
    assert_eq!(doc["errors"][0]["file"], "d.yaml");
    assert!(doc["errors"][0]["line"].is_u64(), "{doc:#}");
    assert_eq!(doc["summary"]["workloads"], 1);
    run(f.root(), &["scan", "d.yaml"])
        .code(2)
        .err_has("hint: the pod template does not match the Kubernetes API");
}

#[test]
fn files_over_max_file_size_are_errors_with_a_hint() {
    // The limit sits between the two files' sizes.
    assert!(PRIVILEGED_POD.len() < 250 && RESTRICTED_POD.len() > 250);
    let f = Fixture::new(&[("big.yaml", RESTRICTED_POD), ("good.yaml", PRIVILEGED_POD)]);
    let (code, doc) = scan_json(f.root(), &args("--max-file-size 250 big.yaml good.yaml"));
    assert_eq!(code, 2, "{doc:#}");
    assert_eq!(doc["errors"][0]["file"], "big.yaml");
    assert!(doc["errors"][0]["line"].is_null());
    assert_eq!(results(&doc)[0]["name"], "bad");
    run(f.root(), &args("scan --max-file-size 250 big.yaml"))
        .code(2)
        .err_has("error: big.yaml: ")
        .err_has("hint: raise the limit with --max-file-size BYTES");
}

#[test]
fn binary_and_non_utf8_files_are_errors() {
    let f = Fixture::new(&[("good.yaml", RESTRICTED_POD)]);
    let mut file = std::fs::File::create(f.path("bin.yaml")).expect("create");
    file.write_all(b"kind: Pod\n\xff\xfe\x00garbage")
        .expect("write");
    drop(file);
    let (code, doc) = scan_json(f.root(), &["bin.yaml", "good.yaml"]);
    assert_eq!(code, 2, "{doc:#}");
    assert_eq!(doc["errors"][0]["file"], "bin.yaml");
    assert_eq!(results(&doc).len(), 1);
    run(f.root(), &["scan", "bin.yaml"])
        .code(2)
        .err_has("hint: kubeward reads UTF-8 YAML or JSON text files");
}

#[test]
fn a_path_error_is_listed_in_json() {
    let f = Fixture::new(&[("good.yaml", RESTRICTED_POD)]);
    let (code, doc) = scan_json(f.root(), &["nope", "good.yaml"]);
    assert_eq!(code, 2);
    assert_eq!(doc["errors"][0]["file"], "nope");
    assert_eq!(results(&doc).len(), 1);
}

#[test]
fn a_list_larger_than_the_node_limit_is_scanned_item_by_item() {
    // `kubectl get pods -A -o yaml` of a large cluster: one List document, items before
    // kind, with more nodes in all than one document may hold (1,000,000), a Namespace
    // among its items and a privileged pod near its end, a file before and one after.
    let mut text = String::from(
        "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: apps\n    labels:\n      pod-security.kubernetes.io/enforce: restricted\n",
    );
    for i in 0..55_000 {
        text.push_str(&format!(
            "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p{i}\n    namespace: apps\n  spec:\n    containers:\n    - name: c\n      image: i\n      securityContext: {{allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: {{type: RuntimeDefault}}, capabilities: {{drop: [ALL]}}}}\n"
        ));
    }
    let line = text.lines().count() + 1;
    text.push_str(&format!(
        "- {}",
        PRIVILEGED_POD.trim_end().replace('\n', "\n  ")
    ));
    text.push_str("\nkind: List\nmetadata:\n  resourceVersion: \"\"\n");
    let f = Fixture::new(&[
        ("a.yaml", RESTRICTED_POD),
        ("b.yaml", &text),
        ("c.yaml", RESTRICTED_POD),
    ]);
    let (code, doc) = scan_json(f.root(), &["a.yaml", "b.yaml", "c.yaml"]);
    assert_eq!(code, 1, "{} {}", doc["summary"], doc["errors"]);
    assert_eq!(doc["summary"]["files"], 3);
    assert_eq!(doc["summary"]["workloads"], 55_003);
    assert_eq!(doc["summary"]["denied"], 1);
    assert_eq!(doc["summary"]["errors"], 0);
    let bad = result(&doc, "bad");
    assert_eq!(bad["file"], "b.yaml");
    assert_eq!(bad["policy"], "restricted:latest");
    assert!(
        bad["violations"][0]["line"]
            .as_u64()
            .is_some_and(|l| l as usize > line)
    );
    let names: Vec<_> = results(&doc).iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names.first(), Some(&json!("good")));
    assert_eq!(names.last(), Some(&json!("good")));
}
