//! Pod templates of the workload kinds.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::{LoadError, Node, Resource, Value, de};

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

/// Where a workload kind keeps its pod template, and the API groups that define that
/// kind. Custom resources that reuse a name (Volcano's `batch.volcano.sh` Job, say) are
/// not workloads here.
fn template_prefix(api_version: &str, kind: &str) -> Option<&'static str> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let (prefix, groups): (&'static str, &[&str]) = match kind {
        "Pod" => ("", &[""]),
        "PodTemplate" => ("template", &[""]),
        "ReplicationController" => ("spec.template", &[""]),
        "ReplicaSet" | "Deployment" | "DaemonSet" => ("spec.template", &["apps", "extensions"]),
        "StatefulSet" => ("spec.template", &["apps"]),
        "Job" => ("spec.template", &["batch"]),
        "CronJob" => ("spec.jobTemplate.spec.template", &["batch"]),
        _ => return None,
    };
    groups.contains(&group).then_some(prefix)
}

/// The pod template of a workload; `None` when `res` is not a workload kind (or is a
/// custom resource of the same name in another API group).
pub fn pod_template(res: &Resource) -> Option<Result<PodTemplate<'_>, LoadError>> {
    let prefix = template_prefix(&res.api_version, &res.kind)?;
    Some(typed(res, prefix))
}

fn typed<'a>(res: &'a Resource, prefix: &'static str) -> Result<PodTemplate<'a>, LoadError> {
    let fail = |pos, message| LoadError {
        file: res.file.clone(),
        pos: Some(pos),
        message,
        duplicate: None,
    };
    let node = if prefix.is_empty() {
        &res.node
    } else {
        match res.node.at(prefix) {
            Some(n) if matches!(n.value, Value::Map(_)) => n,
            Some(n) if !matches!(n.value, Value::Null) => {
                let message = format!(
                    "{}: {prefix} is {}, not a mapping",
                    res.kind,
                    crate::yaml::describe(&n.value)
                );
                return Err(fail(res.node.locate(prefix).pos, message));
            }
            _ => {
                let message = format!("{} has no {prefix}", res.kind);
                return Err(fail(res.node.locate(prefix).pos, message));
            }
        }
    };
    let spec_path = if prefix.is_empty() {
        "spec".to_owned()
    } else {
        format!("{prefix}.spec")
    };
    let spec_node = match node.get("spec") {
        Some(n) if !matches!(n.value, Value::Null) => n,
        _ => {
            let message = format!("{} has no {spec_path}", res.kind);
            return Err(fail(res.node.locate(&spec_path).pos, message));
        }
    };
    let spec: PodSpec = de::from_node(spec_node).map_err(|e| {
        fail(
            e.pos.unwrap_or(spec_node.pos),
            format!("{spec_path}: {}", e.message),
        )
    })?;
    let metadata: ObjectMeta = match node.get("metadata") {
        None => ObjectMeta::default(),
        Some(m) => de::from_node(m).map_err(|e| {
            let path = if prefix.is_empty() {
                "metadata".to_owned()
            } else {
                format!("{prefix}.metadata")
            };
            fail(e.pos.unwrap_or(m.pos), format!("{path}: {}", e.message))
        })?,
    };
    Ok(PodTemplate {
        prefix,
        node,
        metadata,
        spec,
    })
}
