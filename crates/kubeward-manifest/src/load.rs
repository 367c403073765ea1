//! Inputs: files, directories and standard input.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::{Limits, LoadError, Pos};

/// One thing to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A file or a directory to walk, as named on the command line.
    File(PathBuf),
    /// Standard input (`-`), reported as `<stdin>`.
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
pub(crate) const BINARY_SNIFF: usize = 8 * 1024;

/// Most directories one walk enters. Symlinks are followed, so a tree of links that lead to
/// the same directories many times over (not a loop, which is caught) could otherwise make
/// the walk exponential.
const MAX_WALK_DIRS: usize = 1_000_000;

/// Expands command-line paths into inputs: `-` is stdin, a file is itself (whatever its
/// extension or type: a named pipe or `/dev/stdin` is read as a stream), a directory is
/// every `.yaml`, `.yml` and `.json` file below it, in name order.
///
/// A path that does not exist is an error, and the other paths are still expanded. In a
/// directory, symlinks are followed (to files and to directories); a link that leads back
/// to a directory it is inside of, a dangling link with a manifest name, a named pipe,
/// socket or device with a manifest name (reading a pipe nobody writes to would wait for
/// ever), and a directory that cannot be read are each one error naming the path, and the
/// rest of the tree is still walked. Other names are not manifests and are passed over.
pub fn discover(paths: &[PathBuf]) -> (Vec<Input>, Vec<LoadError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match fs::metadata(path) {
            Ok(m) if m.is_dir() => walk(path, &mut inputs, &mut errors),
            Ok(_) => inputs.push(Input::File(path.clone())),
            Err(e) => errors.push(io_error(path, &e)),
        }
    }
    (inputs, errors)
}

fn walk(root: &Path, found: &mut Vec<Input>, errors: &mut Vec<LoadError>) {
    let mut dirs = 0usize;
    let entries = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                if let Some(error) = walk_error(&e) {
                    errors.push(error);
                }
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_dir() {
            dirs += 1;
            if dirs > MAX_WALK_DIRS {
                errors.push(skipped(
                    root,
                    format!(
                        "stopped walking after {MAX_WALK_DIRS} directories (symlinks that lead \
                         to the same directories many times?)"
                    ),
                ));
                return;
            }
            continue;
        }
        if !is_manifest_name(entry.path()) {
            continue;
        }
        if ft.is_file() {
            found.push(Input::File(entry.into_path()));
        } else {
            errors.push(skipped(
                entry.path(),
                format!(
                    "skipped: {} in a directory is not read; name it on the command line to \
                     read it",
                    special_file(&ft)
                ),
            ));
        }
    }
}

/// The error for an entry the walk could not follow, or `None` for a broken link whose
/// name says it is not a manifest.
fn walk_error(e: &walkdir::Error) -> Option<LoadError> {
    let path = e.path()?;
    if let Some(ancestor) = e.loop_ancestor() {
        return Some(skipped(
            path,
            format!(
                "skipped: symlink loop: it leads back to {}, which is being scanned",
                ancestor.display()
            ),
        ));
    }
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link && e.depth() > 0 {
        if !is_manifest_name(path) {
            return None;
        }
        let why = match e.io_error() {
            Some(io) if io.kind() == io::ErrorKind::NotFound => {
                "dangling symlink (its target does not exist)".to_owned()
            }
            Some(io) => format!("cannot follow the symlink: {io}"),
            None => "cannot follow the symlink".to_owned(),
        };
        return Some(skipped(path, format!("skipped: {why}")));
    }
    Some(match e.io_error() {
        Some(io) => io_error(path, io),
        None => skipped(path, e.to_string()),
    })
}

fn skipped(path: &Path, message: String) -> LoadError {
    LoadError {
        file: Arc::from(path.to_string_lossy().as_ref()),
        pos: None,
        message,
        duplicate: None,
    }
}

#[cfg(unix)]
fn special_file(ft: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "a named pipe (FIFO)"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_file(_: &fs::FileType) -> &'static str {
    "a special file"
}

/// The file name of kubeward's project configuration. A directory walk does not read it
/// as a manifest; named on the command line, it is read like any file.
pub const PROJECT_CONFIG: &str = ".kubeward.yaml";

