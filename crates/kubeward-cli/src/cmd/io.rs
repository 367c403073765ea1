//! One input read as text, and the one JSON document writer every command uses.

use std::io::{self, Write};
use std::path::Path;

use kubeward_manifest::{Input, Limits, read_input};

/// An input that could not be read, and how to fix that.
#[derive(Debug)]
pub(crate) struct ReadError {
    message: String,
    hint: &'static str,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl kubeward_report::Hint for ReadError {
    fn hint(&self) -> &str {
        self.hint
    }
}

impl From<ReadError> for anyhow::Error {
    fn from(e: ReadError) -> Self {
        crate::hint::error(&e)
    }
}

/// Reads a file, or standard input for `-`, within `limits`.
pub(crate) fn read_text(path: &Path, limits: &Limits) -> Result<String, ReadError> {
    let input = if path == Path::new("-") {
        Input::Stdin
    } else {
        Input::File(path.to_path_buf())
    };
    read_input(&input, limits).map_err(|e| ReadError {
        hint: if e.message.contains("--max-file-size") {
            "pass a larger --max-file-size"
        } else {
            "check the path and that it is UTF-8 text"
        },
        message: format!("reading {e}"),
    })
}

/// Writes `value` as pretty JSON and a newline to standard output.
pub(crate) fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    write_json(&mut out, value)?;
    out.flush()?;
    Ok(())
}

/// The one writer for a command's JSON document: pretty-printed, a newline after it.
/// (Streams stay one object per line: `scan`, `detect` alerts, `audit-policy filter`.)
pub(crate) fn write_json(
    out: &mut (impl Write + ?Sized),
    value: &impl serde::Serialize,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}
