//! The check tables stay consistent: unique ids in benchmark order, every check with a
//! title, a remediation and a place in the documentation.

use kubeward_controlplane::cis::catalogue;

fn key(id: &str) -> Vec<u32> {
    id.split('.').map(|p| p.parse().unwrap()).collect()
}

#[test]
fn ids_are_unique_and_titles_and_remediations_present() {
    let all = catalogue();
    assert!(all.len() >= 80, "{}", all.len());
    let mut ids: Vec<_> = all.iter().map(|c| c.0).collect();
    ids.sort_by_key(|id| key(id));
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "duplicate ids");
    for (id, title, component, _) in &all {
        assert!(!title.is_empty() && !component.is_empty(), "{id}");
    }
}

#[test]
fn every_check_is_documented() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/controlplane.md"
    ))
    .unwrap();
    for (id, _, _, severity) in catalogue() {
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
