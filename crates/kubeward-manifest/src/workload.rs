//! Pod templates of the workload kinds.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::{LoadError, Node, Resource, Value, de};

/// A kind whose objects hold a pod: how manifests name it (`kind`), how admission reviews
/// name it (`resource`), and where its pod template sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Workload {
    /// The object's `kind`, as written in a manifest.
    pub kind: &'static str,
    /// The API resource (lowercase plural), as an admission review names it.
    pub resource: &'static str,
    /// Dotted path from the object to its pod template (the node holding `metadata` and
    /// `spec`): `""` for a Pod, which is its own template.
    pub template: &'static str,
    /// The API groups that define the kind (`""` is the core group). Custom resources that
    /// reuse a name (Volcano's `batch.volcano.sh` Job, say) are not workloads here.
    pub groups: &'static [&'static str],
}

/// The kinds whose pods kubeward evaluates, the one table every reader of pod templates uses.
pub const WORKLOADS: &[Workload] = &[
    Workload::new("Pod", "pods", "", &[""]),
    Workload::new("PodTemplate", "podtemplates", "template", &[""]),
    Workload::new(
        "ReplicationController",
        "replicationcontrollers",
        "spec.template",
        &[""],
    ),
    Workload::new("ReplicaSet", "replicasets", "spec.template", APPS),
    Workload::new("Deployment", "deployments", "spec.template", APPS),
    Workload::new("StatefulSet", "statefulsets", "spec.template", &["apps"]),
    Workload::new("DaemonSet", "daemonsets", "spec.template", APPS),
    Workload::new("Job", "jobs", "spec.template", &["batch"]),
    Workload::new(
        "CronJob",
        "cronjobs",
        "spec.jobTemplate.spec.template",
        &["batch"],
    ),
];

/// The groups of the kinds that moved from `extensions` to `apps`.
const APPS: &[&str] = &["apps", "extensions"];

impl Workload {
    const fn new(
        kind: &'static str,
        resource: &'static str,
        template: &'static str,
        groups: &'static [&'static str],
    ) -> Self {
        Workload {
            kind,
            resource,
            template,
            groups,
        }
    }

    /// The workload of `kind` defined in the group of `api_version` (`apps/v1`, `v1`).
    pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static Workload> {
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        WORKLOADS
            .iter()
            .find(|w| w.kind == kind && w.groups.contains(&group))
    }

    /// The workload an admission review names by `resource` (`deployments`).
    pub fn by_resource(resource: &str) -> Option<&'static Workload> {
        WORKLOADS.iter().find(|w| w.resource == resource)
    }

    /// Whether this is the Pod itself rather than a kind that templates pods.
    pub fn is_pod(&self) -> bool {
        self.template.is_empty()
    }
}

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
    /// The template's `metadata`, decoded (default when missing).
    pub metadata: ObjectMeta,
    /// The template's `spec`, decoded as a Kubernetes `PodSpec`.
    pub spec: PodSpec,
}

/// The pod template of a workload; `None` when `res` is not a workload kind (or is a
/// custom resource of the same name in another API group).
pub fn pod_template(res: &Resource) -> Option<Result<PodTemplate<'_>, LoadError>> {
    let workload = Workload::by_kind(&res.api_version, &res.kind)?;
    Some(typed(res, workload.template))
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
