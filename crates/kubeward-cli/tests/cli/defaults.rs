//! API server defaults applied before judging, end to end: a volume with no source is
//! the `emptyDir` the API server makes of it, for `scan` (Pods and workload templates),
//! `psp admit` and `scan --psp`.

use crate::common::{Fixture, kubeward, result, results, scan_json};
use kubeward_testkit::cli::args;
use serde_json::Value;

/// A Pod and a Deployment, restricted-compliant except that one volume names no source
/// and one has an explicit null source (as `emptyDir:` with nothing after it reads).
const WORKLOADS: &str = "apiVersion: v1
kind: Pod
metadata: {name: cache}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: registry.example/app:1
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
    volumeMounts: [{name: scratch, mountPath: /scratch}, {name: tmp, mountPath: /tmp}]
  volumes:
  - name: scratch
  - name: tmp
    emptyDir:
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers: [{name: app, image: registry.example/app:1, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]
      volumes:
      - name: scratch
";

#[test]
fn scan_admits_a_volume_without_source_at_every_restricted_boundary() {
    let f = Fixture::new(&[("w.yaml", WORKLOADS)]);
    for version in ["v1.0", "v1.8", "v1.19", "v1.22", "v1.25", "v1.35", "latest"] {
        let (code, doc) = scan_json(
            f.root(),
            &[
                "--no-lint",
                "--level",
                "restricted",
                "--pss-version",
                version,
                "w.yaml",
            ],
        );
        assert_eq!(code, 0, "{version}: {doc}");
        for name in ["cache", "web"] {
            let r = result(&doc, name);
            assert_eq!(r["allowed"], true, "{version} {name}: {r}");
            assert_eq!(r["violations"], Value::Array(vec![]), "{version} {name}");
        }
    }
}

#[test]
fn scan_still_reports_a_restricted_volume_at_the_users_line() {
    let text = WORKLOADS.replacen(
        "  - name: scratch\n  - name: tmp",
        "  - name: scratch\n    hostPath: {path: /srv}\n  - name: tmp",
        1,
    );
    let f = Fixture::new(&[("w.yaml", &text)]);
    let (code, doc) = scan_json(f.root(), &["--no-lint", "w.yaml"]);
    assert_eq!(code, 1, "{doc}");
    let r = result(&doc, "cache");
    let v = &r["violations"][0];
    assert_eq!(v["check"], "restrictedVolumes");
    assert_eq!(
        v["detail"],
        r#"volume "scratch" uses restricted volume type "hostPath""#
    );
    assert_eq!(v["path"], "spec.volumes[0].hostPath");
    assert_eq!(v["line"], 13, "{v}");
    assert_eq!(results(&doc).len(), 2);
}

const ONLY_CONFIG_MAPS: &str = "apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: only-config
  annotations: {seccomp.security.alpha.kubernetes.io/allowedProfileNames: runtime/default}
spec:
  seLinux: {rule: RunAsAny}
  runAsUser: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
  volumes: [configMap]
---
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: with-empty-dir
  annotations: {seccomp.security.alpha.kubernetes.io/allowedProfileNames: runtime/default}
spec: {seLinux: {rule: RunAsAny}, runAsUser: {rule: RunAsAny}, supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}, volumes: [configMap, emptyDir]}
";

/// `kubeward psp admit --format json` of the workloads above under `policies`: the exit
/// code and the document.
fn psp_admit_json(policies: &str) -> (Option<i32>, Value) {
    let f = Fixture::new(&[("psp.yaml", policies), ("w.yaml", WORKLOADS)]);
    let out = kubeward()
        .args(["psp", "admit", "--format", "json", "--policy"])
        .arg(f.path("psp.yaml"))
        .arg(f.path("w.yaml"))
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[test]
fn psp_admit_judges_a_volume_without_source_as_empty_dir() {
    let (code, doc) = psp_admit_json(ONLY_CONFIG_MAPS);
    assert_eq!(code, Some(0), "{doc}");
    for r in results(&doc) {
        assert_eq!(r["allowed"], true, "{r}");
        assert_eq!(r["policy"], "with-empty-dir", "{r}");
        // The default is the API server's, not the policy's: no patch for it.
        assert_eq!(r["patch"][0]["path"], "/metadata/annotations", "{r}");
        assert_eq!(r["patch"].as_array().unwrap().len(), 1, "{r}");
    }

    // Without emptyDir in the policy, the error names emptyDir, not an unknown type.
    let only = ONLY_CONFIG_MAPS.split("---").next().unwrap();
    let (code, doc) = psp_admit_json(only);
    assert_eq!(code, Some(1), "{doc}");
    let pod = &results(&doc)[0];
    assert_eq!(pod["name"], "cache");
    let errors: Vec<(&str, &str)> = pod["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["message"].as_str().unwrap()))
        .collect();
    let denied = r#"Invalid value: "emptyDir": emptyDir volumes are not allowed to be used"#;
    assert_eq!(
        errors,
        [("spec.volumes[0]", denied), ("spec.volumes[1]", denied)]
    );
}

#[test]
fn scan_psp_judges_a_volume_without_source_as_empty_dir() {
    let only = ONLY_CONFIG_MAPS.split("---").next().unwrap();
    let f = Fixture::new(&[("psp.yaml", only), ("w.yaml", WORKLOADS)]);
    let (code, doc) = scan_json(f.root(), &args("--no-lint --psp psp.yaml w.yaml"));
    assert_eq!(code, 1, "{doc}");
    let psp = &result(&doc, "web")["psp"];
    assert_eq!(psp["allowed"], false, "{psp}");
    assert_eq!(
        psp["errors"][0]["message"],
        r#"Invalid value: "emptyDir": emptyDir volumes are not allowed to be used"#
    );
    assert_eq!(result(&doc, "web")["allowed"], true);
}
