//! Loader, compiler and evaluator behaviour through the public API, on a test-only
//! `k8s_audit` source.

use kubeward_testkit::has;
mod common;

use common::{Ev, k8s_spec};
use kubeward_rules::{AlertOptions, Engine, LoadResult, MatchMode, RuleId, RulesFile, Ruleset};
use serde_json::json;

fn load(files: &[&str]) -> LoadResult {
    let mut e = Engine::new();
    e.add_source(k8s_spec());
    let fs: Vec<RulesFile<'_>> = files
        .iter()
        .enumerate()
        .map(|(i, t)| RulesFile::new(format!("f{i}.yaml"), t))
        .collect();
    e.load(&fs)
}

fn ok(files: &[&str]) -> Ruleset {
    let r = load(files);
    for rep in &r.reports {
        for e in &rep.errors {
            eprintln!("{}", e.to_text());
        }
    }
    r.ruleset.expect("loads")
}

/// The first error: (code, message, line, col) of its innermost location.
fn err(files: &[&str]) -> (String, String, u32, u32) {
    let r = load(files);
    assert!(r.ruleset.is_none());
    let e = r
        .reports
        .iter()
        .flat_map(|r| &r.errors)
        .next()
        .expect("an error");
    let loc = e.locations.last().expect("location");
    (
        e.code.to_string(),
        e.message.clone(),
        loc.pos.line,
        loc.pos.col,
    )
}

fn rule(name: &str, cond: &str) -> String {
    format!(
        "- rule: {name}\n  desc: d\n  condition: {cond}\n  output: \"out %ka.verb\"\n  priority: WARNING\n  source: k8s_audit\n"
    )
}

/// The ids of the k8s_audit rules `ev` matches under `mode`.
fn hit_ids(rs: &Ruleset, ev: &Ev, mode: MatchMode) -> Vec<RuleId> {
    let mut hits = Vec::new();
    rs.evaluate(rs.source_id("k8s_audit").unwrap(), ev, mode, &mut hits);
    hits
}

fn matches(rs: &Ruleset, ev: serde_json::Value) -> Vec<String> {
    hit_ids(rs, &Ev::new(ev), MatchMode::All)
        .iter()
        .map(|h| rs.rule(*h).unwrap().name.clone())
        .collect()
}

fn fires(cond: &str, ev: serde_json::Value) -> bool {
    let rs = ok(&[&rule("R", cond)]);
    !matches(&rs, ev).is_empty()
}

#[test]
fn operators_on_strings() {
    let ev = json!({"verb": "create", "user": {"username": "Alice", "groups": ["a", "b"]}, "requestURI": "/api/v1/namespaces/x/pods/p"});
    for (cond, want) in [
        ("ka.verb = create", true),
        ("ka.verb == create", true),
        ("ka.verb != create", false),
        // String fields compare byte-wise; the right side must look like a number.
        ("ka.verb > 1", true),
        ("ka.verb >= 1", true),
        ("ka.verb < 1", false),
        ("ka.verb <= 1", false),
        ("ka.verb contains eat", true),
        ("ka.user.name icontains ALI", true),
        ("ka.user.name contains ALI", false),
        ("ka.verb startswith cre", true),
        ("ka.verb endswith ate", true),
        ("ka.uri glob /api/*/pods/*", true),
        ("ka.uri glob /API/*", false),
        ("ka.uri iglob /API/*", true),
        ("ka.verb regex 'cr.*e'", true),
        ("ka.verb regex 'cr'", false),
        ("ka.verb in (get, create)", true),
        ("ka.verb in (get)", false),
        ("ka.verb intersects (create)", true),
        ("ka.uri pmatch (/api/v1)", true),
        ("ka.uri pmatch (/api/v)", false),
        ("ka.verb exists", true),
        ("ka.verb startswith oneof (c, cr)", false),
        ("ka.verb startswith anyof (c, x)", true),
        ("ka.verb startswith allof (c, cr)", true),
        ("toupper(ka.verb) = CREATE", true),
        ("len(ka.verb) = 6", true),
        ("ka.user.groups in (a, b, c)", true),
        ("ka.user.groups in (a)", false),
        ("ka.user.groups intersects (b, z)", true),
        ("len(ka.user.groups) = 2", true),
        ("ka.verb = val(ka.verb)", true),
        ("ka.verb = val(ka.user.name)", false),
        ("jevt.value[/user/username] = Alice", true),
        ("jevt.value[\"/user/username\"] = Alice", true),
    ] {
        assert_eq!(fires(cond, ev.clone()), want, "{cond}");
    }
}

