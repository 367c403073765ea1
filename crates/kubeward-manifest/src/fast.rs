//! A fast path for the block-style YAML that Kubernetes manifests are written in.
//!
//! saphyr-parser is a complete YAML 1.2 parser and stays the reference for everything
//! this crate loads, but it reads about 38 MB/s, which by itself keeps `kubeward scan`
//! under its throughput target. Manifests use a narrow slice of YAML: block mappings and
//! sequences, one-line plain and quoted scalars, literal `|` blocks, and one-line flow
//! lists and mappings of scalars, with LF or CR LF line ends. This module parses exactly
//! that slice straight into [`Node`]s and gives up ([`Bail`]) on the first thing outside
//! it: anchors, aliases, tags, folded and indented block scalars, multi-line plain and
//! quoted scalars, `\x` and `\u` escapes, merge keys, nested flow collections, tabs, a
//! lone CR, directives, a key set twice (saphyr's builder reports it with its path) and
//! every error. A document it gives up on is parsed by saphyr
//! instead, so the tree is the same either way; the differential tests
//! (`fast/tests.rs`) hold the two to that.

use std::borrow::Cow;
use std::cell::Cell;

use memchr::{memchr, memchr_iter, memmem};

use crate::{Entry, Limits, Node, Pos, Value, resolve};

#[cfg(test)]
mod tests;

/// The fast path cannot parse a document; saphyr must.
#[derive(Debug)]
pub(crate) struct Bail;

type Parsed<T> = Result<T, Bail>;

/// Deepest nesting the fast path follows itself. It recurses, so this bounds its stack;
/// deeper documents go to saphyr, whose builder keeps an explicit stack.
const MAX_DEPTH: usize = 64;

/// YAML caps implicit keys at 1024 characters; longer ones are saphyr's to reject.
const MAX_KEY: usize = 1024;

/// Longest mapping the fast path reads: each key is compared with the ones before it (a
/// key set twice is saphyr's, whose builder reports it with its path), which stays cheap
/// only for mappings of the usual size.
const MAX_MAP_ENTRIES: usize = 64;

/// Whether a mapping of `entries` cannot take `key` on the fast path.
fn repeated_or_full(entries: &[Entry], key: &str) -> bool {
    entries.len() >= MAX_MAP_ENTRIES || entries.iter().any(|e| e.key == key)
}

/// One document's text: from a `---` line (or the start of the file) to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    /// Byte offset of its first line.
    pub start: usize,
    /// 0-based number of its first line.
    pub line: u32,
}

/// Splits `text` at its `---` lines, or `None` when something in the file makes that
/// split unsound or the fast path pointless: a byte-order mark anywhere (saphyr rejects
/// one inside a document), tabs or a CR outside CR LF (YAML gives both meanings the
/// fast path does not model), a NUL (saphyr takes it for the end of the input, and one
/// where a token starts for an error), `%` directives (they bind to the next document)
/// and `...` document ends (a bare document may follow one).
pub(crate) fn segments(text: &str) -> Option<Vec<Segment>> {
    let b = text.as_bytes();
    if memchr(b'\t', b).is_some()
        || memchr(0, b).is_some()
        || memmem::find(b, "\u{feff}".as_bytes()).is_some()
        || memchr_iter(b'\r', b).any(|i| b.get(i + 1) != Some(&b'\n'))
    {
        return None;
    }
    let mut out = vec![Segment { start: 0, line: 0 }];
    let (mut at, mut line) = (0usize, 0u32);
    while at < b.len() {
        let rest = &b[at..];
        let marker = |m: &[u8]| {
            rest.starts_with(m) && matches!(rest.get(3), None | Some(b' ' | b'\n' | b'\r'))
        };
        match rest[0] {
            b'%' => return None,
            b'.' if marker(b"...") => return None,
            b'-' if at > 0 && marker(b"---") => out.push(Segment { start: at, line }),
            _ => {}
        }
        match memchr(b'\n', rest) {
            Some(i) => {
                at += i + 1;
                line = line.saturating_add(1);
            }
            None => break,
        }
    }
    Some(out)
}

