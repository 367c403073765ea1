//! `windowsHostProcess` (baseline, v1.0+): no HostProcess containers, at pod or
//! container level.

use k8s_openapi::api::core::v1::{PodSpec, WindowsSecurityContextOptions};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, since};
use crate::standards::format::setters;
use crate::standards::{Level, Violation};
use crate::visit::containers;

const ID: &str = "windowsHostProcess";

pub(crate) const CHECK: Check = Check {
    id: ID,
    level: Level::Baseline,
    versions: since!(0, v1_0),
};

fn host_process(w: Option<&WindowsSecurityContextOptions>) -> bool {
    w.and_then(|w| w.host_process) == Some(true)
}

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let mut paths = Vec::new();
    let pod_sc = spec.security_context.as_ref();
    let pod = host_process(pod_sc.and_then(|sc| sc.windows_options.as_ref()));
    if pod {
        paths.push("spec.securityContext.windowsOptions.hostProcess".to_string());
    }
    let mut names = Vec::new();
    for c in containers(spec) {
        if host_process(c.sc.and_then(|sc| sc.windows_options.as_ref())) {
            names.push(c.name);
            paths.push(c.path("securityContext.windowsOptions.hostProcess"));
        }
    }
    if paths.is_empty() {
        return None;
    }
    Some(Violation::new(
        ID,
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters(pod, &names)
        ),
        paths,
    ))
}
