//! The admission plugin's choice of policy, as of Kubernetes 1.24.
//!
//! Each usable policy defaults a copy of the pod and validates it. A policy that admits
//! the pod unchanged wins at once; otherwise the first (by name) that admits it after
//! mutating wins. Policies are tried in byte order of name, except that on update the
//! policy named by the pod's `kubernetes.io/psp` annotation goes first and no policy may
//! mutate. Only policies the requesting user or the pod's service account may `use`
//! count, and only their errors are reported.

use super::field::{FieldError, error_list};
use super::load::Policy;
use super::provider::Pod;
use super::types::VALIDATED_PSP_ANNOTATION;
use crate::gofmt::go_quote;

/// The kind of request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Mutating admission: the pod may be defaulted.
    Create,
    /// Validating admission of an update: no policy may change the pod.
    Update,
}

/// An authenticated identity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// The user name, e.g. `system:serviceaccount:ns:sa`.
    pub name: String,
    /// The user's groups.
    pub groups: Vec<String>,
}

/// Answers "may `user` use podsecuritypolicy `policy` in `namespace`" (API group
/// `policy`, or the legacy `extensions`).
pub trait Authorizer {
    /// Whether `user` may `use` the PodSecurityPolicy named `policy` in `namespace` (RBAC verb `use` on `podsecuritypolicies`).
    fn may_use(&self, user: &UserInfo, namespace: &str, policy: &str) -> bool;
}

/// Every policy is usable by everyone: the default when no RBAC is given.
pub struct AllowAll;

impl Authorizer for AllowAll {
    fn may_use(&self, _: &UserInfo, _: &str, _: &str) -> bool {
        true
    }
}

/// One pod admission request.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// The pod as submitted.
    pub pod: &'a Pod,
    /// The name the API server prints: the pod's name, or its generateName prefix.
    pub name: &'a str,
    /// The namespace the pod is created in.
    pub namespace: &'a str,
    /// Create (policies may default the pod) or update (validation only).
    pub operation: Operation,
    /// The requesting user; `None` when only the service account is considered.
    pub user: Option<&'a UserInfo>,
}

/// An error of one policy (`policy` is `None` for pod validation after admission).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// The policy's name; `None` for the validation of the admitted pod.
    pub policy: Option<String>,
    /// The field error.
    pub error: FieldError,
}

/// The outcome.
#[derive(Clone, Debug)]
pub struct Decision {
    /// Whether the pod is admitted.
    pub allowed: bool,
    /// The chosen policy (the `kubernetes.io/psp` annotation's value).
    pub policy: Option<String>,
    /// Whether the chosen policy changed the pod (besides the annotation).
    pub mutated: bool,
    /// The pod as stored: defaulted and annotated on create; unchanged on update or
    /// denial.
    pub pod: Pod,
    /// Errors of the usable policies, in name order, when denied.
    pub errors: Vec<PolicyError>,
    /// The API server's message when denied.
    pub message: Option<String>,
}

/// The service account identity the plugin checks besides the user. The ServiceAccount
/// admission plugin runs first and sets an empty `serviceAccountName` to `default`.
pub fn service_account(pod: &Pod, namespace: &str) -> UserInfo {
    #[allow(deprecated)]
    let name = pod
        .spec
        .service_account_name
        .clone()
        .or_else(|| pod.spec.service_account.clone())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".to_string());
    UserInfo {
        name: format!("system:serviceaccount:{namespace}:{name}"),
        groups: vec![
            "system:serviceaccounts".to_string(),
            format!("system:serviceaccounts:{namespace}"),
        ],
    }
}