#[test]
fn missing_values_are_false_for_every_operator_until_negated() {
    let ev = json!({"verb": "get"});
    for cond in [
        "ka.target.namespace != kube-system",
        "ka.target.namespace exists",
        "ka.target.namespace in (a)",
        "ka.user.groups intersects (a)",
    ] {
        assert!(!fires(cond, ev.clone()), "{cond}");
    }
    assert!(fires("not ka.target.namespace = kube-system", ev.clone()));
    assert!(fires("not ka.user.groups in (a)", ev));
}

#[test]
fn precedence_macros_and_lists() {
    let text = "- list: verbs\n  items: [get, list]\n- list: more\n  items: [verbs, watch]\n- macro: reads\n  condition: ka.verb in (more)\n- macro: alice\n  condition: ka.user.name = alice\n"
        .to_string()
        + &rule("R", "reads and alice or ka.verb = delete");
    let rs = ok(&[&text]);
    assert_eq!(
        matches(&rs, json!({"verb": "watch", "user": {"username": "alice"}})),
        ["R"]
    );
    assert!(matches(&rs, json!({"verb": "watch", "user": {"username": "bob"}})).is_empty());
    assert_eq!(matches(&rs, json!({"verb": "delete"})), ["R"]);
    // Nested lists expand one level: `more` holds `verbs`' items.
    assert_eq!(
        matches(&rs, json!({"verb": "list", "user": {"username": "alice"}})),
        ["R"]
    );
}

#[test]
fn exceptions_compile_into_the_condition_as_falco_does() {
    let text = "- rule: R\n  desc: d\n  condition: ka.verb = create\n  output: o\n  priority: INFO\n  source: k8s_audit\n  exceptions:\n    - name: users\n      fields: ka.user.name\n      values: [alice, \"bob smith\"]\n    - name: pair\n      fields: [ka.target.namespace, ka.user.name]\n      comps: [=, startswith]\n      values: [[kube-system, \"system:\"]]\n    - name: empty\n      fields: [ka.verb]\n";
    let rs = ok(&[text]);
    let (_, info) = rs.rules().next().unwrap();
    assert_eq!(
        info.condition,
        "(ka.verb = create) and not (ka.user.name in (alice, \"bob smith\")) and not (( ka.target.namespace = kube-system and  ka.user.name startswith system:))"
    );
    assert!(
        matches(
            &rs,
            json!({"verb": "create", "user": {"username": "alice"}})
        )
        .is_empty()
    );
    assert_eq!(
        matches(
            &rs,
            json!({"verb": "create", "user": {"username": "carol"}})
        ),
        ["R"]
    );
    assert!(matches(&rs, json!({"verb": "create", "user": {"username": "system:x"}, "objectRef": {"namespace": "kube-system"}})).is_empty());
}

#[test]
fn append_override_and_enabled_toggles() {
    let base = rule("R", "ka.verb = get")
        + "- list: l\n  items: [a]\n- macro: m\n  condition: ka.verb = x\n";
    let over = "- rule: R\n  condition: or ka.verb = list\n  override:\n    condition: append\n- rule: R\n  priority: ERROR\n  tags: [t2]\n  override:\n    priority: replace\n    tags: append\n";
    let rs = ok(&[&base, over]);
    let (_, info) = rs.rules().next().unwrap();
    assert_eq!(info.condition, "ka.verb = get or ka.verb = list");
    assert_eq!(info.priority, kubeward_rules::Priority::Error);
    assert_eq!(info.tags, ["t2"]);
    assert_eq!(matches(&rs, json!({"verb": "list"})), ["R"]);
    // Legacy append, and enabled toggles.
    let legacy = "- rule: R\n  condition: or ka.verb = watch\n  append: true\n";
    let rs = ok(&[&base, legacy]);
    assert_eq!(matches(&rs, json!({"verb": "watch"})), ["R"]);
    let off = "- rule: R\n  enabled: false\n  override:\n    enabled: replace\n";
    let rs = ok(&[&base, off]);
    assert!(!rs.rules().next().unwrap().1.enabled);
    assert!(matches(&rs, json!({"verb": "get"})).is_empty());
    let standalone = "- rule: R\n  enabled: false\n";
    let r = load(&[&base, standalone]);
    assert!(
        r.reports[1]
            .warnings
            .iter()
            .any(|w| w.message.contains("standalone 'enabled'"))
    );
    assert!(!r.ruleset.unwrap().rules().next().unwrap().1.enabled);
    // Redefinition keeps the slot; a list append extends.
    let redef = rule("R", "ka.verb = delete") + "- list: l\n  items: [b]\n  append: true\n";
    let rs = ok(&[&(rule("Q", "ka.verb = q") + &base), &redef]);
    let names: Vec<_> = rs.rules().map(|(_, r)| r.name.clone()).collect();
    assert_eq!(names, ["Q", "R"]);
}

