//! YAML and JSON text to resources, with Kubernetes' value rules.
//!
//! saphyr-parser's events are folded into [`Node`] trees by [`crate::tree`] with an
//! explicit stack; this module drives the parser over a multi-document stream, turns
//! each document into resources and expands `*List` kinds. Each document is first
//! offered to [`crate::fast`], which parses the common block style several times faster
//! and leaves everything else to saphyr.

use std::sync::Arc;

use saphyr_parser::{Event, Marker, Parser};

use crate::fast;
use crate::tree::{Doc, FOREIGN_ANCHOR, Flow};
use crate::{DuplicateKey, Limits, LoadError, Node, Pos, Resource, Value};

/// saphyr's error for an alias to an anchor its stream has not defined: the same
/// mistake as [`FOREIGN_ANCHOR`] (whether saphyr saw the anchor depends on where the
/// stream began), so it is reported in the same words.
const SAPHYR_UNKNOWN_ANCHOR: &str = "while parsing node, found unknown anchor";

/// Parses every document of `text` (multi-document YAML, or JSON) into resources,
/// expanding `List` kinds. Each document that fails gives one error; the others load.
/// A syntax error ends the file (the parser cannot resynchronise), after the documents
/// before it.
///
/// A key set twice in a mapping keeps its last value without a word, as the lenient
/// decoding of kubectl, the kubelet and clientcmd does; [`parse_documents_strict`]
/// reports it.
pub fn parse_documents(
    file: &Arc<str>,
    text: &str,
    limits: &Limits,
) -> Vec<Result<Resource, LoadError>> {
    let mut documents = parse_piece(file, text, 0, limits).documents;
    documents.retain(|d| !matches!(d, Err(e) if e.is_duplicate_key()));
    documents
}

/// [`parse_documents`], with one error for each key set twice in a mapping (see
/// [`crate::DuplicateKey`]), placed before the resources of its document. The resources
/// are still loaded, with the last value, which is what a lenient reader applies.
pub fn parse_documents_strict(
    file: &Arc<str>,
    text: &str,
    limits: &Limits,
) -> Vec<Result<Resource, LoadError>> {
    parse_piece(file, text, 0, limits).documents
}

/// [`parse_documents_strict`] by saphyr alone, without the fast path: the reference
/// reading, which the fast path must reproduce exactly (positions and errors included)
/// wherever it does not give up. For differential tests and the `manifest_fast` fuzz
/// target (docs/fuzzing.md); slower than [`parse_documents_strict`], which gives the
/// same result.
pub fn parse_documents_reference(
    file: &Arc<str>,
    text: &str,
    limits: &Limits,
) -> Vec<Result<Resource, LoadError>> {
    let mut out = Vec::new();
    stream(file, text, text, 0, limits, &mut out);
    out
}

/// What [`parse_piece`] read.
#[derive(Debug)]
pub struct Parsed {
    /// The documents of the piece in order: a resource, or why one could not be loaded.
    pub documents: Vec<Result<Resource, LoadError>>,
    /// A syntax error ended the reading: whatever follows the piece in its file cannot be
    /// read either, as when the file is read whole.
    pub stopped: bool,
}

/// [`parse_documents_strict`] for a piece of a file (see [`crate::Pieces`]) whose first line is
/// line `first_line + 1` of the file.
pub fn parse_piece(file: &Arc<str>, text: &str, first_line: u32, limits: &Limits) -> Parsed {
    let mut out = Vec::new();
    let Some(segments) = fast::segments(text) else {
        let flow = stream(file, text, text, first_line, limits, &mut out);
        return Parsed {
            documents: out,
            stopped: flow == Flow::StopFile,
        };
    };
    for (i, seg) in segments.iter().enumerate() {
        let end = segments.get(i + 1).map_or(text.len(), |next| next.start);
        let part = &text[seg.start..end];
        let line0 = seg.line.saturating_add(first_line);
        if let Ok(root) = fast::document(part, line0, limits) {
            finish_root(file, root, &mut out);
            continue;
        }
        // saphyr reads the document up to and including the next `---`, which decides
        // where some things end (an empty block scalar), exactly as in the whole file.
        // The empty document that `---` begins has no content and gives nothing.
        let upto = segments
            .get(i + 1)
            .map_or(text.len(), |next| next.start + 3);
        let part = &text[seg.start..upto];
        if stream(file, text, part, line0, limits, &mut out) == Flow::StopFile {
            // An error, or an alias to an anchor of an earlier document, which saphyr
            // only knows of in one stream: the text is read again as one stream, so
            // that what is reported is exactly what reading it whole reports.
            out.clear();
            let flow = stream(file, text, text, first_line, limits, &mut out);
            return Parsed {
                documents: out,
                stopped: flow == Flow::StopFile,
            };
        }
    }
    Parsed {
        documents: out,
        stopped: false,
    }
}

