//! Every input the `manifest` and `manifest_fast` fuzz targets kept (fuzz/corpus/) or
//! crashed on (fuzz/regressions/) replayed through the targets' own bodies, without
//! libFuzzer.

mod fuzz_entry;

kubeward_testkit::replay_tests! {
    manifest_corpus_and_regressions_replay: "manifest" => fuzz_entry::manifest,
    manifest_fast_corpus_and_regressions_replay: "manifest_fast" => fuzz_entry::manifest_fast,
}
