//! AST → compiled filter for one source: fields resolved to handles, constants
//! converted to the field's type, sets hashed, regexes and globs compiled, macros
//! spliced (with cycle detection).
//!
//! Falco splices a macro's text wherever it is used, so a macro used twice in another
//! doubles: 24 such macros in a 1 KB file are 16 million conditions. The compiled form
//! keeps those semantics (the same tree, so evaluation does not change), but a macro is
//! compiled once per condition and copied where it is used again, and the copies are
//! paid from a budget of [`MAX_WEIGHT`] per load: a file that needs more fails with an
//! error naming the macro, instead of taking minutes and gigabytes.

use std::cell::Cell;
use std::collections::HashMap;

use crate::ast::{
    Expr, Modifier, MultiArg, MultiCall, MultiTransformer, Op, Operand, Rhs, Transformer,
};
use crate::fields::{Resolved, Sel, Table};
use crate::filter::multi::{CArg, CMulti};
use crate::filter::{CField, CRhs, Check, Filter};
use crate::glob::Glob;
use crate::source::FieldType;
use crate::value::{ConstSet, convert, pmatch_prefix};

/// Compiled depth cap (macros spliced), so evaluation recursion stays shallow.
const MAX_DEPTH: usize = 1000;

/// The most compiled weight (one per node, plus one per value of an `in` set or value
/// list) that one build of a load may compile, macros spliced, over all its rules.
/// Building the upstream rulesets spends at most about 5,400 (measured per build while
/// loading each upstream file), so the limit only stops expansion bombs.
pub(crate) const MAX_WEIGHT: u64 = 1_000_000;

/// A compile error and the condition offset it points at (when known).
#[derive(Debug, Clone)]
pub(crate) struct CompileError {
    pub message: String,
    pub offset: Option<usize>,
    /// The macro whose condition holds the error, if any.
    pub in_macro: Option<String>,
}

/// Macros available to a condition: parsed ASTs by name.
pub(crate) struct Macros<'a> {
    pub asts: &'a HashMap<String, Expr>,
}

pub(crate) struct Compiler<'a> {
    pub table: &'a Table,
    pub macros: Macros<'a>,
    pub warnings: Vec<String>,
    /// Every macro name looked up, found or not: what the result depends on (the
    /// load cache reuses a compiled rule only while these are unchanged).
    pub looked_up: Vec<String>,
    stack: Vec<String>,
    depth: usize,
    /// The deepest `depth` reached, to know a compiled macro's height.
    deepest: usize,
    /// Weight the load may still build (shared by its rules).
    budget: &'a Cell<u64>,
    /// Weight built by this compiler.
    spent: u64,
    /// Macros compiled for this condition: `None` once used, then the compiled form,
    /// copied where it is used again (kept from the second use on, so a macro used
    /// once costs no copy).
    done: HashMap<String, Option<Spliced>>,
}

/// A compiled macro and what compiling it again would give besides the filter.
struct Spliced {
    filter: Filter,
    weight: u64,
    height: usize,
    warnings: Vec<String>,
}

impl<'a> Compiler<'a> {
    pub fn new(table: &'a Table, macros: Macros<'a>, budget: &'a Cell<u64>) -> Self {
        Compiler {
            table,
            macros,
            warnings: Vec::new(),
            looked_up: Vec::new(),
            stack: Vec::new(),
            depth: 0,
            deepest: 0,
            budget,
            spent: 0,
            done: HashMap::new(),
        }
    }

