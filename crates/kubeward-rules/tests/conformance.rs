//! Falco's rules-loading regression tests (falcosecurity/testing, `tests/falco/legacy_test.go`
//! and `commands_test.go`), re-expressed with fixtures of our own: each test loads
//! rules the way `falco -V` does and checks the JSON report the same way the suite
//! does (an entry with this code, item type, item name and message; exit status).
//! docs/detect.md maps every upstream test to the test here that covers it.

use kubeward_rules::{Engine, RulesFile};
use serde_json::Value;

/// Loads `files` in order with the built-in (syscall) source: whether everything
/// loaded, and `{"falco_load_results": [...]}` as `falco -V --json` prints it.
fn validate(files: &[&str]) -> (bool, Value) {
    let engine = Engine::new();
    let rf: Vec<RulesFile<'_>> = files
        .iter()
        .enumerate()
        .map(|(i, t)| RulesFile::new(format!("rules{i}.yaml"), t))
        .collect();
    let r = engine.load(&rf);
    let results: Vec<Value> = r.reports.iter().map(|x| x.to_json()).collect();
    (
        r.ruleset.is_some(),
        serde_json::json!({ "falco_load_results": results }),
    )
}

/// The suite's filter: entries of `kind` ("errors"/"warnings") of every file with
/// this code, a location of this item type (and name, when given) and this message.
fn matching<'a>(
    doc: &'a Value,
    kind: &str,
    code: &str,
    item_type: &str,
    item_name: Option<&str>,
    message: &str,
) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for file in doc["falco_load_results"].as_array().into_iter().flatten() {
        for e in file[kind].as_array().into_iter().flatten() {
            let locs = e["context"]["locations"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let typed = locs.iter().any(|l| l["item_type"] == item_type);
            let named = item_name.is_none_or(|n| locs.iter().any(|l| l["item_name"] == n));
            if e["code"] == code && typed && named && e["message"] == message {
                out.push(e);
            }
        }
    }
    out
}

#[track_caller]
fn assert_error(files: &[&str], code: &str, item_type: &str, name: Option<&str>, msg: &str) {
    let (ok, doc) = validate(files);
    assert!(!ok, "expected a load failure:\n{doc:#}");
    assert!(
        !matching(&doc, "errors", code, item_type, name, msg).is_empty(),
        "no error {code} {item_type} {name:?} {msg:?} in\n{doc:#}"
    );
}

/// [`assert_error`] for `first` and `second` as two files, then as one file of two YAML
/// documents: Falco must report the same either way.
#[track_caller]
fn assert_error_split_or_joined(
    first: &str,
    second: &str,
    code: &str,
    item_type: &str,
    name: Option<&str>,
    msg: &str,
) {
    assert_error(&[first, second], code, item_type, name, msg);
    let joined = format!("{first}---\n{second}");
    assert_error(&[&joined], code, item_type, name, msg);
}

#[track_caller]
fn assert_warning(doc: &Value, code: &str, item_type: &str, name: Option<&str>, msg: &str) {
    assert!(
        !matching(doc, "warnings", code, item_type, name, msg).is_empty(),
        "no warning {code} {item_type} {name:?} {msg:?} in\n{doc:#}"
    );
}

/// A second file that breaks macro `shelly` of the first: the first file still loads,
/// the error names the macro, and the macro, now used by nothing, draws the unused-macro
/// warning; as one file of two YAML documents, the same error.
#[track_caller]
fn shelly_broken_by_the_second(first: &str, second: &str, code: &str, msg: &str) {
    let (ok, doc) = validate(&[first, second]);
    assert!(!ok);
    assert_eq!(doc["falco_load_results"][0]["successful"], true, "{doc:#}");
    assert!(
        !matching(&doc, "errors", code, "macro", Some("shelly"), msg).is_empty(),
        "{doc:#}"
    );
    assert_warning(
        &doc,
        "LOAD_UNUSED_MACRO",
        "macro",
        Some("shelly"),
        "Macro not referred to by any other rule/macro",
    );
    let joined = format!("{first}---\n{second}");
    assert_error(&[&joined], code, "macro", Some("shelly"), msg);
}

/// The first error of a file that must fail to load, once its code is checked.
#[track_caller]
fn first_error(file: &str, code: &str) -> Value {
    let (ok, doc) = validate(&[file]);
    assert!(!ok, "expected a load failure:\n{doc:#}");
    let e = doc["falco_load_results"][0]["errors"][0].clone();
    assert_eq!(e["code"], code, "{doc:#}");
    e
}

