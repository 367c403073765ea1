//! A key set twice in a manifest: an error naming the key's path and both lines in every
//! format, counted in the summary and the exit status, while the workload is still judged
//! with the value kubectl would apply (the last).

use crate::common::{Fixture, kubeward, result, run, scan_json};
use kubeward_testkit::cli::args;

/// `privileged: true`, then `privileged: false` in the same mapping: the last wins, and a
/// reviewer reading the first line sees a privileged container that kubectl never sends.
const TWICE: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: twice
spec:
  containers:
  - name: c
    image: i
    securityContext:
      privileged: true
      privileged: false
";

#[test]
fn a_repeated_key_is_an_error_with_both_lines_in_json_and_text() {
    let f = Fixture::new(&[("pod.yaml", TWICE)]);
    let (code, doc) = scan_json(f.root(), &["--level", "baseline", "pod.yaml"]);
    assert_eq!(code, 2, "{doc:#}");
    // Judged as kubectl would send it: not privileged, so baseline allows it.
    assert_eq!(result(&doc, "twice")["allowed"], true);
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{doc:#}");
    let e = &errors[0];
    assert_eq!(e["file"], "pod.yaml");
    assert_eq!(e["line"], 11);
    assert_eq!(
        e["duplicate"],
        serde_json::json!({
            "path": "spec.containers[0].securityContext.privileged",
            "key": "privileged",
            "firstLine": 10
        })
    );
    assert_eq!(doc["summary"]["errors"], 1);

    run(f.root(), &args("scan --level baseline pod.yaml"))
        .code(2)
        .err_has(
            "error: pod.yaml:11: duplicate key spec.containers[0].securityContext.privileged, \
             first set at line 10 (key \"privileged\" already set in map)",
        )
        .err_has("hint: keep one of the two")
        .out_has("1 error in 1 file");
}

#[test]
fn a_second_spec_in_json_is_reported_in_sarif_with_both_locations() {
    let json = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"},
"spec": {"containers": [{"name": "c", "image": "i", "securityContext": {"privileged": true}}]},
"spec": {"containers": [{"name": "c", "image": "i"}]}}
"#;
    let f = Fixture::new(&[("pod.json", json)]);
    let out = kubeward()
        .current_dir(f.root())
        .args(["scan", "--format", "sarif", "pod.json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let invocation = &doc["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    let text = note["message"]["text"].as_str().expect("text");
    assert!(
        text.starts_with("duplicate key spec, first set at line 2"),
        "{text}"
    );
    let lines: Vec<_> = note["locations"]
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| l["physicalLocation"]["region"]["startLine"].clone())
        .collect();
    assert_eq!(lines, [3, 2]);
}