    /// Pays `weight` from the load's budget; past it, an error naming the macro being
    /// expanded (the outermost one: the one the condition uses).
    fn spend(&mut self, weight: u64, at: Option<&str>) -> Result<(), CompileError> {
        let left = self.budget.get();
        if weight <= left {
            self.budget.set(left - weight);
            self.spent += weight;
            return Ok(());
        }
        let message = match (self.stack.first().map(String::as_str), at) {
            (Some(outer), Some(inner)) if outer != inner => format!(
                "macro '{outer}' is too large: splicing macro '{inner}' into it goes past the limit of {MAX_WEIGHT} compiled conditions and values for one load (a macro is copied wherever it is used, so one used twice in another doubles its size)"
            ),
            (Some(m), _) | (None, Some(m)) => format!(
                "macro '{m}' is too large: expanding it goes past the limit of {MAX_WEIGHT} compiled conditions and values for one load (a macro is copied wherever it is used, so one used twice in another doubles its size)"
            ),
            (None, None) => format!(
                "condition too large: it goes past the limit of {MAX_WEIGHT} compiled conditions and values for one load (with the rules before it)"
            ),
        };
        Err(self.err(message, None))
    }

    pub fn compile(&mut self, e: &Expr) -> Result<Filter, CompileError> {
        self.depth += 1;
        self.deepest = self.deepest.max(self.depth);
        if self.depth > MAX_DEPTH {
            return Err(self.err(format!("exceeded max depth limit of {MAX_DEPTH}"), None));
        }
        if !matches!(e, Expr::Macro(..)) {
            let values = match e {
                Expr::Check {
                    rhs: Rhs::List(items),
                    ..
                } => items.len() as u64,
                _ => 0,
            };
            if let Err(err) = self.spend(1 + values, None) {
                self.depth -= 1;
                return Err(err);
            }
        }
        let r = match e {
            Expr::And(items) => items
                .iter()
                .map(|i| self.compile(i))
                .collect::<Result<_, _>>()
                .map(Filter::And),
            Expr::Or(items) => items
                .iter()
                .map(|i| self.compile(i))
                .collect::<Result<_, _>>()
                .map(Filter::Or),
            Expr::Not(inner) => self.compile(inner).map(|f| Filter::Not(Box::new(f))),
            Expr::Macro(name, offset) => self.expand(name, *offset),
            Expr::Check {
                lhs,
                op,
                modifier,
                rhs,
            } => self
                .check(lhs, *op, *modifier, rhs)
                .map(|c| Filter::Check(Box::new(c))),
        };
        self.depth -= 1;
        r
    }

    fn err(&self, message: String, offset: Option<usize>) -> CompileError {
        CompileError {
            message,
            offset,
            in_macro: self.stack.last().cloned(),
        }
    }

    fn expand(&mut self, name: &str, offset: usize) -> Result<Filter, CompileError> {
        if !self.looked_up.iter().any(|m| m == name) {
            self.looked_up.push(name.to_owned());
        }
        if self.stack.iter().any(|m| m == name) {
            return Err(self.err(format!("reference loop in macro '{name}'"), Some(offset)));
        }
        let memo = self
            .done
            .get(name)
            .map(|d| d.as_ref().map(|d| (d.weight, d.height)));
        if let Some(Some((weight, height))) = memo {
            // The same result as compiling it again here: same filter and warnings,
            // and the depth check it would meet. Paid for before it is copied.
            if self.depth + height > MAX_DEPTH {
                return Err(self.err(format!("exceeded max depth limit of {MAX_DEPTH}"), None));
            }
            self.spend(weight, Some(name))?;
            if let Some(Some(done)) = self.done.get(name) {
                self.warnings.extend(done.warnings.iter().cloned());
                return Ok(done.filter.clone());
            }
        }
        let Some(ast) = self.macros.asts.get(name) else {
            return Err(self.err(
                format!("Undefined macro '{name}' used in filter."),
                Some(offset),
            ));
        };
        let (base, deepest, spent, warned) =
            (self.depth, self.deepest, self.spent, self.warnings.len());
        self.deepest = base;
        self.stack.push(name.to_owned());
        let r = self.compile(ast);
        self.stack.pop();
        let height = self.deepest - base;
        self.deepest = self.deepest.max(deepest);
        let filter = r?;
        let spliced = memo.is_some().then(|| Spliced {
            filter: filter.clone(),
            weight: self.spent - spent,
            height,
            warnings: self.warnings.get(warned..).unwrap_or_default().to_vec(),
        });
        self.done.insert(name.to_owned(), spliced);
        Ok(filter)
    }

