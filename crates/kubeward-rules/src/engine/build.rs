//! Compiles everything collected so far (Falco does this after every file): lists
//! expanded, macros parsed and checked, exceptions rendered into conditions, rules
//! compiled per source; unused lists and macros warned about.

use std::collections::{HashMap, HashSet};

use super::{CompiledRule, RuleInfo, RulesFile};
use crate::collector::{Collector, Ctx, ExcValue, ExceptionDef, Fields, RuleDef};
use crate::compile::{Compiler, Macros, macro_refs};
use crate::diag::{Diagnostic, FileReport, Location, Severity, snippet};
use crate::fields::Table;
use crate::lists::{quote_item, substitute};
use crate::yaml::Pos;

struct Out<'a> {
    files: &'a [RulesFile<'a>],
    report: &'a mut FileReport,
}

impl Out<'_> {
    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        message: String,
        item: (&str, &str, &Ctx),
        sub: Option<(&str, Pos)>,
    ) {
        let (ty, name, ctx) = item;
        let mut locations = vec![Location {
            item_type: "rules content".into(),
            item_name: String::new(),
            file: ctx.file.clone(),
            pos: Pos {
                line: 1,
                col: 1,
                offset: 0,
            },
        }];
        locations.push(Location {
            item_type: ty.into(),
            item_name: name.into(),
            file: ctx.file.clone(),
            pos: ctx.pos,
        });
        let mut at = ctx.pos;
        if let Some((sty, pos)) = sub {
            locations.push(Location {
                item_type: sty.into(),
                item_name: String::new(),
                file: ctx.file.clone(),
                pos,
            });
            at = pos;
        }
        let text = self.files.get(ctx.file_index).map_or("", |f| f.content);
        self.report.push(Diagnostic {
            severity,
            code,
            message,
            locations,
            snippet: snippet(text, at),
        });
    }
}

/// A position inside a condition: same line when the text before has no newline.
fn inner(pos: Pos, cond: &str, offset: Option<usize>) -> Pos {
    match offset {
        Some(o) if !cond.get(..o).unwrap_or("\n").contains('\n') => Pos {
            line: pos.line,
            col: pos.col + o as u32,
            offset: pos.offset + o,
        },
        _ => pos,
    }
}

