//! Who a request is, as Kubernetes sees it.
//!
//! The well-known users and groups and the service-account naming rules ([`names`]) are
//! shared by every part of kubeward that reasons about identities: PodSecurityPolicy
//! authorization, audit policies, detection rules and kubeconfig inspection.

pub mod kubeconfig;
pub mod names;
pub mod rbac;
