//! Finds the JSON values in a byte stream and hands them to a [`Handler`], without
//! parsing them itself and with bounded memory.
//!
//! A line that holds one whole value is handed over as it is (the fast path). When the
//! handler rejects a line, or a value spans lines, or a line outgrows
//! [`MAX_RECORD_BYTES`], a scanner takes over: it tracks strings and bracket depth
//! byte by byte, hands over each value where it ends, and streams the `items` of an
//! `EventList` whose `kind` comes first, one item at a time.
//!
//! Resynchronisation after unreadable input:
//! - A value that is not valid JSON but whose strings and brackets balance (a bad
//!   token, a number out of range, nesting past the recursion limit) is one unreadable
//!   record; inside a streamed `EventList` it is one unreadable item and the list goes
//!   on with the next item.
//! - A break in the structure (a string that runs past the end of its line, something
//!   other than `,` or `]` between two items, the input ending inside a value) ends the
//!   value it is in: it is reported once, with the line where that value (the
//!   `EventList`) started and how many items were read, and reading resumes at the
//!   next line. The rest of a broken `EventList` is not guessed at.
//! - A line that starts with `{` in its first column while a value from an earlier line
//!   is still open starts a new record: the open one was cut short (a truncated line in
//!   a JSON-lines log), so a truncated line never swallows the next one.

use super::{Handler, MAX_RECORD_BYTES, Pos, Skip, SkipKind};
use crate::json::Json;

/// The stream position and the scanner, when one runs. Feed bytes with
/// [`Splitter::push`] (in any chunking) and call [`Splitter::finish`] at the end.
#[derive(Debug, Default)]
pub struct Splitter {
    /// Lines completed so far; the current line is `line + 1`.
    line: u64,
    /// Bytes of the current line already consumed by the scanner.
    col: u64,
    /// The current, incomplete line, while no scanner runs.
    pending: Vec<u8>,
    scan: Option<Box<Scan>>,
}

/// Where the scanner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between top-level values, on a line the scanner holds.
    Between,
    /// A top-level token that is not `{` or `[`: kept to the end of the line.
    Junk,
    /// After a break: the rest of the line is dropped.
    Broken,
    /// A top-level value kept whole.
    Whole,
    /// A top-level object before its `items`, watched for an `EventList`.
    Head,
    /// The `items` array of an `EventList`, streamed.
    Items(Phase),
    /// An `EventList` after its `items`, checked to its end.
    Tail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for an item (or `]`); `comma`: just after a `,`.
    Before { comma: bool },
    /// Inside an item; `scalar`: a number or literal, which ends at a delimiter.
    In { scalar: bool },
    /// After an item, waiting for `,` or `]`.
    After,
}

#[derive(Debug)]
struct Scan {
    state: State,
    depth: u64,
    in_string: bool,
    escaped: bool,
    /// The bytes kept of the current piece (value, head, item, tail or junk).
    buf: Vec<u8>,
    /// The piece outgrew the limit: it is only scanned, to find its end.
    over: bool,
    /// Bytes in the current piece, kept or not.
    size: u64,
    /// Where the current top-level value started.
    doc: Pos,
    /// Where the current item started.
    piece: Pos,
    /// Items of the first list already handed over by the fast path.
    skip_items: usize,
    /// Items of the current list seen so far.
    index: usize,
    // Watching a head for `"items": [`:
    expect_key: bool,
    in_key: bool,
    key_start: usize,
    items_key: Option<usize>,
    awaiting_value: bool,
}

/// What a byte did to the scanner.
enum Step {
    Go,
    /// A newline between values: back to the line fast path.
    Lines,
}

impl Splitter {
    /// A splitter at the start of an input (line 1, no partial record).
    pub fn new() -> Splitter {
        Splitter::default()
    }

    /// Lines completed so far.
    pub fn lines(&self) -> u64 {
        self.line
    }

