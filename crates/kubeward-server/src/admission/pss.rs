//! The PodSecurity admission plugin's decisions (reference section 2), request by request:
//! pods are enforced, audited and warned; workload resources only audited and warned;
//! Namespaces have their labels validated.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, EphemeralContainer, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::core::admission::Operation;
use kubeward_manifest::Workload;
use kubeward_podsecurity::standards::config::Defaults;
pub use kubeward_podsecurity::standards::config::{Exemptions, PodSecurityConfiguration};
use kubeward_podsecurity::standards::namespace::{self, LabelError, NamespacePolicy, Policy};
use kubeward_podsecurity::standards::{
    Level, Violation, evaluate, forbidden_message, warning_message,
};

use super::review::{PodParts, Request, Verdict, decode, object_json};

/// Audit annotation keys, without the prefix the API server adds.
pub const ENFORCE_POLICY: &str = "enforce-policy";
/// Audit annotation with the violations of the namespace's `pod-security.kubernetes.io/audit` level.
pub const AUDIT_VIOLATIONS: &str = "audit-violations";
/// Audit annotation saying why a request was exempt: `user`, `namespace` or `runtimeClass`.
pub const EXEMPT: &str = "exempt";
/// Audit annotation of a request allowed without a decision (failure policy `Ignore`), holding the reason.
pub const ERROR: &str = "error";

/// The internal error for a workload review without an object.
pub const MISSING_OBJECT: &str = "admission request has no object to evaluate";

/// Pod subresources the plugin lets through unevaluated.
const IGNORED_POD_SUBRESOURCES: [&str; 8] = [
    "attach",
    "binding",
    "eviction",
    "exec",
    "log",
    "portforward",
    "proxy",
    "status",
];

/// A namespace's labels, or why they could not be had.
pub type Lookup<'a> = Result<&'a BTreeMap<String, String>, String>;

/// One failed check, for the metrics: mode (`enforce`, `audit`, `warn`) and check id.
pub type Finding = (&'static str, &'static str);

/// A verdict and the checks that failed in each mode.
#[derive(Debug, Default)]
pub struct Decision {
    /// The answer to the API server.
    pub verdict: Verdict,
    /// Each failed check, per mode, for the `kubeward_admission` metrics.
    pub findings: Vec<Finding>,
}

impl From<Verdict> for Decision {
    fn from(verdict: Verdict) -> Self {
        Decision {
            verdict,
            findings: Vec::new(),
        }
    }
}

/// The Pod Security labels of `labels`, unlabelled modes taking `defaults`, with parse
/// errors.
pub fn policy_of(
    labels: &BTreeMap<String, String>,
    defaults: &Defaults,
) -> (NamespacePolicy, Vec<LabelError>) {
    namespace::resolve_with(Some(defaults), |key| labels.get(key).cloned())
}

