//! `procMount` (baseline): containers keep the default /proc masks. From v1.35 any
//! procMount is allowed for user-namespaced pods (`hostUsers: false`); restricted
//! replaces that relaxed version with `procMount_restricted`.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Flagged, exempting, versions};
use crate::standards::format::join_quote_iter;
use crate::standards::{Level, Violation};
use crate::visit::in_user_namespace;

pub(crate) const ID: &str = "procMount";

pub(crate) const CHECK: Check = Check::new(
    ID,
    Level::Baseline,
    versions![0 => v1_0, 35 => exempting!(in_user_namespace, v1_0)],
);

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    strict(ID, spec)
}

/// The unrelaxed rule, shared with `procMount_restricted` (reported under `id`).
pub(crate) fn strict(id: &'static str, spec: &PodSpec) -> Option<Violation> {
    let mut types = BTreeSet::new();
    let flagged = Flagged::containers(spec, "securityContext.procMount", |c| {
        match c.sc.and_then(|sc| sc.proc_mount.as_deref()) {
            Some(pm) if pm != "Default" => {
                types.insert(pm);
                true
            }
            _ => false,
        }
    });
    flagged.violation(id, "procMount", |f| {
        format!(
            "{} must not set securityContext.procMount to {}",
            f.containers_phrase(),
            join_quote_iter(types)
        )
    })
}
