//! Message formatting shared by the checks: the upstream `pluralize` / `joinQuote`
//! conventions and Go's `%q` string quoting, reproduced exactly because the
//! messages are compared word for word with what the admission controller prints.

use std::fmt::Write;

/// `singular` when `n == 1`, else `plural` (zero is plural, as upstream).
pub(crate) fn pl<'a>(singular: &'a str, plural: &'a str, n: usize) -> &'a str {
    if n == 1 { singular } else { plural }
}

/// Each item in double quotes, joined by `", "`; inner quotes are deliberately not
/// escaped because upstream does not escape them either.
pub(crate) fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(item.as_ref());
        out.push('"');
    }
    out
}

/// Like [`join_quote`] for any iterator of strings (sets, mostly).
pub(crate) fn join_quote_iter<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.into_iter().collect();
    join_quote(&items)
}

/// `{pl(container,containers)} {q(names)}`, the usual way a check names containers.
pub(crate) fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "{} {}",
        pl("container", "containers", names.len()),
        join_quote(names)
    )
}

/// The "setters" phrase: `pod` when the pod level is bad, then the bad containers,
/// joined by `" and "`.
pub(crate) fn setters<S: AsRef<str>>(pod: bool, containers: &[S]) -> String {
    let mut out = String::new();
    if pod {
        out.push_str("pod");
    }
    if !containers.is_empty() {
        if pod {
            out.push_str(" and ");
        }
        out.push_str(&containers_phrase(containers));
    }
    out
}

/// Go's `strconv.Quote` (what `%q` prints) for valid UTF-8: used where upstream
/// renders annotation values with `%q`, so odd values print exactly as upstream.
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
    fn pluralizes_one_as_singular_only() {
        assert_eq!(pl("a", "as", 1), "a");
        assert_eq!(pl("a", "as", 0), "as");
        assert_eq!(pl("a", "as", 2), "as");
    }

    #[test]
    fn join_quote_does_not_escape() {
        assert_eq!(join_quote::<&str>(&[]), "");
        assert_eq!(join_quote(&["a"]), r#""a""#);
        assert_eq!(join_quote(&["a", r#"b"c"#]), r#""a", "b"c""#);
    }

    #[test]
    fn setters_joins_pod_and_containers() {
        assert_eq!(setters::<&str>(true, &[]), "pod");
        assert_eq!(setters(false, &["a"]), r#"container "a""#);
        assert_eq!(setters(true, &["a", "b"]), r#"pod and containers "a", "b""#);
    }

    #[test]
    fn go_quote_matches_strconv_quote() {
        assert_eq!(go_quote("unconfined"), r#""unconfined""#);
        assert_eq!(go_quote(""), r#""""#);
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("t\tn\n\u{1}\u{7f}"), r#""t\tn\n\x01\x7f""#);
        assert_eq!(go_quote("é✓"), "\"é✓\"");
        assert_eq!(go_quote("\u{200b}"), r#""\u200b""#);
        assert_eq!(go_quote("\u{f0000}"), r#""\U000f0000""#);
    }
}