/// Parses one segment: `Ok(None)` for a document without content.
pub(crate) fn document(text: &str, first_line: u32, limits: &Limits) -> Parsed<Option<Node>> {
    let mut p = Parser {
        src: text,
        b: text.as_bytes(),
        line_no: first_line,
        ls: 0,
        le: 0,
        nl: 0,
        ind: 0,
        at_end: false,
        nodes: 0,
        depth: 0,
        max_depth: limits.max_depth.min(MAX_DEPTH),
        max_nodes: limits.max_nodes,
        col_cache: Cell::new((0, 0)),
    };
    p.load_line(0);
    if p.b.starts_with(b"---") && matches!(p.b.get(3), None | Some(b' ' | b'\n' | b'\r')) {
        // `---` and at most a comment after it; content on the marker line is rare.
        if !p.line_rest_is_empty(3) {
            return Err(Bail);
        }
        p.advance();
    } else {
        p.skip_insignificant();
    }
    if p.at_end {
        return Ok(None);
    }
    let root = p.block(p.ls + p.ind, None)?;
    if !p.at_end {
        return Err(Bail);
    }
    Ok(Some(root))
}

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    /// 0-based number of the current line.
    line_no: u32,
    /// The current line: its start, where its content ends (its `\n`, CR or the end of
    /// the text), its indent.
    ls: usize,
    le: usize,
    /// The current line's `\n` (or the end of the text); `le` stops before a CR.
    nl: usize,
    ind: usize,
    /// The last position asked for on the current line: its offset and character count.
    col_cache: Cell<(usize, usize)>,
    at_end: bool,
    nodes: usize,
    depth: usize,
    max_depth: usize,
    max_nodes: usize,
}

