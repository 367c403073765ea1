//! The body of the `rules_condition` fuzz target (fuzz/fuzz_targets/rules_condition.rs
//! includes this file), replayed over its corpus by tests/fuzz_corpus.rs.

use kubeward_rules::{Engine, RulesFile, parser};

/// One condition: parsed, and when it parses, compiled as the condition of a rule of
/// the built-in syscall source. Neither may panic; a failed load names its error.
pub fn rules_condition(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parser::parse(text) {
        Err(e) => assert!(
            e.offset <= text.len(),
            "error offset {} past the end ({} bytes)",
            e.offset,
            text.len()
        ),
        Ok(_) => {
            // A JSON string is a YAML double-quoted scalar with the same escapes.
            let quoted = serde_json::to_string(text).expect("a str always serializes");
            let rules = format!(
                "- rule: Fuzzed\n  desc: d\n  condition: {quoted}\n  output: \"o %proc.name\"\n  priority: WARNING\n"
            );
            let loaded = Engine::new().load(&[RulesFile::new("condition.yaml", &rules)]);
            if loaded.ruleset.is_none() {
                assert!(
                    loaded.reports.iter().any(|r| !r.errors.is_empty()),
                    "a failed load must say why"
                );
            }
            for r in &loaded.reports {
                let _ = r.to_text();
            }
        }
    }
}
