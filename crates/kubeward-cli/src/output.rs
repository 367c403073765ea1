//! Output formats. Each receives the scan's events in input order as they happen and the
//! summary at the end, so none of them needs the whole scan in memory.

pub mod escape;
pub mod json;
pub mod sarif;
pub mod text;

use std::io::{self, Write};

use serde::Serialize;

use crate::args::ScanArgs;
use crate::format::Format;
use crate::scan::model::{Event, Summary};

pub trait Output {
    fn event(&mut self, event: &Event) -> io::Result<()>;
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
    /// Pushes what has been written to the terminal or pipe, between chunks of files.
    fn flush(&mut self) -> io::Result<()>;
}

/// Most errors the machine-readable formats list; errors come after the streamed results
/// there, so they are held until the end and must be bounded. The summary counts them all.
pub const MAX_LISTED_ERRORS: usize = 10_000;

/// Ends a streamed JSON document whose results array is still open: closes the array,
/// writes the members `"first":…,"second":…` and then `close` (the brackets still open),
/// and flushes.
pub fn end_document<A: Serialize + ?Sized, B: Serialize + ?Sized>(
    out: &mut impl Write,
    first: (&str, &A),
    second: (&str, &B),
    close: &str,
) -> io::Result<()> {
    write!(out, "\n],\"{}\":", first.0)?;
    serde_json::to_writer(&mut *out, first.1)?;
    write!(out, ",\"{}\":", second.0)?;
    serde_json::to_writer(&mut *out, second.1)?;
    writeln!(out, "{close}")?;
    out.flush()
}

pub fn open(args: &ScanArgs) -> io::Result<Box<dyn Output>> {
    let stdout = || io::BufWriter::new(io::stdout().lock());
    Ok(match args.format {
        Format::Text => Box::new(text::TextOutput::new(args.color.into(), args.quiet)),
        Format::Json => Box::new(json::JsonOutput::new(stdout())?),
        Format::Sarif => Box::new(sarif::SarifOutput::new(stdout())?),
    })
}

/// Whether an error is, or was caused by, a write to a closed pipe. serde_json wraps the
/// I/O errors of its writer in its own type, so that is looked into too.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .map(io::Error::kind)
            .or_else(|| {
                cause
                    .downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            })
            == Some(io::ErrorKind::BrokenPipe)
    })
}

/// `namespace/name`, as kubectl names objects.
pub fn object_name(namespace: Option<&str>, name: Option<&str>) -> String {
    let name = name.unwrap_or("<unnamed>");
    match namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_owned(),
    }
}