/// Pieces at least this large whose text holds a List that expands into its items are
/// read item by item (see [`parse_piece_each`]).
pub const STREAM_BYTES: usize = 1 << 20;

/// [`parse_piece`], handing each result to `sink` (until it answers `false`) instead of
/// collecting them; returns whether the reading stopped early (a syntax error, or the
/// sink). A piece of at least [`STREAM_BYTES`] holding a `*List` builds that List item
/// by item, so that memory stays that of one item however long the List: a List is one
/// document, and `kubectl get -o json` of a cluster is one large List. Such a List's
/// items come out as they are read, so an error later in it (a syntax error, an item
/// over the node limit) is reported after the items before it, not instead of them.
pub fn parse_piece_each(
    file: &Arc<str>,
    text: &str,
    first_line: u32,
    limits: &Limits,
    sink: &mut dyn FnMut(Result<Resource, LoadError>) -> bool,
) -> bool {
    let lists = if text.len() >= STREAM_BYTES {
        crate::list::streamable(text)
    } else {
        Vec::new()
    };
    if !lists.contains(&true) {
        let parsed = parse_piece(file, text, first_line, limits);
        for d in parsed.documents {
            if !sink(d) {
                return true;
            }
        }
        return parsed.stopped;
    }
    // A sink that has answered `false` is not called again.
    let mut refused = false;
    let mut guarded = |r: Result<Resource, LoadError>| {
        refused = refused || !sink(r);
        !refused
    };
    let mut out = Vec::new();
    let markers = marker_lines(text);
    let flow = match stream_once(
        file,
        text,
        text,
        first_line,
        limits,
        &mut out,
        &markers,
        &lists,
        Some(&mut guarded),
    ) {
        Ok(flow) => flow,
        Err(_) => {
            // A document ran over a marker line before any List was read item by item
            // (one is only when no marker line follows it), so nothing was handed out
            // yet: read it again as `stream` does, cut at that line.
            out.clear();
            stream_split(file, text, text, first_line, limits, &mut out, 0)
        }
    };
    let all_taken = out.into_iter().all(&mut guarded);
    flow == Flow::StopFile || !all_taken || refused
}

/// Where [`stream_once`] hands each result as soon as it is known, once it reads a List
/// item by item; `false` stops the reading.
type Sink<'s> = &'s mut dyn FnMut(Result<Resource, LoadError>) -> bool;

/// Parses `part` of `text` with saphyr, as a stream of its own whose first line is line
/// `line0 + 1` of the file. `StopFile` when it ended early on an error.
pub(crate) fn stream(
    file: &Arc<str>,
    text: &str,
    part: &str,
    line0: u32,
    limits: &Limits,
    out: &mut Vec<Result<Resource, LoadError>>,
) -> Flow {
    stream_split(file, text, part, line0, limits, out, 0)
}

/// How many times one stream is cut at a marker line its documents ran over; past it,
/// saphyr's reading stands (each cut needs a broken document, so this is never reached
/// by a file that is not built for it).
const MAX_CUTS: u8 = 8;

