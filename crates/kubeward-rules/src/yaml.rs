//! A generic YAML → positioned tree, for rules files.
//!
//! saphyr-parser events are folded with an explicit stack (no recursion, so deep input
//! costs heap, not call stack). Scalars keep their source text: Falco decodes rules
//! values from text (`80` is the string "80"), so no type resolution happens here
//! beyond recognising null. Nesting and alias expansion are bounded, so a hostile
//! file fails with a message instead of exhausting memory.

use saphyr_parser::{Event, Parser, ScalarStyle};

/// A 1-based line and column, and the byte offset into the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// 0-based byte offset from the start of the file.
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Null,
    /// Text, and whether it was a plain (unquoted, non-block) scalar.
    Scalar(String, bool),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

impl Node {
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(&k.kind, Kind::Scalar(s, _) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s, _) => Some(s),
            _ => None,
        }
    }
}

/// Maximum nesting of sequences and mappings.
const MAX_DEPTH: usize = 256;
/// Maximum nodes per file, aliases expanded.
const MAX_NODES: usize = 10_000_000;

/// A YAML syntax or limit error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct YamlError {
    pub pos: Pos,
    pub message: String,
}

enum Frame {
    Seq(Pos, usize, Vec<Node>),
    Map(Pos, usize, Vec<(Node, Node)>, Option<Node>),
}

/// The documents of `text`; `None` for a document without content.
///
/// yaml-cpp (Falco's parser) accepts a flow sequence's closing `]` at the indentation
/// of its key, as upstream rules files write it; saphyr-parser does not. When strict
/// parsing fails, lines holding only a closing bracket are indented two more columns
/// and parsing is retried (columns on those lines are then off by two).
pub(crate) fn parse(text: &str) -> Result<Vec<Option<Node>>, YamlError> {
    let first = parse_strict(text);
    if first.is_ok() {
        return first;
    }
    let closers = |l: &str| matches!(l.trim(), "]" | "}" | "]," | "},");
    if !text.lines().any(closers) {
        return first;
    }
    let mut fixed = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        if closers(line) {
            fixed.push_str("  ");
        }
        fixed.push_str(line);
    }
    match parse_strict(&fixed) {
        Ok(docs) => Ok(docs),
        Err(_) => first,
    }
}

fn parse_strict(text: &str) -> Result<Vec<Option<Node>>, YamlError> {
    let mut docs = Vec::new();
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut anchors: std::collections::HashMap<usize, (Node, usize)> = Default::default();
    let mut nodes = 0usize;
    let mut cursor = Cursor::new(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| YamlError {
            pos: cursor.pos(
                text,
                e.marker().index(),
                e.marker().line(),
                e.marker().col(),
            ),
            message: e.info().to_owned(),
        })?;
        let at = cursor.pos(
            text,
            span.start.index(),
            span.start.line(),
            span.start.col(),
        );
        let fail = |message: String| YamlError { pos: at, message };
        let (node, anchor, size) = match event {
            Event::StreamStart | Event::Nothing => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                root = None;
                anchors.clear();
                continue;
            }
            Event::DocumentEnd => {
                docs.push(root.take());
                continue;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(fail(format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                nodes += 1;
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq(at, anchor, Vec::new())
                } else {
                    Frame::Map(at, anchor, Vec::new(), None)
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(p, anchor, items)) => {
                    let size = count(&items);
                    (
                        Node {
                            pos: p,
                            kind: Kind::Seq(items),
                        },
                        anchor,
                        size,
                    )
                }
                Some(Frame::Map(p, anchor, entries, _)) => {
                    let size = entries
                        .iter()
                        .map(|(k, v)| count_one(k) + count_one(v))
                        .sum::<usize>()
                        + 1;
                    (
                        Node {
                            pos: p,
                            kind: Kind::Map(entries),
                        },
                        anchor,
                        size,
                    )
                }
                None => return Err(fail("unbalanced collection end".into())),
            },
            Event::Scalar(value, style, anchor, _) => {
                nodes += 1;
                let plain = style == ScalarStyle::Plain;
                let kind = if plain && matches!(&*value, "" | "~" | "null" | "Null" | "NULL") {
                    Kind::Null
                } else {
                    Kind::Scalar(value.into_owned(), plain)
                };
                (Node { pos: at, kind }, anchor, 1)
            }
            Event::Alias(id) => {
                let Some((node, size)) = anchors.get(&id) else {
                    return Err(fail("unknown anchor".into()));
                };
                nodes = nodes.saturating_add(*size);
                if nodes > MAX_NODES {
                    return Err(fail(format!(
                        "more than {MAX_NODES} nodes (aliases expanded)"
                    )));
                }
                (node.clone(), 0, *size)
            }
        };
        if nodes > MAX_NODES {
            return Err(fail(format!(
                "more than {MAX_NODES} nodes (aliases expanded)"
            )));
        }
        if anchor > 0 {
            anchors.insert(anchor, (node.clone(), size));
        }
        match stack.last_mut() {
            Some(Frame::Seq(_, _, items)) => items.push(node),
            Some(Frame::Map(_, _, entries, key)) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(node),
            },
            None => root = Some(node),
        }
    }
    Ok(docs)
}

