//! Capabilities: default adds, required drops, allowed adds (`*` = any).
//!
//! Names are compared as raw strings, as upstream did: `CAP_NET_RAW`, `net_raw` and
//! `NET_RAW` are three different capabilities to PSP (the container runtime would treat
//! them alike, which is exactly why a policy written with one spelling misses the others).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Capabilities as Caps;

use crate::gofmt::go_quote;
use crate::psp::field::{FieldError, go_capabilities};
use crate::psp::types::PodSecurityPolicySpec;

/// The capabilities strategy of a policy: `defaultAddCapabilities`, `requiredDropCapabilities` and `allowedCapabilities`.
#[derive(Clone, Debug, PartialEq)]
pub struct Capabilities {
    default_add: Vec<String>,
    required_drop: Vec<String>,
    allowed: Vec<String>,
}

impl Capabilities {
    /// The strategy of the policy `spec`.
    pub fn build(spec: &PodSecurityPolicySpec) -> Self {
        Capabilities {
            default_add: spec.default_add_capabilities.clone(),
            required_drop: spec.required_drop_capabilities.clone(),
            allowed: spec.allowed_capabilities.clone(),
        }
    }

    /// add := (defaultAdd − container drops) ∪ container adds; drop := requiredDrop ∪
    /// container drops; both sorted and deduplicated (upstream's string sets), `None`
    /// when both are empty.
    pub fn generate(&self, current: Option<&Caps>) -> Option<Caps> {
        let (adds, drops) = current.map_or((&[][..], &[][..]), |c| {
            (
                c.add.as_deref().unwrap_or_default(),
                c.drop.as_deref().unwrap_or_default(),
            )
        });
        let container_drop: BTreeSet<&str> = drops.iter().map(String::as_str).collect();
        let mut add: BTreeSet<String> = self
            .default_add
            .iter()
            .filter(|c| !container_drop.contains(c.as_str()))
            .cloned()
            .collect();
        add.extend(adds.iter().cloned());
        let mut drop: BTreeSet<String> = self.required_drop.iter().cloned().collect();
        drop.extend(drops.iter().cloned());
        if add.is_empty() && drop.is_empty() {
            return None;
        }
        let non_empty = |s: BTreeSet<String>| (!s.is_empty()).then(|| s.into_iter().collect());
        Some(Caps {
            add: non_empty(add),
            drop: non_empty(drop),
        })
    }

    /// Checks a container's capabilities at `path` (`...securityContext.capabilities`).
    pub fn validate(&self, path: &str, caps: Option<&Caps>) -> Vec<FieldError> {
        let Some(caps) = caps else {
            if self.default_add.is_empty() && self.required_drop.is_empty() {
                return vec![];
            }
            return vec![FieldError::invalid(
                path,
                "null".into(),
                "required capabilities are not set on the securityContext",
            )];
        };
        // A wildcard ends validation: required drops are not re-checked (upstream).
        if self.allowed.iter().any(|c| c == "*") {
            return vec![];
        }
        let mut errs = vec![];
        for cap in caps.add.iter().flatten() {
            if !self.default_add.contains(cap) && !self.allowed.contains(cap) {
                errs.push(FieldError::invalid(
                    format!("{path}.add"),
                    go_quote(cap),
                    "capability may not be added",
                ));
            }
        }
        let drops = caps.drop.as_deref();
        for req in &self.required_drop {
            if !drops.unwrap_or_default().contains(req) {
                errs.push(FieldError::invalid(
                    format!("{path}.drop"),
                    go_capabilities(drops),
                    format!("{req} is required to be dropped but was not found"),
                ));
            }
        }
        errs
    }
}
