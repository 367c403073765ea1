//! Control characters in text output, made visible.
//!
//! Manifests, kubeconfigs, rules and audit events are written by whoever wrote them; an ESC,
//! BEL or CR in a value would otherwise reach the terminal showing the report, where it can
//! recolour or retitle it, ring it, or with a CR overwrite what the operator reads. Every
//! text output goes through [`escape_into`]: per value with [`escaped`] where the output
//! adds colours of its own, or whole with [`Escaping`] where it adds none. JSON and SARIF
//! need neither: their encoder escapes control characters itself.

use std::fmt;
use std::io;

/// Whether `c` is written escaped: C0 controls, DEL and C1 controls; tab and line feed
/// only when `keep_lines` is false.
fn is_escaped(c: char, keep_lines: bool) -> bool {
    match c {
        '\t' | '\n' => !keep_lines,
        _ => c.is_control(),
    }
}

/// Writes `s` with every control character escaped: `\r`, `\n`, `\t` by name, other C0
/// controls and DEL as `\xHH`, C1 controls as `\u{HH}`. With `keep_lines`, tabs and line
/// feeds are written as they are, for text whose lines are its own.
pub fn escape_into(out: &mut impl fmt::Write, s: &str, keep_lines: bool) -> fmt::Result {
    let mut plain = 0;
    for (i, c) in s.char_indices() {
        if !is_escaped(c, keep_lines) {
            continue;
        }
        out.write_str(&s[plain..i])?;
        plain = i + c.len_utf8();
        match c {
            '\r' => out.write_str("\\r")?,
            '\n' => out.write_str("\\n")?,
            '\t' => out.write_str("\\t")?,
            c if (c as u32) < 0x80 => write!(out, "\\x{:02x}", c as u32)?,
            c => write!(out, "\\u{{{:x}}}", c as u32)?,
        }
    }
    out.write_str(&s[plain..])
}

/// One value for a text report, control characters (line breaks included) escaped.
pub struct Escaped<'a>(&'a str);

pub fn escaped(s: &str) -> Escaped<'_> {
    Escaped(s)
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        escape_into(f, self.0, false)
    }
}

/// A writer for text that has no terminal sequences of its own: control characters other
/// than tab and line feed are escaped on the way through. Bytes that are not UTF-8 pass
/// as they are; a character split between two writes is put back together first.
pub struct Escaping<W: io::Write> {
    inner: W,
    /// The start of a character whose end has not been written yet.
    partial: Vec<u8>,
}

impl<W: io::Write> Escaping<W> {
    pub fn new(inner: W) -> Self {
        Escaping {
            inner,
            partial: Vec::new(),
        }
    }

    fn write_text(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut rest = bytes;
        while !rest.is_empty() {
            match std::str::from_utf8(rest) {
                Ok(text) => return self.write_str(text),
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    // Checked by from_utf8 just above.
                    self.write_str(std::str::from_utf8(valid).unwrap_or_default())?;
                    match e.error_len() {
                        Some(bad) => {
                            self.inner.write_all(&after[..bad])?;
                            rest = &after[bad..];
                        }
                        None => {
                            self.partial.extend_from_slice(after);
                            return Ok(());
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn write_str(&mut self, text: &str) -> io::Result<()> {
        if !text.chars().any(|c| is_escaped(c, true)) {
            return self.inner.write_all(text.as_bytes());
        }
        let mut out = String::with_capacity(text.len() + 16);
        // Writing into a String cannot fail.
        let _ = escape_into(&mut out, text, true);
        self.inner.write_all(out.as_bytes())
    }
}

impl<W: io::Write> io::Write for Escaping<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.partial.is_empty() {
            self.write_text(buf)?;
        } else {
            let mut joined = std::mem::take(&mut self.partial);
            joined.extend_from_slice(buf);
            self.write_text(&joined)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.partial.is_empty() {
            let partial = std::mem::take(&mut self.partial);
            self.inner.write_all(&partial)?;
        }
        self.inner.flush()
    }
}

/// Standard output for a plain-text report.
pub fn stdout() -> Escaping<io::StdoutLock<'static>> {
    Escaping::new(io::stdout().lock())
}

/// Standard error for messages that quote their input.
pub fn stderr() -> Escaping<io::StderrLock<'static>> {
    Escaping::new(io::stderr().lock())
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    #[test]
    fn values_show_every_control_character() {
        assert_eq!(escaped("plain é ✓").to_string(), "plain é ✓");
        assert_eq!(
            escaped("a\x1b[31mb\x07c\rd\ne\tf\x7f\u{9b}g\0").to_string(),
            "a\\x1b[31mb\\x07c\\rd\\ne\\tf\\x7f\\u{9b}g\\x00"
        );
    }

    #[test]
    fn the_writer_keeps_lines_and_tabs_and_joins_split_characters() {
        let mut w = Escaping::new(Vec::new());
        w.write_all(b"a\tb\nc\x1b]0;title\x07\r").unwrap();
        let c1 = "\u{9b}".as_bytes();
        w.write_all(&c1[..1]).unwrap();
        w.write_all(&c1[1..]).unwrap();
        w.write_all("é\n".as_bytes()).unwrap();
        w.write_all(b"\xff!").unwrap();
        w.flush().unwrap();
        assert_eq!(
            w.inner,
            b"a\tb\nc\\x1b]0;title\\x07\\r\\u{9b}\xc3\xa9\n\xff!".to_vec()
        );
    }
}