pub(super) fn build(
    col: &Collector,
    tables: &[Table],
    files: &[RulesFile<'_>],
    report: &mut FileReport,
) -> Option<Vec<CompiledRule>> {
    let mut out = Out { files, report };
    // Lists: one level of nesting, by visibility.
    let lists: Vec<(&str, Vec<String>)> = col
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
                    Some(k) => items.extend(k.items.iter().cloned()),
                    None => items.push(it.clone()),
                }
            }
            (l.name.as_str(), items)
        })
        .collect();
    let mut used_lists: HashSet<String> = HashSet::new();
    for l in &col.lists.items {
        for it in &l.items {
            if col
                .lists
                .get(it)
                .is_some_and(|k| k.first_seq < l.last_seq && k.name != l.name)
            {
                used_lists.insert(it.clone());
            }
        }
    }
    let by_name: HashMap<&str, usize> = lists
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (*n, i))
        .collect();
    // Names holding a delimiter cannot be found by tokenising; they are always tried.
    let odd: Vec<usize> = lists
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| n.bytes().any(crate::lists::is_delim))
        .map(|(i, _)| i)
        .collect();
    // Falco substitutes every list in definition order; only lists whose name occurs as
    // a token (in the text or in items spliced in before them) can change anything.
    let subst = |text: &str, used: &mut HashSet<String>| -> String {
        let mut t = text.to_owned();
        let mut todo: std::collections::BTreeSet<usize> = odd.iter().copied().collect();
        let add =
            |src: &str, after: Option<usize>, todo: &mut std::collections::BTreeSet<usize>| {
                for tok in src.split(|c: char| c.is_ascii() && crate::lists::is_delim(c as u8)) {
                    if let Some(&i) = by_name.get(tok)
                        && after.is_none_or(|a| i > a)
                    {
                        todo.insert(i);
                    }
                }
            };
        add(&t, None, &mut todo);
        while let Some(i) = todo.pop_first() {
            let Some((name, items)) = lists.get(i) else {
                continue;
            };
            if substitute(&mut t, name, items) {
                if !used.contains(*name) {
                    used.insert((*name).to_owned());
                }
                for item in items {
                    add(item, Some(i), &mut todo);
                }
            }
        }
        t
    };
    // Macros: parse each; references must be to macros defined before.
    let mut asts = HashMap::new();
    let mut used_macros: HashSet<String> = HashSet::new();
    let mut failed = false;
    for m in &col.macros.items {
        let text = subst(&m.condition, &mut used_lists);
        match crate::parser::parse(&text) {
            Ok(ast) => {
                let mut refs = Vec::new();
                macro_refs(&ast, &mut refs);
                for (r, off) in refs {
                    let ok = col.macros.get(&r).is_some_and(|d| d.first_seq < m.last_seq);
                    if !ok && !failed {
                        let pos = inner(m.cond_pos, &m.condition, Some(off));
                        out.push(
                            Severity::Error,
                            "LOAD_ERR_VALIDATE",
                            format!("Undefined macro '{r}' used in filter."),
                            ("macro", &m.name, &m.ctx),
                            Some(("macro condition", pos)),
                        );
                        failed = true;
                    }
                    used_macros.insert(r);
                }
                asts.insert(m.name.clone(), ast);
            }
            Err(e) => {
                let pos = inner(m.cond_pos, &m.condition, Some(e.offset));
                out.push(
                    Severity::Error,
                    "LOAD_ERR_COMPILE_CONDITION",
                    e.message,
                    ("macro", &m.name, &m.ctx),
                    Some(("macro condition", pos)),
                );
                return None;
            }
        }
    }
    if failed {
        return None;
    }
    if let Some((name, ctx)) = find_cycle(&asts, col) {
        out.push(
            Severity::Error,
            "LOAD_ERR_VALIDATE",
            format!("reference loop in macro '{name}'"),
            ("macro", &name, &ctx),
            None,
        );
        return None;
    }
    let mut rules = Vec::new();
    for r in &col.rules.items {
        let Some(source) = tables.iter().position(|t| t.spec.name == r.source) else {
            out.push(
                Severity::Warning,
                "LOAD_UNKNOWN_SOURCE",
                format!("Unknown source {}, skipping", r.source),
                ("rule", &r.name, &r.ctx),
                None,
            );
            continue;
        };
        let Some(table) = tables.get(source) else {
            continue;
        };
        match compile_rule(r, table, &asts, &subst, &mut used_lists, &mut used_macros) {
            Ok((filter, output, condition, warnings)) => {
                for (code, w) in warnings {
                    out.push(
                        Severity::Warning,
                        code,
                        w,
                        ("rule", &r.name, &r.ctx),
                        Some(("rule condition", r.cond_pos)),
                    );
                }
                rules.push(CompiledRule {
                    info: RuleInfo {
                        name: r.name.clone(),
                        desc: r.desc.clone(),
                        source: r.source.clone(),
                        priority: r.priority,
                        tags: r.tags.iter().cloned().collect(),
                        enabled: r.enabled,
                        output: r.output.clone(),
                        condition,
                        inactive: !table.spec.active,
                    },
                    filter,
                    output,
                    source,
                });
            }
            Err((code, message, sub, pos)) => {
                let unknown = [
                    "nonexistent field",
                    "invalid formatting token",
                    "unknown event type",
                    "unknown filter:",
                ];
                if r.skip_if_unknown_filter && unknown.iter().any(|u| message.contains(u)) {
                    out.push(
                        Severity::Warning,
                        "LOAD_UNKNOWN_FILTER",
                        message,
                        ("rule", &r.name, &r.ctx),
                        Some((sub, pos)),
                    );
                    continue;
                }
                out.push(
                    Severity::Error,
                    code,
                    message,
                    ("rule", &r.name, &r.ctx),
                    Some((sub, pos)),
                );
                return None;
            }
        }
    }
    for m in &col.macros.items {
        if !used_macros.contains(&m.name) {
            out.push(
                Severity::Warning,
                "LOAD_UNUSED_MACRO",
                "Macro not referred to by any other rule/macro".into(),
                ("macro", &m.name, &m.ctx),
                None,
            );
        }
    }
    for l in &col.lists.items {
        if !used_lists.contains(&l.name) {
            out.push(
                Severity::Warning,
                "LOAD_UNUSED_LIST",
                "List not referred to by any other rule/macro".into(),
                ("list", &l.name, &l.ctx),
                None,
            );
        }
    }
    Some(rules)
}

