//! Audit events from a byte stream: JSON lines (the log backend), and JSON documents,
//! one a line or pretty-printed over many (`EventList` from the webhook backend, a
//! single `Event`, or an array of them), with the k8saudit plugin's acceptance rules.
//!
//! Memory is bounded: a record (line or document) longer than [`MAX_RECORD_BYTES`] is
//! skipped without being held, `EventList` items are handed over one at a time while
//! the list is parsed, and serde_json's recursion limit bounds nesting.

use std::fmt;

use crate::event::AuditEvent;

mod payload;

pub use payload::parse_record;

/// The longest line or document read (16 MiB). The plugin's webhook takes at most 12 MiB
/// per request and 256 KiB per event, so a longer record is not an audit payload.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// Why a record or an item was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// 1-based line where the record starts.
    pub line: u64,
    /// The item index inside an `EventList` or array, if the skip is per item.
    pub item: Option<usize>,
    pub reason: String,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.item {
            Some(i) => write!(f, "line {}, item {}: {}", self.line, i, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// What the reader hands out.
pub enum Record<'r, 'a> {
    Event(&'r AuditEvent<'a>),
    Skip(Skip),
}

/// Splits a byte stream into records and parses them. Feed bytes with [`Framer::push`]
/// (in any chunking) and call [`Framer::finish`] at the end of the input.
#[derive(Debug, Default)]
pub struct Framer {
    /// The current, incomplete line.
    line: Vec<u8>,
    /// Bytes of the current line beyond the limit, when it is being discarded.
    discarding: Option<usize>,
    /// Lines read so far.
    line_no: u64,
    doc: Option<Document>,
}

/// A multi-line JSON document being assembled.
#[derive(Debug)]
struct Document {
    start_line: u64,
    text: Vec<u8>,
    scan: Scan,
    /// Over the limit: only scanned, to find its end, not kept.
    oversized: bool,
}

impl Framer {
    pub fn new() -> Framer {
        Framer::default()
    }

    /// Lines seen so far (for positions in messages).
    pub fn lines(&self) -> u64 {
        self.line_no
    }

    /// Consumes `bytes`, calling `sink` for every event and skipped record completed.
    pub fn push(&mut self, mut bytes: &[u8], sink: &mut dyn FnMut(Record<'_, '_>)) {
        while !bytes.is_empty() {
            let (chunk, rest, complete) = match memchr::memchr(b'\n', bytes) {
                Some(i) => (
                    bytes.get(..i).unwrap_or(&[]),
                    bytes.get(i + 1..).unwrap_or(&[]),
                    true,
                ),
                None => (bytes, &[][..], false),
            };
            bytes = rest;
            if complete
                && self.line.is_empty()
                && self.discarding.is_none()
                && chunk.len() <= MAX_RECORD_BYTES
            {
                // The whole line is in this chunk: parse it in place, without a copy.
                self.line_no += 1;
                self.handle_line(strip_cr(chunk), sink);
                continue;
            }
            self.append_to_line(chunk);
            if complete {
                self.end_line(sink);
            }
        }
    }

    /// Ends the input: a last line without a newline is processed, an unfinished
    /// document is reported.
    pub fn finish(&mut self, sink: &mut dyn FnMut(Record<'_, '_>)) {
        if !self.line.is_empty() || self.discarding.is_some() {
            self.end_line(sink);
        }
        if let Some(doc) = self.doc.take() {
            sink(Record::Skip(Skip {
                line: doc.start_line,
                item: None,
                reason: "the input ends inside a JSON document".into(),
            }));
        }
    }

    fn append_to_line(&mut self, chunk: &[u8]) {
        if let Some(n) = self.discarding.as_mut() {
            *n += chunk.len();
        } else if self.line.len() + chunk.len() > MAX_RECORD_BYTES {
            self.discarding = Some(self.line.len() + chunk.len());
            self.line = Vec::new();
        } else {
            self.line.extend_from_slice(chunk);
        }
    }

    fn end_line(&mut self, sink: &mut dyn FnMut(Record<'_, '_>)) {
        self.line_no += 1;
        let line = std::mem::take(&mut self.line);
        if let Some(len) = self.discarding.take() {
            self.doc = None;
            sink(Record::Skip(Skip {
                line: self.line_no,
                item: None,
                reason: format!(
                    "line of {len} bytes skipped: longer than the {} MiB limit for one audit record",
                    MAX_RECORD_BYTES >> 20
                ),
            }));
            return;
        }
        self.handle_line(strip_cr(&line), sink);
        // Keep the allocation for the next line, unless it grew large.
        if self.line.capacity() == 0 {
            let mut reuse = line;
            reuse.clear();
            if reuse.capacity() <= 1 << 20 {
                self.line = reuse;
            }
        }
    }

    fn handle_line(&mut self, line: &[u8], sink: &mut dyn FnMut(Record<'_, '_>)) {
        if self.doc.is_some() {
            self.continue_document(line, sink);
        } else {
            self.start_record(line, sink);
        }
    }

    fn start_record(&mut self, line: &[u8], sink: &mut dyn FnMut(Record<'_, '_>)) {
        let trimmed = trim(line);
        if trimmed.is_empty() {
            return;
        }
        match parse_record(trimmed, self.line_no, sink) {
            Ok(()) => {}
            // Only an object or array cut at the line end may continue on the next lines.
            Err(e) if e.is_eof() && matches!(trimmed.first(), Some(b'{' | b'[')) => {
                let mut scan = Scan::default();
                scan.feed(trimmed);
                if scan.in_string || scan.depth <= 0 {
                    sink(skip(self.line_no, &e));
                    return;
                }
                let mut text = Vec::with_capacity(trimmed.len() * 4);
                text.extend_from_slice(trimmed);
                text.push(b'\n');
                self.doc = Some(Document {
                    start_line: self.line_no,
                    text,
                    scan,
                    oversized: false,
                });
            }
            Err(e) => sink(skip(self.line_no, &e)),
        }
    }

    fn continue_document(&mut self, line: &[u8], sink: &mut dyn FnMut(Record<'_, '_>)) {
        let Some(mut doc) = self.doc.take() else {
            return;
        };
        // A line opening an object in column 0 is a new record: the pending document was
        // cut short (a truncated line before JSON lines, say).
        if line.first() == Some(&b'{') {
            sink(Record::Skip(Skip {
                line: doc.start_line,
                item: None,
                reason: "incomplete JSON: the record ends before its closing bracket".into(),
            }));
            self.start_record(line, sink);
            return;
        }
        doc.scan.feed(line);
        if !doc.oversized {
            if doc.text.len() + line.len() + 1 > MAX_RECORD_BYTES {
                doc.oversized = true;
                doc.text = Vec::new();
            } else {
                doc.text.extend_from_slice(line);
                doc.text.push(b'\n');
            }
        }
        if doc.scan.in_string {
            // JSON strings cannot hold a raw newline.
            sink(Record::Skip(Skip {
                line: doc.start_line,
                item: None,
                reason: format!(
                    "malformed JSON: a string runs past the end of line {}",
                    self.line_no
                ),
            }));
        } else if doc.scan.depth > 0 {
            self.doc = Some(doc);
        } else if doc.oversized {
            sink(Record::Skip(Skip {
                line: doc.start_line,
                item: None,
                reason: format!(
                    "JSON document skipped: longer than the {} MiB limit for one audit record",
                    MAX_RECORD_BYTES >> 20
                ),
            }));
        } else if let Err(e) = parse_record(&doc.text, doc.start_line, sink) {
            sink(skip(doc.start_line, &e));
        }
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    b.get(start..end).unwrap_or(&[])
}

fn skip(line: u64, e: &serde_json::Error) -> Record<'static, 'static> {
    let what = if e.is_syntax() || e.is_eof() {
        "malformed JSON"
    } else {
        "not an audit event"
    };
    Record::Skip(Skip {
        line,
        item: None,
        reason: format!("{what}: {e}"),
    })
}

/// Bracket depth outside strings, to find where a pretty-printed document ends.
#[derive(Debug, Default)]
struct Scan {
    depth: i64,
    in_string: bool,
    escaped: bool,
}

impl Scan {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.in_string {
                match b {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.in_string = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => self.depth -= 1,
                    _ => {}
                }
            }
        }
    }
}
