//! The API server's defaulting of a pod spec, as far as a Pod Security Standards check,
//! a lint or a PodSecurityPolicy strategy can observe it.
//!
//! The API server defaults an object while decoding it, before any admission plugin
//! runs, so Pod Security Admission and the PodSecurityPolicy plugin judge the defaulted
//! object. Everything here is applied once, by the caller that turns a manifest into the
//! object admission would see (`scan`, `psp admit`, `scan --psp`); the webhooks receive
//! objects the API server already defaulted and apply nothing. Every default is
//! idempotent, so a defaulted spec is a fixed point anyway.
//!
//! docs/psp.md ("API server defaults") lists every default that was considered, with
//! its upstream function and why it is or is not applied.

use k8s_openapi::api::core::v1::{Container, EmptyDirVolumeSource, PodSpec, Volume};

/// What holds the spec: the API server defaults a Pod further than the pod template of
/// a workload (Deployment, Job, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// A Pod, including the pods a controller creates from a workload's template.
    Pod,
    /// The pod template of a workload or a PodTemplate, as PSA's warnings judge it.
    Template,
}

impl Holder {
    /// The holder for an object of `kind`: `Pod` for kind Pod, else `Template`.
    pub fn of_kind(kind: &str) -> Self {
        if kind == "Pod" {
            Holder::Pod
        } else {
            Holder::Template
        }
    }
}

/// Applies the observable defaults to `spec`:
///
/// - every holder (upstream `SetDefaults_Volume`, generated for every object that
///   embeds a pod spec): a volume with no source at all becomes `emptyDir: {}`;
/// - a Pod only (upstream `SetDefaults_Pod`): with `hostNetwork: true`, every port of
///   every container and init container whose `hostPort` is unset or 0 gets
///   `hostPort = containerPort` (ephemeral containers have no ports). Upstream does this
///   for templates (`SetDefaults_PodSpec`) only behind the
///   `DefaultHostNetworkHostPortsInPodTemplates` feature gate, off since 1.28, so a
///   workload's warning can lack the `hostPort` violation its Pods are denied for.
pub fn apply_defaults(spec: &mut PodSpec, holder: Holder) {
    for v in spec.volumes.iter_mut().flatten() {
        if has_no_source(v) {
            v.empty_dir = Some(EmptyDirVolumeSource::default());
        }
    }
    if holder == Holder::Pod && spec.host_network == Some(true) {
        default_host_ports(&mut spec.containers);
        if let Some(init) = spec.init_containers.as_mut() {
            default_host_ports(init);
        }
    }
}

/// Shorthand for [`apply_defaults`] on a Pod.
pub fn apply_pod_defaults(spec: &mut PodSpec) {
    apply_defaults(spec, Holder::Pod);
}

/// Whether every source of the volume is unset (upstream `ptr.AllPtrFieldsNil` on the
/// `VolumeSource`). The destructuring names every field, so a source added to
/// k8s-openapi fails to compile here instead of being taken for no source.
fn has_no_source(v: &Volume) -> bool {
    let Volume {
        name: _,
        aws_elastic_block_store,
        azure_disk,
        azure_file,
        cephfs,
        cinder,
        config_map,
        csi,
        downward_api,
        empty_dir,
        ephemeral,
        fc,
        flex_volume,
        flocker,
        gce_persistent_disk,
        git_repo,
        glusterfs,
        host_path,
        image,
        iscsi,
        nfs,
        persistent_volume_claim,
        photon_persistent_disk,
        portworx_volume,
        projected,
        quobyte,
        rbd,
        scale_io,
        secret,
        storageos,
        vsphere_volume,
    } = v;
    aws_elastic_block_store.is_none()
        && azure_disk.is_none()
        && azure_file.is_none()
        && cephfs.is_none()
        && cinder.is_none()
        && config_map.is_none()
        && csi.is_none()
        && downward_api.is_none()
        && empty_dir.is_none()
        && ephemeral.is_none()
        && fc.is_none()
        && flex_volume.is_none()
        && flocker.is_none()
        && gce_persistent_disk.is_none()
        && git_repo.is_none()
        && glusterfs.is_none()
        && host_path.is_none()
        && image.is_none()
        && iscsi.is_none()
        && nfs.is_none()
        && persistent_volume_claim.is_none()
        && photon_persistent_disk.is_none()
        && portworx_volume.is_none()
        && projected.is_none()
        && quobyte.is_none()
        && rbd.is_none()
        && scale_io.is_none()
        && secret.is_none()
        && storageos.is_none()
        && vsphere_volume.is_none()
}

fn default_host_ports(containers: &mut [Container]) {
    for c in containers {
        for p in c.ports.iter_mut().flatten() {
            if p.host_port.unwrap_or(0) == 0 {
                p.host_port = Some(p.container_port);
            }
        }
    }
}
