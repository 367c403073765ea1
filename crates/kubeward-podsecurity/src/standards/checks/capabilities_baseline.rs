//! `capabilities_baseline` (baseline, v1.0+): containers may add only the default
//! container-runtime capabilities. Restricted replaces it from v1.22.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Flagged, versions};
use crate::standards::format::join_quote_iter;
use crate::standards::{Level, Violation};

pub(crate) const ID: &str = "capabilities_baseline";

const ALLOWED: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

pub(crate) const CHECK: Check = Check::new(ID, Level::Baseline, versions![0 => v1_0]);

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let mut caps = BTreeSet::new();
    let flagged = Flagged::containers(spec, "securityContext.capabilities.add", |c| {
        let adds =
            c.sc.and_then(|sc| sc.capabilities.as_ref())
                .and_then(|k| k.add.as_deref());
        let mut bad = false;
        for cap in adds.unwrap_or_default() {
            if !ALLOWED.contains(&cap.as_str()) {
                bad = true;
                caps.insert(cap.as_str());
            }
        }
        bad
    });
    flagged.violation(ID, "non-default capabilities", |f| {
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            f.containers_phrase(),
            join_quote_iter(caps)
        )
    })
}
