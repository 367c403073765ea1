//! `hostPathVolumes` (baseline, v1.0+): no hostPath volumes. Restricted replaces it
//! with `restrictedVolumes`.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, since};
use crate::standards::format::{join_quote, pl};
use crate::standards::{Level, Violation};

pub(crate) const ID: &str = "hostPathVolumes";

pub(crate) const CHECK: Check = Check {
    id: ID,
    level: Level::Baseline,
    versions: since!(0, v1_0),
};

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let mut names = Vec::new();
    let mut paths = Vec::new();
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        if v.host_path.is_some() {
            names.push(v.name.as_str());
            paths.push(format!("spec.volumes[{i}].hostPath"));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Violation::new(
        ID,
        "hostPath volumes",
        format!(
            "{} {}",
            pl("volume", "volumes", names.len()),
            join_quote(&names)
        ),
        paths,
    ))
}