    /// Consumes `bytes`, handing every value, item and skip completed to `h`.
    pub fn push(&mut self, mut bytes: &[u8], h: &mut dyn Handler) {
        while !bytes.is_empty() {
            if self.scan.is_some() {
                let used = self.run_scan(bytes, h);
                bytes = bytes.get(used..).unwrap_or(&[]);
                continue;
            }
            let Some(i) = memchr::memchr(b'\n', bytes) else {
                if self.pending.len() + bytes.len() > MAX_RECORD_BYTES {
                    self.pending_to_scanner(h);
                } else {
                    self.pending.extend_from_slice(bytes);
                    bytes = &[];
                }
                continue;
            };
            let line = bytes.get(..i).unwrap_or(&[]);
            if self.pending.len() + line.len() > MAX_RECORD_BYTES {
                // Too long for the fast path: the scanner takes the line, newline included.
                self.pending_to_scanner(h);
                continue;
            }
            bytes = bytes.get(i + 1..).unwrap_or(&[]);
            if self.pending.is_empty() {
                // The whole line is in this chunk: handled in place, without a copy.
                self.whole_line(line, h);
            } else {
                let mut buf = std::mem::take(&mut self.pending);
                buf.extend_from_slice(line);
                self.whole_line(&buf, h);
                buf.clear();
                // Keep the allocation for the next line, unless it grew large.
                if buf.capacity() <= 1 << 20 && self.scan.is_none() {
                    self.pending = buf;
                }
            }
        }
    }

    /// Ends the input: a last line without a newline is handled, an unfinished value
    /// is reported.
    pub fn finish(&mut self, h: &mut dyn Handler) {
        if self.scan.is_none() && !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.whole_line(&line, h);
        }
        let Some(mut s) = self.scan.take() else {
            return;
        };
        self.col = 0;
        match s.state {
            State::Between | State::Broken => {}
            State::Junk => s.flush_junk(h),
            State::Items(_) => h.skip(s.doc_skip(format!(
                "the input ends inside the EventList's items ({} items were read)",
                s.index
            ))),
            _ => h.skip(s.doc_skip("the input ends inside a JSON document".into())),
        }
    }

    /// One complete line (without its newline) on the fast path.
    fn whole_line(&mut self, line: &[u8], h: &mut dyn Handler) {
        let text = line.strip_suffix(b"\r").unwrap_or(line);
        let lead = text
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(text.len());
        let end = text
            .iter()
            .rposition(|c| !c.is_ascii_whitespace())
            .map_or(lead, |i| i + 1);
        let trimmed = text.get(lead..end).unwrap_or(&[]);
        if trimmed.is_empty() {
            self.line += 1;
            return;
        }
        let at = Pos {
            line: self.line + 1,
            column: lead as u64 + 1,
        };
        match h.value(trimmed, at) {
            Ok(()) => self.line += 1,
            Err(rejected) => {
                // The scanner reads the line again, value by value and item by item,
                // passing over the list items the handler already had.
                let mut scan = Scan::new();
                scan.skip_items = rejected.items;
                self.scan = Some(Box::new(scan));
                self.col = 0;
                self.run_scan(line, h);
                self.run_scan(b"\n", h);
            }
        }
    }

    fn pending_to_scanner(&mut self, h: &mut dyn Handler) {
        let pending = std::mem::take(&mut self.pending);
        self.scan = Some(Box::new(Scan::new()));
        self.col = 0;
        // No newline in it, so the scanner keeps running afterwards.
        self.run_scan(&pending, h);
    }

    /// Feeds bytes to the scanner until it hands back to the fast path; returns how
    /// many it took.
    fn run_scan(&mut self, bytes: &[u8], h: &mut dyn Handler) -> usize {
        let Some(mut s) = self.scan.take() else {
            return 0;
        };
        for (i, &b) in bytes.iter().enumerate() {
            let at = Pos {
                line: self.line + 1,
                column: self.col + 1,
            };
            let step = s.step(b, at, h);
            if b == b'\n' {
                self.line += 1;
                self.col = 0;
            } else {
                self.col += 1;
            }
            if let Step::Lines = step {
                return i + 1;
            }
        }
        self.scan = Some(s);
        bytes.len()
    }
}

impl Scan {
    /// An unreadable-input skip reported at the line of the document being read.
    fn doc_skip(&self, reason: String) -> Skip {
        Skip {
            kind: SkipKind::Unreadable,
            line: self.doc.line,
            column: None,
            item: None,
            reason,
        }
    }

    /// The reason `what` (the value being read) was skipped for outgrowing the limit.
    fn too_long(&self, what: &str) -> String {
        format!(
            "{what} of {} bytes skipped: longer than the {} MiB limit for one audit record",
            self.size,
            MAX_RECORD_BYTES >> 20
        )
    }

