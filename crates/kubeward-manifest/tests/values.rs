//! Kubernetes' YAML value rules end to end: YAML 1.1 scalars, keys, anchors and merges.

mod common;

use common::{one, one_err, pos};
use std::sync::Arc;

use kubeward_manifest::{Limits, Node, Value};

fn value_of(yaml_value: &str) -> Value {
    let r = one(&format!("apiVersion: v1\nkind: X\nv: {yaml_value}\n"));
    r.node.get("v").unwrap().value.clone()
}

#[test]
fn plain_scalars_follow_yaml_1_1_as_kubernetes_reads_it() {
    assert_eq!(value_of("yes"), Value::Bool(true));
    assert_eq!(value_of("Off"), Value::Bool(false));
    assert_eq!(value_of("y"), Value::Bool(true));
    assert_eq!(value_of("NO"), Value::Bool(false));
    assert_eq!(value_of("0777"), Value::Int(511));
    assert_eq!(value_of("0x10"), Value::Int(16));
    assert_eq!(value_of("0b11"), Value::Int(3));
    assert_eq!(value_of("-1_000"), Value::Int(-1000));
    assert_eq!(value_of("1.5e3"), Value::Float(1500.0));
    assert_eq!(value_of("-.inf"), Value::Float(f64::NEG_INFINITY));
    assert_eq!(value_of("~"), Value::Null);
    assert_eq!(value_of(""), Value::Null);
    assert_eq!(value_of("NULL"), Value::Null);
    assert_eq!(value_of("yes please"), Value::Str("yes please".into()));
    assert_eq!(value_of("2024-01-02"), Value::Str("2024-01-02".into()));
}

#[test]
fn quoted_and_block_scalars_are_always_strings() {
    for (yaml, text) in [
        ("\"yes\"", "yes"),
        ("'0777'", "0777"),
        ("\"\"", ""),
        ("|\n  true\n", "true\n"),
        (">-\n  12\n", "12"),
    ] {
        assert_eq!(value_of(yaml), Value::Str(text.into()), "{yaml}");
    }
}

#[test]
fn explicit_tags_are_honoured_and_impossible_ones_fail_the_document() {
    assert_eq!(value_of("!!str yes"), Value::Str("yes".into()));
    assert_eq!(value_of("!!str 0x10"), Value::Str("0x10".into()));
    assert_eq!(value_of("!!int \"0x10\""), Value::Int(16));
    assert_eq!(value_of("!!bool 'on'"), Value::Bool(true));
    assert_eq!(value_of("!!float 3"), Value::Float(3.0));
    assert_eq!(value_of("!!null ''"), Value::Null);
    assert_eq!(value_of("!custom 12"), Value::Str("12".into()));
    let e = one_err("apiVersion: v1\nkind: X\nv: !!int twelve\n");
    assert_eq!(e.message, "cannot decode !!str `twelve` as a !!int");
    assert_eq!(e.pos, Some(pos(3, 4)));
}

#[test]
fn security_fields_resolve_as_the_api_server_sees_them() {
    let r = one(
        "apiVersion: v1\nkind: Pod\nspec:\n  securityContext:\n    runAsUser: 0x10\n    fsGroup: 0777\n  containers:\n  - name: \"yes\"\n    securityContext:\n      privileged: yes\n      allowPrivilegeEscalation: off\n",
    );
    let at = |p: &str| r.node.at(p).unwrap().value.clone();
    assert_eq!(at("spec.securityContext.runAsUser"), Value::Int(16));
    assert_eq!(at("spec.securityContext.fsGroup"), Value::Int(511));
    assert_eq!(at("spec.containers[0].name"), Value::Str("yes".into()));
    assert_eq!(
        at("spec.containers[0].securityContext.privileged"),
        Value::Bool(true)
    );
    assert_eq!(
        at("spec.containers[0].securityContext.allowPrivilegeEscalation"),
        Value::Bool(false)
    );
}

#[test]
fn keys_become_strings_as_sigs_k8s_io_yaml_converts_them() {
    let r = one(
        "apiVersion: v1\nkind: X\nm:\n  yes: a\n  1: b\n  0x10: c\n  1.5: d\n  ~n: e\n  \"no\": f\n  off: g\n",
    );
    let keys: Vec<_> = r
        .node
        .get("m")
        .unwrap()
        .as_map()
        .unwrap()
        .iter()
        .map(|e| e.key.as_str())
        .collect();
    assert_eq!(keys, ["true", "1", "16", "1.5", "~n", "no", "false"]);
    let e = one_err("apiVersion: v1\nkind: X\nm:\n  ~: a\n");
    assert_eq!(
        (e.pos, e.message.as_str()),
        (Some(pos(4, 3)), "unsupported map key: null")
    );
    let e = one_err("apiVersion: v1\nkind: X\nm:\n  ? [a]\n  : b\n");
    assert!(e.message.starts_with("invalid map key"), "{}", e.message);
}

#[test]
fn duplicate_keys_keep_both_and_the_last_wins() {
    let r = one("apiVersion: v1\nkind: X\na: 1\na: 2\n");
    assert_eq!(r.node.get("a").unwrap().value, Value::Int(2));
}

