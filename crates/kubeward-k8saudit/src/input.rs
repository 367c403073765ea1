//! Where audit events come from: files, directories (their files, oldest first, as the
//! plugin orders them), stdin, and a log file followed as it grows (`tail -F`: it
//! survives rotation and truncation).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::reader::{Events, Handler, Record, Splitter};

/// One input named on the command line, after directory expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input, named `-` on the command line.
    Stdin,
    /// A file named on the command line or found in a named directory.
    File(PathBuf),
}

impl Input {
    /// The name used in messages.
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".into(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

/// Errors opening or reading inputs.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// An input could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The input's name as in messages (`<stdin>` for standard input).
        path: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// The input starts like compressed data (holds its name and the format, e.g. `gzip`).
    #[error("{0}: looks binary ({1}-compressed data); compressed logs must be decompressed first")]
    Binary(String, &'static str),
}

/// Expands paths: `-` is stdin, a directory gives its regular files (not recursive,
/// hidden files skipped) ordered by modification time then name, so that rotated logs
/// (`audit-…log` before `audit.log`) replay in order.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<Input>, InputError> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        let io_err = |source| InputError::Io {
            path: p.display().to_string(),
            source,
        };
        let meta = std::fs::metadata(p).map_err(io_err)?;
        if !meta.is_dir() {
            out.push(Input::File(p.clone()));
            continue;
        }
        let mut files = Vec::new();
        for entry in std::fs::read_dir(p).map_err(io_err)? {
            let entry = entry.map_err(io_err)?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let meta = entry.metadata().map_err(io_err)?;
            if meta.is_file() {
                files.push((meta.modified().ok(), entry.path()));
            }
        }
        files.sort();
        out.extend(files.into_iter().map(|(_, path)| Input::File(path)));
    }
    Ok(out)
}

const CHUNK: usize = 256 << 10;

/// The compression a file starts with, if any: such a file is refused whole, where
/// other binary content is read line by line and reported as unreadable records.
fn compression(start: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 4] = [
        (b"\x1f\x8b", "gzip"),
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"\xfd7zXZ\x00", "xz"),
        (b"BZh", "bzip2"),
    ];
    MAGIC
        .iter()
        .find(|(m, _)| start.starts_with(m))
        .map(|(_, name)| *name)
}

/// Reads one input to its end, audit events to `sink`.
pub fn read_to_end(input: &Input, sink: &mut dyn FnMut(Record<'_, '_>)) -> Result<(), InputError> {
    read_with(input, &mut Events(sink))
}

/// Reads one input to its end through `handler` (see [`crate::reader`]).
pub fn read_with(input: &Input, handler: &mut dyn Handler) -> Result<(), InputError> {
    let reader: Box<dyn Read> = match input {
        Input::Stdin => Box::new(io::stdin().lock()),
        Input::File(p) => Box::new(File::open(p).map_err(|source| InputError::Io {
            path: input.name(),
            source,
        })?),
    };
    read_from(&input.name(), reader, handler)
}

/// Reads an input already opened (named `name` in messages) to its end through
/// `handler`: for callers that look at an input's first bytes before choosing a reader.
pub fn read_from(
    name: &str,
    mut reader: impl Read,
    handler: &mut dyn Handler,
) -> Result<(), InputError> {
    let io_err = |source| InputError::Io {
        path: name.to_owned(),
        source,
    };
    let mut split = Splitter::new();
    let mut buf = vec![0u8; CHUNK];
    let mut first = true;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err(e)),
        };
        let data = buf.get(..n).unwrap_or(&[]);
        if first && let Some(kind) = compression(data) {
            return Err(InputError::Binary(name.to_owned(), kind));
        }
        first = false;
        split.push(data, handler);
    }
    split.finish(handler);
    Ok(())
}

/// How [`follow`] polls.
#[derive(Debug, Clone, Copy)]
pub struct FollowOptions {
    /// How long to sleep between checks for new data or a rotated file (default 250 ms).
    pub poll: Duration,
    /// Stop after this long without new data (`None`: never).
    pub idle_timeout: Option<Duration>,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            poll: Duration::from_millis(250),
            idle_timeout: None,
        }
    }
}

/// Reads `path` from its start and keeps reading as it grows, like `tail -F`: when the
/// path is replaced (rotation) the old file is drained and the new one read from its
/// start; when the file shrinks (truncation) reading restarts at its start. A missing
/// path is waited for. Returns when `stop()` says so or the idle timeout passes.
pub fn follow(
    path: &Path,
    opts: FollowOptions,
    stop: &dyn Fn() -> bool,
    sink: &mut dyn FnMut(Record<'_, '_>),
) -> Result<(), InputError> {
    follow_with(path, opts, stop, &mut Events(sink))
}

/// [`follow`] through `handler` (see [`crate::reader`]).
pub fn follow_with(
    path: &Path,
    opts: FollowOptions,
    stop: &dyn Fn() -> bool,
    sink: &mut dyn Handler,
) -> Result<(), InputError> {
    let name = path.display().to_string();
    let io_err = |source| InputError::Io {
        path: name.clone(),
        source,
    };
    let mut current: Option<(File, FileId, u64)> = None;
    let mut framer = Splitter::new();
    let mut buf = vec![0u8; CHUNK];
    let mut last_data = Instant::now();
    loop {
        if current.is_none()
            && let Ok(f) = File::open(path)
        {
            let id = FileId::of(&f.metadata().map_err(io_err)?);
            current = Some((f, id, 0));
            framer = Splitter::new();
        }
        let mut got = false;
        if let Some((file, id, pos)) = current.as_mut() {
            // Truncated in place: start over.
            if file.metadata().map(|m| m.len()).unwrap_or(0) < *pos {
                file.seek(SeekFrom::Start(0)).map_err(io_err)?;
                *pos = 0;
                framer.finish(sink);
                framer = Splitter::new();
            }
            loop {
                match file.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        *pos += n as u64;
                        got = true;
                        framer.push(buf.get(..n).unwrap_or(&[]), sink);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(io_err(e)),
                }
            }
            // Rotated: the path now names another file (or none yet). The old one is
            // drained above; switch once the new one exists.
            let replaced = match std::fs::metadata(path) {
                Ok(m) => FileId::of(&m) != *id,
                Err(_) => false,
            };
            if replaced {
                framer.finish(sink);
                current = None;
                continue;
            }
        }
        if got {
            last_data = Instant::now();
        }
        if stop() {
            break;
        }
        if let Some(limit) = opts.idle_timeout
            && last_data.elapsed() >= limit
        {
            break;
        }
        if !got {
            std::thread::sleep(opts.poll);
        }
    }
    framer.finish(sink);
    Ok(())
}

/// A file's identity, to notice that a path was replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId(u64, u64);

impl FileId {
    #[cfg(unix)]
    fn of(m: &std::fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId(m.dev(), m.ino())
    }
    #[cfg(not(unix))]
    fn of(m: &std::fs::Metadata) -> FileId {
        // Without inode numbers, creation time stands in for identity.
        let t = m
            .created()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        FileId(
            t.map_or(0, |d| d.as_secs()),
            t.map_or(0, |d| u64::from(d.subsec_nanos())),
        )
    }
}
