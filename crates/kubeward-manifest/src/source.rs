//! Inputs opened once and read in pieces.
//!
//! A caller that needs two passes over its inputs (`kubeward scan` collects Namespace labels
//! before it judges workloads) cannot open a path twice: a named pipe, `/dev/stdin` or
//! `/dev/fd/N` is drained by the first pass. [`Source::open`] decides once, from what the
//! path is: a regular file is read from disk by each pass and checked to still be the same
//! file; anything else (standard input, pipes, devices) is read into memory once, within
//! the size limit, and every pass reads that copy.
//!
//! Each pass reads a source as [`Piece`]s: runs of whole documents of about
//! [`PIECE_BYTES`], split where a `---` line starts a document or after a `...` line ends
//! one (YAML allows neither marker inside a document, so a split never cuts one). A large
//! file is then parsed and judged a piece at a time, and memory follows the largest
//! document rather than the file. The size limit, the binary check and UTF-8 are checked
//! as the bytes arrive.

use std::fs;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use crate::load::{BINARY_SNIFF, io_error, too_large, utf8_error};
use crate::{Input, Limits, LoadError};

/// Text a piece holds before it ends at the next document boundary. Files up to this size
/// are one piece, read and parsed whole. Small enough that a batch of pieces and the
/// results of their documents stay a few tens of MiB; large enough that a piece costs
/// little more than its documents.
pub const PIECE_BYTES: usize = 64 * 1024;

/// Bytes asked of the reader at a time. What follows a split point is copied into the
/// next piece's buffer, so this also bounds that copy.
const READ_BYTES: usize = 32 * 1024;

/// One input, opened once.
#[derive(Debug)]
pub struct Source {
    input: Input,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// A regular file, read from disk by each pass.
    File { path: PathBuf, id: FileId },
    /// Read into memory once: standard input, pipes, devices; in chunks, so that holding
    /// it never needs twice its size while a buffer grows.
    Held(Vec<Vec<u8>>),
    /// Could not be read.
    Failed(LoadError),
}

/// What makes a regular file the same file between passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
    len: u64,
    modified: Option<SystemTime>,
}

impl FileId {
    fn of(meta: &fs::Metadata) -> Self {
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        FileId {
            dev,
            ino,
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

impl Source {
    /// Opens `input`: a regular file is only looked at (each pass reads it); standard
    /// input and any other kind of file are read to the end now, at most
    /// `limits.max_file_bytes` of them. A named pipe blocks here until its writer is done,
    /// which is what naming one asks for.
    pub fn open(input: &Input, limits: &Limits) -> Source {
        let kind = match input {
            Input::Stdin => hold(input, io::stdin().lock(), limits),
            Input::File(path) => match fs::metadata(path) {
                Ok(m) if m.is_file() => Kind::File {
                    path: path.clone(),
                    id: FileId::of(&m),
                },
                Ok(m) if m.is_dir() => Kind::Failed(fail(input, "is a directory".to_owned())),
                Ok(_) => match fs::File::open(path) {
                    Ok(f) => hold(input, f, limits),
                    Err(e) => Kind::Failed(io_error(path, &e)),
                },
                Err(e) => Kind::Failed(io_error(path, &e)),
            },
        };
        Source {
            input: input.clone(),
            kind,
        }
    }

    /// The input this source was opened from.
    pub fn input(&self) -> &Input {
        &self.input
    }

    /// The name findings are reported under.
    pub fn name(&self) -> Arc<str> {
        self.input.name()
    }

    /// Reads the source from its start, piece by piece. A regular file is opened again
    /// and must be the file [`Source::open`] saw, unchanged.
    pub fn pieces(&self, limits: &Limits) -> Result<Pieces<'_>, LoadError> {
        let reader: Box<dyn Read + Send + '_> = match &self.kind {
            Kind::Failed(e) => return Err(e.clone()),
            Kind::Held(chunks) => Box::new(Chunks { chunks, at: (0, 0) }),
            Kind::File { path, id } => {
                let f = fs::File::open(path).map_err(|e| io_error(path, &e))?;
                let meta = f.metadata().map_err(|e| io_error(path, &e))?;
                if !meta.is_file() || FileId::of(&meta) != *id {
                    return Err(fail(
                        &self.input,
                        "the file changed while kubeward was reading it; scan it again".to_owned(),
                    ));
                }
                if meta.len() > limits.max_file_bytes {
                    return Err(too_large(self.name(), limits));
                }
                Box::new(f)
            }
        };
        let size = match &self.kind {
            Kind::File { id, .. } => id.len,
            Kind::Held(chunks) => chunks.iter().map(|c| c.len() as u64).sum(),
            Kind::Failed(_) => 0,
        };
        Ok(Pieces::new(self.name(), reader, size, limits))
    }
}

fn fail(input: &Input, message: String) -> LoadError {
    LoadError {
        file: input.name(),
        pos: None,
        message,
        duplicate: None,
    }
}

/// Bytes of one chunk of a held source.
const HOLD_CHUNK: u64 = 1024 * 1024;

fn hold(input: &Input, mut reader: impl Read, limits: &Limits) -> Kind {
    let mut chunks = Vec::new();
    let mut total = 0u64;
    loop {
        let mut chunk = Vec::with_capacity(HOLD_CHUNK as usize);
        match (&mut reader).take(HOLD_CHUNK).read_to_end(&mut chunk) {
            Err(e) => return Kind::Failed(fail(input, e.to_string())),
            Ok(0) => return Kind::Held(chunks),
            Ok(n) => total += n as u64,
        }
        if total > limits.max_file_bytes {
            return Kind::Failed(too_large(input.name(), limits));
        }
        chunks.push(chunk);
    }
}

/// Reads the chunks of a held source in order.
struct Chunks<'a> {
    chunks: &'a [Vec<u8>],
    /// The chunk and the offset in it where reading resumes.
    at: (usize, usize),
}

