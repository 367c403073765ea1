//! `privileged` (baseline, v1.0+): no container may set `privileged: true`.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Flagged, versions};
use crate::standards::{Level, Violation};

const ID: &str = "privileged";

pub(crate) const CHECK: Check = Check::new(ID, Level::Baseline, versions![0 => v1_0]);

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    Flagged::containers(spec, "securityContext.privileged", |c| {
        c.sc.and_then(|sc| sc.privileged) == Some(true)
    })
    .violation(ID, "privileged", |f| {
        format!(
            "{} must not set securityContext.privileged=true",
            f.containers_phrase()
        )
    })
}
