//! `hostPorts` (baseline, v1.0+): no container port may set a hostPort.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, versions};
use crate::standards::format::{containers_phrase, pl};
use crate::standards::{Level, Violation};
use crate::visit::containers;

const ID: &str = "hostPorts";

pub(crate) const CHECK: Check = Check::new(ID, Level::Baseline, versions![0 => v1_0]);

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let mut names = Vec::new();
    // Upstream keeps the ports as decimal strings in a sorted set, so they sort
    // as strings ("10000" < "443" < "80").
    let mut ports = BTreeSet::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        let mut bad = false;
        for (j, p) in c.ports.iter().enumerate() {
            if let Some(hp) = p.host_port.filter(|hp| *hp != 0) {
                bad = true;
                ports.insert(hp.to_string());
                paths.push(c.path(&format!("ports[{j}].hostPort")));
            }
        }
        if bad {
            names.push(c.name);
        }
    }
    if names.is_empty() {
        return None;
    }
    let ports: Vec<String> = ports.into_iter().collect();
    Some(Violation::new(
        ID,
        "hostPort",
        format!(
            "{} {} {} {}",
            containers_phrase(&names),
            pl("uses", "use", names.len()),
            pl("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
        paths,
    ))
}