impl Parser<'_> {
    /// Makes the line starting at `start` current.
    fn load_line(&mut self, start: usize) {
        if start >= self.b.len() {
            self.at_end = true;
            self.ls = self.b.len();
            self.le = self.b.len();
            self.nl = self.b.len();
            self.ind = 0;
            return;
        }
        self.ls = start;
        self.nl = memchr(b'\n', &self.b[start..]).map_or(self.b.len(), |i| start + i);
        self.le = line_end(self.b, start, self.nl);
        self.ind = self.b[start..self.le]
            .iter()
            .take_while(|&&c| c == b' ')
            .count();
    }

    /// Moves to the next line with content (not blank, not only a comment).
    fn advance(&mut self) {
        if self.nl >= self.b.len() {
            self.at_end = true;
            return;
        }
        self.line_no = self.line_no.saturating_add(1);
        self.load_line(self.nl + 1);
        self.skip_insignificant();
    }

    fn skip_insignificant(&mut self) {
        while !self.at_end {
            let first = self.ls + self.ind;
            if first < self.le && self.b[first] != b'#' {
                return;
            }
            if self.nl >= self.b.len() {
                self.at_end = true;
                return;
            }
            self.line_no = self.line_no.saturating_add(1);
            self.load_line(self.nl + 1);
        }
    }

    fn pos(&self, at: usize) -> Pos {
        // saphyr counts columns in characters, not bytes. Positions on a line are asked
        // for left to right, so counting goes on from the last one: a long line of flow
        // items costs its length once, not once per item.
        let (mut from, mut chars) = self.col_cache.get();
        if from < self.ls || from > at {
            (from, chars) = (self.ls, 0);
        }
        let gap = &self.b[from..at];
        chars += if gap.is_ascii() {
            gap.len()
        } else {
            gap.iter().filter(|&&c| (c as i8) >= -0x40).count()
        };
        self.col_cache.set((at, chars));
        Pos {
            line: self.line_no.saturating_add(1),
            col: u32::try_from(chars).unwrap_or(u32::MAX - 1) + 1,
        }
    }

    fn skip_spaces(&self, mut at: usize) -> usize {
        while at < self.le && self.b[at] == b' ' {
            at += 1;
        }
        at
    }

    /// Whether only spaces, then nothing or a comment, follow `at` on the line.
    fn line_rest_is_empty(&self, at: usize) -> bool {
        let i = self.skip_spaces(at);
        i == self.le || (self.b[i] == b'#' && i > at)
    }

    fn count(&mut self) -> Parsed<()> {
        self.nodes += 1;
        if self.nodes > self.max_nodes {
            return Err(Bail);
        }
        Ok(())
    }

    fn enter(&mut self) -> Parsed<()> {
        self.depth += 1;
        if self.depth >= self.max_depth {
            return Err(Bail);
        }
        self.count()
    }

    fn is_seq_entry(&self, at: usize) -> bool {
        at < self.le && self.b[at] == b'-' && (at + 1 == self.le || self.b[at + 1] == b' ')
    }

    /// A block node starting at `at` on the current line. `parent` is the indent of the
    /// collection it belongs to (`None` at the root).
    fn block(&mut self, at: usize, parent: Option<usize>) -> Parsed<Node> {
        let col = at - self.ls;
        if self.is_seq_entry(at) {
            return self.seq(col, false);
        }
        if let Some(first) = self.key(at)? {
            return self.map(col, first);
        }
        self.inline(at, parent)
    }

    fn seq(&mut self, col: usize, indentless: bool) -> Parsed<Node> {
        self.enter()?;
        // saphyr places an indentless sequence (`key:` then `- …` at the key's indent)
        // where its first entry's content starts (the line's end when there is none),
        // any other at its first `-`.
        let pos = if indentless {
            let at = self.ls + col + 1;
            self.pos(if self.line_rest_is_empty(at) {
                self.le
            } else {
                self.skip_spaces(at)
            })
        } else {
            self.pos(self.ls + col)
        };
        let mut items = Vec::new();
        loop {
            let dash = self.ls + col;
            let at = self.skip_spaces(dash + 1);
            let item = if self.line_rest_is_empty(dash + 1) {
                // saphyr places an empty entry at the end of its line.
                let empty = self.pos(self.le);
                self.advance();
                if !self.at_end && self.ind > col {
                    self.block(self.ls + self.ind, Some(col))?
                } else {
                    self.count()?;
                    Node::new(empty, Value::Null)
                }
            } else if self.is_seq_entry(at) {
                return Err(Bail);
            } else if let Some(first) = self.key(at)? {
                self.map(at - self.ls, first)?
            } else {
                self.inline(at, Some(col))?
            };
            items.push(item);
            if self.at_end || self.ind < col {
                break;
            }
            if self.ind > col {
                return Err(Bail);
            }
            if !self.is_seq_entry(self.ls + col) {
                if indentless {
                    break;
                }
                return Err(Bail);
            }
        }
        self.depth -= 1;
        Ok(Node::new(pos, Value::Seq(items)))
    }

    /// A block mapping at indent `col`, whose first key the caller has read.
    fn map(&mut self, col: usize, first: (String, Pos, usize)) -> Parsed<Node> {
        self.enter()?;
        let pos = self.pos(self.ls + col);
        let mut entries = Vec::with_capacity(4);
        let mut next = Some(first);
        loop {
            let Some((key, key_pos, after)) = next
                .take()
                .map_or_else(|| self.key(self.ls + col), |k| Ok(Some(k)))?
            else {
                return Err(Bail);
            };
            if repeated_or_full(&entries, &key) {
                return Err(Bail);
            }
            self.count()?;
            let at = self.skip_spaces(after);
            let value = if self.line_rest_is_empty(after) {
                // saphyr places an empty value at its key's colon.
                let empty = self.pos(after - 1);
                self.advance();
                if !self.at_end && self.ind > col {
                    self.block(self.ls + self.ind, Some(col))?
                } else if !self.at_end && self.ind == col && self.is_seq_entry(self.ls + col) {
                    self.seq(col, true)?
                } else {
                    self.count()?;
                    Node::new(empty, Value::Null)
                }
            } else {
                self.inline(at, Some(col))?
            };
            entries.push(Entry {
                key,
                key_pos,
                value,
            });
            if self.at_end || self.ind < col {
                break;
            }
            if self.ind > col {
                return Err(Bail);
            }
        }
        self.depth -= 1;
        Ok(Node::new(pos, Value::Map(entries)))
    }

    /// The mapping key at `at`, when the line holds `key: …` there: the key, where it
    /// is, and the offset after its colon. `Ok(None)` when the text is a scalar instead.
    fn key(&self, at: usize) -> Parsed<Option<(String, Pos, usize)>> {
        let b = self.b;
        let (text, end) = match b[at] {
            q @ (b'"' | b'\'') => {
                let (text, end) = self.quoted(at, q)?;
                if end < self.le && b[end] == b':' {
                    if end + 1 < self.le && b[end + 1] != b' ' {
                        return Err(Bail);
                    }
                    (text, end)
                } else if self.line_rest_is_empty(end) {
                    return Ok(None);
                } else {
                    return Err(Bail);
                }
            }
            b'[' | b'{' | b'|' => return Ok(None),
            c if is_indicator(c) && !plain_indicator(b, at, self.le) => return Err(Bail),
            _ => {
                let mut i = at;
                let colon = loop {
                    if i == self.le {
                        return Ok(None);
                    }
                    match b[i] {
                        b':' if i + 1 == self.le || b[i + 1] == b' ' => break i,
                        b'#' if b[i - 1] == b' ' => return Ok(None),
                        _ => i += 1,
                    }
                };
                let text = self.src[at..colon].trim_end_matches(' ');
                if text.len() > MAX_KEY || text == "<<" {
                    return Err(Bail);
                }
                let key = resolve::key_string(resolve::implicit(Cow::Borrowed(text)))
                    .map_err(|_| Bail)?;
                return Ok(Some((key, self.pos(at), colon + 1)));
            }
        };
        Ok(Some((text.into_owned(), self.pos(at), end + 1)))
    }

    /// A one-line scalar or flow collection at `at`, the rest of its line, and the check
    /// that no continuation line follows. Leaves the parser on the next line.
    fn inline(&mut self, at: usize, parent: Option<usize>) -> Parsed<Node> {
        if self.b[at] == b'|' {
            return self.literal(at, parent.ok_or(Bail)?);
        }
        self.count()?;
        let pos = self.pos(at);
        let (value, end) = match self.b[at] {
            q @ (b'"' | b'\'') => {
                let (text, end) = self.quoted(at, q)?;
                (Value::Str(text.into_owned()), end)
            }
            b'[' => self.flow_seq(at)?,
            b'{' => self.flow_map(at)?,
            _ => {
                let end = self.plain_end(at)?;
                let text = &self.src[at..end];
                (resolve::implicit(Cow::Borrowed(text)), end)
            }
        };
        if !self.line_rest_is_empty(end) {
            return Err(Bail);
        }
        self.advance();
        // A more indented line after a scalar would continue it (or be an error).
        if !self.at_end && parent.is_none_or(|p| self.ind > p) {
            return Err(Bail);
        }
        Ok(Node::new(pos, value))
    }

    /// A literal block scalar (`|`, `|-`, `|+`) whose header is at `at`, for a node of
    /// the collection at indent `parent`: scripts and config files in manifests. An
    /// explicit indentation indicator, a missing final line break and lines of only
    /// spaces deeper than the content are saphyr's.
    fn literal(&mut self, at: usize, parent: usize) -> Parsed<Node> {
        self.count()?;
        // saphyr places a block scalar where its first line of text starts.
        let mut pos = None;
        let b = self.b;
        let (mut i, mut chomp) = (at + 1, b'\0');
        if i < self.le && matches!(b[i], b'-' | b'+') {
            chomp = b[i];
            i += 1;
        }
        if (i < self.le && b[i] != b' ') || !self.line_rest_is_empty(i) || self.nl >= b.len() {
            return Err(Bail);
        }
        let mut text = String::new();
        let mut indent = None;
        let (mut blank_run, mut leading_spaces) = (0usize, 0usize);
        let mut start = self.nl + 1;
        let mut line_no = self.line_no;
        while start < b.len() {
            line_no = line_no.saturating_add(1);
            let nl = memchr(b'\n', &b[start..]).map_or(b.len(), |k| start + k);
            if nl == b.len() {
                return Err(Bail);
            }
            let end = line_end(b, start, nl);
            let spaces = b[start..end].iter().take_while(|&&c| c == b' ').count();
            if start + spaces == end {
                match indent {
                    None => leading_spaces = leading_spaces.max(spaces),
                    Some(ind) if spaces > ind => return Err(Bail),
                    Some(_) => {}
                }
                blank_run += 1;
            } else {
                let ind = *indent.get_or_insert(spaces);
                if spaces < ind || spaces <= parent {
                    break;
                }
                pos.get_or_insert(Pos {
                    line: line_no.saturating_add(1),
                    col: u32::try_from(ind).unwrap_or(u32::MAX - 1) + 1,
                });
                if leading_spaces > ind {
                    return Err(Bail);
                }
                text.extend(std::iter::repeat_n('\n', blank_run));
                blank_run = 0;
                text.push_str(&self.src[start + ind..end]);
                text.push('\n');
            }
            start = nl + 1;
        }
        let Some(pos) = pos else {
            return Err(Bail);
        };
        match chomp {
            b'-' => {
                text.pop();
            }
            b'+' => text.extend(std::iter::repeat_n('\n', blank_run)),
            _ => {}
        }
        self.line_no = line_no;
        self.load_line(start);
        self.skip_insignificant();
        if !self.at_end && self.ind > parent {
            return Err(Bail);
        }
        Ok(Node::new(pos, Value::Str(text)))
    }

    /// The end of a block-context plain scalar starting at `at`, trailing spaces
    /// excluded.
    fn plain_end(&self, at: usize) -> Parsed<usize> {
        let b = self.b;
        if is_indicator(b[at]) && !plain_indicator(b, at, self.le) {
            return Err(Bail);
        }
        let mut i = at;
        let mut end = self.le;
        while i < self.le {
            match b[i] {
                b':' if i + 1 == self.le || b[i + 1] == b' ' => return Err(Bail),
                b'#' if i > at && b[i - 1] == b' ' => {
                    end = i;
                    break;
                }
                _ => i += 1,
            }
        }
        while end > at && b[end - 1] == b' ' {
            end -= 1;
        }
        Ok(end)
    }

    /// A quoted scalar on one line: its text and the offset after the closing quote.
    /// Of double-quoted escapes, the common one-character ones are decoded here; `\x`,
    /// `\u`, line continuations and the rest are saphyr's.
    fn quoted(&self, at: usize, q: u8) -> Parsed<(Cow<'_, str>, usize)> {
        let b = self.b;
        let mut i = at + 1;
        let mut plain_to = None;
        let mut owned = String::new();
        loop {
            if i >= self.le {
                return Err(Bail);
            }
            let c = b[i];
            let unescaped = match c {
                b'\\' if q == b'"' => {
                    let e = match b.get(i + 1) {
                        Some(b'\\') => '\\',
                        Some(b'"') => '"',
                        Some(b'/') => '/',
                        Some(b'n') => '\n',
                        Some(b't') => '\t',
                        Some(b'r') => '\r',
                        Some(b'0') => '\0',
                        _ => return Err(Bail),
                    };
                    Some((e, 2))
                }
                b'\'' if q == b'\'' && i + 1 < self.le && b[i + 1] == b'\'' => Some(('\'', 2)),
                _ if c == q => break,
                _ => None,
            };
            match unescaped {
                Some((ch, len)) => {
                    let from = *plain_to.get_or_insert(at + 1);
                    owned.push_str(&self.src[from..i]);
                    owned.push(ch);
                    i += len;
                    plain_to = Some(i);
                }
                None => i += 1,
            }
        }
        let text = match plain_to {
            None => Cow::Borrowed(&self.src[at + 1..i]),
            Some(from) => {
                owned.push_str(&self.src[from..i]);
                Cow::Owned(owned)
            }
        };
        Ok((text, i + 1))
    }

    /// `[a, "b", 'c']` on one line, of scalars only.
    fn flow_seq(&mut self, at: usize) -> Parsed<(Value, usize)> {
        let mut items = Vec::new();
        let mut i = self.skip_spaces(at + 1);
        loop {
            match self.b.get(i) {
                Some(b']') if i < self.le => return Ok((Value::Seq(items), i + 1)),
                Some(_) if i < self.le => {}
                _ => return Err(Bail),
            }
            self.count()?;
            let (value, end) = self.flow_scalar(i, false)?;
            items.push(Node::new(self.pos(i), value));
            i = self.flow_next(end, b']')?;
        }
    }

    /// `{cpu: 500m, "memory": 1Gi}` on one line, of scalars only.
    fn flow_map(&mut self, at: usize) -> Parsed<(Value, usize)> {
        let b = self.b;
        let mut entries = Vec::new();
        let mut i = self.skip_spaces(at + 1);
        loop {
            match b.get(i) {
                Some(b'}') if i < self.le => return Ok((Value::Map(entries), i + 1)),
                Some(_) if i < self.le => {}
                _ => return Err(Bail),
            }
            self.count()?;
            let (key, colon) = self.flow_scalar(i, true)?;
            if !(colon + 1 < self.le && b[colon] == b':' && b[colon + 1] == b' ') {
                return Err(Bail);
            }
            let key_pos = self.pos(i);
            if matches!(&key, Value::Str(k) if k == "<<") {
                return Err(Bail);
            }
            let key = resolve::key_string(key).map_err(|_| Bail)?;
            if repeated_or_full(&entries, &key) {
                return Err(Bail);
            }
            let at_value = self.skip_spaces(colon + 1);
            if at_value == self.le || matches!(b[at_value], b',' | b'}') {
                return Err(Bail);
            }
            self.count()?;
            let (value, end) = self.flow_scalar(at_value, false)?;
            entries.push(Entry {
                key,
                key_pos,
                value: Node::new(self.pos(at_value), value),
            });
            i = self.flow_next(end, b'}')?;
        }
    }

    /// After a flow item ending at `end`: the offset of the next item, or of `close`.
    fn flow_next(&self, end: usize, close: u8) -> Parsed<usize> {
        let i = self.skip_spaces(end);
        match self.b.get(i) {
            Some(b',') if i < self.le => Ok(self.skip_spaces(i + 1)),
            Some(&c) if c == close && i < self.le => Ok(i),
            _ => Err(Bail),
        }
    }

    /// A quoted or plain scalar inside `[ ]` or `{ }`, and where it ends. A plain
    /// `key` stops at a `:`; any other plain scalar holding one is saphyr's.
    fn flow_scalar(&self, i: usize, key: bool) -> Parsed<(Value, usize)> {
        let b = self.b;
        match b[i] {
            q @ (b'"' | b'\'') => {
                let (text, end) = self.quoted(i, q)?;
                return Ok((Value::Str(text.into_owned()), end));
            }
            c if is_indicator(c) && !flow_plain_indicator(b, i, self.le) => return Err(Bail),
            _ => {}
        }
        let mut j = i;
        while j < self.le && !matches!(b[j], b',' | b']' | b'}') {
            match b[j] {
                b':' if key => break,
                b'[' | b'{' | b':' | b'#' => return Err(Bail),
                _ => j += 1,
            }
        }
        let mut end = j;
        while end > i && b[end - 1] == b' ' {
            end -= 1;
        }
        // saphyr ends a flow plain scalar at some inner spaces that YAML allows
        // (`[a -, b]`); multi-word items are rare enough to leave to it.
        if end == i || memchr(b' ', &b[i..end]).is_some() {
            return Err(Bail);
        }
        let value = resolve::implicit(Cow::Borrowed(&self.src[i..end]));
        Ok((value, if key { j } else { end }))
    }
}

/// Where the content of the line from `start` to its `\n` at `nl` ends: before a CR
/// (CR LF is one line break to YAML; a lone CR never reaches the parser).
fn line_end(b: &[u8], start: usize, nl: usize) -> usize {
    if nl > start && b[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    }
}

/// Whether the indicator at `at` starts a plain scalar all the same: `-`, `?` and `:`
/// do when a non-space follows (`--port=80`, `-1`).
fn plain_indicator(b: &[u8], at: usize, le: usize) -> bool {
    matches!(b[at], b'-' | b'?' | b':') && at + 1 < le && b[at + 1] != b' '
}

/// [`plain_indicator`] inside `[ ]`, where saphyr also wants no flow indicator next.
fn flow_plain_indicator(b: &[u8], at: usize, le: usize) -> bool {
    plain_indicator(b, at, le) && !matches!(b[at + 1], b',' | b'[' | b']' | b'{' | b'}')
}

/// Characters that cannot start a plain scalar (some can, when followed by a non-space,
/// see [`plain_indicator`]).
fn is_indicator(c: u8) -> bool {
    matches!(
        c,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}