fn is_manifest_name(path: &Path) -> bool {
    if path.file_name().is_some_and(|n| n == PROJECT_CONFIG) {
        return false;
    }
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["yaml", "yml", "json"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

pub(crate) fn io_error(path: &Path, e: &io::Error) -> LoadError {
    let message = match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        _ => e.to_string(),
    };
    LoadError {
        file: Arc::from(path.to_string_lossy().as_ref()),
        pos: None,
        message,
        duplicate: None,
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
        duplicate: None,
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
        return Err(too_large(file, limits));
    }
    let sniff = buf.get(..BINARY_SNIFF).unwrap_or(&buf);
    if memchr::memchr(0, sniff).is_some() {
        return Err(fail(None, "binary file, not a manifest".to_owned()));
    }
    if buf.starts_with(b"\xEF\xBB\xBF") {
        buf.drain(..3);
    }
    String::from_utf8(buf).map_err(|e| utf8_error(file, &e, 0))
}

pub(crate) fn too_large(file: Arc<str>, limits: &Limits) -> LoadError {
    LoadError {
        file,
        pos: None,
        message: format!(
            "file is larger than {}; split it or raise --max-file-size",
            human_size(limits.max_file_bytes)
        ),
        duplicate: None,
    }
}

/// Where text stops being UTF-8, for text whose first line is line `first_line + 1`.
pub(crate) fn utf8_error(
    file: Arc<str>,
    e: &std::string::FromUtf8Error,
    first_line: u32,
) -> LoadError {
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
        line: u32::try_from(line)
            .unwrap_or(u32::MAX)
            .saturating_add(first_line),
        col: u32::try_from(col).unwrap_or(u32::MAX),
    };
    LoadError {
        file,
        pos: Some(pos),
        message: "not valid UTF-8 text".to_owned(),
        duplicate: None,
    }
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
///
/// Besides the word itself, a double-quoted escape that can stand for a letter (`\x`,
/// `\u`, `\U`, in YAML and JSON) or join two lines (a `\` at a line's end) answers true:
/// `kind: "Namespac\u0065"` is a Namespace without the word in the text.
pub fn may_contain_namespace(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memmem::find(b, b"Namespace").is_some() || has_letter_escape(b)
}

/// Whether `text` may hold an object of one of `kinds`: one of them as a whole word (not
/// inside a longer name, so `automountServiceAccountToken` is not a ServiceAccount), or an
/// escape that may spell one, as in [`may_contain_namespace`]. False positives are fine; a
/// text holding such an object never answers false.
pub fn may_contain_kind(text: &str, kinds: &[&str]) -> bool {
    let b = text.as_bytes();
    let word = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
    kinds.iter().any(|kind| {
        memchr::memmem::find_iter(b, kind.as_bytes()).any(|at| {
            let before = at.checked_sub(1).and_then(|i| b.get(i));
            !word(before) && !word(b.get(at + kind.len()))
        })
    }) || has_letter_escape(b)
}

/// A double-quoted escape that can stand for a letter (`\x`, `\u`, `\U`) or join two
/// lines (a `\` at a line's end).
fn has_letter_escape(b: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', b)
        .any(|i| matches!(b.get(i + 1), Some(b'x' | b'u' | b'U' | b'\n' | b'\r')))
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
    fn kind_prescan_matches_whole_words_and_escapes() {
        let kinds = ["ServiceAccount", "Role", "ClusterRole"];
        assert!(may_contain_kind("kind: ServiceAccount\n", &kinds));
        assert!(may_contain_kind("{\"kind\":\"Role\"}", &kinds));
        assert!(may_contain_kind("kind: ClusterRole", &kinds));
        assert!(may_contain_kind("kind: \"ServiceAccoun\\u0074\"\n", &kinds));
        assert!(!may_contain_kind(
            "automountServiceAccountToken: false\n",
            &kinds
        ));
        assert!(!may_contain_kind(
            "kind: RoleBinding\nroleRef: {kind: Roles}\n",
            &kinds
        ));
        assert!(!may_contain_kind("serviceAccountName: app\n", &kinds));
    }

    #[test]
    fn namespace_prescan() {
        assert!(may_contain_namespace("kind: Namespace\n"));
        assert!(!may_contain_namespace("metadata:\n  namespace: x\n"));
        assert!(!may_contain_namespace(
            "data:\n  re: \"a\\\\d+\\\\.\\\\s\"\n"
        ));
    }

    #[test]
    fn namespace_prescan_sees_escapes_that_spell_it() {
        // Found by the manifest fuzz target: each of these is a Namespace for the scan.
        for text in [
            "kind: \"Namespac\\u0065\"\n",
            "kind: \"Namespac\\x65\"\n",
            "kind: \"\\U0000004Eamespace\"\n",
            "kind: \"Names\\\n  pace\"\n",
            "{\"kind\": \"\\u004eamespace\"}",
        ] {
            assert!(may_contain_namespace(text), "{text}");
        }
    }
}