    fn new() -> Scan {
        Scan {
            state: State::Between,
            depth: 0,
            in_string: false,
            escaped: false,
            buf: Vec::new(),
            over: false,
            size: 0,
            doc: Pos { line: 0, column: 0 },
            piece: Pos { line: 0, column: 0 },
            skip_items: 0,
            index: 0,
            expect_key: false,
            in_key: false,
            key_start: 0,
            items_key: None,
            awaiting_value: false,
        }
    }

    fn step(&mut self, b: u8, at: Pos, h: &mut dyn Handler) -> Step {
        match self.state {
            State::Between => match b {
                b'\n' => return Step::Lines,
                b' ' | b'\t' | b'\r' => {}
                b'{' | b'[' => self.open(b, at),
                _ => {
                    self.state = State::Junk;
                    self.doc = at;
                    self.start_piece();
                    self.keep(b);
                }
            },
            State::Junk => {
                if b == b'\n' {
                    self.flush_junk(h);
                    self.state = State::Between;
                    return Step::Lines;
                }
                self.keep(b);
            }
            State::Broken => {
                if b == b'\n' {
                    self.state = State::Between;
                    return Step::Lines;
                }
            }
            _ => return self.in_value(b, at, h),
        }
        Step::Go
    }

    /// Starts a top-level object or array.
    fn open(&mut self, b: u8, at: Pos) {
        self.doc = at;
        self.depth = 1;
        self.in_string = false;
        self.escaped = false;
        self.index = 0;
        self.start_piece();
        self.keep(b);
        self.expect_key = true;
        self.in_key = false;
        self.items_key = None;
        self.awaiting_value = false;
        self.state = if b == b'{' { State::Head } else { State::Whole };
    }

    fn start_piece(&mut self) {
        self.buf.clear();
        if self.buf.capacity() > 1 << 20 {
            self.buf = Vec::new();
        }
        self.over = false;
        self.size = 0;
    }

    fn keep(&mut self, b: u8) {
        self.size += 1;
        if self.over {
            return;
        }
        if self.buf.len() >= MAX_RECORD_BYTES {
            self.over = true;
            self.buf = Vec::new();
            return;
        }
        self.buf.push(b);
    }

    fn in_value(&mut self, b: u8, at: Pos, h: &mut dyn Handler) -> Step {
        if at.column == 1 && b == b'{' && !self.in_string && at.line > self.doc.line {
            let read = match self.state {
                State::Items(_) | State::Tail => format!(" ({} items were read)", self.index),
                _ => String::new(),
            };
            h.skip(self.doc_skip(format!(
                "incomplete JSON: the record ends before its closing bracket{read}"
            )));
            self.skip_items = 0;
            self.open(b, at);
            return Step::Go;
        }
        if self.in_string && b == b'\n' {
            // JSON strings cannot hold a raw newline.
            return self.broken(
                format!("a string runs past the end of line {}", at.line),
                b,
                h,
            );
        }
        match self.state {
            State::Items(phase) => self.in_items(phase, b, at, h),
            State::Head => {
                self.keep(b);
                self.watch_head(b);
                if self.depth == 0 {
                    self.end_whole(h);
                }
                Step::Go
            }
            State::Whole => {
                self.keep(b);
                self.structure(b);
                if self.depth == 0 {
                    self.end_whole(h);
                }
                Step::Go
            }
            State::Tail => {
                self.keep(b);
                self.structure(b);
                if self.depth == 0 {
                    self.end_tail(h);
                }
                Step::Go
            }
            State::Between | State::Junk | State::Broken => Step::Go,
        }
    }

    /// Strings and bracket depth; returns whether `b` was structural (outside strings).
    fn structure(&mut self, b: u8) -> bool {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            return false;
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        true
    }

