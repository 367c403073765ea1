//! PodSecurityPolicy (`policy/v1beta1`, removed in Kubernetes 1.25), simulated as the
//! 1.24 admission plugin ran it: policies are loaded and validated ([`load`]), each
//! policy defaults and validates a pod ([`provider`], built from the per-field
//! [`strategy`] modules and [`volumes`]), and [`admission`] picks the policy exactly as
//! the plugin did. [`patch`] turns the defaulting into a JSON Patch, [`workload`] runs a
//! workload's or a review's pod through it all, and [`migrate`] maps a policy onto the Pod
//! Security Standards of [`crate::standards`].

pub mod admission;
pub mod field;
pub mod load;
pub mod migrate;
pub mod patch;
pub mod provider;
pub mod strategy;
pub mod types;
pub mod validate;
pub mod volumes;
pub mod workload;

pub use admission::{AllowAll, Authorizer, Decision, Operation, Request, UserInfo, admit};
pub use load::{Policy, PolicyError, ProblemLevel, is_policy, load_policies};
pub use provider::{Pod, Provider};
pub use workload::{
    Admission, Identity, RbacAuthorizer, TemplateError, WorkloadAdmission, admit_pod,
    admit_workload,
};
