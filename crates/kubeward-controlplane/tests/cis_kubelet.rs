//! CIS 4.2 on the KubeletConfiguration file (named by the `--config` of the node's
//! drop-in): one pass and one fail per check, defaults of unset fields, and bad files.

mod cis_support;

use cis_support::{Node, assert_status, find};
use kubeward_controlplane::cis::{Status, load_kubelet_config};
use kubeward_controlplane::flags::FlagsError;
use kubeward_manifest::Limits;

/// (id, text in the hardened file, its weakened replacement).
const CASES: &[(&str, &str, &str)] = &[
    (
        "4.2.1",
        "anonymous:\n    enabled: false",
        "anonymous:\n    enabled: true",
    ),
    ("4.2.2", "mode: Webhook", "mode: AlwaysAllow"),
    ("4.2.3", "  x509:\n    clientCAFile: CA_FILE\n", ""),
    ("4.2.4", "readOnlyPort: 0", "readOnlyPort: 10255"),
    (
        "4.2.5",
        "streamingConnectionIdleTimeout: 5m0s",
        "streamingConnectionIdleTimeout: 0s",
    ),
    (
        "4.2.6",
        "makeIPTablesUtilChains: true",
        "makeIPTablesUtilChains: false",
    ),
    ("4.2.8", "eventRecordQPS: 50", "eventRecordQPS: -1"),
    (
        "4.2.9",
        "serverTLSBootstrap: true",
        "serverTLSBootstrap: false",
    ),
    (
        "4.2.10",
        "rotateCertificates: true",
        "rotateCertificates: false",
    ),
    (
        "4.2.11",
        "RotateKubeletServerCertificate: true",
        "RotateKubeletServerCertificate: false",
    ),
    (
        "4.2.12",
        "tlsCipherSuites:\n",
        "tlsCipherSuites:\n- TLS_RSA_WITH_AES_128_CBC_SHA\n",
    ),
    ("4.2.13", "podPidsLimit: 4096", "podPidsLimit: -1"),
    ("4.2.14", "seccompDefault: true", "seccompDefault: false"),
];

fn with_kubelet(node: &Node, text: &str) {
    node.write(
        "kubelet/config.yaml",
        &text.replace("CA_FILE", &node.p("pki/ca.crt")),
        0o600,
    );
}

#[test]
fn hardened_passes_and_each_weakened_field_fails() {
    let findings = Node::hardened().run();
    for (id, _, _) in CASES {
        assert_status(&findings, id, Status::Pass);
    }
    // The drop-in's command line has no --hostname-override.
    assert_status(&findings, "4.2.7", Status::Pass);
    assert_eq!(
        find(&findings, "4.2.7").found,
        "--hostname-override not set (systemd drop-in)"
    );
    for (id, from, to) in CASES {
        let node = Node::hardened();
        assert!(Node::KUBELET_HARDENED.contains(from), "{id}");
        with_kubelet(&node, &Node::KUBELET_HARDENED.replace(from, to));
        let f = node.run();
        let f = find(&f, id);
        assert_eq!(f.status, Status::Fail, "{id}: {f:#?}");
        assert_eq!(f.component, "kubelet");
        assert!(
            f.file.as_deref().unwrap_or("").contains("config.yaml"),
            "{id}"
        );
    }
}

#[test]
fn unset_fields_take_the_config_file_defaults() {
    let node = Node::hardened();
    with_kubelet(
        &node,
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
    );
    let f = node.run();
    // Defaults of the v1beta1 file: anonymous off, Webhook, read-only port 0, 4h.
    for id in [
        "4.2.1", "4.2.2", "4.2.4", "4.2.5", "4.2.6", "4.2.8", "4.2.10", "4.2.11",
    ] {
        assert_status(&f, id, Status::Pass);
    }
    for id in ["4.2.3", "4.2.9", "4.2.12", "4.2.13", "4.2.14"] {
        assert_status(&f, id, Status::Fail);
    }
    assert_eq!(find(&f, "4.2.14").found, "seccompDefault not set (false)");
    // No clientCAFile: the CA file checks have nothing to look at.
    assert_status(&f, "4.1.7", Status::Skip);
}

#[test]
fn json_configuration_is_read_too() {
    let node = Node::hardened();
    with_kubelet(
        &node,
        r#"{"apiVersion":"kubelet.config.k8s.io/v1beta1","kind":"KubeletConfiguration","readOnlyPort":10255,"tlsCertFile":"/a.crt","tlsPrivateKeyFile":"/a.key"}"#,
    );
    let f = node.run();
    assert_status(&f, "4.2.4", Status::Fail);
    assert_eq!(find(&f, "4.2.4").found, "readOnlyPort: 10255");
    assert_status(&f, "4.2.9", Status::Pass);
}

#[test]
fn bad_kubelet_files_name_the_file_and_field() {
    let node = Node::hardened();
    let path = node.root().join("kubelet/config.yaml");
    let load = || load_kubelet_config(&path, &Limits::default());

    node.write("kubelet/config.yaml", "apiVersion: v1\nkind: Pod\n", 0o600);
    let e = load().unwrap_err();
    assert!(
        matches!(&e, FlagsError::Field { field, .. } if field == "kind"),
        "{e}"
    );
    assert!(e.to_string().contains("config.yaml:2"), "{e}");

    node.write("kubelet/config.yaml", "kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\nauthentication: [\n", 0o600);
    let e = load().unwrap_err();
    assert!(
        e.to_string().contains("config.yaml") && e.to_string().contains("invalid YAML"),
        "{e}"
    );

    node.write("kubelet/config.yaml", "", 0o600);
    assert!(load().unwrap_err().to_string().contains("empty file"));

    std::fs::remove_file(&path).unwrap();
    assert!(load().unwrap_err().to_string().contains("no such file"));
}

#[test]
fn without_a_kubelet_configuration_its_checks_are_skipped() {
    let node = Node::hardened();
    std::fs::remove_file(node.root().join("kubelet/config.yaml")).unwrap();
    let f = node.run();
    for id in ["4.2.1", "4.2.14", "4.1.9", "4.1.10", "4.1.7"] {
        assert_status(&f, id, Status::Skip);
    }
}
