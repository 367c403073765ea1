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

/// Runs `controlplane check` as JSON on a node below `root`; the kubelet's drop-in and
/// `/proc` are absent unless `extra` names them.
fn check(root: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut cmd = kubeward();
    cmd.arg("controlplane")
        .arg("check")
        .arg("--manifests")
        .arg(root.join("etc/kubernetes/manifests"))
        .arg("--proxy-kubeconfig")
        .arg(root.join("none/proxy.conf"))
        .arg("--cni-dir")
        .arg(root.join("none/cni"));
    if !extra.contains(&"--kubelet-service") {
        cmd.arg("--kubelet-service")
            .arg(root.join("none/kubelet.service"));
    }
    if !extra.contains(&"--proc-root") {
        cmd.arg("--proc-root").arg(root.join("none/proc"));
    }
    let out = cmd.args(["--format", "json"]).args(extra).output().unwrap();
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

const KUBELET_GOOD: &str = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nauthorization:\n  mode: Webhook\nreadOnlyPort: 0\n";

#[test]
fn kubelet_flags_without_a_config_file_take_the_legacy_defaults() {
    let f = node(API_MEDIUM_ONLY);
    std::fs::write(
        f.path("flags.txt"),
        "/usr/bin/kubelet --v=2 \\\n  --kubeconfig=/etc/kubernetes/kubelet.conf\n",
    )
    .unwrap();
    let flags = f.path("flags.txt");
    let (code, doc, _) = check(f.root(), &["--kubelet-flags", flags.to_str().unwrap()]);
    // 4.2.2 (critical) and 4.2.1/4.2.4 (high) fail on the legacy defaults.
    assert_eq!(code, 1, "{doc:#}");
    for id in ["4.2.1", "4.2.2", "4.2.4"] {
        assert_eq!(finding(&doc, id)["status"], "fail", "{id}");
    }
    assert_eq!(
        finding(&doc, "4.2.2")["found"],
        "--authorization-mode not set (no config file, so the legacy flag default AlwaysAllow applies)"
    );
    assert_eq!(finding(&doc, "4.2.7")["status"], "pass");
    assert!(doc["kubeletConfig"].is_null());
    assert!(
        doc["kubeletFlags"]
            .as_str()
            .unwrap()
            .starts_with("--kubelet-flags ")
    );

    // The same flags made safe pass them.
    std::fs::write(
        f.path("flags.txt"),
        "kubelet --anonymous-auth=false --authorization-mode=Webhook --read-only-port=0 \"--client-ca-file=/etc/kubernetes/pki/ca.crt\"\n",
    )
    .unwrap();
    let (code, doc, _) = check(f.root(), &["--kubelet-flags", flags.to_str().unwrap()]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        finding(&doc, "4.2.4")["found"],
        "--read-only-port=0 (command line)"
    );
    assert!(
        finding(&doc, "4.2.4")["file"]
            .as_str()
            .unwrap()
            .ends_with("flags.txt:1")
    );
}

#[test]
fn kubelet_flags_override_the_config_file_and_judge_hostname_override() {
    let f = node(API_MEDIUM_ONLY);
    std::fs::write(f.path("kubelet.yaml"), KUBELET_GOOD).unwrap();
    let kc = f.path("kubelet.yaml");
    // A NUL-separated copy of /proc/<pid>/cmdline naming the file with --config.
    let cmdline = format!(
        "/usr/bin/kubelet\0--config={}\0--read-only-port\010255\0--hostname-override=node-7\0",
        kc.display()
    );
    std::fs::write(f.path("cmdline"), cmdline).unwrap();
    let flags = f.path("cmdline");
    let (code, doc, _) = check(f.root(), &["--kubelet-flags", flags.to_str().unwrap()]);
    assert_eq!(code, 1, "{doc:#}");
    assert!(
        doc["kubeletConfig"]
            .as_str()
            .unwrap()
            .ends_with("kubelet.yaml")
    );
    let ro = finding(&doc, "4.2.4");
    assert_eq!(ro["status"], "fail");
    assert_eq!(ro["found"], "--read-only-port=10255 (command line)");
    assert!(ro["file"].as_str().unwrap().ends_with("cmdline"), "{ro}");
    assert_eq!(
        finding(&doc, "4.2.1")["found"],
        "authentication.anonymous.enabled: false"
    );
    let h = finding(&doc, "4.2.7");
    assert_eq!(h["status"], "fail");
    assert_eq!(h["found"], "--hostname-override=node-7 (command line)");
}

#[test]
fn the_running_kubelet_and_the_dropin_are_found_without_kubelet_flags() {
    let f = node(API_MEDIUM_ONLY);
    std::fs::create_dir_all(f.path("var/lib")).unwrap();
    std::fs::write(f.path("var/lib/kubelet-config.yaml"), KUBELET_GOOD).unwrap();
    // kubeadm's drop-in, its flags file, and /etc/default/kubelet, below --host-root.
    let files = [
        (
            "etc/systemd/10-kubeadm.conf",
            "[Service]\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet-config.yaml\"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n",
        ),
        (
            "var/lib/kubelet/kubeadm-flags.env",
            "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock\"\n",
        ),
        (
            "etc/default/kubelet",
            "KUBELET_EXTRA_ARGS=--anonymous-auth=true\n",
        ),
    ];
    for (name, text) in files {
        std::fs::create_dir_all(f.path(name).parent().unwrap()).unwrap();
        std::fs::write(f.path(name), text).unwrap();
    }
    let root = f.root().to_str().unwrap();
    let dropin = f.path("etc/systemd/10-kubeadm.conf");
    let args = [
        "--kubelet-service",
        dropin.to_str().unwrap(),
        "--host-root",
        root,
    ];
    let (code, doc, stderr) = check(f.root(), &args);
    assert_eq!(code, 1, "{doc:#} {stderr}");
    assert!(
        doc["kubeletFlags"]
            .as_str()
            .unwrap()
            .starts_with("ExecStart of ")
    );
    assert!(
        doc["kubeletConfig"]
            .as_str()
            .unwrap()
            .ends_with("var/lib/kubelet-config.yaml")
    );
    let anon = finding(&doc, "4.2.1");
    assert_eq!(anon["status"], "fail");
    assert_eq!(anon["found"], "--anonymous-auth=true (systemd drop-in)");
    assert!(
        anon["file"]
            .as_str()
            .unwrap()
            .ends_with("etc/default/kubelet:1"),
        "{anon}"
    );

    // A running kubelet is preferred to the drop-in.
    let proc = f.path("fakeproc/4242");
    std::fs::create_dir_all(&proc).unwrap();
    std::fs::write(proc.join("comm"), "kubelet\n").unwrap();
    std::fs::write(
        proc.join("cmdline"),
        "/usr/bin/kubelet\0--config=/var/lib/kubelet-config.yaml\0--hostname-override=n1\0",
    )
    .unwrap();
    let fake = f.path("fakeproc");
    let mut with_proc = args.to_vec();
    with_proc.extend(["--proc-root", fake.to_str().unwrap()]);
    let (_, doc, _) = check(f.root(), &with_proc);
    assert_eq!(
        doc["kubeletFlags"],
        format!("process 4242 ({}/4242/cmdline)", fake.display())
    );
    assert_eq!(finding(&doc, "4.2.1")["status"], "pass");
    assert_eq!(finding(&doc, "4.2.7")["status"], "fail");
}

#[test]
fn unusable_kubelet_flags_exit_2_with_the_file_and_a_hint() {
    let f = node(API_WEAK);
    std::fs::write(f.path("flags.txt"), "kubelet --node-labels=\"a=b\n").unwrap();
    let flags = f.path("flags.txt");
    let (code, doc, stderr) = check(f.root(), &["--kubelet-flags", flags.to_str().unwrap()]);
    assert_eq!(code, 2, "{doc:#}");
    has(&stderr, "flags.txt:1:23: unterminated double quote");
    has(&stderr, "hint: pass a copy of /proc/<pid>/cmdline");
    assert_eq!(finding(&doc, "4.2.7")["status"], "skip");
    // The rest is still reported.
    assert_eq!(finding(&doc, "1.2.6")["status"], "fail");

    let missing = f.path("nope.txt");
    let (code, _, stderr) = check(f.root(), &["--kubelet-flags", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    has(&stderr, "nope.txt: no such file or directory");

    // A drop-in with a broken ExecStart is an error too.
    std::fs::write(
        f.path("k.conf"),
        "[Service]\nExecStart=/usr/bin/kubelet 'x\n",
    )
    .unwrap();
    let dropin = f.path("k.conf");
    let (code, _, stderr) = check(f.root(), &["--kubelet-service", dropin.to_str().unwrap()]);
    assert_eq!(code, 2);
    has(&stderr, "k.conf:2: ExecStart: unterminated single quote");
}

#[test]
fn text_output_names_the_kubelet_flags_source() {
    let f = node(API_WEAK);
    std::fs::write(f.path("flags.txt"), "kubelet --hostname-override=x").unwrap();
    let out = kubeward()
        .args(["controlplane", "check", "--manifests"])
        .arg(f.path("etc/kubernetes/manifests"))
        .arg("--cni-dir")
        .arg(f.path("none"))
        .arg("--kubelet-flags")
        .arg(f.path("flags.txt"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    has(&text, "kubelet flags            --kubelet-flags ");
    has(&text, "[FAIL] 4.2.7   low      kubelet");
    has(&text, "found: --hostname-override=x (command line)");
}
