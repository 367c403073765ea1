//! `kubeward psp admit`, `psp migrate` and `scan --psp` end to end.

use crate::common::{Fixture, kubeward};
use kubeward_testkit::cli::Run;
use kubeward_testkit::has;
use serde_json::Value;

const POLICIES: &str = "apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: a-restricted}
spec:
  allowPrivilegeEscalation: false
  requiredDropCapabilities: [ALL]
  runAsUser: {rule: MustRunAsNonRoot}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}
  volumes: [configMap, secret, projected, emptyDir]
---
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: b-privileged}
spec:
  privileged: true
  seLinux: {rule: RunAsAny}
  runAsUser: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
  volumes: ['*']
";

const RBAC: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: use-restricted}
rules: [{apiGroups: [policy], resources: [podsecuritypolicies], verbs: [use], resourceNames: [a-restricted]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: use-restricted}
subjects: [{kind: ServiceAccount, name: default, namespace: dev}]
";

const PODS: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: dev}
spec:
  template:
    spec:
      containers: [{name: c, image: i}]
---
apiVersion: v1
kind: Pod
metadata: {name: root, namespace: dev}
spec:
  hostNetwork: true
  containers: [{name: c, image: i, securityContext: {privileged: true}}]
";

/// `kubeward psp admit FLAGS --policy psp.yaml --rbac rbac.yaml pods.yaml` over the
/// policies, bindings and pods above.
fn admit_with_rbac(flags: &[&str]) -> std::process::Output {
    let f = Fixture::new(&[
        ("psp.yaml", POLICIES),
        ("rbac.yaml", RBAC),
        ("pods.yaml", PODS),
    ]);
    kubeward()
        .args(["psp", "admit"])
        .args(flags)
        .arg("--policy")
        .arg(f.path("psp.yaml"))
        .arg("--rbac")
        .arg(f.path("rbac.yaml"))
        .arg(f.path("pods.yaml"))
        .output()
        .unwrap()
}

/// `kubeward WORDS FILES`, each file named by its path in `f`.
fn on_files(f: &Fixture, words: &str, files: &[&str]) -> Run {
    Run::of(
        kubeward()
            .args(words.split_whitespace())
            .args(files.iter().map(|name| f.path(name))),
    )
}

#[test]
fn admit_json_contract_with_rbac() {
    let out = admit_with_rbac(&["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &v["results"];
    assert_eq!(r[0]["kind"], "Deployment");
    assert_eq!(r[0]["line"], 1);
    assert_eq!(r[0]["allowed"], true);
    assert_eq!(r[0]["policy"], "a-restricted");
    assert_eq!(
        r[0]["mutated"]["metadata"]["annotations"]["kubernetes.io/psp"],
        "a-restricted"
    );
    assert_eq!(r[0]["mutated"]["spec"]["securityContext"]["fsGroup"], 1);
    let paths: Vec<&str> = r[0]["patch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "/metadata/annotations",
            "/spec/containers/0/securityContext",
            "/spec/securityContext"
        ]
    );
    assert_eq!(r[1]["allowed"], false);
    assert_eq!(r[1]["policy"], Value::Null);
    assert_eq!(
        r[1]["errors"][0],
        serde_json::json!({"policy": "a-restricted", "path": "spec.securityContext.hostNetwork", "message": "Invalid value: true: Host network is not allowed to be used"})
    );
    // Without RBAC every policy is a candidate and b-privileged admits unchanged.
    let f = Fixture::new(&[("psp.yaml", POLICIES), ("pods.yaml", PODS)]);
    let run = on_files(&f, "psp admit --policy", &["psp.yaml", "pods.yaml"]);
    run.code(1)
        .out_has("Deployment dev/web: allowed by PodSecurityPolicy \"b-privileged\"");
    let text = &run.stdout;
    assert!(
        text.ends_with("2 workloads: 1 allowed, 1 denied\n"),
        "{text}"
    );
}

#[test]
fn admit_text_denial_message_and_user() {
    let out = admit_with_rbac(&["--user", "alice"]);
    let text = String::from_utf8(out.stdout).unwrap();
    has(
        &text,
        "  pods \"root\" is forbidden: PodSecurityPolicy: unable to admit pod: [spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed]\n",
    );
}

#[test]
fn unusable_policies_exit_2_with_file_and_line() {
    let bad = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: x}\nspec:\n  seLinux: {rule: Maybe}\n  runAsUser: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n";
    let f = Fixture::new(&[
        ("bad.yaml", bad),
        (
            "none.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
        ),
        ("pods.yaml", PODS),
    ]);
    on_files(&f, "psp admit --policy", &["bad.yaml", "pods.yaml"])
        .code(2)
        .err_has("bad.yaml:5:13: PodSecurityPolicy \"x\": spec.seLinux.rule: Unsupported value: \"Maybe\": supported values: \"MustRunAs\", \"RunAsAny\"")
        .err_has("hint:");
    on_files(&f, "psp migrate --policy", &["none.yaml"])
        .code(2)
        .err_has("no usable PodSecurityPolicy");
}

#[test]
fn migrate_json_and_scan_psp() {
    let f = Fixture::new(&[("psp.yaml", POLICIES), ("pods.yaml", PODS)]);
    let run = on_files(&f, "psp migrate --format json --policy", &["psp.yaml"]);
    run.code(0);
    let v = run.json();
    assert_eq!(v["policies"][0]["policy"], "a-restricted");
    assert_eq!(v["policies"][1]["level"], "privileged");
    assert_eq!(
        v["policies"][1]["labels"]["pod-security.kubernetes.io/enforce"],
        "privileged"
    );
    on_files(
        &f,
        "scan --no-lint --level privileged --psp",
        &["psp.yaml", "pods.yaml"],
    )
    .code(1)
    .out_has("  PodSecurityPolicy: allowed by \"b-privileged\"\n")
    .out_has("  PodSecurityPolicy: DENIED: pods \"root\" is forbidden");
}
