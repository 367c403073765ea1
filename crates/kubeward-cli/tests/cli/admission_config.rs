//! `--admission-config`: the API server's own PodSecurity configuration decides the
//! policy of unlabelled Namespaces and which workloads are exempt, in `scan` and in
//! `webhook serve`; a bad file stops both with upstream's field errors.

use serde_json::Value;

use crate::common::{Fixture, run, scan_json};

const CONFIG: &str = "apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults: {enforce: baseline, enforce-version: v1.29}
    exemptions: {namespaces: [infra], runtimeClasses: [gvisor]}
";

/// A Namespace without labels, a pod in it that baseline admits and restricted does not,
/// a privileged pod in an exempt namespace, and one with an exempt runtime class.
const SET: &str = "apiVersion: v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: v1
kind: Pod
metadata: {name: plain, namespace: apps}
spec: {containers: [{name: c, image: 'app:1'}]}
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: infra}
spec: {containers: [{name: c, image: 'agent:1', securityContext: {privileged: true}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: sandboxed, namespace: apps}
spec:
  runtimeClassName: gvisor
  containers: [{name: c, image: 'app:1', securityContext: {privileged: true}}]
";

fn result<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {doc:#}"))
}

#[test]
fn scan_takes_the_configured_defaults_and_exemptions() {
    let f = Fixture::new(&[("admission.yaml", CONFIG), ("set.yaml", SET)]);
    let (_, doc) = scan_json(f.root(), &["--no-config", "--no-lint", "set.yaml"]);
    // Without it an unlabelled Namespace is judged at restricted, and nothing is exempt.
    assert_eq!(result(&doc, "plain")["policy"], "restricted:latest");
    assert_eq!(result(&doc, "plain")["allowed"], false);
    assert_eq!(result(&doc, "agent")["allowed"], false);
    let (code, doc) = scan_json(
        f.root(),
        &[
            "--no-config",
            "--no-lint",
            "--admission-config",
            "admission.yaml",
            "set.yaml",
        ],
    );
    assert_eq!(code, 0, "{doc:#}");
    let plain = result(&doc, "plain");
    assert_eq!(
        (&plain["policy"], &plain["allowed"]),
        (&Value::from("baseline:v1.29"), &Value::from(true))
    );
    assert!(plain.get("exempt").is_none());
    assert_eq!(result(&doc, "agent")["exempt"], "namespace");
    assert_eq!(result(&doc, "agent")["allowed"], true);
    assert_eq!(result(&doc, "sandboxed")["exempt"], "runtimeClass");
    let text = run(
        f.root(),
        &[
            "scan",
            "--no-config",
            "--no-lint",
            "--admission-config",
            "admission.yaml",
            "set.yaml",
        ],
    );
    text.code(0)
        .out_has("set.yaml:5 Pod apps/plain — allowed by baseline:v1.29\n")
        .out_has("Pod infra/agent — allowed, exempt by namespace\n")
        .out_has("Pod apps/sandboxed — allowed, exempt by runtimeClass\n");
}

#[test]
fn a_bad_configuration_stops_scan_and_webhook_serve_with_upstreams_words() {
    let bad = CONFIG.replace("enforce: baseline", "enforce: strict");
    let f = Fixture::new(&[("admission.yaml", &bad), ("set.yaml", SET)]);
    let said = "defaults.enforce: Invalid value: \"strict\": must be one of privileged, baseline, restricted";
    run(
        f.root(),
        &["scan", "--admission-config", "admission.yaml", "set.yaml"],
    )
    .code(2)
    .err_has(said)
    .err_has("hint: give the file kube-apiserver reads");
    run(
        f.root(),
        &[
            "webhook",
            "serve",
            "--admission-config",
            "admission.yaml",
            "--namespaces",
            "set.yaml",
            "--tls-cert",
            "none.crt",
            "--tls-key",
            "none.key",
        ],
    )
    .code(2)
    .err_has(said);
    run(
        f.root(),
        &["scan", "--admission-config", "missing.yaml", "set.yaml"],
    )
    .code(2)
    .err_has("missing.yaml: no such file or directory");
}