/// The PodSecurityPolicy admission plugin's decision for one pod (see the module docs for the order): the policies `authz` lets the user or the pod's service account `use` are tried, and the first that admits the pod is chosen.
pub fn admit(policies: &[Policy], req: &Request<'_>, authz: &dyn Authorizer) -> Decision {
    let mutation_allowed = req.operation == Operation::Create;
    let hint = req
        .pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(VALIDATED_PSP_ANNOTATION))
        .filter(|_| !mutation_allowed);
    let mut order: Vec<&Policy> = policies.iter().collect();
    order.sort_by(|a, b| {
        let (ah, bh) = (Some(&a.name) == hint, Some(&b.name) == hint);
        bh.cmp(&ah)
            .then_with(|| a.name.as_bytes().cmp(b.name.as_bytes()))
    });
    let providers: Vec<_> = order
        .iter()
        .filter_map(|p| p.provider.as_ref().ok())
        .collect();
    let deny = |errors: Vec<PolicyError>, message: String| Decision {
        allowed: false,
        policy: None,
        mutated: false,
        pod: req.pod.clone(),
        errors,
        message: Some(message),
    };
    if providers.is_empty() {
        let msg = format!(
            "pods {} is forbidden: no providers available to validate pod request",
            go_quote(req.name)
        );
        return deny(vec![], msg);
    }
    let sa = service_account(req.pod, req.namespace);
    let authorized = |name: &str| {
        authz.may_use(&sa, req.namespace, name)
            || req
                .user
                .is_some_and(|u| authz.may_use(u, req.namespace, name))
    };
    let mut first_mutating: Option<(String, Pod)> = None;
    let mut failures: Vec<(String, Vec<FieldError>)> = vec![];
    let mut chosen: Option<(String, Pod, bool)> = None;
    for provider in providers {
        let mut copy = req.pod.clone();
        provider.mutate(&mut copy);
        let errs = provider.validate(&copy);
        if !errs.is_empty() {
            failures.push((provider.name.clone(), errs));
            continue;
        }
        let mutated = copy != *req.pod;
        if (mutated && !mutation_allowed) || !authorized(&provider.name) {
            continue;
        }
        if !mutated {
            chosen = Some((provider.name.clone(), copy, false));
            break;
        }
        if first_mutating.is_none() {
            first_mutating = Some((provider.name.clone(), copy));
        }
    }
    let chosen = chosen.or_else(|| first_mutating.map(|(n, p)| (n, p, true)));
    let Some((name, mut pod, mutated)) = chosen else {
        let mut errors = vec![];
        for (policy, errs) in failures {
            if authorized(&policy) {
                errors.extend(errs.into_iter().map(|error| PolicyError {
                    policy: Some(policy.clone()),
                    error,
                }));
            }
        }
        let list: Vec<FieldError> = errors.iter().map(|e| e.error.clone()).collect();
        let verb = if mutation_allowed {
            "admit"
        } else {
            "validate"
        };
        let msg = format!(
            "pods {} is forbidden: PodSecurityPolicy: unable to {verb} pod: {}",
            go_quote(req.name),
            error_list(&list)
        );
        return deny(errors, msg);
    };
    if mutation_allowed {
        pod.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(VALIDATED_PSP_ANNOTATION.to_string(), name.clone());
    }
    // Object validation runs after mutating admission: a hostPath with a `..` segment
    // passes PSP's plain prefix match but never reaches storage.
    let invalid = backstep_errors(&pod);
    if !invalid.is_empty() {
        let text = match invalid.as_slice() {
            [one] => one.to_string(),
            many => {
                let parts: Vec<String> = many.iter().map(ToString::to_string).collect();
                format!("[{}]", parts.join(", "))
            }
        };
        let msg = format!("Pod {} is invalid: {text}", go_quote(req.name));
        let errors = invalid
            .into_iter()
            .map(|error| PolicyError {
                policy: None,
                error,
            })
            .collect();
        return deny(errors, msg);
    }
    Decision {
        allowed: true,
        policy: Some(name),
        mutated,
        pod,
        errors: vec![],
        message: None,
    }
}

/// Pod validation's rule that hostPath paths have no `..` segment.
fn backstep_errors(pod: &Pod) -> Vec<FieldError> {
    let mut errs = vec![];
    for (i, v) in pod.spec.volumes.iter().flatten().enumerate() {
        if let Some(hp) = &v.host_path {
            if hp.path.split('/').any(|s| s == "..") {
                errs.push(FieldError::invalid(
                    format!("spec.volumes[{i}].hostPath.path"),
                    go_quote(&hp.path),
                    "must not contain '..'",
                ));
            }
        }
    }
    errs
}
