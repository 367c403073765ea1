//! Every lint and seccomp finding is documented, under its id, with its severity.

use kubeward_controlplane::audit_policy::LINTS;
use kubeward_controlplane::seccomp::FINDINGS;

fn doc(name: &str) -> String {
    let path = format!("{}/../../docs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn audit_policy_lints_are_documented() {
    let text = doc("audit-policy.md");
    for l in LINTS {
        let section = format!("### {}\n\n**{}** ({}).", l.id, l.title, l.severity.as_str());
        assert!(
            text.contains(&section),
            "docs/audit-policy.md lacks {section:?}"
        );
    }
}

#[test]
fn seccomp_findings_are_documented() {
    let text = doc("seccomp.md");
    for f in FINDINGS {
        let section = format!("### {}\n\n**{}** ({}).", f.id, f.title, f.severity.as_str());
        assert!(text.contains(&section), "docs/seccomp.md lacks {section:?}");
    }
}
