//! What every kubeward check reports, whatever it checks: the one [`Severity`] scale that
//! `--fail-on` compares against, and the [`RuleMeta`] each rule family declares next to
//! its check (id, title, severity, fix), so that a rule's code, doc and test are found the
//! same way from its id in every family; and [`Hint`], the fix an error carries, so that
//! every command shows it the same way.
//!
//! This crate sits below every other kubeward crate and knows nothing of YAML, Kubernetes
//! or output formats.

mod hint;
mod rule;
mod severity;

pub use hint::Hint;
pub use rule::RuleMeta;
pub use severity::Severity;
