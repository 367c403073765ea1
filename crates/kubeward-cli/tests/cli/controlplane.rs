//! `kubeward controlplane check` and `etcdctl` end to end: exit codes, `--fail-on`, the
//! JSON report, text output and error messages.

use kubeward_testkit::cli::Run;
use kubeward_testkit::has;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::{Fixture, kubeward};
use serde_json::Value;

fn pod(name: &str, flags: &[&str]) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: kube-system\nspec:\n  containers:\n  - name: {name}\n    image: registry.k8s.io/{name}:v1.34.0\n    command:\n    - {name}\n"
    );
    for f in flags {
        s.push_str(&format!("    - {f:?}\n"));
    }
    s
}

const API_WEAK: &[&str] = &[
    "--authorization-mode=AlwaysAllow",
    "--etcd-servers=https://127.0.0.1:2379",
];
const API_MEDIUM_ONLY: &[&str] = &[
    "--authorization-mode=Node,RBAC",
    "--enable-admission-plugins=NodeRestriction",
    "--client-ca-file=/etc/kubernetes/pki/ca.crt",
    "--kubelet-client-certificate=/k.crt",
    "--kubelet-client-key=/k.key",
    "--service-account-key-file=/sa.pub",
    "--etcd-servers=https://127.0.0.1:2379",
    "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
    "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
    "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
    "--tls-cert-file=/a.crt",
    "--tls-private-key-file=/a.key",
];

