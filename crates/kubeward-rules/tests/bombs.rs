//! Rules files built to explode at load time (each under 1 MiB): every one must either
//! load or fail with an error that names the macro, list or rule at fault, and never
//! hang or exhaust memory. The deadline only catches hangs; no test asserts speed.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::{Ev, k8s_spec};
use kubeward_rules::{Engine, MatchMode, RulesFile};
use serde_json::json;

/// Loads `text` on another thread; `Ok` when it loaded, else every error's text.
fn load(text: String) -> Result<(), String> {
    assert!(
        text.len() < 1 << 20,
        "the bomb itself must stay under 1 MiB"
    );
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let mut engine = Engine::new();
            engine.add_source(k8s_spec());
            let result = engine.load(&[RulesFile::new("bomb.yaml", &text)]);
            let errors: String = result
                .reports
                .iter()
                .flat_map(|r| &r.errors)
                .map(|e| e.to_text())
                .collect();
            let _ = tx.send(if result.ruleset.is_some() {
                Ok(())
            } else {
                Err(errors)
            });
        })
        .unwrap();
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the load neither finished nor failed within 60 s (a hang)")
}

fn rule(name: &str, cond: &str) -> String {
    format!(
        "- rule: {name}\n  desc: d\n  condition: {cond}\n  output: \"o %ka.verb\"\n  priority: WARNING\n  source: k8s_audit\n"
    )
}

/// Fails with an error that contains every one of `names`.
fn fails_naming(text: String, names: &[&str]) {
    let err = load(text).expect_err("should not load");
    for n in names {
        assert!(err.contains(n), "the error should name {n}:\n{err:.2000}");
    }
}

/// Macros `{name}0` (`ka.verb = get`) to `{name}{top}`, each level's condition made by
/// `level` from the name of the one below.
fn macro_chain(name: &str, top: usize, level: impl Fn(&str) -> String) -> String {
    let mut text = format!("- macro: {name}0\n  condition: ka.verb = get\n");
    for i in 1..=top {
        let below = format!("{name}{}", i - 1);
        text += &format!("- macro: {name}{i}\n  condition: {}\n", level(&below));
    }
    text
}

#[test]
fn macros_that_double_fail_naming_the_macro() {
    let text = macro_chain("m", 40, |p| format!("({p} or {p})")) + &rule("R", "m40");
    fails_naming(text, &["macro 'm40' is too large", "rule 'R'"]);
}

#[test]
fn macros_that_double_but_fit_load_and_evaluate_as_before() {
    // 3^11 copies of one check: within the budget, so it loads, and it means what the
    // spliced text means (each level is equivalent to the one below).
    let text = macro_chain("m", 11, |p| format!("({p} and not {p} or {p})")) + &rule("R", "m11");
    let mut engine = Engine::new();
    engine.add_source(k8s_spec());
    let rs = engine
        .load(&[RulesFile::new("fit.yaml", &text)])
        .ruleset
        .expect("loads");
    let fires = |verb: &str| {
        let mut hits = Vec::new();
        let ev = Ev::new(json!({ "verb": verb }));
        rs.evaluate(
            rs.source_id("k8s_audit").unwrap(),
            &ev,
            MatchMode::All,
            &mut hits,
        );
        !hits.is_empty()
    };
    assert!(fires("get"));
    assert!(!fires("list"));
}

#[test]
fn a_macro_used_by_many_rules_runs_out_of_budget_with_its_name() {
    let mut text = String::from("- macro: m0\n  condition: ka.verb = get\n");
    for i in 1..=16 {
        text += &format!("- macro: m{i}\n  condition: (m{p} or m{p})\n", p = i - 1);
    }
    for r in 0..200 {
        text += &rule(&format!("R{r}"), "m16");
    }
    fails_naming(text, &["macro 'm16' is too large"]);
    // And many uses inside one condition.
    let mut text = String::from("- macro: m0\n  condition: ka.verb in (a, b, c, d)\n");
    for i in 1..=8 {
        text += &format!("- macro: m{i}\n  condition: (m{p} or m{p})\n", p = i - 1);
    }
    let uses = vec!["m8"; 5000].join(" or ");
    text += &rule("Wide", &uses);
    fails_naming(text, &["macro 'm8' is too large", "rule 'Wide'"]);
}