impl Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(chunk) = self.chunks.get(self.at.0) {
            let rest = chunk.get(self.at.1..).unwrap_or_default();
            if rest.is_empty() {
                self.at = (self.at.0 + 1, 0);
                continue;
            }
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.at.1 += n;
            return Ok(n);
        }
        Ok(0)
    }
}

/// One run of whole documents of a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// The piece's text: one or more whole YAML documents.
    pub text: String,
    /// 0-based number, in the source, of the piece's first line.
    pub first_line: u32,
}

/// The pieces of one source, in order. After an error (too large, binary, not UTF-8, a
/// read error) it yields nothing more.
pub struct Pieces<'a> {
    file: Arc<str>,
    reader: Box<dyn Read + Send + 'a>,
    limit: u64,
    buf: Vec<u8>,
    /// Where the search for a split point resumes: a `\n` not yet looked past.
    searched: usize,
    total: u64,
    line: u32,
    started: bool,
    eof: bool,
    done: bool,
}

impl<'a> Pieces<'a> {
    /// `size` is what the source is expected to hold, for the first buffer's size.
    fn new(file: Arc<str>, reader: Box<dyn Read + Send + 'a>, size: u64, limits: &Limits) -> Self {
        let first = usize::try_from(size.saturating_add(1)).unwrap_or(usize::MAX);
        Pieces {
            file,
            reader,
            limit: limits.max_file_bytes,
            buf: Vec::with_capacity(first.min(PIECE_BYTES + READ_BYTES)),
            searched: 0,
            total: 0,
            line: 0,
            started: false,
            eof: false,
            done: false,
        }
    }

    fn fail(&mut self, e: LoadError) -> Option<Result<Piece, LoadError>> {
        self.done = true;
        self.buf = Vec::new();
        Some(Err(e))
    }

    fn fill(&mut self) -> Result<(), LoadError> {
        // Read into the spare capacity as it is (no zeroing first), up to READ_BYTES.
        let n = (&mut self.reader)
            .take(READ_BYTES as u64)
            .read_to_end(&mut self.buf)
            .map_err(|e| LoadError {
                file: self.file.clone(),
                pos: None,
                message: e.to_string(),
                duplicate: None,
            })?;
        self.eof = n == 0;
        self.total += n as u64;
        if self.total > self.limit {
            return Err(too_large(
                self.file.clone(),
                &Limits {
                    max_file_bytes: self.limit,
                    ..Limits::default()
                },
            ));
        }
        Ok(())
    }

    /// The binary check on the first bytes, and the byte order mark dropped.
    fn start(&mut self) -> Result<(), LoadError> {
        self.started = true;
        let sniff = self.buf.get(..BINARY_SNIFF).unwrap_or(&self.buf);
        if memchr::memchr(0, sniff).is_some() {
            return Err(LoadError {
                file: self.file.clone(),
                pos: None,
                message: "binary file, not a manifest".to_owned(),
                duplicate: None,
            });
        }
        if self.buf.starts_with(b"\xEF\xBB\xBF") {
            self.buf.drain(..3);
        }
        Ok(())
    }

