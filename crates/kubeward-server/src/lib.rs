//! kubeward's in-cluster servers (being written): the admission webhook ([`admission`])
//! and the audit webhook backend ([`audit`]), the manifests that deploy the live syscall
//! source on every node ([`sensor`]), with their shared plumbing: TLS with
//! certificate reload and connection serving ([`tls`]), connection limits ([`conn`]) and
//! Prometheus metrics ([`metrics`]).

pub mod admission;
pub mod audit;
pub mod conn;
pub mod metrics;
pub mod sensor;
mod task;
pub mod tls;
