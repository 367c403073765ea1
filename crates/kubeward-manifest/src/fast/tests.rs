//! The fast path against saphyr: whenever the fast path parses a document, the tree is
//! the one saphyr builds, positions included.

use std::sync::Arc;

use proptest::prelude::*;
use saphyr_parser::{Event, Parser};

use super::{document, segments};
use crate::tree::Doc;
use crate::yaml::{parse_documents_strict, pos, stream};
use crate::{Limits, Node};

/// saphyr's reading of `text`, whose first line is line `line0 + 1`: each document's
/// root, or its error.
fn reference(text: &str, line0: u32) -> Vec<Result<Option<Node>, String>> {
    let mut out = Vec::new();
    let mut doc: Option<Doc> = None;
    for next in Parser::new_from_str(text) {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => {
                out.push(Err(format!("{e}")));
                return out;
            }
        };
        match event {
            Event::DocumentStart(_) => doc = Some(Doc::new(Limits::default())),
            Event::DocumentEnd => {
                if let Some(d) = doc.take() {
                    out.push(d.finish().root.map_err(|(p, m)| format!("{p}: {m}")));
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            other => {
                if let Some(d) = doc.as_mut() {
                    d.event(other, pos(span.start, line0));
                }
            }
        }
    }
    out
}

/// The fast path's reading, or `None` when it gives up anywhere.
fn fast(text: &str) -> Option<Vec<Option<Node>>> {
    let segs = segments(text)?;
    let mut out = Vec::new();
    for (i, seg) in segs.iter().enumerate() {
        let end = segs.get(i + 1).map_or(text.len(), |n| n.start);
        let root = document(&text[seg.start..end], seg.line, &Limits::default()).ok()?;
        out.push(root);
    }
    Some(out)
}

/// Asserts the two agree when the fast path parses `text`; returns whether it did.
fn agree(text: &str) -> bool {
    let Some(fast) = fast(text) else {
        return false;
    };
    let slow: Vec<Option<Node>> = reference(text, 0)
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("saphyr fails ({e}) where the fast path does not:\n{text}"))
        })
        .collect();
    // Compared as text: NaN is not equal to itself.
    assert_eq!(
        format!("{:#?}", real(fast)),
        format!("{:#?}", real(slow)),
        "fast path and saphyr differ on:\n{text}"
    );
    true
}

/// [`agree`] document by document: every document the fast path parses is the one
/// saphyr reads from the same text. Returns how many it parsed.
fn agree_by_document(text: &str) -> usize {
    let Some(segs) = segments(text) else {
        return 0;
    };
    let mut parsed = 0;
    for (i, seg) in segs.iter().enumerate() {
        let end = segs.get(i + 1).map_or(text.len(), |n| n.start);
        let part = &text[seg.start..end];
        let Ok(fast) = document(part, seg.line, &Limits::default()) else {
            continue;
        };
        parsed += 1;
        let slow: Vec<Option<Node>> = reference(part, seg.line)
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|e| {
                    panic!("saphyr fails ({e}) where the fast path does not:\n{part}")
                })
            })
            .collect();
        assert_eq!(
            format!("{:#?}", real(vec![fast])),
            format!("{:#?}", real(slow)),
            "fast path and saphyr differ on:\n{part}"
        );
    }
    parsed
}

/// The whole loader, fast path and fallbacks included, against saphyr alone: same
/// resources, same errors (duplicated keys included), same positions.
fn loader_agrees(text: &str) {
    let file: Arc<str> = Arc::from("t.yaml");
    let limits = Limits::default();
    let mut slow = Vec::new();
    stream(&file, text, text, 0, &limits, &mut slow);
    let fast = parse_documents_strict(&file, text, &limits);
    assert_eq!(
        format!("{fast:#?}"),
        format!("{slow:#?}"),
        "loader differs on:\n{text}"
    );
}

const POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
  annotations:
    note: 'it''s here'   # a comment
    other: \"quoted: yes\"
