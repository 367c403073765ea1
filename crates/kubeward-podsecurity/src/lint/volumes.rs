//! Volume mounts (KW141–KW143).
//!
//! Since Kubernetes 1.10 the kubelet mounts `secret`, `configMap`, `downwardAPI` and
//! `projected` volumes read-only whatever the mount says, so for them a missing
//! `readOnly` is harmless and only an explicit `readOnly: false` misleads. hostPath
//! mounts are writable unless the mount says `readOnly: true`.

use k8s_openapi::api::core::v1::{Volume, VolumeMount};
use kubeward_report::RuleMeta;

use super::{ContainerRef, Findings, LintContext, RuleInfo, Severity};

fn volume<'a>(ctx: &LintContext<'a>, name: &str) -> Option<&'a Volume> {
    ctx.spec.volumes.as_deref()?.iter().find(|v| v.name == name)
}

/// Every mount with its container and the volume it mounts.
fn mounts<'a>(
    ctx: &LintContext<'a>,
) -> impl Iterator<Item = (ContainerRef<'a>, usize, &'a VolumeMount, &'a Volume)> + use<'a> {
    let ctx = *ctx;
    ctx.containers().flat_map(move |c| {
        c.volume_mounts
            .iter()
            .enumerate()
            .filter_map(move |(i, m)| Some((c, i, m, volume(&ctx, &m.name)?)))
    })
}

pub(super) const KW141: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW141",
        title: "readOnly false on an always read-only volume",
        severity: Severity::Medium,
        fix: "set `readOnly: true` (or remove it). If the application must modify the files, copy them into an `emptyDir` in an init container.",
    },
    check: kw141,
};

fn kw141(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    for (c, i, m, v) in mounts(ctx) {
        let kind = if v.secret.is_some() {
            "secret"
        } else if v.projected.is_some() {
            "projected"
        } else if v.config_map.is_some() {
            "configMap"
        } else if v.downward_api.is_some() {
            "downwardAPI"
        } else {
            continue;
        };
        if m.read_only == Some(false) {
            out.report(
                format!("{}.volumeMounts[{i}].readOnly", c.at),
                format!(
                    "container \"{}\" mounts {kind} volume \"{}\" with readOnly: false, but \
                     the kubelet always mounts {kind} volumes read-only, so writes fail; \
                     set readOnly: true, and copy the files to an emptyDir if the \
                     container must change them",
                    c.name, v.name
                ),
            );
        }
    }
}

/// Host paths whose write access amounts to control of the node: system configuration,
/// kernel interfaces, binaries, and kubelet and container runtime state and sockets.
const SENSITIVE: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/sys",
    "/usr",
    "/var/lib/containerd",
    "/var/lib/containers",
    "/var/lib/docker",
    "/var/lib/kubelet",
    "/var/run",
];

/// The host path a mount reaches, `.` and `..` resolved, without a trailing slash.
fn host_path(path: &str, sub_path: Option<&str>) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let all = path.split('/').chain(sub_path.unwrap_or("").split('/'));
    for part in all {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for part in parts {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Whether `path` is a sensitive location, inside one, or a directory holding one.
fn is_sensitive(path: &str) -> bool {
    let within = |outer: &str, inner: &str| {
        outer == "/"
            || inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    SENSITIVE.iter().any(|s| within(s, path) || within(path, s))
}

/// Writable hostPath mounts with the host path each reaches.
fn writable_host_paths<'a>(
    ctx: &LintContext<'a>,
) -> impl Iterator<Item = (ContainerRef<'a>, usize, String)> + use<'a> {
    mounts(ctx).filter_map(|(c, i, m, v)| {
        let hp = v.host_path.as_ref()?;
        if m.read_only == Some(true) {
            return None;
        }
        Some((c, i, host_path(&hp.path, m.sub_path.as_deref())))
    })
}

pub(super) const KW142: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW142",
        title: "writable hostPath mount of a node system path",
        severity: Severity::High,
        fix: "mount with `readOnly: true`, mount a narrower path, or better, avoid hostPath.",
    },
    check: kw142,
};

fn kw142(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    for (c, i, path) in writable_host_paths(ctx) {
        if is_sensitive(&path) {
            out.report(
                format!("{}.volumeMounts[{i}].readOnly", c.at),
                format!(
                    "container \"{}\" can write to {path} on the node, which is enough to \
                     take over the node (system files, kernel interfaces, or the kubelet \
                     and container runtime); mount it with readOnly: true, or mount a \
                     narrower path",
                    c.name
                ),
            );
        }
    }
}

pub(super) const KW143: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW143",
        title: "writable hostPath mount",
        severity: Severity::Medium,
        fix: "use `readOnly: true` if the container only reads; otherwise prefer an `emptyDir` or a PersistentVolume.",
    },
    check: kw143,
};

fn kw143(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    for (c, i, path) in writable_host_paths(ctx) {
        if !is_sensitive(&path) {
            out.report(
                format!("{}.volumeMounts[{i}].readOnly", c.at),
                format!(
                    "container \"{}\" can write to {path} on the node; what it writes \
                     outlives the pod and is visible to other pods and node processes \
                     using that path; mount it with readOnly: true if it only reads",
                    c.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_paths_resolve_and_classify() {
        assert_eq!(host_path("/var/run/", None), "/var/run");
        assert_eq!(
            host_path("/var", Some("run/docker.sock")),
            "/var/run/docker.sock"
        );
        assert_eq!(host_path("/data/../etc", None), "/etc");
        assert_eq!(host_path("", None), "/");
        assert!(is_sensitive("/"));
        assert!(is_sensitive("/var"));
        assert!(is_sensitive("/var/run/docker.sock"));
        assert!(is_sensitive("/etc/ssl/certs"));
        assert!(!is_sensitive("/var/log"));
        assert!(!is_sensitive("/etcd-data"));
        assert!(!is_sensitive("/data"));
    }
}
