//! `runAsNonRoot` (restricted, v1.0+): every container runs with
//! `runAsNonRoot: true`, its own or inherited from the pod; nobody sets `false`.
//! From v1.35 user-namespaced pods (`hostUsers: false`) are exempt.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::Flagged;
use super::{Check, exempting, versions};
use crate::standards::{Level, Violation};
use crate::visit::{Ctr, in_user_namespace};

const ID: &str = "runAsNonRoot";
const REASON: &str = "runAsNonRoot != true";
const FIELD: &str = "securityContext.runAsNonRoot";

pub(crate) const CHECK: Check = Check::new(
    ID,
    Level::Restricted,
    versions![0 => v1_0, 35 => exempting!(in_user_namespace, v1_0)],
);

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let pod_value = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.run_as_non_root);
    let own = |c: &Ctr<'_>| c.sc.and_then(|sc| sc.run_as_non_root);
    // An explicit false anywhere hides the containers that merely inherit nothing.
    Flagged::pod_and_containers(spec, pod_value == Some(false), FIELD, |c| {
        own(c) == Some(false)
    })
    .violation(ID, REASON, |f| {
        format!(
            "{} must not set securityContext.runAsNonRoot=false",
            f.setters()
        )
    })
    .or_else(|| {
        Flagged::containers(spec, FIELD, |c| own(c).is_none() && pod_value != Some(true)).violation(
            ID,
            REASON,
            |f| {
                format!(
                    "pod or {} must set securityContext.runAsNonRoot=true",
                    f.containers_phrase()
                )
            },
        )
    })
}
