//! Evaluation planning, done once per ruleset: memo slots for fields, cheap-first
//! order inside `and`/`or`, and the rule index.
//!
//! The index is generic: for every rule it derives the string values a single-valued
//! field must take on every path to true (from `=` and `in` checks under `and`/`or`,
//! never under `not`, which is true when the field is missing). The field that
//! constrains the most rules of a source becomes that source's index key; an event
//! then meets only the unconstrained rules and those whose values hold its value.

use std::collections::HashMap;

use super::CompiledRule;
use crate::ast::Op;
use crate::fields::Sel;
use crate::filter::{CField, CRhs, Filter};
use crate::value::{Const, FxBuild};

/// Larger `in` lists do not constrain (so the index stays small whatever the rules).
const MAX_VALUES: usize = 1024;

/// Gives every distinct condition field (with transformers) a memo slot; returns how
/// many there are.
pub(super) fn assign_slots(rules: &mut [CompiledRule]) -> usize {
    let mut ids: HashMap<(Sel, Vec<crate::ast::Transformer>), u32> = HashMap::new();
    for r in rules {
        visit_fields(&mut r.filter, &mut |f| {
            let next = u32::try_from(ids.len()).unwrap_or(crate::filter::NO_SLOT);
            f.slot = *ids
                .entry((f.sel.clone(), f.transformers.clone()))
                .or_insert(next);
        });
    }
    ids.len()
}

fn visit_fields(f: &mut Filter, g: &mut dyn FnMut(&mut CField)) {
    match f {
        Filter::And(items) | Filter::Or(items) => items.iter_mut().for_each(|i| visit_fields(i, g)),
        Filter::Not(inner) => visit_fields(inner, g),
        Filter::Check(c) => {
            g(&mut c.lhs);
            if let CRhs::Field(rf) = &mut c.rhs {
                g(rf);
            }
        }
    }
}

/// How many checks of the ruleset read each slot.
pub(super) fn slot_uses(rules: &mut [CompiledRule], slots: usize) -> Vec<u32> {
    let mut uses = vec![0u32; slots];
    for r in rules {
        visit_fields(&mut r.filter, &mut |f| {
            if let Some(u) = uses.get_mut(f.slot as usize) {
                *u += 1;
            }
        });
    }
    uses
}

/// Sorts the operands of every `and`/`or` cheapest first (stable) and returns the
/// estimated cost of `f`. Checks are pure, so the order changes only the time spent;
/// a field other rules also read is cheap because the memo holds it.
pub(super) fn order(f: &mut Filter, uses: &[u32]) -> u32 {
    match f {
        Filter::And(items) | Filter::Or(items) => {
            let mut costed: Vec<(u32, Filter)> = std::mem::take(items)
                .into_iter()
                .map(|mut i| (order(&mut i, uses), i))
                .collect();
            costed.sort_by_key(|(c, _)| *c);
            let total = costed
                .iter()
                .map(|(c, _)| *c)
                .fold(0u32, u32::saturating_add);
            *items = costed.into_iter().map(|(_, i)| i).collect();
            total
        }
        Filter::Not(inner) => order(inner, uses),
        Filter::Check(c) => {
            let field = |f: &CField| {
                let shared = uses.get(f.slot as usize).is_some_and(|&u| u > 1);
                let base = if shared { 1 } else { 3 };
                base + if f.list { 3 } else { 0 } + 3 * f.transformers.len() as u32
            };
            let rhs = match &c.rhs {
                CRhs::Field(rf) => field(rf) + 1,
                CRhs::Regex(_) => 6,
                CRhs::PMatch(_) => 4,
                CRhs::Glob(_) => 3,
                CRhs::Consts(cs) => cs.len().min(8) as u32,
                CRhs::Const(_) if matches!(c.op, Op::Contains | Op::IContains | Op::EndsWith) => 2,
                _ => 1,
            };
            field(&c.lhs) + rhs
        }
    }
}

/// Values a field must take for a filter to be true: `(field, sorted values)`.
type Needs = Vec<(Sel, Vec<Box<[u8]>>)>;

