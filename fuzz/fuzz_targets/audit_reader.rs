//! Audit logs and webhook bodies through kubeward_k8saudit::reader (docs/fuzzing.md).
#![no_main]

#[path = "../../crates/kubeward-k8saudit/tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::audit_reader(data));
