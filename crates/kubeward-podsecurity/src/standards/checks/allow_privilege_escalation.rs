//! `allowPrivilegeEscalation` (restricted, v1.8+): every container sets
//! `allowPrivilegeEscalation: false` explicitly. Windows pods are exempt from v1.25.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Versioned};
use crate::standards::format::containers_phrase;
use crate::standards::{Level, Violation};
use crate::visit::{containers, is_windows};

const ID: &str = "allowPrivilegeEscalation";

pub(crate) const CHECK: Check = Check {
    id: ID,
    level: Level::Restricted,
    versions: &[
        Versioned {
            min: 8,
            run: v1_8,
            overrides: &[],
        },
        Versioned {
            min: 25,
            run: v1_25,
            overrides: &[],
        },
    ],
};

fn v1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    if is_windows(spec) {
        return None;
    }
    v1_8(meta, spec)
}

fn v1_8(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let mut names = Vec::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        // Unset counts as allowed escalation: the field must be false.
        if c.sc.and_then(|sc| sc.allow_privilege_escalation) != Some(false) {
            names.push(c.name);
            paths.push(c.path("securityContext.allowPrivilegeEscalation"));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Violation::new(
        ID,
        "allowPrivilegeEscalation != false",
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&names)
        ),
        paths,
    ))
}