#[test]
fn every_error_kind_has_code_message_and_position() {
    let cases: Vec<(String, &str, &str, u32)> = vec![
        ("- rule: R\n  x: [1, 2\n".into(), "LOAD_ERR_YAML_PARSE", "yaml-cpp: error at line 3, column 1: end of sequence flow not found", 0),
        ("key: value\n".into(), "LOAD_ERR_YAML_VALIDATE", "Rules content is not yaml array of objects", 1),
        ("- just a string\n".into(), "LOAD_ERR_YAML_VALIDATE", "Unexpected element type. Each element should be a yaml associative array.", 1),
        (rule("R", "nomacro"), "LOAD_ERR_VALIDATE", "Undefined macro 'nomacro' used in filter.", 3),
        (rule("R", "ka.nothing = 1"), "LOAD_ERR_COMPILE_CONDITION", "filter_check called with nonexistent field ka.nothing", 3),
        (rule("R", "ka.user.groups contains x"), "LOAD_ERR_COMPILE_CONDITION", "'contains' operator not supported for list filters", 3),
        (rule("R", "ka.verb = get get"), "LOAD_ERR_COMPILE_CONDITION", "unexpected token after 'get', expecting 'or', 'and'", 3),
        ("- list: l\n  items: [a]\n  append: true\n".into(), "LOAD_ERR_VALIDATE", "List uses 'append' or 'override.items: append' but no list by that name already exists", 1),
        ("- macro: m\n  condition: a\n  append: true\n".into(), "LOAD_ERR_VALIDATE", "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists", 1),
        ("- rule: R\n  condition: a\n  override:\n    condition: append\n".into(), "LOAD_ERR_VALIDATE", "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists", 1),
        ("- macro: a\n  condition: b\n- macro: b\n  condition: ka.verb = x\n- macro: a\n  condition: b\n- macro: b\n  condition: a\n".into(), "LOAD_ERR_VALIDATE", "reference loop in macro", 0),
        ("- rule: R\n  desc: d\n  condition: ka.verb = x\n  output: o\n  priority: LOUD\n  source: k8s_audit\n".into(), "LOAD_ERR_VALIDATE", "Invalid priority", 5),
        ("- rule: R\n  desc: d\n  condition: ka.verb = x\n  output: o\n  priority: INFO\n  enabled: maybe\n".into(), "LOAD_ERR_YAML_VALIDATE", "Can't decode YAML scalar value", 6),
        ("- list: l\n  items:\n".into(), "LOAD_ERR_YAML_VALIDATE", "Value is not a sequence", 0),
        ("- rule: R\n  desc: d\n  condition: [a]\n  output: o\n  priority: INFO\n".into(), "LOAD_ERR_YAML_VALIDATE", "Value is not a scalar value", 3),
        ("- rule: R\n  desc: d\n  output: o\n  priority: INFO\n".into(), "LOAD_ERR_YAML_VALIDATE", "Item has no mapping for key 'condition'", 1),
        (rule("R", "ka.verb = x").replace("out %ka.verb", "out %ka.bogus"), "LOAD_ERR_COMPILE_OUTPUT", "invalid formatting token ka.bogus", 4),
        ("- required_engine_version: 99\n".into(), "LOAD_ERR_VALIDATE", "Rules require engine version 0.99.0, but engine version is 0.62.0", 1),
        ("- required_engine_version: abc\n".into(), "LOAD_ERR_YAML_VALIDATE", "Unable to parse engine version 'abc' as a semver string.", 1),
        ("- required_plugin_versions:\n    - name: nope\n      version: 1.0.0\n".into(), "LOAD_ERR_VALIDATE", "Plugin requirement not satisfied, must load one of: nope (>= 1.0.0)", 0),
        ("- rule: R\n  condition: a\n  append: true\n  override:\n    condition: append\n".into(), "LOAD_ERR_YAML_VALIDATE", "Keys 'override' and 'append: true' cannot be used together.", 0),
        (rule("R", "ka.verb = x") + "- rule: R\n  desc: d\n  condition: a\n  output: o\n  priority: INFO\n", "LOAD_ERR_VALIDATE", "Rule has been re-defined with a different source", 0),
        (rule("R", "(".repeat(1000).as_str()), "LOAD_ERR_COMPILE_CONDITION", "exceeded max depth limit of 1000", 3),
    ];
    for (text, code, msg, line) in cases {
        let (c, m, l, col) = err(&[&text]);
        assert_eq!(c, code, "{text}");
        assert!(m.starts_with(msg), "{m:?} vs {msg:?}");
        if line > 0 {
            assert_eq!(l, line, "{text}: {m}");
        }
        assert!(col >= 1);
    }
}

