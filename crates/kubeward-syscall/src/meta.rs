//! What the cluster says about the containers of this node: container name, image and
//! privilege, and their pod's name, namespace, uid, IP and labels, keyed by the short
//! container id the cgroup path gives (`container.id`).
//!
//! A watcher of the node's pods (kubeward-server's `sensor::pods`) fills a
//! [`ContainerStore`]; a live capture copies what changed into its state as snapshots
//! (so a recording replays with the same metadata), and the `container.*` and `k8s.*`
//! fields read it from there. Without a cluster the store stays empty and those fields
//! are missing (`<NA>`), as in Falco.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// What Kubernetes says about one container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerMeta {
    /// The short (12 hex digits) container id, as `container.id` shows it.
    pub id: String,
    /// The container's name in its pod (`container.name`).
    pub name: String,
    /// The image as the runtime reports it (`status.containerStatuses[].image`).
    pub image: String,
    /// The image's id with its digest (`status.containerStatuses[].imageID`).
    pub image_id: String,
    /// `securityContext.privileged` of the container.
    pub privileged: bool,
    /// The pod's `spec.hostPID`, `spec.hostNetwork` and `spec.hostIPC`.
    pub host_pid: bool,
    /// See [`ContainerMeta::host_pid`].
    pub host_network: bool,
    /// See [`ContainerMeta::host_pid`].
    pub host_ipc: bool,
    /// The pod's name.
    pub pod_name: String,
    /// The pod's namespace.
    pub pod_namespace: String,
    /// The pod's uid.
    pub pod_uid: String,
    /// The pod's IP (`status.podIP`), empty when it has none.
    pub pod_ip: String,
    /// The pod's labels, sorted by key.
    pub pod_labels: Vec<(String, String)>,
    /// The container runtime (`container.type`): `containerd`, `cri-o`, `docker`, as the
    /// container id's scheme names it.
    pub runtime: String,
    /// The container's volume mounts, in the pod's order.
    pub mounts: Vec<Mount>,
}

/// One mount of a container, as the container plugin reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mount {
    /// Where the mount comes from on the host.
    pub source: String,
    /// Where it appears in the container.
    pub dest: String,
    /// The runtime's mode string (empty from Kubernetes).
    pub mode: String,
    /// Whether it is writable.
    pub rdwr: bool,
    /// `rprivate`, `rslave` or `rshared`.
    pub propagation: String,
}

impl std::fmt::Display for Mount {
    /// `source:dest:mode:rdwr:propagation`, the container plugin's form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}:{}:{}",
            self.source, self.dest, self.mode, self.rdwr, self.propagation
        )
    }
}

impl ContainerMeta {
    /// The image without its tag or digest (`container.image.repository`).
    pub fn image_repository(&self) -> &str {
        split_image(&self.image).0
    }

    /// The image's tag (`container.image.tag`), empty when it has none.
    pub fn image_tag(&self) -> &str {
        split_image(&self.image).1
    }

    /// The image's digest (`container.image.digest`, `sha256:…`), from the image or
    /// its id; empty when neither has one.
    pub fn image_digest(&self) -> &str {
        [&self.image, &self.image_id]
            .into_iter()
            .find_map(|i| i.rsplit_once('@').map(|(_, d)| d))
            .unwrap_or("")
    }

    /// The value of one pod label.
    pub fn pod_label(&self, key: &str) -> Option<&str> {
        self.pod_labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// `repo:tag@digest` into (repo, tag); a `:` inside the registry's `host:port` is not
/// a tag.
fn split_image(image: &str) -> (&str, &str) {
    let name = image.split_once('@').map_or(image, |(n, _)| n);
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], &name[last_slash + i + 1..]),
        None => (name, ""),
    }
}

/// The short id of a `status.containerStatuses[].containerID` (`containerd://<64 hex>`,
/// `cri-o://…`, `docker://…`): the first 12 hex digits, as the cgroup path gives them.
pub fn short_id(container_id: &str) -> Option<String> {
    let hex = container_id
        .split_once("://")
        .map_or(container_id, |(_, id)| id);
    (hex.len() >= 12 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex[..12].to_ascii_lowercase())
}

/// The containers known at most; a node runs a few hundred pods at most, so this is
/// only a guard against a misbehaving source.
pub const MAX_CONTAINERS: usize = 16_384;