fn needs(f: &Filter) -> Needs {
    match f {
        Filter::Check(c) => {
            if !c.lhs.transformers.is_empty()
                || c.lhs.list
                || c.lhs.ancestors
                || c.modifier.is_some()
            {
                return Vec::new();
            }
            let values: Vec<Box<[u8]>> = match (&c.rhs, c.op) {
                (CRhs::Const(Const::Str(s)), Op::Eq) => vec![s.as_bytes().into()],
                (CRhs::Const(Const::Bytes(b)), Op::Eq) => vec![b.clone()],
                (CRhs::Set(set), Op::In | Op::Intersects) if set.len() <= MAX_VALUES => {
                    let Some(mut v) = set.texts() else {
                        return Vec::new();
                    };
                    v.sort();
                    v
                }
                _ => return Vec::new(),
            };
            vec![(c.lhs.sel.clone(), values)]
        }
        Filter::Not(_) => Vec::new(),
        Filter::And(items) => {
            let mut acc: Needs = Vec::new();
            for n in items.iter().flat_map(needs) {
                match acc.iter_mut().find(|(s, _)| *s == n.0) {
                    Some((_, vals)) => vals.retain(|v| n.1.binary_search(v).is_ok()),
                    None => acc.push(n),
                }
            }
            acc
        }
        Filter::Or(items) => {
            let mut it = items.iter();
            let Some(first) = it.next() else {
                return Vec::new();
            };
            let mut acc = needs(first);
            for item in it {
                let other = needs(item);
                acc.retain_mut(|(sel, vals)| match other.iter().find(|(s, _)| s == sel) {
                    Some((_, more)) => {
                        vals.extend(more.iter().cloned());
                        vals.sort();
                        vals.dedup();
                        vals.len() <= MAX_VALUES
                    }
                    None => false,
                });
                if acc.is_empty() {
                    break;
                }
            }
            acc
        }
    }
}

/// At most this many key fields per source (the merge at evaluation is k-way).
pub(crate) const MAX_KEYS: usize = 4;

/// Rules by the value of one key field.
#[derive(Debug, Clone)]
pub(crate) struct KeyIndex {
    /// The key field, with the memo slot conditions use for it.
    pub field: CField,
    pub buckets: HashMap<Box<[u8]>, Vec<usize>, FxBuild>,
}

/// A source's rules split by key fields: each rule sits under exactly one key (in
/// the buckets of the values it requires) or in `rest`, so an event meets `rest` and
/// one bucket per key, never a rule twice.
#[derive(Debug, Clone)]
pub(crate) struct RuleIndex {
    pub keys: Vec<KeyIndex>,
    /// Rules no key constrains, in definition order.
    pub rest: Vec<usize>,
}

/// The index of the rules `ids` (definition order). Keys are chosen greedily by the
/// rules an event would still meet: those left unconstrained plus an average bucket.
/// So a field every rule requires with one value (the upstream rules' stage) is not
/// chosen over one that splits them (the resource or the verb).
pub(super) fn index(rules: &[CompiledRule], ids: &[usize]) -> Option<RuleIndex> {
    let mut left: Vec<(usize, Needs)> = ids
        .iter()
        .filter_map(|&i| rules.get(i).map(|r| (i, needs(&r.filter))))
        .collect();
    let mut keys = Vec::new();
    while keys.len() < MAX_KEYS {
        let Some(key) = best_key(&left) else { break };
        let mut field = None;
        let mut buckets: HashMap<Box<[u8]>, Vec<usize>, FxBuild> = HashMap::default();
        let mut rest = Vec::new();
        for (i, n) in std::mem::take(&mut left) {
            match n.iter().find(|(s, _)| *s == key) {
                Some((_, values)) => {
                    for v in values {
                        buckets.entry(v.clone()).or_default().push(i);
                    }
                    if field.is_none() {
                        field = rules.get(i).and_then(|r| find_field(&r.filter, &key));
                    }
                }
                None => rest.push((i, n)),
            }
        }
        left = rest;
        keys.push(KeyIndex {
            field: field?,
            buckets,
        });
    }
    if keys.is_empty() {
        return None;
    }
    Some(RuleIndex {
        keys,
        rest: left.into_iter().map(|(i, _)| i).collect(),
    })
}

/// The field that leaves an event the fewest rules to test, if it beats testing all.
fn best_key(left: &[(usize, Needs)]) -> Option<Sel> {
    let mut stats: Vec<(&Sel, usize, Vec<&[u8]>)> = Vec::new();
    for (_, n) in left {
        for (sel, values) in n {
            let at = match stats.iter().position(|(s, ..)| *s == sel) {
                Some(at) => at,
                None => {
                    stats.push((sel, 0, Vec::new()));
                    stats.len() - 1
                }
            };
            if let Some((_, count, vals)) = stats.get_mut(at) {
                *count += 1;
                vals.extend(values.iter().map(|v| &v[..]));
            }
        }
    }
    let total = left.len() as f64;
    let mut best: Option<(f64, &Sel)> = None;
    for (sel, count, mut vals) in stats {
        if count < 2 {
            continue;
        }
        let entries = vals.len() as f64;
        vals.sort_unstable();
        vals.dedup();
        let cost = (total - count as f64) + entries / (vals.len().max(1) as f64);
        if cost < total && best.is_none_or(|(c, _)| cost < c) {
            best = Some((cost, sel));
        }
    }
    best.map(|(_, s)| s.clone())
}

