//! The pods of this node, for the live syscall source: a kube-rs watcher on the Pods
//! whose `spec.nodeName` is this node (RBAC: list, watch) keeps a [`ContainerStore`]
//! current, so the `container.*` and `k8s.*` fields of an event name the container and
//! pod its process runs in, as Falco's container plugin and Kubernetes metadata do.
//!
//! Each container status with a container id becomes one [`ContainerMeta`] keyed by the
//! short id the cgroup path gives; a pod's containers are replaced as a whole whenever
//! the pod changes, and forgotten when it is deleted.

use std::collections::HashMap;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod, PodSpec, Volume, VolumeMount};
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client};
use kubeward_syscall::meta::{ContainerMeta, ContainerStore, Mount, short_id};

/// Which list of the pod a container is in: its status and its spec are in the
/// matching lists of the pod's status and spec.
#[derive(Clone, Copy)]
enum Kind {
    Regular,
    Init,
    Ephemeral,
}

/// What the spec says of one container: its image, `securityContext.privileged` and
/// volume mounts.
#[derive(Default)]
struct SpecContainer<'a> {
    image: Option<&'a str>,
    privileged: bool,
    mounts: &'a [VolumeMount],
}

/// The spec of the container `name` of `kind`.
fn spec_of<'a>(spec: Option<&'a PodSpec>, kind: Kind, name: &str) -> SpecContainer<'a> {
    let Some(spec) = spec else {
        return SpecContainer::default();
    };
    // `Container` and `EphemeralContainer` are two types with the same fields.
    macro_rules! find {
        ($list:expr) => {
            $list.find(|c| c.name == name).map(|c| SpecContainer {
                image: c.image.as_deref(),
                privileged: c
                    .security_context
                    .as_ref()
                    .and_then(|sc| sc.privileged)
                    .unwrap_or(false),
                mounts: c.volume_mounts.as_deref().unwrap_or_default(),
            })
        };
    }
    let found = match kind {
        Kind::Regular => find!(spec.containers.iter()),
        Kind::Init => find!(spec.init_containers.iter().flatten()),
        Kind::Ephemeral => find!(spec.ephemeral_containers.iter().flatten()),
    };
    found.unwrap_or_default()
}

/// The runtime a `containerID` names by its scheme (`containerd://…`).
fn runtime_of(container_id: &str) -> String {
    container_id
        .split_once("://")
        .map(|(scheme, _)| scheme.to_owned())
        .unwrap_or_default()
}

/// A container's mounts as the runtime reports them, rebuilt from the pod: a hostPath
/// volume's source is its host path; the others live in the kubelet's directory of the
/// pod (`/var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~<plugin>/<volume>`).
/// Mounts the runtime adds itself (`/etc/hosts`, `/etc/resolv.conf`, ...) are not known.
fn mounts_of(volumes: &[Volume], mounts: &[VolumeMount], pod_uid: &str) -> Vec<Mount> {
    mounts
        .iter()
        .map(|vm| {
            let volume = volumes.iter().find(|v| v.name == vm.name);
            let mut source = match volume.and_then(|v| v.host_path.as_ref()) {
                Some(host) => host.path.clone(),
                None => format!(
                    "/var/lib/kubelet/pods/{pod_uid}/volumes/kubernetes.io~{}/{}",
                    volume.map_or("unknown", plugin_of),
                    vm.name
                ),
            };
            if let Some(sub) = vm.sub_path.as_deref().filter(|s| !s.is_empty()) {
                source = format!("{}/{sub}", source.trim_end_matches('/'));
            }
            Mount {
                source,
                dest: vm.mount_path.clone(),
                mode: String::new(),
                rdwr: !vm.read_only.unwrap_or(false),
                propagation: match vm.mount_propagation.as_deref() {
                    Some("HostToContainer") => "rslave",
                    Some("Bidirectional") => "rshared",
                    _ => "rprivate",
                }
                .to_owned(),
            }
        })
        .collect()
}

/// The kubelet's volume plugin directory name for a volume's source.
fn plugin_of(v: &Volume) -> &'static str {
    [
        (v.config_map.is_some(), "configmap"),
        (v.secret.is_some(), "secret"),
        (v.empty_dir.is_some(), "empty-dir"),
        (v.projected.is_some(), "projected"),
        (v.downward_api.is_some(), "downward-api"),
        (
            v.csi.is_some() || v.persistent_volume_claim.is_some(),
            "csi",
        ),
    ]
    .into_iter()
    .find_map(|(is, name)| is.then_some(name))
    .unwrap_or("unknown")
}

