//! PodSecurityPolicy admission of a pod as written, with the JSON Patch of what the chosen
//! policy defaults: one path for `psp admit` and `scan --psp` (a workload in a manifest,
//! [`admit_workload`]) and for the admission webhook's PSP mode (a pod in a review,
//! [`admit_pod`]).
//!
//! The patch is computed on the typed pod (what the policy changed) and then applied to the
//! object as written, so that it is known to apply to what the API server holds and the
//! result keeps the writer's own key order.

use kubeward_identity::rbac::{Rbac, Request as RbacRequest};
use kubeward_manifest::{LoadError, Node, Resource, pod_template};
use kubeward_report::Hint;
use serde_json::{Map, Value, json};

use super::admission::{Authorizer, Decision, Operation, Request, UserInfo, admit};
use super::load::{Policy, is_policy};
use super::patch::{PatchError, apply, diff};
use super::provider::Pod;
use crate::defaults::apply_pod_defaults;

/// RBAC's answer for the admission plugin: `use` on podsecuritypolicies in API group
/// `policy` or the legacy `extensions`.
pub struct RbacAuthorizer(pub Rbac);

impl Authorizer for RbacAuthorizer {
    fn may_use(&self, user: &UserInfo, namespace: &str, policy: &str) -> bool {
        ["policy", "extensions"].iter().any(|group| {
            self.0.allows(&RbacRequest {
                user: &user.name,
                groups: &user.groups,
                verb: "use",
                api_group: group,
                resource: "podsecuritypolicies",
                name: policy,
                namespace,
            })
        })
    }
}

/// Who submits a workload's pods, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The requesting user; `None` when only the pod's service account counts.
    pub user: Option<UserInfo>,
    /// Overrides the pods' `serviceAccountName`.
    pub service_account: Option<String>,
    /// The namespace of workloads that name none.
    pub namespace: String,
    /// The admission operation (`CREATE` or `UPDATE`).
    pub operation: Operation,
}

impl Default for Identity {
    /// A create in namespace `default` by no user: only the pod's service account counts.
    fn default() -> Self {
        Identity {
            user: None,
            service_account: None,
            namespace: "default".into(),
            operation: Operation::Create,
        }
    }
}

/// One pod's admission.
#[derive(Clone, Debug)]
pub struct Admission {
    /// Whether the pod is admitted, and under which policy.
    pub decision: Decision,
    /// RFC 6902 operations from the pod as submitted to the pod as stored.
    pub patch: Vec<Value>,
    /// The object as submitted with `patch` applied, or why the patch does not apply to it.
    pub patched: Result<Value, PatchError>,
}

/// Admits `req.pod`; `submitted` is the same pod as written (a JSON object with `metadata`
/// and `spec`), which the patch is applied to.
pub fn admit_pod(
    policies: &[Policy],
    req: &Request<'_>,
    authz: &dyn Authorizer,
    mut submitted: Value,
) -> Admission {
    let decision = admit(policies, req, authz);
    let patch = diff(&pod_json(req.pod), &pod_json(&decision.pod));
    let patched = apply(&mut submitted, &patch).map(|()| submitted);
    Admission {
        decision,
        patch,
        patched,
    }
}

/// A workload whose pod template cannot be decoded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(transparent)]
pub struct TemplateError(#[from] pub LoadError);

impl Hint for TemplateError {
    fn hint(&self) -> &str {
        "the pod template must be a mapping with metadata and spec"
    }
}

/// One workload's admission.
#[derive(Clone, Debug)]
pub struct WorkloadAdmission {
    /// The namespace its pods are created in.
    pub namespace: String,
    /// Whether the workload's pods are admitted, and under which policy.
    pub decision: Decision,
    /// RFC 6902 operations from the pod as submitted to the pod as stored.
    pub patch: Vec<Value>,
    /// The pod as stored, in the manifest's own key order where the patch applies.
    pub mutated: Value,
}

/// Admits the pod of a workload (or Pod) read from a manifest: the API server's Pod
/// defaults applied first, as they are to the pods a controller creates. `None` when the
/// resource holds no pod template (a PodSecurityPolicy itself, a ConfigMap).
pub fn admit_workload(
    policies: &[Policy],
    res: &Resource,
    authz: &dyn Authorizer,
    who: &Identity,
) -> Option<Result<WorkloadAdmission, TemplateError>> {
    if is_policy(res) {
        return None;
    }
    let tpl = match pod_template(res)? {
        Ok(t) => t,
        Err(e) => return Some(Err(e.into())),
    };
    let mut pod = Pod {
        metadata: tpl.metadata,
        spec: tpl.spec,
    };
    if let Some(sa) = &who.service_account {
        pod.spec.service_account_name = Some(sa.clone());
    }
    apply_pod_defaults(&mut pod.spec);
    let namespace = res
        .namespace
        .clone()
        .or_else(|| pod.metadata.namespace.clone())
        .unwrap_or_else(|| who.namespace.clone());
    let base = res.name.clone().unwrap_or_default();
    // Controllers name their pods from generateName `<workload>-`; the API server prints
    // that prefix when it refuses one.
    let name = if res.kind == "Pod" {
        base
    } else {
        format!("{base}-")
    };
    let req = Request {
        pod: &pod,
        name: &name,
        namespace: &namespace,
        operation: who.operation,
        user: who.user.as_ref(),
    };
    let admission = admit_pod(policies, &req, authz, raw_pod(res, tpl.node));
    let mutated = admission
        .patched
        .unwrap_or_else(|_| pod_json(&admission.decision.pod));
    Some(Ok(WorkloadAdmission {
        namespace,
        decision: admission.decision,
        patch: admission.patch,
        mutated,
    }))
}

/// A typed pod as the JSON object the API server would hold.
fn pod_json(pod: &Pod) -> Value {
    let part =
        |v: Result<Value, serde_json::Error>| v.unwrap_or_else(|_| Value::Object(Map::new()));
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": part(serde_json::to_value(&pod.metadata)),
        "spec": part(serde_json::to_value(&pod.spec)),
    })
}

/// The pod as written: the object itself for a Pod, the template made a Pod otherwise.
fn raw_pod(res: &Resource, template: &Node) -> Value {
    if res.kind == "Pod" {
        return res.node.to_json();
    }
    let part = |k: &str| template.get(k).map_or(json!({}), Node::to_json);
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": part("metadata"), "spec": part("spec")})
}
