//! Test helpers shared by kubeward's crates, so that no test file rebuilds them: the CLI
//! runner and fixture directories, the audit-event builder, test certificates, and small
//! JSON helpers. A dev-dependency only; nothing here ships in the binary.

pub mod audit;
pub mod cli;
pub mod docs;
pub mod falco;
pub mod fuzz;
pub mod json;
pub mod pki;
pub mod rng;
pub mod upstream;

/// Asserts that `haystack` contains `needle`, showing both when it does not: the one
/// assertion most tests make on what a command or server printed.
#[track_caller]
pub fn has(haystack: &str, needle: &str) {
    assert!(haystack.contains(needle), "lacks {needle:?}:\n{haystack}");
}
