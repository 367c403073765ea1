//! AdmissionReview bodies through the admission webhook's router (docs/fuzzing.md).
#![no_main]

#[path = "../../crates/kubeward-server/tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::admission_review(data));
