//! AppArmor through the policy annotations: without an allow-list anything goes; with
//! one, every container's annotation must name a listed profile. The default is written
//! into each container's annotation.

use std::collections::BTreeMap;

use crate::gofmt::go_quote;
use crate::psp::field::FieldError;
use crate::psp::types::{APPARMOR_ALLOWED, APPARMOR_CONTAINER_PREFIX, APPARMOR_DEFAULT};

/// The AppArmor strategy of a policy, from its `apparmor.security.beta.kubernetes.io/*` annotations.
#[derive(Clone, Debug, PartialEq)]
pub struct AppArmor {
    default: String,
    allowed: Option<Vec<String>>,
    allowed_raw: String,
}

impl AppArmor {
    /// The strategy of the policy's annotations.
    pub fn build(annotations: &BTreeMap<String, String>) -> Self {
        let raw = annotations.get(APPARMOR_ALLOWED);
        AppArmor {
            default: annotations
                .get(APPARMOR_DEFAULT)
                .cloned()
                .unwrap_or_default(),
            allowed: raw.map(|r| r.split(',').map(String::from).collect()),
            allowed_raw: raw.cloned().unwrap_or_default(),
        }
    }

    /// The annotation to add for `container`, if any.
    pub fn generate(
        &self,
        annotations: &BTreeMap<String, String>,
        container: &str,
    ) -> Option<(String, String)> {
        let key = format!("{APPARMOR_CONTAINER_PREFIX}{container}");
        let set = annotations.get(&key).is_some_and(|v| !v.is_empty());
        (!set && !self.default.is_empty()).then(|| (key, self.default.clone()))
    }

    /// Errors for `container`'s AppArmor annotation when the policy has an allow-list: unset, or a profile not in the list.
    pub fn validate(
        &self,
        annotations: &BTreeMap<String, String>,
        container: &str,
    ) -> Vec<FieldError> {
        let Some(allowed) = &self.allowed else {
            return vec![];
        };
        let key = format!("{APPARMOR_CONTAINER_PREFIX}{container}");
        let path = format!("pod.metadata.annotations[{key}]");
        let profile = annotations.get(&key).map(String::as_str).unwrap_or("");
        if profile.is_empty() {
            // split(",") always yields at least one entry, so a list is never empty.
            return vec![FieldError::forbidden(path, "AppArmor profile must be set")];
        }
        if !allowed.iter().any(|a| a == profile) {
            return vec![FieldError::forbidden(
                path,
                format!(
                    "{profile} is not an allowed profile. Allowed values: {}",
                    go_quote(&self.allowed_raw)
                ),
            )];
        }
        vec![]
    }
}
