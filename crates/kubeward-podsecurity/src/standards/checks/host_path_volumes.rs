//! `hostPathVolumes` (baseline, v1.0+): no hostPath volumes. Restricted replaces it
//! with `restrictedVolumes`.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Flagged, versions};
use crate::standards::format::{join_quote, pl};
use crate::standards::{Level, Violation};

pub(crate) const ID: &str = "hostPathVolumes";

pub(crate) const CHECK: Check = Check::new(ID, Level::Baseline, versions![0 => v1_0]);

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let volumes = spec.volumes.iter().flatten().enumerate();
    Flagged::of(
        volumes
            .filter(|(_, v)| v.host_path.is_some())
            .map(|(i, v)| (v.name.as_str(), format!("spec.volumes[{i}].hostPath"))),
    )
    .violation(ID, "hostPath volumes", |f| {
        format!(
            "{} {}",
            pl("volume", "volumes", f.names.len()),
            join_quote(&f.names)
        )
    })
}