    /// A top-level object's members, until `"items": [` after `"kind": "EventList"`.
    fn watch_head(&mut self, b: u8) {
        if self.over {
            // Too large to look into: kept as a whole value (and refused as one).
            self.state = State::Whole;
            self.structure(b);
            return;
        }
        let depth = self.depth;
        let was_in_key = self.in_key && self.in_string;
        if !self.structure(b) {
            if was_in_key && !self.in_string {
                self.in_key = false;
                let key = self
                    .buf
                    .get(self.key_start + 1..self.buf.len().saturating_sub(1));
                self.items_key = key.filter(|k| is_items(k)).map(|_| self.key_start);
            }
            return;
        }
        if depth != 1 || b.is_ascii_whitespace() {
            return;
        }
        match b {
            b'"' if self.expect_key => {
                self.expect_key = false;
                self.in_key = true;
                self.key_start = self.buf.len() - 1;
            }
            b':' => self.awaiting_value = true,
            b',' => {
                self.expect_key = true;
                self.items_key = None;
                self.awaiting_value = false;
            }
            b'[' if self.awaiting_value => {
                self.awaiting_value = false;
                let head = self
                    .items_key
                    .and_then(|start| self.buf.get(..start))
                    .filter(|head| is_event_list(head));
                if head.is_some() {
                    self.state = State::Items(Phase::Before { comma: false });
                    self.start_piece();
                } else if self.items_key.is_some() {
                    // `items` before `kind`, or not an EventList: kept whole.
                    self.state = State::Whole;
                }
            }
            _ => self.awaiting_value = false,
        }
    }

    fn in_items(&mut self, phase: Phase, b: u8, at: Pos, h: &mut dyn Handler) -> Step {
        match phase {
            Phase::Before { comma } => match b {
                b' ' | b'\t' | b'\r' | b'\n' => {}
                b']' if !comma => self.end_items(),
                b']' | b',' | b'}' | b':' => {
                    return self.broken(
                        format!(
                            "unexpected `{}` where an item should be (line {}, column {})",
                            b as char, at.line, at.column
                        ),
                        b,
                        h,
                    );
                }
                _ => {
                    self.piece = at;
                    self.start_piece();
                    self.keep(b);
                    let scalar = !matches!(b, b'{' | b'[' | b'"');
                    self.structure(b);
                    self.state = State::Items(Phase::In { scalar });
                }
            },
            Phase::In { scalar: true } => {
                if matches!(b, b',' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                    self.end_item(h);
                    return self.in_items(Phase::After, b, at, h);
                }
                self.keep(b);
            }
            Phase::In { scalar: false } => {
                self.keep(b);
                self.structure(b);
                if self.depth == 2 && !self.in_string {
                    self.end_item(h);
                }
            }
            Phase::After => match b {
                b' ' | b'\t' | b'\r' | b'\n' => {}
                b',' => self.state = State::Items(Phase::Before { comma: true }),
                b']' => self.end_items(),
                _ => {
                    return self.broken(
                        format!(
                            "expected `,` or `]` after item {}, found `{}` (line {}, column {})",
                            self.index.saturating_sub(1),
                            b.escape_ascii(),
                            at.line,
                            at.column
                        ),
                        b,
                        h,
                    );
                }
            },
        }
        Step::Go
    }

    fn end_item(&mut self, h: &mut dyn Handler) {
        let index = self.index;
        self.index += 1;
        self.state = State::Items(Phase::After);
        if index < self.skip_items {
            return;
        }
        let reason = if self.over {
            Some(self.too_long("item"))
        } else {
            h.item(&self.buf, self.piece, index)
                .err()
                .map(|e| json_reason(&e, self.piece, &self.buf))
        };
        if let Some(reason) = reason {
            h.skip(Skip {
                kind: SkipKind::Unreadable,
                line: self.piece.line,
                column: Some(self.piece.column),
                item: Some(index),
                reason,
            });
        }
    }

    fn end_items(&mut self) {
        self.depth = 1;
        self.state = State::Tail;
        self.start_piece();
        // The tail is checked as the rest of an object.
        self.buf.extend_from_slice(b"{\"items\":[]");
    }

    fn end_tail(&mut self, h: &mut dyn Handler) {
        self.state = State::Between;
        self.skip_items = 0;
        let checked = if self.over {
            Err(format!(
                "{} bytes after the items, over the {} MiB limit for one audit record",
                self.size,
                MAX_RECORD_BYTES >> 20
            ))
        } else {
            serde_json::from_slice::<serde::de::IgnoredAny>(&self.buf).map_err(|e| {
                let msg = e.to_string();
                let suffix = format!(" at line {} column {}", e.line(), e.column());
                msg.strip_suffix(&suffix).unwrap_or(&msg).to_owned()
            })
        };
        if let Err(msg) = checked {
            h.skip(self.doc_skip(format!(
                "malformed JSON after the EventList's items ({} items were read): {msg}",
                self.index
            )));
        }
    }

