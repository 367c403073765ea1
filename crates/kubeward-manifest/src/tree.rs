//! One document's parser events folded into a [`Node`] tree, without recursion.
//!
//! Open sequences and mappings live on an explicit stack, so nesting costs heap, not
//! call stack. Every node is counted, alias expansions included: an anchored node's
//! expanded size is recorded when it closes, so an alias's cost is known (and checked
//! against [`Limits::max_nodes`]) before it is copied. A YAML "billion laughs" fails
//! after a few thousand nodes instead of allocating.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use saphyr_parser::{Event, ScalarStyle, Tag};

use crate::{DuplicateKey, Entry, Limits, Node, Pos, Value, resolve};

/// Most duplicated keys listed for one document; the rest are counted.
const MAX_DUPLICATES: usize = 100;

/// Mappings up to this many entries look for repeated keys pairwise; larger ones hash.
const PAIRWISE_KEYS: usize = 16;

/// Once a document has failed, the rest of it is skipped by counting nesting only; a
/// document nested deeper than this even so ends the file, bounding the parser's own
/// per-level state.
const SKIP_DEPTH_CAP: usize = 100_000;

/// go-yaml v2's "excessive aliasing" rule (decode.go `allowedAliasRatio`): Kubernetes
/// rejects documents where aliases make up too much of the decoded nodes.
fn allowed_alias_ratio(nodes: usize) -> f64 {
    const LOW: f64 = 400_000.0;
    const HIGH: f64 = 4_000_000.0;
    let n = nodes as f64;
    if n <= LOW {
        0.99
    } else if n >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((n - LOW) / (HIGH - LOW))
    }
}

/// Whether the caller should keep feeding events.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    StopFile,
}

type Fail = (Pos, String);

/// An alias to an anchor outside its document. It ends the file, as saphyr's own error
/// for an anchor it has not seen does: saphyr knows the anchors of every earlier
/// document of its stream, and a file read in pieces is several streams, so whether
/// saphyr has seen the anchor depends on where the file was split. Ending the file
/// either way reads the same however it is split (kubectl too stops at the document).
pub(crate) const FOREIGN_ANCHOR: &str =
    "unknown anchor referenced (anchors do not cross documents)";

enum Key {
    Str(String, Pos),
    Merge,
}

enum Kind {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        key: Option<Key>,
        merged: bool,
    },
}

struct Frame {
    pos: Pos,
    anchor: usize,
    /// Items handed out already (a streamed List's `items`): the next one's index is
    /// this plus those still held.
    detached: usize,
    /// The node count once this collection itself was counted.
    start: usize,
    kind: Kind,
}

/// A document being built.
pub(crate) struct Doc {
    limits: Limits,
    stack: Vec<Frame>,
    /// Anchor id → (copy of the anchored node, its expanded size).
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    alias_nodes: usize,
    anchor_nodes: usize,
    /// Open collections, counted even while skipping a failed document.
    depth: usize,
    root: Option<Node>,
    failed: Option<Fail>,
    /// The failure ends the file ([`FOREIGN_ANCHOR`]).
    stops_file: bool,
    /// Keys set twice, each with where it was set again; and how many more there were.
    duplicates: Vec<(DuplicateKey, Pos)>,
    listed_duplicates: usize,
    more_duplicates: usize,
    /// Hand out the items of the root's `items` sequence as they complete
    /// ([`Doc::stream_items`]).
    stream_items: bool,
    /// Items completed and not yet taken by [`Doc::take_ready`].
    ready: Vec<Node>,
    /// Nodes of items handed out: no longer held, so no longer counted against the limit.
    released: usize,
}

/// A finished document: its root (`None` without one) and the keys it sets twice, or its
/// first error.
pub(crate) struct Finished {
    pub root: Result<Option<Node>, Fail>,
    pub duplicates: Vec<(DuplicateKey, Pos)>,
    pub more_duplicates: usize,
}

impl Doc {
    pub(crate) fn new(limits: Limits) -> Self {
        Doc {
            limits,
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            alias_nodes: 0,
            anchor_nodes: 0,
            depth: 0,
            root: None,
            failed: None,
            stops_file: false,
            duplicates: Vec::new(),
            listed_duplicates: 0,
            more_duplicates: 0,
            stream_items: false,
            ready: Vec::new(),
            released: 0,
        }
    }

    /// Builds the items of the root mapping's `items` sequence one at a time: each is
    /// left in [`Doc::take_ready`] as it completes instead of in the tree, and the node
    /// limit then applies to what is held, not to the whole List. Only for a document
    /// known to be a List that expands into its items (`crate::list::streamable`).
    pub(crate) fn stream_items(mut self) -> Self {
        self.stream_items = true;
        self
    }

    /// The items completed since the last call, with the duplicated keys found so far,
    /// which come first in the document's output.
    pub(crate) fn take_ready(&mut self) -> (Vec<(DuplicateKey, Pos)>, Vec<Node>) {
        if self.ready.is_empty() {
            return (Vec::new(), Vec::new());
        }
        (
            std::mem::take(&mut self.duplicates),
            std::mem::take(&mut self.ready),
        )
    }

