//! kubeward's in-cluster servers (being written): the admission webhook ([`admission`])
//! and the audit webhook backend ([`audit`]), with their shared plumbing: TLS with
//! certificate reload ([`tls`]) and Prometheus metrics ([`metrics`]).

pub mod admission;
pub mod audit;
pub mod metrics;
pub mod tls;
