//! `seccompProfile_restricted` (restricted, v1.19+): every container runs under
//! RuntimeDefault or Localhost seccomp, its own or the pod's; overrides
//! `seccompProfile_baseline`. Windows pods are exempt from v1.25.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::seccomp_baseline::{self, explicit_bad_types, valid_type};
use super::{Check, Versioned};
use crate::standards::format::containers_phrase;
use crate::standards::{Level, Violation};
use crate::visit::{containers, is_windows};

const ID: &str = "seccompProfile_restricted";
const OVERRIDES: &[&str] = &[seccomp_baseline::ID];

pub(crate) const CHECK: Check = Check {
    id: ID,
    level: Level::Restricted,
    versions: &[
        Versioned {
            min: 19,
            run: v1_19,
            overrides: OVERRIDES,
        },
        Versioned {
            min: 25,
            run: v1_25,
            overrides: OVERRIDES,
        },
    ],
};

fn v1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    if is_windows(spec) {
        return None;
    }
    v1_19(meta, spec)
}

fn v1_19(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    // Explicit bad values take priority over missing ones.
    if let Some(v) = explicit_bad_types(ID, spec) {
        return Some(v);
    }
    let pod_covers = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
        .is_some_and(|p| valid_type(&p.type_));
    if pod_covers {
        // Every container is covered: any own profile is valid (checked above).
        return None;
    }
    let mut names = Vec::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        if c.sc.and_then(|sc| sc.seccomp_profile.as_ref()).is_none() {
            names.push(c.name);
            paths.push(c.path("securityContext.seccompProfile.type"));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Violation::new(
        ID,
        "seccompProfile",
        format!(
            r#"pod or {} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
            containers_phrase(&names)
        ),
        paths,
    ))
}
