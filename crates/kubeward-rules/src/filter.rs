//! Compiled conditions and their evaluation against one event.
//!
//! Missing values make every check false, `!=` and `exists` included; only an
//! enclosing `not` flips that (libsinsp's behaviour). List fields: `in` is subset,
//! `intersects` is any.
//!
//! Checks read their fields through a per-event [`Memo`], so a field several rules
//! test is extracted once per event; [`multi`] holds `join`/`concat`/`getopt`.

use regex::bytes::Regex;

use crate::ast::{Modifier, Op, Transformer};
use crate::fields::{GenericCtx, Sel, extract_generic};
use crate::glob::Glob;
use crate::source::{Event, Value};
use crate::value::{Const, ConstSet, bytes_of, compare, pmatch};

pub(crate) mod memo;
pub(crate) mod multi;

pub(crate) use memo::{Memo, NO_SLOT};

/// A field with its transformers (applied innermost first).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CField {
    pub sel: Sel,
    pub transformers: Vec<Transformer>,
    /// Multi-valued after transformers (`len` makes one value).
    pub list: bool,
    /// The ruleset's memo slot for this field ([`NO_SLOT`] until assigned).
    pub slot: u32,
    /// An ancestor field without argument in a condition: the values after the first
    /// are the ancestors', and a check holds when it holds for any one of them.
    pub ancestors: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum CRhs {
    None,
    Const(Const),
    Set(ConstSet),
    Consts(Vec<Const>),
    Regex(Regex),
    Glob(Glob),
    PMatch(Vec<Vec<Glob>>),
    Field(CField),
}

#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub lhs: CField,
    pub op: Op,
    pub modifier: Option<Modifier>,
    pub rhs: CRhs,
}

#[derive(Debug, Clone)]
pub(crate) enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Check(Box<Check>),
}

/// What evaluation needs besides the event.
pub(crate) struct Env<'c> {
    pub generic: &'c GenericCtx,
}

impl Filter {
    pub fn eval<'e, E: Event + ?Sized>(
        &self,
        ev: &'e E,
        env: &Env<'_>,
        memo: &mut Memo<'e>,
    ) -> bool {
        match self {
            Filter::And(items) => items.iter().all(|f| f.eval(ev, env, memo)),
            Filter::Or(items) => items.iter().any(|f| f.eval(ev, env, memo)),
            Filter::Not(f) => !f.eval(ev, env, memo),
            Filter::Check(c) => c.eval(ev, env, memo),
        }
    }
}

/// Extracts a field's values (after transformers) into `out`, replacing its contents.
pub(crate) fn extract<'e, E: Event + ?Sized>(
    f: &CField,
    ev: &'e E,
    env: &Env<'_>,
    out: &mut Vec<Value<'e>>,
) {
    out.clear();
    match &f.sel {
        Sel::Source(r) => ev.extract(r, out),
        Sel::Generic(g) => extract_generic(*g, ev, env.generic, out),
        Sel::Multi(m) => multi::extract_multi(m, ev, env, out),
    }
    for t in f.transformers.iter().rev() {
        apply_from(*t, out, 0);
    }
}

/// Applies a transformer to the values from `start` on, in place.
pub(crate) fn apply_from(t: Transformer, vals: &mut Vec<Value<'_>>, start: usize) {
    let n = vals.len().saturating_sub(start);
    if t == Transformer::Len {
        let len = match vals.get(start..) {
            Some([one]) => bytes_of(one).map_or(1, <[u8]>::len) as u64,
            _ => n as u64,
        };
        vals.truncate(start);
        if n > 0 {
            vals.push(Value::U64(len));
        }
        return;
    }
    let mut keep = start;
    for i in start..vals.len() {
        let Some(b) = vals.get(i).and_then(bytes_of) else {
            continue;
        };
        let s = String::from_utf8_lossy(b);
        let next = match t {
            Transformer::ToLower => Some(s.to_ascii_lowercase()),
            Transformer::ToUpper => Some(s.to_ascii_uppercase()),
            Transformer::Basename => Some(s.rsplit('/').next().unwrap_or("").to_owned()),
            Transformer::B64 => b64(b).map(|d| String::from_utf8_lossy(&d).into_owned()),
            Transformer::Len => None,
        };
        if let (Some(n), Some(slot)) = (next, vals.get_mut(keep)) {
            *slot = Value::string(n);
            keep += 1;
        }
    }
    vals.truncate(keep);
}

