//! Go's `fmt` renderings that upstream messages are built from, reproduced exactly because
//! kubeward's messages are compared word for word with what the API server and the
//! admission controllers print. Used by the Pod Security Standards checks
//! ([`crate::standards`]) and the PodSecurityPolicy field errors ([`crate::psp::field`]).

use std::fmt::Write;

/// Go's `strconv.Quote` (what `%q` prints) of a string: double-quoted, with Go's escapes
/// for quotes, backslashes and every character Go does not print as is.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint` for non-ASCII characters: control,
/// format, separator (other than U+0020), private-use and noncharacter code points
/// are escaped; everything else prints as is.
fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    !(c.is_control()
        || (0x80..=0x9f).contains(&u)
        || u == 0xa0
        || u == 0xad
        || (0x2000..=0x200f).contains(&u)
        || (0x2028..=0x202f).contains(&u)
        || (0x205f..=0x206f).contains(&u)
        || u == 0x3000
        || u == 0xfeff
        || (0xe000..=0xf8ff).contains(&u)
        || (0xfff9..=0xfffb).contains(&u)
        || (u & 0xfffe) == 0xfffe
        || (0xfdd0..=0xfdef).contains(&u)
        || u >= 0xf0000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote_matches_strconv_quote() {
        assert_eq!(go_quote("unconfined"), r#""unconfined""#);
        assert_eq!(go_quote(""), r#""""#);
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("a\"b\\\n\u{1}"), "\"a\\\"b\\\\\\n\\x01\"");
        assert_eq!(go_quote("t\tn\n\u{1}\u{7f}"), r#""t\tn\n\x01\x7f""#);
        assert_eq!(go_quote("\u{7}\u{8}\u{b}\u{c}\r"), r#""\a\b\v\f\r""#);
        assert_eq!(go_quote("\u{85}"), r#""\u0085""#);
        assert_eq!(go_quote("é✓"), "\"é✓\"");
        assert_eq!(go_quote("\u{200b}"), r#""\u200b""#);
        assert_eq!(go_quote("\u{f0000}"), r#""\U000f0000""#);
        assert_eq!(
            go_quote("a\u{a0}b\u{ad}\u{feff}"),
            r#""a\u00a0b\u00ad\ufeff""#
        );
    }
}
