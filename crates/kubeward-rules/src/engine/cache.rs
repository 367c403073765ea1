//! What one [`Engine::load`](super::Engine::load) remembers between the builds it runs
//! after each file.
//!
//! Falco recompiles everything after every file; doing that literally made loading
//! the four upstream files compile the first file four times. The observable result
//! of a build is a pure function of the collected definitions, so a build reuses an
//! earlier build's work for a macro or rule whose inputs are unchanged:
//! - a macro: its condition text and `last_seq`, and every list its substitution could
//!   have touched (the tokens of its text and of the items spliced in);
//! - a rule: its whole definition, the same list dependencies, and the generation of
//!   every macro the compiler looked up (found or not).
//!
//! Everything else (errors, warnings, unused items, their order) is recomputed by
//! replaying the cached outcomes, so the reports are those of a full rebuild; the
//! tests in `engine::tests` compare both on the upstream files and on generated
//! multi-file sequences.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::ast::Expr;
use crate::collector::{Collector, RuleDef};
use crate::filter::Filter;
use crate::lists::{is_delim, substitute};
use crate::output::Format;
use crate::parser::ParseError;
use crate::yaml::Pos;

/// The most list items all lists may hold once lists named in lists are spliced in:
/// a list of 1,000 names of a 1,000-item list is already a million.
pub(super) const MAX_LIST_ITEMS: usize = 1_000_000;
/// The most bytes all list items may hold, nested lists spliced in.
pub(super) const MAX_LIST_BYTES: usize = 64 << 20;

/// The longest condition text after list substitution: a list whose items name a
/// later list doubles the text at each level.
pub(super) const MAX_CONDITION_BYTES: usize = 8 << 20;

/// Lists after one level of nesting, with lookups for substitution.
#[derive(Debug, Default)]
pub(super) struct Lists {
    items: Vec<(String, Vec<String>)>,
    by_name: HashMap<String, usize>,
    /// Names holding a delimiter cannot be found by tokenising; they are always tried.
    odd: Vec<usize>,
    /// Lists used as items of other lists (they count as used).
    pub nested_used: Vec<String>,
    /// The first list whose expansion went past [`MAX_LIST_ITEMS`] (then left as is).
    pub too_large: Option<String>,
}

fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c.is_ascii() && is_delim(c as u8))
}

impl Lists {
    fn expand(col: &Collector) -> Lists {
        let mut nested_used = Vec::new();
        let (mut total, mut bytes) = (0usize, 0usize);
        let mut too_large = None;
        let items: Vec<(String, Vec<String>)> = col
            .lists
            .items
            .iter()
            .map(|l| {
                let mut items = Vec::with_capacity(l.items.len());
                for it in &l.items {
                    match col
                        .lists
                        .get(it)
                        .filter(|k| k.first_seq < l.last_seq && k.name != l.name)
                    {
                        Some(k) => {
                            let more: usize = k.items.iter().map(String::len).sum();
                            if total + items.len() + k.items.len() > MAX_LIST_ITEMS
                                || bytes + more > MAX_LIST_BYTES
                            {
                                too_large.get_or_insert_with(|| l.name.clone());
                                break;
                            }
                            bytes += more;
                            items.extend(k.items.iter().cloned());
                            nested_used.push(it.clone());
                        }
                        None => {
                            bytes += it.len();
                            items.push(it.clone());
                        }
                    }
                }
                total += items.len();
                (l.name.clone(), items)
            })
            .collect();
        let by_name = items
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.clone(), i))
            .collect();
        let odd = items
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| n.bytes().any(is_delim))
            .map(|(i, _)| i)
            .collect();
        Lists {
            items,
            by_name,
            odd,
            nested_used,
            too_large,
        }
    }

    /// Falco's substitution of every list, in definition order. Only lists whose name
    /// occurs as a token (in the text or in items spliced in before them) can change
    /// anything, so only those are tried. Names of the lists substituted go to `used`.
    /// A text that grows past [`MAX_CONDITION_BYTES`] is an error naming the list.
    pub fn subst(&self, text: &str, used: &mut Vec<String>) -> Result<String, ParseError> {
        let mut t = text.to_owned();
        let mut todo: BTreeSet<usize> = self.odd.iter().copied().collect();
        let add = |src: &str, after: Option<usize>, todo: &mut BTreeSet<usize>| {
            for tok in tokens(src) {
                if let Some(&i) = self.by_name.get(tok)
                    && after.is_none_or(|a| i > a)
                {
                    todo.insert(i);
                }
            }
        };
        add(&t, None, &mut todo);
        while let Some(i) = todo.pop_first() {
            let Some((name, items)) = self.items.get(i) else {
                continue;
            };
            let Some(changed) = substitute(&mut t, name, items, MAX_CONDITION_BYTES) else {
                return Err(ParseError {
                    offset: 0,
                    message: format!(
                        "list '{name}' makes the condition longer than {} MiB once substituted (lists are spliced as text wherever they are named, in conditions and in the items of later lists)",
                        MAX_CONDITION_BYTES >> 20
                    ),
                });
            };
            if changed {
                if !used.contains(name) {
                    used.push(name.clone());
                }
                for item in items {
                    add(item, Some(i), &mut todo);
                }
            }
        }
        Ok(t)
    }

    /// Whether substituting `text` might give another result than it did when `used`
    /// were the lists substituted: some token it examines names a changed list.
    fn touched(&self, dirty: &Dirty, text: &str, used: &[String]) -> bool {
        if dirty.all {
            return true;
        }
        if dirty.names.is_empty() {
            return false;
        }
        let hit = |s: &str| tokens(s).any(|t| dirty.names.contains(t));
        hit(text)
            || used.iter().any(|u| {
                dirty.names.contains(u)
                    || self
                        .by_name
                        .get(u)
                        .and_then(|&i| self.items.get(i))
                        .is_some_and(|(_, items)| items.iter().any(|it| hit(it)))
            })
    }
}

