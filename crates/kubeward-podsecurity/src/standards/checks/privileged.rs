//! `privileged` (baseline, v1.0+): no container may set `privileged: true`.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, since};
use crate::standards::format::containers_phrase;
use crate::standards::{Level, Violation};
use crate::visit::containers;

const ID: &str = "privileged";

pub(crate) const CHECK: Check = Check {
    id: ID,
    level: Level::Baseline,
    versions: since!(0, v1_0),
};

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let mut names = Vec::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        if c.sc.and_then(|sc| sc.privileged) == Some(true) {
            names.push(c.name);
            paths.push(c.path("securityContext.privileged"));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Violation::new(
        ID,
        "privileged",
        format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&names)
        ),
        paths,
    ))
}
