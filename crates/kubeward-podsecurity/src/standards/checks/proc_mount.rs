//! `procMount` (baseline): containers keep the default /proc masks. From v1.35 any
//! procMount is allowed for user-namespaced pods (`hostUsers: false`); restricted
//! replaces that relaxed version with `procMount_restricted`.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Versioned};
use crate::standards::format::{containers_phrase, join_quote_iter};
use crate::standards::{Level, Violation};
use crate::visit::{containers, in_user_namespace};

pub(crate) const ID: &str = "procMount";

pub(crate) const CHECK: Check = Check {
    id: ID,
    level: Level::Baseline,
    versions: &[
        Versioned {
            min: 0,
            run: v1_0,
            overrides: &[],
        },
        Versioned {
            min: 35,
            run: v1_35,
            overrides: &[],
        },
    ],
};

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    strict(ID, spec)
}

fn v1_35(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    if in_user_namespace(spec) {
        return None;
    }
    strict(ID, spec)
}

/// The unrelaxed rule, shared with `procMount_restricted` (reported under `id`).
pub(crate) fn strict(id: &'static str, spec: &PodSpec) -> Option<Violation> {
    let mut names = Vec::new();
    let mut types = BTreeSet::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        if let Some(pm) = c.sc.and_then(|sc| sc.proc_mount.as_deref()) {
            if pm != "Default" {
                names.push(c.name);
                types.insert(pm);
                paths.push(c.path("securityContext.procMount"));
            }
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Violation::new(
        id,
        "procMount",
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&names),
            join_quote_iter(types)
        ),
        paths,
    ))
}
