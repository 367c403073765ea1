//! Audit events from a byte stream: JSON lines (the log backend), and JSON documents,
//! one a line or pretty-printed over many, any number of them one after another
//! (`EventList` from the webhook backend, a single `Event`, or an array of them), with
//! the k8saudit plugin's acceptance rules.
//!
//! The reading model, shared by `detect` and `audit-policy filter` through [`Handler`]:
//!
//! - A record is a top-level JSON value. A line that holds one whole record is parsed in
//!   place (the fast path); anything else goes through [`split`]'s scanner, which finds
//!   where values end without parsing them.
//! - An `EventList` whose `kind` comes before its `items` is streamed: each item is
//!   parsed and handed over on its own, so a list of any size costs one item's memory.
//!   [`MAX_RECORD_BYTES`] bounds one item, one `Event`, one array, and anything kept
//!   before the `items` of a list.
//! - Every unreadable record (not JSON, truncated, too deep, a number out of range, a
//!   NUL byte, over the limit) is reported as a [`Skip`] with its line, and reading goes
//!   on: at the next line after a break in the JSON structure, at the next item after
//!   an item that does not parse (see [`split`] for the exact rules).
//!
//! serde_json's recursion limit (128) bounds nesting; the scanner counts depth without
//! recursing.

use std::fmt;

use crate::event::AuditEvent;

mod payload;
pub mod split;

pub use payload::{parse_item, parse_record};
pub use split::Splitter;

/// The longest record kept for parsing (16 MiB): one line, one `Event` or array
/// document, or one `EventList` item. The plugin's webhook takes at most 12 MiB per
/// request and 256 KiB per event, so a longer record is not an audit payload.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// A place in the input: 1-based line and byte column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// 1-based line number.
    pub line: u64,
    /// 1-based byte column within the line.
    pub column: u64,
}

/// What kind of skip: bytes that could not be read as JSON, or JSON that the k8saudit
/// plugin does not take as an audit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipKind {
    /// Malformed or truncated JSON, a NUL byte, nesting too deep, a record over the limit.
    Unreadable,
    /// Well-formed JSON that the plugin drops: not an `Event` or `EventList`, no readable
    /// `stageTimestamp`, or over the plugin's `maxEventSize`. Falco reports these and
    /// goes on with exit status 0 (its regression test Fal01003).
    NotAnEvent,
}

/// Why a record or an item was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// Unreadable bytes, or JSON that is not an audit event.
    pub kind: SkipKind,
    /// 1-based line where the record (or the item) starts.
    pub line: u64,
    /// 1-based byte column where the item starts, for items of a streamed `EventList`.
    pub column: Option<u64>,
    /// The item index inside an `EventList` or array, if the skip is per item.
    pub item: Option<usize>,
    /// Why it was skipped, in the plugin's words where it has them.
    pub reason: String,
}

impl Skip {
    /// The skip located in `input`, `file:line[:column]: [item N: ]reason`, for messages.
    pub fn located(&self, input: &str) -> String {
        let column = self.column.map(|c| format!(":{c}")).unwrap_or_default();
        let item = self.item.map(|i| format!("item {i}: ")).unwrap_or_default();
        format!("{input}:{}{column}: {item}{}", self.line, self.reason)
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(c) = self.column {
            write!(f, ", column {c}")?;
        }
        if let Some(i) = self.item {
            write!(f, ", item {i}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// What the event reader hands out.
pub enum Record<'r, 'a> {
    /// A parsed audit event, borrowed for the call.
    Event(&'r AuditEvent<'a>),
    /// A record or item that was skipped, and why.
    Skip(Skip),
}

/// A whole value that is not valid JSON.
#[derive(Debug)]
pub struct Rejected {
    /// `EventList` items already handed over before the error was found (the scanner
    /// then resumes after them).
    pub items: usize,
    /// The JSON parse error.
    pub error: serde_json::Error,
}

/// What [`Splitter`] hands its pieces to: the JSON parsing and the meaning of a value
/// are the handler's (audit events for `detect`, policy replay for `audit-policy`).
pub trait Handler {
    /// One whole top-level value (anything but a streamed `EventList`).
    fn value(&mut self, text: &[u8], at: Pos) -> Result<(), Rejected>;
    /// One item of a streamed `EventList`.
    fn item(&mut self, text: &[u8], at: Pos, index: usize) -> Result<(), serde_json::Error>;
    /// An unreadable record or item.
    fn skip(&mut self, skip: Skip);
}

/// The k8saudit plugin's reading of values: [`AuditEvent`]s and skips, to a sink.
pub struct Events<F>(pub F);

impl<F: FnMut(Record<'_, '_>)> Handler for Events<F> {
    fn value(&mut self, text: &[u8], at: Pos) -> Result<(), Rejected> {
        let mut emitted = 0;
        let sink = &mut self.0;
        parse_record(text, at.line, &mut |r| {
            emitted += 1;
            sink(r);
        })
        .map_err(|error| Rejected {
            // Only streamed items are handed over before an error can show.
            items: emitted,
            error,
        })
    }

    fn item(&mut self, text: &[u8], at: Pos, index: usize) -> Result<(), serde_json::Error> {
        let sink = &mut self.0;
        parse_item(text, index, &mut |r| match r {
            Record::Skip(mut s) => {
                s.line = at.line;
                s.column = Some(at.column);
                sink(Record::Skip(s));
            }
            event => sink(event),
        })
    }

    fn skip(&mut self, skip: Skip) {
        (self.0)(Record::Skip(skip));
    }
}

/// Splits a byte stream into audit events. Feed bytes with [`Framer::push`] (in any
/// chunking) and call [`Framer::finish`] at the end of the input.
#[derive(Debug, Default)]
pub struct Framer {
    split: Splitter,
}

impl Framer {
    /// A framer at the start of an input (line 1, no partial record).
    pub fn new() -> Framer {
        Framer::default()
    }

    /// Lines seen so far (for positions in messages).
    pub fn lines(&self) -> u64 {
        self.split.lines()
    }

    /// Consumes `bytes`, calling `sink` for every event and skipped record completed.
    pub fn push(&mut self, bytes: &[u8], sink: &mut dyn FnMut(Record<'_, '_>)) {
        self.split.push(bytes, &mut Events(sink));
    }

    /// Ends the input: a last line without a newline is processed, an unfinished
    /// document is reported.
    pub fn finish(&mut self, sink: &mut dyn FnMut(Record<'_, '_>)) {
        self.split.finish(&mut Events(sink));
    }
}
