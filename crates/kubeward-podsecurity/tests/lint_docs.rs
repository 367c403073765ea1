//! docs/lints.md and the rule table agree: every rule has a section with its exact
//! heading, its severity, an example and a fix, and no section documents a rule that
//! does not exist.

use kubeward_podsecurity::lint::{Severity, rules};

fn docs() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/lints.md");
    std::fs::read_to_string(path).unwrap()
}

/// The text of each `## ` section: (heading, body).
fn sections(doc: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(start) = rest.find("\n## ") {
        let after = &rest[start + 4..];
        let heading_end = after.find('\n').unwrap_or(after.len());
        let body_end = after.find("\n## ").unwrap_or(after.len());
        out.push((&after[..heading_end], &after[heading_end..body_end]));
        rest = &after[body_end..];
    }
    out
}

#[test]
fn every_rule_has_a_complete_section() {
    let doc = docs();
    let sections = sections(&doc);
    for rule in rules() {
        let heading = format!("{} {}", rule.id, rule.title);
        let Some((_, body)) = sections.iter().find(|(h, _)| *h == heading) else {
            panic!("docs/lints.md has no section `## {heading}`");
        };
        let severity = match rule.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        assert!(
            body.contains(&format!("\nSeverity: {severity}\n")),
            "{heading}: severity"
        );
        assert!(body.contains("\n```yaml\n"), "{heading}: example");
        assert!(body.contains("\nFix: "), "{heading}: fix");
    }
}

#[test]
fn every_section_documents_a_rule() {
    let doc = docs();
    for (heading, _) in sections(&doc) {
        let id = heading.split(' ').next().unwrap_or("");
        assert!(
            rules().iter().any(|r| r.id == id),
            "docs/lints.md documents unknown lint `{heading}`"
        );
    }
}
