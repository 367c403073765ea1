//! The API-server defaulting that Pod Security Admission sees for kind Pod.

use k8s_openapi::api::core::v1::{Container, PodSpec};

/// Applies the defaults the API server sets on a **Pod** before admission, as far as
/// they matter to the Pod Security Standards: with `spec.hostNetwork: true`, every
/// port of every container and init container whose `hostPort` is unset or 0 gets
/// `hostPort = containerPort` (upstream `SetDefaults_Pod`; ephemeral containers have
/// no ports and are not touched).
///
/// Do **not** apply this to workload pod templates (Deployment, Job, ...): upstream
/// does the same defaulting in `SetDefaults_PodSpec` only behind the
/// `DefaultHostNetworkHostPortsInPodTemplates` feature gate, off since 1.28, so a
/// workload's warning can lack the `hostPort` violation its Pods are denied for.
pub fn apply_pod_defaults(spec: &mut PodSpec) {
    if spec.host_network != Some(true) {
        return;
    }
    default_ports(&mut spec.containers);
    if let Some(init) = spec.init_containers.as_mut() {
        default_ports(init);
    }
}

fn default_ports(containers: &mut [Container]) {
    for c in containers {
        for p in c.ports.iter_mut().flatten() {
            if p.host_port.unwrap_or(0) == 0 {
                p.host_port = Some(p.container_port);
            }
        }
    }
}