    /// The first document boundary at or past [`PIECE_BYTES`], if the buffer shows one.
    fn split_point(&mut self) -> Option<usize> {
        if self.buf.len() <= PIECE_BYTES {
            return None;
        }
        let from = self.searched.max(PIECE_BYTES - 1);
        let b = &self.buf;
        for nl in memchr::memchr_iter(b'\n', &b[from..]).map(|i| from + i) {
            let line = &b[nl + 1..];
            // Too few bytes to tell a marker from a longer word: wait for more.
            if line.len() < 4 && !self.eof {
                self.searched = nl;
                return None;
            }
            let marker = |m: &[u8]| {
                line.starts_with(m) && matches!(line.get(3), None | Some(b' ' | b'\n' | b'\r'))
            };
            if marker(b"---") && !after_directive(&b[..nl]) {
                return Some(nl + 1);
            }
            if marker(b"...") {
                match memchr::memchr(b'\n', line) {
                    Some(end) => return Some(nl + 1 + end + 1),
                    None if self.eof => return None,
                    None => {
                        self.searched = nl;
                        return None;
                    }
                }
            }
        }
        self.searched = b.len();
        None
    }

    fn take(&mut self, at: usize) -> Option<Result<Piece, LoadError>> {
        // The piece keeps the buffer; what follows it starts the next one, which has room
        // for a whole piece so that it is not grown (and copied) on the way.
        let mut rest = Vec::new();
        if !self.eof || at < self.buf.len() {
            rest.reserve(self.buf.len() - at + PIECE_BYTES + READ_BYTES);
            rest.extend_from_slice(&self.buf[at..]);
        }
        self.buf.truncate(at);
        let bytes = std::mem::replace(&mut self.buf, rest);
        self.searched = 0;
        let first_line = self.line;
        let lines = line_breaks(&bytes);
        self.line = self
            .line
            .saturating_add(u32::try_from(lines).unwrap_or(u32::MAX));
        match String::from_utf8(bytes) {
            Ok(text) => Some(Ok(Piece { text, first_line })),
            Err(e) => {
                let error = utf8_error(self.file.clone(), &e, first_line);
                self.fail(error)
            }
        }
    }
}

/// How many lines `b` ends, counted as YAML (and saphyr's positions) count them: a LF, a
/// CR LF, or a CR alone.
pub(crate) fn line_breaks(b: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', b).count()
        + memchr::memchr_iter(b'\r', b)
            .filter(|&i| b.get(i + 1) != Some(&b'\n'))
            .count()
}

