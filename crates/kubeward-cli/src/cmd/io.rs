//! One input read as text, and JSON written to standard output: shared by the commands
//! that check one file at a time (`audit-policy`, `seccomp`).

use std::io::{self, Write};
use std::path::Path;

use kubeward_manifest::{Input, Limits, read_input};

/// Reads a file, or standard input for `-`, within `limits`.
pub(crate) fn read_text(path: &Path, limits: &Limits) -> anyhow::Result<String> {
    let input = if path == Path::new("-") {
        Input::Stdin
    } else {
        Input::File(path.to_path_buf())
    };
    read_input(&input, limits).map_err(|e| {
        let fix = if e.message.contains("--max-file-size") {
            "pass a larger --max-file-size"
        } else {
            "check the path and that it is UTF-8 text"
        };
        anyhow::anyhow!("reading {e} (fix: {fix})")
    })
}

/// Writes `value` as pretty JSON and a newline.
pub(crate) fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}
