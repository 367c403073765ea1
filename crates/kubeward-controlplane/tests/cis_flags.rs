//! Every flag-judged check (1.2, 1.3, 1.4, 2, 3.2.1) passes on a hardened kubeadm node
//! and fails when its flag is weakened, one case per check.

mod cis_support;

use cis_support::{Node, assert_status, find};
use kubeward_controlplane::cis::Status;

/// The flags without `name` (both `--name=v` and `--name v` forms).
fn without(flags: &[String], name: &str) -> Vec<String> {
    let bare = format!("--{name}");
    let eq = format!("--{name}=");
    let mut out = Vec::new();
    let mut skip_next = false;
    for f in flags {
        if skip_next {
            skip_next = false;
            continue;
        }
        if *f == bare {
            skip_next = true;
            continue;
        }
        if !f.starts_with(&eq) {
            out.push(f.clone());
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Edit {
    Remove(&'static str),
    Append(&'static str),
    /// Drop every occurrence that contains this text.
    DropContaining(&'static str),
}

fn edit(mut flags: Vec<String>, edits: &[Edit]) -> Vec<String> {
    for e in edits {
        flags = match *e {
            Edit::Remove(name) => without(&flags, name),
            Edit::Append(word) => {
                flags.push(word.to_owned());
                flags
            }
            Edit::DropContaining(text) => flags.into_iter().filter(|f| !f.contains(text)).collect(),
        };
    }
    flags
}

use Edit::{Append, DropContaining, Remove};

const CASES: &[(&str, &str, &[Edit])] = &[
    ("1.2.1", "kube-apiserver", &[Remove("anonymous-auth")]),
    (
        "1.2.2",
        "kube-apiserver",
        &[Append("--token-auth-file=/etc/kubernetes/tokens.csv")],
    ),
    (
        "1.2.3",
        "kube-apiserver",
        &[DropContaining("DenyServiceExternalIPs")],
    ),
    ("1.2.4", "kube-apiserver", &[Remove("kubelet-client-key")]),
    (
        "1.2.5",
        "kube-apiserver",
        &[Remove("kubelet-certificate-authority")],
    ),
    (
        "1.2.6",
        "kube-apiserver",
        &[
            Remove("authorization-mode"),
            Append("--authorization-mode=AlwaysAllow"),
        ],
    ),
    (
        "1.2.7",
        "kube-apiserver",
        &[
            Remove("authorization-mode"),
            Append("--authorization-mode=RBAC"),
        ],
    ),
    (
        "1.2.8",
        "kube-apiserver",
        &[
            Remove("authorization-mode"),
            Append("--authorization-mode=Node"),
        ],
    ),
    (
        "1.2.9",
        "kube-apiserver",
        &[Remove("admission-control-config-file")],
    ),
    (
        "1.2.10",
        "kube-apiserver",
        &[Append("--enable-admission-plugins=AlwaysAdmit")],
    ),
    (
        "1.2.11",
        "kube-apiserver",
        &[DropContaining("AlwaysPullImages")],
    ),
    (
        "1.2.12",
        "kube-apiserver",
        &[Append("--disable-admission-plugins=ServiceAccount")],
    ),
    (
        "1.2.13",
        "kube-apiserver",
        &[Append("--disable-admission-plugins=NamespaceLifecycle")],
    ),
    (
        "1.2.14",
        "kube-apiserver",
        &[DropContaining("NodeRestriction")],
    ),
    ("1.2.15", "kube-apiserver", &[Append("--profiling=true")]),
    ("1.2.16", "kube-apiserver", &[Remove("audit-log-path")]),
    (
        "1.2.17",
        "kube-apiserver",
        &[Append("--audit-log-maxage=7")],
    ),
    (
        "1.2.18",
        "kube-apiserver",
        &[Append("--audit-log-maxbackup=2")],
    ),
    (
        "1.2.19",
        "kube-apiserver",
        &[Append("--audit-log-maxsize=10")],
    ),
    (
        "1.2.21",
        "kube-apiserver",
        &[Append("--service-account-lookup=false")],
    ),
    (
        "1.2.22",
        "kube-apiserver",
        &[Remove("service-account-key-file")],
    ),
    ("1.2.23", "kube-apiserver", &[Remove("etcd-certfile")]),
    (
        "1.2.24",
        "kube-apiserver",
        &[Remove("tls-private-key-file")],
    ),
    ("1.2.25", "kube-apiserver", &[Remove("client-ca-file")]),
    ("1.2.26", "kube-apiserver", &[Remove("etcd-cafile")]),
    (
        "1.2.27",
        "kube-apiserver",
        &[Remove("encryption-provider-config")],
    ),
    (
        "1.2.28",
        "kube-apiserver",
        &[Remove("encryption-provider-config")],
    ),
    (
        "1.2.29",
        "kube-apiserver",
        &[Append("--tls-cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA")],
    ),
    (
        "1.2.30",
        "kube-apiserver",
        &[Remove("service-account-extend-token-expiration")],
    ),
    ("3.2.1", "kube-apiserver", &[Remove("audit-policy-file")]),
    (
        "1.3.1",
        "kube-controller-manager",
        &[Remove("terminated-pod-gc-threshold")],
    ),
    ("1.3.2", "kube-controller-manager", &[Remove("profiling")]),
    (
        "1.3.3",
        "kube-controller-manager",
        &[Remove("use-service-account-credentials")],
    ),
    (
        "1.3.4",
        "kube-controller-manager",
        &[Remove("service-account-private-key-file")],
    ),
    (
        "1.3.5",
        "kube-controller-manager",
        &[Remove("root-ca-file")],
    ),
    (
        "1.3.6",
        "kube-controller-manager",
        &[Append(
            "--feature-gates=RotateKubeletServerCertificate=false",
        )],
    ),
    (
        "1.3.7",
        "kube-controller-manager",
        &[Append("--bind-address=0.0.0.0")],
    ),
    ("1.4.1", "kube-scheduler", &[Remove("profiling")]),
    ("1.4.2", "kube-scheduler", &[Remove("bind-address")]),
    ("2.1", "etcd", &[Remove("key-file")]),
    ("2.2", "etcd", &[Append("--client-cert-auth=false")]),
    ("2.3", "etcd", &[Append("--auto-tls")]),
    ("2.4", "etcd", &[Remove("peer-cert-file")]),
    ("2.5", "etcd", &[Remove("peer-client-cert-auth")]),
    ("2.6", "etcd", &[Append("--peer-auto-tls=true")]),
    (
        "2.7",
        "etcd",
        &[
            Remove("trusted-ca-file"),
            Append("--trusted-ca-file=CLUSTER_CA"),
        ],
    ),
];

fn flags_of(node: &Node, component: &str) -> Vec<String> {
    match component {
        "kube-apiserver" => node.apiserver_flags(),
        "kube-controller-manager" => node.controller_manager_flags(),
        "kube-scheduler" => node.scheduler_flags(),
        _ => node.etcd_flags(),
    }
}

#[test]
fn hardened_node_passes_every_flag_check() {
    let node = Node::hardened();
    let findings = node.run();
    for (id, component, _) in CASES {
        let f = find(&findings, id);
        assert_eq!(f.status, Status::Pass, "{id}: {f:#?}");
        assert_eq!(f.component, *component, "{id}");
    }
    // Not decidable from a file: always for review.
    assert_status(&findings, "1.2.20", Status::Warn);
}

#[test]
fn each_weakened_flag_fails_its_check() {
    for (id, component, edits) in CASES {
        let node = Node::hardened();
        let ca = node.p("pki/ca.crt");
        let flags: Vec<String> = edit(flags_of(&node, component), edits)
            .into_iter()
            .map(|f| f.replace("CLUSTER_CA", &ca))
            .collect();
        node.set_flags(component, &flags);
        let findings = node.run();
        let f = find(&findings, id);
        assert_eq!(f.status, Status::Fail, "{id} after {flags:?}: {f:#?}");
        assert!(!f.found.is_empty() && !f.remediation.is_empty(), "{id}");
        // The finding points into the component's manifest.
        let file = f.file.as_deref().unwrap_or("");
        assert!(file.contains(&format!("{component}.yaml")), "{id}: {file}");
    }
}

#[test]
fn found_value_and_line_name_the_flag() {
    let node = Node::hardened();
    let mut flags = node.apiserver_flags();
    flags.push("--profiling=true".into());
    node.set_flags("kube-apiserver", &flags);
    let findings = node.run();
    let f = find(&findings, "1.2.15");
    assert_eq!(f.found, "--profiling=true");
    // The last occurrence decides, and the line is the last word's.
    let line = flags.len() + 11;
    assert!(
        f.file
            .as_deref()
            .unwrap()
            .ends_with(&format!("kube-apiserver.yaml:{line}")),
        "{f:?}"
    );
    let f = find(&findings, "1.2.1");
    assert_eq!(f.found, "--anonymous-auth=false");
}

#[test]
fn a_bare_boolean_does_not_take_the_next_word() {
    // pflag reads `--anonymous-auth false` as true plus a stray positional `false`.
    let node = Node::hardened();
    let mut flags = without(&node.apiserver_flags(), "anonymous-auth");
    flags.insert(1, "--anonymous-auth".into());
    flags.insert(2, "false".into());
    node.set_flags("kube-apiserver", &flags);
    let f = node.run();
    assert_status(&f, "1.2.1", Status::Fail);
    assert_eq!(find(&f, "1.2.1").found, "--anonymous-auth=true");
}

#[test]
fn authorization_config_file_is_read_for_authorizer_types() {
    let node = Node::hardened();
    let mut flags = without(&node.apiserver_flags(), "authorization-mode");
    flags.push(format!("--authorization-config={}", node.p("authz.yaml")));
    node.set_flags("kube-apiserver", &flags);
    node.write(
        "authz.yaml",
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\nauthorizers:\n- type: Node\n  name: node\n- type: RBAC\n  name: rbac\n",
        0o600,
    );
    let f = node.run();
    for id in ["1.2.6", "1.2.7", "1.2.8"] {
        assert_status(&f, id, Status::Pass);
    }
    node.write(
        "authz.yaml",
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\nauthorizers:\n- type: AlwaysAllow\n  name: all\n",
        0o600,
    );
    let f = node.run();
    for id in ["1.2.6", "1.2.7", "1.2.8"] {
        assert_status(&f, id, Status::Fail);
    }
    fs_remove(&node, "authz.yaml");
    let f = node.run();
    assert_status(&f, "1.2.6", Status::Warn);
}

fn fs_remove(node: &Node, rel: &str) {
    std::fs::remove_file(node.root().join(rel)).unwrap();
}

#[test]
fn encryption_with_identity_first_fails_and_unreadable_config_warns() {
    let node = Node::hardened();
    node.write(
        "encryption.yaml",
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets, configmaps]\n  providers:\n  - identity: {}\n  - aescbc:\n      keys: []\n",
        0o600,
    );
    let f = node.run();
    assert_status(&f, "1.2.28", Status::Fail);
    assert!(find(&f, "1.2.28").found.contains("identity"));
    fs_remove(&node, "encryption.yaml");
    let f = node.run();
    assert_status(&f, "1.2.28", Status::Warn);
    assert_status(&f, "1.2.27", Status::Pass);
}

#[test]
fn etcd_ca_with_the_cluster_ca_content_fails() {
    let node = Node::hardened();
    let ca = std::fs::read(node.root().join("pki/ca.crt")).unwrap();
    std::fs::write(node.root().join("pki/etcd/ca.crt"), ca).unwrap();
    assert_status(&node.run(), "2.7", Status::Fail);
}

#[test]
fn etcd_flags_from_environment_count() {
    // etcd reads ETCD_CLIENT_CERT_AUTH when the flag is not on its command line.
    let node = Node::hardened();
    let flags = without(&node.etcd_flags(), "client-cert-auth");
    let mut text = cis_support::pod("etcd", &flags);
    text.push_str("    env:\n    - name: ETCD_CLIENT_CERT_AUTH\n      value: \"true\"\n");
    node.write("manifests/etcd.yaml", &text, 0o600);
    assert_status(&node.run(), "2.2", Status::Pass);
    let text = text.replace("value: \"true\"", "value: \"false\"");
    node.write("manifests/etcd.yaml", &text, 0o600);
    assert_status(&node.run(), "2.2", Status::Fail);
}

#[test]
fn absent_components_are_skipped_with_the_reason() {
    let node = Node::hardened();
    fs_remove(&node, "manifests/etcd.yaml");
    let findings = node.run();
    for id in [
        "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "1.1.7", "1.1.8", "1.1.11", "1.1.12",
    ] {
        let f = find(&findings, id);
        assert_eq!(f.status, Status::Skip, "{id}");
        assert!(
            f.found.contains("no etcd static pod manifest"),
            "{id}: {}",
            f.found
        );
    }
    assert_status(&findings, "1.2.1", Status::Pass);
}