    fn end_whole(&mut self, h: &mut dyn Handler) {
        self.state = State::Between;
        self.skip_items = 0;
        if self.over {
            h.skip(self.doc_skip(format!(
                "{} (only the items of an EventList whose kind comes first are streamed)",
                self.too_long("JSON document")
            )));
        } else if let Err(e) = h.value(&self.buf, self.doc) {
            h.skip(self.doc_skip(json_reason(&e.error, self.doc, &self.buf)));
        }
    }

    fn flush_junk(&mut self, h: &mut dyn Handler) {
        self.state = State::Between;
        let reason = if self.over {
            Some(self.too_long("line"))
        } else {
            let text = self.buf.trim_ascii_end();
            h.value(text, self.doc)
                .err()
                .map(|e| json_reason(&e.error, self.doc, text))
        };
        if let Some(reason) = reason {
            h.skip(self.doc_skip(reason));
        }
    }

    /// A break in the JSON structure: the value it is in is reported and dropped, and
    /// reading resumes at the next line.
    fn broken(&mut self, what: String, b: u8, h: &mut dyn Handler) -> Step {
        let reason = match self.state {
            State::Items(_) | State::Tail => format!(
                "malformed JSON: {what}; the rest of the EventList is skipped ({} items were read)",
                self.index
            ),
            _ => format!("malformed JSON: {what}"),
        };
        h.skip(self.doc_skip(reason));
        self.skip_items = 0;
        self.in_string = false;
        self.start_piece();
        if b == b'\n' {
            self.state = State::Between;
            Step::Lines
        } else {
            self.state = State::Broken;
            Step::Go
        }
    }
}

/// Whether a member name is `items` (escapes decoded, as the plugin reads keys).
fn is_items(raw: &[u8]) -> bool {
    if raw == b"items" {
        return true;
    }
    raw.contains(&b'\\')
        && serde_json::from_slice::<String>(&[b"\"", raw, b"\""].concat())
            .is_ok_and(|k| k == "items")
}

/// Whether the members before `items` (`{ ... ,`) make an `EventList`: its first
/// `kind`, as the plugin reads it.
fn is_event_list(head: &[u8]) -> bool {
    let head = head.trim_ascii_end();
    let head = head.strip_suffix(b",").unwrap_or(head);
    let text = [head, b"}"].concat();
    serde_json::from_slice::<Json>(&text)
        .is_ok_and(|j| j.get("kind").and_then(Json::as_str) == Some("EventList"))
}

/// A JSON error as a skip reason, its position made absolute (`at` is where `text`
/// starts in the input).
pub(crate) fn json_reason(e: &serde_json::Error, at: Pos, text: &[u8]) -> String {
    if let Some(i) = memchr::memchr(0, text) {
        let nul = offset_pos(at, text, i);
        return format!(
            "malformed JSON: a NUL byte at line {}, column {} (is this a text log?)",
            nul.line, nul.column
        );
    }
    let what = if e.is_syntax() || e.is_eof() {
        "malformed JSON"
    } else {
        "not an audit event"
    };
    let msg = e.to_string();
    if e.line() == 0 {
        return format!("{what}: {msg}");
    }
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = msg.strip_suffix(&suffix).unwrap_or(&msg);
    let line = at.line + e.line() as u64 - 1;
    let column = if e.line() == 1 {
        at.column + e.column() as u64 - 1
    } else {
        e.column() as u64
    };
    format!("{what}: {msg} at line {line} column {column}")
}

/// The position of byte `i` of `text`, which starts at `at`.
fn offset_pos(at: Pos, text: &[u8], i: usize) -> Pos {
    let before = text.get(..i).unwrap_or(&[]);
    match memchr::memrchr(b'\n', before) {
        Some(nl) => Pos {
            line: at.line + memchr::memchr_iter(b'\n', before).count() as u64,
            column: (i - nl) as u64,
        },
        None => Pos {
            line: at.line,
            column: at.column + i as u64,
        },
    }
}
