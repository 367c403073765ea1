//! Keys set twice in one mapping: reported with their path and both lines by the strict
//! loader, kept silently (last value wins) by the lenient one.

mod common;

use std::sync::Arc;

use common::{parse, pos};
use kubeward_manifest::{Limits, LoadError, Resource, Value, parse_documents_strict};

fn strict(text: &str) -> Vec<Result<Resource, LoadError>> {
    parse_documents_strict(&Arc::from("test.yaml"), text, &Limits::default())
}

/// (path, first line, second line) of each duplicate, in order.
fn duplicates(text: &str) -> Vec<(String, u32, u32)> {
    strict(text)
        .iter()
        .filter_map(|r| r.as_ref().err())
        .filter_map(|e| {
            let d = e.duplicate.as_ref()?;
            Some((d.path.clone(), d.first.line, e.pos?.line))
        })
        .collect()
}

/// Asserts that `text` has exactly the duplicates `want`, as (path, first line, second
/// line), in order.
#[track_caller]
fn assert_duplicates(text: &str, want: &[(&str, u32, u32)]) {
    let want: Vec<_> = want.iter().map(|&(p, a, b)| (p.to_owned(), a, b)).collect();
    assert_eq!(duplicates(text), want, "duplicates of {text:?}");
}

const PRIVILEGED_THEN_NOT: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: c
    image: i
    securityContext:
      privileged: true
      privileged: false
";

#[test]
fn a_repeated_field_is_an_error_naming_both_lines_and_the_resource_still_loads() {
    let got = strict(PRIVILEGED_THEN_NOT);
    assert_eq!(got.len(), 2, "{got:?}");
    let e = got[0].as_ref().unwrap_err();
    assert_eq!(&*e.file, "test.yaml");
    assert_eq!(e.pos, Some(pos(11, 7)));
    assert_eq!(
        e.message,
        "duplicate key spec.containers[0].securityContext.privileged, first set at line 10 \
         (key \"privileged\" already set in map)"
    );
    let d = e.duplicate.as_ref().unwrap();
    assert_eq!(d.key, "privileged");
    assert_eq!(d.first, pos(10, 7));
    // The resource is what a lenient reader applies: the last value.
    let pod = got[1].as_ref().unwrap();
    let sc = pod.node.at("spec.containers[0].securityContext").unwrap();
    assert_eq!(sc.get("privileged").unwrap().value, Value::Bool(false));
    assert_eq!(
        pod.node
            .locate("spec.containers[0].securityContext.privileged")
            .pos,
        pos(11, 7)
    );

    // The lenient loader says nothing, as kubectl does.
    let lenient = parse(PRIVILEGED_THEN_NOT);
    assert_eq!(lenient.len(), 1);
    assert!(lenient[0].is_ok());
}

#[test]
fn a_second_spec_is_reported_at_the_top_level() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - \
                name: a\n    image: i\nspec:\n  containers: []\n";
    assert_duplicates(text, &[("spec", 5, 9)]);
}

#[test]
fn every_later_repeat_is_reported_against_the_first() {
    let text = "a: 1\nb: 1\na: 2\na: 3\n";
    assert_duplicates(text, &[("a", 1, 3), ("a", 1, 4)]);
    // Long mappings are checked by hashing: the same answer.
    let mut long: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
    long.push_str("k7: again\n");
    assert_duplicates(&long, &[("k7", 8, 101)]);
}

#[test]
fn keys_compare_as_kubernetes_reads_them() {
    // `yes` and `true` are the same YAML 1.1 boolean key; quoted or not, "a" is "a".
    assert_duplicates(
        "yes: 1\ntrue: 2\n'a': 1\n\"a\": 2\n",
        &[("true", 1, 2), ("a", 3, 4)],
    );
    // One-line flow mappings too.
    assert_duplicates("limits: {cpu: 1, cpu: 2}\n", &[("limits.cpu", 1, 1)]);
}

#[test]
fn paths_bracket_keys_with_dots_and_count_list_items() {
    let text =
        "metadata:\n  annotations:\n    a.b/c: x\n    a.b/c: y\nitems:\n- x: 1\n- w: 1\n  w: 2\n";
    assert_duplicates(
        text,
        &[("metadata.annotations[a.b/c]", 3, 4), ("items[1].w", 7, 8)],
    );
}

#[test]
fn json_objects_with_a_repeated_member_are_reported() {
    let text = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
 "spec": {"hostNetwork": true,
          "hostNetwork": false, "containers": []}}"#;
    assert_duplicates(text, &[("spec.hostNetwork", 2, 3)]);
}

#[test]
fn a_list_header_set_twice_is_reported_and_its_items_still_load() {
    // Two `items:` keys: the first list would vanish without a word.
    let text = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: \
                {name: a}}\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n";
    let got = strict(text);
    assert_duplicates(text, &[("items", 3, 5)]);
    let names: Vec<_> = got
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|r| r.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["b"]);
}

#[test]
fn merge_keys_that_set_a_key_again_are_reported_as_strict_go_yaml_does() {
    // go-yaml's strict decoding refuses a key that a merge and the mapping both set, and
    // keys that two merged mappings share; the lenient reader keeps the explicit key,
    // then the earlier merged mapping.
    let text = "base: &b {x: 1, w: 1}\nother: &o {w: 2, z: 2}\nm:\n  <<: [*b, *o]\n  x: 3\n";
    assert_duplicates(text, &[("m.w", 2, 1), ("m.x", 1, 5)]);
    let lenient = parse(text);
    assert!(
        lenient.iter().all(|r| r.is_err()),
        "not an object: {lenient:?}"
    );
    assert!(lenient[0].as_ref().unwrap_err().duplicate.is_none());
    // An alias of a mapping with a duplicate is reported once, where it is written.
    assert_duplicates("a: &a {k: 1, k: 2}\nb: *a\nc: *a\n", &[("a.k", 1, 1)]);
}

#[test]
fn a_document_that_fails_reports_its_error_only() {
    let got = strict("a: 1\na: 2\nb: *nope\n");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].as_ref().unwrap_err().duplicate.is_none());
}

#[test]
fn duplicates_beyond_a_hundred_per_document_are_counted_not_listed() {
    let text: String = (0..150).map(|i| format!("k: {i}\n")).collect();
    let got = strict(&text);
    let listed: Vec<&LoadError> = got
        .iter()
        .filter_map(|r| r.as_ref().err())
        .filter(|e| e.is_duplicate_key())
        .collect();
    assert_eq!(listed.len(), 100);
    assert!(
        listed[99]
            .message
            .ends_with("; 49 more duplicate keys in this document are not listed"),
        "{}",
        listed[99].message
    );
}