fn count_one(n: &Node) -> usize {
    match &n.kind {
        Kind::Seq(items) => count(items),
        Kind::Map(entries) => {
            entries
                .iter()
                .map(|(k, v)| count_one(k) + count_one(v))
                .sum::<usize>()
                + 1
        }
        _ => 1,
    }
}

fn count(items: &[Node]) -> usize {
    items.iter().map(count_one).sum::<usize>() + 1
}

/// Converts saphyr's markers (1-based lines, 0-based columns, char indices) to
/// positions with byte offsets. Markers mostly move forward, so the last conversion
/// is kept and walked from; this keeps non-ASCII files linear.
struct Cursor {
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl Cursor {
    fn new(text: &str) -> Cursor {
        Cursor {
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    fn pos(&mut self, text: &str, char_index: usize, line: usize, col: usize) -> Pos {
        let offset = if self.ascii {
            char_index.min(text.len())
        } else {
            if char_index < self.chars {
                self.chars = 0;
                self.bytes = 0;
            }
            let rest = text.get(self.bytes..).unwrap_or("");
            let step = char_index - self.chars;
            let add = rest.char_indices().nth(step).map_or(rest.len(), |(i, _)| i);
            self.chars = char_index;
            self.bytes += add;
            self.bytes
        };
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX).max(1),
            col: u32::try_from(col).unwrap_or(u32::MAX - 1) + 1,
            offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_scalars_kept_as_text() {
        let docs = parse("- list: a\n  items: [80, \"x y\", ~]\n").unwrap();
        let root = docs[0].as_ref().unwrap();
        let Kind::Seq(items) = &root.kind else {
            panic!()
        };
        let items_node = items[0].get("items").unwrap();
        assert_eq!((items_node.pos.line, items_node.pos.col), (2, 10));
        let Kind::Seq(vals) = &items_node.kind else {
            panic!()
        };
        assert_eq!(vals[0].kind, Kind::Scalar("80".into(), true));
        assert_eq!(vals[1].kind, Kind::Scalar("x y".into(), false));
        assert_eq!(vals[2].kind, Kind::Null);
    }

    #[test]
    fn syntax_error_has_position() {
        let e = parse("- rule: a\n  x: [1, 2\n").unwrap_err();
        assert!(e.pos.line >= 2, "{e:?}");
    }

    #[test]
    fn deep_nesting_and_alias_bombs_are_bounded() {
        let deep = "[".repeat(300) + &"]".repeat(300);
        assert!(parse(&deep).is_err());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let p = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            bomb += &format!(
                "b{i}: &b{i} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            );
        }
        let e = parse(&bomb).unwrap_err();
        assert!(e.message.contains("nodes"), "{e:?}");
    }

    #[test]
    fn aliases_expand() {
        let docs = parse("a: &x [1]\nb: *x\n").unwrap();
        let root = docs[0].as_ref().unwrap();
        assert_eq!(root.get("b").unwrap().kind, root.get("a").unwrap().kind);
    }
}
