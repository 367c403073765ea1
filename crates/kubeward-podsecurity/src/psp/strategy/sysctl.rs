//! Sysctls: forbidden first, then the PSP-era safe set, then the allowed unsafe ones.

use k8s_openapi::api::core::v1::Sysctl;

use crate::gofmt::go_quote;
use crate::psp::field::FieldError;
use crate::psp::types::PodSecurityPolicySpec;

/// The kubelet's safe sysctls as of Kubernetes 1.24, the last release with PSP.
pub const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];

/// The sysctls strategy of a policy: `forbiddenSysctls` and `allowedUnsafeSysctls`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sysctls {
    allowed_unsafe: Vec<String>,
    forbidden: Vec<String>,
}

/// An entry ending in `*` matches by string prefix (so `*` alone matches all).
pub fn matches_pattern(name: &str, patterns: &[String]) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == p,
    })
}

impl Sysctls {
    /// The strategy of the policy `spec`.
    pub fn build(spec: &PodSecurityPolicySpec) -> Self {
        Sysctls {
            allowed_unsafe: spec.allowed_unsafe_sysctls.clone(),
            forbidden: spec.forbidden_sysctls.clone(),
        }
    }

    /// Errors for the pod's `securityContext.sysctls`: forbidden ones, and unsafe ones not allowed.
    pub fn validate(&self, sysctls: &[Sysctl]) -> Vec<FieldError> {
        let mut errs = vec![];
        for (i, s) in sysctls.iter().enumerate() {
            let path = format!("pod.spec.securityContext.sysctls[{i}]");
            if matches_pattern(&s.name, &self.forbidden) {
                errs.push(FieldError::forbidden(
                    path,
                    format!("sysctl {} is not allowed", go_quote(&s.name)),
                ));
            } else if SAFE_SYSCTLS.contains(&s.name.as_str())
                || matches_pattern(&s.name, &self.allowed_unsafe)
            {
                continue;
            } else {
                errs.push(FieldError::forbidden(
                    path,
                    format!("unsafe sysctl {} is not allowed", go_quote(&s.name)),
                ));
            }
        }
        errs
    }
}
