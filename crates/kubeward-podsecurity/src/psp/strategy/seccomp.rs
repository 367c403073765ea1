//! Seccomp through the policy annotations: an allow-list (`*` = any; `runtime/default`
//! and `docker/default` imply each other) and a default set on the pod annotation.
//! Profiles set through the 1.19+ fields are translated to annotation syntax first.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::SeccompProfile;

use crate::psp::field::FieldError;
use crate::psp::types::{SECCOMP_ALLOWED, SECCOMP_CONTAINER_PREFIX, SECCOMP_DEFAULT, SECCOMP_POD};

/// The seccomp strategy of a policy, from its `seccomp.security.alpha.kubernetes.io/*` annotations.
#[derive(Clone, Debug, PartialEq)]
pub struct Seccomp {
    default: String,
    /// `None` when the policy has no allow-list annotation.
    allowed: Option<Vec<String>>,
    allow_any: bool,
    allowed_raw: String,
}

/// A profile field in annotation syntax.
pub fn annotation_for_field(p: &SeccompProfile) -> String {
    match p.type_.as_str() {
        "RuntimeDefault" => "runtime/default".into(),
        "Unconfined" => "unconfined".into(),
        "Localhost" => format!("localhost/{}", p.localhost_profile.as_deref().unwrap_or("")),
        _ => String::new(),
    }
}

impl Seccomp {
    /// The strategy of the policy's annotations.
    pub fn build(annotations: &BTreeMap<String, String>) -> Self {
        let raw = annotations.get(SECCOMP_ALLOWED);
        let mut allow_any = false;
        let allowed = raw.map(|raw| {
            raw.split(',')
                .filter(|p| {
                    let any = *p == "*";
                    allow_any |= any;
                    !any
                })
                .map(String::from)
                .collect()
        });
        Seccomp {
            default: annotations
                .get(SECCOMP_DEFAULT)
                .cloned()
                .unwrap_or_default(),
            allowed,
            allow_any,
            allowed_raw: raw.cloned().unwrap_or_default(),
        }
    }

    /// The pod annotation value after defaulting, given the pod's annotation and field.
    pub fn generate(&self, annotation: Option<&str>, field: Option<&SeccompProfile>) -> String {
        match (annotation, field) {
            (Some(a), _) if !a.is_empty() => a.to_string(),
            (_, Some(f)) => annotation_for_field(f),
            _ => self.default.clone(),
        }
    }

    fn allowed_set(&self) -> &[String] {
        self.allowed.as_deref().unwrap_or_default()
    }

    fn allowed(&self, profile: &str) -> bool {
        let set = self.allowed_set();
        if set.is_empty() && profile.is_empty() {
            return true;
        }
        let has = |p: &str| set.iter().any(|a| a == p);
        self.allow_any
            || has(profile)
            || (profile == "docker/default" && has("runtime/default"))
            || (profile == "runtime/default" && has("docker/default"))
    }

    fn check(&self, path: String, profile: &str) -> Vec<FieldError> {
        if !self.allow_any && self.allowed_set().is_empty() && !profile.is_empty() {
            return vec![FieldError::forbidden(path, "seccomp may not be set")];
        }
        if !self.allowed(profile) {
            return vec![FieldError::forbidden(
                path,
                format!(
                    "{profile} is not an allowed seccomp profile. Valid values are {}",
                    self.allowed_raw
                ),
            )];
        }
        vec![]
    }

    /// The pod profile: the annotation, else the field.
    pub fn validate_pod(
        &self,
        annotations: &BTreeMap<String, String>,
        field: Option<&SeccompProfile>,
    ) -> Vec<FieldError> {
        let mut profile = annotations.get(SECCOMP_POD).cloned().unwrap_or_default();
        if profile.is_empty() {
            if let Some(f) = field {
                profile = annotation_for_field(f);
            }
        }
        self.check(format!("pod.metadata.annotations[{SECCOMP_POD}]"), &profile)
    }

    /// A container's profile: its field, its annotation, the pod field, the pod
    /// annotation, first set wins.
    pub fn validate_container(
        &self,
        name: &str,
        annotations: &BTreeMap<String, String>,
        container_field: Option<&SeccompProfile>,
        pod_field: Option<&SeccompProfile>,
    ) -> Vec<FieldError> {
        let key = format!("{SECCOMP_CONTAINER_PREFIX}{name}");
        let profile = if let Some(f) = container_field {
            annotation_for_field(f)
        } else if let Some(a) = annotations.get(&key) {
            a.clone()
        } else if let Some(f) = pod_field {
            annotation_for_field(f)
        } else {
            annotations.get(SECCOMP_POD).cloned().unwrap_or_default()
        };
        self.check(format!("pod.metadata.annotations[{key}]"), &profile)
    }
}
