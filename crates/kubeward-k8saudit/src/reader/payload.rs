//! One record (a whole JSON value) to audit events, with the plugin's acceptance rules:
//! an `Event`, an `EventList`'s items, or an array of those (all or nothing).

use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Record, Skip, SkipKind};
use crate::event::{AuditEvent, EventError, MAX_EVENT_SIZE};
use crate::json::{Json, JsonSeed, Key, Stacks};

/// Calls `$with` with a deserializer over `$text` and the other arguments. One UTF-8
/// check of the whole text is much cheaper than serde_json's check of every string;
/// invalid text takes the slice reader, for its exact error.
macro_rules! by_utf8 {
    ($with:ident($text:expr, $($arg:expr),*)) => {
        match std::str::from_utf8($text) {
            Ok(s) => $with(serde_json::Deserializer::from_str(s), $($arg),*),
            Err(_) => $with(serde_json::Deserializer::from_slice($text), $($arg),*),
        }
    };
}

/// Parses one record (a whole JSON value) and reports its events and skips. Returns
/// the JSON error when the record as a whole is unreadable.
pub fn parse_record(
    text: &[u8],
    line: u64,
    sink: &mut dyn FnMut(Record<'_, '_>),
) -> Result<(), serde_json::Error> {
    by_utf8!(parse_with(text, text.len(), line, sink))
}

fn parse_with<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    len: usize,
    line: u64,
    sink: &mut dyn FnMut(Record<'_, '_>),
) -> Result<(), serde_json::Error> {
    let check_size = len > MAX_EVENT_SIZE / 2;
    let mut stacks: Stacks<'de> = SPARE.with(Cell::take).unwrap_or_default().recycle();
    let mut emit = |item: Option<usize>, result: Result<AuditEvent<'_>, EventError>| match result {
        Ok(ev) => sink(Record::Event(&ev)),
        Err(e) => sink(Record::Skip(Skip {
            kind: SkipKind::NotAnEvent,
            line,
            column: None,
            item,
            reason: e.to_string(),
        })),
    };
    let seed = PayloadSeed {
        emit: &mut emit,
        stacks: &mut stacks,
        check_size,
    };
    let outcome = de.deserialize_any(seed);
    if stacks.reusable() {
        SPARE.with(|s| s.set(Some(stacks.recycle())));
    }
    let outcome = outcome?;
    de.end()?;
    if let Some(payload) = outcome {
        let single = matches!(payload, Json::Obj(_))
            && payload.get("kind").and_then(Json::as_str) == Some("Event");
        // Arrays are all or nothing: one unrecognised element drops the payload.
        let mut events = Vec::new();
        if !collect_payload(payload, &mut events) {
            emit(None, Err(EventError::NotAuditEvent));
            return Ok(());
        }
        for (i, item) in events.into_iter().enumerate() {
            emit(
                (!single).then_some(i),
                AuditEvent::from_json(item, check_size),
            );
        }
    }
    Ok(())
}

/// Parses one item of an `EventList` (a whole JSON value) and reports it as an event
/// or a skip (with line 0: the caller knows where the item is). Returns the JSON error
/// when the item is not valid JSON.
pub fn parse_item(
    text: &[u8],
    index: usize,
    sink: &mut dyn FnMut(Record<'_, '_>),
) -> Result<(), serde_json::Error> {
    by_utf8!(item_with(text, text.len(), index, sink))
}

fn item_with<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    len: usize,
    index: usize,
    sink: &mut dyn FnMut(Record<'_, '_>),
) -> Result<(), serde_json::Error> {
    let mut stacks: Stacks<'de> = SPARE.with(Cell::take).unwrap_or_default().recycle();
    let parsed = JsonSeed(&mut stacks).deserialize(&mut de);
    if stacks.reusable() {
        SPARE.with(|s| s.set(Some(stacks.recycle())));
    }
    let value = parsed?;
    de.end()?;
    match AuditEvent::from_json(value, len > MAX_EVENT_SIZE / 2) {
        Ok(ev) => sink(Record::Event(&ev)),
        Err(e) => sink(Record::Skip(Skip {
            kind: SkipKind::NotAnEvent,
            line: 0,
            column: None,
            item: Some(index),
            reason: e.to_string(),
        })),
    }
    Ok(())
}

