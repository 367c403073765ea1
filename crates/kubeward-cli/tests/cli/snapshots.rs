//! The human-facing text outputs byte for byte, as insta snapshots (`snapshots/`): scan's
//! report, `rules list` and `controlplane check`. Any change to their wording, order,
//! alignment or spacing shows as a snapshot diff to review (`cargo insta review`, or
//! `INSTA_UPDATE=always` and `git diff`); the other tests check what the lines mean.

use kubeward_testkit::cli::args;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use crate::common::{Fixture, PRIVILEGED_POD, run, run_stdin};

#[test]
fn scan_text_of_the_shipped_examples() {
    let examples = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples"));
    insta::assert_snapshot!(run(examples, &["scan", "."]).transcript());
}

#[test]
fn scan_text_with_errors_and_a_denied_pod() {
    let f = Fixture::new(&[
        ("pod.yaml", PRIVILEGED_POD),
        (
            "broken.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n",
        ),
    ]);
    let r = run(
        f.root(),
        &args("scan --level baseline pod.yaml broken.yaml missing.yaml"),
    );
    insta::assert_snapshot!(r.transcript());
}

#[test]
fn rules_list_of_the_default_rules() {
    insta::assert_snapshot!(run_stdin(&["rules", "list"], "").transcript());
}

#[test]
fn controlplane_check_text() {
    const MANIFEST: &str = "etc/kubernetes/manifests/kube-apiserver.yaml";
    const KUBELET: &str = "var/lib/kubelet/config.yaml";
    let f = Fixture::new(&[
        (
            MANIFEST,
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\n\
             spec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.34.0\n    \
             command:\n    - kube-apiserver\n    - --authorization-mode=AlwaysAllow\n    \
             - --anonymous-auth=false\n    - --etcd-servers=https://127.0.0.1:2379\n",
        ),
        (
            KUBELET,
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
             authentication:\n  anonymous:\n    enabled: true\nreadOnlyPort: 10255\n",
        ),
    ]);
    for file in [MANIFEST, KUBELET] {
        std::fs::set_permissions(f.path(file), std::fs::Permissions::from_mode(0o600))
            .expect("chmod");
    }
    // The ownership checks pass only for files owned by root:root, which only root can make.
    if std::fs::metadata(f.path(MANIFEST)).expect("stat").uid() != 0 {
        println!("skipping: the ownership checks' verdicts need the test to run as root");
        return;
    }
    let r = run(
        f.root(),
        &[
            "controlplane",
            "check",
            "--manifests",
            "etc/kubernetes/manifests",
            "--kubelet-config",
            KUBELET,
            "--kubelet-service",
            "none/kubelet.service",
            "--proxy-kubeconfig",
            "none/proxy.conf",
            "--cni-dir",
            "none/cni",
            "--proc-root",
            "none/proc",
        ],
    );
    insta::assert_snapshot!(r.transcript());
}
