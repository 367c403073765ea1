//! Stand-ins for library functions that are announced but have not landed yet.
//! Each is replaced by the library's own as soon as it exists; nothing else lives here.

use k8s_openapi::api::core::v1::PodSpec;

/// What the API server does to a Pod on create: with `hostNetwork: true`, every container
/// port without a hostPort gets `hostPort = containerPort`. (Not done for templates since
/// 1.28, so callers apply it to kind Pod only.)
pub fn apply_pod_defaults(spec: &mut PodSpec) {
    if spec.host_network != Some(true) {
        return;
    }
    let init = spec.init_containers.iter_mut().flatten();
    for container in spec.containers.iter_mut().chain(init) {
        for port in container.ports.iter_mut().flatten() {
            if port.host_port.unwrap_or(0) == 0 {
                port.host_port = Some(port.container_port);
            }
        }
    }
}

/// Cheap test of whether a file's text may hold a `Namespace` object.
pub fn may_contain_namespace(text: &str) -> bool {
    text.contains("Namespace")
}
