//! The admission webhook: Pod Security Standards per namespace, exactly as the built-in
//! PodSecurity admission plugin applies them, or PodSecurityPolicy emulation with the
//! JSON Patch of the chosen policy's defaults.
//!
//! - [`review`]: AdmissionReview decoding (version and kind checks) and response helpers;
//! - [`pss`]: the PodSecurity plugin's decisions for pods, workload resources and namespaces;
//! - [`dryrun`]: existing pods checked against a Namespace's tightened enforce policy;
//! - [`psp`]: the PodSecurityPolicy plugin's admit (mutating) and validate phases;
//! - [`authz`]: which policies the pod's service account or the user may `use`
//!   (SubjectAccessReviews, cached; RBAC files; or every policy);
//! - [`namespaces`]: namespace labels, from a file or from the cluster by a kube-rs watcher;
//! - [`server`]: the axum router, deadlines, failure policy and metrics;
//! - [`serve`]: [`AdmissionServer`], the webhook as a process (certificate, namespace
//!   source, socket, SIGHUP).
//!
//! The policy logic lives in `kubeward-podsecurity`; this module only maps requests onto it.

pub mod authz;
pub mod dryrun;
pub mod manifest_yaml;
pub mod manifests;
pub mod namespaces;
pub mod psp;
pub mod pss;
pub mod review;
pub mod serve;
pub mod server;

pub use authz::PolicyAuthorization;
pub use serve::{AdmissionServeError, AdmissionServer, NamespaceSource, Serving};
pub use server::{AdmissionConfig, FailurePolicy, Mode, router};
