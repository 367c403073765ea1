//! Every input the `manifest` and `manifest_fast` fuzz targets kept (fuzz/corpus/) or
//! crashed on (fuzz/regressions/) replayed through the targets' own bodies, without
//! libFuzzer.

mod fuzz_entry;

#[test]
fn manifest_corpus_and_regressions_replay() {
    kubeward_testkit::fuzz::replay("manifest", fuzz_entry::manifest);
}

#[test]
fn manifest_fast_corpus_and_regressions_replay() {
    kubeward_testkit::fuzz::replay("manifest_fast", fuzz_entry::manifest_fast);
}
