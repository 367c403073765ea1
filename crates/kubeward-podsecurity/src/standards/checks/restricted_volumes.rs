//! `restrictedVolumes` (restricted, v1.0+): only ephemeral and API-backed volume
//! sources; overrides `hostPathVolumes`. `image` volumes were allowed by a change to
//! the v1.0 implementation, so they pass at every version.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{PodSpec, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Flagged, host_path_volumes, versions};
use crate::standards::format::{join_quote, join_quote_iter, pl};
use crate::standards::{Level, Violation};

const ID: &str = "restrictedVolumes";

pub(crate) const CHECK: Check = Check::new(
    ID,
    Level::Restricted,
    versions![overrides &[host_path_volumes::ID]; 0 => v1_0],
);

fn allowed(v: &Volume) -> bool {
    v.config_map.is_some()
        || v.csi.is_some()
        || v.downward_api.is_some()
        || v.empty_dir.is_some()
        || v.ephemeral.is_some()
        || v.image.is_some()
        || v.persistent_volume_claim.is_some()
        || v.projected.is_some()
        || v.secret.is_some()
}

/// The reported type: the first set source in upstream's order, else `unknown`.
fn source_type(v: &Volume) -> &'static str {
    let sources = [
        ("hostPath", v.host_path.is_some()),
        ("gcePersistentDisk", v.gce_persistent_disk.is_some()),
        ("awsElasticBlockStore", v.aws_elastic_block_store.is_some()),
        ("gitRepo", v.git_repo.is_some()),
        ("nfs", v.nfs.is_some()),
        ("iscsi", v.iscsi.is_some()),
        ("glusterfs", v.glusterfs.is_some()),
        ("rbd", v.rbd.is_some()),
        ("flexVolume", v.flex_volume.is_some()),
        ("cinder", v.cinder.is_some()),
        ("cephfs", v.cephfs.is_some()),
        ("flocker", v.flocker.is_some()),
        ("fc", v.fc.is_some()),
        ("azureFile", v.azure_file.is_some()),
        ("vsphereVolume", v.vsphere_volume.is_some()),
        ("quobyte", v.quobyte.is_some()),
        ("azureDisk", v.azure_disk.is_some()),
        ("photonPersistentDisk", v.photon_persistent_disk.is_some()),
        ("portworxVolume", v.portworx_volume.is_some()),
        ("scaleIO", v.scale_io.is_some()),
        ("storageos", v.storageos.is_some()),
    ];
    sources
        .into_iter()
        .find_map(|(name, set)| set.then_some(name))
        .unwrap_or("unknown")
}

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let mut types = BTreeSet::new();
    let volumes = spec.volumes.iter().flatten().enumerate();
    let flagged = Flagged::of(volumes.filter(|(_, v)| !allowed(v)).map(|(i, v)| {
        let t = source_type(v);
        types.insert(t);
        let path = if t == "unknown" {
            format!("spec.volumes[{i}]")
        } else {
            format!("spec.volumes[{i}].{t}")
        };
        (v.name.as_str(), path)
    }));
    flagged.violation(ID, "restricted volume types", |f| {
        let n = f.names.len();
        format!(
            "{} {} {} {} {}",
            pl("volume", "volumes", n),
            join_quote(&f.names),
            pl("uses", "use", n),
            pl(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote_iter(types)
        )
    })
}
