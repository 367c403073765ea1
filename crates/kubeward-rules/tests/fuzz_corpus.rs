//! Every input the `rules_condition` fuzz target kept (fuzz/corpus/) or crashed on
//! (fuzz/regressions/) replayed through the target's own body, without libFuzzer.

mod fuzz_entry;

#[test]
fn rules_condition_corpus_and_regressions_replay() {
    kubeward_testkit::fuzz::replay("rules_condition", fuzz_entry::rules_condition);
}
