//! One module per top-level command other than `scan`; each owns its clap arguments and
//! its `run`.

pub mod audit_policy;
pub mod controlplane;
pub mod detect;
pub mod kubeconfig;
pub mod psp;
pub mod rules;
pub mod seccomp;
pub mod webhook;
