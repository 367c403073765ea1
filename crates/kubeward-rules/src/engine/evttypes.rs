//! Which `evt.type` values a syscall rule can match, for Falco's LOAD_NO_EVTTYPE
//! warning: a rule whose condition does not narrow the event types (or narrows them
//! to nothing, or to more than [`MAX_TYPES`]) is tested on every event.
//!
//! `not` is pushed to the leaves (De Morgan), so `not (evt.type = a and x)` is
//! "anything but a, or anything" = anything. Only checks of the untransformed
//! `evt.type` with `=`, `!=` and `in` restrict; every other check allows all types.

use std::collections::BTreeSet;

use crate::ast::Op;
use crate::fields::Sel;
use crate::filter::{CRhs, Filter};
use crate::value::Const;

/// Falco warns above this many event types.
pub(super) const MAX_TYPES: usize = 100;

/// A set of event type names, or its complement (the set of every name is unknown
/// here: there is no event table, so a complement is always "too many").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Types {
    Only(BTreeSet<Box<[u8]>>),
    AllBut(BTreeSet<Box<[u8]>>),
}

impl Types {
    fn all() -> Types {
        Types::AllBut(BTreeSet::new())
    }

    fn and(self, other: Types) -> Types {
        use Types::*;
        match (self, other) {
            (Only(a), Only(b)) => Only(a.intersection(&b).cloned().collect()),
            (Only(a), AllBut(b)) | (AllBut(b), Only(a)) => Only(&a - &b),
            (AllBut(a), AllBut(b)) => AllBut(&a | &b),
        }
    }

    fn or(self, other: Types) -> Types {
        use Types::*;
        match (self, other) {
            (Only(a), Only(b)) => Only(&a | &b),
            (Only(a), AllBut(b)) | (AllBut(b), Only(a)) => AllBut(&b - &a),
            (AllBut(a), AllBut(b)) => AllBut(a.intersection(&b).cloned().collect()),
        }
    }

    /// Falco's test: no type at all, or more than [`MAX_TYPES`].
    pub(super) fn too_many(&self) -> bool {
        match self {
            Types::Only(s) => s.is_empty() || s.len() > MAX_TYPES,
            Types::AllBut(_) => true,
        }
    }
}

/// The event types `f` can be true for (`negated`: of `not f`).
pub(super) fn types(f: &Filter, evt_type: &Sel, negated: bool) -> Types {
    match f {
        Filter::Not(inner) => types(inner, evt_type, !negated),
        Filter::And(items) | Filter::Or(items) => {
            // Under a negation `and` becomes `or` and back.
            let conjunction = matches!(f, Filter::And(_)) != negated;
            let mut it = items.iter().map(|i| types(i, evt_type, negated));
            let first = it.next().unwrap_or_else(|| {
                // An empty `and` is true, an empty `or` false.
                if conjunction {
                    Types::all()
                } else {
                    Types::Only(BTreeSet::new())
                }
            });
            it.fold(
                first,
                |acc, t| if conjunction { acc.and(t) } else { acc.or(t) },
            )
        }
        Filter::Check(c) => {
            if c.lhs.sel != *evt_type || !c.lhs.transformers.is_empty() || c.modifier.is_some() {
                return Types::all();
            }
            let names: BTreeSet<Box<[u8]>> = match (&c.rhs, c.op) {
                (CRhs::Const(Const::Str(s)), Op::Eq | Op::Ne) => {
                    std::iter::once(s.as_bytes().into()).collect()
                }
                (CRhs::Set(set), Op::In) => match set.texts() {
                    Some(v) => v.into_iter().collect(),
                    None => return Types::all(),
                },
                _ => return Types::all(),
            };
            // `!=` is the complement of `=`; a negation flips either.
            if (c.op == Op::Ne) != negated {
                Types::AllBut(names)
            } else {
                Types::Only(names)
            }
        }
    }
}
