//! Volumes: allowed types, `allowedHostPaths` (component-wise prefixes, read-only
//! forcing by validation), `allowedFlexVolumes` and `allowedCSIDrivers`.

use k8s_openapi::api::core::v1::{Container, PodSpec, Volume};

use super::field::FieldError;
use super::types::PodSecurityPolicySpec;
use crate::gofmt::go_quote;

/// The PSP name of a volume's type, in upstream's precedence order; `None` for a source
/// PSP never knew (`image`) or no source at all.
pub fn fs_type(v: &Volume) -> Option<&'static str> {
    let types: [(bool, &'static str); 29] = [
        (v.host_path.is_some(), "hostPath"),
        (v.empty_dir.is_some(), "emptyDir"),
        (v.gce_persistent_disk.is_some(), "gcePersistentDisk"),
        (v.aws_elastic_block_store.is_some(), "awsElasticBlockStore"),
        (v.git_repo.is_some(), "gitRepo"),
        (v.secret.is_some(), "secret"),
        (v.nfs.is_some(), "nfs"),
        (v.iscsi.is_some(), "iscsi"),
        (v.glusterfs.is_some(), "glusterfs"),
        (v.persistent_volume_claim.is_some(), "persistentVolumeClaim"),
        (v.rbd.is_some(), "rbd"),
        (v.flex_volume.is_some(), "flexVolume"),
        (v.cinder.is_some(), "cinder"),
        (v.cephfs.is_some(), "cephFS"),
        (v.flocker.is_some(), "flocker"),
        (v.downward_api.is_some(), "downwardAPI"),
        (v.fc.is_some(), "fc"),
        (v.azure_file.is_some(), "azureFile"),
        (v.config_map.is_some(), "configMap"),
        (v.vsphere_volume.is_some(), "vsphereVolume"),
        (v.quobyte.is_some(), "quobyte"),
        (v.azure_disk.is_some(), "azureDisk"),
        (v.photon_persistent_disk.is_some(), "photonPersistentDisk"),
        (v.projected.is_some(), "projected"),
        (v.portworx_volume.is_some(), "portworxVolume"),
        (v.scale_io.is_some(), "scaleIO"),
        (v.storageos.is_some(), "storageos"),
        (v.csi.is_some(), "csi"),
        (v.ephemeral.is_some(), "ephemeral"),
    ];
    types.iter().find(|(set, _)| *set).map(|(_, name)| *name)
}

/// Whether `path` lies under `prefix` at a component boundary: `/foo` covers `/foo`,
/// `/foo/` and `/foo/bar`, never `/fool`; `/` covers every absolute path. Paths are not
/// cleaned: a `..` in a pod's hostPath is rejected by pod validation, not here.
pub fn has_path_prefix(path: &str, prefix: &str) -> bool {
    let prefix = prefix.strip_suffix('/').unwrap_or(prefix);
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// `(allowed, must_be_read_only)` for a hostPath under the policy: any matching
/// read-write entry wins; no entries allow everything.
pub fn allows_host_path(spec: &PodSecurityPolicySpec, path: &str) -> (bool, bool) {
    if spec.allowed_host_paths.is_empty() {
        return (true, false);
    }
    let mut allowed = false;
    for entry in &spec.allowed_host_paths {
        if has_path_prefix(path, &entry.path_prefix) {
            if !entry.read_only {
                return (true, false);
            }
            allowed = true;
        }
    }
    (allowed, allowed)
}

/// Containers with their field paths, in upstream's visiting order.
pub fn containers_with_paths(spec: &PodSpec) -> Vec<(String, &Container)> {
    let init = spec.init_containers.iter().flatten().enumerate();
    let main = spec.containers.iter().enumerate();
    init.map(|(i, c)| (format!("spec.initContainers[{i}]"), c))
        .chain(main.map(|(i, c)| (format!("spec.containers[{i}]"), c)))
        .collect()
}

/// Errors for the pod's volumes: types not in `volumes`, and hostPath, Flexvolume and CSI volumes the policy does not allow.
pub fn validate(policy: &PodSecurityPolicySpec, spec: &PodSpec) -> Vec<FieldError> {
    let mut errs = vec![];
    let all = policy.volumes.iter().any(|v| v == "*");
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let path = format!("spec.volumes[{i}]");
        let Some(kind) = fs_type(v) else {
            errs.push(FieldError::invalid(
                path,
                go_quote(""),
                format!("unknown volume type for volume {}", go_quote(&v.name)),
            ));
            continue;
        };
        if !all && !policy.volumes.iter().any(|t| t == kind) {
            errs.push(FieldError::invalid(
                path,
                go_quote(kind),
                format!("{kind} volumes are not allowed to be used"),
            ));
            continue;
        }
        if let Some(hp) = &v.host_path {
            let (allowed, read_only) = allows_host_path(policy, &hp.path);
            if !allowed {
                errs.push(FieldError::invalid(
                    format!("{path}.hostPath.pathPrefix"),
                    go_quote(&hp.path),
                    "is not allowed to be used",
                ));
            } else if read_only {
                for (cpath, c) in containers_with_paths(spec) {
                    for (j, m) in c.volume_mounts.iter().flatten().enumerate() {
                        if m.name == v.name && m.read_only != Some(true) {
                            errs.push(FieldError::invalid(
                                format!("{cpath}.volumeMounts[{j}].readOnly"),
                                "false".into(),
                                "must be read-only",
                            ));
                        }
                    }
                }
            }
        }
        let drivers: [(Option<&String>, Vec<&String>, &str, &str); 2] = [
            (
                v.flex_volume.as_ref().map(|f| &f.driver),
                policy
                    .allowed_flex_volumes
                    .iter()
                    .map(|a| &a.driver)
                    .collect(),
                "driver",
                "Flexvolume driver is not allowed to be used",
            ),
            (
                v.csi.as_ref().map(|c| &c.driver),
                policy.allowed_csi_drivers.iter().map(|a| &a.name).collect(),
                "csi.driver",
                "Inline CSI driver is not allowed to be used",
            ),
        ];
        for (driver, allowed, field, detail) in drivers {
            // An empty allowlist allows any driver.
            if let Some(driver) = driver
                && !allowed.is_empty()
                && !allowed.contains(&driver)
            {
                errs.push(FieldError::invalid(
                    format!("{path}.{field}"),
                    go_quote(driver),
                    detail,
                ));
            }
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::has_path_prefix;

    #[test]
    fn prefixes_match_whole_components() {
        assert!(has_path_prefix("/foo", "/foo"));
        assert!(has_path_prefix("/foo/", "/foo"));
        assert!(has_path_prefix("/foo/bar", "/foo/"));
        assert!(!has_path_prefix("/fool", "/foo"));
        assert!(has_path_prefix("/anything", "/"));
        assert!(!has_path_prefix("/fo", "/foo"));
    }
}
