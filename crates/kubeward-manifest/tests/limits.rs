//! Hostile input: alias bombs and deep nesting fail fast with a clear error, and the
//! documents around them still load.

mod common;

use std::time::{Duration, Instant};

use common::{parse, parse_with};
use kubeward_manifest::Limits;

const OK_DOC: &str = "apiVersion: v1\nkind: ConfigMap\n";

fn billion_laughs() -> String {
    let mut s = String::from(
        "apiVersion: v1\nkind: ConfigMap\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..=9 {
        let prev = format!("*l{}", i - 1);
        let items = [prev.as_str(); 9].join(", ");
        s.push_str(&format!("l{i}: &l{i} [{items}]\n"));
    }
    s
}

#[test]
fn an_alias_bomb_fails_fast_and_the_next_document_loads() {
    let text = format!("{}---\n{OK_DOC}", billion_laughs());
    let start = Instant::now();
    let all = parse(&text);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(all.len(), 2);
    let e = all[0].as_ref().unwrap_err();
    assert!(
        e.message == "document contains excessive aliasing" || e.message.contains("alias bomb"),
        "{}",
        e.message
    );
    assert!(e.pos.unwrap().line >= 4);
    assert_eq!(all[1].as_ref().unwrap().kind, "ConfigMap");
}

#[test]
fn the_node_limit_counts_alias_expansions() {
    let limits = Limits {
        max_nodes: 50,
        ..Limits::default()
    };
    // 4 + 1 + 10 + 1 + 10: fits until the copies are counted.
    let text =
        "apiVersion: v1\nkind: X\na: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: *a\nc: *a\nd: *a\n";
    let e = parse_with(text, limits).remove(0).unwrap_err();
    assert_eq!(e.pos.map(|p| p.line), Some(6));
    assert_eq!(
        e.message,
        "aliases expand this document past 50 nodes (a YAML alias bomb?)"
    );
    let fits = "apiVersion: v1\nkind: X\na: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: *a\n";
    assert!(parse_with(fits, limits).remove(0).is_ok());
    let big = format!(
        "apiVersion: v1\nkind: X\nl: [{}]\n",
        vec!["1"; 60].join(",")
    );
    let e = parse_with(&big, limits).remove(0).unwrap_err();
    assert_eq!(
        e.message,
        "document has more than 50 nodes (aliases expanded)"
    );
}

#[test]
fn nesting_past_the_depth_limit_is_an_error_and_later_documents_load() {
    let deep = format!("apiVersion: v1\nkind: X\nv:\n{}x\n", "- ".repeat(10_000));
    let text = format!("{deep}---\n{OK_DOC}");
    let all = parse(&text);
    assert_eq!(all.len(), 2, "{all:?}");
    let e = all[0].as_ref().unwrap_err();
    assert_eq!(e.message, "nesting deeper than 256 levels");
    assert_eq!(e.pos.map(|p| p.line), Some(4));
    assert_eq!(all[1].as_ref().unwrap().kind, "ConfigMap");
    // Exactly at the limit is fine: the root mapping plus 255 sequences.
    let at_limit = format!("apiVersion: v1\nkind: X\nv:\n{}x\n", "- ".repeat(255));
    assert!(parse(&at_limit).remove(0).is_ok());
    let over = format!("apiVersion: v1\nkind: X\nv:\n{}x\n", "- ".repeat(256));
    assert!(parse(&over).remove(0).is_err());
}

#[test]
fn deep_flow_nesting_is_an_error_not_a_crash() {
    let text = format!(
        "{OK_DOC}---\n{{\"apiVersion\": \"v1\", \"kind\": \"X\", \"v\": {}{}}}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let all = parse(&text);
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0].as_ref().unwrap().kind, "ConfigMap");
    let e = all[1].as_ref().unwrap_err();
    assert!(e.message.contains("nesting deeper than"), "{}", e.message);
    assert_eq!(e.pos.map(|p| p.line), Some(4));
    // A configured limit below the parser's own fires first, and the file goes on.
    let limits = Limits {
        max_depth: 20,
        ..Limits::default()
    };
    let text = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"X\", \"v\": {}{}}}\n---\n{OK_DOC}",
        "[".repeat(100),
        "]".repeat(100)
    );
    let all = parse_with(&text, limits);
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(
        all[0].as_ref().unwrap_err().message,
        "nesting deeper than 20 levels"
    );
    assert!(all[1].is_ok());
}

#[test]
fn an_endlessly_deep_failed_document_stops_the_file() {
    // Skipping a failed document tracks its nesting; past 100,000 levels the file ends.
    let text = format!(
        "apiVersion: v1\nkind: X\nv:\n{}x\n---\n{OK_DOC}",
        "- ".repeat(100_001)
    );
    let all = parse(&text);
    assert_eq!(all.len(), 1);
    assert_eq!(
        all[0].as_ref().unwrap_err().message,
        "nesting deeper than 256 levels"
    );
}
