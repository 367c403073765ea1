//! `seccompProfile_baseline` (baseline): seccomp may not be unconfined. Before v1.19
//! only the alpha annotations count; from v1.19 only the fields. Restricted replaces
//! the v1.19 version with `seccompProfile_restricted`.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Flagged, versions};
use crate::gofmt::go_quote;
use crate::standards::format::{join_quote_iter, pl};
use crate::standards::{Level, Violation};
use crate::visit::containers;

pub(crate) const ID: &str = "seccompProfile_baseline";
const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

pub(crate) const CHECK: Check = Check::new(ID, Level::Baseline, versions![0 => v1_0, 19 => v1_19]);

fn valid_annotation(v: &str) -> bool {
    v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
}

/// True for the seccomp profile types baseline and restricted accept.
pub(crate) fn valid_type(t: &str) -> bool {
    t == "RuntimeDefault" || t == "Localhost"
}

fn v1_0(meta: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let annotations = meta.annotations.as_ref()?;
    // Keyed by the rendered `key="value"` so the set is sorted and deduplicated
    // like upstream's string set; the value is the annotation key for the path.
    let mut forbidden: BTreeMap<String, String> = BTreeMap::new();
    let mut note = |key: &str| {
        if let Some(v) = annotations.get(key).filter(|v| !valid_annotation(v)) {
            forbidden.insert(format!("{key}={}", go_quote(v)), key.to_string());
        }
    };
    note(POD_ANNOTATION);
    // One reused buffer for the per-container keys.
    let mut key = String::new();
    for c in containers(spec) {
        key.clear();
        key.push_str(CONTAINER_PREFIX);
        key.push_str(c.name);
        note(&key);
    }
    if forbidden.is_empty() {
        return None;
    }
    let items: Vec<&str> = forbidden.keys().map(String::as_str).collect();
    let paths = forbidden
        .values()
        .map(|k| format!("metadata.annotations[{k}]"))
        .collect();
    Some(Violation::new(
        ID,
        "seccompProfile",
        format!(
            "forbidden {} {}",
            pl("annotation", "annotations", items.len()),
            items.join(", ")
        ),
        paths,
    ))
}

fn v1_19(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    explicit_bad_types(ID, spec)
}

/// Pod and containers that set a bad type (shared with the restricted check, which
/// reports it first); `None` when nobody does.
pub(crate) fn explicit_bad_types<'a>(id: &'static str, spec: &'a PodSpec) -> Option<Violation> {
    let mut types = BTreeSet::new();
    let mut bad_type = |t: Option<&'a str>| match t {
        Some(t) if !valid_type(t) => {
            types.insert(t);
            true
        }
        _ => false,
    };
    let pod = bad_type(
        spec.security_context
            .as_ref()
            .and_then(|sc| sc.seccomp_profile.as_ref())
            .map(|p| p.type_.as_str()),
    );
    let flagged =
        Flagged::pod_and_containers(spec, pod, "securityContext.seccompProfile.type", |c| {
            bad_type(
                c.sc.and_then(|sc| sc.seccomp_profile.as_ref())
                    .map(|p| p.type_.as_str()),
            )
        });
    flagged.violation(id, "seccompProfile", |f| {
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            f.setters(),
            join_quote_iter(types)
        )
    })
}
