//! CIS 2 (etcd), judged on etcd's static pod flags and its `ETCD_*` environment.

use kubeward_report::RuleMeta;
use std::fs;

use super::judge::{self, Check, Ctx, Judge, Outcome, Rule, Test, Unset, required, rule};
use super::{Severity, Status};
use crate::flags::Component;

/// Every etcd check is automated.
const fn check(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    rules: &'static [Rule],
    remediation: &'static str,
) -> Check {
    judge::check(id, title, severity, true, rules, remediation)
}

pub(crate) const CHECKS: &[Check] = &[
    check(
        "2.1",
        "etcd serves clients over TLS",
        Severity::High,
        &[required("cert-file"), required("key-file")],
        "Set --cert-file and --key-file in the etcd manifest (kubeadm: /etc/kubernetes/pki/etcd/server.{crt,key}).",
    ),
    check(
        "2.2",
        "etcd requires client certificates",
        Severity::Critical,
        &[rule(
            "client-cert-auth",
            Test::Bool(true),
            Unset::Fail("defaults to false"),
        )],
        "Add --client-cert-auth=true; without it anyone reaching the client port reads every Secret.",
    ),
    check(
        "2.3",
        "etcd does not use self-signed client certificates",
        Severity::Medium,
        &[rule(
            "auto-tls",
            Test::Bool(false),
            Unset::Pass("defaults to false"),
        )],
        "Remove --auto-tls (or set it to false) and give etcd certificates from its CA.",
    ),
    check(
        "2.4",
        "etcd peers talk over TLS",
        Severity::High,
        &[required("peer-cert-file"), required("peer-key-file")],
        "Set --peer-cert-file and --peer-key-file (kubeadm: /etc/kubernetes/pki/etcd/peer.{crt,key}).",
    ),
    check(
        "2.5",
        "etcd requires peer certificates",
        Severity::High,
        &[rule(
            "peer-client-cert-auth",
            Test::Bool(true),
            Unset::Fail("defaults to false"),
        )],
        "Add --peer-client-cert-auth=true.",
    ),
    check(
        "2.6",
        "etcd peers do not use self-signed certificates",
        Severity::Medium,
        &[rule(
            "peer-auto-tls",
            Test::Bool(false),
            Unset::Pass("defaults to false"),
        )],
        "Remove --peer-auto-tls (or set it to false).",
    ),
    Check {
        meta: RuleMeta {
            id: "2.7",
            title: "etcd trusts its own CA, not the cluster's",
            severity: Severity::Medium,
            fix: "Give etcd a CA of its own (kubeadm: /etc/kubernetes/pki/etcd/ca.crt) for --trusted-ca-file; with the cluster CA, every certificate the cluster signs can read and write etcd.",
        },
        automated: false,
        judge: Judge::Custom(unique_ca),
    },
];

/// etcd's `--trusted-ca-file` must not be the API server's `--client-ca-file`, by path
/// or by content.
fn unique_ca(ctx: &Ctx<'_>) -> Outcome {
    let lk = ctx.lookup;
    let line = lk.line("trusted-ca-file");
    let Some(etcd_ca) = lk.scalar("trusted-ca-file").filter(|v| !v.is_empty()) else {
        return Outcome::new(Status::Fail, "--trusted-ca-file not set");
    };
    let with = |status, found: String| Outcome {
        status,
        found,
        line,
        file: None,
    };
    let shown = format!("--trusted-ca-file={etcd_ca}");
    let Some(client_ca) = ctx
        .inputs
        .manifests
        .get(Component::KubeApiserver)
        .and_then(|p| p.flags.value("client-ca-file"))
    else {
        return with(
            Status::Warn,
            format!("{shown}; no kube-apiserver --client-ca-file to compare with"),
        );
    };
    if client_ca == etcd_ca {
        return with(
            Status::Fail,
            format!("{shown}, the same file as kube-apiserver --client-ca-file"),
        );
    }
    match (fs::read(&etcd_ca), fs::read(client_ca)) {
        (Ok(a), Ok(b)) if a.trim_ascii() == b.trim_ascii() => with(
            Status::Fail,
            format!(
                "{shown} holds the same certificates as kube-apiserver --client-ca-file={client_ca}"
            ),
        ),
        (Ok(_), Ok(_)) => with(
            Status::Pass,
            format!("{shown}, distinct from kube-apiserver --client-ca-file={client_ca}"),
        ),
        _ => with(
            Status::Warn,
            format!(
                "{shown}; differs by path from --client-ca-file={client_ca}, contents not readable here"
            ),
        ),
    }
}