/// Go's aggregate error text: one error alone, several as `[a, b]`.
fn aggregate(errors: &[String]) -> String {
    match errors {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

fn parse_error_annotation(errors: &[LabelError]) -> Option<String> {
    (!errors.is_empty()).then(|| {
        let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!("Failed to parse policy: {}", aggregate(&texts))
    })
}

/// Whether the resource is one PodSecurity audits and warns for: a kind that templates
/// pods, not the Pod itself.
pub fn is_workload(resource: &str) -> bool {
    Workload::by_resource(resource).is_some_and(|w| !w.is_pod())
}

/// The plugin handles CREATE and UPDATE only; DELETE and CONNECT pass.
fn creates_or_updates(req: &Request) -> bool {
    matches!(req.operation, Operation::Create | Operation::Update)
}

fn user_exempt(req: &Request, ex: &PodSecurityConfiguration) -> bool {
    req.user_info
        .username
        .as_ref()
        .is_some_and(|u| ex.exemptions.usernames.contains(u))
}

fn runtime_class_exempt(spec: &PodSpec, ex: &PodSecurityConfiguration) -> bool {
    spec.runtime_class_name
        .as_ref()
        .is_some_and(|rc| !rc.is_empty() && ex.exemptions.runtime_classes.contains(rc))
}

/// PodSecurity for a Pod (reference 2.3). `lookup` is `None` when the namespace is exempt
/// and so was never looked up.
pub fn review_pod(req: &Request, ex: &PodSecurityConfiguration, lookup: Lookup<'_>) -> Decision {
    if !creates_or_updates(req)
        || req
            .sub_resource
            .as_deref()
            .is_some_and(|s| IGNORED_POD_SUBRESOURCES.contains(&s))
    {
        return Verdict::allow().into();
    }
    let labels = match namespace_labels(req, ex, lookup, |ns, e| {
        tracing::warn!(namespace = ns, error = %e, "namespace lookup failed");
        Verdict::deny(
            500,
            "InternalError",
            format!("failed to lookup namespace \"{ns}\""),
        )
    }) {
        Ok(l) => l,
        Err(settled) => return settled.into(),
    };
    let (policy, errors) = policy_of(labels, &ex.defaults);
    let error_note = parse_error_annotation(&errors);
    if policy.all_privileged() && errors.is_empty() {
        return Verdict::allow()
            .annotate(ENFORCE_POLICY, policy.enforce().to_string())
            .into();
    }
    // A CREATE or UPDATE always carries the object; a review without one was not written
    // by the API server, and upstream's type check refuses it (fail closed).
    let Some(object) = req.object.as_ref() else {
        return Verdict::deny(400, "BadRequest", "failed to decode pod").into();
    };
    let new = object_json(object);
    let pod = match decode("pods", &new) {
        Ok(Some(p)) => p,
        Ok(None) | Err(_) => {
            return Verdict::deny(400, "BadRequest", "unable to decode pod").into();
        }
    };
    if req.operation == Operation::Update {
        let Some(old) = req.old_object.as_ref() else {
            return Verdict::deny(400, "BadRequest", "failed to decode old pod").into();
        };
        let old = decode("pods", &object_json(old)).ok().flatten();
        match old {
            Some(old) if !significant_update(&old.spec, &pod.spec) => {
                return Verdict::allow().into();
            }
            _ => {}
        }
    }
    if runtime_class_exempt(&pod.spec, ex) {
        return Verdict::allow().annotate(EXEMPT, "runtimeClass").into();
    }
    let name = pod_name(req, &pod.metadata);
    let mut d = evaluate_modes(&policy, &pod, Some(&name));
    if let Some(note) = error_note {
        d.verdict.audit.insert(ERROR.into(), note);
    }
    d
}

/// The name the API server prints.
fn pod_name(req: &Request, meta: &ObjectMeta) -> String {
    if !req.name.is_empty() {
        return req.name.clone();
    }
    meta.name
        .clone()
        .or_else(|| meta.generate_name.clone())
        .unwrap_or_default()
}

/// The namespace's labels, or the verdict that settles the review without them: the
/// request's exemption, checked first because an exempt request never needed the lookup,
/// or what `on_error` makes of a failed lookup (given the namespace and the error), which
/// differs between the Pod and the workload review.
fn namespace_labels<'a>(
    req: &Request,
    ex: &PodSecurityConfiguration,
    lookup: Lookup<'a>,
    on_error: impl FnOnce(&str, String) -> Verdict,
) -> Result<&'a BTreeMap<String, String>, Verdict> {
    if let Some(exempt) = exempt_by_request(req, ex) {
        return Err(exempt);
    }
    lookup.map_err(|e| on_error(req.namespace.as_deref().unwrap_or(""), e))
}

fn exempt_by_request(req: &Request, ex: &PodSecurityConfiguration) -> Option<Verdict> {
    if req
        .namespace
        .as_ref()
        .is_some_and(|ns| ex.exemptions.namespaces.contains(ns))
    {
        return Some(Verdict::allow().annotate(EXEMPT, "namespace"));
    }
    user_exempt(req, ex).then(|| Verdict::allow().annotate(EXEMPT, "user"))
}

