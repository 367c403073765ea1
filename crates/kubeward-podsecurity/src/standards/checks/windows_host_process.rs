//! `windowsHostProcess` (baseline, v1.0+): no HostProcess containers, at pod or
//! container level.

use k8s_openapi::api::core::v1::{PodSpec, WindowsSecurityContextOptions};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Flagged, versions};
use crate::standards::{Level, Violation};

const ID: &str = "windowsHostProcess";

pub(crate) const CHECK: Check = Check::new(ID, Level::Baseline, versions![0 => v1_0]);

fn host_process(w: Option<&WindowsSecurityContextOptions>) -> bool {
    w.and_then(|w| w.host_process) == Some(true)
}

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let pod_sc = spec.security_context.as_ref();
    let pod = host_process(pod_sc.and_then(|sc| sc.windows_options.as_ref()));
    Flagged::pod_and_containers(
        spec,
        pod,
        "securityContext.windowsOptions.hostProcess",
        |c| host_process(c.sc.and_then(|sc| sc.windows_options.as_ref())),
    )
    .violation(ID, "hostProcess", |f| {
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            f.setters()
        )
    })
}
