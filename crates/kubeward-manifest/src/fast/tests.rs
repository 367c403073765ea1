//! The fast path against saphyr: whenever the fast path parses a document, the tree is
//! the one saphyr builds, positions included.

use std::sync::Arc;

use proptest::prelude::*;
use saphyr_parser::{Event, Parser};

use super::{document, segments};
use crate::tree::Doc;
use crate::yaml::{parse_documents, pos, stream};
use crate::{Limits, Node};

/// saphyr's reading of `text`: each document's root, or its error.
fn reference(text: &str) -> Vec<Result<Option<Node>, String>> {
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
                    out.push(d.finish().map_err(|(p, m)| format!("{p}: {m}")));
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            other => {
                if let Some(d) = doc.as_mut() {
                    d.event(other, pos(span.start, 0));
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
    let slow: Vec<Option<Node>> = reference(text)
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

/// The whole loader, fast path and fallbacks included, against saphyr alone: same
/// resources, same errors, same positions.
fn loader_agrees(text: &str) {
    let file: Arc<str> = Arc::from("t.yaml");
    let limits = Limits::default();
    let mut slow = Vec::new();
    stream(&file, text, text, 0, &limits, &mut slow);
    let fast = parse_documents(&file, text, &limits);
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
  labels: {app: web}
  annotations:
    note: 'it''s here'   # a comment
    other: \"quoted: yes\"
spec:
  containers:
  - name: app
    image: nginx:1.27
    args: [--port=8080, \"-v\", '2']
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
    configMap: {name: x}
---
# second
kind: ConfigMap
apiVersion: v1
data:
  a: 1.5
  b: ~
  c: -1
";

#[test]
fn fast_path_matches_saphyr_on_positions_and_values() {
    assert!(agree(
        "a: 1\nb:\n  c: [x, 'y', \"z\"]\n  d:\n  - e: f\n    g: h\n  -\n  - i\nk:\nl: {}\n"
    ));
    // The second document has a flow mapping with content, which is saphyr's.
    assert!(!agree(POD));
    loader_agrees(POD);
    // saphyr knows an earlier document's anchors only when it reads the whole stream.
    loader_agrees("a: &x 1\n---\nb: *x\n---\nc: 2\n");
    loader_agrees("a: 1\n---\nb: [\n---\nc: 2\n");
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
    let leaf = (key.clone(), scalar).prop_map(|(k, v)| vec![format!("{k}: {v}")]);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        let key = key.clone();
        prop_oneof![
            // key: then a nested block, indented by 1-4, or an indentless sequence
            (
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
            (
                inner.clone(),
                prop::sample::select(vec!["# c", "", "  # indented", "   "])
            )
                .prop_map(|(mut lines, extra)| {
                    lines.push(extra.to_owned());
                    lines
                }),
            // siblings
            prop::collection::vec(inner, 1..3).prop_map(|v| v.into_iter().flatten().collect()),
        ]
    })
    .prop_map(|lines| lines.join("\n") + "\n")
}

/// Characters that move YAML between meanings.
fn mutation() -> impl Strategy<Value = (usize, &'static str)> {
    (
        any::<usize>(),
        prop::sample::select(vec![
            "", " ", "  ", "\n", "-", "- ", ":", ": ", "#", " #", "'", "\"", "[", "]", "{", "}",
            ",", "&a ", "*a", "!!str ", "|", ">", "?", "\\", "\t", "\r", "---\n", "...\n", "%",
            "é", "~",
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
    fn generated_documents_agree(text in doc()) {
        agree(&text);
        loader_agrees(&text);
    }

    #[test]
    fn mutated_manifests_agree(
        edits in prop::collection::vec(mutation(), 1..4),
        cut in any::<bool>(),
    ) {
        let text = mutate(POD, &edits, cut);
        agree(&text);
        loader_agrees(&text);
    }

    #[test]
    fn mutated_generated_documents_agree(
        text in doc(),
        edits in prop::collection::vec(mutation(), 1..3),
    ) {
        let text = mutate(&text, &edits, false);
        agree(&text);
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
