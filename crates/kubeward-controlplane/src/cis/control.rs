//! CIS 1.3 (kube-controller-manager) and 1.4 (kube-scheduler).
//!
//! Unlike kube-bench, an absent `--bind-address` fails: both components default to
//! `0.0.0.0`, so leaving it out serves their endpoints on every interface.

use super::Severity;
use super::judge::{Check, Rule, Test, Unset, required, rule};

const LOOPBACK: &[&str] = &["127.0.0.1", "::1", "localhost"];

use super::judge::check;

const PROFILING: Rule = rule(
    "profiling",
    Test::Bool(false),
    Unset::Fail("defaults to true"),
);
const BIND: Rule = rule(
    "bind-address",
    Test::OneOf(LOOPBACK),
    Unset::Fail("defaults to 0.0.0.0, every interface"),
);

pub(crate) const CONTROLLER_MANAGER: &[Check] = &[
    check(
        "1.3.1",
        "Terminated pods are garbage collected at a set threshold",
        Severity::Low,
        false,
        &[required("terminated-pod-gc-threshold")],
        "Set --terminated-pod-gc-threshold to a number of terminated pods the cluster can afford to keep (the default 12500 is large).",
    ),
    check(
        "1.3.2",
        "Controller manager profiling is off",
        Severity::Low,
        true,
        &[PROFILING],
        "Add --profiling=false to the kube-controller-manager manifest.",
    ),
    check(
        "1.3.3",
        "Controllers use their own service account credentials",
        Severity::Medium,
        true,
        &[rule(
            "use-service-account-credentials",
            Test::Bool(true),
            Unset::Fail("defaults to false"),
        )],
        "Add --use-service-account-credentials=true so each controller acts with its own, narrower RBAC role.",
    ),
    check(
        "1.3.4",
        "The service account token signing key is set",
        Severity::High,
        true,
        &[required("service-account-private-key-file")],
        "Set --service-account-private-key-file (kubeadm: /etc/kubernetes/pki/sa.key).",
    ),
    check(
        "1.3.5",
        "Service accounts receive the cluster's root CA",
        Severity::Medium,
        true,
        &[required("root-ca-file")],
        "Set --root-ca-file to the cluster CA (kubeadm: /etc/kubernetes/pki/ca.crt) so pods can verify the API server.",
    ),
    check(
        "1.3.6",
        "Kubelet serving certificates rotate",
        Severity::Medium,
        true,
        &[rule(
            "feature-gates",
            Test::GateNot("RotateKubeletServerCertificate", false),
            Unset::Pass("on by default"),
        )],
        "Remove RotateKubeletServerCertificate=false from --feature-gates.",
    ),
    check(
        "1.3.7",
        "The controller manager listens on loopback only",
        Severity::Medium,
        true,
        &[BIND],
        "Set --bind-address=127.0.0.1 in the kube-controller-manager manifest.",
    ),
];

pub(crate) const SCHEDULER: &[Check] = &[
    check(
        "1.4.1",
        "Scheduler profiling is off",
        Severity::Low,
        true,
        &[PROFILING],
        "Add --profiling=false to the kube-scheduler manifest.",
    ),
    check(
        "1.4.2",
        "The scheduler listens on loopback only",
        Severity::Medium,
        true,
        &[BIND],
        "Set --bind-address=127.0.0.1 in the kube-scheduler manifest.",
    ),
];
