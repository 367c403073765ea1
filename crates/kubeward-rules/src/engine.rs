//! The public entry points: [`Engine`] loads rules files into a [`Ruleset`], which
//! evaluates events and formats alerts.
//!
//! ```
//! use kubeward_rules::engine::{Engine, MatchMode, RulesFile, AlertOptions};
//! use kubeward_rules::source::{Event, FieldDef, FieldRef, FieldType, SourceSpec, Value};
//!
//! struct Ev(&'static str);
//! impl Event for Ev {
//!     fn time_ns(&self) -> i64 { 1_700_000_000_000_000_000 }
//!     fn extract<'e>(&'e self, _f: &FieldRef, out: &mut Vec<Value<'e>>) { out.push(Value::str(self.0)) }
//! }
//!
//! let mut engine = Engine::new();
//! engine.add_source(SourceSpec::new("toy", vec![FieldDef::new(0, "toy.user", FieldType::String, "user")]));
//! let rules = "- rule: Root\n  desc: d\n  condition: toy.user = root\n  output: user=%toy.user\n  priority: WARNING\n  source: toy\n";
//! let loaded = engine.load(&[RulesFile::new("r.yaml", rules)]);
//! let ruleset = loaded.ruleset.expect("valid rules");
//! let toy = ruleset.source_id("toy").unwrap();
//! let mut hits = Vec::new();
//! ruleset.evaluate(toy, &Ev("root"), MatchMode::All, &mut hits);
//! let alert = ruleset.alert(hits[0], &Ev("root"), &AlertOptions::default()).unwrap();
//! assert_eq!(alert.text_line(), "22:13:20.000000000: Warning user=root");
//! ```

use std::sync::Arc;

use crate::collector::Collector;
use crate::diag::FileReport;
use crate::fields::{GenericCtx, Table};
use crate::filter::{Env, Filter, memo};
use crate::output::Format;
use crate::priority::Priority;
use crate::reader::Reader;
use crate::source::{Event, FieldDef, SourceSpec};

pub use select::Selection;

mod alert;
mod build;
mod cache;
mod compared;
mod describe;
mod evttypes;
mod exceptions;
mod plan;
mod select;
#[cfg(test)]
mod tests;

pub use alert::{Alert, AlertOptions, JsonOptions};

/// One rules file's name (for messages) and text.
#[derive(Debug, Clone)]
pub struct RulesFile<'a> {
    /// The file's name as given, used in diagnostics (Falco's `position.name`).
    pub name: String,
    /// The file's YAML text.
    pub content: &'a str,
}

impl<'a> RulesFile<'a> {
    /// A rules file named `name` holding `content`.
    pub fn new(name: impl Into<String>, content: &'a str) -> Self {
        RulesFile {
            name: name.into(),
            content,
        }
    }
}

/// Knows the sources; loads rules files.
#[derive(Debug, Clone)]
pub struct Engine {
    tables: Vec<Table>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// An engine that knows the built-in (inactive) syscall field table.
    pub fn new() -> Engine {
        Engine {
            tables: vec![Table::new(crate::syscall::spec())],
        }
    }

    /// Adds a source, replacing any of the same name.
    pub fn add_source(&mut self, spec: SourceSpec) {
        self.tables.retain(|t| t.spec.name != spec.name);
        self.tables.push(Table::new(spec));
    }

    /// The known sources.
    pub fn sources(&self) -> impl Iterator<Item = &SourceSpec> {
        self.tables.iter().map(|t| &t.spec)
    }

    /// Every field of a source, the engine's generic `evt.*` fields included.
    pub fn fields(&self, source: &str) -> Option<Vec<FieldDef>> {
        self.tables
            .iter()
            .find(|t| t.spec.name == source)
            .map(Table::listing)
    }