/// Enforce (pods only: `enforce_name` is the pod's name), audit, then warn if allowed.
fn evaluate_modes(
    policy: &NamespacePolicy,
    pod: &PodParts,
    enforce_name: Option<&str>,
) -> Decision {
    let mut d = Decision::from(Verdict::allow());
    let run = |p: Policy| evaluate(p.level, p.version, &pod.metadata, &pod.spec);
    let mut cache: Vec<(Policy, Vec<Violation>)> = Vec::with_capacity(3);
    let mut results = |p: Policy| -> Vec<Violation> {
        if let Some((_, v)) = cache.iter().find(|(q, _)| *q == p) {
            return v.clone();
        }
        let v = run(p);
        cache.push((p, v.clone()));
        v
    };
    if let Some(name) = enforce_name {
        let enforce = policy.enforce();
        d.verdict
            .audit
            .insert(ENFORCE_POLICY.into(), enforce.to_string());
        if enforce.level != Level::Privileged {
            let v = results(enforce);
            if !v.is_empty() {
                d.findings.extend(v.iter().map(|v| ("enforce", v.check)));
                let msg = forbidden_message(
                    "pods",
                    name,
                    enforce.level,
                    &enforce.version.to_string(),
                    &v,
                );
                let audit = std::mem::take(&mut d.verdict.audit);
                d.verdict = Verdict::deny(403, "Forbidden", msg);
                d.verdict.audit = audit;
            }
        }
    }
    if let Some(audit) = policy.audit {
        let v = results(audit);
        if !v.is_empty() {
            d.findings.extend(v.iter().map(|v| ("audit", v.check)));
            d.verdict.audit.insert(
                AUDIT_VIOLATIONS.into(),
                warning_message(audit.level, &audit.version.to_string(), &v),
            );
        }
    }
    if let (Some(warn), true) = (policy.warn, d.verdict.allowed) {
        let v = results(warn);
        if !v.is_empty() {
            d.findings.extend(v.iter().map(|v| ("warn", v.check)));
            d.verdict
                .warnings
                .push(warning_message(warn.level, &warn.version.to_string(), &v));
        }
    }
    d
}

/// Whether a pod update can change what PodSecurity decides: container counts, any image,
/// or an ephemeral container added or its image changed (matched by name).
pub fn significant_update(old: &PodSpec, new: &PodSpec) -> bool {
    let images = |c: &[Container]| c.iter().map(|c| c.image.clone()).collect::<Vec<_>>();
    let init_old = old.init_containers.as_deref().unwrap_or_default();
    let init_new = new.init_containers.as_deref().unwrap_or_default();
    if old.containers.len() != new.containers.len() || init_old.len() != init_new.len() {
        return true;
    }
    if images(&old.containers) != images(&new.containers) || images(init_old) != images(init_new) {
        return true;
    }
    let eph_old: &[EphemeralContainer] = old.ephemeral_containers.as_deref().unwrap_or_default();
    let eph_new: &[EphemeralContainer] = new.ephemeral_containers.as_deref().unwrap_or_default();
    eph_new.iter().any(|n| {
        eph_old
            .iter()
            .find(|o| o.name == n.name)
            .is_none_or(|o| o.image != n.image)
    })
}

