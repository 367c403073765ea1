//! Scalar resolution exactly as Kubernetes reads YAML: go-yaml v2's YAML 1.1 rules
//! (`resolve.go`) decoding into `interface{}`, then sigs.k8s.io/yaml's key conversion.
//!
//! Only plain scalars are resolved; quoted and block scalars are strings unless an
//! explicit core tag (`!!int`, `!!bool`…) says otherwise.

use std::borrow::Cow;

use saphyr_parser::{ScalarStyle, Tag};

use crate::Value;

const CORE: &str = "tag:yaml.org,2002:";

/// Resolves one scalar. `Err` carries go-yaml's message for a value its explicit tag
/// cannot hold (`!!int abc`).
pub(crate) fn scalar(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Result<Value, String> {
    let Some(tag) = tag else {
        return Ok(match style {
            ScalarStyle::Plain => implicit(text),
            _ => Value::Str(text.into_owned()),
        });
    };
    if tag.handle != CORE {
        // Local (`!foo`) and non-specific (`!`) tags: go-yaml keeps the text as a string.
        return Ok(Value::Str(text.into_owned()));
    }
    let want = tag.suffix.as_str();
    match want {
        "bool" | "int" | "float" | "null" => match (want, non_string(&text)) {
            ("bool", Some(v @ Value::Bool(_)))
            | ("int", Some(v @ Value::Int(_)))
            | ("float", Some(v @ Value::Float(_)))
            | ("null", Some(v @ Value::Null)) => Ok(v),
            // go-yaml widens an int written under `!!float`.
            ("float", Some(Value::Int(i))) => Ok(Value::Float(i as f64)),
            (_, got) => Err(format!(
                "cannot decode !!{} `{text}` as a !!{want}",
                short_tag(got.as_ref())
            )),
        },
        "timestamp" if looks_like_date(&text) => Ok(Value::Str(text.into_owned())),
        "timestamp" => Err(format!(
            "cannot decode !!{} `{text}` as a !!timestamp",
            short_tag(non_string(&text).as_ref())
        )),
        "binary" => base64_text(&text)
            .ok_or_else(|| "!!binary value contains invalid base64 data".to_owned())
            .map(Value::Str),
        // `!!str`, `!!merge` and the collection tags leave the text as it is.
        _ => Ok(Value::Str(text.into_owned())),
    }
}

/// Whether a key scalar is the merge key `<<` (plain, or tagged `!!merge`).
pub(crate) fn is_merge_key(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> bool {
    text == "<<"
        && match tag {
            None => style == ScalarStyle::Plain,
            Some(t) => t.handle == CORE && t.suffix == "merge",
        }
}

fn short_tag(v: Option<&Value>) -> &'static str {
    match v {
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "bool",
        Some(Value::Int(_)) => "int",
        Some(Value::Float(_)) => "float",
        _ => "str",
    }
}

/// go-yaml v2 `resolve("", text)` for a plain scalar, with timestamps kept as strings
/// (as decoding into `interface{}` does).
pub(crate) fn implicit(text: Cow<'_, str>) -> Value {
    non_string(&text).unwrap_or_else(|| Value::Str(text.into_owned()))
}

/// What a plain scalar resolves to when it is not a string.
fn non_string(text: &str) -> Option<Value> {
    let Some(&first) = text.as_bytes().first() else {
        return Some(Value::Null);
    };
    match first {
        b'~' | b'n' | b'N' | b'y' | b'Y' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' => {
            from_table(text)
        }
        b'.' => from_table(text).or_else(|| go_parse_float(text).map(Value::Float)),
        b'+' | b'-' | b'0'..=b'9' => from_table(text).or_else(|| number(text)),
        _ => None,
    }
}