fn b64(input: &[u8]) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let trimmed: &[u8] = {
        let mut end = input.len();
        while end > 0 && input.get(end - 1) == Some(&b'=') {
            end -= 1;
        }
        input.get(..end)?
    };
    if !input.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    for chunk in trimmed.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(bytes.get(1..chunk.len())?);
    }
    Some(out)
}

impl Check {
    fn eval<'e, E: Event + ?Sized>(&self, ev: &'e E, env: &Env<'_>, memo: &mut Memo<'e>) -> bool {
        let lr = memo.ensure(&self.lhs, ev, env);
        if lr.is_empty() {
            return false;
        }
        if let CRhs::Field(rf) = &self.rhs {
            let rr = memo.ensure(rf, ev, env);
            let (buf, right) = (memo.values(lr), memo.values(rr));
            if right.is_empty() {
                return false;
            }
            return match self.op {
                Op::In => buf.iter().all(|v| right.iter().any(|r| same(v, r))),
                Op::Intersects => buf.iter().any(|v| right.iter().any(|r| same(v, r))),
                op => match (buf.first(), right.first()) {
                    (Some(l), Some(r)) => field_cmp(l, op, r),
                    _ => false,
                },
            };
        }
        self.test(memo.values(lr))
    }

    /// The comparison of the left values (non-empty) with a constant right side.
    fn test(&self, buf: &[Value<'_>]) -> bool {
        if self.lhs.ancestors {
            return buf
                .get(1..)
                .unwrap_or(&[])
                .chunks(1)
                .any(|one| self.test_values(one));
        }
        self.test_values(buf)
    }

    fn test_values(&self, buf: &[Value<'_>]) -> bool {
        match &self.rhs {
            CRhs::None | CRhs::Field(_) => true,
            CRhs::Set(set) => match self.op {
                Op::Intersects if self.lhs.list => buf.iter().any(|v| set.contains(v)),
                _ if self.lhs.list => buf.iter().all(|v| set.contains(v)),
                _ => buf.first().is_some_and(|v| set.contains(v)),
            },
            CRhs::PMatch(prefixes) => buf
                .first()
                .and_then(bytes_of)
                .is_some_and(|b| pmatch(b, prefixes)),
            CRhs::Regex(re) => buf
                .first()
                .and_then(bytes_of)
                .is_some_and(|b| re.is_match(b)),
            CRhs::Glob(g) => buf.first().and_then(bytes_of).is_some_and(|b| g.matches(b)),
            CRhs::Const(c) => buf.first().is_some_and(|v| compare(v, self.op, c)),
            CRhs::Consts(cs) => {
                let Some(v) = buf.first() else { return false };
                let hits = cs.iter().filter(|c| compare(v, self.op, c)).count();
                match self.modifier {
                    Some(Modifier::OneOf) => hits == 1,
                    Some(Modifier::AllOf) => hits == cs.len(),
                    _ => hits > 0,
                }
            }
        }
    }
}

fn same(a: &Value<'_>, b: &Value<'_>) -> bool {
    field_cmp(a, Op::Eq, b)
}

/// Field-to-field comparison, both of the same type.
fn field_cmp(l: &Value<'_>, op: Op, r: &Value<'_>) -> bool {
    let c = match r {
        Value::Str(s) => Const::Str((**s).into()),
        Value::Bytes(b) => Const::Bytes((**b).into()),
        Value::I64(i) => Const::Int(i128::from(*i)),
        Value::U64(u) => Const::Int(i128::from(*u)),
        Value::F64(f) => Const::F64(*f),
        Value::Bool(b) => Const::Bool(*b),
        Value::Ip(ip) => Const::Ip(*ip),
    };
    match op {
        Op::Glob => bytes_of(r)
            .zip(bytes_of(l))
            .is_some_and(|(p, t)| Glob::new(&String::from_utf8_lossy(p), false).matches(t)),
        Op::IGlob => bytes_of(r)
            .zip(bytes_of(l))
            .is_some_and(|(p, t)| Glob::new(&String::from_utf8_lossy(p), true).matches(t)),
        _ => compare(l, op, &c),
    }
}

#[cfg(test)]
mod tests {
    use super::b64;

    #[test]
    fn base64_decoding() {
        assert_eq!(b64(b"aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(b64(b"aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(b64(b"!!!!"), None);
        assert_eq!(b64(b"abc"), None);
    }
}
