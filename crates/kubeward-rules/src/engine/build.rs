//! Compiles everything collected so far (Falco does this after every file): lists
//! expanded, macros parsed and checked, exceptions rendered into conditions, rules
//! compiled per source; unused lists and macros warned about. Unchanged work is
//! reused from earlier builds of the same load (see [`super::cache`]).

use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use super::cache::{Cache, Compiled, Lists, RuleEntryParts, RuleErr};
use super::exceptions::render_exceptions;
use super::{CompiledRule, RuleInfo, RulesFile};
use crate::collector::{Collector, Ctx, RuleDef};
use crate::compile::{Compiler, MAX_WEIGHT, Macros, macro_refs};
use crate::diag::{Diagnostic, DiagnosticLevel, FileReport, Location, snippet};
use crate::fields::Table;
use crate::yaml::Pos;

/// The source whose rules Falco checks for event types.
const SYSCALL: &str = "syscall";

struct Out<'a> {
    files: &'a [RulesFile<'a>],
    report: &'a mut FileReport,
}

impl Out<'_> {
    fn push(
        &mut self,
        severity: DiagnosticLevel,
        code: &'static str,
        message: String,
        item: (&str, &str, &Ctx),
        sub: Option<(&str, &str, Pos)>,
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
        if let Some((sty, sname, pos)) = sub {
            locations.push(Location {
                item_type: sty.into(),
                item_name: sname.into(),
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

/// Compiles everything collected so far, reusing what `cache` still holds. Compiled
/// rules are returned only when `keep` (the last file's build).
pub(super) fn build(
    col: &Collector,
    tables: &[Table],
    files: &[RulesFile<'_>],
    report: &mut FileReport,
    cache: &mut Cache,
    keep: bool,
) -> Option<Vec<CompiledRule>> {
    let mut out = Out { files, report };
    cache.begin(col);
    if let Some(name) = &cache.lists.too_large
        && let Some(l) = col.lists.get(name)
    {
        out.push(
            DiagnosticLevel::Error,
            "LOAD_ERR_VALIDATE",
            format!(
                "list '{name}' is too large: with the lists named in its items spliced in, the lists hold more than {} items or {} MiB",
                super::cache::MAX_LIST_ITEMS,
                super::cache::MAX_LIST_BYTES >> 20
            ),
            ("list", name, &l.ctx),
            None,
        );
        return None;
    }
    let mut used_lists: HashSet<String> = cache.lists.nested_used.iter().cloned().collect();
    // Macros: parse each; references must be to macros defined before.
    let mut used_macros: HashSet<String> = HashSet::new();
    let mut failed = false;
    for m in &col.macros.items {
        let entry = cache.macro_entry(&m.name, &m.condition, m.last_seq);
        used_lists.extend(entry.used_lists.iter().cloned());
        match &entry.outcome {
            Ok(refs) => {
                for (r, off) in refs {
                    let ok = col.macros.get(r).is_some_and(|d| d.first_seq < m.last_seq);
                    if !ok && !failed {
                        let pos = inner(m.cond_pos, &m.condition, Some(*off));
                        out.push(
                            DiagnosticLevel::Error,
                            "LOAD_ERR_VALIDATE",
                            format!("Undefined macro '{r}' used in filter."),
                            ("macro", &m.name, &m.ctx),
                            Some(("macro condition", "", pos)),
                        );
                        failed = true;
                    }
                    used_macros.insert(r.clone());
                }
            }
            Err(e) => {
                let pos = inner(m.cond_pos, &m.condition, Some(e.offset));
                out.push(
                    DiagnosticLevel::Error,
                    "LOAD_ERR_COMPILE_CONDITION",
                    e.message.clone(),
                    ("macro", &m.name, &m.ctx),
                    Some(("macro condition", "", pos)),
                );
                return None;
            }
        }
    }
    if failed {
        return None;
    }
    if let Some((name, ctx)) = find_cycle(&cache.asts, col) {
        out.push(
            DiagnosticLevel::Error,
            "LOAD_ERR_VALIDATE",
            format!("reference loop in macro '{name}'"),
            ("macro", &name, &ctx),
            None,
        );
        return None;
    }
    let mut rules = Vec::new();
    // One budget for every rule compiled in this build (see compile::MAX_WEIGHT).
    let budget = Cell::new(MAX_WEIGHT);
    for r in &col.rules.items {
        let Some((source, table)) = tables
            .iter()
            .enumerate()
            .find(|(_, t)| t.spec.name == r.source)
        else {
            out.push(
                DiagnosticLevel::Warning,
                "LOAD_UNKNOWN_SOURCE",
                format!("Unknown source {}, skipping", r.source),
                ("rule", &r.name, &r.ctx),
                None,
            );
            continue;
        };
        let entry = cache.rule_entry(r, source, |lists, asts| {
            compile_rule(r, table, lists, asts, &budget)
        });
        used_lists.extend(entry.used_lists.iter().cloned());
        used_macros.extend(entry.used_macros.iter().cloned());
        match &mut entry.outcome {
            Ok(c) => {
                for (code, w) in &c.rule_warnings {
                    out.push(
                        DiagnosticLevel::Warning,
                        code,
                        w.clone(),
                        ("rule", &r.name, &r.ctx),
                        None,
                    );
                }
                for (code, w) in &c.warnings {
                    out.push(
                        DiagnosticLevel::Warning,
                        code,
                        w.clone(),
                        ("rule", &r.name, &r.ctx),
                        Some(("rule condition", "", r.cond_pos)),
                    );
                }
                if c.no_evttype && r.warn_evttypes {
                    out.push(
                        DiagnosticLevel::Warning,
                        "LOAD_NO_EVTTYPE",
                        "Rule matches too many evt.type values. This has a significant performance penalty.".into(),
                        ("rule", &r.name, &r.ctx),
                        None,
                    );
                }
                if keep && let Some((filter, output)) = c.filter.take() {
                    rules.push(CompiledRule {
                        info: RuleInfo {
                            name: r.name.clone(),
                            desc: r.desc.clone(),
                            source: r.source.clone(),
                            priority: r.priority,
                            tags: r.tags.iter().cloned().collect(),
                            enabled: r.enabled,
                            output: r.output.clone(),
                            condition: c.condition.clone(),
                            inactive: !table.spec.active,
                        },
                        filter,
                        output,
                        source,
                    });
                }
            }
            Err(e) => {
                // Falco 0.44's list (`err_is_unknown_type_or_field`): only these errors
                // of the condition or the output turn into a warning.
                let unknown = [
                    "nonexistent field",
                    "invalid formatting token",
                    "unknown event type",
                ];
                let skippable = e.code != "LOAD_ERR_VALIDATE";
                let sub = Some((e.item_type, e.item_name.as_str(), e.pos));
                if r.skip_if_unknown_filter
                    && skippable
                    && unknown.iter().any(|u| e.message.contains(u))
                {
                    out.push(
                        DiagnosticLevel::Warning,
                        "LOAD_UNKNOWN_FILTER",
                        e.message.clone(),
                        ("rule", &r.name, &r.ctx),
                        sub,
                    );
                    continue;
                }
                out.push(
                    DiagnosticLevel::Error,
                    e.code,
                    e.message.clone(),
                    ("rule", &r.name, &r.ctx),
                    sub,
                );
                return None;
            }
        }
    }
    for m in &col.macros.items {
        if !used_macros.contains(&m.name) {
            out.push(
                DiagnosticLevel::Warning,
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
                DiagnosticLevel::Warning,
                "LOAD_UNUSED_LIST",
                "List not referred to by any other rule/macro".into(),
                ("list", &l.name, &l.ctx),
                None,
            );
        }
    }
    Some(rules)
}

fn compile_rule(
    r: &RuleDef,
    table: &Table,
    lists: &Lists,
    asts: &HashMap<String, crate::ast::Expr>,
    budget: &Cell<u64>,
) -> RuleEntryParts {
    let mut parts = RuleEntryParts {
        rendered: String::new(),
        used_lists: Vec::new(),
        used_macros: Vec::new(),
        looked_up: Vec::new(),
        outcome: Err(RuleErr::new(
            "LOAD_ERR_VALIDATE",
            String::new(),
            "exception",
            r.ctx.pos,
        )),
    };
    parts.outcome = compile_parts(r, table, lists, asts, budget, &mut parts);
    parts
}

fn compile_parts(
    r: &RuleDef,
    table: &Table,
    lists: &Lists,
    asts: &HashMap<String, crate::ast::Expr>,
    budget: &Cell<u64>,
    parts: &mut RuleEntryParts,
) -> Result<Compiled, RuleErr> {
    parts.rendered = render_exceptions(r, table).map_err(|(message, name, pos)| RuleErr {
        code: "LOAD_ERR_VALIDATE",
        message,
        item_type: "exception",
        item_name: name,
        pos,
    })?;
    let mut rule_warnings = Vec::new();
    let output = compile_output(r, table, &mut rule_warnings)?;
    let text = lists
        .subst(&parts.rendered, &mut parts.used_lists)
        .map_err(|e| {
            RuleErr::new(
                "LOAD_ERR_COMPILE_CONDITION",
                e.message,
                "rule condition",
                r.cond_pos,
            )
        })?;
    let ast = crate::parser::parse(&text).map_err(|e| {
        RuleErr::new(
            "LOAD_ERR_COMPILE_CONDITION",
            e.message,
            "rule condition",
            inner(r.cond_pos, &text, Some(e.offset)),
        )
    })?;
    let mut refs = Vec::new();
    macro_refs(&ast, &mut refs);
    parts.used_macros = refs.into_iter().map(|(n, _)| n).collect();
    let mut c = Compiler::new(table, Macros { asts }, budget);
    let result = c.compile(&ast);
    parts.looked_up = std::mem::take(&mut c.looked_up);
    let filter = result.map_err(|e| {
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
        RuleErr::new(kind, e.message, "rule condition", pos)
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
    let no_evttype = table.spec.name == SYSCALL
        && table
            .resolve("evt.type", None)
            .is_ok_and(|t| super::evttypes::types(&filter, &t.sel, false).too_many());
    Ok(Compiled {
        no_evttype,
        filter: Some((filter, output)),
        condition: text,
        warnings,
        rule_warnings,
    })
}

/// Falco 0.44 drops `%container.info` from outputs (the container plugin adds its
/// fields by itself) and says it is deprecated.
const CONTAINER_INFO: &str = "%container.info";

/// The rule's output, checked as Falco does: `%container.info` removed (with a
/// deprecation warning), then every token compiled.
fn compile_output(
    r: &RuleDef,
    table: &Table,
    rule_warnings: &mut Vec<(&'static str, String)>,
) -> Result<crate::output::Format, RuleErr> {
    let output = if r.output.contains(CONTAINER_INFO) {
        rule_warnings.push((
            "LOAD_DEPRECATED_ITEM",
            "%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. \
             The container plugin will automatically add required fields to the output message."
                .into(),
        ));
        std::borrow::Cow::Owned(r.output.replace(CONTAINER_INFO, ""))
    } else {
        std::borrow::Cow::Borrowed(r.output.as_str())
    };
    crate::output::compile(&output, table)
        .map_err(|m| RuleErr::new("LOAD_ERR_COMPILE_OUTPUT", m, "rule output", r.output_pos))
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
                *ln == n && matches!((crate::version::parse_semver(lv), crate::version::parse_semver(v)), (Some(a), Some(b)) if a.0 == b.0 && a >= b)
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
            DiagnosticLevel::Error,
            "LOAD_ERR_VALIDATE",
            message,
            ("required_plugin_versions", "", &req.ctx),
            None,
        );
        return false;
    }
    true
}
