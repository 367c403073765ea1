//! PodSecurityPolicy emulation: the admission plugin's mutating (admit) phase on
//! `/mutate`, answering with the JSON Patch of the chosen policy's defaults, and its
//! validating phase on `/validate`, where no policy may change the pod.

use std::time::Duration;

use kube::core::admission::Operation as ReviewOperation;
use kubeward_podsecurity::psp::{
    Authorizer, Operation, Pod, Policy, Request as PspRequest, UserInfo, admit_pod,
};
use serde_json::Value;

use super::authz::{Identity, PolicyAuthorization};
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

/// A pod review the plugin judges: decoded, with the identities it authorizes.
pub struct Judged {
    operation: Operation,
    raw: Value,
    pod: Pod,
    namespace: String,
    name: String,
    /// The requesting user, as the API server authenticated them.
    pub user: Identity,
    /// The pod's service account, when the pod names one (the ServiceAccount admission
    /// plugin, which runs first, names `default` when the pod names none).
    pub service_account: Option<Identity>,
}

/// The plugin's answer for one request, with the policies' `use` authorized by
/// `authorization` (given at most `within` for it). A failed authorization is an internal
/// error, which the failure policy then decides.
pub async fn review(
    req: &Request,
    policies: &[Policy],
    phase: Phase,
    authorization: &PolicyAuthorization,
    within: Duration,
) -> Decision {
    let judged = match judge(req, phase) {
        Ok(j) => j,
        Err(d) => return *d,
    };
    let authorized = authorization
        .authorize(
            policies,
            judged.service_account.as_ref(),
            &judged.user,
            &judged.namespace,
            within,
        )
        .await;
    match authorized {
        Ok(authz) => decide(req, policies, phase, judged, &authz),
        Err(e) => {
            tracing::warn!(uid = %req.uid, error = %e, "PodSecurityPolicy use could not be authorized");
            let msg = format!("failed to authorize PodSecurityPolicy use: {e}");
            Verdict::deny(500, "InternalError", msg).into()
        }
    }
}

/// The short-circuits before any policy is consulted (`Err`: the answer), else the pod.
pub fn judge(req: &Request, phase: Phase) -> Result<Judged, Box<Decision>> {
    if req.resource.resource != "pods" || req.sub_resource.is_some() {
        return Err(Box::new(Verdict::allow().into()));
    }
    let operation = match (&req.operation, phase) {
        (ReviewOperation::Create, Phase::Admit) => Operation::Create,
        (ReviewOperation::Create | ReviewOperation::Update, Phase::Validate) => Operation::Update,
        _ => return Err(Box::new(Verdict::allow().into())),
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
        return Err(Box::new(Verdict::deny(403, "Forbidden", msg).into()));
    };
    let raw = object_json(object);
    if req.operation == ReviewOperation::Update {
        if let Some(old) = req.old_object.as_ref() {
            // Updates of only owner references or finalizers are not the plugin's business.
            if without_ignored_metadata(object_json(old)) == without_ignored_metadata(raw.clone()) {
                return Err(Box::new(Verdict::allow().into()));
            }
        }
    }
    let parts = match decode("pods", &raw) {
        Ok(Some(p)) => p,
        Ok(None) | Err(_) => {
            return Err(Box::new(
                Verdict::deny(400, "BadRequest", "unable to decode pod").into(),
            ));
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
    let info = &req.user_info;
    let user = Identity {
        user: info.username.clone().unwrap_or_default(),
        groups: info.groups.clone().unwrap_or_default(),
        uid: info.uid.clone().unwrap_or_default(),
        extra: info.extra.clone().unwrap_or_default(),
    };
    // The plugin asks about the service account only when the pod names one.
    #[allow(deprecated)]
    let sa_name = pod
        .spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            pod.spec
                .service_account
                .as_deref()
                .filter(|s| !s.is_empty())
        });
    let service_account = sa_name.map(|sa| Identity::service_account(&namespace, sa));
    Ok(Judged {
        operation,
        raw,
        pod,
        namespace,
        name,
        user,
        service_account,
    })
}

fn decide(
    req: &Request,
    policies: &[Policy],
    phase: Phase,
    judged: Judged,
    authz: &dyn Authorizer,
) -> Decision {
    let Judged {
        operation,
        raw,
        pod,
        namespace,
        name,
        user,
        ..
    } = judged;
    let user = UserInfo {
        name: user.user,
        groups: user.groups,
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
    let admission = admit_pod(policies, &request, authz, raw);
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
