//! Sweep over every policy minor (v1.0 to v1.37) and both levels: the minimal
//! restricted pod for that minor passes, and for each check a pod with one bad
//! setting fails with exactly that check (or, in restricted, the check overriding
//! it) whenever the check exists at that minor, and passes when it does not.

#[path = "fixtures/pss/common.rs"]
mod common;

use common::*;
use kubeward_podsecurity::standards::{Level, NEWEST_MINOR, all_checks};
use serde_json::{Value, json};

/// The one bad setting that trips `check` (and nothing else) on the minimal pod.
fn bad_pod(check: &str, minor: u32) -> Value {
    let p = base(minor);
    let c = "/spec/containers/0";
    match check {
        "allowPrivilegeEscalation" => with(
            p,
            &[(
                &format!("{c}/securityContext/allowPrivilegeEscalation"),
                json!(true),
            )],
        ),
        "appArmorProfile" => with(
            p,
            &[(
                "/metadata/annotations",
                json!({ "container.apparmor.security.beta.kubernetes.io/container1": "unconfined" }),
            )],
        ),
        "capabilities_baseline" | "capabilities_restricted" => with(
            p,
            &[(
                &format!("{c}/securityContext/capabilities/add"),
                json!(["SYS_ADMIN"]),
            )],
        ),
        "hostNamespaces" => with(p, &[("/spec/hostIPC", json!(true))]),
        "hostPathVolumes" => with(
            p,
            &[(
                "/spec/volumes",
                json!([{ "name": "h", "hostPath": { "path": "/" } }]),
            )],
        ),
        "hostPorts" => with(
            p,
            &[(
                &format!("{c}/ports"),
                json!([{ "containerPort": 80, "hostPort": 80 }]),
            )],
        ),
        "hostProbesAndHostLifecycle" => with(
            p,
            &[(
                &format!("{c}/readinessProbe/tcpSocket"),
                json!({ "port": 80, "host": "10.0.0.1" }),
            )],
        ),
        "privileged" => with(
            p,
            &[(&format!("{c}/securityContext/privileged"), json!(true))],
        ),
        "procMount" | "procMount_restricted" => with(
            p,
            &[(&format!("{c}/securityContext/procMount"), json!("Unmasked"))],
        ),
        "restrictedVolumes" => with(
            p,
            &[(
                "/spec/volumes",
                json!([{ "name": "g", "gitRepo": { "repository": "r" } }]),
            )],
        ),
        "runAsNonRoot" => with(
            p,
            &[(&format!("{c}/securityContext/runAsNonRoot"), json!(false))],
        ),
        "runAsUser" => with(p, &[(&format!("{c}/securityContext/runAsUser"), json!(0))]),
        "seLinuxOptions" => with(
            p,
            &[(
                &format!("{c}/securityContext/seLinuxOptions/role"),
                json!("sysadm_r"),
            )],
        ),
        // Annotation for versions before v1.19, field from v1.19: one pod covers both.
        "seccompProfile_baseline" | "seccompProfile_restricted" => with(
            p,
            &[
                (
                    "/metadata/annotations",
                    json!({ "seccomp.security.alpha.kubernetes.io/pod": "unconfined" }),
                ),
                (
                    &format!("{c}/securityContext/seccompProfile/type"),
                    json!("Unconfined"),
                ),
            ],
        ),
        "sysctls" => with(
            p,
            &[(
                "/spec/securityContext/sysctls",
                json!([{ "name": "kernel.sem", "value": "1" }]),
            )],
        ),
        "windowsHostProcess" => with(
            p,
            &[(
                &format!("{c}/securityContext/windowsOptions/hostProcess"),
                json!(true),
            )],
        ),
        other => panic!("no bad pod for {other}"),
    }
}

fn exists(id: &str, minor: u32) -> bool {
    all_checks()
        .iter()
        .any(|c| c.id == id && c.minimum_versions.first().is_some_and(|m| *m <= minor))
}

/// The restricted check that supersedes `id` at `minor`, per the override table.
fn overrider(id: &str, minor: u32) -> Option<&'static str> {
    match id {
        "hostPathVolumes" => Some("restrictedVolumes"),
        "seccompProfile_baseline" if minor >= 19 => Some("seccompProfile_restricted"),
        "capabilities_baseline" if minor >= 22 => Some("capabilities_restricted"),
        "procMount" if minor >= 35 => Some("procMount_restricted"),
        _ => None,
    }
}

/// The baseline check catching the same bad setting as a restricted check that
/// overrides it (the bad pods are shared).
fn baseline_twin(id: &str) -> Option<&'static str> {
    match id {
        "seccompProfile_restricted" => Some("seccompProfile_baseline"),
        "capabilities_restricted" => Some("capabilities_baseline"),
        "procMount_restricted" => Some("procMount"),
        _ => None,
    }
}

fn failing(level: &str, version: &str, p: &Value) -> Vec<&'static str> {
    eval(level, version, p).iter().map(|v| v.check).collect()
}

#[test]
fn minimal_pod_passes_every_version_and_level() {
    for minor in 0..=NEWEST_MINOR {
        for level in ["privileged", "baseline", "restricted"] {
            passes(level, &format!("v1.{minor}"), &base(minor));
        }
    }
}

#[test]
fn each_check_fails_exactly_where_it_exists() {
    for minor in 0..=NEWEST_MINOR {
        let version = format!("v1.{minor}");
        for info in all_checks() {
            let p = bad_pod(info.id, minor);
            let here = exists(info.id, minor);

            // Baseline runs only baseline checks.
            let want_baseline: Vec<&str> = match info.level {
                Level::Baseline if here => vec![info.id],
                Level::Restricted => baseline_twin(info.id).into_iter().collect(),
                _ => vec![],
            };
            assert_eq!(
                failing("baseline", &version, &p),
                want_baseline,
                "baseline {version} {}",
                info.id
            );

            // Restricted runs everything, with overridden baseline checks replaced;
            // before a restricted check exists its baseline twin still catches the pod.
            let want_restricted: Vec<&str> = if here {
                vec![overrider(info.id, minor).unwrap_or(info.id)]
            } else {
                baseline_twin(info.id).into_iter().collect()
            };
            assert_eq!(
                failing("restricted", &version, &p),
                want_restricted,
                "restricted {version} {}",
                info.id
            );

            assert!(failing("privileged", &version, &p).is_empty());
        }
    }
}