    /// Loads files in order (Falco's semantics). Everything is recompiled after each
    /// file, and loading stops at the first file with an error; `ruleset` is `None`
    /// then, and `reports` says why.
    pub fn load(&self, files: &[RulesFile<'_>]) -> LoadResult {
        self.load_with(files, &mut cache::Cache::default())
    }

    /// [`Engine::load`] with a given build cache (tests compare against none).
    fn load_with(&self, files: &[RulesFile<'_>], cache: &mut cache::Cache) -> LoadResult {
        let mut col = Collector::default();
        let mut reports = Vec::new();
        let mut compiled = None;
        for (i, f) in files.iter().enumerate() {
            let mut report = FileReport {
                name: f.name.clone(),
                ..FileReport::default()
            };
            let file: Arc<str> = f.name.as_str().into();
            let ok = Reader {
                file,
                file_index: i,
                text: f.content,
                report: &mut report,
                col: &mut col,
            }
            .read();
            if ok {
                let last = i + 1 == files.len();
                compiled = build::build(&col, &self.tables, files, &mut report, cache, last);
            }
            let failed = !report.successful();
            reports.push(report);
            if failed {
                return LoadResult {
                    reports,
                    ruleset: None,
                };
            }
        }
        if let Some(last) = reports.last_mut()
            && !build::check_plugins(&col, &self.tables, files, last)
        {
            return LoadResult {
                reports,
                ruleset: None,
            };
        }
        let rules = compiled.unwrap_or_default();
        LoadResult {
            reports,
            ruleset: Some(Ruleset::new(rules, &self.tables)),
        }
    }
}

/// What [`Engine::load`] gives: per-file reports and, when all loaded, the ruleset.
#[derive(Debug)]
pub struct LoadResult {
    /// One report per file, in load order, including files that loaded cleanly.
    pub reports: Vec<FileReport>,
    /// The compiled rules; `None` when any file has an error.
    pub ruleset: Option<Ruleset>,
}

/// A rule's identity in its ruleset (definition order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub usize);

/// A source's identity in its ruleset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceId(pub usize);

/// What `rules list` shows, after all overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleInfo {
    /// The rule's `rule` name, unique in the ruleset.
    pub name: String,
    /// The rule's `desc`.
    pub desc: String,
    /// The event source the rule applies to (`source`, `syscall` by default), e.g. `k8s_audit`.
    pub source: String,
    /// The rule's `priority`.
    pub priority: Priority,
    /// Sorted.
    pub tags: Vec<String>,
    /// The rule's `enabled`, after every override and any [`Ruleset::set_enabled`].
    pub enabled: bool,
    /// The rule's `output` format string, as written.
    pub output: String,
    /// The condition as compiled: exceptions rendered in, lists substituted.
    pub condition: String,
    /// Its source delivers no events here (the built-in syscall table).
    pub inactive: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub info: RuleInfo,
    pub filter: Filter,
    pub output: Format,
    pub source: usize,
}

/// Falco's `rule_matching`: only the first matching rule, or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchMode {
    /// Stop at the first matching rule, in definition order (Falco's default).
    First,
    /// Every matching rule raises an alert.
    All,
}

#[derive(Debug, Clone)]
struct SourceState {
    name: String,
    generic: GenericCtx,
    /// Rules of this source, in definition order.
    rules: Vec<usize>,
    index: Option<plan::RuleIndex>,
    /// The source's `evt.type` field, when its table has one.
    evt_type: Option<crate::fields::Sel>,
}

/// Compiled rules, indexed by source.
#[derive(Debug, Clone)]
pub struct Ruleset {
    rules: Vec<CompiledRule>,
    sources: Vec<SourceState>,
    min_priority: Priority,
    /// Memo slots (distinct condition fields).
    slots: usize,
}

