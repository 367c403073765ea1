//! Rule docs kept in step with the rule tables. Every rule family documents a rule in one
//! format, under a heading of its own:
//!
//! ```text
//! ## KC001 system-masters-certificate      (### where the rules sit under a command)
//!
//! Severity: critical
//!
//! Why it matters, and an example where one helps.
//!
//! Fix: the fix, as the rule's `fix` says it.
//! ```
//!
//! [`assert_rules_documented`] checks a doc against a family's [`RuleMeta`] table both
//! ways: every rule has its section, and every section names a rule.

use kubeward_report::{RuleMeta, Severity};

/// The sections of `doc` whose heading is at `level` (`##` is 2): (heading, body).
pub fn sections(doc: &str, level: usize) -> Vec<(&str, &str)> {
    let marker = format!("\n{} ", "#".repeat(level));
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(start) = rest.find(&marker) {
        let after = &rest[start + marker.len()..];
        let heading_end = after.find('\n').unwrap_or(after.len());
        // A section ends at the next heading of its level or above.
        let body_end = (1..=level)
            .filter_map(|l| after.find(&format!("\n{} ", "#".repeat(l))))
            .min()
            .unwrap_or(after.len());
        out.push((&after[..heading_end], &after[heading_end..body_end]));
        rest = &after[body_end..];
    }
    out
}

/// Asserts that `doc` (named `name` in messages) has, at heading `level`, a section
/// `ID title` for every rule in `rules` with `Severity: WORD` (`WORD` from `severity`) and
/// a `Fix: ` line starting with the rule's fix, and that every section headed by an id of
/// `prefix` names a rule.
pub fn assert_rules_documented(
    name: &str,
    doc: &str,
    level: usize,
    prefix: &str,
    rules: &[RuleMeta],
    severity: impl Fn(Severity) -> &'static str,
) {
    let all = sections(doc, level);
    for rule in rules {
        let heading = format!("{} {}", rule.id, rule.title);
        let Some((_, body)) = all.iter().find(|(h, _)| *h == heading) else {
            panic!("{name} has no section `{} {heading}`", "#".repeat(level));
        };
        let word = severity(rule.severity);
        assert!(
            body.contains(&format!("\nSeverity: {word}\n")),
            "{name}, {heading}: no line `Severity: {word}`"
        );
        let fix = format!("\nFix: {}", first_words(rule.fix));
        assert!(
            squash(body).contains(&squash(&fix)),
            "{name}, {heading}: no `Fix:` line starting {fix:?}"
        );
    }
    for (heading, _) in &all {
        let id = heading.split(' ').next().unwrap_or("");
        if id.starts_with(prefix) {
            assert!(
                rules.iter().any(|r| r.id == id),
                "{name} documents `{heading}`, which is no rule"
            );
        }
    }
}

/// The fix's first few words: docs may wrap and mark up the rest.
fn first_words(fix: &str) -> String {
    fix.split_whitespace().take(4).collect::<Vec<_>>().join(" ")
}

/// Whitespace folded and inline-code backticks dropped, so wrapping and markup do not count.
fn squash(text: &str) -> String {
    text.replace('`', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" Fix: ", "\nFix: ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: RuleMeta = RuleMeta {
        id: "XX001",
        title: "thing is wrong",
        severity: Severity::High,
        fix: "Do the right thing instead.",
    };

    fn check(doc: &str) {
        assert_rules_documented("doc.md", doc, 2, "XX", &[RULE], Severity::as_str);
    }

    #[test]
    fn a_complete_section_passes() {
        check(
            "# Rules\n\n## XX001 thing is wrong\n\nSeverity: high\n\nWhy.\n\nFix: Do the right\nthing instead.\n",
        );
    }

    #[test]
    #[should_panic(expected = "no section `## XX001 thing is wrong`")]
    fn a_missing_section_fails() {
        check("# Rules\n\n## XX001 other title\n\nSeverity: high\n\nFix: Do the right thing.\n");
    }

    #[test]
    #[should_panic(expected = "no line `Severity: high`")]
    fn a_wrong_severity_fails() {
        check("# Rules\n\n## XX001 thing is wrong\n\nSeverity: low\n\nFix: Do the right thing.\n");
    }

    #[test]
    #[should_panic(expected = "no `Fix:` line")]
    fn a_missing_fix_fails() {
        check("# Rules\n\n## XX001 thing is wrong\n\nSeverity: high\n\nWhy.\n");
    }

    #[test]
    #[should_panic(expected = "documents `XX002 ghost`, which is no rule")]
    fn a_section_for_no_rule_fails() {
        check(
            "# Rules\n\n## XX001 thing is wrong\n\nSeverity: high\n\nFix: Do the right thing.\n\n## XX002 ghost\n",
        );
    }

    #[test]
    fn sections_end_at_a_heading_of_their_level_or_above() {
        let doc = "# T\n\n## A\n\na\n\n### B\n\nb\n\n## C\n\nc\n";
        let got = sections(doc, 3);
        assert_eq!(got, vec![("B", "\n\nb\n")]);
    }
}