/// Whether the lines of `before` end in a `%` directive, with only blank and comment
/// lines after it: the `---` that follows starts the directive's document, so a split
/// there would cut the directive from it. Looks back only to the last other line.
pub(crate) fn after_directive(before: &[u8]) -> bool {
    let mut end = before.len();
    loop {
        let start = memchr::memrchr(b'\n', &before[..end]).map_or(0, |i| i + 1);
        let line = &before[start..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match line.iter().position(|&c| c != b' ') {
            // A directive begins at the line's start; blank and comment lines are skipped.
            Some(0) if line[0] == b'%' => return true,
            Some(i) if line[i] == b'#' => {}
            None => {}
            Some(_) => return false,
        }
        if start == 0 {
            return false;
        }
        end = start - 1;
    }
}

impl Iterator for Pieces<'_> {
    type Item = Result<Piece, LoadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            if !self.started && (self.buf.len() >= BINARY_SNIFF || self.eof) {
                if let Err(e) = self.start() {
                    return self.fail(e);
                }
            }
            if self.started {
                if let Some(at) = self.split_point() {
                    return self.take(at);
                }
                if self.eof {
                    self.done = true;
                    if self.buf.is_empty() {
                        return None;
                    }
                    return self.take(self.buf.len());
                }
            }
            if let Err(e) = self.fill() {
                return self.fail(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &[u8], limit: u64) -> Vec<Result<Piece, LoadError>> {
        let limits = Limits {
            max_file_bytes: limit,
            ..Limits::default()
        };
        Pieces::new(
            Arc::from("t.yaml"),
            Box::new(io::Cursor::new(text)),
            text.len() as u64,
            &limits,
        )
        .collect()
    }

    /// The pieces of `text`, every one of which must read.
    fn ok_pieces(text: &str, limit: u64) -> Vec<Piece> {
        pieces(text.as_bytes(), limit)
            .into_iter()
            .map(Result::unwrap)
            .collect()
    }

    fn doc(i: usize) -> String {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  k: '{}'\n",
            "x".repeat(200)
        )
    }

    #[test]
    fn small_inputs_are_one_piece() {
        let text = format!("{}---\n{}", doc(0), doc(1));
        let got = pieces(text.as_bytes(), 1 << 20);
        assert_eq!(
            got,
            [Ok(Piece {
                text,
                first_line: 0
            })]
        );
        assert!(pieces(b"", 10).is_empty());
    }

    #[test]
    fn large_inputs_split_at_document_markers_with_their_line_numbers() {
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(if i % 2 == 0 { "---\n" } else { "--- # c\r\n" });
            text.push_str(&doc(i));
        }
        text.push_str("...\n");
        let got = ok_pieces(&text, 1 << 30);
        assert!(got.len() > 2, "{}", got.len());
        let joined: String = got.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, text);
        let mut line = 0;
        for p in &got {
            assert_eq!(p.first_line, line);
            assert!(p.text.starts_with("---"), "{:?}", &p.text[..10]);
            line += p.text.matches('\n').count() as u32;
        }
        for p in &got[..got.len() - 1] {
            assert!(p.text.len() >= PIECE_BYTES);
            assert!(p.text.len() < PIECE_BYTES + 2 * doc(0).len());
        }
    }

    #[test]
    fn a_document_end_marker_is_a_split_point_after_its_line() {
        let mut text = String::new();
        for i in 0..1000 {
            text.push_str(&doc(i));
            text.push_str("...\n%YAML 1.1\n---\n");
        }
        let got = ok_pieces(&text, 1 << 30);
        assert!(got.len() > 1);
        for p in &got[1..] {
            assert!(
                p.text.starts_with("%YAML 1.1\n---\n"),
                "{:?}",
                &p.text[..20]
            );
        }
        for p in &got[..got.len() - 1] {
            assert!(p.text.ends_with("...\n"));
        }
    }

    #[test]
    fn a_piece_counts_a_lone_cr_as_a_line_as_saphyr_does() {
        // Found by the manifest fuzz target: positions in the pieces after a lone CR were
        // a line short of those the whole file gives.
        let pad = format!("#{}\n", "x".repeat(PIECE_BYTES));
        let text = format!("{pad}a: 1\rb: 2\r\n---\nkind: Pod\n");
        let got = ok_pieces(&text, 1 << 20);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].first_line, 3);
    }

    #[test]
    fn a_document_is_not_cut_from_its_directives() {
        // Found by the manifest fuzz target: a split at the `---` after a directive left
        // the directive at the end of the piece before, which alone is not YAML.
        let pad = format!("#{}\n", "x".repeat(PIECE_BYTES));
        for directives in [
            "%YAML 1.2\n",
            "%YAML 1.2\n# c\n\n",
            "%TAG !e! tag:e.com,2000:\r\n",
        ] {
            let text = format!("{pad}{directives}--- !e!x {{kind: Pod}}\n---\nkind: Pod\n");
            let got = ok_pieces(&text, 1 << 20);
            assert_eq!(got.len(), 2, "{directives:?}");
            assert!(got[0].text.ends_with("{kind: Pod}\n"), "{directives:?}");
            assert_eq!(got[1].text, "---\nkind: Pod\n");
        }
        // A `%` that does not begin its line is no directive.
        let text = format!("{pad}a: ' %x'\n---\nkind: Pod\n");
        assert_eq!(pieces(text.as_bytes(), 1 << 20).len(), 2);
    }

    #[test]
    fn one_huge_document_is_one_piece() {
        let text = format!("data:\n{}", "  k: v\n".repeat(100_000));
        assert_eq!(pieces(text.as_bytes(), 1 << 30).len(), 1);
    }

    #[test]
    fn limits_binary_bom_and_utf8_are_checked_as_bytes_arrive() {
        let big = doc(0).repeat(1000);
        let got = pieces(big.as_bytes(), 1000);
        assert_eq!(got.len(), 1);
        let e = got[0].as_ref().unwrap_err();
        assert!(
            e.message.starts_with("file is larger than 1000 bytes"),
            "{e}"
        );

        let got = pieces(b"kind: Pod\n\0", 1 << 20);
        assert_eq!(
            got[0].as_ref().unwrap_err().message,
            "binary file, not a manifest"
        );

        let got = pieces(b"\xEF\xBB\xBFkind: Pod\n", 1 << 20);
        assert_eq!(got[0].as_ref().unwrap().text, "kind: Pod\n");

        // Bad UTF-8 in a later piece: the earlier pieces, then the error at its line.
        let mut text = String::new();
        for i in 0..1000 {
            text.push_str("---\n");
            text.push_str(&doc(i));
        }
        let lines = text.matches('\n').count() as u32;
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(b"---\nkind: \xff\n");
        let got = pieces(&bytes, 1 << 30);
        let e = got.last().unwrap().as_ref().unwrap_err();
        assert_eq!(e.message, "not valid UTF-8 text");
        assert_eq!(e.pos.map(|p| (p.line, p.col)), Some((lines + 2, 7)));
        assert!(got[..got.len() - 1].iter().all(Result::is_ok));
    }

    #[test]
    fn pieces_parse_to_what_the_whole_file_parses_to() {
        let file: Arc<str> = Arc::from("t.yaml");
        let limits = Limits::default();
        let mut text = String::new();
        for i in 0..4000 {
            // The fast path, saphyr (a flow mapping with content), a List, a bad document.
            text.push_str(&match i % 4 {
                0 => doc(i),
                1 => format!("kind: Pod\napiVersion: v1\nmetadata: {{name: p{i}}}\n"),
                2 => format!(
                    "apiVersion: v1\nkind: List\nitems:\n- {{apiVersion: v1, kind: Pod, \
                     metadata: {{name: l{i}}}}}\n"
                ),
                _ => "- not an object\n".to_owned(),
            });
            text.push_str("---\n");
        }
        let whole = crate::parse_documents(&file, &text, &limits);
        let mut pieced = Vec::new();
        let mut count = 0;
        for piece in Pieces::new(
            file.clone(),
            Box::new(io::Cursor::new(text.as_bytes())),
            0,
            &limits,
        ) {
            let piece = piece.unwrap();
            count += 1;
            let parsed = crate::parse_piece(&file, &piece.text, piece.first_line, &limits);
            assert!(!parsed.stopped);
            pieced.extend(parsed.documents);
        }
        assert!(count > 2, "{count}");
        assert_eq!(format!("{pieced:?}"), format!("{whole:?}"));

        // A syntax error stops the piece it is in, and says so.
        let text = format!("{}---\nb: [\n---\n{}", doc(0), doc(1));
        let parsed = crate::parse_piece(&file, &text, 40, &limits);
        assert!(parsed.stopped);
        assert_eq!(parsed.documents.len(), 2, "{:?}", parsed.documents);
        assert_eq!(parsed.documents[0].as_ref().unwrap().pos.line, 41);
        let e = parsed.documents[1].as_ref().unwrap_err();
        assert!(e.pos.is_some_and(|p| p.line >= 48), "{e}");
    }

    #[test]
    fn held_sources_are_read_once_in_chunks_and_within_the_limit() {
        let text: String = (0..12_000).map(|i| format!("---\n{}", doc(i))).collect();
        assert!(text.len() as u64 > 2 * HOLD_CHUNK);
        let input = Input::File("pipe".into());
        let limits = Limits::default();
        let source = Source {
            input: input.clone(),
            kind: hold(&input, io::Cursor::new(text.as_bytes()), &limits),
        };
        let Kind::Held(chunks) = &source.kind else {
            panic!("not held: {:?}", source.kind);
        };
        let expected = (text.len() as u64).div_ceil(HOLD_CHUNK) as usize;
        assert_eq!(chunks.len(), expected);
        assert!(chunks.iter().all(|c| c.len() as u64 <= HOLD_CHUNK));
        // Both passes read the same bytes.
        for _ in 0..2 {
            let joined: String = source
                .pieces(&limits)
                .unwrap()
                .map(|p| p.unwrap().text)
                .collect();
            assert_eq!(joined, text);
        }
        let small = Limits {
            max_file_bytes: HOLD_CHUNK + 10,
            ..Limits::default()
        };
        let Kind::Failed(e) = hold(&input, io::Cursor::new(text.as_bytes()), &small) else {
            panic!("read past the limit");
        };
        assert!(e.message.starts_with("file is larger than"), "{e}");
    }
}