#[test]
fn aliases_copy_the_anchored_node() {
    let r = one(
        "apiVersion: v1\nkind: X\nbase: &sc\n  runAsNonRoot: true\n  runAsUser: 1000\nuse: *sc\nname: &n web\nother: *n\n",
    );
    let base = r.node.get("base").unwrap();
    let used = r.node.get("use").unwrap();
    assert_eq!(used.value, base.value);
    // The copy starts where the alias is written; its insides point at the anchor.
    assert_eq!(used.pos, pos(6, 6));
    assert_eq!(r.node.locate("use.runAsUser").pos, pos(5, 3));
    assert_eq!(r.node.get("other").unwrap().value, Value::Str("web".into()));
}

#[test]
fn anchors_do_not_cross_documents_and_cannot_contain_themselves() {
    let all =
        common::parse("apiVersion: v1\nkind: A\nx: &a 1\n---\napiVersion: v1\nkind: B\ny: *a\n");
    assert_eq!(all.len(), 2);
    assert!(all[0].is_ok());
    let e = all[1].as_ref().unwrap_err();
    assert_eq!(e.pos, Some(pos(7, 4)));
    assert!(e.message.starts_with("unknown anchor"), "{}", e.message);
    let e = one_err("apiVersion: v1\nkind: X\nx: &a [1, *a]\n");
    assert_eq!(e.message, "anchor value contains itself");
}

#[test]
fn an_alias_to_another_documents_anchor_ends_the_file_wherever_it_was_split() {
    // Found by the manifest fuzz target: read whole, such an alias failed only its own
    // document; read in pieces (the anchor in an earlier piece), saphyr stopped the file
    // with its own words. Both now end the file with one error at the alias, as an
    // alias to an anchor defined nowhere always did.
    let foreign = "apiVersion: v1\nkind: A\nx: &a 1\n---\napiVersion: v1\nkind: B\ny: *a\n---\napiVersion: v1\nkind: C\n";
    let nowhere = "apiVersion: v1\nkind: A\nx: 1\n---\napiVersion: v1\nkind: B\ny: *a\n---\napiVersion: v1\nkind: C\n";
    for text in [foreign, nowhere] {
        let all = common::parse(text);
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(all[0].is_ok());
        let e = all[1].as_ref().unwrap_err();
        assert_eq!(e.pos, Some(pos(7, 4)));
        assert_eq!(
            e.message,
            "unknown anchor referenced (anchors do not cross documents)"
        );
    }
    // The same from the piece that starts at the alias's document (line 4 of the file).
    let rest = &foreign[foreign.find("---").unwrap()..];
    let piece =
        kubeward_manifest::parse_piece(&Arc::from("test.yaml"), rest, 3, &Limits::default());
    assert!(piece.stopped);
    assert_eq!(piece.documents.len(), 1);
    let e = piece.documents[0].as_ref().unwrap_err();
    assert_eq!(e.pos, Some(pos(7, 4)));
    assert_eq!(
        e.message,
        "unknown anchor referenced (anchors do not cross documents)"
    );
}

fn keys_and_values(n: &Node) -> Vec<(String, Value)> {
    n.as_map()
        .unwrap()
        .iter()
        .map(|e| (e.key.clone(), e.value.value.clone()))
        .collect()
}

#[test]
fn merge_keys_work_as_in_go_yaml_v2() {
    let r = one(
        "apiVersion: v1\nkind: X\nbase: &b {a: 1, b: 2}\nover: &o {b: 3, c: 4}\nm1:\n  <<: *b\n  b: 9\nm2:\n  <<: [*o, *b]\nm3:\n  b: 9\n  <<: *b\nm4:\n  '<<': *b\nm5:\n  !!merge <<: {z: 0}\n",
    );
    let kv = |p: &str| keys_and_values(r.node.get(p).unwrap());
    let i = |k: &str, v: i64| (k.to_string(), Value::Int(v));
    // Explicit keys after the merge win.
    assert_eq!(kv("m1"), [i("a", 1), i("b", 9)]);
    // In a sequence of maps, earlier maps win.
    assert_eq!(kv("m2"), [i("a", 1), i("b", 3), i("c", 4)]);
    // go-yaml v2 writes keys in order: a merge after an explicit key overrides it.
    assert_eq!(kv("m3"), [i("a", 1), i("b", 2)]);
    // A quoted "<<" is an ordinary key.
    assert_eq!(r.node.at("m4[<<].a").unwrap().value, Value::Int(1));
    assert_eq!(kv("m5"), [i("z", 0)]);
    assert_eq!(r.node.locate("m1.a").pos, pos(3, 11));
}

#[test]
fn merging_something_other_than_maps_is_an_error() {
    for bad in ["<<: 1", "<<: [1, {a: 1}]", "<<: [[{a: 1}]]"] {
        let e = one_err(&format!("apiVersion: v1\nkind: X\nm: {{{bad}}}\n"));
        assert_eq!(
            e.message,
            "map merge requires map or sequence of maps as the value"
        );
        assert_eq!(e.pos.map(|p| p.line), Some(3));
    }
}
