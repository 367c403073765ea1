//! Every input the `admission_review` fuzz target kept (fuzz/corpus/) or crashed on
//! (fuzz/regressions/) replayed through the target's own body, without libFuzzer.

mod fuzz_entry;

#[test]
fn admission_review_corpus_and_regressions_replay() {
    kubeward_testkit::fuzz::replay("admission_review", fuzz_entry::admission_review);
}