/// The untransformed use of `sel` in `f` (its memo slot included).
fn find_field(f: &Filter, sel: &Sel) -> Option<CField> {
    match f {
        Filter::And(items) | Filter::Or(items) => items.iter().find_map(|i| find_field(i, sel)),
        Filter::Not(inner) => find_field(inner, sel),
        Filter::Check(c) => {
            (c.lhs.sel == *sel && c.lhs.transformers.is_empty() && !c.lhs.list && !c.lhs.ancestors)
                .then(|| c.lhs.clone())
        }
    }
}

/// Visits the union of disjoint ascending lists in order, until `f` says stop.
pub(super) fn merged(lists: &mut [&[usize]], f: &mut dyn FnMut(usize) -> bool) {
    loop {
        let mut min: Option<(usize, usize)> = None;
        for (li, l) in lists.iter().enumerate() {
            if let Some(&x) = l.first()
                && min.is_none_or(|(m, _)| x < m)
            {
                min = Some((x, li));
            }
        }
        let Some((x, li)) = min else { return };
        if let Some(l) = lists.get_mut(li) {
            *l = l.get(1..).unwrap_or(&[]);
        }
        if f(x) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::merged;
    use crate::engine::{Engine, RulesFile};
    use crate::source::{FieldDef, FieldType, SourceSpec};

    fn ruleset(conds: &[&str]) -> crate::engine::Ruleset {
        let mut engine = Engine::new();
        engine.add_source(SourceSpec::new(
            "toy",
            vec![
                FieldDef::new(0, "toy.verb", FieldType::String, "verb"),
                FieldDef::new(1, "toy.user", FieldType::String, "user"),
            ],
        ));
        let text: String = conds
            .iter()
            .enumerate()
            .map(|(i, c)| {
                format!("- rule: r{i}\n  desc: d\n  condition: {c}\n  output: o\n  priority: INFO\n  source: toy\n")
            })
            .collect();
        engine
            .load(&[RulesFile::new("r.yaml", &text)])
            .ruleset
            .expect("rules load")
    }

    /// The (first) source's rule index.
    fn rule_index(rs: &crate::engine::Ruleset) -> &super::RuleIndex {
        rs.sources
            .iter()
            .find_map(|s| s.index.as_ref())
            .expect("an index")
    }

    /// The rules under value `v` of key `k`.
    fn bucket(rs: &crate::engine::Ruleset, k: usize, v: &str) -> Vec<usize> {
        let ix = rule_index(rs);
        ix.keys[k]
            .buckets
            .get(v.as_bytes())
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn index_holds_rules_by_the_values_every_path_requires() {
        let rs = ruleset(&[
            "toy.verb = get",
            "toy.verb in (create, update) and toy.user = bob",
            "not toy.verb = get",
            "toy.verb = get or toy.user = x",
            "(toy.verb = a and toy.user = y) or toy.verb in (b, get)",
            "toy.verb in (a, b) and toy.verb in (b, c)",
            "not toy.verb != get",
        ]);
        let ix = rule_index(&rs);
        // `not` and a branch without the field leave a rule unconstrained.
        assert_eq!(ix.rest, [2, 3, 6]);
        assert_eq!(bucket(&rs, 0, "get"), [0, 4]);
        assert_eq!(bucket(&rs, 0, "create"), [1]);
        assert_eq!(bucket(&rs, 0, "a"), [4]);
        assert_eq!(bucket(&rs, 0, "b"), [4, 5]);
        assert_eq!(bucket(&rs, 0, "c"), Vec::<usize>::new());
    }

    #[test]
    fn a_field_every_rule_requires_with_one_value_is_not_a_key() {
        let rs = ruleset(&[
            "toy.user = s and toy.verb = a",
            "toy.user = s and toy.verb in (b, c)",
            "toy.user = s and toy.verb = c",
            "toy.user = s",
        ]);
        let ix = rule_index(&rs);
        assert_eq!(ix.keys.len(), 1);
        assert_eq!(ix.rest, [3]);
        assert_eq!(bucket(&rs, 0, "c"), [1, 2]);
    }

    #[test]
    fn no_index_when_fewer_than_two_rules_are_constrained() {
        let rs = ruleset(&["toy.verb = get", "toy.user = bob or toy.verb = x"]);
        assert!(rs.sources.iter().all(|s| s.index.is_none()));
    }

    #[test]
    fn merge_visits_the_union_in_order_and_stops() {
        let mut seen = Vec::new();
        merged(&mut [&[1, 4, 6], &[2, 5, 9], &[], &[3]], &mut |i| {
            seen.push(i);
            false
        });
        assert_eq!(seen, [1, 2, 3, 4, 5, 6, 9]);
        seen.clear();
        merged(&mut [&[1, 4, 6], &[2]], &mut |i| {
            seen.push(i);
            i == 2
        });
        assert_eq!(seen, [1, 2]);
    }
}
