//! The multi-operand transformers `join`, `concat` and `getopt`: values, missing
//! operands, nesting with single transformers, and libsinsp's validation messages.

mod common;

use common::{Ev, k8s_spec};
use kubeward_rules::{Engine, MatchMode, RulesFile};
use serde_json::json;

fn rule(cond: &str) -> String {
    format!(
        "- rule: R\n  desc: d\n  condition: {cond}\n  output: o\n  priority: WARNING\n  source: k8s_audit\n"
    )
}

fn engine() -> Engine {
    let mut e = Engine::new();
    e.add_source(k8s_spec());
    e
}

/// Whether the condition matches the event (panics with the report if it fails to load).
fn fires(cond: &str, ev: serde_json::Value) -> bool {
    let text = rule(cond);
    let loaded = engine().load(&[RulesFile::new("t.yaml", &text)]);
    let Some(rs) = loaded.ruleset else {
        panic!("{cond}: {}", loaded.reports[0].to_text());
    };
    let mut hits = Vec::new();
    rs.evaluate(
        rs.source_id("k8s_audit").unwrap(),
        &Ev::new(ev),
        MatchMode::All,
        &mut hits,
    );
    !hits.is_empty()
}

/// The load error message for the condition.
fn error(cond: &str) -> String {
    let text = rule(cond);
    let loaded = engine().load(&[RulesFile::new("t.yaml", &text)]);
    assert!(loaded.ruleset.is_none(), "{cond} loaded");
    loaded.reports[0].errors[0].message.clone()
}

fn event() -> serde_json::Value {
    json!({"verb": "create", "user": {"username": "alice", "groups": ["-n", "-tnat", "-x", "--long", "-v", "rest", "-t", "late"]},
           "objectRef": {"resource": "pods", "namespace": "prod"}})
}

