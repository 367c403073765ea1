//! The etcdctl command from the API server's flags, else from etcd's own.

use kubeward_controlplane::etcdctl::{EtcdctlError, Source, build, shell_quote};
use kubeward_controlplane::flags::load_manifests;
use kubeward_manifest::Limits;

fn pod(name: &str, flags: &[&str]) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: {name}\n    image: x\n    command:\n    - {name}\n"
    );
    for f in flags {
        s.push_str(&format!("    - {f:?}\n"));
    }
    s
}

fn manifests(
    files: &[(&str, String)],
) -> (tempfile::TempDir, kubeward_controlplane::flags::Manifests) {
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(d.path().join(name), text).unwrap();
    }
    let m = load_manifests(d.path(), &Limits::default()).unwrap();
    (d, m)
}

const API: &[&str] = &[
    "--etcd-servers=https://127.0.0.1:2379,https://10.0.0.11:2379",
    "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
    "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
    "--etcd-keyfile",
    "/etc/kubernetes/pki/apiserver-etcd-client.key",
];
const ETCD: &[&str] = &[
    "--advertise-client-urls=https://10.0.0.10:2379",
    "--listen-client-urls=https://127.0.0.1:2379,https://10.0.0.10:2379",
    "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
    "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
    "--key-file=/etc/kubernetes/pki/etcd/server.key",
];

#[test]
fn from_the_api_server() {
    let (_d, m) = manifests(&[
        ("kube-apiserver.yaml", pod("kube-apiserver", API)),
        ("etcd.yaml", pod("etcd", ETCD)),
    ]);
    let e = build(&m).unwrap();
    assert_eq!(e.source, Source::KubeApiserver);
    assert_eq!(
        e.command,
        "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379,https://10.0.0.11:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/apiserver-etcd-client.crt --key=/etc/kubernetes/pki/apiserver-etcd-client.key"
    );
    let from: Vec<_> = e
        .mappings
        .iter()
        .map(|m| (m.etcdctl, m.from.as_deref().unwrap(), m.env))
        .collect();
    assert_eq!(
        from,
        [
            ("--endpoints", "--etcd-servers", "ETCDCTL_ENDPOINTS"),
            ("--cacert", "--etcd-cafile", "ETCDCTL_CACERT"),
            ("--cert", "--etcd-certfile", "ETCDCTL_CERT"),
            ("--key", "--etcd-keyfile", "ETCDCTL_KEY"),
        ]
    );
    assert!(e.notes.iter().any(|n| n.contains("/registry/secrets")));
}

#[test]
fn from_etcd_when_the_api_server_has_no_etcd_servers() {
    let (_d, m) = manifests(&[
        ("kube-apiserver.yaml", pod("kube-apiserver", &["--v=2"])),
        ("etcd.yaml", pod("etcd", ETCD)),
    ]);
    let e = build(&m).unwrap();
    assert_eq!(e.source, Source::Etcd);
    // Loopback listen URLs are preferred over the advertised ones.
    assert!(
        e.command.contains("--endpoints=https://127.0.0.1:2379 "),
        "{}",
        e.command
    );
    assert!(
        e.command
            .contains("--cert=/etc/kubernetes/pki/etcd/server.crt")
    );
    assert!(e.notes[0].contains("no --etcd-servers"));
    assert!(e.notes.iter().any(|n| n.contains("healthcheck-client")));
}

#[test]
fn advertised_urls_without_loopback() {
    let flags = [
        "--advertise-client-urls=https://10.0.0.10:2379",
        "--listen-client-urls=https://0.0.0.0:2379",
    ];
    let (_d, m) = manifests(&[("etcd.yaml", pod("etcd", &flags))]);
    let e = build(&m).unwrap();
    assert!(
        e.command.contains("--endpoints=https://10.0.0.10:2379"),
        "{}",
        e.command
    );
    assert_eq!(
        e.mappings[0].from.as_deref(),
        Some("--advertise-client-urls")
    );
    // No TLS flags: said, and left out of the command.
    assert!(!e.command.contains("--cacert"));
    assert!(e.notes.iter().any(|n| n.contains("no --trusted-ca-file")));
}

#[test]
fn plain_http_and_missing_credentials_are_noted() {
    let (_d, m) = manifests(&[(
        "kube-apiserver.yaml",
        pod("kube-apiserver", &["--etcd-servers=http://10.0.0.5:2379"]),
    )]);
    let e = build(&m).unwrap();
    assert_eq!(
        e.command,
        "ETCDCTL_API=3 etcdctl --endpoints=http://10.0.0.5:2379"
    );
    assert!(e.notes.iter().any(|n| n.contains("plain http://")));
    assert!(e.notes.iter().any(|n| n.contains("no --etcd-keyfile")));
}

#[test]
fn nothing_to_build_from_is_an_error_saying_why() {
    let (_d, m) = manifests(&[("kube-scheduler.yaml", pod("kube-scheduler", &["--v=1"]))]);
    let e = build(&m).unwrap_err();
    let EtcdctlError::NoEndpoints { reason, .. } = &e;
    assert!(reason.contains("neither"), "{e}");
    assert!(e.to_string().contains("--manifests"));
}

#[test]
fn values_are_shell_quoted_when_needed() {
    assert_eq!(
        shell_quote("/etc/kubernetes/pki/ca.crt"),
        "/etc/kubernetes/pki/ca.crt"
    );
    assert_eq!(
        shell_quote("/my certs/it's.crt"),
        r"'/my certs/it'\''s.crt'"
    );
    assert_eq!(shell_quote(""), "''");
}
