//! Pod templates of the workload kinds.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::{LoadError, Node, Resource};

/// The kinds whose pods kubeward evaluates.
pub const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "PodTemplate",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
];

/// A workload's pod, typed, with the raw node kept for lints on fields that typed
/// structs drop.
#[derive(Clone, Debug)]
pub struct PodTemplate<'a> {
    /// Path from the object to the pod template: `""` for a Pod, `spec.template` for most
    /// workloads, `template` for a PodTemplate, `spec.jobTemplate.spec.template` for a
    /// CronJob. A finding's full path is this prefix, a dot, and its path in the template.
    pub prefix: &'static str,
    /// The template node (holding `metadata` and `spec`); for a Pod, the object itself.
    pub node: &'a Node,
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
}

/// The pod template of a workload; `None` when `res` is not a workload kind.
pub fn pod_template(res: &Resource) -> Option<Result<PodTemplate<'_>, LoadError>> {
    let _ = res;
    None
}
