//! A serde deserializer over [`Node`], so typed k8s-openapi structs decode straight from
//! the tree (no intermediate JSON) and a type error names the line of the value at
//! fault.
//!
//! It follows what Kubernetes does after its YAML-to-JSON step: values are seen as their
//! JSON forms (an integral float such as `1.0` is the JSON number `1`, as Go's encoder
//! writes it), and of duplicated keys the last one counts.

use std::collections::HashSet;
use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, Visitor};

use crate::{Entry, Node, Pos, Value};

/// A decoding error and, when known, where the offending value is.
#[derive(Debug)]
pub(crate) struct Error {
    pub(crate) pos: Option<Pos>,
    pub(crate) message: String,
}

impl Error {
    fn at(mut self, pos: Pos) -> Self {
        self.pos.get_or_insert(pos);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error {
            pos: None,
            message: msg.to_string(),
        }
    }
}

/// Decodes `node` into `T`.
pub(crate) fn from_node<'de, T: serde::Deserialize<'de>>(node: &'de Node) -> Result<T, Error> {
    T::deserialize(NodeDe(node))
}

struct NodeDe<'a>(&'a Node);

/// The largest magnitude Go's JSON encoder writes without an exponent (`1e21` and up
/// are written as `1e+21`, which no integer field accepts).
const GO_PLAIN_FLOAT_LIMIT: f64 = 1e21;

fn visit_float<'de, V: Visitor<'de>>(f: f64, v: V) -> Result<V::Value, Error> {
    if !f.is_finite() {
        return Err(de::Error::custom(
            "NaN and infinity have no JSON form; Kubernetes rejects them",
        ));
    }
    if f.fract() == 0.0 && f.abs() < GO_PLAIN_FLOAT_LIMIT {
        // In range by the check above; the casts are exact for integral values.
        if f >= i64::MIN as f64 && f < i64::MAX as f64 {
            return v.visit_i64(f as i64);
        }
        if f >= 0.0 && f < u64::MAX as f64 {
            return v.visit_u64(f as u64);
        }
    }
    v.visit_f64(f)
}

impl<'de> Deserializer<'de> for NodeDe<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        let node = self.0;
        let result = match &node.value {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(*b),
            Value::Int(i) => v.visit_i64(*i),
            Value::Float(f) => visit_float(*f, v),
            Value::Str(s) => v.visit_borrowed_str(s),
            Value::Seq(items) => v.visit_seq(SeqDe(items.iter())),
            Value::Map(entries) => v.visit_map(MapDe::new(entries)),
        };
        result.map_err(|e| e.at(node.pos))
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0.value {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        let node = self.0;
        match &node.value {
            Value::Str(s) => v.visit_enum(s.as_str().into_deserializer()),
            other => Err(de::Error::custom(format!(
                "invalid type: {}, expected a string",
                crate::yaml::describe(other)
            ))),
        }
        .map_err(|e: Error| e.at(node.pos))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

struct SeqDe<'a>(std::slice::Iter<'a, Node>);

impl<'de> de::SeqAccess<'de> for SeqDe<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|n| seed.deserialize(NodeDe(n)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapDe<'a> {
    entries: &'a [Entry],
    /// Which entries count, when some keys repeat (the last of each does).
    keep: Option<Vec<bool>>,
    next: usize,
    value: Option<&'a Node>,
}

impl<'a> MapDe<'a> {
    fn new(entries: &'a [Entry]) -> Self {
        MapDe {
            entries,
            keep: last_of_each_key(entries),
            next: 0,
            value: None,
        }
    }
}

/// `None` when every key is distinct (the common case, checked without allocating for
/// small maps).
fn last_of_each_key(entries: &[Entry]) -> Option<Vec<bool>> {
    const SMALL: usize = 16;
    let has_dup = if entries.len() <= SMALL {
        entries
            .iter()
            .enumerate()
            .any(|(i, e)| entries.iter().skip(i + 1).any(|l| l.key == e.key))
    } else {
        let mut seen = HashSet::with_capacity(entries.len());
        !entries.iter().all(|e| seen.insert(e.key.as_str()))
    };
    if !has_dup {
        return None;
    }
    let mut seen = HashSet::with_capacity(entries.len());
    let mut keep: Vec<bool> = entries
        .iter()
        .rev()
        .map(|e| seen.insert(e.key.as_str()))
        .collect();
    keep.reverse();
    Some(keep)
}

impl<'de> de::MapAccess<'de> for MapDe<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        while let Some(entry) = self.entries.get(self.next) {
            let i = self.next;
            self.next += 1;
            if self
                .keep
                .as_ref()
                .is_some_and(|k| !k.get(i).copied().unwrap_or(true))
            {
                continue;
            }
            self.value = Some(&entry.value);
            return seed
                .deserialize(BorrowedStrDeserializer::<Error>::new(&entry.key))
                .map(Some)
                .map_err(|e| e.at(entry.key_pos));
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(n) => seed.deserialize(NodeDe(n)),
            None => Err(de::Error::custom("value requested before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len().saturating_sub(self.next))
    }
}