fn count(doc: &Value, kind: &str) -> usize {
    doc["falco_load_results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f[kind].as_array().map_or(0, Vec::len))
        .sum()
}

fn rule(name: &str, condition: &str) -> String {
    format!(
        "- rule: {name}\n  desc: a test rule\n  condition: {condition}\n  output: \"seen (cmd=%proc.cmdline)\"\n  priority: WARNING\n"
    )
}

const EXEC_BY_SHELL: &str = "evt.type = execve and proc.name = bash";

// ---- top-level structure -------------------------------------------------------

#[test]
fn content_that_is_not_an_array_or_not_yaml() {
    // InvalidNotArray, InvalidNotYaml.
    let msg = "Rules content is not yaml array of objects";
    assert_error(
        &["rule: x\ndesc: y\n"],
        "LOAD_ERR_YAML_VALIDATE",
        "rules content",
        None,
        msg,
    );
    assert_error(
        &["just some words\n"],
        "LOAD_ERR_YAML_VALIDATE",
        "rules content",
        None,
        "Rules content is not yaml",
    );
    // The passing case: an empty file and an array load.
    assert!(validate(&["", "[]\n"]).0);
}

#[test]
fn array_item_that_is_not_a_mapping_is_a_rules_content_item() {
    // InvalidArrayItemNotObject: the location names the item.
    let msg = "Unexpected element type. Each element should be a yaml associative array.";
    let text = format!("{}- [a, b]\n", rule("fine", EXEC_BY_SHELL));
    assert_error(
        &[&text],
        "LOAD_ERR_YAML_VALIDATE",
        "rules content item",
        None,
        msg,
    );
    let (_, doc) = validate(&[&text]);
    let e = &doc["falco_load_results"][0]["errors"][0];
    assert_eq!(
        e["context"]["locations"][1]["position"]["line"], 6,
        "{doc:#}"
    );
}

#[test]
fn yaml_syntax_errors_keep_their_position() {
    // InvalidYamlParseError: yaml-cpp's words at yaml-cpp's position.
    let e = first_error("- rule: a: b\n", "LOAD_ERR_YAML_PARSE");
    assert_eq!(e["context"]["locations"][0]["item_type"], "rules content");
    let m = e["message"].as_str().unwrap_or("");
    assert_eq!(m, "yaml-cpp: error at line 1, column 10: illegal map value");
}

// ---- required_engine_version ---------------------------------------------------

#[test]
fn engine_version_newer_than_ours_is_the_collectors_error() {
    // EngineVersionMismatch.
    let e = first_error("- required_engine_version: 9999\n", "LOAD_ERR_VALIDATE");
    assert_eq!(
        e["context"]["locations"][1]["item_type"],
        "required_engine_version"
    );
    // Ours and older load.
    assert!(validate(&["- required_engine_version: 2\n- required_engine_version: 0.11.0\n"]).0);
}

#[test]
fn engine_version_that_is_no_number_is_the_readers_error() {
    // InvalidEngineVersionNotNumber: LOAD_ERR_YAML_VALIDATE, as in Falco 0.44.
    let text = format!(
        "- required_engine_version: two\n{}",
        rule("r", EXEC_BY_SHELL)
    );
    assert_error(
        &[&text],
        "LOAD_ERR_YAML_VALIDATE",
        "required_engine_version",
        None,
        "Unable to parse engine version 'two' as a semver string. Expected \"x.y.z\" semver format.",
    );
}

// ---- missing keys and names ------------------------------------------------------

#[test]
fn missing_or_empty_keys_are_decoding_errors() {
    // InvalidMissingListName, InvalidMissingMacroName, InvalidMissingRuleName,
    // InvalidListWithoutItems, InvalidMacroWithoutCondition, InvalidRuleWithoutOutput.
    let y = "LOAD_ERR_YAML_VALIDATE";
    assert_error(
        &["- list:\n  items: [a]\n"],
        y,
        "list",
        None,
        "Mapping for key 'list' is empty",
    );
    assert_error(
        &["- macro:\n  condition: evt.num > 0\n"],
        y,
        "macro",
        None,
        "Mapping for key 'macro' is empty",
    );
    assert_error(
        &["- rule:\n  desc: d\n  condition: evt.num > 0\n  output: o\n  priority: INFO\n"],
        y,
        "rule",
        None,
        "Mapping for key 'rule' is empty",
    );
    assert_error(
        &["- list: no_items\n"],
        y,
        "list",
        Some("no_items"),
        "Item has no mapping for key 'items'",
    );
    assert_error(
        &["- macro: no_cond\n"],
        y,
        "macro",
        Some("no_cond"),
        "Item has no mapping for key 'condition'",
    );
    assert_error(
        &["- rule: no out\n  desc: d\n  condition: evt.num > 0\n  priority: INFO\n"],
        y,
        "rule",
        Some("no out"),
        "Item has no mapping for key 'output'",
    );
}

// ---- append and override ---------------------------------------------------------

#[test]
fn dangling_appends_name_the_item() {
    // InvalidListAppendDangling, InvalidAppendMacroDangling, InvalidRuleAppendDangling
    // (Falco 0.44's wording; the suite still quotes the pre-0.37 one).
    let v = "LOAD_ERR_VALIDATE";
    assert_error(
        &["- list: lonely\n  items: [a]\n  append: true\n"],
        v,
        "list",
        Some("lonely"),
        "List uses 'append' or 'override.items: append' but no list by that name already exists",
    );
    assert_error(
        &["- macro: lonely macro\n  condition: and evt.num > 0\n  append: true\n"],
        v,
        "macro",
        Some("lonely macro"),
        "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists",
    );
    assert_error(
        &["- rule: lonely\n  condition: and proc.name = sh\n  append: true\n"],
        v,
        "rule",
        Some("lonely"),
        "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists",
    );
}

#[test]
fn appended_rule_without_condition_is_the_collectors_error() {
    // InvalidAppendRuleWithoutCondition.
    let text = format!(
        "{}- rule: shell\n  append: true\n",
        rule("shell", EXEC_BY_SHELL)
    );
    assert_error(
        &[&text],
        "LOAD_ERR_VALIDATE",
        "rule",
        Some("shell"),
        "Appended rule must have exceptions or condition property",
    );
    // With a condition it loads.
    let good = format!(
        "{}- rule: shell\n  condition: and user.uid = 0\n  append: true\n",
        rule("shell", EXEC_BY_SHELL)
    );
    assert!(validate(&[&good]).0);
}

#[test]
fn appends_that_break_the_condition_fail_in_the_second_file() {
    // InvalidAppendMacro / InvalidAppendMacroMultipleDocs / InvalidAppendRule /
    // InvalidAppendRuleMultipleDocs.
    let base_macro = "- macro: shelly\n  condition: evt.type = execve\n";
    let bad_append = "- macro: shelly\n  condition: bash\n  append: true\n";
    shelly_broken_by_the_second(
        base_macro,
        bad_append,
        "LOAD_ERR_COMPILE_CONDITION",
        "unexpected token after 'execve', expecting 'or', 'and'",
    );
    let base_rule = rule("shell rule", "evt.type = open");
    let bad_rule = "- rule: shell rule\n  condition: cat\n  append: true\n";
    assert_error_split_or_joined(
        &base_rule,
        bad_rule,
        "LOAD_ERR_COMPILE_CONDITION",
        "rule",
        Some("shell rule"),
        "unexpected token after 'open', expecting 'or', 'and'",
    );
}

#[test]
fn redefinitions_using_undefined_macros() {
    // InvalidOverwriteMacro(MultipleDocs), InvalidOverwriteRule(MultipleDocs).
    let base = "- macro: shelly\n  condition: evt.type = execve\n";
    let redo = "- macro: shelly\n  condition: nothing_here\n";
    shelly_broken_by_the_second(
        base,
        redo,
        "LOAD_ERR_VALIDATE",
        "Undefined macro 'nothing_here' used in filter.",
    );
    let r = rule("some rule", "evt.type = open");
    let r2 = rule("some rule", "evt.type = open and not_a_macro");
    assert_error_split_or_joined(
        &r,
        &r2,
        "LOAD_ERR_VALIDATE",
        "rule",
        Some("some rule"),
        "Undefined macro 'not_a_macro' used in filter.",
    );
}

// ---- outputs ---------------------------------------------------------------------

#[test]
fn unknown_output_token_uses_libsinsp_wording() {
    // InvalidRuleOutput; Print_Rules/invalid-rules loads the same kind of file.
    let text = "- rule: bad output\n  desc: d\n  condition: evt.type = open\n  output: \"opened %not_a_field_at_all\"\n  priority: WARNING\n";
    assert_error(
        &[text],
        "LOAD_ERR_COMPILE_OUTPUT",
        "rule",
        Some("bad output"),
        "invalid formatting token not_a_field_at_all",
    );
    let (_, doc) = validate(&[text]);
    let locs = &doc["falco_load_results"][0]["errors"][0]["context"]["locations"];
    assert_eq!(locs[2]["item_type"], "rule output", "{doc:#}");
    // libsinsp quotes the rest of the format, and has its own words for a bare `%`.
    let mid = text.replace("%not_a_field_at_all", "%nope here");
    assert_error(
        &[&mid],
        "LOAD_ERR_COMPILE_OUTPUT",
        "rule",
        None,
        "invalid formatting token nope here",
    );
    let end = text.replace("%not_a_field_at_all", "100%");
    assert_error(
        &[&end],
        "LOAD_ERR_COMPILE_OUTPUT",
        "rule",
        None,
        "invalid formatting syntax: formatting cannot end with a %",
    );
}

#[test]
fn container_info_is_deprecated_not_an_error() {
    // Falco keeps accepting `%container.info` (falco_rules.yaml 1.0.1 uses it): the
    // token is dropped and a LOAD_DEPRECATED_ITEM warning names the rule.
    let text = "- rule: old style\n  desc: d\n  condition: evt.type = execve\n  output: \"shell run (user=%user.name %container.info)\"\n  priority: NOTICE\n";
    let (ok, doc) = validate(&[text]);
    assert!(ok, "{doc:#}");
    assert_warning(
        &doc,
        "LOAD_DEPRECATED_ITEM",
        "rule",
        Some("old style"),
        "%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin will automatically add required fields to the output message.",
    );
    // Without it, no such warning.
    let (_, clean) = validate(&[&text.replace(" %container.info", "")]);
    assert_eq!(count(&clean, "warnings"), 0, "{clean:#}");
    // Falco removes the text wherever it occurs (`%container.infos` leaves `s`), and
    // any other unknown container field is still an error.
    let (ok, doc) = validate(&[&text.replace("%container.info", "%container.infos")]);
    assert!(ok, "{doc:#}");
    assert_error(
        &[&text.replace("%container.info", "%container.nosuch")],
        "LOAD_ERR_COMPILE_OUTPUT",
        "rule",
        None,
        "invalid formatting token container.nosuch)",
    );
}

// ---- skip-if-unknown-filter --------------------------------------------------------

fn skip_rule(name: &str, condition: &str, output: &str, skip: Option<bool>) -> String {
    let skip = skip.map_or(String::new(), |s| {
        format!("  skip-if-unknown-filter: {s}\n")
    });
    format!(
        "- rule: {name}\n  desc: d\n  condition: {condition}\n  output: \"{output}\"\n{skip}  priority: INFO\n"
    )
}

#[test]
fn skip_if_unknown_filter_turns_unknown_fields_types_and_tokens_into_warnings() {
    // ValidateSkipUnknownNoevt (and the load half of DetectSkipUnknownNoevt).
    let text = [
        skip_rule(
            "skip field",
            "evt.type = open and proc.nobody = cat",
            "o",
            Some(true),
        ),
        skip_rule(
            "skip type",
            "evt.type = no_such_event and proc.name = cat",
            "o",
            Some(true),
        ),
        skip_rule(
            "skip token",
            "evt.type = open",
            "o %proc.nobody",
            Some(true),
        ),
        skip_rule(
            "kept",
            "evt.type = open and proc.name = cat",
            "o %proc.name",
            None,
        ),
    ]
    .concat();
    let (ok, doc) = validate(&[&text]);
    assert!(ok, "{doc:#}");
    assert_eq!(count(&doc, "warnings"), 3, "{doc:#}");
    let u = "LOAD_UNKNOWN_FILTER";
    assert_warning(
        &doc,
        u,
        "rule",
        Some("skip field"),
        "filter_check called with nonexistent field proc.nobody",
    );
    assert_warning(
        &doc,
        u,
        "rule",
        Some("skip type"),
        "unknown event type no_such_event",
    );
    assert_warning(
        &doc,
        u,
        "rule",
        Some("skip token"),
        "invalid formatting token proc.nobody",
    );
}

#[test]
fn without_skip_unknown_fields_and_types_are_errors() {
    // SkipUnknownError (exactly one error), SkipUnknownUnspecError.
    let text = [
        skip_rule(
            "Not Skipping",
            "evt.type = open and proc.nobody = cat",
            "o",
            Some(false),
        ),
        skip_rule(
            "never reached",
            "evt.type = open and proc.nobody = cat",
            "o",
            None,
        ),
    ]
    .concat();
    let (ok, doc) = validate(&[&text]);
    assert!(!ok);
    assert_eq!(count(&doc, "errors"), 1, "{doc:#}");
    let msg = "filter_check called with nonexistent field proc.nobody";
    assert!(
        !matching(
            &doc,
            "errors",
            "LOAD_ERR_COMPILE_CONDITION",
            "rule",
            Some("Not Skipping"),
            msg
        )
        .is_empty()
    );
    assert_error(
        &[&skip_rule(
            "unspecified",
            "evt.type = open and proc.nobody = cat",
            "o",
            None,
        )],
        "LOAD_ERR_COMPILE_CONDITION",
        "rule",
        Some("unspecified"),
        msg,
    );
    assert_error(
        &[&skip_rule(
            "bad type",
            "evt.type in (open, not_an_event)",
            "o",
            None,
        )],
        "LOAD_ERR_COMPILE_CONDITION",
        "rule",
        Some("bad type"),
        "unknown event type not_an_event",
    );
}

#[test]
fn event_type_names_are_checked_for_the_syscall_source_only() {
    // Syscall names, tracepoints and event-table names are known...
    for ok in [
        "execve",
        "openat2",
        "procexit",
        "sched_process_exit",
        "signal_deliver",
        "pluginevent",
        "pread",
    ] {
        let (loaded, doc) = validate(&[&rule("r", &format!("evt.type = {ok}"))]);
        assert!(loaded, "{ok}: {doc:#}");
    }
    // ... `!=` and `in` are checked like `=`; other operators are not name lookups.
    assert_error(
        &[&rule("r", "evt.type != bogus")],
        "LOAD_ERR_COMPILE_CONDITION",
        "rule",
        None,
        "unknown event type bogus",
    );
    assert!(validate(&[&rule("r", "evt.type startswith open")]).0);
}

// ---- exceptions ------------------------------------------------------------------

fn with_exceptions(exceptions: &str) -> String {
    format!(
        "- rule: Guarded\n  desc: d\n  condition: evt.type = open and proc.name = cat\n  output: o\n  priority: ERROR\n  exceptions:\n{exceptions}"
    )
}

#[test]
fn exception_errors_name_the_exception() {
    let v = "LOAD_ERR_VALIDATE";
    // RuleExceptionUnknownFields.
    assert_error(
        &[&with_exceptions(
            "    - name: e_field\n      fields: [proc.name, no.such_field]\n",
        )],
        v,
        "exception",
        Some("e_field"),
        "'no.such_field' is not a supported filter field",
    );
    // RuleExceptionCompsFieldsLenMismatch (fields are checked before values).
    assert_error(
        &[&with_exceptions(
            "    - name: e_comps\n      fields: [proc.name, fd.name]\n      comps: [=]\n",
        )],
        v,
        "exception",
        Some("e_comps"),
        "Fields and comps lists must have equal length",
    );
    // RuleExceptionUnknownComp.
    assert_error(
        &[&with_exceptions(
            "    - name: e_op\n      fields: [proc.name, fd.name]\n      comps: [=, sorta]\n",
        )],
        v,
        "exception",
        Some("e_op"),
        "'sorta' is not a supported comparison operator",
    );
    // RuleExceptionFieldsValuesLenMismatch.
    assert_error(
        &[&with_exceptions(
            "    - name: e_vals\n      fields: [proc.name, fd.name]\n      values:\n        - [cat]\n",
        )],
        v,
        "exception",
        Some("e_vals"),
        "Fields and values lists must have equal length",
    );
    // A well-formed exception loads.
    assert!(validate(&[&with_exceptions("    - name: ok\n      fields: [proc.name, fd.name]\n      values:\n        - [cat, /dev/null]\n")]).0);
}

#[test]
fn exception_decoding_errors_are_the_readers() {
    let y = "LOAD_ERR_YAML_VALIDATE";
    // RuleExceptionNoFields: a missing `fields` is a missing key, not a validation error.
    assert_error(
        &[&with_exceptions(
            "    - name: nofields\n      values:\n        - [cat]\n",
        )],
        y,
        "exception",
        Some("nofields"),
        "Item has no mapping for key 'fields'",
    );
    // RuleExceptionNoName.
    assert_error(
        &[&with_exceptions(
            "    - fields: [proc.name]\n      values:\n        - [cat]\n",
        )],
        y,
        "exception",
        None,
        "Item has no mapping for key 'name'",
    );
}

const GUARDED: &str = "- rule: Guarded\n  desc: d\n  condition: evt.type = open and proc.name = cat\n  output: o\n  priority: ERROR\n  exceptions:\n    - name: by_pair\n      fields: [proc.name, fd.name]\n";

#[test]
fn appended_exceptions_are_validated_like_falco() {
    let v = "LOAD_ERR_VALIDATE";
    // RuleExceptionAppendFieldsValuesLenMismatch: appended values are checked too.
    let short = format!(
        "{GUARDED}- rule: Guarded\n  exceptions:\n    - name: by_pair\n      values:\n        - [cat]\n  append: true\n"
    );
    assert_error(
        &[&short],
        v,
        "exception",
        Some("by_pair"),
        "Fields and values lists must have equal length",
    );
    // RuleExceptionAppendItemNotInRule / RuleExceptionNewAppendNoField: a new exception
    // needs its fields (checked before its values).
    let new = format!(
        "{GUARDED}- rule: Guarded\n  exceptions:\n    - name: brand_new\n      values:\n        - [cat, /tmp]\n  append: true\n"
    );
    assert_error(
        &[&new],
        v,
        "exception",
        Some("brand_new"),
        "Rule exception must have fields property with a list of fields",
    );
    let comps_only = format!(
        "{GUARDED}- rule: Guarded\n  exceptions:\n    - name: cmd\n      comps: in\n      values: [\"cat /dev/null\"]\n  append: true\n"
    );
    assert_error(
        &[&comps_only],
        v,
        "exception",
        Some("cmd"),
        "Rule exception must have fields property with a list of fields",
    );
    // RuleExceptionAppendNoName.
    let anonymous = format!(
        "{GUARDED}- rule: Guarded\n  exceptions:\n    - values:\n        - [cat, /tmp]\n  append: true\n"
    );
    assert_error(
        &[&anonymous],
        "LOAD_ERR_YAML_VALIDATE",
        "exception",
        None,
        "Item has no mapping for key 'name'",
    );
    // Appending well-formed values loads.
    let good = format!(
        "{GUARDED}- rule: Guarded\n  exceptions:\n    - name: by_pair\n      values:\n        - [cat, /tmp]\n  append: true\n"
    );
    assert!(validate(&[&good]).0);
}

// ---- warnings and unknown sources ----------------------------------------------------

#[test]
fn rules_not_narrowing_event_types_are_warned_about() {
    // TestWarnings: our own set of conditions that leave every event type open.
    let wide = [
        ("only_a_field", "proc.name = cat"),
        ("type_not_equal", "evt.type != open"),
        ("negated_type", "not evt.type = open and proc.name = cat"),
        (
            "negated_set",
            "proc.name = cat and not evt.type in (open, openat)",
        ),
        ("or_with_untyped", "evt.type = open or proc.name = cat"),
        (
            "negated_conjunction",
            "not (evt.type = open and proc.name = cat)",
        ),
    ];
    let mut text = String::new();
    for (name, cond) in wide {
        text.push_str(&rule(name, cond));
    }
    text.push_str(&rule(
        "narrow",
        "evt.type in (open, openat) and not proc.name = cat",
    ));
    let (ok, doc) = validate(&[&text]);
    assert!(ok, "{doc:#}");
    assert_eq!(doc["falco_load_results"][0]["successful"], true);
    let msg = "Rule matches too many evt.type values. This has a significant performance penalty.";
    for (name, _) in wide {
        assert_warning(&doc, "LOAD_NO_EVTTYPE", "rule", Some(name), msg);
    }
    assert!(
        matching(
            &doc,
            "warnings",
            "LOAD_NO_EVTTYPE",
            "rule",
            Some("narrow"),
            msg
        )
        .is_empty()
    );
}

#[test]
fn unknown_sources_are_skipped_with_a_warning() {
    // NoPluginsUnknownSource, NoPluginsUnknownSourceRuleException: the exception's
    // fields are not checked for an unknown source.
    let text = "- rule: Cloud Thing\n  desc: d\n  condition: ct.name = RunInstances\n  output: o %ct.user\n  priority: INFO\n  source: aws_cloudtrail\n";
    for t in [
        text.to_owned(),
        format!(
            "{text}  exceptions:\n    - name: users\n      fields: [ct.user]\n      values:\n        - [admin]\n"
        ),
    ] {
        let (ok, doc) = validate(&[&t]);
        assert!(ok, "{doc:#}");
        assert_warning(
            &doc,
            "LOAD_UNKNOWN_SOURCE",
            "rule",
            Some("Cloud Thing"),
            "Unknown source aws_cloudtrail, skipping",
        );
    }
}
