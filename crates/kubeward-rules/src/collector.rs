//! The definitions gathered from rules files, in Falco's order and with its
//! redefinition/append/override semantics applied.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::priority::Priority;
use crate::yaml::Pos;

/// Where an item was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ctx {
    pub file: Arc<str>,
    pub file_index: usize,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub(crate) struct ListDef {
    pub name: String,
    pub items: Vec<String>,
    pub ctx: Ctx,
    /// Sequence number of the first definition and of the latest define/append.
    pub first_seq: u64,
    pub last_seq: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct MacroDef {
    pub name: String,
    pub condition: String,
    pub ctx: Ctx,
    pub cond_pos: Pos,
    pub first_seq: u64,
    pub last_seq: u64,
}

/// One entry of an exception's `values`, as written: a scalar or a (nested) sequence.
/// The shape is checked against `fields` when the rule is compiled, as Falco does, so
/// appended values are checked too.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ExcValue {
    Scalar(String),
    List(Vec<ExcValue>),
    /// A map or null where a value belongs: Falco keeps it as an empty, non-list entry.
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExceptionDef {
    pub name: String,
    /// `None`: not given (allowed only when appending values to an existing one).
    pub fields: Option<Fields>,
    pub comps: Option<Fields>,
    /// Tuple form: each entry one tuple; single form: each a scalar.
    pub values: Vec<ExcValue>,
    pub pos: Pos,
}

/// A scalar (single form) or a sequence (tuple form).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fields {
    Single(String),
    Tuple(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RuleDef {
    pub name: String,
    pub condition: String,
    pub cond_pos: Pos,
    pub output: String,
    pub output_pos: Pos,
    pub desc: String,
    pub priority: Priority,
    pub source: String,
    pub enabled: bool,
    pub tags: BTreeSet<String>,
    pub exceptions: Vec<ExceptionDef>,
    pub warn_evttypes: bool,
    pub skip_if_unknown_filter: bool,
    pub capture: bool,
    pub capture_duration: u64,
    pub ctx: Ctx,
}

/// A plugin requirement with its alternatives.
#[derive(Debug, Clone)]
pub(crate) struct PluginReq {
    /// (name, version) — the first is the main requirement.
    pub options: Vec<(String, String)>,
    pub ctx: Ctx,
}

/// Named definitions kept in first-definition order.
#[derive(Debug, Clone)]
pub(crate) struct Ordered<T> {
    pub items: Vec<T>,
    pub index: HashMap<String, usize>,
}

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T> Ordered<T> {
    pub fn get(&self, name: &str) -> Option<&T> {
        self.index.get(name).and_then(|&i| self.items.get(i))
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        let i = *self.index.get(name)?;
        self.items.get_mut(i)
    }

    /// Defines or redefines: a redefinition keeps the original slot.
    pub fn put(&mut self, name: &str, value: T) {
        match self.index.get(name) {
            Some(&i) => {
                if let Some(slot) = self.items.get_mut(i) {
                    *slot = value;
                }
            }
            None => {
                self.index.insert(name.to_owned(), self.items.len());
                self.items.push(value);
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Collector {
    pub lists: Ordered<ListDef>,
    pub macros: Ordered<MacroDef>,
    pub rules: Ordered<RuleDef>,
    pub plugin_reqs: Vec<PluginReq>,
    /// Every `required_engine_version` read, as (major, minor, patch).
    pub engine_versions: Vec<(u64, u64, u64)>,
    pub seq: u64,
}

impl Collector {
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}