spec:
  containers:
  - name: app
    image: nginx:1.27
    resources:
      limits: {cpu: 500m, memory: \"256Mi\"}
    args: [--port=8080, \"-v\", '2']
    command:
    - |-
      set -e
      echo \"x: y\" # not a comment

      exec app \"--name=\\\"a\\\"\"
    ports:
    -   containerPort: 80
        protocol: TCP
    env:
    - name: A
      value: yes
    - name: B
      value:
    securityContext:
      capabilities:
        drop: [ALL]
        add: []
      runAsUser: 0x10
  volumes:
  -
    name: cache
    emptyDir: {}
  - name: é-vol
    configMap:
      name: x
---
# second
kind: ConfigMap
apiVersion: v1
data:
  a: 1.5
  b: ~
  c: -1
---
kind: Service
spec: {selector: {app: web}}
";

#[test]
fn a_nul_leaves_the_fast_path() {
    // Found by the manifest_fast fuzz target: the fast path read NULs as a plain
    // scalar, where saphyr stops at the first one with "found unprintable character".
    for text in ["kind: Pod\n---\n\0\0\n", "kind: Pod\nx: a\0b\n", "\0"] {
        assert!(segments(text).is_none(), "{text:?}");
        loader_agrees(text);
    }
}

#[test]
fn fast_path_matches_saphyr_on_positions_and_values() {
    assert!(agree(
        "a: 1\nb:\n  c: [x, 'y', \"z\"]\n  d:\n  - e: f\n    g: h\n  -\n  - i\nk:\nl: {}\n"
    ));
    // The last document has a flow mapping with content, which is saphyr's.
    assert!(!agree(POD));
    loader_agrees(POD);
    // Windows line ends: CR LF is one line break.
    let crlf = POD.replace('\n', "\r\n");
    assert_eq!(agree_by_document(&crlf), 2);
    loader_agrees(&crlf);
    assert!(agree("a: |\r\n  x\r\n\r\n  y\r\nb: [c, 'd']\r\n"));
    assert!(!agree("a: b\rc: d\n"));
    // saphyr knows an earlier document's anchors only when it reads the whole stream.
    loader_agrees("a: &x 1\n---\nb: *x\n---\nc: 2\n");
    loader_agrees("a: 1\n---\nb: [\n---\nc: 2\n");
    assert!(agree(
        r#"a: "x\"y\\z\n"
b: 'it''s'
"#
    ));
    assert!(agree(
        "a: |\n  x\n\n  y\n\nb:\n- |-\n  z\n- k: |+\n    w\n\n  l: 1\n"
    ));
}

#[test]
fn a_key_set_twice_leaves_the_fast_path_and_is_reported_with_both_lines() {
    let text = "a: 1\nb:\n  c: [x]\n  d: {e: 1, e: 2}\n  c: y\na: 3\n";
    assert!(!agree(text));
    loader_agrees(text);
    let file: Arc<str> = Arc::from("t.yaml");
    let got = parse_documents_strict(&file, text, &Limits::default());
    let reports: Vec<_> = got
        .iter()
        .filter_map(|r| r.as_ref().err())
        .filter_map(|e| {
            let d = e.duplicate.as_ref()?;
            Some((d.path.as_str(), d.first.line, e.pos.map(|p| p.line)))
        })
        .collect();
    assert_eq!(
        reports,
        [
            ("b.d.e", 4, Some(4)),
            ("b.c", 3, Some(5)),
            ("a", 1, Some(6))
        ]
    );
    // One line, quoted keys: the same either way.
    loader_agrees("k: v\n'k': w\n\"k\": x\n");
}

#[test]
fn shipped_manifests_take_the_fast_path_and_load_the_same() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut files = Vec::new();
    for dir in ["examples", "crates"] {
        collect_yaml(&std::path::Path::new(root).join(dir), &mut files);
    }
    let mut fast_files = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        loader_agrees(&text);
        fast_files += usize::from(agree(&text));
    }
    // Most shipped manifests are plain block YAML; the rest use anchors, block scalars
    // or are deliberately broken.
    assert!(
        fast_files * 2 > files.len(),
        "fast path took {fast_files} of {} files",
        files.len()
    );
}

