//! Which documents of a large text are `*List` objects whose items can be handed out one
//! at a time, before the document ends.
//!
//! A List is one document, and whether its `items` are resources depends on its `kind`,
//! which `kubectl get -o json` writes after them. Building the whole document first
//! costs memory in proportion to the List; instead, a large text is read once more
//! without building anything (parser events only, constant memory) to learn each
//! document's root keys, and the documents that will certainly expand into their items
//! are then built item by item (see `tree::Doc::stream_items`).

use saphyr_parser::{Event, Parser};

use crate::{Value, resolve};

/// For each document of `text` in order, whether it is certain to expand into the items
/// of its one `items` sequence: its root is a mapping whose (last) `apiVersion` and
/// `kind` are non-empty strings, the kind ends in `List`, `items` is written once, as a
/// sequence without an anchor (no alias can then copy it), and no `<<` merge can bring
/// other keys in. Anything else is built whole, as before. A syntax error ends the list:
/// the documents after it are never read.
pub(crate) fn streamable(text: &str) -> Vec<bool> {
    let mut out = Vec::new();
    let mut doc: Option<Root> = None;
    for next in Parser::new_from_str(text) {
        let Ok((event, _)) = next else { break };
        match event {
            Event::DocumentStart(_) => doc = Some(Root::default()),
            Event::DocumentEnd => {
                if let Some(d) = doc.take() {
                    out.push(d.expands());
                }
            }
            Event::StreamEnd => break,
            other => {
                if let Some(d) = doc.as_mut() {
                    d.event(other);
                }
            }
        }
    }
    out
}

/// What a document's root mapping says about itself, gathered from its events.
#[derive(Default)]
struct Root {
    /// Open collections; the root mapping's own keys and values are at depth 1.
    depth: usize,
    is_map: bool,
    /// The root key whose value comes next, at depth 1.
    key: Option<RootKey>,
    /// A value at depth 1 is being skipped (collections are skipped whole).
    awaiting_value: bool,
    api_version: Option<Value>,
    kind: Option<Value>,
    items: usize,
    items_plain_seq: bool,
    odd: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum RootKey {
    ApiVersion,
    Kind,
    Items,
    Other,
}

impl Root {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_seq = matches!(event, Event::SequenceStart(..));
                if self.depth == 0 {
                    self.is_map = !is_seq;
                } else if self.depth == 1 {
                    self.value_at_root(None, is_seq, &event);
                }
                self.depth += 1;
            }
            Event::MappingEnd | Event::SequenceEnd => self.depth = self.depth.saturating_sub(1),
            Event::Scalar(text, style, _, tag) if self.depth == 1 => {
                if self.awaiting_value {
                    let value = resolve::scalar(text, style, tag.as_deref()).ok();
                    self.value_at_root(value, false, &Event::Nothing);
                } else if resolve::is_merge_key(&text, style, tag.as_deref()) {
                    self.odd = true;
                    self.awaiting_value = true;
                    self.key = Some(RootKey::Other);
                } else {
                    let key = resolve::scalar(text, style, tag.as_deref())
                        .ok()
                        .and_then(|v| resolve::key_string(v).ok());
                    self.key = Some(match key.as_deref() {
                        Some("apiVersion") => RootKey::ApiVersion,
                        Some("kind") => RootKey::Kind,
                        Some("items") => RootKey::Items,
                        _ => RootKey::Other,
                    });
                    self.awaiting_value = true;
                }
            }
            Event::Alias(_) if self.depth == 1 => {
                if self.awaiting_value {
                    if self.key == Some(RootKey::Items) {
                        self.items += 1;
                        self.items_plain_seq = false;
                    }
                    // An aliased apiVersion or kind: built whole, to be exact.
                    if matches!(self.key, Some(RootKey::ApiVersion | RootKey::Kind)) {
                        self.odd = true;
                    }
                    self.awaiting_value = false;
                } else {
                    self.odd = true;
                    self.awaiting_value = true;
                    self.key = Some(RootKey::Other);
                }
            }
            _ => {}
        }
    }

    /// A value (a scalar's, or a collection starting) at depth 1.
    fn value_at_root(&mut self, scalar: Option<Value>, is_seq: bool, start: &Event<'_>) {
        if !self.awaiting_value {
            // A collection used as a key: not something Kubernetes reads.
            self.odd = true;
            self.awaiting_value = true;
            self.key = Some(RootKey::Other);
            return;
        }
        self.awaiting_value = false;
        let collection = !matches!(start, Event::Nothing);
        match self.key.take() {
            Some(RootKey::ApiVersion) => self.api_version = scalar.filter(|_| !collection),
            Some(RootKey::Kind) => self.kind = scalar.filter(|_| !collection),
            Some(RootKey::Items) => {
                self.items += 1;
                self.items_plain_seq = is_seq && matches!(start, Event::SequenceStart(0, _));
            }
            Some(RootKey::Other) | None => {}
        }
    }

    fn expands(&self) -> bool {
        let text = |v: &Option<Value>| match v {
            Some(Value::Str(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        self.is_map
            && !self.odd
            && self.items == 1
            && self.items_plain_seq
            && text(&self.api_version).is_some()
            && text(&self.kind).is_some_and(|k| k.ends_with("List"))
    }
}

#[cfg(test)]
mod tests {
    use super::streamable;

    #[test]
    fn lists_whatever_the_key_order() {
        let kubectl = r#"{"apiVersion":"v1","items":[{"kind":"Pod"}],"kind":"List","metadata":{}}"#;
        assert_eq!(streamable(kubectl), [true]);
        let yaml = "apiVersion: v1\nkind: PodList\nitems:\n- kind: Pod\n---\nkind: Pod\n";
        assert_eq!(streamable(yaml), [true, false]);
    }

    #[test]
    fn anything_unusual_is_built_whole() {
        for text in [
            // Not a List, or not a valid header.
            "apiVersion: v1\nkind: Pod\nitems: []\n",
            "kind: List\nitems: []\n",
            "apiVersion: 1\nkind: List\nitems: []\n",
            "apiVersion: v1\nkind: [List]\nitems: []\n",
            "apiVersion: v1\nkind: \"\"\nitems: []\n",
            // The last kind wins, as everywhere.
            "apiVersion: v1\nkind: List\nkind: Pod\nitems: []\n",
            // items written twice, not a sequence, anchored, or merged in.
            "apiVersion: v1\nkind: List\nitems: []\nitems: []\n",
            "apiVersion: v1\nkind: List\nitems: {}\n",
            "apiVersion: v1\nkind: List\nitems: &a []\nx: *a\n",
            "apiVersion: v1\nkind: List\n<<: {items: []}\n",
            "apiVersion: v1\nkind: List\nx: &a []\nitems: *a\n",
            // A root that is not a mapping.
            "- apiVersion: v1\n  kind: List\n  items: []\n",
        ] {
            assert_eq!(streamable(text).first(), Some(&false), "{text}");
        }
    }

    #[test]
    fn a_syntax_error_ends_the_answer() {
        let text = "apiVersion: v1\nkind: List\nitems: []\n---\nkey: [unclosed\n";
        assert_eq!(streamable(text), [true]);
    }
}
