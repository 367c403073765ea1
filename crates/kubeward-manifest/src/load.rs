//! Inputs: files, directories and standard input.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::{Limits, LoadError, Pos};

/// One thing to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
}

impl Input {
    /// The name findings are reported under.
    pub fn name(&self) -> Arc<str> {
        match self {
            Input::File(p) => Arc::from(p.to_string_lossy().as_ref()),
            Input::Stdin => Arc::from("<stdin>"),
        }
    }
}

/// Bytes inspected for NUL when telling binary files from text (as git and grep do).
const BINARY_SNIFF: usize = 8 * 1024;

/// Expands command-line paths into inputs: `-` is stdin, a file is itself (whatever its
/// extension), a directory is every `.yaml`, `.yml` and `.json` file below it, sorted.
/// A path that does not exist is an error, and the other paths are still expanded.
/// Symlinks to files below a directory are followed; symlinks to directories are not,
/// so a link cycle cannot make the walk endless.
pub fn discover(paths: &[PathBuf]) -> (Vec<Input>, Vec<LoadError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                let mut found = Vec::new();
                walk(path, &mut found, &mut errors);
                found.sort();
                inputs.extend(found.into_iter().map(Input::File));
            }
            Ok(_) => inputs.push(Input::File(path.clone())),
            Err(e) => errors.push(io_error(path, &e)),
        }
    }
    (inputs, errors)
}

fn walk(root: &Path, found: &mut Vec<PathBuf>, errors: &mut Vec<LoadError>) {
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                errors.push(io_error(&dir, &e));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    errors.push(io_error(&dir, &e));
                    continue;
                }
            };
            let path = entry.path();
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                dirs.push(path);
            } else if is_manifest_name(&path) {
                // A dangling symlink or a link to a directory is not a manifest.
                let is_file = ft.is_file() || fs::metadata(&path).is_ok_and(|m| m.is_file());
                if is_file {
                    found.push(path);
                }
            }
        }
    }
}

fn is_manifest_name(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["yaml", "yml", "json"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

fn io_error(path: &Path, e: &io::Error) -> LoadError {
    let message = match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        _ => e.to_string(),
    };
    LoadError {
        file: Arc::from(path.to_string_lossy().as_ref()),
        pos: None,
        message,
    }
}

/// Reads one input as UTF-8 text within `limits.max_file_bytes`, never holding more
/// than one byte past the limit. A UTF-8 byte order mark is dropped.
pub fn read_input(input: &Input, limits: &Limits) -> Result<String, LoadError> {
    let file = input.name();
    let fail = |pos: Option<Pos>, message: String| LoadError {
        file: file.clone(),
        pos,
        message,
    };
    let cap = limits.max_file_bytes.saturating_add(1);
    let mut buf = Vec::new();
    let read = match input {
        Input::Stdin => io::stdin().lock().take(cap).read_to_end(&mut buf),
        Input::File(path) => {
            let f = fs::File::open(path).map_err(|e| io_error(path, &e))?;
            let meta = f.metadata().map_err(|e| io_error(path, &e))?;
            if meta.is_dir() {
                return Err(fail(None, "is a directory".to_owned()));
            }
            let hint = meta.len().min(cap);
            buf.reserve(usize::try_from(hint).unwrap_or(0));
            f.take(cap).read_to_end(&mut buf)
        }
    };
    read.map_err(|e| fail(None, e.to_string()))?;
    if buf.len() as u64 > limits.max_file_bytes {
        return Err(fail(
            None,
            format!(
                "file is larger than {}; split it or raise --max-file-size",
                human_size(limits.max_file_bytes)
            ),
        ));
    }
    let sniff = buf.get(..BINARY_SNIFF).unwrap_or(&buf);
    if memchr::memchr(0, sniff).is_some() {
        return Err(fail(None, "binary file, not a manifest".to_owned()));
    }
    if buf.starts_with(b"\xEF\xBB\xBF") {
        buf.drain(..3);
    }
    String::from_utf8(buf).map_err(|e| {
        let bytes = e.as_bytes();
        let valid = e.utf8_error().valid_up_to();
        let before = bytes.get(..valid).unwrap_or_default();
        let line = memchr::memchr_iter(b'\n', before).count() + 1;
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        let col = before
            .get(line_start..)
            .map_or(0, |l| String::from_utf8_lossy(l).chars().count())
            + 1;
        let pos = Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: u32::try_from(col).unwrap_or(u32::MAX),
        };
        fail(Some(pos), "not valid UTF-8 text".to_owned())
    })
}

fn human_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Whether `text` may hold a `Namespace` object: a cheap substring test that lets a
/// caller pre-scan files for namespaces without parsing everything twice. False
/// positives are fine; a file holding a Namespace never answers false.
pub fn may_contain_namespace(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"Namespace").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_named_in_the_largest_whole_unit() {
        assert_eq!(human_size(64 * 1024 * 1024), "64 MiB");
        assert_eq!(human_size(3 * 1024), "3 KiB");
        assert_eq!(human_size(1000), "1000 bytes");
        assert_eq!(human_size(1024 * 1024 + 1), "1048577 bytes");
    }

    #[test]
    fn namespace_prescan() {
        assert!(may_contain_namespace("kind: Namespace\n"));
        assert!(!may_contain_namespace("metadata:\n  namespace: x\n"));
    }
}
