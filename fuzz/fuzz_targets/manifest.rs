//! Manifest files read as `kubeward scan` reads them (Source, pieces, parse_piece) and
//! as read_input plus parse_documents_strict read them, then pod templates decoded
//! (docs/fuzzing.md).
#![no_main]

#[path = "../../crates/kubeward-manifest/tests/fuzz_entry/mod.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::manifest(data));
