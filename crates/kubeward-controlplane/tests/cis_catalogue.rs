//! The check tables stay consistent: unique ids in benchmark order, every check with a
//! title, a remediation, a row in the documentation's index and a section of its own in
//! the one rule format (`#### ID title`, `Severity:`, `Fix:`).

use kubeward_controlplane::cis::catalogue;
use kubeward_report::{RuleMeta, Severity};
use kubeward_testkit::docs::assert_rules_documented;

fn key(id: &str) -> Vec<u32> {
    id.split('.').map(|p| p.parse().unwrap()).collect()
}

#[test]
fn ids_are_unique_and_titles_and_remediations_present() {
    let all = catalogue();
    assert!(all.len() >= 80, "{}", all.len());
    let mut ids: Vec<_> = all.iter().map(|c| c.0.id).collect();
    ids.sort_by_key(|id| key(id));
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "duplicate ids");
    for (meta, component) in &all {
        let (id, title) = (meta.id, meta.title);
        assert!(!title.is_empty() && !component.is_empty(), "{id}");
    }
}

fn doc() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/controlplane.md"
    ))
    .unwrap()
}

#[test]
fn every_check_has_a_section() {
    let rules: Vec<RuleMeta> = catalogue().into_iter().map(|(meta, _)| meta).collect();
    // CIS ids have no family prefix; every `####` heading of the doc is a check's.
    assert_rules_documented(
        "docs/controlplane.md",
        &doc(),
        4,
        "",
        &rules,
        Severity::as_str,
    );
}

#[test]
fn every_check_is_in_the_index() {
    let doc = doc();
    for (meta, _) in catalogue() {
        let (id, severity) = (meta.id, meta.severity);
        let row = format!("| {id} | ");
        let line = doc
            .lines()
            .find(|l| l.starts_with(&row))
            .unwrap_or_else(|| panic!("{id} missing from docs/controlplane.md"));
        assert!(
            line.contains(&format!("| {severity} |")),
            "{id}: severity {severity} in {line}"
        );
    }
}
