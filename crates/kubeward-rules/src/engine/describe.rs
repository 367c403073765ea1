//! Falco's `-L` JSON document (`falco_engine::describe_rule`): the required versions,
//! then every compiled rule, macro and list with its syntactic `info` and compiled
//! `details` (fields, operators, lists and macros named, event types, the condition
//! as libsinsp prints it).

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use super::cache::MAX_CONDITION_BYTES;
use super::exceptions::render_exceptions;
use super::{Engine, RulesFile};
use crate::ast::{Expr, Operand, Rhs};
use crate::collector::{Collector, Fields, ListDef};
use crate::diag::FileReport;
use crate::reader::Reader;

/// Names `evt.type` yields for events of a plugin source.
const PLUGIN_EVENTS: [&str; 2] = ["asyncevent", "pluginevent"];

impl Engine {
    /// The `-L` document for `files`, or `None` when they do not load.
    pub fn describe(&self, files: &[RulesFile<'_>]) -> Option<Value> {
        let loaded = self.load(files);
        let ruleset = loaded.ruleset?;
        let mut col = Collector::default();
        for (i, f) in files.iter().enumerate() {
            let mut report = FileReport::default();
            let ok = Reader {
                file: f.name.as_str().into(),
                file_index: i,
                text: f.content,
                report: &mut report,
                col: &mut col,
            }
            .read();
            if !ok {
                return None;
            }
        }
        let d = Describer::new(self, &col);
        let rules: Vec<Value> = ruleset
            .rules()
            .filter_map(|(_, info)| d.rule(&info.name))
            .collect();
        let macros: Vec<Value> = col.macros.items.iter().map(|m| d.macro_(&m.name)).collect();
        let lists: Vec<Value> = col.lists.items.iter().map(|l| d.list(l)).collect();
        Some(json!({
            "required_engine_version": d.engine_version(),
            "required_plugin_versions": col.plugin_reqs.iter().map(|r| {
                let (name, version) = r.options.first().cloned().unwrap_or_default();
                let alternatives: Vec<Value> = r.options.iter().skip(1)
                    .map(|(n, v)| json!({"name": n, "version": v})).collect();
                json!({"name": name, "version": version, "alternatives": alternatives})
            }).collect::<Vec<_>>(),
            "rules": rules,
            "macros": macros,
            "lists": lists,
        }))
    }
}

struct Describer<'a> {
    engine: &'a Engine,
    col: &'a Collector,
    /// Each list's compiled items (one level of list references expanded).
    compiled: HashMap<&'a str, Vec<String>>,
    /// Lists and macros some other item uses.
    used_lists: BTreeSet<String>,
    used_macros: BTreeSet<String>,
}

impl<'a> Describer<'a> {
    fn new(engine: &'a Engine, col: &'a Collector) -> Self {
        let mut compiled = HashMap::new();
        let mut used_lists = BTreeSet::new();
        for l in &col.lists.items {
            let mut items = Vec::new();
            for item in &l.items {
                match col.lists.get(item).filter(|r| r.first_seq < l.last_seq) {
                    Some(r) => {
                        used_lists.insert(r.name.clone());
                        items.extend(r.items.iter().cloned());
                    }
                    None => items.push(item.clone()),
                }
            }
            compiled.insert(l.name.as_str(), items);
        }
        let mut d = Describer {
            engine,
            col,
            compiled,
            used_lists,
            used_macros: BTreeSet::new(),
        };
        let mut texts: Vec<String> = col
            .macros
            .items
            .iter()
            .map(|m| m.condition.clone())
            .collect();
        for r in &col.rules.items {
            if let Some(t) = d.table(&r.source)
                && let Ok(text) = render_exceptions(r, t)
            {
                texts.push(text);
            }
        }
        for text in &texts {
            let (subst, lists) = d.substitute(text);
            d.used_lists.extend(lists);
            if let Ok(ast) = crate::parser::parse(&subst) {
                let mut refs = Vec::new();
                crate::compile::macro_refs(&ast, &mut refs);
                d.used_macros.extend(refs.into_iter().map(|(n, _)| n));
            }
        }
        d
    }

