//! A borrowed, order-preserving JSON tree with the lookup and rendering rules of the Go
//! `fastjson` package that Falco's k8saudit and json plugins use.
//!
//! Why not `serde_json::Value`: its maps sort keys (fastjson keeps input order, which
//! `ka.req.pod.volumes.volume_type` and compact re-rendering expose), the first of
//! duplicate keys must win as in fastjson, and borrowing strings from the input line
//! keeps the per-event cost close to serde_json's own parse time.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// One JSON value. Strings borrow from the input unless they held escapes.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    /// JSON `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// Integers that fit `i64`/`u64` keep their exact value.
    Int(i64),
    /// Non-negative integers above `i64::MAX` that fit `u64`.
    UInt(u64),
    /// Other numbers; rendered in shortest round-trip form (see [`Json::write_compact`]).
    Float(f64),
    /// A string, unescaped; borrowed from the input when it had no escapes.
    Str(Cow<'a, str>),
    /// An array, elements in input order.
    Arr(Vec<Json<'a>>),
    /// Members in input order; duplicates kept (lookups see the first, as fastjson).
    Obj(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// fastjson's `Value.Get(key)`: an object member (first match), or, on an array, the
    /// element whose decimal index is `key`.
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Obj(members) => {
                // Length and first byte first: most keys differ there, and this keeps the
                // per-event lookups from calling memcmp for every member.
                let kb = key.as_bytes();
                members
                    .iter()
                    .find(|(k, _)| {
                        let b = k.as_bytes();
                        b.len() == kb.len() && b.first() == kb.first() && b == kb
                    })
                    .map(|(_, v)| v)
            }
            Json::Arr(items) => {
                // Go's strconv.Atoi accepts an optional sign; negatives are out of range.
                let index: usize = key.strip_prefix('+').unwrap_or(key).parse().ok()?;
                items.get(index)
            }
            _ => None,
        }
    }

    /// fastjson's `Value.Get(keys...)`: successive [`Json::get`].
    pub fn get_path(&self, keys: &[&str]) -> Option<&Json<'a>> {
        keys.iter().try_fold(self, |v, k| v.get(k))
    }

    /// The string if this is a JSON string (no conversion: `None` for other values).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The elements if this is a JSON array, `None` otherwise.
    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Arr(items) => Some(items),
            _ => None,
        }
    }

    /// The plugins' string conversion: a JSON string as is, anything else as compact JSON.
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            Json::Str(s) => Cow::Borrowed(s),
            other => {
                let mut out = String::new();
                other.write_compact(&mut out);
                Cow::Owned(out)
            }
        }
    }

    /// Compact JSON as fastjson's `MarshalTo` writes it: members in input order, strings
    /// escaped Go-style (see [`write_go_string`]).
    pub fn write_compact(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Json::UInt(n) => {
                let _ = write!(out, "{n}");
            }
            Json::Float(f) => write_float(*f, out),
            Json::Str(s) => {
                write_go_string(s, out);
            }
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            Json::Obj(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write_go_string(k, out);
                    out.push(':');
                    v.write_compact(out);
                }
                out.push('}');
            }
        }
    }

    /// The compact form indented with two spaces, as Go's `json.Indent` does for
    /// `json.obj`. `None` when the compact form is not valid JSON (Go-only escapes such
    /// as `\x01` or `\a`), where `json.Indent` fails and the field is missing.
    pub fn to_indented(&self) -> Option<String> {
        let mut out = String::new();
        self.write_indented(&mut out, 0).then_some(out)
    }

    fn write_indented(&self, out: &mut String, depth: usize) -> bool {
        match self {
            Json::Arr(items) if !items.is_empty() => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline_indent(out, depth + 1);
                    if !item.write_indented(out, depth + 1) {
                        return false;
                    }
                }
                newline_indent(out, depth);
                out.push(']');
                true
            }
            Json::Obj(members) if !members.is_empty() => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline_indent(out, depth + 1);
                    if !write_go_string(k, out) {
                        return false;
                    }
                    out.push_str(": ");
                    if !v.write_indented(out, depth + 1) {
                        return false;
                    }
                }
                newline_indent(out, depth);
                out.push('}');
                true
            }
            Json::Str(s) => write_go_string(s, out),
            other => {
                other.write_compact(out);
                true
            }
        }
    }

    /// The length of [`Json::write_compact`]'s output, without building it.
    pub fn compact_len(&self) -> usize {
        match self {
            Json::Obj(members) => {
                1 + members.len().saturating_sub(1)
                    + members
                        .iter()
                        .map(|(k, v)| string_len(k) + 1 + v.compact_len())
                        .sum::<usize>()
                    + 1
            }
            Json::Arr(items) => {
                2 + items.len().saturating_sub(1)
                    + items.iter().map(Json::compact_len).sum::<usize>()
            }
            Json::Str(s) => string_len(s),
            other => {
                let mut s = String::new();
                other.write_compact(&mut s);
                s.len()
            }
        }
    }
}

fn string_len(s: &str) -> usize {
    if !needs_escaping(s) {
        return s.len() + 2;
    }
    let mut out = String::new();
    write_go_string(s, &mut out);
    out.len()
}

fn newline_indent(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_float(f: f64, out: &mut String) {
    match serde_json::Number::from_f64(f) {
        Some(n) => {
            let _ = write!(out, "{n}");
        }
        None => out.push_str("null"),
    }
}

fn needs_escaping(s: &str) -> bool {
    s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20)
}

