//! `runAsUser` (restricted, v1.23+): nobody sets `runAsUser: 0`; a pod-level 0 fails
//! even when every container overrides it. From v1.35 user-namespaced pods
//! (`hostUsers: false`) are exempt.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Versioned};
use crate::standards::format::setters;
use crate::standards::{Level, Violation};
use crate::visit::{containers, in_user_namespace};

const ID: &str = "runAsUser";

pub(crate) const CHECK: Check = Check {
    id: ID,
    level: Level::Restricted,
    versions: &[
        Versioned {
            min: 23,
            run: v1_23,
            overrides: &[],
        },
        Versioned {
            min: 35,
            run: v1_35,
            overrides: &[],
        },
    ],
};

fn v1_35(meta: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    if in_user_namespace(spec) {
        return None;
    }
    v1_23(meta, spec)
}

fn v1_23(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let pod = spec.security_context.as_ref().and_then(|sc| sc.run_as_user) == Some(0);
    let mut paths = Vec::new();
    if pod {
        paths.push("spec.securityContext.runAsUser".to_string());
    }
    let mut names = Vec::new();
    for c in containers(spec) {
        if c.sc.and_then(|sc| sc.run_as_user) == Some(0) {
            names.push(c.name);
            paths.push(c.path("securityContext.runAsUser"));
        }
    }
    if paths.is_empty() {
        return None;
    }
    Some(Violation::new(
        ID,
        "runAsUser=0",
        format!("{} must not set runAsUser=0", setters(pod, &names)),
        paths,
    ))
}