    fn table(&self, source: &str) -> Option<&'a crate::fields::Table> {
        self.engine.tables.iter().find(|t| t.spec.name == source)
    }

    fn engine_version(&self) -> String {
        // Falco keeps the highest version any file requires.
        let v = self
            .col
            .engine_versions
            .iter()
            .max()
            .copied()
            .unwrap_or((0, 0, 0));
        format!("{}.{}.{}", v.0, v.1, v.2)
    }

    /// Falco's textual list substitution, and the lists it used.
    fn substitute(&self, text: &str) -> (String, Vec<String>) {
        let mut out = text.to_owned();
        let mut used = Vec::new();
        for l in &self.col.lists.items {
            let items = self
                .compiled
                .get(l.name.as_str())
                .map_or(&[][..], Vec::as_slice);
            // The load already bounded every condition's size, so `None` cannot happen
            // for a loaded ruleset; stop rather than describe a truncated text.
            match crate::lists::substitute(&mut out, &l.name, items, MAX_CONDITION_BYTES) {
                Some(true) => used.push(l.name.clone()),
                Some(false) => {}
                None => break,
            }
        }
        (out, used)
    }

    /// The condition with lists substituted and macros spliced in.
    fn compiled(&self, text: &str, depth: usize) -> Option<Expr> {
        let (subst, _) = self.substitute(text);
        let mut ast = crate::parser::parse(&subst).ok()?;
        self.splice(&mut ast, depth)?;
        Some(ast)
    }

    fn splice(&self, e: &mut Expr, depth: usize) -> Option<()> {
        if depth > 64 {
            return None;
        }
        match e {
            Expr::And(v) | Expr::Or(v) => v.iter_mut().try_for_each(|x| self.splice(x, depth)),
            Expr::Not(b) => self.splice(b, depth),
            Expr::Macro(name, _) => {
                let m = self.col.macros.get(name)?;
                *e = self.compiled(&m.condition, depth + 1)?;
                Some(())
            }
            Expr::Check { .. } => Some(()),
        }
    }

    /// Macros and lists the written condition names (before anything is resolved).
    fn syntactic_refs(&self, text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
        let mut macros = BTreeSet::new();
        let mut lists = BTreeSet::new();
        let Ok(ast) = crate::parser::parse(text) else {
            return (macros, lists);
        };
        let mut stack = vec![&ast];
        while let Some(e) = stack.pop() {
            match e {
                Expr::And(v) | Expr::Or(v) => stack.extend(v.iter()),
                Expr::Not(b) => stack.push(b),
                Expr::Macro(n, _) if self.col.macros.get(n).is_some() => {
                    macros.insert(n.clone());
                }
                Expr::Macro(..) => {}
                Expr::Check { rhs, .. } => {
                    let values: &[String] = match rhs {
                        Rhs::Value(v) => std::slice::from_ref(v),
                        Rhs::List(v) => v,
                        _ => &[],
                    };
                    for v in values {
                        if self.col.lists.get(v).is_some() {
                            lists.insert(v.clone());
                        }
                    }
                }
            }
        }
        (macros, lists)
    }

    fn rule(&self, name: &str) -> Option<Value> {
        let r = self.col.rules.get(name)?;
        let table = self.table(&r.source)?;
        let rendered = render_exceptions(r, table).ok()?;
        let ast = self.compiled(&rendered, 0)?;
        let (macros, lists) = self.syntactic_refs(&r.condition);
        let (fields, operators) = fields_and_operators(&ast);
        let output = r.output.replace("%container.info", "");
        let output_fields: Vec<String> = crate::output::compile(&output, table)
            .map(|f| {
                f.parts
                    .iter()
                    .filter_map(|p| match p {
                        crate::output::Part::Field { key, .. } => Some(key.clone()),
                        crate::output::Part::Lit(_) => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut exception_fields = BTreeSet::new();
        let mut exception_operators = BTreeSet::new();
        for e in &r.exceptions {
            for (set, f) in [
                (&mut exception_fields, &e.fields),
                (&mut exception_operators, &e.comps),
            ] {
                match f {
                    Some(Fields::Single(s)) => {
                        set.insert(s.clone());
                    }
                    Some(Fields::Tuple(v)) => set.extend(v.iter().cloned()),
                    None => {}
                }
            }
        }
        let mut all_fields = fields.clone();
        all_fields.extend(output_fields.iter().cloned());
        Some(json!({
            "info": {
                "name": r.name,
                "condition": r.condition,
                "priority": r.priority.name(),
                "output": r.output,
                "description": r.desc,
                "enabled": r.enabled,
                "source": r.source,
                "tags": r.tags,
            },
            "details": {
                "macros": macros,
                "lists": lists,
                "condition_operators": operators,
                "condition_fields": fields,
                "output_fields": output_fields,
                "exception_fields": exception_fields,
                "exception_names": r.exceptions.iter().map(|e| e.name.as_str()).collect::<BTreeSet<_>>(),
                "exception_operators": exception_operators,
                "events": events(&r.source, &ast),
                "condition_compiled": as_string(&ast),
                "output_compiled": output,
                "plugins": plugins(table, &r.source, &all_fields),
            }
        }))
    }

    fn macro_(&self, name: &str) -> Value {
        let Some(m) = self.col.macros.get(name) else {
            return Value::Null;
        };
        let ast = self.compiled(&m.condition, 0);
        let (macros, lists) = self.syntactic_refs(&m.condition);
        let (fields, operators) = ast.as_ref().map(fields_and_operators).unwrap_or_default();
        json!({
            "info": {"name": m.name, "condition": m.condition},
            "details": {
                "used": self.used_macros.contains(&m.name),
                "macros": macros,
                "lists": lists,
                "condition_operators": operators,
                "condition_fields": fields,
                "events": ast.as_ref().map(|a| events("syscall", a)).unwrap_or_default(),
                "condition_compiled": ast.as_ref().map(as_string).unwrap_or_default(),
                "plugins": [],
            }
        })
    }

    fn list(&self, l: &ListDef) -> Value {
        let compiled = self
            .compiled
            .get(l.name.as_str())
            .cloned()
            .unwrap_or_default();
        // Falco's rule: a written item missing from the compiled items was a list.
        let (items, refs): (Vec<&String>, Vec<&String>) =
            l.items.iter().partition(|i| compiled.contains(i));
        json!({
            "info": {"name": l.name, "items": items},
            "details": {
                "used": self.used_lists.contains(&l.name),
                "lists": refs.into_iter().collect::<BTreeSet<_>>(),
                "items_compiled": compiled,
                "plugins": [],
            }
        })
    }
}

fn operand_text(o: &Operand) -> String {
    let mut s = o.field.clone();
    if let Some(m) = &o.multi {
        s = m.kind.name().to_owned();
    }
    if let Some(a) = &o.arg {
        s = format!("{s}[{a}]");
    }
    s
}

/// Every field (with its argument) and operator of a compiled condition.
fn fields_and_operators(e: &Expr) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut fields = BTreeSet::new();
    let mut ops = BTreeSet::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match e {
            Expr::And(v) | Expr::Or(v) => stack.extend(v.iter()),
            Expr::Not(b) => stack.push(b),
            Expr::Macro(..) => {}
            Expr::Check { lhs, op, rhs, .. } => {
                fields.insert(operand_text(lhs));
                if let Rhs::Field(f) = rhs {
                    fields.insert(operand_text(f));
                }
                ops.insert(op.text().to_owned());
            }
        }
    }
    (fields, ops)
}

/// A value as libsinsp prints it: bare, or quoted when it would not parse bare.
fn value_text(v: &str) -> String {
    let bare = !v.is_empty()
        && !v
            .chars()
            .any(|c| c.is_whitespace() || "()\"',=".contains(c));
    if bare {
        v.to_owned()
    } else {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// libsinsp's `ast::as_string`: `(a and b)`, `(a or b)`, `not a`, `f op v`, `f in (v, w)`.
fn as_string(e: &Expr) -> String {
    match e {
        Expr::And(v) | Expr::Or(v) => {
            let sep = if matches!(e, Expr::And(_)) {
                " and "
            } else {
                " or "
            };
            format!(
                "({})",
                v.iter().map(as_string).collect::<Vec<_>>().join(sep)
            )
        }
        Expr::Not(b) => format!("not {}", as_string(b)),
        Expr::Macro(n, _) => n.clone(),
        Expr::Check {
            lhs,
            op,
            modifier,
            rhs,
        } => {
            let mut s = format!("{} {}", operand_text(lhs), op.text());
            if let Some(m) = modifier {
                s.push_str(match m {
                    crate::ast::Modifier::OneOf => " oneof",
                    crate::ast::Modifier::AnyOf => " anyof",
                    crate::ast::Modifier::AllOf => " allof",
                });
            }
            match rhs {
                Rhs::None => {}
                Rhs::Value(v) => s.push_str(&format!(" {}", value_text(v))),
                Rhs::List(v) => s.push_str(&format!(
                    " ({})",
                    v.iter()
                        .map(|x| value_text(x))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Rhs::Field(f) => s.push_str(&format!(" val({})", operand_text(f))),
            }
            s
        }
    }
}

/// The event types a condition can match, named as `evt.type` names them: for the
/// syscall source its `evt.type` restriction (all names when there is none) plus the
/// async event; for plugin sources the plugin and async events.
fn events(source: &str, e: &Expr) -> Vec<String> {
    if source != "syscall" {
        return PLUGIN_EVENTS.iter().map(|s| (*s).to_owned()).collect();
    }
    let mut set: BTreeSet<String> = match evt_types(e, false) {
        Some(only) => only,
        None => crate::syscall::event_names().map(str::to_owned).collect(),
    };
    set.insert("asyncevent".into());
    set.into_iter().collect()
}

/// `Some(names)` when the condition restricts `evt.type` to `names`, `None` when any
/// type can match (`negated`: of `not e`).
fn evt_types(e: &Expr, negated: bool) -> Option<BTreeSet<String>> {
    match e {
        Expr::Not(b) => evt_types(b, !negated),
        Expr::And(v) | Expr::Or(v) => {
            let conj = matches!(e, Expr::And(_)) != negated;
            let parts: Vec<Option<BTreeSet<String>>> =
                v.iter().map(|x| evt_types(x, negated)).collect();
            if conj {
                // The intersection of the restricted parts; unrestricted ones add nothing.
                parts
                    .into_iter()
                    .flatten()
                    .reduce(|a, b| a.intersection(&b).cloned().collect())
            } else {
                // Any unrestricted part opens every type.
                parts.into_iter().try_fold(BTreeSet::new(), |mut acc, p| {
                    acc.extend(p?);
                    Some(acc)
                })
            }
        }
        Expr::Macro(..) => None,
        Expr::Check { lhs, op, rhs, .. } => {
            if lhs.field != "evt.type" || lhs.arg.is_some() || !lhs.transformers.is_empty() {
                return None;
            }
            let names: BTreeSet<String> = match (op, rhs) {
                (crate::ast::Op::Eq, Rhs::Value(v)) => std::iter::once(v.clone()).collect(),
                (crate::ast::Op::In, Rhs::List(v)) => v.iter().cloned().collect(),
                _ => return None,
            };
            // A negated (or `!=`) restriction leaves almost every type open.
            (!negated).then_some(names)
        }
    }
}

/// The plugins a rule uses: the one providing a plugin source, and those whose fields
/// it reads (the container plugin for `container.*`/`k8s.*` on syscall, the json
/// plugin for `json.*`/`jevt.*`).
fn plugins(table: &crate::fields::Table, source: &str, fields: &BTreeSet<String>) -> Vec<String> {
    let mut out = BTreeSet::new();
    for p in &table.spec.plugins {
        let name: &str = &p.name;
        let prefixes: &[&str] = match name {
            "container" => &["container.", "k8s.", "proc.is_container"],
            "json" => &["json.", "jevt."],
            _ if source != "syscall" => &[""],
            _ => &[],
        };
        if fields
            .iter()
            .any(|f| prefixes.iter().any(|p| f.starts_with(p)))
        {
            out.insert(name.to_owned());
        }
    }
    out.into_iter().collect()
}