#[test]
fn join_makes_one_string() {
    let ev = event();
    assert!(fires(
        r#"join(",", ka.user.groups) = "-n,-tnat,-x,--long,-v,rest,-t,late""#,
        ev.clone()
    ));
    assert!(fires(
        r#"join(ka.verb, ka.user.groups) startswith "-ncreate-tnat""#,
        ev.clone()
    ));
    assert!(fires(
        r#"toupper(join("+", ka.user.groups)) contains "-TNAT+-X""#,
        ev.clone()
    ));
    assert!(fires(r#"len(join("", ka.user.groups)) = 27"#, ev.clone()));
    // A missing list or separator makes the value missing: even != is false.
    assert!(!fires(
        r#"join(",", ka.user.groups) != x"#,
        json!({"verb": "get"})
    ));
    assert!(!fires(
        r#"join(ka.stage, ka.user.groups) exists"#,
        ev.clone()
    ));
    assert!(fires(r#"not join(ka.stage, ka.user.groups) exists"#, ev));
}

#[test]
fn concat_appends_single_values() {
    let ev = event();
    assert!(fires(
        r#"concat(ka.verb, ":", ka.target.resource) = "create:pods""#,
        ev.clone()
    ));
    assert!(fires(
        r#"concat(ka.target.namespace, "/", ka.user.name, "!") = "prod/alice!""#,
        ev.clone()
    ));
    assert!(fires(
        r#"ka.verb = val(ka.verb) and concat("a", "b") = ab"#,
        ev.clone()
    ));
    // On the right-hand side, compared field to field.
    assert!(fires(r#"ka.user.name != concat(ka.verb, "x")"#, ev.clone()));
    assert!(!fires(r#"concat(ka.verb, ka.stage) exists"#, ev));
}

#[test]
fn getopt_scans_an_argument_list() {
    let ev = event();
    assert!(fires(
        r#"getopt(ka.user.groups, "nt:v") intersects (nat)"#,
        ev.clone()
    ));
    assert!(fires(
        r#"join(" ", getopt(ka.user.groups, "nt:v")) = "n t nat ? v""#,
        ev.clone()
    ));
    // [c] keeps the option's last value; scanning stops at the first non-option.
    assert!(fires(
        r#"getopt(ka.user.groups, "nt:v")[t] = nat"#,
        ev.clone()
    ));
    assert!(fires(
        r#"getopt(ka.user.groups, "nt:v")[v] = v"#,
        ev.clone()
    ));
    assert!(!fires(
        r#"getopt(ka.user.groups, "nt:v")[q] exists"#,
        ev.clone()
    ));
    // The optstring may come from a field.
    assert!(fires(
        r#"getopt(ka.user.groups, ka.verb)[t] = nat"#,
        json!({"verb": "t:", "user": {"groups": ["-tnat"]}})
    ));
    assert!(!fires(
        r#"getopt(ka.user.groups, "n") exists"#,
        json!({"verb": "get"})
    ));
}

#[test]
fn validation_messages_are_libsinsp_s() {
    for (cond, msg) in [
        (
            r#"join(",") = x"#,
            "join() requires exactly 2 arguments: separator and list",
        ),
        (
            r#"join(",", ka.user.groups, ka.verb) = x"#,
            "join() requires exactly 2 arguments: separator and list",
        ),
        (
            "join(ka.user.groups, ka.user.groups) = x",
            "join() first argument (separator) must be a single value, not a list",
        ),
        (
            r#"join(",", ka.verb) = x"#,
            "join() second argument must be a list",
        ),
        (
            "concat(ka.verb) = x",
            "concat() requires at least 2 arguments",
        ),
        (
            "concat(ka.verb, ka.user.groups) = x",
            "concat() arguments must be strings",
        ),
        (
            "concat(ka.verb, len(ka.verb)) = x",
            "concat() arguments must be strings",
        ),
        (
            r#"getopt(ka.user.groups) exists"#,
            "getopt() requires exactly 2 arguments: args list and optstring",
        ),
        (
            r#"getopt(ka.verb, "n") exists"#,
            "getopt() first argument must be a list",
        ),
        (
            "getopt(ka.user.groups, ka.user.groups) exists",
            "getopt() second argument (optstring) must be a single value",
        ),
        (
            r#"getopt(ka.user.groups, "n")[nt] exists"#,
            "getopt() field argument must be a single option character",
        ),
        (
            r#"concat(ka.verb, "x")[a] = x"#,
            "transformer 'concat' does not support field arguments",
        ),
    ] {
        assert_eq!(error(cond), msg, "{cond}");
    }
    // A list result takes only list operators.
    assert!(
        error(r#"getopt(ka.user.groups, "n") = x"#).contains("operator not supported for list")
    );
}

#[test]
fn outputs_render_multi_operand_transformers() {
    let text = "- rule: R\n  desc: d\n  condition: ka.verb exists\n  output: \"who=%concat(ka.user.name, \\\"@\\\", ka.target.namespace) groups=%join(\\\"|\\\", ka.user.groups) x=%concat(ka.stage, ka.verb)\"\n  priority: WARNING\n  source: k8s_audit\n";
    let loaded = engine().load(&[RulesFile::new("t.yaml", text)]);
    let Some(rs) = loaded.ruleset else {
        panic!("{}", loaded.reports[0].to_text());
    };
    let ev = Ev::new(
        json!({"verb": "get", "user": {"username": "alice", "groups": ["a", "b"]}, "objectRef": {"namespace": "prod"}}),
    );
    let id = rs.find("R").unwrap();
    let alert = rs
        .alert(id, &ev, &kubeward_rules::AlertOptions::default())
        .unwrap();
    assert!(
        alert
            .text_line()
            .ends_with("who=alice@prod groups=a|b x=<NA>"),
        "{}",
        alert.text_line()
    );
    let bad = "- rule: R\n  desc: d\n  condition: ka.verb exists\n  output: \"%concat(ka.verb)\"\n  priority: WARNING\n  source: k8s_audit\n";
    let loaded = engine().load(&[RulesFile::new("t.yaml", bad)]);
    assert!(loaded.ruleset.is_none());
}