    pub fn field(&mut self, o: &Operand) -> Result<(CField, FieldType), CompileError> {
        let (sel, ty, list, ancestors) = match &o.multi {
            Some(m) => {
                let (sel, ty, list) = self.multi(o, m)?;
                (sel, ty, list, false)
            }
            None => {
                let r = self.plain(o)?;
                (r.sel, r.ty, r.list, r.ancestors)
            }
        };
        let mut ty = ty;
        let mut list = list;
        for t in o.transformers.iter().rev() {
            match t {
                Transformer::Len => {
                    if !matches!(ty, FieldType::String | FieldType::Bytes) && !list {
                        return Err(self.err(
                            format!("transformer 'len' is not supported on field {}", o.field),
                            Some(o.offset),
                        ));
                    }
                    ty = FieldType::U64;
                    list = false;
                }
                _ => {
                    if !matches!(ty, FieldType::String | FieldType::Bytes) {
                        return Err(self.err(
                            format!(
                                "transformer is not supported on non-string field {}",
                                o.field
                            ),
                            Some(o.offset),
                        ));
                    }
                    ty = FieldType::String;
                }
            }
        }
        let cf = CField {
            sel,
            transformers: o.transformers.clone(),
            list,
            slot: crate::filter::NO_SLOT,
            ancestors,
        };
        Ok((cf, ty))
    }

    /// A field of the source's table (or a generic one).
    fn plain(&mut self, o: &Operand) -> Result<Resolved, CompileError> {
        let r = self
            .table
            .resolve(&o.field, o.arg.as_deref())
            .map_err(|m| self.err(m, Some(o.offset)))?;
        if r.deprecated {
            self.warnings
                .push(format!("field {} is deprecated", o.field));
        }
        if r.print_only {
            return Err(self.err(
                format!("filter {} can only be used in outputs", o.field),
                Some(o.offset),
            ));
        }
        Ok(r)
    }

    /// `join`, `concat`, `getopt`: arguments compiled and checked with libsinsp's
    /// messages; gives the selector, the result type and list-ness.
    fn multi(
        &mut self,
        o: &Operand,
        m: &MultiCall,
    ) -> Result<(Sel, FieldType, bool), CompileError> {
        let at = Some(o.offset);
        let mut args = Vec::new();
        let mut types = Vec::new();
        for a in &m.args {
            match a {
                MultiArg::Literal(s) => {
                    args.push(CArg::Lit(s.as_str().into()));
                    types.push((FieldType::String, false));
                }
                MultiArg::Operand(inner) => {
                    let (cf, ty) = self.field(inner)?;
                    types.push((ty, cf.list));
                    args.push(CArg::Field(cf));
                }
            }
        }
        let name = m.kind.name();
        let fail = |c: &Self, msg: &str| Err(c.err(msg.to_owned(), at));
        let string = |t: &(FieldType, bool)| t.0 == FieldType::String;
        let mut select = None;
        let list = match m.kind {
            MultiTransformer::Join => {
                if types.len() != 2 {
                    return fail(
                        self,
                        "join() requires exactly 2 arguments: separator and list",
                    );
                }
                if types.first().is_some_and(|t| t.1) {
                    return fail(
                        self,
                        "join() first argument (separator) must be a single value, not a list",
                    );
                }
                if !types.get(1).is_some_and(|t| t.1) {
                    return fail(self, "join() second argument must be a list");
                }
                false
            }
            MultiTransformer::Concat => {
                if types.len() < 2 {
                    return fail(self, "concat() requires at least 2 arguments");
                }
                if types.iter().any(|t| !string(t) || t.1) {
                    return fail(self, "concat() arguments must be strings");
                }
                false
            }
            MultiTransformer::Getopt => {
                if types.len() != 2 {
                    return fail(
                        self,
                        "getopt() requires exactly 2 arguments: args list and optstring",
                    );
                }
                if !types.first().is_some_and(|t| t.1) {
                    return fail(self, "getopt() first argument must be a list");
                }
                if types.get(1).is_some_and(|t| t.1) {
                    return fail(
                        self,
                        "getopt() second argument (optstring) must be a single value",
                    );
                }
                if !types.iter().all(string) {
                    return fail(self, "getopt() arguments must be strings");
                }
                match m.arg.as_deref().map(str::as_bytes) {
                    None => true,
                    Some(&[c]) => {
                        select = Some(c);
                        false
                    }
                    Some(_) => {
                        return fail(
                            self,
                            "getopt() field argument must be a single option character",
                        );
                    }
                }
            }
        };
        if m.arg.is_some() && m.kind != MultiTransformer::Getopt {
            return Err(self.err(
                format!("transformer '{name}' does not support field arguments"),
                at,
            ));
        }
        let c = CMulti {
            kind: m.kind,
            args,
            select,
        };
        Ok((Sel::Multi(Box::new(c)), FieldType::String, list))
    }