/// [`stream`], cut in two at the first `---` or `...` line that a document runs over.
/// YAML forbids such a line inside a document, but saphyr reads on across it inside a
/// flow collection or a quoted scalar; the piece splitter ([`crate::Pieces`]) cuts the
/// file there. Reading the two sides as streams of their own, as the pieces are read,
/// gives the same documents and errors however the file was split.
fn stream_split(
    file: &Arc<str>,
    text: &str,
    part: &str,
    line0: u32,
    limits: &Limits,
    out: &mut Vec<Result<Resource, LoadError>>,
    cuts: u8,
) -> Flow {
    let markers = if cuts < MAX_CUTS {
        marker_lines(part)
    } else {
        Vec::new()
    };
    let start = out.len();
    let cut = match stream_once(file, text, part, line0, limits, out, &markers, &[], None) {
        Ok(flow) => return flow,
        Err(cut) => cut,
    };
    out.truncate(start);
    let (head, tail) = part.split_at(cut);
    if stream_split(file, text, head, line0, limits, out, cuts + 1) == Flow::StopFile {
        return Flow::StopFile;
    }
    let lines = crate::source::line_breaks(head.as_bytes());
    let line0 = line0.saturating_add(u32::try_from(lines).unwrap_or(u32::MAX));
    stream_split(file, text, tail, line0, limits, out, cuts + 1)
}

/// A line of `part` where the piece splitter may cut: `(char index of its start, byte
/// offset of the cut)`. A `---` line is cut before, a `...` line after.
type MarkerLine = (usize, usize);

fn marker_lines(part: &str) -> Vec<MarkerLine> {
    let b = part.as_bytes();
    let mut found = Vec::new();
    let (mut chars, mut counted) = (0, 0);
    for nl in memchr::memchr_iter(b'\n', b) {
        let line = &b[nl + 1..];
        let marker = |m: &[u8]| {
            line.starts_with(m) && matches!(line.get(3), None | Some(b' ' | b'\n' | b'\r'))
        };
        let cut = if marker(b"---") && !crate::source::after_directive(&b[..nl]) {
            nl + 1
        } else if marker(b"...") {
            memchr::memchr(b'\n', line).map_or(b.len(), |end| nl + 1 + end + 1)
        } else {
            continue;
        };
        chars += b[counted..=nl]
            .iter()
            .filter(|&&c| c & 0xC0 != 0x80)
            .count();
        counted = nl + 1;
        if cut < b.len() {
            found.push((chars, cut));
        }
    }
    found
}

/// The cut at the first marker line after char `from` (where the open document began)
/// and before char `at`.
fn crossed(markers: &[MarkerLine], from: Option<usize>, at: usize) -> Option<usize> {
    let from = from?;
    // Sorted: a binary search, as this runs for every event.
    let next = markers.partition_point(|&(line, _)| line <= from);
    markers
        .get(next)
        .filter(|&&(line, _)| line < at)
        .map(|&(_, cut)| cut)
}