/// Lists whose expansion (or position) differs from the previous build.
#[derive(Debug, Default)]
struct Dirty {
    names: HashSet<String>,
    /// Everything must be recomputed (first build, cache off, a delimiter name changed).
    all: bool,
}

/// A macro parsed in an earlier build.
#[derive(Debug)]
pub(super) struct MacroEntry {
    condition: String,
    last_seq: u64,
    pub used_lists: Vec<String>,
    /// Macro references with their offsets, or the parse error.
    pub outcome: Result<Vec<(String, usize)>, ParseError>,
}

/// What compiling a rule gave.
#[derive(Debug)]
pub(super) struct Compiled {
    /// Taken by the last build; `None` afterwards.
    pub filter: Option<(Filter, Format)>,
    /// The condition after exceptions and list substitution.
    pub condition: String,
    pub warnings: Vec<(&'static str, String)>,
    /// Warnings located at the rule itself rather than its condition.
    pub rule_warnings: Vec<(&'static str, String)>,
    /// A syscall rule that does not narrow `evt.type` enough (LOAD_NO_EVTTYPE, shown
    /// unless the rule says `warn_evttypes: false`).
    pub no_evttype: bool,
}

/// An error compiling a rule: code, message and the location inside the rule (type,
/// name, position).
#[derive(Debug, Clone)]
pub(super) struct RuleErr {
    pub code: &'static str,
    pub message: String,
    pub item_type: &'static str,
    pub item_name: String,
    pub pos: Pos,
}

impl RuleErr {
    pub fn new(code: &'static str, message: String, item_type: &'static str, pos: Pos) -> Self {
        RuleErr {
            code,
            message,
            item_type,
            item_name: String::new(),
            pos,
        }
    }
}

/// A rule compiled in an earlier build.
#[derive(Debug)]
pub(super) struct RuleEntry {
    def: RuleDef,
    source: usize,
    /// The condition with exceptions rendered in, before substitution.
    pub rendered: String,
    pub used_lists: Vec<String>,
    /// Macros the condition names directly (they count as used).
    pub used_macros: Vec<String>,
    /// Every macro the compiler looked up, with its generation then.
    pub macro_gens: Vec<(String, Option<u64>)>,
    pub outcome: Result<Compiled, RuleErr>,
}

#[derive(Debug, Default)]
pub(super) struct Cache {
    disabled: bool,
    generation: u64,
    pub lists: Lists,
    dirty: Dirty,
    macros: HashMap<String, MacroEntry>,
    /// Parsed macros of the current build.
    pub asts: HashMap<String, Expr>,
    /// The build in which each macro's AST was last (re)computed.
    macro_gen: HashMap<String, u64>,
    rules: HashMap<String, RuleEntry>,
    /// Rules and macros compiled from scratch (what the cache did not save).
    #[cfg(test)]
    pub recompiled: usize,
}

impl Cache {
    /// A cache that never reuses anything (the reference behaviour in tests).
    #[cfg(test)]
    pub fn disabled() -> Cache {
        Cache {
            disabled: true,
            ..Cache::default()
        }
    }

    /// Starts a build: re-expands lists and works out which changed.
    pub fn begin(&mut self, col: &Collector) {
        self.generation += 1;
        let next = Lists::expand(col);
        let mut dirty = Dirty {
            names: HashSet::new(),
            all: self.disabled || self.generation == 1,
        };
        for (i, (name, items)) in next.items.iter().enumerate() {
            if self.lists.items.get(i) != Some(&(name.clone(), items.clone())) {
                if name.bytes().any(is_delim) {
                    dirty.all = true;
                }
                dirty.names.insert(name.clone());
            }
        }
        self.lists = next;
        self.dirty = dirty;
    }

    /// The macro's entry, parsed again unless an earlier one still holds.
    pub fn macro_entry(&mut self, name: &str, condition: &str, last_seq: u64) -> &MacroEntry {
        let old = self.macros.remove(name).filter(|e| {
            e.last_seq == last_seq
                && e.condition == condition
                && !self.lists.touched(&self.dirty, condition, &e.used_lists)
        });
        let entry = match old {
            Some(e) => e,
            None => {
                #[cfg(test)]
                {
                    self.recompiled += 1;
                }
                let mut used_lists = Vec::new();
                let outcome = self
                    .lists
                    .subst(condition, &mut used_lists)
                    .and_then(|text| crate::parser::parse(&text))
                    .map(|ast| {
                        let mut refs = Vec::new();
                        crate::compile::macro_refs(&ast, &mut refs);
                        self.asts.insert(name.to_owned(), ast);
                        refs
                    });
                if outcome.is_err() {
                    self.asts.remove(name);
                }
                self.macro_gen.insert(name.to_owned(), self.generation);
                MacroEntry {
                    condition: condition.to_owned(),
                    last_seq,
                    used_lists,
                    outcome,
                }
            }
        };
        self.macros
            .entry(name.to_owned())
            .insert_entry(entry)
            .into_mut()
    }

    /// The rule's entry, compiled again (by `compile`) unless an earlier one holds.
    pub fn rule_entry(
        &mut self,
        r: &RuleDef,
        source: usize,
        compile: impl FnOnce(&Lists, &HashMap<String, Expr>) -> RuleEntryParts,
    ) -> &mut RuleEntry {
        let old = self.rules.remove(&r.name).filter(|e| {
            e.source == source
                && e.def == *r
                && e.outcome.as_ref().is_ok_and(|c| c.filter.is_some())
                && !self.lists.touched(&self.dirty, &e.rendered, &e.used_lists)
                && e.macro_gens.iter().all(|(m, g)| self.macro_gen_of(m) == *g)
        });
        let entry = match old {
            Some(e) => e,
            None => {
                #[cfg(test)]
                {
                    self.recompiled += 1;
                }
                let parts = compile(&self.lists, &self.asts);
                let macro_gens = parts
                    .looked_up
                    .into_iter()
                    .map(|m| {
                        let g = self.macro_gen_of(&m);
                        (m, g)
                    })
                    .collect();
                RuleEntry {
                    def: r.clone(),
                    source,
                    rendered: parts.rendered,
                    used_lists: parts.used_lists,
                    used_macros: parts.used_macros,
                    macro_gens,
                    outcome: parts.outcome,
                }
            }
        };
        self.rules
            .entry(r.name.clone())
            .insert_entry(entry)
            .into_mut()
    }

    fn macro_gen_of(&self, name: &str) -> Option<u64> {
        self.asts
            .contains_key(name)
            .then(|| self.macro_gen.get(name).copied())
            .flatten()
    }
}

/// What compiling a rule from scratch produces.
pub(super) struct RuleEntryParts {
    pub rendered: String,
    pub used_lists: Vec<String>,
    pub used_macros: Vec<String>,
    pub looked_up: Vec<String>,
    pub outcome: Result<Compiled, RuleErr>,
}