fn from_table(text: &str) -> Option<Value> {
    Some(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        "~" | "null" | "Null" | "NULL" => Value::Null,
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// Ints (Go `strconv.ParseInt(s, 0, 64)`, then `ParseUint`) and YAML-style floats, after
/// go-yaml drops every underscore.
fn number(text: &str) -> Option<Value> {
    let plain: Cow<'_, str> = if text.contains('_') {
        text.replace('_', "").into()
    } else {
        text.into()
    };
    let (neg, digits) = match plain.as_bytes().first()? {
        b'-' => (true, &plain[1..]),
        b'+' => (false, &plain[1..]),
        _ => (false, &plain[..]),
    };
    if let Some(u) = go_parse_uint(digits) {
        if neg {
            if u <= 1u64 << 63 {
                return Some(Value::Int((u as i64).wrapping_neg()));
            }
        } else if let Ok(i) = i64::try_from(u) {
            return Some(Value::Int(i));
        } else if !plain.starts_with('+') {
            // A uint64 beyond int64: `Value` has no such integer, so it is kept as the
            // nearest float (documented as an approximation).
            return Some(Value::Float(u as f64));
        }
    }
    if yaml_style_float(&plain) {
        return go_parse_float(&plain).map(Value::Float);
    }
    None
}

/// Go `strconv.ParseUint(s, 0, 64)` without sign handling or underscores.
fn go_parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let (radix, digits) = match b {
        [] => return None,
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'x') => (16, &s[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'b') => (2, &s[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'o') => (8, &s[2..]),
        [b'0', ..] => (8, &s[1..]),
        _ => (10, s),
    };
    if digits.is_empty() {
        // Only a lone "0" gets here with nothing left (Go accepts it).
        return Some(0);
    }
    if digits.starts_with(['+', '-']) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go `strconv.ParseFloat(s, 64)` for decimal text: an out-of-range value is an error
/// there (so the scalar stays a string), underflow is not.
fn go_parse_float(s: &str) -> Option<f64> {
    let ok = s
        .bytes()
        .all(|c| c.is_ascii_digit() || b"+-.eE".contains(&c));
    let f: f64 = s.parse().ok().filter(|_| ok)?;
    f.is_finite().then_some(f)
}

fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 5 && b.iter().take(4).all(u8::is_ascii_digit) && b.get(4) == Some(&b'-')
}

/// Go `base64.StdEncoding.DecodeString` (which skips `\r` and `\n`); invalid UTF-8 in the
/// result is replaced, as Go's JSON encoder does.
fn base64_text(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut pad = 0usize;
    let mut n = 0usize;
    for c in s.bytes().filter(|c| !matches!(c, b'\r' | b'\n')) {
        n += 1;
        if c == b'=' {
            pad += 1;
            continue;
        }
        if pad > 0 {
            return None;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if !n.is_multiple_of(4) || pad > 2 {
        return None;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// A mapping key as sigs.k8s.io/yaml turns it into a JSON object key.
pub(crate) fn key_string(v: Value) -> Result<String, String> {
    Ok(match v {
        Value::Str(s) => s,
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => go_format_float32_g(f),
        Value::Null => return Err("unsupported map key: null".to_owned()),
        Value::Seq(_) | Value::Map(_) => {
            return Err("invalid map key: a sequence or mapping cannot be a key".to_owned());
        }
    })
}

/// Go `strconv.FormatFloat(f, 'g', -1, 32)` with go-yaml's spellings of NaN and infinity.
fn go_format_float32_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    // Rust's `{:e}` gives the shortest round-tripping digits, as Go's -1 precision does.
    let sci = format!("{:e}", f as f32);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if neg { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (head, tail) = digits.split_at(1.min(digits.len()));
        let dot = if tail.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{head}{dot}{tail}e{esign}{:02}", exp.unsigned_abs());
    }
    let point = exp + 1;
    if point <= 0 {
        let zeros = "0".repeat(point.unsigned_abs() as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let point = point as usize;
    if digits.len() <= point {
        let zeros = "0".repeat(point - digits.len());
        format!("{sign}{digits}{zeros}")
    } else {
        let (int, frac) = digits.split_at(point);
        format!("{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Value {
        implicit(s.into())
    }

    #[test]
    fn yaml_1_1_booleans_and_nulls() {
        for t in [
            "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
        ] {
            assert_eq!(plain(t), Value::Bool(true), "{t}");
        }
        for f in [
            "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
        ] {
            assert_eq!(plain(f), Value::Bool(false), "{f}");
        }
        for n in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(plain(n), Value::Null, "{n}");
        }
        for s in ["yES", "nULL", "oN", "TRue", "nil", "None", "<<"] {
            assert_eq!(plain(s), Value::Str(s.into()), "{s}");
        }
    }

    #[test]
    fn go_integers() {
        let cases = [
            ("0", 0),
            ("-0", 0),
            ("42", 42),
            ("+42", 42),
            ("-42", -42),
            ("0777", 511),
            ("0x10", 16),
            ("0X1f", 31),
            ("-0x10", -16),
            ("0b101", 5),
            ("-0b101", -5),
            ("0o17", 15),
            ("1_000_000", 1_000_000),
            ("0x_1_0", 16),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
        ];
        for (s, want) in cases {
            assert_eq!(plain(s), Value::Int(want), "{s}");
        }
    }

    #[test]
    fn go_floats_and_their_edges() {
        let cases = [
            ("1.5", 1.5),
            ("-1.5", -1.5),
            (".5", 0.5),
            ("+.5", 0.5),
            ("1e3", 1000.0),
            ("1.", 1.0),
            ("1.5_0", 1.5),
            // Not octal (8 is no octal digit), but still a YAML-style float.
            ("08", 8.0),
            ("1e-400", 0.0),
        ];
        for (s, want) in cases {
            assert_eq!(plain(s), Value::Float(want), "{s}");
        }
        assert!(matches!(plain(".nan"), Value::Float(f) if f.is_nan()));
        assert_eq!(plain(".Inf"), Value::Float(f64::INFINITY));
        assert_eq!(plain("+.INF"), Value::Float(f64::INFINITY));
        assert_eq!(plain("-.inf"), Value::Float(f64::NEG_INFINITY));
        // Beyond int64 but within uint64.
        assert_eq!(
            plain("18446744073709551615"),
            Value::Float(18446744073709551615u64 as f64)
        );
        for s in [
            "1e999",
            ".5e999",
            "0x",
            "0b",
            "1.2.3",
            "1e",
            "-",
            "+",
            "._5",
            "1-2",
            "0xZ",
            ".",
            "2001-12-14",
            "12:30",
            "1_",
            "inf",
            "nan",
            "+-1",
            "--1",
            "0x+1",
        ] {
            match plain(s) {
                Value::Str(got) if got == s => {}
                // "1_" loses its underscore and is 1; the others must stay strings.
                Value::Int(1) if s == "1_" => {}
                other => panic!("{s} resolved to {other:?}"),
            }
        }
    }

    fn sc(t: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
        scalar(t.into(), style, tag)
    }

    fn tag(suffix: &str) -> Tag {
        Tag {
            handle: CORE.into(),
            suffix: suffix.into(),
        }
    }

    #[test]
    fn quoted_scalars_are_strings_and_tags_are_honoured() {
        let q = ScalarStyle::DoubleQuoted;
        assert_eq!(sc("yes", q, None), Ok(Value::Str("yes".into())));
        assert_eq!(sc("10", q, None), Ok(Value::Str("10".into())));
        assert_eq!(
            sc("", ScalarStyle::Plain, Some(&tag("str"))),
            Ok(Value::Str(String::new()))
        );
        assert_eq!(
            sc("yes", ScalarStyle::Plain, Some(&tag("str"))),
            Ok(Value::Str("yes".into()))
        );
        assert_eq!(sc("10", q, Some(&tag("int"))), Ok(Value::Int(10)));
        assert_eq!(sc("on", q, Some(&tag("bool"))), Ok(Value::Bool(true)));
        assert_eq!(sc("1", q, Some(&tag("float"))), Ok(Value::Float(1.0)));
        assert_eq!(sc("~", q, Some(&tag("null"))), Ok(Value::Null));
        assert_eq!(
            sc("abc", q, Some(&tag("int"))),
            Err("cannot decode !!str `abc` as a !!int".into())
        );
        assert_eq!(
            sc("1.5", q, Some(&tag("int"))),
            Err("cannot decode !!float `1.5` as a !!int".into())
        );
        assert_eq!(
            sc("", ScalarStyle::Plain, Some(&tag("bool"))),
            Err("cannot decode !!null `` as a !!bool".into())
        );
        let local = Tag {
            handle: "!".into(),
            suffix: "thing".into(),
        };
        assert_eq!(
            sc("10", ScalarStyle::Plain, Some(&local)),
            Ok(Value::Str("10".into()))
        );
        assert_eq!(
            sc("aGVsbG8=", ScalarStyle::Plain, Some(&tag("binary"))),
            Ok(Value::Str("hello".into()))
        );
        assert!(sc("a$", ScalarStyle::Plain, Some(&tag("binary"))).is_err());
        assert!(sc("2001-12-14", q, Some(&tag("timestamp"))).is_ok());
        assert!(sc("soon", q, Some(&tag("timestamp"))).is_err());
    }

    #[test]
    fn merge_keys_are_plain_or_tagged() {
        assert!(is_merge_key("<<", ScalarStyle::Plain, None));
        assert!(!is_merge_key("<<", ScalarStyle::SingleQuoted, None));
        assert!(is_merge_key(
            "<<",
            ScalarStyle::SingleQuoted,
            Some(&tag("merge"))
        ));
        assert!(!is_merge_key("<<", ScalarStyle::Plain, Some(&tag("str"))));
    }

    #[test]
    fn keys_become_strings_as_sigs_k8s_io_yaml_makes_them() {
        assert_eq!(key_string(Value::Bool(true)), Ok("true".into()));
        assert_eq!(key_string(Value::Int(-7)), Ok("-7".into()));
        assert_eq!(key_string(Value::Float(1.5)), Ok("1.5".into()));
        assert_eq!(key_string(Value::Float(0.1)), Ok("0.1".into()));
        assert_eq!(key_string(Value::Float(100000.0)), Ok("100000".into()));
        assert_eq!(key_string(Value::Float(1e6)), Ok("1e+06".into()));
        assert_eq!(
            key_string(Value::Float(1234567.0)),
            Ok("1.234567e+06".into())
        );
        assert_eq!(key_string(Value::Float(0.0001)), Ok("0.0001".into()));
        assert_eq!(key_string(Value::Float(0.00001)), Ok("1e-05".into()));
        assert_eq!(key_string(Value::Float(-2.5e-7)), Ok("-2.5e-07".into()));
        assert_eq!(key_string(Value::Float(f64::NAN)), Ok(".nan".into()));
        assert_eq!(
            key_string(Value::Float(f64::NEG_INFINITY)),
            Ok("-.inf".into())
        );
        assert!(key_string(Value::Null).is_err());
        assert!(key_string(Value::Seq(vec![])).is_err());
    }
}