/// The plugin's `ParseAuditEventsJSON` over a buffered value: arrays recurse, `Event`
/// is one event, `EventList` gives its items.
fn collect_payload<'a>(value: Json<'a>, out: &mut Vec<Json<'a>>) -> bool {
    match value {
        Json::Arr(items) => items.into_iter().all(|v| collect_payload(v, out)),
        Json::Obj(_) => match value.get("kind").and_then(Json::as_str) {
            Some("Event") => {
                out.push(value);
                true
            }
            Some("EventList") => {
                let Json::Obj(members) = value else {
                    return false;
                };
                match members
                    .into_iter()
                    .find(|(k, _)| k == "items")
                    .map(|(_, v)| v)
                {
                    Some(Json::Arr(items)) => {
                        out.extend(items);
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        },
        _ => false,
    }
}

type Emit<'f, 'de> = dyn FnMut(Option<usize>, Result<AuditEvent<'de>, EventError>) + 'f;

/// Deserializes a payload. `EventList` items whose `kind` came first are emitted one by
/// one while parsing (so a huge list is never held); anything else is returned whole,
/// to be classified once the record is known to be valid (`None`: all emitted).
struct PayloadSeed<'s, 'f, 'de> {
    emit: &'s mut Emit<'f, 'de>,
    stacks: &'s mut Stacks<'de>,
    check_size: bool,
}

thread_local! {
    /// Parse stacks kept between records (see [`Stacks`]).
    static SPARE: Cell<Option<Stacks<'static>>> = const { Cell::new(None) };
}

impl<'s, 'f, 'de> DeserializeSeed<'de> for PayloadSeed<'s, 'f, 'de> {
    type Value = Option<Json<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'s, 'f, 'de> Visitor<'de> for PayloadSeed<'s, 'f, 'de> {
    type Value = Option<Json<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes audit Event or EventList object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(JsonSeed(&mut *self.stacks))? {
            items.push(item);
        }
        Ok(Some(Json::Arr(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members: Vec<(std::borrow::Cow<'de, str>, Json<'de>)> = Vec::with_capacity(16);
        let mut kind: Option<bool> = None; // Some(true) = EventList seen before items
        let mut streamed = false;
        while let Some(Key(k)) = map.next_key()? {
            if k == "items" && kind == Some(true) && !members.iter().any(|(m, _)| m == "items") {
                let check_size = self.check_size;
                let emit = &mut *self.emit;
                let stacks = &mut *self.stacks;
                streamed = map.next_value_seed(ItemsSeed {
                    emit,
                    stacks,
                    check_size,
                })?;
                members.push((k, Json::Null));
                continue;
            }
            let v = map.next_value_seed(JsonSeed(&mut *self.stacks))?;
            if k == "kind" && !members.iter().any(|(m, _)| m == "kind") {
                kind = Some(v.as_str() == Some("EventList"));
            }
            members.push((k, v));
        }
        if streamed {
            return Ok(None);
        }
        // Classified by the caller once the whole record is known to be valid JSON.
        Ok(Some(Json::Obj(members)))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Some(Json::Null))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        self.visit_bool(false)
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        self.visit_bool(false)
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        self.visit_bool(false)
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
        self.visit_bool(false)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.visit_bool(false)
    }
}

/// Streams the `items` of an `EventList`. Returns `false` (nothing emitted) when the
/// value is not an array, which the caller then reports as the plugin does.
struct ItemsSeed<'s, 'f, 'de> {
    emit: &'s mut Emit<'f, 'de>,
    stacks: &'s mut Stacks<'de>,
    check_size: bool,
}

impl<'s, 'f, 'de> DeserializeSeed<'de> for ItemsSeed<'s, 'f, 'de> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'s, 'f, 'de> Visitor<'de> for ItemsSeed<'s, 'f, 'de> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of audit events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let mut i = 0;
        while let Some(item) = seq.next_element_seed(JsonSeed(&mut *self.stacks))? {
            (self.emit)(Some(i), AuditEvent::from_json(item, self.check_size));
            i += 1;
        }
        Ok(true)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<Key<'de>, Json<'de>>()?.is_some() {}
        (self.emit)(None, Err(EventError::NotAuditEvent));
        Ok(true)
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<bool, E> {
        (self.emit)(None, Err(EventError::NotAuditEvent));
        Ok(true)
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<bool, E> {
        self.visit_bool(false)
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<bool, E> {
        self.visit_bool(false)
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<bool, E> {
        self.visit_bool(false)
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<bool, E> {
        self.visit_bool(false)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
        self.visit_bool(false)
    }
}
