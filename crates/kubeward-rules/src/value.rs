//! Compile-time constants and the comparisons applied to extracted values.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;

use crate::ast::Op;
use crate::glob::Glob;
use crate::source::{FieldType, Value};

/// A right-hand constant converted to the left-hand field's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Const {
    Str(Box<str>),
    Bytes(Box<[u8]>),
    Int(i128),
    F64(f64),
    Bool(bool),
    Ip(IpAddr),
    Net(IpAddr, u8),
}

/// A set for `in`/`intersects`, hashed by type.
#[derive(Debug, Clone)]
pub(crate) enum ConstSet {
    /// A few text members, sorted.
    SmallBytes(Vec<Box<[u8]>>),
    Bytes(HashSet<Box<[u8]>, FxBuild>),
    Int(HashSet<i128, FxBuild>),
    Other(Vec<Const>),
}

/// A multiply-rotate hash (rustc's Fx) for the sets above: their members come from
/// rules, not events, so SipHash's flooding resistance buys nothing, and set lookups
/// run for most checks of most events.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FxBuild;

impl BuildHasher for FxBuild {
    type Hasher = Fx;
    fn build_hasher(&self) -> Fx {
        Fx(0)
    }
}

pub(crate) struct Fx(u64);

impl Fx {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            let mut w = [0u8; 8];
            if let Some(dst) = w.get_mut(..tail.len()) {
                dst.copy_from_slice(tail);
            }
            self.add(u64::from_le_bytes(w));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Up to this many text members are compared one by one: cheaper than hashing.
const SMALL_SET: usize = 8;

impl ConstSet {
    pub fn build(items: Vec<Const>) -> ConstSet {
        if items
            .iter()
            .all(|c| matches!(c, Const::Str(_) | Const::Bytes(_)))
        {
            let mut bytes: Vec<Box<[u8]>> = items
                .into_iter()
                .map(|c| match c {
                    Const::Str(s) => s.into_boxed_bytes(),
                    Const::Bytes(b) => b,
                    _ => Box::default(),
                })
                .collect();
            if bytes.len() <= SMALL_SET {
                bytes.sort();
                bytes.dedup();
                ConstSet::SmallBytes(bytes)
            } else {
                ConstSet::Bytes(bytes.into_iter().collect())
            }
        } else if items.iter().all(|c| matches!(c, Const::Int(_))) {
            ConstSet::Int(
                items
                    .into_iter()
                    .filter_map(|c| if let Const::Int(i) = c { Some(i) } else { None })
                    .collect(),
            )
        } else {
            ConstSet::Other(items)
        }
    }

    pub fn contains(&self, v: &Value<'_>) -> bool {
        match self {
            ConstSet::SmallBytes(items) => {
                bytes_of(v).is_some_and(|b| items.iter().any(|i| **i == *b))
            }
            ConstSet::Bytes(set) => bytes_of(v).is_some_and(|b| set.contains(b)),
            ConstSet::Int(set) => int_of(v).is_some_and(|i| set.contains(&i)),
            ConstSet::Other(items) => items.iter().any(|c| compare(v, Op::Eq, c)),
        }
    }