    fn check(
        &mut self,
        lhs: &Operand,
        op: Op,
        modifier: Option<Modifier>,
        rhs: &Rhs,
    ) -> Result<Check, CompileError> {
        let (lf, ty) = self.field(lhs)?;
        let at = Some(lhs.offset);
        if !op_allowed(ty, lf.list, op) {
            let kind = if lf.list { "list" } else { type_kind(ty) };
            return Err(self.err(
                format!("'{}' operator not supported for {kind} filters", op.text()),
                at,
            ));
        }
        if modifier.is_some()
            && (lf.list || op.is_list_op() || matches!(ty, FieldType::IpAddr | FieldType::IpNet))
        {
            return Err(self.err(
                format!(
                    "'{}' operator modifiers not supported for this filter",
                    op.text()
                ),
                at,
            ));
        }
        self.check_event_types(lhs, op, rhs)?;
        let conv = |v: &str| convert(v, ty, op);
        let rhs = match rhs {
            Rhs::None => CRhs::None,
            Rhs::Field(o) => {
                let (rf, rty) = self.field(o)?;
                if matches!(op, Op::PMatch | Op::Regex) || ty == FieldType::IpNet {
                    return Err(self.err(
                        format!(
                            "'{}' operator not supported with a field on the right",
                            op.text()
                        ),
                        Some(o.offset),
                    ));
                }
                if rty != ty || rf.list != lf.list && !op.is_list_op() {
                    return Err(self.err(
                        format!(
                            "field {} and {} have incompatible types",
                            lhs.field, o.field
                        ),
                        Some(o.offset),
                    ));
                }
                CRhs::Field(rf)
            }
            Rhs::Value(v) => {
                self.value_warnings(lhs, op, v);
                match op {
                    Op::Regex => {
                        let re = regex::bytes::Regex::new(&format!("^(?:{v})$")).map_err(|e| {
                            self.err(format!("invalid regular expression '{v}': {e}"), at)
                        })?;
                        CRhs::Regex(re)
                    }
                    Op::Glob | Op::IGlob => CRhs::Glob(Glob::new(v, op == Op::IGlob)),
                    Op::In | Op::Intersects => {
                        CRhs::Set(ConstSet::build(vec![conv(v).map_err(|m| self.err(m, at))?]))
                    }
                    Op::PMatch => CRhs::PMatch(vec![pmatch_prefix(v)]),
                    _ => CRhs::Const(conv(v).map_err(|m| self.err(m, at))?),
                }
            }
            Rhs::List(items) => {
                for v in items {
                    self.value_warnings(lhs, op, v);
                }
                if op == Op::PMatch {
                    CRhs::PMatch(items.iter().map(|v| pmatch_prefix(v)).collect())
                } else if modifier.is_some() {
                    CRhs::Consts(
                        items
                            .iter()
                            .map(|v| conv(v))
                            .collect::<Result<_, _>>()
                            .map_err(|m| self.err(m, at))?,
                    )
                } else if op.is_list_op() {
                    CRhs::Set(ConstSet::build(
                        items
                            .iter()
                            .map(|v| conv(v))
                            .collect::<Result<_, _>>()
                            .map_err(|m| self.err(m, at))?,
                    ))
                } else {
                    return Err(self.err(
                        format!("'{}' operator does not take a list of values", op.text()),
                        at,
                    ));
                }
            }
        };
        Ok(Check {
            lhs: lf,
            op,
            modifier,
            rhs,
        })
    }