/// One entry per container status (regular, init and ephemeral) whose `containerID`
/// gives a short id: the container's name, image (the spec's when the status has
/// none), image id and `securityContext.privileged`, with its pod's host namespaces,
/// name, namespace, uid, IP and labels (sorted by key). Statuses without a container
/// id (a container not started yet) are skipped.
pub fn metas_of(pod: &Pod) -> Vec<ContainerMeta> {
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let statuses: [(Kind, Option<&Vec<ContainerStatus>>); 3] = [
        (
            Kind::Regular,
            status.and_then(|s| s.container_statuses.as_ref()),
        ),
        (
            Kind::Init,
            status.and_then(|s| s.init_container_statuses.as_ref()),
        ),
        (
            Kind::Ephemeral,
            status.and_then(|s| s.ephemeral_container_statuses.as_ref()),
        ),
    ];
    let flag = |f: fn(&PodSpec) -> Option<bool>| spec.and_then(f).unwrap_or(false);
    let meta = &pod.metadata;
    // A BTreeMap iterates in key order: the labels come out sorted.
    let labels: Vec<(String, String)> = meta
        .labels
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut out = Vec::new();
    for (kind, statuses) in statuses {
        for st in statuses.into_iter().flatten() {
            let Some(id) = st.container_id.as_deref().and_then(short_id) else {
                continue;
            };
            let sc = spec_of(spec, kind, &st.name);
            let image = match st.image.as_str() {
                "" => sc.image.unwrap_or_default(),
                image => image,
            };
            let volumes = spec.and_then(|s| s.volumes.as_deref()).unwrap_or_default();
            let uid = meta.uid.as_deref().unwrap_or_default();
            out.push(ContainerMeta {
                id,
                name: st.name.clone(),
                image: image.to_owned(),
                image_id: st.image_id.clone(),
                privileged: sc.privileged,
                host_pid: flag(|s| s.host_pid),
                host_network: flag(|s| s.host_network),
                host_ipc: flag(|s| s.host_ipc),
                pod_name: meta.name.clone().unwrap_or_default(),
                pod_namespace: meta.namespace.clone().unwrap_or_default(),
                pod_uid: meta.uid.clone().unwrap_or_default(),
                pod_ip: status.and_then(|s| s.pod_ip.clone()).unwrap_or_default(),
                pod_labels: labels.clone(),
                runtime: runtime_of(st.container_id.as_deref().unwrap_or_default()),
                mounts: mounts_of(volumes, sc.mounts, uid),
            });
        }
    }
    out
}

/// Keeps `store` in step with the pods of node `node` through a kube-rs watcher on
/// `client` (`fieldSelector=spec.nodeName=<node>`, list then watch): a complete list
/// replaces the whole store, an added or modified pod replaces its containers, a deleted
/// pod's are forgotten. Errors are logged and the watcher retries with kube-rs's default
/// backoff, the store keeping its last contents meanwhile. Runs until the task is dropped.
pub async fn watch(client: Client, node: String, store: ContainerStore) {
    let api: Api<Pod> = Api::all(client);
    let config = watcher::Config::default().fields(&format!("spec.nodeName={node}"));
    let stream = watcher::watcher(api, config);
    let stream = kube::runtime::WatchStreamExt::default_backoff(stream);
    futures_util::pin_mut!(stream);
    // The pods of a re-list in progress, by uid (a pod listed twice counts once).
    let mut relist: HashMap<String, Vec<ContainerMeta>> = HashMap::new();
    while let Some(event) = stream.next().await {
        match event {
            Ok(Event::Init) => relist.clear(),
            Ok(Event::InitApply(pod)) => {
                if let Some(uid) = pod.metadata.uid.clone() {
                    relist.insert(uid, metas_of(&pod));
                }
            }
            Ok(Event::InitDone) => {
                let pods = relist.len();
                let containers: Vec<ContainerMeta> = std::mem::take(&mut relist)
                    .into_values()
                    .flatten()
                    .collect();
                let n = containers.len();
                store.replace_all(containers);
                tracing::info!(node, pods, containers = n, "pod list synced");
            }
            Ok(Event::Apply(pod)) => {
                if let Some(uid) = pod.metadata.uid.as_deref() {
                    store.set_pod(uid, metas_of(&pod));
                }
            }
            Ok(Event::Delete(pod)) => {
                if let Some(uid) = pod.metadata.uid.as_deref() {
                    store.remove_pod(uid);
                }
            }
            // The backoff delays the next attempt.
            Err(e) => tracing::warn!(error = %e, node, "pod watch failed; retrying"),
        }
    }
}

