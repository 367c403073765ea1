//! `capabilities_restricted` (restricted, v1.22+): every container drops `ALL` and
//! adds nothing but `NET_BIND_SERVICE`. Windows pods are exempt from v1.25.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, capabilities_baseline, exempting, versions};
use crate::standards::format::{containers_phrase, join_quote_iter};
use crate::standards::{Level, Violation};
use crate::visit::{containers, is_windows};

const ID: &str = "capabilities_restricted";
const OVERRIDES: &[&str] = &[capabilities_baseline::ID];

pub(crate) const CHECK: Check = Check::new(
    ID,
    Level::Restricted,
    versions![overrides OVERRIDES; 22 => v1_22, 25 => exempting!(is_windows, v1_22)],
);

fn v1_22(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let mut missing_drop = Vec::new();
    let mut adding = Vec::new();
    let mut caps = BTreeSet::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        let Some(k) = c.sc.and_then(|sc| sc.capabilities.as_ref()) else {
            // Without a capabilities object upstream reports only the missing drop.
            missing_drop.push(c.name);
            paths.push(c.path("securityContext.capabilities.drop"));
            continue;
        };
        if !k.drop.iter().flatten().any(|d| d == "ALL") {
            missing_drop.push(c.name);
            paths.push(c.path("securityContext.capabilities.drop"));
        }
        let mut bad = false;
        for cap in k.add.iter().flatten() {
            if cap != "NET_BIND_SERVICE" {
                bad = true;
                caps.insert(cap.as_str());
            }
        }
        if bad {
            adding.push(c.name);
            paths.push(c.path("securityContext.capabilities.add"));
        }
    }
    let mut parts = Vec::new();
    if !missing_drop.is_empty() {
        parts.push(format!(
            r#"{} must set securityContext.capabilities.drop=["ALL"]"#,
            containers_phrase(&missing_drop)
        ));
    }
    if !adding.is_empty() {
        parts.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding),
            join_quote_iter(caps)
        ));
    }
    if parts.is_empty() {
        return None;
    }
    Some(Violation::new(
        ID,
        "unrestricted capabilities",
        parts.join("; "),
        paths,
    ))
}
