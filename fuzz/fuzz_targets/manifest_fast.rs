//! The manifest fast path against saphyr alone (docs/fuzzing.md).
#![no_main]

#[path = "../../crates/kubeward-manifest/tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::manifest_fast(data));