/// One saphyr reading of `part`; `Err(cut)` when a document ran over the marker line
/// that `cut` ends (and what it pushed is to be dropped). The documents marked in
/// `lists` (`crate::list::streamable`) that no marker line follows are built item by
/// item, and from the first of them on every result goes to `sink` as soon as it is
/// known: no cut can come after that point, so nothing handed out is ever taken back.
#[allow(clippy::too_many_arguments)]
fn stream_once(
    file: &Arc<str>,
    text: &str,
    part: &str,
    line0: u32,
    limits: &Limits,
    out: &mut Vec<Result<Resource, LoadError>>,
    markers: &[MarkerLine],
    lists: &[bool],
    mut sink: Option<Sink<'_>>,
) -> Result<Flow, usize> {
    let mut parser = Parser::new_from_str(part);
    let mut doc: Option<Doc> = None;
    let mut index = 0;
    let mut streaming = false;
    let mut drain =
        |out: &mut Vec<Result<Resource, LoadError>>, streaming: bool| match sink.as_mut() {
            Some(sink) if streaming => out.drain(..).all(&mut **sink),
            _ => true,
        };
    // Where the open document began, and where the last one ended (char indices).
    let mut doc_from: Option<usize> = None;
    let mut last_end = 0;
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => {
                // saphyr may name a place before the line for an error the line caused
                // (a quoted scalar it ends), and may fail looking ahead before it starts
                // the document: any marker line after the document's start (or the last
                // one's end) is where a split would have ended it.
                if let Some(cut) = crossed(markers, doc_from.or(Some(last_end)), usize::MAX) {
                    return Err(cut);
                }
                let message = if e.info() == SAPHYR_UNKNOWN_ANCHOR {
                    FOREIGN_ANCHOR.to_owned()
                } else {
                    syntax_message(text, e.info())
                };
                out.push(Err(error(file, pos(*e.marker(), line0), message)));
                return Ok(Flow::StopFile);
            }
        };
        if !matches!(event, Event::DocumentStart(_) | Event::DocumentEnd) {
            // A scalar may begin before the line and end after it.
            let end = if matches!(event, Event::Scalar(..)) {
                span.end.index()
            } else {
                span.start.index()
            };
            if let Some(cut) = crossed(markers, doc_from, end) {
                return Err(cut);
            }
        }
        match event {
            Event::DocumentStart(_) => {
                let from = span.start.index();
                let mut d = Doc::new(*limits);
                if lists.get(index) == Some(&true)
                    && markers.partition_point(|&(line, _)| line <= from) == markers.len()
                {
                    d = d.stream_items();
                    streaming = true;
                }
                index += 1;
                doc = Some(d);
                doc_from = Some(from);
            }
            Event::DocumentEnd | Event::StreamEnd => {
                doc_from = None;
                last_end = span.start.index();
                if let Some(d) = doc.take() {
                    finish(file, d, out);
                }
                if !drain(out, streaming) {
                    return Ok(Flow::StopFile);
                }
                if matches!(event, Event::StreamEnd) {
                    break;
                }
            }
            Event::StreamStart | Event::Nothing => {}
            other => {
                if let Some(d) = doc.as_mut() {
                    let flow = d.event(other, pos(span.start, line0));
                    let (duplicates, items) = d.take_ready();
                    if !items.is_empty() {
                        out.extend(
                            duplicates
                                .into_iter()
                                .map(|(d, at)| Err(duplicate_error(file, d, at))),
                        );
                        for item in items {
                            objects(file, item, "list item", out);
                        }
                        if !drain(out, streaming) {
                            return Ok(Flow::StopFile);
                        }
                    }
                    if flow == Flow::StopFile {
                        if let Some(d) = doc.take() {
                            finish(file, d, out);
                        }
                        return Ok(Flow::StopFile);
                    }
                }
            }
        }
    }
    Ok(Flow::Continue)
}

pub(crate) fn pos(m: Marker, line0: u32) -> Pos {
    Pos {
        line: u32::try_from(m.line())
            .unwrap_or(u32::MAX)
            .max(1)
            .saturating_add(line0),
        col: u32::try_from(m.col()).unwrap_or(u32::MAX - 1) + 1,
    }
}

fn error(file: &Arc<str>, pos: Pos, message: String) -> LoadError {
    LoadError {
        file: file.clone(),
        pos: Some(pos),
        message,
        duplicate: None,
    }
}

