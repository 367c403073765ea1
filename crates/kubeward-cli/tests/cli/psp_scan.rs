//! `kubeward scan --psp` in every output format: the per-result `psp` object in JSON, the
//! `psp` SARIF results, the text lines, and exit 1 when a policy denies a workload that
//! the Pod Security Standards level admits.

use crate::common::{Fixture, kubeward, scan_json};
use kubeward_testkit::cli::args;
use kubeward_testkit::has;
use serde_json::{Value, json};

/// Only `restricted` is a candidate: it refuses host networking and privilege.
const RESTRICTED_ONLY: &str = "apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: restricted}
spec:
  allowPrivilegeEscalation: false
  requiredDropCapabilities: [ALL]
  runAsUser: {rule: MustRunAsNonRoot}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
  volumes: [configMap, secret, projected, emptyDir]
";

const PODS: &str = "apiVersion: v1
kind: Pod
metadata: {name: ok, namespace: dev}
spec:
  containers:
  - name: c
    image: i
    securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: {drop: [ALL]}}
---
apiVersion: v1
kind: Pod
metadata: {name: hostnet, namespace: dev}
spec:
  hostNetwork: true
  containers: [{name: c, image: i}]
";

fn fixture() -> Fixture {
    Fixture::new(&[("psp.yaml", RESTRICTED_ONLY), ("pods.yaml", PODS)])
}

#[test]
fn json_adds_a_psp_object_per_result_and_denial_exits_1() {
    let f = fixture();
    // At the privileged level PSS admits both pods: only PSP can make the exit 1.
    let (code, doc) = scan_json(
        f.root(),
        &args("--no-lint --level privileged --psp psp.yaml pods.yaml"),
    );
    assert_eq!(code, 1, "{doc}");
    let r = doc["results"].as_array().expect("results");
    assert_eq!(r.len(), 2);
    assert_eq!(r[0]["allowed"], true);
    assert_eq!(
        r[0]["psp"],
        json!({"allowed": true, "policy": "restricted", "errors": []})
    );
    assert_eq!(r[1]["allowed"], true);
    assert_eq!(
        r[1]["psp"],
        json!({"allowed": false, "policy": null, "errors": [{
            "policy": "restricted",
            "path": "spec.securityContext.hostNetwork",
            "message": "Invalid value: true: Host network is not allowed to be used"
        }]})
    );
    assert_eq!(doc["summary"]["pspDenied"], 1);
    assert_eq!(doc["summary"]["denied"], 0);
}

#[test]
fn json_without_psp_keeps_the_contract_unchanged() {
    let f = fixture();
    let (code, doc) = scan_json(f.root(), &args("--no-lint --level privileged pods.yaml"));
    assert_eq!(code, 0, "{doc}");
    for r in doc["results"].as_array().expect("results") {
        assert!(r.get("psp").is_none(), "{r}");
    }
    assert!(doc["summary"].get("pspDenied").is_none(), "{doc}");
}

#[test]
fn json_all_admitted_exits_0() {
    let ok = PODS.split("---\n").next().expect("first document");
    let f = Fixture::new(&[("psp.yaml", RESTRICTED_ONLY), ("ok.yaml", ok)]);
    let (code, doc) = scan_json(
        f.root(),
        &args("--no-lint --level privileged --psp psp.yaml ok.yaml"),
    );
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["results"][0]["psp"]["policy"], "restricted");
    assert_eq!(doc["summary"]["pspDenied"], 0);
}

#[test]
fn json_reports_unusable_policies_as_errors_with_exit_2() {
    let bad = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: x}\nspec:\n  seLinux: {rule: Maybe}\n  runAsUser: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n";
    let f = Fixture::new(&[("bad.yaml", bad), ("pods.yaml", PODS)]);
    let (code, doc) = scan_json(
        f.root(),
        &args("--no-lint --level privileged --psp bad.yaml pods.yaml"),
    );
    assert_eq!(code, 2, "{doc}");
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors[0]["file"], "bad.yaml");
    assert_eq!(errors[0]["line"], 5);
    assert_eq!(
        errors[0]["message"],
        "PodSecurityPolicy \"x\": spec.seLinux.rule: Unsupported value: \"Maybe\": supported values: \"MustRunAs\", \"RunAsAny\""
    );
    assert!(
        errors[1]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("no usable PodSecurityPolicy")),
        "{doc}"
    );
    // Without policies the plugin denies every pod, and the results say so.
    assert_eq!(doc["results"][0]["psp"]["allowed"], false);
}

#[test]
fn sarif_reports_psp_rejections_at_the_workload() {
    let f = fixture();
    let out = kubeward()
        .current_dir(f.root())
        .args([
            "scan",
            "--format",
            "sarif",
            "--no-lint",
            "--level",
            "privileged",
        ])
        .args(["--psp", "psp.yaml", "pods.yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let schema: Value = serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json"))
        .expect("schema is JSON");
    let validator = jsonschema::options()
        .build(&schema)
        .expect("schema compiles");
    let problems: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(problems.is_empty(), "{problems:?}");
    let run = &doc["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{results:?}");
    let r = &results[0];
    assert_eq!(r["ruleId"], "psp");
    assert_eq!(r["level"], "error");
    assert_eq!(
        r["message"]["text"],
        "pods \"hostnet\" is forbidden: PodSecurityPolicy: unable to admit pod: [spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used]: Pod dev/hostnet"
    );
    let region = &r["locations"][0]["physicalLocation"];
    assert_eq!(region["artifactLocation"]["uri"], "pods.yaml");
    assert_eq!(region["region"]["startLine"], 10);
    assert_eq!(r["properties"]["pspErrors"][0]["policy"], "restricted");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(rules.iter().any(|rule| rule["id"] == "psp"), "{rules:?}");
}

#[test]
fn text_prints_each_decision_and_the_psp_total() {
    let f = fixture();
    let out = kubeward()
        .current_dir(f.root())
        .args(["scan", "--no-lint", "--level", "privileged"])
        .args(["--psp", "psp.yaml", "pods.yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    has(&text, "  PodSecurityPolicy: allowed by \"restricted\"\n");
    has(
        &text,
        "  PodSecurityPolicy: DENIED: pods \"hostnet\" is forbidden: PodSecurityPolicy: unable to admit pod: [spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used]\n",
    );
    has(
        &text,
        "2 workloads: 2 allowed, 0 denied; 1 denied by PodSecurityPolicy;",
    );
}
