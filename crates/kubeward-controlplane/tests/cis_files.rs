//! CIS 1.1 and 4.1: modes and owners of a kubeadm node's files, one pass and one fail
//! per check.

mod cis_support;

use std::os::unix::fs::chown;

use cis_support::{ETCD_UID, Node, assert_status, find, is_root};
use kubeward_controlplane::cis::Status;

/// Mode checks: (id, file made too open, mode).
const MODES: &[(&str, &str, u32)] = &[
    ("1.1.1", "manifests/kube-apiserver.yaml", 0o644),
    ("1.1.3", "manifests/kube-controller-manager.yaml", 0o640),
    ("1.1.5", "manifests/kube-scheduler.yaml", 0o604),
    ("1.1.7", "manifests/etcd.yaml", 0o666),
    ("1.1.9", "cni/10-bridge.conflist", 0o644),
    ("1.1.11", "etcd-data", 0o755),
    ("1.1.13", "super-admin.conf", 0o644),
    ("1.1.15", "scheduler.conf", 0o640),
    ("1.1.17", "controller-manager.conf", 0o660),
    ("1.1.20", "pki/etcd/ca.crt", 0o664),
    ("1.1.21", "pki/front-proxy-client.key", 0o640),
    ("4.1.1", "kubelet.service", 0o644),
    ("4.1.3", "kube-proxy.conf", 0o644),
    ("4.1.5", "kubelet.conf", 0o644),
    ("4.1.7", "pki/ca.crt", 0o666),
    ("4.1.9", "kubelet/config.yaml", 0o644),
];

/// Owner checks: (id, file given to another user).
const OWNERS: &[(&str, &str)] = &[
    ("1.1.2", "manifests/kube-apiserver.yaml"),
    ("1.1.4", "manifests/kube-controller-manager.yaml"),
    ("1.1.6", "manifests/kube-scheduler.yaml"),
    ("1.1.8", "manifests/etcd.yaml"),
    ("1.1.10", "cni/10-bridge.conflist"),
    ("1.1.14", "admin.conf"),
    ("1.1.16", "scheduler.conf"),
    ("1.1.18", "controller-manager.conf"),
    ("1.1.19", "pki/etcd/peer.key"),
    ("4.1.2", "kubelet.service"),
    ("4.1.4", "kube-proxy.conf"),
    ("4.1.6", "kubelet.conf"),
    ("4.1.8", "pki/ca.crt"),
    ("4.1.10", "kubelet/config.yaml"),
];

#[test]
fn hardened_modes_pass_and_looser_modes_fail() {
    let findings = Node::hardened().run();
    for (id, _, _) in MODES {
        assert_status(&findings, id, Status::Pass);
    }
    assert_eq!(find(&findings, "1.1.1").found, "600");
    assert_eq!(find(&findings, "1.1.20").found, "644 (10 files)");
    for (id, rel, mode) in MODES {
        let node = Node::hardened();
        node.chmod(rel, *mode);
        let findings = node.run();
        let f = find(&findings, id);
        assert_eq!(f.status, Status::Fail, "{id}: {f:#?}");
        assert!(f.found.ends_with(&format!("{mode:o}")), "{id}: {}", f.found);
    }
}

#[test]
fn stricter_modes_pass() {
    let node = Node::hardened();
    node.chmod("manifests/kube-apiserver.yaml", 0o400);
    node.chmod("pki/ca.crt", 0o640);
    let findings = node.run();
    assert_status(&findings, "1.1.1", Status::Pass);
    assert_eq!(find(&findings, "1.1.1").found, "400");
    assert_status(&findings, "1.1.20", Status::Pass);
}

#[test]
fn owners_are_reported_by_name_and_judged() {
    let node = Node::hardened();
    if !is_root() {
        // Without root the files belong to the test user, so every root:root check fails
        // and names the real owner.
        let findings = node.run();
        for (id, _) in OWNERS {
            assert_status(&findings, id, Status::Fail);
        }
        return;
    }
    let findings = node.run();
    for (id, _) in OWNERS {
        assert_status(&findings, id, Status::Pass);
        assert!(find(&findings, id).found.starts_with("root:root"), "{id}");
    }
    assert_status(&findings, "1.1.12", Status::Pass);
    assert_eq!(find(&findings, "1.1.12").found, "etcd:etcd");
    for (id, rel) in OWNERS {
        let node = Node::hardened();
        chown(node.root().join(rel), Some(1000), Some(1000)).unwrap();
        let f = node.run();
        let f = find(&f, id);
        assert_eq!(f.status, Status::Fail, "{id}: {f:#?}");
        assert!(f.found.ends_with("1000:1000"), "{id}: {}", f.found);
    }
    // kubeadm's root-owned data directory fails 1.1.12.
    chown(node.root().join("etcd-data"), Some(0), Some(0)).unwrap();
    let f = node.run();
    assert_status(&f, "1.1.12", Status::Fail);
    assert!(find(&f, "1.1.12").found.ends_with("root:root"));
    // Without the etcd account in passwd the id is shown as a number.
    chown(
        node.root().join("etcd-data"),
        Some(ETCD_UID),
        Some(ETCD_UID),
    )
    .unwrap();
    node.write("passwd", "root:x:0:0::/root:/bin/sh\n", 0o644);
    let f = node.run();
    let found = &find(&f, "1.1.12").found;
    assert!(found.ends_with(&format!(" {ETCD_UID}:etcd")), "{found}");
}

#[test]
fn missing_files_are_skipped_not_failed() {
    let node = Node::hardened();
    for rel in [
        "kube-proxy.conf",
        "kubelet.service",
        "admin.conf",
        "super-admin.conf",
    ] {
        std::fs::remove_file(node.root().join(rel)).unwrap();
    }
    std::fs::remove_dir_all(node.root().join("cni")).unwrap();
    let findings = node.run();
    for id in [
        "4.1.1", "4.1.2", "4.1.3", "4.1.4", "1.1.9", "1.1.10", "1.1.13", "1.1.14",
    ] {
        let f = find(&findings, id);
        assert_eq!(f.status, Status::Skip, "{id}");
        assert!(
            f.found.contains("not present") || f.found.contains("no CNI files"),
            "{id}: {}",
            f.found
        );
    }
    // Only super-admin.conf present: judged alone.
    node.write("super-admin.conf", "apiVersion: v1\nkind: Config\n", 0o644);
    let f = node.run();
    assert_status(&f, "1.1.13", Status::Fail);
    assert!(find(&f, "1.1.13").found.contains("super-admin.conf 644"));
}

#[test]
fn a_missing_pki_directory_skips_its_checks() {
    let node = Node::hardened();
    std::fs::remove_dir_all(node.pki()).unwrap();
    let findings = node.run();
    for id in ["1.1.19", "1.1.20", "1.1.21"] {
        assert_status(&findings, id, Status::Skip);
    }
}