fn syntax_message(text: &str, info: &str) -> String {
    let json = matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['));
    let what = if json { "JSON" } else { "YAML" };
    if info == "recursion limit exceeded" {
        // saphyr-parser caps `[`/`{` nesting at 255 levels by itself.
        return format!("invalid {what}: nesting deeper than 255 levels of [ ] or {{ }}");
    }
    format!("invalid {what}: {info}")
}

fn finish(file: &Arc<str>, doc: Doc, out: &mut Vec<Result<Resource, LoadError>>) {
    let finished = doc.finish();
    match finished.root {
        Err((p, message)) => out.push(Err(error(file, p, message))),
        Ok(root) => {
            let listed = finished.duplicates.len();
            for (i, (duplicate, at)) in finished.duplicates.into_iter().enumerate() {
                let mut e = duplicate_error(file, duplicate, at);
                if i + 1 == listed && finished.more_duplicates > 0 {
                    e.message.push_str(&format!(
                        "; {} more duplicate keys in this document are not listed",
                        finished.more_duplicates
                    ));
                }
                out.push(Err(e));
            }
            if listed == 0 && finished.more_duplicates > 0 {
                // The listed ones went out with the items of a List read item by item.
                let at = root.as_ref().map(|r| r.pos);
                out.push(Err(LoadError {
                    file: file.clone(),
                    pos: at,
                    message: format!(
                        "{} more duplicate keys in this document are not listed",
                        finished.more_duplicates
                    ),
                    duplicate: None,
                }));
            }
            finish_root(file, root, out);
        }
    }
}

/// go-yaml's strict-decoding words (`key "x" already set in map`), with where the key
/// was first set and its full path.
fn duplicate_error(file: &Arc<str>, duplicate: DuplicateKey, at: Pos) -> LoadError {
    LoadError {
        file: file.clone(),
        pos: Some(at),
        message: format!(
            "duplicate key {}, first set at line {} (key {:?} already set in map)",
            duplicate.path, duplicate.first.line, duplicate.key
        ),
        duplicate: Some(Box::new(duplicate)),
    }
}

fn finish_root(file: &Arc<str>, root: Option<Node>, out: &mut Vec<Result<Resource, LoadError>>) {
    match root {
        // Empty documents (comments only, bare `---`, `null`) are not objects to report.
        None
        | Some(Node {
            value: Value::Null, ..
        }) => {}
        Some(root) => objects(file, root, "document", out),
    }
}

/// Turns one object into resources: itself, or the items of a `*List`. Lists inside
/// lists are expanded too; the nesting limit bounds this recursion.
fn objects(
    file: &Arc<str>,
    mut node: Node,
    what: &str,
    out: &mut Vec<Result<Resource, LoadError>>,
) {
    let (api_version, kind) = match header(&node) {
        Ok(h) => h,
        Err(e) => {
            let message = format!("{what} is not a Kubernetes object: {e}");
            out.push(Err(error(file, node.pos, message)));
            return;
        }
    };
    if kind.ends_with("List")
        && let Some(items) = take_items(&mut node)
    {
        for item in items {
            objects(file, item, "list item", out);
        }
        return;
    }
    let meta = node.get("metadata");
    let field = |k: &str| meta.and_then(|m| m.get(k)).and_then(Node::as_str);
    let namespace = field("namespace").map(str::to_owned);
    let name = field("name")
        .or_else(|| field("generateName"))
        .map(str::to_owned);
    out.push(Ok(Resource {
        file: file.clone(),
        pos: node.pos,
        api_version,
        kind,
        namespace,
        name,
        node,
    }));
}

fn header(node: &Node) -> Result<(String, String), String> {
    if !matches!(node.value, Value::Map(_)) {
        return Err(format!(
            "expected a mapping, found {}",
            describe(&node.value)
        ));
    }
    let field = |key: &str| match node.get(key).map(|n| &n.value) {
        None | Some(Value::Null) => Err(format!("missing {key}")),
        Some(Value::Str(s)) if s.is_empty() => Err(format!("missing {key}")),
        Some(Value::Str(s)) => Ok(s.clone()),
        Some(other) => Err(format!("{key} is {}, not a string", describe(other))),
    };
    let kind = field("kind")?;
    let api_version = field("apiVersion")?;
    Ok((api_version, kind))
}

/// The `items` of a list object, when it has an array there.
fn take_items(node: &mut Node) -> Option<Vec<Node>> {
    let Value::Map(entries) = &mut node.value else {
        return None;
    };
    let entry = entries.iter_mut().rev().find(|e| e.key == "items")?;
    match &mut entry.value.value {
        Value::Seq(items) => Some(std::mem::take(items)),
        _ => None,
    }
}

pub(crate) fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::Float(_) => "a number",
        Value::Str(_) => "a string",
        Value::Seq(_) => "a sequence",
        Value::Map(_) => "a mapping",
    }
}