fn node(api: &[&str]) -> Fixture {
    let f = Fixture::new(&[(
        "etc/kubernetes/manifests/kube-apiserver.yaml",
        &pod("kube-apiserver", api),
    )]);
    std::fs::set_permissions(
        f.path("etc/kubernetes/manifests/kube-apiserver.yaml"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    f
}

fn check(root: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = kubeward()
        .arg("controlplane")
        .arg("check")
        .arg("--manifests")
        .arg(root.join("etc/kubernetes/manifests"))
        .arg("--kubelet-service")
        .arg(root.join("none/kubelet.service"))
        .arg("--proxy-kubeconfig")
        .arg(root.join("none/proxy.conf"))
        .arg("--cni-dir")
        .arg(root.join("none/cni"))
        .arg("--proc-root")
        .arg(root.join("none/proc"))
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let doc = crate::common::assert_camel_case_document(&String::from_utf8_lossy(&out.stdout));
    (
        out.status.code().unwrap(),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn finding<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

/// `kubeward controlplane CMD --manifests DIR`.
fn with_manifests(cmd: &str, dir: &Path) -> Run {
    Run::of(
        kubeward()
            .args(["controlplane", cmd, "--manifests"])
            .arg(dir),
    )
}

#[test]
fn a_critical_failure_exits_1_and_the_report_says_why() {
    let f = node(API_WEAK);
    let (code, doc, _) = check(f.root(), &[]);
    assert_eq!(code, 1);
    let a = finding(&doc, "1.2.6");
    assert_eq!(a["status"], "fail");
    assert_eq!(a["severity"], "critical");
    assert_eq!(a["found"], "--authorization-mode=AlwaysAllow");
    assert!(
        a["file"]
            .as_str()
            .unwrap()
            .ends_with("kube-apiserver.yaml:12"),
        "{a}"
    );
    assert!(a["remediation"].as_str().unwrap().contains("Node,RBAC"));
    assert_eq!(a["component"], "kube-apiserver");
    // Absent components are skipped, not failed; the kubelet default path is absent here
    // only if this host has none, so check etcd.
    let e = finding(&doc, "2.2");
    assert_eq!(e["status"], "skip");
    assert!(
        e["found"]
            .as_str()
            .unwrap()
            .contains("no etcd static pod manifest")
    );
    assert_eq!(doc["components"][0]["component"], "kube-apiserver");
    assert!(doc["components"][3]["file"].is_null());
    assert_eq!(doc["failOn"], "high");
}

#[test]
fn fail_on_sets_the_threshold() {
    let f = node(API_MEDIUM_ONLY);
    let (code, doc, _) = check(f.root(), &[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(finding(&doc, "1.2.1")["status"], "fail");
    let (code, _, _) = check(f.root(), &["--fail-on", "medium"]);
    assert_eq!(code, 1);
    let f = node(API_WEAK);
    let (code, _, _) = check(f.root(), &["--fail-on", "critical"]);
    assert_eq!(code, 1);
}

#[test]
fn kubelet_config_and_pki_options_are_used() {
    let f = node(API_MEDIUM_ONLY);
    std::fs::create_dir_all(f.path("certs")).unwrap();
    std::fs::write(f.path("certs/ca.key"), "placeholder").unwrap();
    std::fs::set_permissions(
        f.path("certs/ca.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::fs::write(
        f.path("kubelet.yaml"),
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthorization:\n  mode: AlwaysAllow\n",
    )
    .unwrap();
    let kc = f.path("kubelet.yaml");
    let pki = f.path("certs");
    let (code, doc, _) = check(
        f.root(),
        &[
            "--kubelet-config",
            kc.to_str().unwrap(),
            "--pki",
            pki.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(finding(&doc, "4.2.2")["status"], "fail");
    assert_eq!(
        finding(&doc, "4.2.2")["found"],
        "authorization.mode: AlwaysAllow"
    );
    let k = finding(&doc, "1.1.21");
    assert_eq!(k["status"], "fail");
    assert!(k["found"].as_str().unwrap().ends_with("ca.key 644"), "{k}");
}

#[test]
fn a_manifest_without_command_exits_2_naming_file_and_field() {
    let f = node(API_WEAK);
    std::fs::write(
        f.path("etc/kubernetes/manifests/etcd.yaml"),
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: etcd\n    image: etcd\n",
    )
    .unwrap();
    let (code, doc, stderr) = check(f.root(), &[]);
    assert_eq!(code, 2);
    has(&stderr, "etcd.yaml:5: spec.containers[0].command");
    has(&stderr, "hint:");
    // The readable rest is still reported.
    assert_eq!(finding(&doc, "1.2.6")["status"], "fail");
    assert!(
        doc["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no command or args")
    );
}

#[test]
fn unusable_kubelet_config_or_directory_exits_2() {
    let f = node(API_WEAK);
    std::fs::write(f.path("kubelet.yaml"), "{ not yaml").unwrap();
    let kc = f.path("kubelet.yaml");
    let (code, doc, stderr) = check(f.root(), &["--kubelet-config", kc.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("kubelet.yaml") && stderr.contains("--kubelet-config"),
        "{stderr}"
    );
    assert_eq!(finding(&doc, "4.2.1")["status"], "skip");

    with_manifests("check", &f.path("missing"))
        .code(2)
        .err_has("missing: no such directory")
        .err_has("--manifests");
}

#[test]
fn text_output_lists_verdicts_and_fixes() {
    let f = node(API_WEAK);
    let out = kubeward()
        .args(["controlplane", "check", "--manifests"])
        .arg(f.path("etc/kubernetes/manifests"))
        .arg("--cni-dir")
        .arg(f.path("none"))
        .arg("--proc-root")
        .arg(f.path("none/proc"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    has(&text, "[FAIL] 1.2.6   critical kube-apiserver");
    assert!(text.contains("found: --authorization-mode=AlwaysAllow"));
    assert!(text.contains("fix:   Set --authorization-mode=Node,RBAC"));
    assert!(text.contains("[SKIP] 2.1 "));
    assert!(text.contains("etcd                     (no manifest)"));
}

#[test]
fn etcdctl_prints_the_command_and_mapping() {
    let f = node(&[
        "--etcd-servers=https://127.0.0.1:2379",
        "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
        "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
        "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
    ]);
    let dir = f.path("etc/kubernetes/manifests");
    let out = kubeward()
        .args(["controlplane", "etcdctl", "--manifests"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    has(
        &text,
        "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/apiserver-etcd-client.crt --key=/etc/kubernetes/pki/apiserver-etcd-client.key\n",
    );
    has(
        &text,
        "--cacert     <- kube-apiserver --etcd-cafile = /etc/kubernetes/pki/etcd/ca.crt  (or env ETCDCTL_CACERT)",
    );
    assert!(text.contains("built from the kube-apiserver manifest"));

    let out = kubeward()
        .args(["controlplane", "etcdctl", "--format", "json", "--manifests"])
        .arg(&dir)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["source"], "kube-apiserver");
    assert_eq!(doc["mappings"][3]["from"], "--etcd-keyfile");
    assert_eq!(doc["mappings"][3]["env"], "ETCDCTL_KEY");
}

#[test]
fn etcdctl_without_endpoints_exits_2() {
    let f = node(&["--v=2"]);
    with_manifests("etcdctl", &f.path("etc/kubernetes/manifests"))
        .code(2)
        .err_has("no etcd endpoints")
        .err_has("no --etcd-servers");
}