#[test]
fn error_report_text_has_location_and_snippet() {
    let r = load(&[&rule("R", "ka.verb = get get")]);
    let text = r.reports[0].to_text();
    assert!(text.starts_with("f0.yaml: Invalid\n1 Errors:\nIn rules content: (f0.yaml:1:1)\n    rule 'R': (f0.yaml:1:3)\n"), "{text}");
    has(
        &text,
        "    rule condition: (f0.yaml:3:28)\n------\n  condition: ka.verb = get get\n                           ^\n------\n",
    );
    assert!(text.ends_with("LOAD_ERR_COMPILE_CONDITION (Error compiling condition): unexpected token after 'get', expecting 'or', 'and'\n"), "{text}");
    let j = r.reports[0].to_json();
    assert_eq!(j["successful"], false);
    assert_eq!(j["errors"][0]["code"], "LOAD_ERR_COMPILE_CONDITION");
}

#[test]
fn warnings_unknown_keys_unused_items_unknown_source() {
    let text = "- list: unused_l\n  items: [a]\n- macro: unused_m\n  condition: ka.verb = x\n- rule: S\n  desc: d\n  condition: x.y = 1\n  output: o\n  priority: INFO\n  source: nosuch\n  colour: red\n- unknown_item: 1\n";
    let r = load(&[text]);
    let codes: Vec<&str> = r.reports[0].warnings.iter().map(|w| w.code).collect();
    for c in [
        "LOAD_UNUSED_LIST",
        "LOAD_UNUSED_MACRO",
        "LOAD_UNKNOWN_SOURCE",
        "LOAD_UNKNOWN_KEY",
        "LOAD_UNKNOWN_ITEM",
    ] {
        assert!(codes.contains(&c), "{c} in {codes:?}");
    }
    assert!(r.ruleset.unwrap().rules().next().is_none());
    let skip = rule("R", "ka.nothing = 1") + "  skip-if-unknown-filter: true\n";
    let r = load(&[&skip]);
    assert!(
        r.reports[0]
            .warnings
            .iter()
            .any(|w| w.code == "LOAD_UNKNOWN_FILTER")
    );
    assert!(r.ruleset.is_some());
}

#[test]
fn huge_lists_load_and_deep_input_never_crashes() {
    let items: Vec<String> = (0..100_000).map(|i| format!("u{i}")).collect();
    let text = format!("- list: big\n  items: [{}]\n", items.join(", "))
        + &rule("R", "ka.user.name in (big)");
    let rs = ok(&[&text]);
    assert_eq!(
        matches(&rs, json!({"verb": "x", "user": {"username": "u99999"}})),
        ["R"]
    );
    for bad in [
        "[[[[[[[[",
        "- rule: {",
        "\u{0}",
        "- - - -",
        &"- ".repeat(10_000),
        "--- \n...\n- list: a\n  items: 1",
    ] {
        let _ = load(&[bad]);
    }
}

