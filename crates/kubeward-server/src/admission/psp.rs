//! PodSecurityPolicy emulation: the admission plugin's mutating (admit) phase on
//! `/mutate`, answering with the JSON Patch of the chosen policy's defaults, and its
//! validating phase on `/validate`, where no policy may change the pod.

use kube::core::admission::Operation as ReviewOperation;
use kubeward_podsecurity::psp::{
    AllowAll, Operation, Pod, Policy, Request as PspRequest, UserInfo, admit_pod,
};
use serde_json::Value;

use super::pss::Decision;
use super::review::{Request, Verdict, decode, object_json};

/// Audit annotation keys of the plugin.
pub const ADMIT_POLICY: &str = "admit-policy";
/// Audit annotation naming the policy that validated the pod on `/validate` (the plugin's `validate-policy`).
pub const VALIDATE_POLICY: &str = "validate-policy";

/// Which phase of the plugin a request is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Mutating admission: CREATE only; the pod may be defaulted.
    Admit,
    /// Validating admission (CREATE and UPDATE): the pod must pass as it is.
    Validate,
}

fn without_ignored_metadata(mut v: Value) -> Value {
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in [
            "ownerReferences",
            "finalizers",
            "managedFields",
            "resourceVersion",
        ] {
            meta.remove(key);
        }
    }
    v
}

/// The plugin's answer for one request. Policies are used by everyone (no RBAC in the
/// emulation: every policy counts as authorized).
pub fn review(req: &Request, policies: &[Policy], phase: Phase) -> Decision {
    if req.resource.resource != "pods" || req.sub_resource.is_some() {
        return Verdict::allow().into();
    }
    let operation = match (&req.operation, phase) {
        (ReviewOperation::Create, Phase::Admit) => Operation::Create,
        (ReviewOperation::Create | ReviewOperation::Update, Phase::Validate) => Operation::Update,
        _ => return Verdict::allow().into(),
    };
    // The plugin fails closed when the object is not a pod (here: absent), with the
    // Forbidden error its type check gives (`%T` of nil is `<nil>`; with no name in the
    // request and no object to take one from, the name is `Unknown`).
    let Some(object) = req.object.as_ref() else {
        let name = if req.name.is_empty() {
            "Unknown"
        } else {
            req.name.as_str()
        };
        let msg = format!("pods \"{name}\" is forbidden: unexpected type <nil>");
        return Verdict::deny(403, "Forbidden", msg).into();
    };
    let raw = object_json(object);
    if req.operation == ReviewOperation::Update {
        if let Some(old) = req.old_object.as_ref() {
            // Updates of only owner references or finalizers are not the plugin's business.
            if without_ignored_metadata(object_json(old)) == without_ignored_metadata(raw.clone()) {
                return Verdict::allow().into();
            }
        }
    }
    let parts = match decode("pods", &raw) {
        Ok(Some(p)) => p,
        Ok(None) | Err(_) => {
            return Verdict::deny(400, "BadRequest", "unable to decode pod").into();
        }
    };
    let pod = Pod {
        metadata: parts.metadata,
        spec: parts.spec,
    };
    let namespace = req.namespace.clone().unwrap_or_default();
    let name = if req.name.is_empty() {
        pod.metadata
            .name
            .clone()
            .or_else(|| pod.metadata.generate_name.clone())
            .unwrap_or_default()
    } else {
        req.name.clone()
    };
    let user = UserInfo {
        name: req.user_info.username.clone().unwrap_or_default(),
        groups: req.user_info.groups.clone().unwrap_or_default(),
    };
    let request = PspRequest {
        pod: &pod,
        name: &name,
        namespace: &namespace,
        operation,
        user: Some(&user),
    };
    // The same admission as `psp admit` and `scan --psp`: the patch is computed on the
    // typed pod and applied to the object as sent, which proves it applies.
    let admission = admit_pod(policies, &request, &AllowAll, raw);
    let decision = admission.decision;
    if !decision.allowed {
        let msg = decision
            .message
            .unwrap_or_else(|| format!("pods \"{name}\" is forbidden"));
        return Verdict::deny(403, "Forbidden", msg).into();
    }
    let chosen = decision.policy.clone().unwrap_or_default();
    let key = match phase {
        Phase::Admit => ADMIT_POLICY,
        Phase::Validate => VALIDATE_POLICY,
    };
    let mut verdict = Verdict::allow().annotate(key, chosen);
    if phase == Phase::Admit {
        if let Err(e) = admission.patched {
            let at = format!("{} {}", e.op, e.path);
            tracing::error!(uid = %req.uid, at, "PSP patch does not apply to the submitted pod");
            let msg = format!("internal error: defaults patch does not apply at {at}");
            return Verdict::deny(500, "InternalError", msg).into();
        }
        verdict.patch = admission.patch;
    }
    verdict.into()
}
