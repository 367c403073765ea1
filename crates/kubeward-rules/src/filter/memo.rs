//! Per-event memo of extracted field values.
//!
//! Rules of one source share most of their fields (every upstream k8s audit rule tests
//! the stage, most test the verb and the resource), so each distinct field (with its
//! transformers) gets a slot when the ruleset is built and is extracted at most once
//! per event. Values live in one arena vector; a slot holds its range.
//!
//! The buffers outlive events: a thread-local keeps them between calls and
//! [`recycle`] moves the allocation from one event lifetime to the next, so steady
//! state evaluation allocates nothing here.

use std::cell::Cell;
use std::ops::Range;

use super::{CField, Env, apply_from};
use crate::fields::{Sel, extract_generic};
use crate::source::{Event, Value};

/// A slot that was not assigned (fields of outputs, or filters evaluated directly).
pub(crate) const NO_SLOT: u32 = u32::MAX;

/// Not extracted yet for this event.
const EMPTY: (u32, u32) = (u32::MAX, 0);

/// The values extracted so far for one event.
pub(crate) struct Memo<'e> {
    vals: Vec<Value<'e>>,
    slots: Vec<(u32, u32)>,
}

impl<'e> Memo<'e> {
    /// Starts an event with `n` slots, reusing `old`'s buffers.
    pub fn start(old: Memo<'_>, n: usize) -> Memo<'e> {
        let mut slots = old.slots;
        slots.clear();
        slots.resize(n, EMPTY);
        Memo {
            vals: recycle(old.vals),
            slots,
        }
    }

    /// Extracts `f` unless this event already did; returns where its values are.
    pub fn ensure<E: Event + ?Sized>(
        &mut self,
        f: &CField,
        ev: &'e E,
        env: &Env<'_>,
    ) -> Range<usize> {
        let slot = self.slots.get(f.slot as usize).copied();
        if let Some((start, len)) = slot
            && start != u32::MAX
        {
            let start = start as usize;
            return start..start + len as usize;
        }
        let start = self.vals.len();
        match &f.sel {
            Sel::Source(r) => ev.extract(r, &mut self.vals),
            Sel::Generic(g) => extract_generic(*g, ev, env.generic, &mut self.vals),
            Sel::Multi(m) => super::multi::extract_multi(m, ev, env, &mut self.vals),
        }
        for t in f.transformers.iter().rev() {
            apply_from(*t, &mut self.vals, start);
        }
        let end = self.vals.len();
        // Unslotted fields (or an arena past u32) are simply not remembered.
        if let (Some(s), Ok(s32), Ok(len)) = (
            self.slots.get_mut(f.slot as usize),
            u32::try_from(start),
            u32::try_from(end - start),
        ) {
            *s = (s32, len);
        }
        start..end
    }

    /// The values at a range [`Memo::ensure`] gave.
    pub fn values(&self, r: Range<usize>) -> &[Value<'e>] {
        self.vals.get(r).unwrap_or(&[])
    }
}

/// The empty buffers a thread keeps between events.
pub(crate) struct Spare {
    vals: Vec<Value<'static>>,
    slots: Vec<(u32, u32)>,
}

thread_local! {
    static SPARE: Cell<Option<Spare>> = const { Cell::new(None) };
}

/// Takes this thread's spare buffers (or new ones) for an event.
pub(crate) fn take<'e>(n: usize) -> Memo<'e> {
    let spare = SPARE.with(Cell::take).unwrap_or(Spare {
        vals: Vec::new(),
        slots: Vec::new(),
    });
    Memo::start(
        Memo {
            vals: spare.vals,
            slots: spare.slots,
        },
        n,
    )
}

/// Gives the buffers back, emptied, unless they grew unusually large (bounded memory
/// per thread whatever one event held).
pub(crate) fn give_back(m: Memo<'_>) {
    const KEEP_VALUES: usize = 4096;
    if m.vals.capacity() > KEEP_VALUES {
        return;
    }
    SPARE.with(|s| {
        s.set(Some(Spare {
            vals: recycle(m.vals),
            slots: m.slots,
        }))
    });
}

/// Empties a vector and hands its allocation to another lifetime. The `map` over an
/// empty iterator never runs; std collects it in place (same element layout), so the
/// capacity is kept without unsafe code.
pub(crate) fn recycle<'b>(mut v: Vec<Value<'_>>) -> Vec<Value<'b>> {
    v.clear();
    v.into_iter().map(|_| Value::Bool(false)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycling_keeps_the_allocation() {
        let mut v: Vec<Value<'_>> = Vec::with_capacity(64);
        let text = String::from("x");
        v.push(Value::str(&text));
        let w: Vec<Value<'static>> = recycle(v);
        assert!(w.is_empty());
        assert!(w.capacity() >= 64, "capacity {}", w.capacity());
    }
}
