//! `seccompProfile_restricted` (restricted, v1.19+): every container runs under
//! RuntimeDefault or Localhost seccomp, its own or the pod's; overrides
//! `seccompProfile_baseline`. Windows pods are exempt from v1.25.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::seccomp_baseline::{self, explicit_bad_types, valid_type};
use super::{Check, Flagged, exempting, versions};
use crate::standards::{Level, Violation};
use crate::visit::is_windows;

const ID: &str = "seccompProfile_restricted";
const OVERRIDES: &[&str] = &[seccomp_baseline::ID];

pub(crate) const CHECK: Check = Check::new(
    ID,
    Level::Restricted,
    versions![overrides OVERRIDES; 19 => v1_19, 25 => exempting!(is_windows, v1_19)],
);

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
    Flagged::containers(spec, "securityContext.seccompProfile.type", |c| {
        c.sc.and_then(|sc| sc.seccomp_profile.as_ref()).is_none()
    })
    .violation(ID, "seccompProfile", |f| {
        format!(
            r#"pod or {} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
            f.containers_phrase()
        )
    })
}