type RuleErr = (&'static str, String, &'static str, Pos);
type RuleOk = (
    crate::filter::Filter,
    crate::output::Format,
    String,
    Vec<(&'static str, String)>,
);

fn compile_rule(
    r: &RuleDef,
    table: &Table,
    asts: &HashMap<String, crate::ast::Expr>,
    subst: &dyn Fn(&str, &mut HashSet<String>) -> String,
    used_lists: &mut HashSet<String>,
    used_macros: &mut HashSet<String>,
) -> Result<RuleOk, RuleErr> {
    let cond = render_exceptions(r, table)
        .map_err(|m| ("LOAD_ERR_VALIDATE", m, "exception", r.ctx.pos))?;
    let output = crate::output::compile(&r.output, table)
        .map_err(|m| ("LOAD_ERR_COMPILE_OUTPUT", m, "rule output", r.output_pos))?;
    let text = subst(&cond, used_lists);
    let ast = crate::parser::parse(&text).map_err(|e| {
        (
            "LOAD_ERR_COMPILE_CONDITION",
            e.message,
            "rule condition",
            inner(r.cond_pos, &text, Some(e.offset)),
        )
    })?;
    let mut refs = Vec::new();
    macro_refs(&ast, &mut refs);
    used_macros.extend(refs.into_iter().map(|(n, _)| n));
    let mut c = Compiler::new(table, Macros { asts });
    let filter = c.compile(&ast).map_err(|e| {
        let pos = if e.in_macro.is_some() {
            r.cond_pos
        } else {
            inner(r.cond_pos, &text, e.offset)
        };
        let kind = if e.message.starts_with("Undefined macro")
            || e.message.starts_with("reference loop")
        {
            "LOAD_ERR_VALIDATE"
        } else {
            "LOAD_ERR_COMPILE_CONDITION"
        };
        (kind, e.message, "rule condition", pos)
    })?;
    let warnings = c
        .warnings
        .into_iter()
        .map(|w| {
            (
                if w.ends_with("is deprecated") {
                    "LOAD_DEPRECATED_ITEM"
                } else if w.contains("<NA>") {
                    "LOAD_UNSAFE_NA_CHECK"
                } else {
                    "LOAD_COMPILE_CONDITION"
                },
                w,
            )
        })
        .collect();
    Ok((filter, output, text, warnings))
}

/// §5.2: `(cond) and not (…)` per exception with values.
pub(crate) fn render_exceptions(r: &RuleDef, table: &Table) -> Result<String, String> {
    if r.exceptions.is_empty() {
        return Ok(r.condition.clone());
    }
    let mut out = format!("({})", r.condition);
    for ex in &r.exceptions {
        if let Some(x) = render_one(ex, table)? {
            out.push_str(" and not ");
            out.push_str(&x);
        }
    }
    Ok(out)
}

fn check_field(f: &str, table: &Table) -> Result<(), String> {
    let text = format!("{f} exists");
    let ok = match crate::parser::parse(&text) {
        Ok(crate::ast::Expr::Check { lhs, .. }) => {
            table.resolve(&lhs.field, lhs.arg.as_deref()).is_ok()
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("'{f}' is not a supported filter field"))
    }
}

fn list_comp(c: &str) -> bool {
    let base = c.split_whitespace().next().unwrap_or("");
    matches!(base, "in" | "intersects" | "pmatch") || c.split_whitespace().nth(1).is_some()
}

fn value_text(v: &ExcValue, comp: &str) -> String {
    match v {
        ExcValue::List(items) => format!(
            "({})",
            items
                .iter()
                .map(|i| quote_item(i).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ExcValue::Scalar(s) if list_comp(comp) && !s.starts_with('(') => {
            format!("({})", quote_item(s))
        }
        ExcValue::Scalar(s) => quote_item(s).into_owned(),
    }
}

fn render_one(ex: &ExceptionDef, table: &Table) -> Result<Option<String>, String> {
    match (&ex.fields, &ex.comps) {
        (Some(Fields::Single(f)), comps) => {
            check_field(f, table)?;
            let comp = match comps {
                Some(Fields::Single(c)) => c.as_str(),
                _ => "in",
            };
            let vals: Vec<String> = ex
                .values
                .iter()
                .flatten()
                .map(|v| match v {
                    ExcValue::Scalar(s) => quote_item(s).into_owned(),
                    ExcValue::List(_) => value_text(v, "="),
                })
                .collect();
            if vals.is_empty() {
                return Ok(None);
            }
            Ok(Some(format!("({f} {comp} ({}))", vals.join(", "))))
        }
        (Some(Fields::Tuple(fs)), comps) => {
            for f in fs {
                check_field(f, table)?;
            }
            let comps: Vec<String> = match comps {
                Some(Fields::Tuple(c)) => c.clone(),
                _ => vec!["=".into(); fs.len()],
            };
            let mut tuples = Vec::new();
            for tuple in &ex.values {
                let mut t = String::from("(");
                for (i, (f, v)) in fs.iter().zip(tuple).enumerate() {
                    if i > 0 {
                        t.push_str(" and ");
                    }
                    let comp = comps.get(i).map_or("=", String::as_str);
                    t.push_str(&format!(" {f} {comp} {}", value_text(v, comp)));
                }
                t.push(')');
                tuples.push(t);
            }
            if tuples.is_empty() {
                return Ok(None);
            }
            Ok(Some(format!("({})", tuples.join(" or "))))
        }
        (None, _) => Ok(None),
    }
}

/// A macro that reaches itself through references (iterative DFS).
fn find_cycle(asts: &HashMap<String, crate::ast::Expr>, col: &Collector) -> Option<(String, Ctx)> {
    let refs: HashMap<&str, Vec<String>> = asts
        .iter()
        .map(|(n, a)| {
            let mut r = Vec::new();
            macro_refs(a, &mut r);
            (n.as_str(), r.into_iter().map(|(x, _)| x).collect())
        })
        .collect();
    // 0 = new, 1 = on stack, 2 = done.
    let mut state: HashMap<&str, u8> = HashMap::new();
    for m in &col.macros.items {
        if state.get(m.name.as_str()).copied().unwrap_or(0) != 0 {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(m.name.as_str(), 0)];
        state.insert(m.name.as_str(), 1);
        while let Some((node, i)) = stack.pop() {
            let next = refs.get(node).and_then(|v| v.get(i));
            match next {
                Some(n) => {
                    stack.push((node, i + 1));
                    match state.get(n.as_str()).copied().unwrap_or(0) {
                        1 => {
                            let ctx = col.macros.get(n).map(|d| d.ctx.clone())?;
                            return Some((n.clone(), ctx));
                        }
                        0 if refs.contains_key(n.as_str()) => {
                            state.insert(n.as_str(), 1);
                            stack.push((n.as_str(), 0));
                        }
                        _ => {}
                    }
                }
                None => {
                    state.insert(node, 2);
                }
            }
        }
    }
    None
}

/// After all files: every `required_plugin_versions` entry needs a matching source.
pub(super) fn check_plugins(
    col: &Collector,
    tables: &[Table],
    files: &[RulesFile<'_>],
    report: &mut FileReport,
) -> bool {
    let loaded: Vec<(&str, &str)> = tables
        .iter()
        .flat_map(|t| t.spec.plugins.iter().map(|p| (&*p.name, &*p.version)))
        .collect();
    let mut out = Out { files, report };
    for req in &col.plugin_reqs {
        let satisfied = req.options.iter().any(|(n, v)| {
            loaded.iter().any(|(ln, lv)| {
                *ln == n && matches!((crate::reader::parse_semver(lv), crate::reader::parse_semver(v)), (Some(a), Some(b)) if a.0 == b.0 && a >= b)
            })
        });
        if satisfied {
            continue;
        }
        let message = match req.options.first().and_then(|(n, v)| {
            loaded
                .iter()
                .find(|(ln, _)| ln == n)
                .map(|(_, lv)| (n, v, lv))
        }) {
            Some((n, v, lv)) if req.options.len() == 1 => format!(
                "Plugin '{n}' version '{lv}' is not compatible with required plugin version '{v}'"
            ),
            _ => format!(
                "Plugin requirement not satisfied, must load one of: {}",
                req.options
                    .iter()
                    .map(|(n, v)| format!("{n} (>= {v})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        out.push(
            Severity::Error,
            "LOAD_ERR_VALIDATE",
            message,
            ("required_plugin_versions", "", &req.ctx),
            None,
        );
        return false;
    }
    true
}