/// PodSecurity for a workload resource (reference 2.4): never denies.
pub fn review_workload(
    req: &Request,
    ex: &PodSecurityConfiguration,
    lookup: Lookup<'_>,
) -> Decision {
    if !creates_or_updates(req) || req.sub_resource.is_some() {
        return Verdict::allow().into();
    }
    // A workload review never denies, so a failed lookup only annotates.
    let labels = match namespace_labels(req, ex, lookup, |ns, e| {
        Verdict::allow().annotate(ERROR, format!("failed to lookup namespace \"{ns}\": {e}"))
    }) {
        Ok(l) => l,
        Err(settled) => return settled.into(),
    };
    let (policy, errors) = policy_of(labels, &ex.defaults);
    if policy.warn.is_none() && policy.audit.is_none() {
        return Verdict::allow().into();
    }
    // Upstream's pod spec extraction has no answer for a missing object (it fails the
    // call), so this is an internal error: `--failure-policy` decides, as the API server
    // would for a failed webhook call.
    let Some(object) = req.object.as_ref() else {
        return Verdict::deny(500, "InternalError", MISSING_OBJECT).into();
    };
    let resource = req.resource.resource.as_str();
    let pod = match decode(resource, &object_json(object)) {
        Ok(Some(p)) => p,
        Ok(None) => return Verdict::allow().into(),
        Err(e) => return Verdict::allow().annotate(ERROR, e).into(),
    };
    if runtime_class_exempt(&pod.spec, ex) {
        return Verdict::allow().annotate(EXEMPT, "runtimeClass").into();
    }
    let mut d = evaluate_modes(&policy, &pod, None);
    if let Some(note) = parse_error_annotation(&errors) {
        d.verdict.audit.insert(ERROR.into(), note);
    }
    d
}

/// The labels of a (Namespace) object, empty when it has none.
pub fn labels_of(obj: Option<&kube::core::DynamicObject>) -> BTreeMap<String, String> {
    obj.and_then(|o| o.metadata.labels.clone())
        .unwrap_or_default()
}

/// PodSecurity for a Namespace (reference 2.5): label validation and the exemption warning.
pub fn review_namespace(req: &Request, ex: &PodSecurityConfiguration) -> Decision {
    if req.sub_resource.is_some() || !creates_or_updates(req) {
        return Verdict::allow().into();
    }
    if req.object.is_none() {
        return Verdict::deny(400, "BadRequest", "failed to decode namespace").into();
    }
    if req.operation == Operation::Update && req.old_object.is_none() {
        return Verdict::deny(400, "BadRequest", "failed to decode old namespace").into();
    }
    let labels = labels_of(req.object.as_ref());
    let (policy, errors) = policy_of(&labels, &ex.defaults);
    let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    if !errors.is_empty() {
        let reject = match req.operation {
            Operation::Update => {
                let (_, old_errors) = policy_of(&labels_of(req.old_object.as_ref()), &ex.defaults);
                let old: Vec<String> = old_errors.iter().map(ToString::to_string).collect();
                old.is_empty() || old != texts
            }
            _ => true,
        };
        if reject {
            let msg = format!(
                "Namespace \"{}\" is invalid: {}",
                req.name,
                aggregate(&texts)
            );
            return Verdict::deny(422, "Invalid", msg).into();
        }
    }
    let mut verdict = Verdict::allow();
    if ex.exemptions.namespaces.contains(&req.name) {
        let modes = explicit_modes(&labels, &policy);
        if !modes.is_empty() {
            verdict.warnings.push(format!(
                "namespace \"{}\" is exempt from Pod Security, and the policy ({}) will be ignored",
                req.name,
                modes.join(", ")
            ));
        }
    }
    verdict.into()
}

/// The explicitly labelled non-privileged modes, as `enforce=level:version`.
fn explicit_modes(labels: &BTreeMap<String, String>, policy: &NamespacePolicy) -> Vec<String> {
    let labelled = |mode: &str| labels.contains_key(&format!("{}{mode}", namespace::PREFIX));
    let enforce = policy.enforce();
    let mut modes = Vec::new();
    if labelled("enforce") && enforce.level != Level::Privileged {
        modes.push(format!("enforce={enforce}"));
    }
    for (mode, p) in [("audit", policy.audit), ("warn", policy.warn)] {
        if let (true, Some(p)) = (labelled(mode), p) {
            modes.push(format!("{mode}={p}"));
        }
    }
    modes
}
