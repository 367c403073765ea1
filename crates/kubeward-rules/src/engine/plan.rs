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
            if !c.lhs.transformers.is_empty() || c.lhs.list || c.modifier.is_some() {
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

/// A source's rules by the value of one field.
#[derive(Debug, Clone)]
pub(crate) struct RuleIndex {
    /// The key field, with the memo slot conditions use for it.
    pub field: CField,
    pub buckets: HashMap<Box<[u8]>, Vec<usize>, FxBuild>,
    /// Rules the field does not constrain, in definition order.
    pub rest: Vec<usize>,
}

/// The index of the rules `ids` (definition order), when some field constrains at
/// least two of them.
pub(super) fn index(rules: &[CompiledRule], ids: &[usize]) -> Option<RuleIndex> {
    let per_rule: Vec<(usize, Needs)> = ids
        .iter()
        .filter_map(|&i| rules.get(i).map(|r| (i, needs(&r.filter))))
        .collect();
    let mut counts: Vec<(Sel, usize)> = Vec::new();
    for (_, n) in &per_rule {
        for (sel, _) in n {
            match counts.iter_mut().find(|(s, _)| s == sel) {
                Some((_, c)) => *c += 1,
                None => counts.push((sel.clone(), 1)),
            }
        }
    }
    // The first of the most constraining fields, so the choice is deterministic.
    let best = counts.iter().map(|(_, c)| *c).max().filter(|&c| c >= 2)?;
    let key = counts.into_iter().find(|(_, c)| *c == best)?.0;
    let mut field = None;
    let mut buckets: HashMap<Box<[u8]>, Vec<usize>, FxBuild> = HashMap::default();
    let mut rest = Vec::new();
    for (i, n) in per_rule {
        match n.into_iter().find(|(s, _)| *s == key) {
            Some((_, values)) => {
                for v in values {
                    buckets.entry(v).or_default().push(i);
                }
                if field.is_none() {
                    field = rules.get(i).and_then(|r| find_field(&r.filter, &key));
                }
            }
            None => rest.push(i),
        }
    }
    Some(RuleIndex {
        field: field?,
        buckets,
        rest,
    })
}

/// The untransformed use of `sel` in `f` (its memo slot included).
fn find_field(f: &Filter, sel: &Sel) -> Option<CField> {
    match f {
        Filter::And(items) | Filter::Or(items) => items.iter().find_map(|i| find_field(i, sel)),
        Filter::Not(inner) => find_field(inner, sel),
        Filter::Check(c) => (c.lhs.sel == *sel && c.lhs.transformers.is_empty() && !c.lhs.list)
            .then(|| c.lhs.clone()),
    }
}

/// Visits the union of two ascending lists in order, until `f` says stop.
pub(super) fn merged(a: &[usize], b: &[usize], f: &mut dyn FnMut(usize) -> bool) {
    let (mut i, mut j) = (0, 0);
    loop {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x == y => {
                i += 1;
                j += 1;
                x
            }
            (Some(&x), Some(&y)) if x < y => {
                i += 1;
                x
            }
            (_, Some(&y)) => {
                j += 1;
                y
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, None) => return,
        };
        if f(next) {
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

    fn bucket(rs: &crate::engine::Ruleset, v: &str) -> Vec<usize> {
        let ix = rs
            .sources
            .iter()
            .find_map(|s| s.index.as_ref())
            .expect("an index");
        ix.buckets.get(v.as_bytes()).cloned().unwrap_or_default()
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
        let ix = rs
            .sources
            .iter()
            .find_map(|s| s.index.as_ref())
            .expect("an index");
        // `not` and a branch without the field leave a rule unconstrained.
        assert_eq!(ix.rest, [2, 3, 6]);
        assert_eq!(bucket(&rs, "get"), [0, 4]);
        assert_eq!(bucket(&rs, "create"), [1]);
        assert_eq!(bucket(&rs, "a"), [4]);
        assert_eq!(bucket(&rs, "b"), [4, 5]);
        assert_eq!(bucket(&rs, "c"), Vec::<usize>::new());
    }

    #[test]
    fn no_index_when_fewer_than_two_rules_are_constrained() {
        let rs = ruleset(&["toy.verb = get", "toy.user = bob or toy.verb = x"]);
        assert!(rs.sources.iter().all(|s| s.index.is_none()));
    }

    #[test]
    fn merge_visits_the_union_in_order_and_stops() {
        let mut seen = Vec::new();
        merged(&[1, 4, 6], &[2, 4, 9], &mut |i| {
            seen.push(i);
            false
        });
        assert_eq!(seen, [1, 2, 4, 6, 9]);
        seen.clear();
        merged(&[1, 4, 6], &[2], &mut |i| {
            seen.push(i);
            i == 2
        });
        assert_eq!(seen, [1, 2]);
    }
}
