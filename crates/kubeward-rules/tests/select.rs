//! Falco's rule selection after loading: `enable_rule` (name substrings),
//! `enable_rule_by_tag`, and the command line's `-t`/`-T`/`-D` on top of them.

mod common;

use common::k8s_spec;
use kubeward_rules::{Engine, RulesFile, Ruleset};

const RULES: &str = r#"
- rule: Shell in pod
  desc: d
  condition: ka.verb = create
  output: o
  priority: WARNING
  source: k8s_audit
  tags: [k8s, shell]
- rule: Secret read
  desc: d
  condition: ka.verb = get
  output: o
  priority: WARNING
  source: k8s_audit
  tags: [k8s, secrets]
- rule: Untagged rule
  desc: d
  condition: ka.verb = delete
  output: o
  priority: WARNING
  source: k8s_audit
- rule: Off by default
  desc: d
  condition: ka.verb = list
  output: o
  priority: WARNING
  source: k8s_audit
  enabled: false
  tags: [shell]
"#;

fn ruleset() -> Ruleset {
    let mut e = Engine::new();
    e.add_source(k8s_spec());
    e.load(&[RulesFile::new("r.yaml".to_owned(), RULES)])
        .ruleset
        .expect("loads")
}

fn enabled(r: &Ruleset) -> Vec<&str> {
    r.rules()
        .filter(|(_, i)| i.enabled)
        .map(|(_, i)| i.name.as_str())
        .collect()
}

#[test]
fn enable_rule_matches_name_substrings() {
    let mut r = ruleset();
    assert_eq!(r.enable_rule("in pod", false), 1);
    assert_eq!(enabled(&r), ["Secret read", "Untagged rule"]);
    assert_eq!(r.enable_rule("e", true), 4);
    assert_eq!(enabled(&r).len(), 4);
    assert_eq!(r.enable_rule("no such rule", false), 0);
}

#[test]
fn enable_rule_by_tag_matches_any_tag() {
    let mut r = ruleset();
    assert_eq!(r.enable_rule_by_tag(&["shell", "secrets"], false), 3);
    assert_eq!(enabled(&r), ["Untagged rule"]);
    assert_eq!(r.enable_rule_by_tag(&["nothing"], true), 0);
}

#[test]
fn only_tags_enable_exactly_the_tagged_rules_even_if_off_by_default() {
    let mut r = ruleset();
    let s = r.select(&["shell".into()], &[], &[]);
    assert_eq!(enabled(&r), ["Shell in pod", "Off by default"]);
    assert!(s.unknown_tags.is_empty() && s.unknown_names.is_empty());
}

#[test]
fn disabling_comes_after_only_tags_and_unknown_arguments_are_named() {
    let mut r = ruleset();
    let s = r.select(
        &["k8s".into(), "ghost".into()],
        &["secrets".into(), "phantom".into()],
        &["Shell".into(), "Nope".into()],
    );
    assert!(enabled(&r).is_empty(), "{:?}", enabled(&r));
    assert!(!r.any_enabled());
    assert_eq!(s.unknown_tags, ["ghost", "phantom"]);
    assert_eq!(s.unknown_names, ["Nope"]);
}

#[test]
fn no_selection_keeps_the_files_own_choices() {
    let mut r = ruleset();
    let s = r.select(&[], &[], &[]);
    assert_eq!(
        enabled(&r),
        ["Shell in pod", "Secret read", "Untagged rule"]
    );
    assert!(r.any_enabled());
    assert_eq!(s, Default::default());
}