/// Container metadata by short id, shared between the watcher that fills it and the
/// capture that reads it.
#[derive(Debug, Clone, Default)]
pub struct ContainerStore {
    inner: Arc<RwLock<HashMap<String, Arc<ContainerMeta>>>>,
    generation: Arc<AtomicU64>,
}

impl ContainerStore {
    /// An empty store.
    pub fn new() -> ContainerStore {
        ContainerStore::default()
    }

    /// Replaces every container of the pod `pod_uid` with `containers`.
    pub fn set_pod(&self, pod_uid: &str, containers: Vec<ContainerMeta>) {
        let mut map = self.inner.write().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, m| m.pod_uid != pod_uid);
        for c in containers {
            if map.len() >= MAX_CONTAINERS {
                break;
            }
            map.insert(c.id.clone(), Arc::new(c));
        }
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// Forgets the containers of the pod `pod_uid`.
    pub fn remove_pod(&self, pod_uid: &str) {
        self.set_pod(pod_uid, Vec::new());
    }

    /// Replaces the whole content (a watcher's re-list).
    pub fn replace_all(&self, containers: Vec<ContainerMeta>) {
        let mut map = self.inner.write().unwrap_or_else(|e| e.into_inner());
        map.clear();
        for c in containers.into_iter().take(MAX_CONTAINERS) {
            map.insert(c.id.clone(), Arc::new(c));
        }
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// The metadata of container `id` (short id).
    pub fn get(&self, id: &str) -> Option<Arc<ContainerMeta>> {
        let map = self.inner.read().unwrap_or_else(|e| e.into_inner());
        map.get(id).cloned()
    }

    /// Every container, in no order.
    pub fn all(&self) -> Vec<Arc<ContainerMeta>> {
        let map = self.inner.read().unwrap_or_else(|e| e.into_inner());
        map.values().cloned().collect()
    }

    /// A number that changes whenever the content does (cheap to poll).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_like_the_container_plugin() {
        let meta = |image: &str, image_id: &str| ContainerMeta {
            image: image.into(),
            image_id: image_id.into(),
            ..ContainerMeta::default()
        };
        for (image, id, repo, tag, digest) in [
            ("nginx:1.25", "", "nginx", "1.25", ""),
            (
                "docker.io/library/nginx:1.25",
                "docker.io/library/nginx@sha256:ab",
                "docker.io/library/nginx",
                "1.25",
                "sha256:ab",
            ),
            (
                "registry:5000/team/app",
                "",
                "registry:5000/team/app",
                "",
                "",
            ),
            (
                "registry:5000/app:v2@sha256:cd",
                "",
                "registry:5000/app",
                "v2",
                "sha256:cd",
            ),
            ("busybox", "", "busybox", "", ""),
        ] {
            let m = meta(image, id);
            assert_eq!(
                (m.image_repository(), m.image_tag(), m.image_digest()),
                (repo, tag, digest),
                "{image}"
            );
        }
    }

    #[test]
    fn short_ids_from_container_statuses() {
        let long = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e";
        for runtime in ["containerd://", "cri-o://", "docker://", ""] {
            assert_eq!(
                short_id(&format!("{runtime}{long}")).as_deref(),
                Some("3ad7b26ded6d"),
                "{runtime}"
            );
        }
        for bad in [
            "",
            "containerd://",
            "containerd://xyz",
            "containerd://3ad7b26",
        ] {
            assert_eq!(short_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_store_follows_pods_and_counts_changes() {
        let store = ContainerStore::new();
        let c = |id: &str, pod: &str| ContainerMeta {
            id: id.into(),
            pod_uid: pod.into(),
            ..ContainerMeta::default()
        };
        let g0 = store.generation();
        store.set_pod("p1", vec![c("aaaaaaaaaaaa", "p1"), c("bbbbbbbbbbbb", "p1")]);
        store.set_pod("p2", vec![c("cccccccccccc", "p2")]);
        assert!(store.generation() > g0);
        assert_eq!(store.all().len(), 3);
        // A pod's new state replaces its old containers.
        store.set_pod("p1", vec![c("dddddddddddd", "p1")]);
        assert!(store.get("aaaaaaaaaaaa").is_none());
        assert_eq!(
            store
                .get("dddddddddddd")
                .map(|m| m.pod_uid.clone())
                .as_deref(),
            Some("p1")
        );
        store.remove_pod("p2");
        assert!(store.get("cccccccccccc").is_none());
        store.replace_all(vec![c("eeeeeeeeeeee", "p3")]);
        assert_eq!(store.all().len(), 1);
    }
}
