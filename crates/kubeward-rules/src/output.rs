//! Output format strings: `%field`, `%field[arg]`, `%N` widths, `%tolower(f)`;
//! rendering to text (`<NA>` for missing, lists as `(a,b)`) and to typed JSON.

use crate::fields::Table;
use crate::filter::{CField, Env, extract};
use crate::source::{Event, Value};

#[derive(Debug, Clone)]
pub(crate) enum Part {
    Lit(String),
    Field {
        key: String,
        field: CField,
        width: Option<usize>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Format {
    pub parts: Vec<Part>,
}

/// Compiles a format; the longest token prefix naming a field wins.
pub(crate) fn compile(fmt: &str, table: &Table) -> Result<Format, String> {
    let b = fmt.as_bytes();
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < b.len() {
        let Some(rel) = fmt.get(i..).and_then(|s| s.find('%')) else {
            lit.push_str(fmt.get(i..).unwrap_or(""));
            break;
        };
        lit.push_str(fmt.get(i..i + rel).unwrap_or(""));
        i += rel + 1;
        let wstart = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let width = fmt.get(wstart..i).and_then(|w| w.parse().ok());
        let start = i;
        // A transformer call up to its matching parenthesis, else a field token.
        let mut end = i;
        while b
            .get(end)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.'))
        {
            end += 1;
        }
        let mut candidates: Vec<usize> = Vec::new();
        if b.get(end) == Some(&b'(') {
            let mut depth = 0usize;
            let mut j = end;
            while let Some(&c) = b.get(j) {
                j += 1;
                if c == b'(' {
                    depth += 1;
                } else if c == b')' {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
            }
            candidates.push(j);
        } else {
            if b.get(end) == Some(&b'[')
                && let Some(close) = fmt.get(end..).and_then(|s| s.find(']'))
            {
                candidates.push(end + close + 1);
            }
            candidates.extend((start + 1..=end).rev());
        }
        let mut found = None;
        for c in candidates {
            let Some(token) = fmt.get(start..c) else {
                continue;
            };
            if let Ok(f) = field(token, table) {
                found = Some((token.to_owned(), f, c));
                break;
            }
        }
        let Some((key, field, next)) = found else {
            return Err(token_error(fmt, wstart, start));
        };
        if !lit.is_empty() {
            parts.push(Part::Lit(std::mem::take(&mut lit)));
        }
        parts.push(Part::Field { key, field, width });
        i = next;
    }
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    Ok(Format { parts })
}

/// libsinsp's messages for a token that names no field (`pct` just after the `%`,
/// `start` after any width digits): the rest of the format is quoted, as libsinsp does.
fn token_error(fmt: &str, pct: usize, start: usize) -> String {
    if pct >= fmt.len() {
        return "invalid formatting syntax: formatting cannot end with a %".into();
    }
    if start >= fmt.len() {
        return "invalid formatting syntax: formatting cannot end with a number".into();
    }
    format!(
        "invalid formatting token {}",
        fmt.get(start..).unwrap_or("")
    )
}

/// Parses one output token as the left side of a check.
fn field(token: &str, table: &Table) -> Result<CField, String> {
    let expr = crate::parser::parse(&format!("{token} exists")).map_err(|e| e.message)?;
    let crate::ast::Expr::Check { lhs, .. } = expr else {
        return Err(format!("unknown filter: {token}"));
    };
    if lhs.multi.is_some() {
        // `%concat(a, b)` and the like: compiled as in conditions, same messages.
        let asts = std::collections::HashMap::new();
        let budget = std::cell::Cell::new(crate::compile::MAX_WEIGHT);
        let mut c =
            crate::compile::Compiler::new(table, crate::compile::Macros { asts: &asts }, &budget);
        return c.field(&lhs).map(|(f, _)| f).map_err(|e| e.message);
    }
    let r = table.resolve(&lhs.field, lhs.arg.as_deref())?;
    if r.filter_only {
        return Err(format!(
            "filter {} can only be used in conditions",
            lhs.field
        ));
    }
    let list = r.list && !lhs.transformers.contains(&crate::ast::Transformer::Len);
    Ok(CField {
        sel: r.sel,
        transformers: lhs.transformers,
        list,
        slot: crate::filter::NO_SLOT,
        ancestors: false,
    })
}

/// Renders one value as Falco prints it in text.
pub(crate) fn text_of(v: &Value<'_>, out: &mut String) {
    use std::fmt::Write;
    match v {
        Value::Str(s) => out.push_str(s),
        Value::Bytes(b) => out.push_str(&String::from_utf8_lossy(b)),
        Value::I64(i) => {
            let _ = write!(out, "{i}");
        }
        Value::U64(u) => {
            let _ = write!(out, "{u}");
        }
        Value::F64(f) => {
            let _ = write!(out, "{f:.1}");
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Ip(ip) => {
            let _ = write!(out, "{ip}");
        }
    }
}

fn json_of(v: &Value<'_>) -> serde_json::Value {
    match v {
        Value::Str(s) => serde_json::Value::String(s.to_string()),
        Value::Bytes(b) => serde_json::Value::String(String::from_utf8_lossy(b).into_owned()),
        Value::I64(i) => (*i).into(),
        Value::U64(u) => (*u).into(),
        Value::F64(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Bool(b) => (*b).into(),
        Value::Ip(ip) => serde_json::Value::String(ip.to_string()),
    }
}

/// Formats for an alert: the text and the `output_fields` entries.
pub(crate) fn render<E: Event + ?Sized>(
    f: &Format,
    ev: &E,
    env: &Env<'_>,
) -> (String, Vec<(String, serde_json::Value)>) {
    let mut text = String::new();
    let mut fields = Vec::new();
    let mut buf = Vec::new();
    for p in &f.parts {
        match p {
            Part::Lit(s) => text.push_str(s),
            Part::Field { key, field, width } => {
                extract(field, ev, env, &mut buf);
                let mut s = String::new();
                let json = if buf.is_empty() {
                    s.push_str("<NA>");
                    serde_json::Value::Null
                } else if field.list {
                    s.push('(');
                    for (i, v) in buf.iter().enumerate() {
                        if i > 0 {
                            s.push(',');
                        }
                        text_of(v, &mut s);
                    }
                    s.push(')');
                    if s.len() > 1023 {
                        let mut cut = 1023;
                        while !s.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        s.truncate(cut);
                    }
                    serde_json::Value::Array(buf.iter().map(json_of).collect())
                } else if let Some(first) = buf.first() {
                    text_of(first, &mut s);
                    json_of(first)
                } else {
                    serde_json::Value::Null
                };
                if let Some(w) = width {
                    let n = s.chars().count();
                    if n > *w {
                        s = s.chars().take(*w).collect();
                    } else {
                        s.extend(std::iter::repeat_n(' ', w - n));
                    }
                }
                text.push_str(&s);
                fields.push((key.clone(), json));
            }
        }
    }
    (text, fields)
}
