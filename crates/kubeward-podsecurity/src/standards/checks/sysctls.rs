//! `sysctls` (baseline): only the safe sysctls; the allow-list grows at v1.27,
//! v1.29, v1.32 and v1.37.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Flagged, versions};
use crate::standards::{Level, Violation};

const ID: &str = "sysctls";

const V1_0: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];
const V1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];
const V1_29: &[&str] = &[
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const V1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const V1_37: &[&str] = &[
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

pub(crate) const CHECK: Check = Check::new(
    ID,
    Level::Baseline,
    versions![0 => v1_0, 27 => v1_27, 29 => v1_29, 32 => v1_32, 37 => v1_37],
);

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    check(spec, &[V1_0])
}
fn v1_27(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    check(spec, &[V1_0, V1_27])
}
fn v1_29(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    check(spec, &[V1_0, V1_27, V1_29])
}
fn v1_32(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    check(spec, &[V1_0, V1_27, V1_29, V1_32])
}
fn v1_37(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    check(spec, &[V1_0, V1_27, V1_29, V1_32, V1_37])
}

fn check(spec: &PodSpec, allowed: &[&[&str]]) -> Option<Violation> {
    let sysctls = spec.security_context.as_ref()?.sysctls.as_deref()?;
    // Exact comparison, in pod order, duplicates kept: as upstream.
    let forbidden = sysctls
        .iter()
        .enumerate()
        .filter(|(_, s)| !allowed.iter().any(|set| set.contains(&s.name.as_str())));
    Flagged::of(forbidden.map(|(i, s)| {
        (
            s.name.as_str(),
            format!("spec.securityContext.sysctls[{i}].name"),
        )
    }))
    .violation(ID, "forbidden sysctls", |f| f.names.join(", "))
}
