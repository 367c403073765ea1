//! `runAsNonRoot` (restricted, v1.0+): every container runs with
//! `runAsNonRoot: true`, its own or inherited from the pod; nobody sets `false`.
//! From v1.35 user-namespaced pods (`hostUsers: false`) are exempt.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Versioned};
use crate::standards::format::{containers_phrase, setters};
use crate::standards::{Level, Violation};
use crate::visit::{containers, in_user_namespace};

const ID: &str = "runAsNonRoot";
const REASON: &str = "runAsNonRoot != true";
const FIELD: &str = "securityContext.runAsNonRoot";

pub(crate) const CHECK: Check = Check {
    id: ID,
    level: Level::Restricted,
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

fn v1_35(meta: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    if in_user_namespace(spec) {
        return None;
    }
    v1_0(meta, spec)
}

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let pod_value = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.run_as_non_root);
    let pod_bad = pod_value == Some(false);
    let mut explicit = Vec::new();
    let mut explicit_paths = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_paths = Vec::new();
    for c in containers(spec) {
        match c.sc.and_then(|sc| sc.run_as_non_root) {
            Some(false) => {
                explicit.push(c.name);
                explicit_paths.push(c.path(FIELD));
            }
            Some(true) => {}
            None if pod_value != Some(true) => {
                implicit.push(c.name);
                implicit_paths.push(c.path(FIELD));
            }
            None => {}
        }
    }
    if pod_bad || !explicit.is_empty() {
        let mut paths = Vec::with_capacity(explicit_paths.len() + 1);
        if pod_bad {
            paths.push(format!("spec.{FIELD}"));
        }
        paths.extend(explicit_paths);
        return Some(Violation::new(
            ID,
            REASON,
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters(pod_bad, &explicit)
            ),
            paths,
        ));
    }
    if implicit.is_empty() {
        return None;
    }
    Some(Violation::new(
        ID,
        REASON,
        format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_phrase(&implicit)
        ),
        implicit_paths,
    ))
}
