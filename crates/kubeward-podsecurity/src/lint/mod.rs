//! securityContext lints: mistakes that Pod Security Admission does not catch.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kubeward_manifest::Node;

/// How much a lint finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// One lint finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lint {
    /// Stable id, e.g. `KW101`; documented in docs/lints.md.
    pub id: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The field, relative to the pod template (`spec.containers[0]...`).
    pub path: String,
}

/// Lints one pod template. `node` is the raw template (holding `metadata` and `spec`).
pub fn lint(node: &Node, metadata: &ObjectMeta, spec: &PodSpec) -> Vec<Lint> {
    let _ = (node, metadata, spec);
    Vec::new()
}