#[test]
fn alert_text_and_json_are_falco_shaped() {
    let text = "- rule: Priv\n  desc: d\n  condition: ka.verb = create\n  output: \"user=%ka.user.name images=%ka.req.pod.containers.image ns=%ka.target.namespace q=\\\"%ka.verb\\\"\"\n  priority: informational\n  source: k8s_audit\n  tags: [k8s, a]\n";
    let rs = ok(&[text]);
    let ev = Ev::new(
        json!({"verb": "create", "user": {"username": "alice"}, "requestObject": {"spec": {"containers": [{"image": "nginx"}, {"image": "redis"}]}}}),
    );
    let hits = hit_ids(&rs, &ev, MatchMode::First);
    let opts = AlertOptions {
        hostname: "node-1".into(),
        ..AlertOptions::default()
    };
    let a = rs.alert(hits[0], &ev, &opts).unwrap();
    assert_eq!(
        a.text_line(),
        "22:13:20.123456789: Informational user=alice images=(nginx,redis) ns=<NA> q=\\\"create\\\""
    );
    assert_eq!(
        a.to_json(),
        r#"{"hostname":"node-1","output":"22:13:20.123456789: Informational user=alice images=(nginx,redis) ns=<NA> q=\"create\"","output_fields":{"evt.time":1700000000123456789,"ka.req.pod.containers.image":["nginx","redis"],"ka.target.namespace":null,"ka.user.name":"alice","ka.verb":"create"},"priority":"Informational","rule":"Priv","source":"k8s_audit","tags":["a","k8s"],"time":"2023-11-14T22:13:20.123456789Z"}"#
    );
    // Falco's json_include_*_property: message in, output, output_fields and tags out.
    let trimmed = AlertOptions {
        json: kubeward_rules::engine::JsonOptions {
            output: false,
            tags: false,
            message: true,
            output_fields: false,
        },
        ..opts.clone()
    };
    assert_eq!(
        rs.alert(hits[0], &ev, &trimmed).unwrap().to_json(),
        r#"{"hostname":"node-1","message":"user=alice images=(nginx,redis) ns=<NA> q=\"create\"","priority":"Informational","rule":"Priv","source":"k8s_audit","time":"2023-11-14T22:13:20.123456789Z"}"#
    );
    let iso = AlertOptions {
        time_format_iso_8601: true,
        ..opts
    };
    assert!(
        rs.alert(hits[0], &ev, &iso)
            .unwrap()
            .text_line()
            .starts_with("2023-11-14T22:13:20.123456789+0000: Informational")
    );
}

#[test]
fn min_priority_and_first_match() {
    let text = rule("A", "ka.verb = get") + &rule("B", "ka.verb = get").replace("WARNING", "DEBUG");
    let mut rs = ok(&[&text]);
    assert_eq!(matches(&rs, json!({"verb": "get"})), ["A", "B"]);
    rs.set_min_priority(kubeward_rules::Priority::Notice);
    assert_eq!(matches(&rs, json!({"verb": "get"})), ["A"]);
    let ev = Ev::new(json!({"verb": "get"}));
    rs.set_min_priority(kubeward_rules::Priority::Debug);
    assert_eq!(hit_ids(&rs, &ev, MatchMode::First).len(), 1);
}

/// An event at the last instant an `i64` of nanoseconds holds (2262-04-11T23:47:16Z).
struct LastInstant;

impl kubeward_rules::source::Event for LastInstant {
    fn time_ns(&self) -> i64 {
        i64::MAX
    }

    fn extract<'e>(
        &'e self,
        _f: &kubeward_rules::source::FieldRef,
        out: &mut Vec<kubeward_rules::source::Value<'e>>,
    ) {
        out.push(kubeward_rules::source::Value::str("x"));
    }
}

#[test]
fn alert_times_near_the_end_of_the_range_shift_without_overflow() {
    // Found by the rules_load fuzz target: the local offset was added in nanoseconds.
    use kubeward_rules::source::{FieldDef, FieldType, SourceSpec};
    let mut engine = Engine::new();
    engine.add_source(SourceSpec::new(
        "toy",
        vec![FieldDef::new(0, "toy.user", FieldType::String, "user")],
    ));
    let text = "- rule: Late\n  desc: d\n  condition: toy.user = x\n  output: \"t=%evt.time d=%evt.datetime\"\n  priority: WARNING\n  source: toy\n";
    let rs = engine
        .load(&[RulesFile::new("late.yaml", text)])
        .ruleset
        .expect("loads");
    let toy = rs.source_id("toy").expect("toy source");
    let mut hits = Vec::new();
    rs.evaluate(toy, &LastInstant, MatchMode::All, &mut hits);
    let ahead = AlertOptions {
        utc_offset_secs: 14 * 3600,
        ..AlertOptions::default()
    };
    let alert = rs.alert(hits[0], &LastInstant, &ahead).expect("alert");
    assert_eq!(
        alert.text_line(),
        "13:47:16.854775807: Warning t=13:47:16.854775807 d=2262-04-12 13:47:16.854775807"
    );
}
