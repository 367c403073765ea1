//! Pod security for kubeward: the Kubernetes Pod Security Standards exactly as the Pod
//! Security Admission controller evaluates them, at every policy version ([`standards`]),
//! and lints for the securityContext mistakes that admission does not catch ([`lint`]).
//!
//! [`defaults`] applies the API server's defaulting that these judge, before they judge.
//!
//! Everything here works on one pod template at a time (typed k8s-openapi `ObjectMeta`
//! and `PodSpec`, plus the raw [`kubeward_manifest::Node`] for lints on fields the typed
//! structs drop) and knows nothing of files, output formats or clusters.

pub mod defaults;
mod gofmt;
pub mod lint;
pub mod psp;
pub mod standards;
mod visit;
