//! The four upstream Falco rulesets load unmodified, without errors.

mod common;

use kubeward_rules::{Engine, RulesFile};
use std::path::Path;

fn read(name: &str) -> Option<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/upstream-rules")
        .join(name);
    std::fs::read_to_string(&p).ok()
}

const FILES: [&str; 4] = [
    "falco_rules.yaml",
    "falco-incubating_rules.yaml",
    "falco-sandbox_rules.yaml",
    "k8s_audit_rules.yaml",
];

#[test]
fn upstream_rulesets_load_without_errors() {
    let texts: Vec<(String, String)> = FILES
        .iter()
        .filter_map(|f| read(f).map(|t| (f.to_string(), t)))
        .collect();
    if texts.len() != FILES.len() {
        println!("skipped: ../shared/upstream-rules/ is absent");
        return;
    }
    let mut engine = Engine::new();
    engine.add_source(common::k8s_spec());
    let files: Vec<RulesFile<'_>> = texts
        .iter()
        .map(|(n, t)| RulesFile::new(n.clone(), t))
        .collect();
    let loaded = engine.load(&files);
    for r in &loaded.reports {
        for e in &r.errors {
            eprintln!("{}", e.to_text());
        }
        assert!(r.errors.is_empty(), "{}", r.name);
    }
    let rs = loaded.ruleset.expect("ruleset");
    let count = |src: &str| rs.rules().filter(|(_, r)| r.source == src).count();
    assert_eq!(count("k8s_audit"), 48);
    assert_eq!(count("syscall"), 93);
    let enabled_syscall = rs
        .rules()
        .filter(|(_, r)| r.source == "syscall" && r.enabled)
        .count();
    assert_eq!(enabled_syscall, 81);
    assert_eq!(rs.inactive(), vec![("syscall".to_string(), 81)]);
}

#[test]
fn each_syscall_file_alone_loads() {
    for f in &FILES[..3] {
        let Some(t) = read(f) else {
            println!("skipped: ../shared/upstream-rules/ is absent");
            return;
        };
        let loaded = Engine::new().load(&[RulesFile::new(*f, &t)]);
        for r in &loaded.reports {
            for e in &r.errors {
                eprintln!("{}", e.to_text());
            }
        }
        assert!(loaded.ruleset.is_some(), "{f}");
    }
}
