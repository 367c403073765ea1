//! Falco conditions: kubeward_rules::parser, then compilation (docs/fuzzing.md).
#![no_main]

#[path = "../../crates/kubeward-rules/tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::rules_condition(data));
