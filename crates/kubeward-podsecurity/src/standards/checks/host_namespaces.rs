//! `hostNamespaces` (baseline, v1.0+): hostNetwork, hostPID and hostIPC stay off.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, since};
use crate::standards::{Level, Violation};

const ID: &str = "hostNamespaces";

pub(crate) const CHECK: Check = Check {
    id: ID,
    level: Level::Baseline,
    versions: since!(0, v1_0),
};

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let fields = [
        ("hostNetwork", spec.host_network),
        ("hostPID", spec.host_pid),
        ("hostIPC", spec.host_ipc),
    ];
    let mut parts = Vec::new();
    let mut paths = Vec::new();
    for (name, value) in fields {
        if value == Some(true) {
            parts.push(format!("{name}=true"));
            paths.push(format!("spec.{name}"));
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(Violation::new(
        ID,
        "host namespaces",
        parts.join(", "),
        paths,
    ))
}