    /// libsinsp rejects a syscall `evt.type` compared with a name that is no event.
    fn check_event_types(&self, lhs: &Operand, op: Op, rhs: &Rhs) -> Result<(), CompileError> {
        let names_event = self.table.spec.name.as_ref() == "syscall"
            && lhs.field == "evt.type"
            && lhs.arg.is_none()
            && lhs.transformers.is_empty()
            && lhs.multi.is_none()
            && matches!(op, Op::Eq | Op::Ne | Op::In | Op::Intersects);
        if !names_event {
            return Ok(());
        }
        let values: &[String] = match rhs {
            Rhs::Value(v) => std::slice::from_ref(v),
            Rhs::List(items) => items,
            _ => &[],
        };
        match values.iter().find(|v| !crate::syscall::is_event_name(v)) {
            Some(v) => Err(self.err(format!("unknown event type {v}"), Some(lhs.offset))),
            None => Ok(()),
        }
    }

    fn value_warnings(&mut self, lhs: &Operand, op: Op, v: &str) {
        if v == "<NA>"
            && matches!(op, Op::Eq | Op::Ne | Op::In | Op::Intersects | Op::PMatch)
            && !self.table.spec.name.eq("syscall")
        {
            self.warnings.push(format!("comparison of {} with '<NA>' is unsafe: a missing value is never equal to anything", lhs.field));
        }
        if v.contains('.') && !v.contains('/') && self.table.knows(v) {
            self.warnings.push(format!(
                "'{v}' may be a valid field misused as a const string value"
            ));
        }
    }
}

fn type_kind(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Bool => "boolean",
        FieldType::IpAddr | FieldType::IpNet => "ip address",
        FieldType::Bytes => "buffer",
        FieldType::String | FieldType::Dyn => "string",
        _ => "numeric",
    }
}

/// libsinsp's operator table per type (§2.5).
fn op_allowed(ty: FieldType, list: bool, op: Op) -> bool {
    use Op::*;
    if list {
        return matches!(op, In | Intersects | Exists);
    }
    match ty {
        FieldType::String | FieldType::Dyn => !matches!(op, BContains | BStartsWith),
        FieldType::Bytes => matches!(
            op,
            Eq | Ne
                | Contains
                | StartsWith
                | EndsWith
                | BContains
                | BStartsWith
                | In
                | Intersects
                | Exists
        ),
        FieldType::Bool | FieldType::IpAddr | FieldType::IpNet => {
            matches!(op, Eq | Ne | In | Intersects | Exists)
        }
        _ => matches!(op, Eq | Ne | Lt | Le | Gt | Ge | In | Intersects | Exists),
    }
}

/// Every macro name an AST mentions, with offsets.
pub(crate) fn macro_refs(e: &Expr, out: &mut Vec<(String, usize)>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match e {
            Expr::And(v) | Expr::Or(v) => stack.extend(v.iter()),
            Expr::Not(b) => stack.push(b),
            Expr::Macro(n, o) => out.push((n.clone(), *o)),
            Expr::Check { .. } => {}
        }
    }
}