impl Ruleset {
    fn new(mut rules: Vec<CompiledRule>, tables: &[Table]) -> Ruleset {
        let slots = plan::assign_slots(&mut rules);
        let uses = plan::slot_uses(&mut rules, slots);
        for r in &mut rules {
            plan::order(&mut r.filter, &uses);
        }
        let sources: Vec<SourceState> = tables
            .iter()
            .enumerate()
            .map(|(i, t)| SourceState {
                name: t.spec.name.to_string(),
                generic: GenericCtx {
                    source: t.spec.name.to_string(),
                    ..GenericCtx::default()
                },
                rules: rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.source == i)
                    .map(|(j, _)| j)
                    .collect(),
                index: None,
                evt_type: t.resolve("evt.type", None).ok().map(|r| r.sel),
            })
            .collect();
        let mut ruleset = Ruleset {
            rules,
            sources,
            min_priority: Priority::Debug,
            slots,
        };
        for s in &mut ruleset.sources {
            s.index = plan::index(&ruleset.rules, &s.rules);
        }
        ruleset
    }

    /// The source named `name` (e.g. `k8s_audit`), if the ruleset has one.
    pub fn source_id(&self, name: &str) -> Option<SourceId> {
        self.sources
            .iter()
            .position(|s| s.name == name)
            .map(SourceId)
    }

    /// Sets what `evt.hostname` extracts.
    pub fn set_hostname(&mut self, hostname: &str) {
        for s in &mut self.sources {
            s.generic.hostname = hostname.to_owned();
        }
    }

    /// Offset of local time from UTC for `evt.time` and text alert lines.
    pub fn set_utc_offset(&mut self, secs: i64) {
        for s in &mut self.sources {
            s.generic.utc_offset_secs = secs;
        }
    }

    /// Rules less severe than `p` never match (Falco's `priority` setting).
    pub fn set_min_priority(&mut self, p: Priority) {
        self.min_priority = p;
    }

    /// Every rule with its id, in definition order.
    pub fn rules(&self) -> impl Iterator<Item = (RuleId, &RuleInfo)> {
        self.rules
            .iter()
            .enumerate()
            .map(|(i, r)| (RuleId(i), &r.info))
    }

    /// The rule with id `id`, if there is one.
    pub fn rule(&self, id: RuleId) -> Option<&RuleInfo> {
        self.rules.get(id.0).map(|r| &r.info)
    }

    /// The id of the rule named `name`.
    pub fn find(&self, name: &str) -> Option<RuleId> {
        self.rules
            .iter()
            .position(|r| r.info.name == name)
            .map(RuleId)
    }

    /// Enables or disables a rule, as Falco's `-D`, `-t` and `-T` options do; an unknown id is ignored.
    pub fn set_enabled(&mut self, id: RuleId, enabled: bool) {
        if let Some(r) = self.rules.get_mut(id.0) {
            r.info.enabled = enabled;
        }
    }

    /// The string constants the enabled rules of `source` compare the fields with ids
    /// `field_ids` with (`=`, `!=`, `in`): what a source must look up before events
    /// arrive, e.g. the domain names `fd.sip.name` is compared with.
    pub fn compared_strings(
        &self,
        source: SourceId,
        field_ids: &[u32],
    ) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        let Some(state) = self.sources.get(source.0) else {
            return out;
        };
        for &i in &state.rules {
            if let Some(r) = self.rules.get(i)
                && r.info.enabled
            {
                compared::strings(&r.filter, field_ids, &mut out);
            }
        }
        out
    }

    /// The `evt.type` values the enabled rules of `source` can match, as Falco derives
    /// them for its per-event-type filtering: `None` when some rule can match any type
    /// (its condition does not narrow `evt.type`), or the source has no `evt.type`.
    /// A live source captures just these types (plus what its own state needs).
    pub fn event_types(&self, source: SourceId) -> Option<std::collections::BTreeSet<String>> {
        let state = self.sources.get(source.0)?;
        let sel = state.evt_type.as_ref()?;
        let mut all = std::collections::BTreeSet::new();
        for &i in &state.rules {
            let Some(r) = self.rules.get(i) else { continue };
            if !r.info.enabled || r.info.priority > self.min_priority {
                continue;
            }
            match evttypes::types(&r.filter, sel, false) {
                evttypes::Types::Only(names) => {
                    all.extend(
                        names
                            .iter()
                            .map(|n| String::from_utf8_lossy(n).into_owned()),
                    );
                }
                evttypes::Types::AllBut(_) => return None,
            }
        }
        Some(all)
    }

    /// Enabled rules whose source delivers no events, grouped by source (to report
    /// once at start-up).
    pub fn inactive(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for r in self
            .rules
            .iter()
            .filter(|r| r.info.inactive && r.info.enabled)
        {
            match out.iter_mut().find(|(s, _)| *s == r.info.source) {
                Some((_, n)) => *n += 1,
                None => out.push((r.info.source.clone(), 1)),
            }
        }
        out
    }

    /// Appends the enabled rules of `source` that match `ev`, in definition order
    /// (only the first with [`MatchMode::First`]).
    ///
    /// Only the rules the source's index lets through are tested, and each field is
    /// extracted at most once per call (see `plan` and `filter::memo`).
    pub fn evaluate<E: Event + ?Sized>(
        &self,
        source: SourceId,
        ev: &E,
        mode: MatchMode,
        out: &mut Vec<RuleId>,
    ) {
        self.evaluate_with(source, ev, mode, out, true);
    }

    /// The matches of [`Ruleset::evaluate`] found without the rule index and without
    /// remembering extracted values: every enabled rule of the source is tested on its
    /// own. The same matches, slower; the reference the index is tested against.
    pub fn evaluate_without_index<E: Event + ?Sized>(
        &self,
        source: SourceId,
        ev: &E,
        mode: MatchMode,
    ) -> Vec<RuleId> {
        let mut out = Vec::new();
        self.evaluate_with(source, ev, mode, &mut out, false);
        out
    }

    /// The body of [`Ruleset::evaluate`] (`indexed`) and
    /// [`Ruleset::evaluate_without_index`]: without the index, no extracted value is
    /// remembered (no memo slots) and every enabled rule is tried in order.
    fn evaluate_with<E: Event + ?Sized>(
        &self,
        source: SourceId,
        ev: &E,
        mode: MatchMode,
        out: &mut Vec<RuleId>,
        indexed: bool,
    ) {
        let Some(state) = self.sources.get(source.0) else {
            return;
        };
        let env = Env {
            generic: &state.generic,
        };
        let mut memo = memo::take(if indexed { self.slots } else { 0 });
        match state.index.as_ref().filter(|_| indexed) {
            Some(ix) => {
                let mut lists: [&[usize]; plan::MAX_KEYS + 1] = [&[]; plan::MAX_KEYS + 1];
                lists[0] = &ix.rest;
                for (k, list) in ix.keys.iter().zip(lists.iter_mut().skip(1)) {
                    let r = memo.ensure(&k.field, ev, &env);
                    *list = memo
                        .values(r)
                        .first()
                        .and_then(crate::value::bytes_of)
                        .and_then(|v| k.buckets.get(v))
                        .map_or(&[][..], Vec::as_slice);
                }
                plan::merged(&mut lists, &mut |i| {
                    self.try_rule(i, ev, &env, &mut memo, mode, out)
                });
            }
            None => {
                for &i in &state.rules {
                    if self.try_rule(i, ev, &env, &mut memo, mode, out) {
                        break;
                    }
                }
            }
        }
        memo::give_back(memo);
    }

    /// Tests rule `i`, recording a match; returns whether evaluation stops.
    fn try_rule<'e, E: Event + ?Sized>(
        &self,
        i: usize,
        ev: &'e E,
        env: &Env<'_>,
        memo: &mut memo::Memo<'e>,
        mode: MatchMode,
        out: &mut Vec<RuleId>,
    ) -> bool {
        let Some(r) = self.rules.get(i) else {
            return false;
        };
        if !r.info.enabled || r.info.priority > self.min_priority {
            return false;
        }
        if r.filter.eval(ev, env, memo) {
            out.push(RuleId(i));
            return mode == MatchMode::First;
        }
        false
    }

    /// The alert for a rule that matched `ev`.
    pub fn alert<E: Event + ?Sized>(
        &self,
        id: RuleId,
        ev: &E,
        opts: &AlertOptions,
    ) -> Option<Alert> {
        let r = self.rules.get(id.0)?;
        let state = self.sources.get(r.source)?;
        let mut generic = state.generic.clone();
        generic.utc_offset_secs = opts.utc_offset_secs;
        generic.hostname = opts.hostname.clone();
        let env = Env { generic: &generic };
        let (message, fields) = crate::output::render(&r.output, ev, &env);
        Some(Alert::new(&r.info, ev.time_ns(), message, fields, opts))
    }
}
