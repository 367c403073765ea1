//! `allowPrivilegeEscalation` (restricted, v1.8+): every container sets
//! `allowPrivilegeEscalation: false` explicitly. Windows pods are exempt from v1.25.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Flagged, exempting, versions};
use crate::standards::{Level, Violation};
use crate::visit::is_windows;

const ID: &str = "allowPrivilegeEscalation";

pub(crate) const CHECK: Check = Check::new(
    ID,
    Level::Restricted,
    versions![8 => v1_8, 25 => exempting!(is_windows, v1_8)],
);

fn v1_8(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    Flagged::containers(spec, "securityContext.allowPrivilegeEscalation", |c| {
        // Unset counts as allowed escalation: the field must be false.
        c.sc.and_then(|sc| sc.allow_privilege_escalation) != Some(false)
    })
    .violation(ID, "allowPrivilegeEscalation != false", |f| {
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            f.containers_phrase()
        )
    })
}