/// The cluster's client could not be built (no in-cluster service account and no
/// usable kubeconfig).
#[derive(Debug, thiserror::Error)]
#[error(
    "pod metadata for node {node}: no cluster configuration ({source}); run in a pod with a service account, set KUBECONFIG, or drop --k8s-node (and NODE_NAME) to run without pod metadata"
)]
pub struct PodWatchError {
    node: String,
    source: kube::Error,
}

/// A client for the cluster: in-cluster service account, else KUBECONFIG (the config is
/// read now; the API server is contacted only by the watch, which retries).
pub async fn client_for(node: &str) -> Result<Client, PodWatchError> {
    Client::try_default().await.map_err(|source| PodWatchError {
        node: node.to_owned(),
        source,
    })
}

/// Starts [`watch`] for `node` on a thread of its own (for callers without an async
/// runtime); the thread runs as long as the process.
pub fn spawn_watch(node: &str, store: ContainerStore) -> Result<(), PodWatchError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PodWatchError {
            node: node.to_owned(),
            source: kube::Error::Service(Box::new(e)),
        })?;
    let client = runtime.block_on(client_for(node))?;
    let name = node.to_owned();
    std::thread::Builder::new()
        .name("pod-watch".into())
        .spawn(move || runtime.block_on(watch(client, name, store)))
        .map_err(|e| PodWatchError {
            node: node.to_owned(),
            source: kube::Error::Service(Box::new(e)),
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const A: &str = "containerd://aaaaaaaaaaaa0000000000000000000000000000000000000000000000000000";
    const B: &str = "cri-o://bbbbbbbbbbbb1111111111111111111111111111111111111111111111111111";
    const C: &str = "docker://cccccccccccc2222222222222222222222222222222222222222222222222222";
    const D: &str = "containerd://dddddddddddd3333333333333333333333333333333333333333333333333333";

    fn pod(spec: Value, status: Value) -> Pod {
        serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "uid": "uid-1",
                         "labels": {"tier": "front", "app": "web"}},
            "spec": spec, "status": status,
        }))
        .expect("pod")
    }

    fn status(name: &str, id: Option<&str>, image: &str) -> Value {
        json!({"name": name, "containerID": id, "image": image,
               "imageID": format!("docker.io/library/{name}@sha256:{name}"),
               "ready": true, "restartCount": 0})
    }

    #[test]
    fn runtime_and_mounts_as_the_runtime_reports_them() {
        let p = pod(
            json!({
                "containers": [{"name": "app", "image": "nginx", "volumeMounts": [
                    {"name": "proc", "mountPath": "/host/proc", "readOnly": true,
                     "mountPropagation": "HostToContainer"},
                    {"name": "cache", "mountPath": "/cache"},
                    {"name": "conf", "mountPath": "/etc/app.conf", "subPath": "app.conf"},
                    {"name": "sock", "mountPath": "/run/x.sock", "mountPropagation": "Bidirectional"},
                    {"name": "undeclared", "mountPath": "/u"}
                ]}],
                "volumes": [
                    {"name": "proc", "hostPath": {"path": "/proc"}},
                    {"name": "cache", "emptyDir": {}},
                    {"name": "conf", "configMap": {"name": "app"}},
                    {"name": "sock", "hostPath": {"path": "/run/x.sock/"}}
                ]
            }),
            json!({"containerStatuses": [status("app", Some(B), "nginx")]}),
        );
        let metas = metas_of(&p);
        let [m] = metas.as_slice() else {
            panic!("{metas:?}")
        };
        assert_eq!(m.runtime, "cri-o");
        let mounts: Vec<String> = m.mounts.iter().map(|x| x.to_string()).collect();
        assert_eq!(
            mounts,
            [
                "/proc:/host/proc::false:rslave",
                "/var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~empty-dir/cache:/cache::true:rprivate",
                "/var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~configmap/conf/app.conf:/etc/app.conf::true:rprivate",
                "/run/x.sock/:/run/x.sock::true:rshared",
                "/var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~unknown/undeclared:/u::true:rprivate",
            ]
        );
        for (id, runtime) in [(A, "containerd"), (C, "docker")] {
            let p = pod(
                json!({"containers": [{"name": "x"}]}),
                json!({"containerStatuses": [status("x", Some(id), "i")]}),
            );
            assert_eq!(metas_of(&p)[0].runtime, runtime);
        }
    }

    #[test]
    fn every_started_container_with_its_pod() {
        let p = pod(
            json!({
                "hostPID": true, "hostNetwork": true,
                "containers": [
                    {"name": "app", "image": "nginx:1.25", "securityContext": {"privileged": true}},
                    {"name": "side", "image": "envoy:1", "securityContext": {"privileged": false}},
                    {"name": "late", "image": "busybox"}
                ],
                "initContainers": [{"name": "init", "image": "alpine:3",
                                    "securityContext": {"privileged": true}}],
                "ephemeralContainers": [{"name": "debug", "image": "debian"}]
            }),
            json!({
                "podIP": "10.0.0.7",
                "containerStatuses": [
                    status("app", Some(A), "docker.io/library/nginx:1.25"),
                    // The runtime has not reported an image: the spec's is used.
                    status("side", Some(B), ""),
                    // Not started yet: no container id, no entry.
                    status("late", None, "busybox"),
                ],
                "initContainerStatuses": [status("init", Some(C), "alpine:3")],
                "ephemeralContainerStatuses": [status("debug", Some(D), "debian")],
            }),
        );
        let metas = metas_of(&p);
        let summary: Vec<(&str, &str, &str, bool)> = metas
            .iter()
            .map(|m| {
                (
                    m.id.as_str(),
                    m.name.as_str(),
                    m.image.as_str(),
                    m.privileged,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("aaaaaaaaaaaa", "app", "docker.io/library/nginx:1.25", true),
                ("bbbbbbbbbbbb", "side", "envoy:1", false),
                ("cccccccccccc", "init", "alpine:3", true),
                ("dddddddddddd", "debug", "debian", false),
            ]
        );
        let app = &metas[0];
        assert_eq!(app.image_id, "docker.io/library/app@sha256:app");
        assert_eq!(app.image_digest(), "sha256:app");
        assert!(app.host_pid && app.host_network && !app.host_ipc);
        for m in &metas {
            assert_eq!(
                (
                    m.pod_name.as_str(),
                    m.pod_namespace.as_str(),
                    m.pod_uid.as_str()
                ),
                ("web-1", "shop", "uid-1")
            );
            assert_eq!(m.pod_ip, "10.0.0.7");
            let labels = [("app", "web"), ("tier", "front")].map(|(k, v)| (k.into(), v.into()));
            assert_eq!(m.pod_labels, labels, "sorted by key");
        }
    }

    #[test]
    fn a_status_matches_the_spec_container_of_its_own_list() {
        // The same name in two lists: privileged only as an init container.
        let p = pod(
            json!({
                "containers": [{"name": "x", "image": "a"}],
                "initContainers": [{"name": "x", "image": "b",
                                    "securityContext": {"privileged": true}}]
            }),
            json!({
                "containerStatuses": [status("x", Some(A), "")],
                "initContainerStatuses": [status("x", Some(B), "")],
            }),
        );
        let got: Vec<(String, bool)> = metas_of(&p)
            .into_iter()
            .map(|m| (m.image, m.privileged))
            .collect();
        assert_eq!(got, [("a".into(), false), ("b".into(), true)]);
    }

    #[test]
    fn sparse_or_odd_pods_give_what_they_have() {
        // No spec, no status, no metadata: nothing, and no panic.
        let bare: Pod =
            serde_json::from_value(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {}}))
                .expect("pod");
        assert!(metas_of(&bare).is_empty());
        // A status without a spec, and container ids short_id refuses.
        let mut p = pod(
            json!({"containers": []}),
            json!({"containerStatuses": [
                status("a", Some(A), "img"),
                status("b", Some("containerd://xyz"), "img"),
                status("c", Some(""), "img"),
            ]}),
        );
        p.spec = None;
        p.metadata.labels = None;
        let metas = metas_of(&p);
        assert_eq!(metas.len(), 1);
        let m = &metas[0];
        assert_eq!((m.name.as_str(), m.image.as_str()), ("a", "img"));
        assert!(!m.privileged && !m.host_pid && !m.host_network && !m.host_ipc);
        assert!(m.pod_labels.is_empty() && m.pod_ip.is_empty());
    }
}
