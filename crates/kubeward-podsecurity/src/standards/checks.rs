//! The check catalogue: one module per upstream check, each declaring its id, level
//! and versioned implementations. The registry turns this table into run lists.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Level, Violation};

mod allow_privilege_escalation;
mod app_armor_profile;
mod capabilities_baseline;
mod capabilities_restricted;
mod host_namespaces;
mod host_path_volumes;
mod host_ports;
mod host_probes;
mod privileged;
mod proc_mount;
mod proc_mount_restricted;
mod restricted_volumes;
mod run_as_non_root;
mod run_as_user;
mod se_linux_options;
mod seccomp_baseline;
mod seccomp_restricted;
mod sysctls;
mod windows_host_process;

/// One check implementation: `None` when the pod is allowed.
pub(crate) type CheckFn = fn(&ObjectMeta, &PodSpec) -> Option<Violation>;

/// An implementation that applies from `min` (a v1 minor) up to the next one's `min`.
pub(crate) struct Versioned {
    pub min: u32,
    pub run: CheckFn,
    /// Baseline check ids this restricted implementation supersedes.
    pub overrides: &'static [&'static str],
}

/// A check: its upstream id, level and versioned implementations (ascending `min`).
pub(crate) struct Check {
    pub id: &'static str,
    pub level: Level,
    pub versions: &'static [Versioned],
}

/// Every check, in no particular order (the registry sorts them).
pub(crate) const ALL: &[&Check] = &[
    &allow_privilege_escalation::CHECK,
    &app_armor_profile::CHECK,
    &capabilities_baseline::CHECK,
    &capabilities_restricted::CHECK,
    &host_namespaces::CHECK,
    &host_path_volumes::CHECK,
    &host_ports::CHECK,
    &host_probes::CHECK,
    &privileged::CHECK,
    &proc_mount::CHECK,
    &proc_mount_restricted::CHECK,
    &restricted_volumes::CHECK,
    &run_as_non_root::CHECK,
    &run_as_user::CHECK,
    &se_linux_options::CHECK,
    &seccomp_baseline::CHECK,
    &seccomp_restricted::CHECK,
    &sysctls::CHECK,
    &windows_host_process::CHECK,
];

/// A one-implementation-from-v1.0 version table, the common case.
macro_rules! since {
    ($min:expr, $run:expr) => {
        &[$crate::standards::checks::Versioned {
            min: $min,
            run: $run,
            overrides: &[],
        }]
    };
}
pub(crate) use since;