    /// The members when they are all text (what the rule index can key on).
    pub fn texts(&self) -> Option<Vec<Box<[u8]>>> {
        match self {
            ConstSet::SmallBytes(items) => Some(items.clone()),
            ConstSet::Bytes(set) => Some(set.iter().cloned().collect()),
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ConstSet::SmallBytes(items) => items.len(),
            ConstSet::Bytes(set) => set.len(),
            ConstSet::Int(set) => set.len(),
            ConstSet::Other(items) => items.len(),
        }
    }
}

pub(crate) fn bytes_of<'a>(v: &'a Value<'_>) -> Option<&'a [u8]> {
    match v {
        Value::Str(s) => Some(s.as_bytes()),
        Value::Bytes(b) => Some(b),
        _ => None,
    }
}

pub(crate) fn int_of(v: &Value<'_>) -> Option<i128> {
    match v {
        Value::I64(i) => Some(i128::from(*i)),
        Value::U64(u) => Some(i128::from(*u)),
        Value::Bool(b) => Some(i128::from(*b)),
        Value::Str(s) => s.parse().ok(),
        _ => None,
    }
}

/// Converts condition text to a constant of type `ty` (libsinsp's value parsing).
pub(crate) fn convert(text: &str, ty: FieldType, op: Op) -> Result<Const, String> {
    let number = || -> Result<i128, String> {
        let t = text.strip_prefix('+').unwrap_or(text);
        let digits = t.strip_prefix('-').unwrap_or(t);
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(format!("{text} is not a valid number"));
        }
        t.parse::<i128>()
            .map_err(|_| format!("{text} is not a valid number"))
    };
    Ok(match ty {
        FieldType::String | FieldType::Dyn => Const::Str(text.into()),
        FieldType::Bytes if matches!(op, Op::BContains | Op::BStartsWith) => {
            Const::Bytes(hex(text)?.into())
        }
        FieldType::Bytes => Const::Bytes(text.as_bytes().into()),
        FieldType::I64 => Const::Int(range(
            number()?,
            i128::from(i64::MIN),
            i128::from(i64::MAX),
            text,
        )?),
        FieldType::U64 | FieldType::RelTime | FieldType::AbsTime => {
            Const::Int(range(number()?, 0, i128::from(u64::MAX), text)?)
        }
        FieldType::Port => Const::Int(range(number()?, 0, 65535, text)?),
        // libsinsp reads a double constant as a 32-bit integer.
        FieldType::F64 => Const::F64(f64::from(
            i32::try_from(number()?).map_err(|_| format!("{text} is not a valid number"))?,
        )),
        FieldType::Bool => match text {
            "true" => Const::Bool(true),
            "false" => Const::Bool(false),
            _ => return Err(format!("{text} is not a valid boolean")),
        },
        FieldType::IpAddr => Const::Ip(
            text.parse()
                .map_err(|_| format!("unrecognized IP address {text}"))?,
        ),
        FieldType::IpNet => {
            let (addr, bits) = text.split_once('/').unwrap_or((text, ""));
            let ip: IpAddr = addr
                .parse()
                .map_err(|_| format!("unrecognized IP network {text}"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = if bits.is_empty() {
                max
            } else {
                bits.parse::<u8>()
                    .map_err(|_| format!("unrecognized IP network {text}"))?
            };
            if bits > max {
                return Err(format!("unrecognized IP network {text}"));
            }
            Const::Net(ip, bits)
        }
    })
}

fn range(v: i128, lo: i128, hi: i128, text: &str) -> Result<i128, String> {
    if v < lo || v > hi {
        return Err(format!("{text} is not a valid number"));
    }
    Ok(v)
}

fn hex(text: &str) -> Result<Vec<u8>, String> {
    let t = text.as_bytes();
    if !t.len().is_multiple_of(2) {
        return Err(format!("invalid hex value {text}"));
    }
    t.chunks(2)
        .map(|c| {
            std::str::from_utf8(c)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or_else(|| format!("invalid hex value {text}"))
        })
        .collect()
}

/// One comparison of an extracted value with a constant (never `in`/`regex`/`glob`).
pub(crate) fn compare(v: &Value<'_>, op: Op, c: &Const) -> bool {
    match c {
        Const::Str(s) => bytes_of(v).is_some_and(|b| cmp_bytes(b, op, s.as_bytes())),
        Const::Bytes(s) => bytes_of(v).is_some_and(|b| cmp_bytes(b, op, s)),
        Const::Int(i) => int_of(v).is_some_and(|x| ord(op, x.cmp(i))),
        Const::F64(f) => {
            let x = match v {
                Value::F64(x) => *x,
                other => match int_of(other) {
                    Some(i) => i as f64,
                    None => return false,
                },
            };
            x.partial_cmp(f).is_some_and(|o| ord(op, o))
        }
        Const::Bool(b) => {
            matches!(v, Value::Bool(x) if ord(op, x.cmp(b)))
                || matches!(v, Value::Str(s) if ord(op, (&**s == "true").cmp(b)) && (&**s == "true" || &**s == "false"))
        }
        Const::Ip(ip) => match v {
            Value::Ip(x) => ord(op, x.cmp(ip)),
            Value::Str(s) => s.parse::<IpAddr>().is_ok_and(|x| ord(op, x.cmp(ip))),
            _ => false,
        },
        Const::Net(net, bits) => {
            let inside = match v {
                Value::Ip(x) => in_net(*x, *net, *bits),
                Value::Str(s) => s.parse::<IpAddr>().is_ok_and(|x| in_net(x, *net, *bits)),
                _ => return false,
            };
            match op {
                Op::Eq => inside,
                Op::Ne => !inside,
                _ => false,
            }
        }
    }
}

fn in_net(x: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (a, b, width) = match (x, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            (u128::from(u32::from(a)), u128::from(u32::from(b)), 32u32)
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128u32),
        _ => return false,
    };
    let shift = width - u32::from(bits);
    shift >= 128 || (a >> shift) == (b >> shift)
}

fn ord(op: Op, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => o == Equal,
        Op::Ne => o != Equal,
        Op::Lt => o == Less,
        Op::Le => o != Greater,
        Op::Gt => o == Greater,
        Op::Ge => o != Less,
        _ => false,
    }
}

fn cmp_bytes(b: &[u8], op: Op, c: &[u8]) -> bool {
    match op {
        Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => ord(op, b.cmp(c)),
        Op::Contains | Op::BContains => contains(b, c),
        Op::IContains => c.is_empty() || b.windows(c.len()).any(|w| w.eq_ignore_ascii_case(c)),
        Op::StartsWith | Op::BStartsWith => b.starts_with(c),
        Op::EndsWith => b.ends_with(c),
        _ => false,
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || memchr_find(hay, needle)
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let mut i = 0;
    while let Some(p) = hay
        .get(i..)
        .and_then(|h| h.iter().position(|&c| c == first))
    {
        let at = i + p;
        if hay.get(at + 1..at + 1 + rest.len()) == Some(rest) {
            return true;
        }
        i = at + 1;
    }
    false
}

/// `pmatch`: component-wise path prefix, RHS components may be globs.
pub(crate) fn pmatch(path: &[u8], prefixes: &[Vec<Glob>]) -> bool {
    let parts: Vec<&[u8]> = path
        .split(|&c| c == b'/')
        .filter(|p| !p.is_empty())
        .collect();
    prefixes
        .iter()
        .any(|pre| pre.len() <= parts.len() && pre.iter().zip(&parts).all(|(g, p)| g.matches(p)))
}

pub(crate) fn pmatch_prefix(text: &str) -> Vec<Glob> {
    text.split('/')
        .filter(|p| !p.is_empty())
        .map(|p| Glob::new(p, false))
        .collect()
}
