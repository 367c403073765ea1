//! Every rule has its section in its family's docs page, with the table's severity and
//! fix, and every section there names a rule.

use kubeward_cluster::{Family, rules};
use kubeward_report::Severity;
use kubeward_testkit::docs::assert_rules_documented;

fn page(name: &str) -> String {
    let path = format!("{}/../../docs/{name}.md", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn each_family_page_documents_exactly_its_rules() {
    for family in [
        Family::Rbac,
        Family::Hygiene,
        Family::Exposure,
        Family::Secrets,
    ] {
        let metas: Vec<_> = rules()
            .filter(|r| r.family == family)
            .map(|r| r.meta)
            .collect();
        assert!(!metas.is_empty(), "{} has no rules", family.name());
        // rbac.md also documents `who-can` and `can`; its findings are one level down.
        let level = if family == Family::Rbac { 3 } else { 2 };
        assert_rules_documented(
            &format!("docs/{}.md", family.name()),
            &page(family.name()),
            level,
            family.prefix(),
            &metas,
            Severity::as_str,
        );
    }
}
