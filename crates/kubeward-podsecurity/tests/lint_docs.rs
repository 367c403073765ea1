//! docs/lints.md and the rule table agree both ways, in the one rule-doc format: every
//! rule has a `## ID title` section with its severity (as `scan` names it), an example and
//! its fix, and no section documents a rule that does not exist.

use kubeward_podsecurity::lint::{RuleMeta, level_name, rules};

fn docs() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/lints.md");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn every_rule_has_a_complete_section_and_every_section_a_rule() {
    let doc = docs();
    let metas: Vec<RuleMeta> = rules().iter().map(|r| r.meta).collect();
    kubeward_testkit::docs::assert_rules_documented(
        "docs/lints.md",
        &doc,
        2,
        "KW",
        &metas,
        level_name,
    );
    for (heading, body) in kubeward_testkit::docs::sections(&doc, 2) {
        if heading.starts_with("KW") {
            assert!(body.contains("\n```yaml\n"), "{heading}: example");
        }
    }
}
