//! Test helpers shared by kubeward's crates, so that no test file rebuilds them: the CLI
//! runner and fixture directories, the audit-event builder, test certificates, and small
//! JSON helpers. A dev-dependency only; nothing here ships in the binary.

pub mod cli;
pub mod docs;
pub mod fuzz;
