//! The check catalogue: one module per upstream check, each declaring its id, level
//! and versioned implementations. The registry turns this table into run lists.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::format::{containers_phrase, setters};
use super::{Level, Violation};
use crate::visit::{Ctr, containers};

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

impl Check {
    /// One line per check, so the files differ only where the checks do.
    pub(crate) const fn new(
        id: &'static str,
        level: Level,
        versions: &'static [Versioned],
    ) -> Self {
        Check {
            id,
            level,
            versions,
        }
    }
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

/// A version table: `versions![0 => v1_0, 35 => v1_35]`, ascending `min`. A
/// restricted check that supersedes baseline ones names them once, up front:
/// `versions![overrides OVERRIDES; 19 => v1_19]`, because upstream applies the same
/// override to every version of it.
macro_rules! versions {
    (overrides $ov:expr; $($min:expr => $run:expr),+ $(,)?) => {
        &[$($crate::standards::checks::Versioned {
            min: $min,
            run: $run,
            overrides: $ov,
        }),+]
    };
    ($($min:expr => $run:expr),+ $(,)?) => {
        $crate::standards::checks::versions![overrides &[]; $($min => $run),+]
    };
}
pub(crate) use versions;

/// An implementation that passes pods `exempt` matches and otherwise runs `run`:
/// how upstream adds the Windows (v1.25) and user-namespace (v1.35) exemptions
/// without touching the older implementation.
macro_rules! exempting {
    ($exempt:path, $run:path) => {
        |meta, spec| {
            if $exempt(spec) {
                None
            } else {
                $run(meta, spec)
            }
        }
    };
}
pub(crate) use exempting;

/// Who a check flagged: the pod level (when it has one), the containers in upstream
/// order, and the path of every offending field. Most checks only differ in the
/// field they read, so the walk and the emptiness test live here once.
pub(crate) struct Flagged<'a> {
    pub pod: bool,
    pub names: Vec<&'a str>,
    pub paths: Vec<String>,
}

impl<'a> Flagged<'a> {
    /// Flags each container `bad` picks, at `field` below it.
    pub fn containers(spec: &'a PodSpec, field: &str, bad: impl FnMut(&Ctr<'a>) -> bool) -> Self {
        Self::pod_and_containers(spec, false, field, bad)
    }

    /// Like [`Flagged::containers`], with the pod's own `spec.<field>` first when
    /// `pod` is set, as upstream lists the pod before its containers.
    pub fn pod_and_containers(
        spec: &'a PodSpec,
        pod: bool,
        field: &str,
        mut bad: impl FnMut(&Ctr<'a>) -> bool,
    ) -> Self {
        let mut flagged = Flagged {
            pod,
            names: Vec::new(),
            paths: Vec::new(),
        };
        if pod {
            flagged.paths.push(format!("spec.{field}"));
        }
        for c in containers(spec) {
            if bad(&c) {
                flagged.names.push(c.name);
                flagged.paths.push(c.path(field));
            }
        }
        flagged
    }

    /// Flags what is not a container (volumes, sysctls, namespaces): each item is
    /// its name and the path of its offending field.
    pub fn of(items: impl IntoIterator<Item = (&'a str, String)>) -> Self {
        let (names, paths) = items.into_iter().unzip();
        Flagged {
            pod: false,
            names,
            paths,
        }
    }

    /// `containers "a", "b"`.
    pub fn containers_phrase(&self) -> String {
        containers_phrase(&self.names)
    }

    /// `pod and containers "a", "b"`, leaving out whichever part is clean.
    pub fn setters(&self) -> String {
        setters(self.pod, &self.names)
    }

    /// `None` when nothing was flagged, else the violation whose detail `detail`
    /// words from what was flagged.
    pub fn violation(
        self,
        id: &'static str,
        reason: &str,
        detail: impl FnOnce(&Self) -> String,
    ) -> Option<Violation> {
        if self.paths.is_empty() {
            return None;
        }
        let detail = detail(&self);
        Some(Violation::new(id, reason, detail, self.paths))
    }
}