/// fastjson's string escaping: verbatim in quotes unless the text holds `"`, `\` or a
/// control byte; then Go's `strconv.Quote`, whose `\a`, `\v`, `\xHH` escapes are not
/// JSON. Returns whether the result is valid JSON.
pub fn write_go_string(s: &str, out: &mut String) -> bool {
    out.push('"');
    if !needs_escaping(s) {
        out.push_str(s);
        out.push('"');
        return true;
    }
    let mut valid = true;
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{7}' => {
                out.push_str("\\a");
                valid = false;
            }
            '\u{b}' => {
                out.push_str("\\v");
                valid = false;
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
                valid = false;
            }
            c if !is_go_printable(c) => {
                if (c as u32) < 0x10000 {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                    valid = false;
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    valid
}

/// An approximation of Go's `unicode.IsPrint`: letters, marks, numbers, punctuation,
/// symbols and the ASCII space; not other spaces, controls or format characters.
fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'))
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        JsonSeed(&mut Stacks::default()).deserialize(deserializer)
    }
}

/// Members and items of the objects and arrays being parsed, innermost last. Each
/// container is collected here and then moved into one allocation of its exact size,
/// instead of a vector that doubles as it fills (most of a parse's mallocs).
#[derive(Default)]
pub(crate) struct Stacks<'de> {
    members: Vec<(Cow<'de, str>, Json<'de>)>,
    items: Vec<Json<'de>>,
}

impl Stacks<'_> {
    /// The same buffers, emptied, for input of another lifetime (kept between records
    /// so that steady-state parsing does not regrow them).
    pub(crate) fn recycle<'b>(self) -> Stacks<'b> {
        let Stacks {
            mut members,
            mut items,
        } = self;
        members.clear();
        items.clear();
        // Empty iterators collected in place: the allocations move, nothing runs.
        Stacks {
            members: members
                .into_iter()
                .map(|_| (Cow::Borrowed(""), Json::Null))
                .collect(),
            items: items.into_iter().map(|_| Json::Null).collect(),
        }
    }

    /// Whether the buffers are small enough to keep.
    pub(crate) fn reusable(&self) -> bool {
        self.members.capacity() + self.items.capacity() <= 1 << 14
    }
}

/// Parses one JSON value using (and leaving empty) the given stacks.
pub(crate) struct JsonSeed<'s, 'de>(pub &'s mut Stacks<'de>);

impl<'de> DeserializeSeed<'de> for JsonSeed<'_, 'de> {
    type Value = Json<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonSeed<'_, 'de> {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
        Ok(Json::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
        Ok(Json::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json<'de>, E> {
        Ok(Json::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let start = self.0.items.len();
        while let Some(item) = seq.next_element_seed(JsonSeed(&mut *self.0))? {
            self.0.items.push(item);
        }
        Ok(Json::Arr(self.0.items.drain(start..).collect()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let start = self.0.members.len();
        while let Some(Key(k)) = map.next_key()? {
            let v = map.next_value_seed(JsonSeed(&mut *self.0))?;
            self.0.members.push((k, v));
        }
        Ok(Json::Obj(self.0.members.drain(start..).collect()))
    }
}

/// An object key that borrows from the input when it can.
pub(crate) struct Key<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Json<'_> {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn keeps_order_and_first_duplicate() {
        let v = parse(r#"{"b":1,"a":2,"b":3}"#);
        assert_eq!(v.get("b"), Some(&Json::UInt(1)));
        let mut out = String::new();
        v.write_compact(&mut out);
        assert_eq!(out, r#"{"b":1,"a":2,"b":3}"#);
    }

    #[test]
    fn array_index_keys_as_fastjson() {
        let v = parse(r#"[10,20]"#);
        assert_eq!(v.get("1"), Some(&Json::UInt(20)));
        assert_eq!(v.get("+0"), Some(&Json::UInt(10)));
        assert_eq!(v.get("2"), None);
        assert_eq!(v.get("-1"), None);
        assert_eq!(v.get("x"), None);
        assert_eq!(parse("1").get("0"), None);
    }

    #[test]
    fn text_of_scalars_and_containers() {
        assert_eq!(parse(r#""x""#).to_text(), "x");
        assert_eq!(parse("true").to_text(), "true");
        assert_eq!(parse("-3").to_text(), "-3");
        assert_eq!(parse("1.5").to_text(), "1.5");
        assert_eq!(parse("null").to_text(), "null");
        assert_eq!(parse(r#"{ "a" : [1, "b"] }"#).to_text(), r#"{"a":[1,"b"]}"#);
    }

    #[test]
    fn go_string_escapes() {
        let v = parse(r#"["q\"b\\n\n\t\u0001\u007f\u00a0é"]"#);
        assert_eq!(v.to_text(), "[\"q\\\"b\\\\n\\n\\t\\x01\\x7f\\u00a0é\"]");
        // \x01 is not JSON, so json.obj's indentation fails as in Go.
        assert_eq!(v.to_indented(), None);
        assert_eq!(v.compact_len(), v.to_text().len());
    }

    #[test]
    fn indented_like_go_json_indent() {
        let v = parse(r#"{"a":[1,{"b":{}}],"c":[],"d":"x"}"#);
        assert_eq!(
            v.to_indented().unwrap(),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": {}\n    }\n  ],\n  \"c\": [],\n  \"d\": \"x\"\n}"
        );
        assert_eq!(v.compact_len(), v.to_text().len());
    }
}