#[test]
fn lists_naming_later_lists_fail_naming_a_list() {
    // Each list names the next one twice: substitution doubles the text at each level.
    let mut text = String::new();
    for i in 0..40 {
        text += &format!("- list: l{i}\n  items: [l{n}, l{n}]\n", n = i + 1);
    }
    text += "- list: l40\n  items: [x]\n";
    text += &rule("R", "ka.verb in (l0)");
    fails_naming(text, &["list 'l", "once substituted", "rule 'R'"]);
}

#[test]
fn lists_of_lists_fail_naming_the_list() {
    let big: Vec<String> = (0..20_000).map(|i| format!("v{i}")).collect();
    let mut text = format!("- list: big\n  items: [{}]\n", big.join(", "));
    text += &format!(
        "- list: huge\n  items: [{}]\n",
        vec!["big"; 20_000].join(", ")
    );
    text += &rule("R", "ka.verb in (huge)");
    fails_naming(text, &["list 'huge' is too large"]);
}

#[test]
fn a_list_named_many_times_in_conditions_and_exceptions() {
    let items: Vec<String> = (0..30_000).map(|i| format!("value{i}")).collect();
    let mut text = format!("- list: l\n  items: [{}]\n", items.join(", "));
    let uses = vec!["ka.verb in (l)"; 2000].join(" or ");
    text += &rule("Many", &uses);
    fails_naming(text.clone(), &["list 'l'", "rule 'Many'"]);
    // Exceptions whose values name the list.
    let mut text = format!("- list: l\n  items: [{}]\n", items.join(", "));
    text += &rule("Exc", "ka.verb = get");
    text += "  exceptions:\n";
    for i in 0..2000 {
        text += &format!(
            "    - name: e{i}\n      fields: ka.user.name\n      comps: in\n      values: [l]\n"
        );
    }
    let err = load(text);
    if let Err(e) = err {
        assert!(e.contains("Exc"), "{e:.2000}");
    }
}

#[test]
fn deep_nesting_fails_with_the_depth_limit() {
    let parens = format!(
        "{}ka.verb = get{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    fails_naming(rule("Parens", &parens), &["max depth", "rule 'Parens'"]);
    let nots = format!("{}ka.verb = get", "not ".repeat(100_000));
    fails_naming(rule("Nots", &nots), &["max depth", "rule 'Nots'"]);
    // Macros nested deeper than the compiled depth limit.
    let text = macro_chain("d", 1200, |p| format!("not {p}")) + &rule("Deep", "d1200");
    fails_naming(text, &["max depth", "rule 'Deep'"]);
}

#[test]
fn long_flat_conditions_load() {
    let chain: Vec<String> = (0..30_000).map(|i| format!("ka.verb != v{i}")).collect();
    load(rule("And", &chain.join(" and "))).expect("a long and chain loads");
    let set: Vec<String> = (0..100_000).map(|i| format!("v{i}")).collect();
    load(rule("In", &format!("ka.verb in ({})", set.join(", ")))).expect("a large set loads");
    let glob = format!("ka.verb glob \"{}\"", "*a".repeat(100_000));
    load(rule("Glob", &glob)).expect("a long glob loads");
    let fields = vec!["%ka.verb"; 60_000].join(" ");
    let out = format!(
        "- rule: Out\n  desc: d\n  condition: ka.verb = get\n  output: \"{fields}\"\n  priority: WARNING\n  source: k8s_audit\n"
    );
    load(out).expect("an output with many fields loads");
}

#[test]
fn appends_to_one_rule_load() {
    let mut text = rule("R", "ka.verb = get");
    for i in 0..10_000 {
        text += &format!("- rule: R\n  condition: or ka.verb = v{i}\n  append: true\n");
    }
    load(text).expect("appends load");
    let mut text = rule("O", "ka.verb = get");
    for i in 0..8_000 {
        text += &format!(
            "- rule: O\n  condition: or ka.verb = v{i}\n  override:\n    condition: append\n"
        );
    }
    load(text).expect("condition overrides load");
}

#[test]
fn a_regex_over_the_size_limit_is_a_named_error() {
    let re = "ka.verb regex \"((a{100}){100}){100}\"";
    fails_naming(rule("Re", re), &["regular expression", "rule 'Re'"]);
}

#[test]
fn yaml_alias_bombs_fail() {
    let mut text = String::from("- list: l\n  items: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..=9 {
        text += &format!(
            "- list: l{i}\n  items: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        );
    }
    let err = load(text).expect_err("should not load");
    assert!(
        err.contains("nodes") || err.contains("l9") || err.contains("items"),
        "{err:.2000}"
    );
}
