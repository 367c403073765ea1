//! `runAsUser` (restricted, v1.23+): nobody sets `runAsUser: 0`; a pod-level 0 fails
//! even when every container overrides it. From v1.35 user-namespaced pods
//! (`hostUsers: false`) are exempt.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Flagged, exempting, versions};
use crate::standards::{Level, Violation};
use crate::visit::in_user_namespace;

const ID: &str = "runAsUser";

pub(crate) const CHECK: Check = Check::new(
    ID,
    Level::Restricted,
    versions![23 => v1_23, 35 => exempting!(in_user_namespace, v1_23)],
);

fn v1_23(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let pod = spec.security_context.as_ref().and_then(|sc| sc.run_as_user) == Some(0);
    Flagged::pod_and_containers(spec, pod, "securityContext.runAsUser", |c| {
        c.sc.and_then(|sc| sc.run_as_user) == Some(0)
    })
    .violation(ID, "runAsUser=0", |f| {
        format!("{} must not set runAsUser=0", f.setters())
    })
}
