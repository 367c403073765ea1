//! Whole rules files through Engine::load with the k8s_audit and syscall field tables,
//! then evaluation of what loaded (docs/fuzzing.md).
#![no_main]

#[path = "../../crates/kubeward-k8saudit/tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::rules_load(data));