    /// The root, `None` for a document without one, and its duplicated keys; or the
    /// document's first error (which is then all there is to say about it).
    pub(crate) fn finish(self) -> Finished {
        match self.failed {
            Some(f) => Finished {
                root: Err(f),
                duplicates: Vec::new(),
                more_duplicates: 0,
            },
            None => Finished {
                root: Ok(self.root),
                duplicates: self.duplicates,
                more_duplicates: self.more_duplicates,
            },
        }
    }

    pub(crate) fn event(&mut self, event: Event<'_>, pos: Pos) -> Flow {
        match &event {
            Event::SequenceStart(..) | Event::MappingStart(..) => self.depth += 1,
            Event::SequenceEnd | Event::MappingEnd => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        if self.failed.is_some() {
            return if self.depth > SKIP_DEPTH_CAP.max(self.limits.max_depth) {
                Flow::StopFile
            } else {
                Flow::Continue
            };
        }
        let result = match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.scalar(text, style, anchor, tag.as_deref(), pos)
            }
            Event::SequenceStart(anchor, _) => self.open(pos, anchor, Kind::Seq(Vec::new())),
            Event::MappingStart(anchor, _) => self.open(
                pos,
                anchor,
                Kind::Map {
                    entries: Vec::new(),
                    key: None,
                    merged: false,
                },
            ),
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(id) => self.alias(id, pos),
            _ => Ok(()),
        };
        if let Err(f) = result {
            self.failed = Some(f);
            // Free what was built; only nesting is tracked from here on.
            self.stack = Vec::new();
            self.anchors = HashMap::new();
            self.root = None;
            self.ready = Vec::new();
        }
        if self.stops_file {
            Flow::StopFile
        } else {
            Flow::Continue
        }
    }

    /// Nodes held now: every node counted, less the items handed out.
    fn held(&self) -> usize {
        self.nodes - self.released
    }

    fn count(&mut self, n: usize, pos: Pos) -> Result<(), Fail> {
        self.nodes = self.nodes.saturating_add(n);
        if self.held() > self.limits.max_nodes {
            return Err((
                pos,
                format!(
                    "document has more than {} nodes (aliases expanded)",
                    self.limits.max_nodes
                ),
            ));
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        pos: Pos,
    ) -> Result<(), Fail> {
        self.count(1, pos)?;
        if let Some(Frame {
            kind: Kind::Map {
                key: key @ None, ..
            },
            ..
        }) = self.stack.last_mut()
            && resolve::is_merge_key(&text, style, tag)
        {
            *key = Some(Key::Merge);
            return Ok(());
        }
        let value = resolve::scalar(text, style, tag).map_err(|m| (pos, m))?;
        self.complete(Node::new(pos, value), anchor, 1)
    }

    fn open(&mut self, pos: Pos, anchor: usize, kind: Kind) -> Result<(), Fail> {
        if self.stack.len() >= self.limits.max_depth {
            return Err((
                pos,
                format!("nesting deeper than {} levels", self.limits.max_depth),
            ));
        }
        self.count(1, pos)?;
        self.stack.push(Frame {
            pos,
            anchor,
            detached: 0,
            start: self.nodes,
            kind,
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), Fail> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let value = match frame.kind {
            Kind::Seq(items) => Value::Seq(items),
            Kind::Map {
                entries, merged, ..
            } => {
                self.find_duplicates(&entries);
                Value::Map(if merged { keep_last(entries) } else { entries })
            }
        };
        let size = self.nodes - frame.start + 1;
        self.complete(Node::new(frame.pos, value), frame.anchor, size)
    }

    fn alias(&mut self, id: usize, pos: Pos) -> Result<(), Fail> {
        let Some((node, size)) = self.anchors.get(&id) else {
            if self.stack.iter().any(|f| f.anchor == id) {
                return Err((pos, "anchor value contains itself".to_owned()));
            }
            self.stops_file = true;
            return Err((pos, FOREIGN_ANCHOR.to_owned()));
        };
        let size = *size;
        if self.held().saturating_add(size) > self.limits.max_nodes {
            return Err((
                pos,
                format!(
                    "aliases expand this document past {} nodes (a YAML alias bomb?)",
                    self.limits.max_nodes
                ),
            ));
        }
        self.alias_nodes += size;
        let total = self.nodes + size;
        if self.alias_nodes > 100
            && total > 1000
            && self.alias_nodes as f64 / total as f64 > allowed_alias_ratio(total)
        {
            return Err((pos, "document contains excessive aliasing".to_owned()));
        }
        let mut copy = node.clone();
        copy.pos = pos;
        self.count(size, pos)?;
        self.complete(copy, 0, size)
    }

    /// Records an anchored node, then hangs the node on its parent.
    fn complete(&mut self, node: Node, anchor: usize, size: usize) -> Result<(), Fail> {
        if anchor != 0 {
            // Anchored copies are memory too; they get a budget of their own.
            self.anchor_nodes = self.anchor_nodes.saturating_add(size);
            if self.anchor_nodes > self.limits.max_nodes {
                return Err((
                    node.pos,
                    format!(
                        "anchored values hold more than {} nodes",
                        self.limits.max_nodes
                    ),
                ));
            }
            self.anchors.insert(anchor, (node.clone(), size));
        }
        if self.stream_items && self.is_root_item() {
            if let Some(frame) = self.stack.last_mut() {
                frame.detached += 1;
            }
            self.released += size;
            self.ready.push(node);
            return Ok(());
        }
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut frame.kind {
            Kind::Seq(items) => items.push(node),
            Kind::Map {
                entries,
                key,
                merged,
            } => match key.take() {
                None => {
                    let pos = node.pos;
                    let k = resolve::key_string(node.value).map_err(|m| (pos, m))?;
                    *key = Some(Key::Str(k, pos));
                }
                Some(Key::Str(key, key_pos)) => entries.push(Entry {
                    key,
                    key_pos,
                    value: node,
                }),
                Some(Key::Merge) => {
                    *merged = true;
                    merge(entries, node)?;
                }
            },
        }
        Ok(())
    }
}

impl Doc {
    /// Whether a node completed now is an item of the root mapping's `items` sequence.
    fn is_root_item(&self) -> bool {
        matches!(
            self.stack.as_slice(),
            [
                Frame {
                    kind: Kind::Map {
                        key: Some(Key::Str(key, _)),
                        ..
                    },
                    ..
                },
                Frame {
                    kind: Kind::Seq(_),
                    ..
                },
            ] if key == "items"
        )
    }

    /// Records every key of the mapping just closed that an earlier entry already set,
    /// merged entries included: go-yaml's strict decoding refuses both an explicit key
    /// written twice and one that a merge (`<<`) also sets.
    fn find_duplicates(&mut self, entries: &[Entry]) {
        if entries.len() < 2 {
            return;
        }
        let mut found: Vec<(usize, usize)> = Vec::new();
        if entries.len() <= PAIRWISE_KEYS {
            for (j, e) in entries.iter().enumerate().skip(1) {
                if let Some(i) = entries[..j].iter().position(|f| f.key == e.key) {
                    found.push((i, j));
                }
            }
        } else {
            let mut first: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
            for (j, e) in entries.iter().enumerate() {
                match first.get(e.key.as_str()) {
                    Some(&i) => found.push((i, j)),
                    None => {
                        first.insert(&e.key, j);
                    }
                }
            }
        }
        if found.is_empty() {
            return;
        }
        let parent = self.path();
        for (i, j) in found {
            if self.listed_duplicates >= MAX_DUPLICATES {
                self.more_duplicates += 1;
                continue;
            }
            self.listed_duplicates += 1;
            let key = &entries[j].key;
            let mut path = parent.clone();
            push_key(&mut path, key);
            self.duplicates.push((
                DuplicateKey {
                    path,
                    key: key.clone(),
                    first: entries[i].key_pos,
                },
                entries[j].key_pos,
            ));
        }
    }

    /// The path of the node being built at the top of the stack, as [`Node::locate`]
    /// reads paths.
    fn path(&self) -> String {
        let mut path = String::new();
        for frame in &self.stack {
            match &frame.kind {
                Kind::Seq(items) => {
                    let _ = write!(path, "[{}]", items.len() + frame.detached);
                }
                Kind::Map {
                    key: Some(Key::Str(k, _)),
                    ..
                } => push_key(&mut path, k),
                Kind::Map {
                    key: Some(Key::Merge),
                    ..
                } => push_key(&mut path, "<<"),
                // A mapping used as a key: not a field Kubernetes can have.
                Kind::Map { key: None, .. } => push_key(&mut path, "?"),
            }
        }
        path
    }
}

/// Appends one key to a field path; a key holding `.`, `[` or `]` goes in brackets.
fn push_key(path: &mut String, key: &str) {
    if key.contains(['.', '[', ']']) {
        let _ = write!(path, "[{key}]");
    } else {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    }
}

/// go-yaml v2 `merge`: a mapping, or a sequence of mappings where earlier ones win, is
/// written into the mapping being built at the point where `<<` appears; keys written
/// later (explicit or merged) replace earlier ones.
fn merge(entries: &mut Vec<Entry>, node: Node) -> Result<(), Fail> {
    let pos = node.pos;
    let fail = || {
        Err((
            pos,
            "map merge requires map or sequence of maps as the value".to_owned(),
        ))
    };
    match node.value {
        Value::Map(merged) => entries.extend(merged),
        Value::Seq(items) => {
            if !items.iter().all(|i| matches!(i.value, Value::Map(_))) {
                return fail();
            }
            for item in items.into_iter().rev() {
                if let Value::Map(merged) = item.value {
                    entries.extend(merged);
                }
            }
        }
        _ => return fail(),
    }
    Ok(())
}

/// One entry per key, the last written, as a Go map ends up after a merge.
fn keep_last(entries: Vec<Entry>) -> Vec<Entry> {
    let mut seen = HashSet::with_capacity(entries.len());
    let mut out: Vec<Entry> = entries
        .into_iter()
        .rev()
        .filter(|e| seen.insert(e.key.clone()))
        .collect();
    out.reverse();
    out
}
