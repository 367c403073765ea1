//! `hostNamespaces` (baseline, v1.0+): hostNetwork, hostPID and hostIPC stay off.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Flagged, versions};
use crate::standards::{Level, Violation};

const ID: &str = "hostNamespaces";

pub(crate) const CHECK: Check = Check::new(ID, Level::Baseline, versions![0 => v1_0]);

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let fields = [
        ("hostNetwork", spec.host_network),
        ("hostPID", spec.host_pid),
        ("hostIPC", spec.host_ipc),
    ];
    let on = fields.into_iter().filter(|(_, value)| *value == Some(true));
    Flagged::of(on.map(|(name, _)| (name, format!("spec.{name}")))).violation(
        ID,
        "host namespaces",
        |f| {
            let parts: Vec<String> = f.names.iter().map(|n| format!("{n}=true")).collect();
            parts.join(", ")
        },
    )
}
