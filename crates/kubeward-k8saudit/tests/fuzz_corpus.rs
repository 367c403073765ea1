//! Every input the `rules_load` and `audit_reader` fuzz targets kept (fuzz/corpus/) or
//! crashed on (fuzz/regressions/) replayed through the targets' own bodies, without
//! libFuzzer.

mod fuzz_entry;

kubeward_testkit::replay_tests! {
    rules_load_corpus_and_regressions_replay: "rules_load" => fuzz_entry::rules_load,
    audit_reader_corpus_and_regressions_replay: "audit_reader" => fuzz_entry::audit_reader,
}
