//! docs/audit-policy.md and docs/seccomp.md document every lint and finding in the one rule
//! format (`### ID title`, `Severity:`, `Fix:`), and nothing else under a rule id.

use kubeward_controlplane::audit_policy::LINTS;
use kubeward_controlplane::seccomp::FINDINGS;
use kubeward_report::{RuleMeta, Severity};
use kubeward_testkit::docs::assert_rules_documented;

fn doc(name: &str) -> String {
    let path = format!("{}/../../docs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn audit_policy_lints_are_documented() {
    let rules: Vec<RuleMeta> = LINTS.iter().map(|l| l.meta).collect();
    let text = doc("audit-policy.md");
    assert_rules_documented(
        "docs/audit-policy.md",
        &text,
        3,
        "AP",
        &rules,
        Severity::as_str,
    );
    // The reason is the section's first paragraph.
    for l in LINTS {
        let opening = format!("Severity: {}\n\n{}", l.meta.severity, l.reason);
        assert!(text.contains(&opening), "{}: reason", l.meta.id);
    }
}

#[test]
fn seccomp_findings_are_documented() {
    assert_rules_documented(
        "docs/seccomp.md",
        &doc("seccomp.md"),
        3,
        "SC",
        FINDINGS,
        Severity::as_str,
    );
}