fn collect_yaml(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && !path.ends_with("target") {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// Kubernetes-shaped documents: nested mappings and sequences in both indentations,
/// scalars of every YAML 1.1 kind, quotes, comments, flow lists.
fn doc() -> impl Strategy<Value = String> {
    let scalar = prop::sample::select(vec![
        "x",
        "nginx:1.27",
        "yes",
        "No",
        "on",
        "~",
        "null",
        "",
        "0",
        "-1",
        "0x1F",
        "0o17",
        "017",
        "1_000",
        "1.5",
        ".inf",
        "-.Inf",
        ".nan",
        "1e3",
        "'q'",
        "'it''s'",
        "\"dq\"",
        "\"a: b\"",
        "'#x'",
        "a#b",
        "a #b",
        r#""a\"b\\c\n\t\/""#,
        r#""\x41\u00e9""#,
        r#""é\"""#,
        "'a''b'''",
        "--flag=1",
        "-x",
        "?x",
        ":x",
        "a:b",
        "é",
        "日本",
        "[]",
        "{}",
        "[a, b]",
        "[ 'a' , \"b\" ]",
        "[a,]",
        "[1, yes, ~]",
        "{a: 1}",
        "{cpu: 500m, memory: 256Mi}",
        "{ \"k\": 'v' , x: ~ }",
        "{a: }",
        "{a}",
        "{a: [b]}",
        "{a: b,}",
        "{a:b}",
        "{a : b}",
        "{1: yes, on: 0x1}",
        "2001-12-14",
        "true",
        "<<",
        "a  ",
        "http://x:80/y",
    ]);
    let key = prop::sample::select(vec![
        "name", "image", "a", "on", "1", "true", "'q'", "\"k\"", "a b", "é", "x.y/z", "~", "null",
        "1.5", "-k", "key  ",
    ]);
    let block = prop::sample::select(vec![
        vec!["|", "  one", "  two"],
        vec![
            "|-",
            "    #!/bin/sh",
            "    set -e",
            "",
            "    exec app --flag \"x\"",
        ],
        vec!["|+", "  kept", "", ""],
        vec!["| # c", "  a: b", "    - c", "  # not a comment"],
        vec!["|", "", "  after a blank", "  ", "  x"],
        vec!["|", "   deeper", "  shallower"],
        vec!["|-", "  a", "# trailing comment", "", "  "],
        vec!["|2", "   x"],
        vec!["|", " é ü"],
    ]);
    let leaf = prop_oneof![
        4 => (key.clone(), scalar).prop_map(|(k, v)| vec![format!("{k}: {v}")]),
        1 => (key.clone(), block).prop_map(|(k, b)| {
            let mut lines = vec![format!("{k}: {}", b[0])];
            lines.extend(b[1..].iter().map(|l| (*l).to_owned()));
            lines
        }),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        let key = key.clone();
        prop_oneof![
            // key: then a nested block, indented by 1-4, or an indentless sequence
            4 => (
                key.clone(),
                prop::collection::vec(inner.clone(), 1..4),
                1usize..4,
                any::<bool>()
            )
                .prop_map(|(k, children, ind, seq)| {
                    let mut lines = vec![format!("{k}:")];
                    for child in children {
                        for (i, l) in child.into_iter().enumerate() {
                            let dash = if seq && i == 0 {
                                "- "
                            } else if seq {
                                "  "
                            } else {
                                ""
                            };
                            let pad = if seq { 0 } else { ind };
                            lines.push(format!("{}{dash}{l}", " ".repeat(pad)));
                        }
                    }
                    lines
                }),
            // a comment or a blank line between siblings
            4 => (
                inner.clone(),
                prop::sample::select(vec!["# c", "", "  # indented", "   "])
            )
                .prop_map(|(mut lines, extra)| {
                    lines.push(extra.to_owned());
                    lines
                }),
            // siblings
            4 => prop::collection::vec(inner.clone(), 1..3)
                .prop_map(|v| v.into_iter().flatten().collect()),
            // the same entries written twice: every key in them set again
            1 => inner.prop_map(|lines| lines.iter().chain(&lines).cloned().collect()),
        ]
    })
    .prop_map(|lines| lines.join("\n") + "\n")
}

/// Characters that move YAML between meanings.
fn mutation() -> impl Strategy<Value = (usize, &'static str)> {
    (
        any::<usize>(),
        prop::sample::select(vec![
            "",
            " ",
            "  ",
            "\n",
            "-",
            "- ",
            ":",
            ": ",
            "#",
            " #",
            "'",
            "\"",
            "[",
            "]",
            "{",
            "}",
            ",",
            "&a ",
            "*a",
            "!!str ",
            "|",
            ">",
            "?",
            "\\",
            "\t",
            "\r",
            "---\n",
            "...\n",
            "%",
            "é",
            "~",
            "|-\n  x\n",
            "|+",
            "  x\n",
            "\u{feff}",
            "\u{1}",
            "\u{85}",
            "\u{2028}",
            "\r\n",
        ]),
    )
}

fn mutate(text: &str, edits: &[(usize, &str)], cut: bool) -> String {
    let mut out = text.to_owned();
    for (at, insert) in edits {
        let mut i = at % (out.len() + 1);
        while !out.is_char_boundary(i) {
            i -= 1;
        }
        if cut && i < out.len() {
            let mut j = i + 1;
            while !out.is_char_boundary(j) {
                j += 1;
            }
            out.replace_range(i..j, insert);
        } else {
            out.insert_str(i, insert);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn short_random_texts_agree(text in "([a-c0-9:#'\" ,|\\-]|\\[|\\]|\\{|\\}|\n|  |\\\\|é|\u{feff}|\u{1}|\r){0,40}") {
        agree(&text);
        loader_agrees(&text);
    }

    #[test]
    fn generated_documents_agree(text in doc(), crlf in any::<bool>()) {
        let text = if crlf { text.replace('\n', "\r\n") } else { text };
        agree(&text);
        loader_agrees(&text);
    }

    #[test]
    fn mutated_manifests_agree(
        edits in prop::collection::vec(mutation(), 1..4),
        cut in any::<bool>(),
    ) {
        let text = mutate(POD, &edits, cut);
        agree_by_document(&text);
        loader_agrees(&text);
    }

    #[test]
    fn mutated_generated_documents_agree(
        text in doc(),
        edits in prop::collection::vec(mutation(), 1..3),
    ) {
        let text = mutate(&text, &edits, false);
        agree_by_document(&text);
        loader_agrees(&text);
    }
}

/// Documents with content: a bare `---` and a comment-only preamble both mean nothing.
fn real(docs: Vec<Option<Node>>) -> Vec<Node> {
    docs.into_iter()
        .flatten()
        .filter(|n| n.value != crate::Value::Null)
        .collect()
}

/// The differential tests prove something only if the fast path takes a good share of
/// what they generate; a fast path that always gave up would pass them all.
#[test]
fn fast_path_takes_most_generated_documents() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut sample = |strategy: &dyn Fn(&mut proptest::test_runner::TestRunner) -> usize| {
        (0..1000).map(|_| strategy(&mut runner)).sum::<usize>()
    };
    let generated = sample(&|r| usize::from(agree(&doc().new_tree(r).unwrap().current())));
    let mutated = sample(&|r| {
        let edits = prop::collection::vec(mutation(), 1..4)
            .new_tree(r)
            .unwrap()
            .current();
        agree_by_document(&mutate(POD, &edits, false))
    });
    // Of 1000 generated documents and 3000 mutated ones.
    eprintln!("fast path: {generated} of 1000 generated, {mutated} of 3000 mutated");
    assert!(generated > 400, "{generated}");
    assert!(mutated > 1000, "{mutated}");
}

/// The generated documents repeat keys often enough that the loader differential tests
/// also hold duplicated-key reports to saphyr's.
#[test]
fn generated_documents_often_set_a_key_twice() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let file: Arc<str> = Arc::from("t.yaml");
    let with_duplicates = (0..1000)
        .filter(|_| {
            let text = doc().new_tree(&mut runner).unwrap().current();
            parse_documents_strict(&file, &text, &Limits::default())
                .iter()
                .any(|r| r.as_ref().is_err_and(|e| e.is_duplicate_key()))
        })
        .count();
    eprintln!("{with_duplicates} of 1000 generated documents set a key twice");
    assert!(with_duplicates > 80, "{with_duplicates}");
}

/// A long line of flow items costs its length, not its length times its items: columns
/// are counted on from the last position asked for. (Counted from the line start each
/// time, this line would take minutes.)
#[test]
fn long_flow_lines_stay_linear_and_count_columns_in_characters() {
    let items = 300_000;
    let line = format!("k: [é{}]\n", ", ab".repeat(items));
    let root = document(&line, 0, &Limits::default()).unwrap().unwrap();
    let seq = root.get("k").unwrap().as_seq().unwrap();
    assert_eq!(seq.len(), items + 1);
    // `k: [é` is five characters (six bytes), then four per item.
    assert_eq!(seq[1].pos.col, 8);
    assert_eq!(seq[items].pos.col, 8 + 4 * (items as u32 - 1));
}
