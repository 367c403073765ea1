//! `rule` items: full definitions, legacy append, `override`, enable-only items, and
//! the `exceptions` block.

use std::collections::BTreeSet;

use super::scalar::{boolean, nonempty, scalar, scalar_seq};
use super::{R, Reader, VALIDATE, YAML_VALIDATE, fail, overrides};
use crate::collector::{ExcValue, ExceptionDef, Fields, RuleDef};
use crate::priority::Priority;
use crate::yaml::{Kind, Node, Pos};

const APPENDABLE: &[&str] = &["condition", "output", "desc", "tags", "exceptions"];
const REPLACEABLE: &[&str] = &[
    "condition",
    "output",
    "desc",
    "priority",
    "tags",
    "exceptions",
    "enabled",
    "warn_evttypes",
    "skip-if-unknown-filter",
    "capture",
    "capture_duration",
];

impl Reader<'_> {
    pub(super) fn rule(&mut self, item: &Node) -> R<()> {
        let (name, _) = nonempty(item, "rule")?;
        let ov = overrides(item, APPENDABLE, REPLACEABLE)?;
        let append = self.legacy_append(item, &ov, &name, "rule")?;
        if ov.present {
            if ov.appends.is_empty() && ov.replaces.is_empty() {
                return fail(
                    item.pos,
                    YAML_VALIDATE,
                    "The rule must have at least one field that can be replaced",
                );
            }
            return self.rule_override(item, &name, &ov);
        }
        if append {
            return self.rule_append(item, &name);
        }
        let defines = ["condition", "output", "desc", "priority"]
            .iter()
            .any(|k| item.get(k).is_some());
        if !defines {
            let enabled = item.get("enabled").ok_or_else(|| super::Fail {
                within: None,
                pos: item.pos,
                code: YAML_VALIDATE,
                message: "Item has no mapping for key 'enabled'".into(),
            })?;
            let value = boolean(enabled)?;
            let Some(rule) = self.col.rules.get_mut(&name) else {
                return fail(
                    item.pos,
                    VALIDATE,
                    "Rule has 'enabled' key but no rule by that name already exists",
                );
            };
            rule.enabled = value;
            let m = "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').".to_string();
            self.warn(
                "LOAD_DEPRECATED_ITEM",
                m,
                ("rule", &name, item.pos),
                enabled.pos,
            );
            return Ok(());
        }
        let (condition, cond_pos) = nonempty(item, "condition")?;
        let (output, output_pos) = nonempty(item, "output")?;
        let (desc, _) = nonempty(item, "desc")?;
        let (prio, prio_pos) = nonempty(item, "priority")?;
        let priority = Priority::parse(&prio).ok_or_else(|| super::Fail {
            within: None,
            pos: prio_pos,
            code: VALIDATE,
            message: "Invalid priority".into(),
        })?;
        let source = match item.get("source") {
            Some(_) => nonempty(item, "source")?.0,
            None => "syscall".to_owned(),
        };
        let mut rule = RuleDef {
            name: name.clone(),
            condition,
            cond_pos,
            output: output.trim().to_owned(),
            output_pos,
            desc,
            priority,
            source,
            enabled: true,
            tags: BTreeSet::new(),
            exceptions: Vec::new(),
            warn_evttypes: true,
            skip_if_unknown_filter: false,
            capture: false,
            capture_duration: 0,
            ctx: self.ctx(item.pos),
        };
        self.rule_options(item, &mut rule)?;
        if let Some(n) = item.get("exceptions") {
            rule.exceptions = self.exceptions(n, &name, Mode::Define)?;
        }
        if let Some(old) = self.col.rules.get(&name)
            && old.source != rule.source
        {
            return fail(
                item.pos,
                VALIDATE,
                "Rule has been re-defined with a different source",
            );
        }
        self.col.rules.put(&name, rule);
        Ok(())
    }

    /// The optional scalar keys shared by definitions and replaces.
    fn rule_options(&mut self, item: &Node, rule: &mut RuleDef) -> R<()> {
        if let Some(n) = item.get("enabled") {
            rule.enabled = boolean(n)?;
        }
        if let Some(n) = item.get("warn_evttypes") {
            rule.warn_evttypes = boolean(n)?;
        }
        if let Some(n) = item.get("skip-if-unknown-filter") {
            rule.skip_if_unknown_filter = boolean(n)?;
        }
        if let Some(n) = item.get("capture") {
            rule.capture = boolean(n)?;
        }
        if let Some(n) = item.get("capture_duration") {
            let (s, pos) = scalar(item, "capture_duration")?;
            rule.capture_duration = s.parse().map_err(|_| super::Fail {
                within: None,
                pos,
                code: YAML_VALIDATE,
                message: "Can't decode YAML scalar value".into(),
            })?;
            let _ = n;
        }
        if let Some(n) = item.get("tags") {
            rule.tags = scalar_seq(n)?.into_iter().collect();
        }
        Ok(())
    }

    fn rule_append(&mut self, item: &Node, name: &str) -> R<()> {
        let cond = match item.get("condition") {
            Some(_) => Some(nonempty(item, "condition")?.0),
            None => None,
        };
        let exceptions = match item.get("exceptions") {
            Some(n) => Some(self.exceptions(n, name, Mode::Append)?),
            None => None,
        };
        let source = item.get("source").and_then(Node::as_str).map(str::to_owned);
        // The collector's checks, in its order: the rule must exist, then have
        // something to append.
        let Some(rule) = self.col.rules.get_mut(name) else {
            return fail(
                item.pos,
                VALIDATE,
                "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists",
            );
        };
        if cond.is_none() && exceptions.as_ref().is_none_or(Vec::is_empty) {
            return fail(
                item.pos,
                VALIDATE,
                "Appended rule must have exceptions or condition property",
            );
        }
        if source.is_some_and(|s| s != rule.source) {
            return fail(
                item.pos,
                VALIDATE,
                "Rule has been re-defined with a different source",
            );
        }
        if let Some(c) = cond {
            rule.condition = format!("{} {c}", rule.condition);
        }
        let mut rule = rule.clone();
        if let Some(ex) = exceptions {
            self.merge_exceptions(&mut rule, ex, item.pos)?;
        }
        self.col.rules.put(name, rule);
        Ok(())
    }

    fn rule_override(&mut self, item: &Node, name: &str, ov: &super::Overrides) -> R<()> {
        let source = item.get("source").and_then(Node::as_str).map(str::to_owned);
        let Some(existing) = self.col.rules.get(name) else {
            let m = if ov.appends.is_empty() {
                "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists"
            } else {
                "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists"
            };
            return fail(item.pos, VALIDATE, m);
        };
        if source.is_some_and(|s| s != existing.source) {
            return fail(
                item.pos,
                VALIDATE,
                "Rule has been re-defined with a different source",
            );
        }
        let mut rule = existing.clone();
        // Appends first, then replaces.
        for key in &ov.appends {
            match key.as_str() {
                "condition" => {
                    rule.condition = format!("{} {}", rule.condition, nonempty(item, key)?.0)
                }
                "output" => {
                    rule.output = format!("{} {}", rule.output, nonempty(item, key)?.0.trim())
                }
                "desc" => rule.desc = format!("{} {}", rule.desc, nonempty(item, key)?.0),
                "tags" => rule.tags.extend(scalar_seq(item.get(key).unwrap_or(item))?),
                _ => {
                    let ex = self.exceptions(item.get(key).unwrap_or(item), name, Mode::Append)?;
                    self.merge_exceptions(&mut rule, ex, item.pos)?;
                }
            }
        }
        for key in &ov.replaces {
            match key.as_str() {
                "condition" => {
                    let (c, pos) = nonempty(item, key)?;
                    rule.condition = c;
                    rule.cond_pos = pos;
                }
                "output" => rule.output = nonempty(item, key)?.0.trim().to_owned(),
                "desc" => rule.desc = nonempty(item, key)?.0,
                "priority" => {
                    let (p, pos) = nonempty(item, key)?;
                    rule.priority = Priority::parse(&p).ok_or_else(|| super::Fail {
                        within: None,
                        pos,
                        code: VALIDATE,
                        message: "Invalid priority".into(),
                    })?;
                }
                // `exceptions: replace` swaps the list without validation, as Falco does.
                "exceptions" => {
                    rule.exceptions =
                        self.exceptions(item.get(key).unwrap_or(item), name, Mode::Replace)?
                }
                _ => {}
            }
        }
        let mut only: Vec<&str> = Vec::new();
        for k in [
            "enabled",
            "warn_evttypes",
            "skip-if-unknown-filter",
            "capture",
            "capture_duration",
        ] {
            if ov.replaces.iter().any(|r| r == k) {
                only.push(k);
            }
        }
        if !only.is_empty() {
            self.rule_options(item, &mut rule)?;
        }
        self.col.rules.put(name, rule);
        Ok(())
    }

    /// §5.4: existing names take values only; new names must be complete.
    fn merge_exceptions(&mut self, rule: &mut RuleDef, new: Vec<ExceptionDef>, _pos: Pos) -> R<()> {
        for ex in new {
            let within = exception_ctx(&ex);
            if let Some(old) = rule.exceptions.iter_mut().find(|e| e.name == ex.name) {
                for (given, what) in [
                    (ex.fields.is_some(), "fields"),
                    (ex.comps.is_some(), "comps"),
                ] {
                    if given {
                        let m = format!(
                            "Can not append exception {what} to existing exception, only values"
                        );
                        return fail(ex.pos, VALIDATE, m).map_err(|f| f.within(within));
                    }
                }
                old.values.extend(ex.values);
            } else {
                let ex = complete(ex, true).map_err(|f| f.within(within))?;
                rule.exceptions.push(ex);
            }
        }
        Ok(())
    }

    /// Decodes an `exceptions` block as Falco's reader does; a definition's entries are
    /// then validated and given default comps (the collector's part).
    pub(crate) fn exceptions(&mut self, n: &Node, rule: &str, mode: Mode) -> R<Vec<ExceptionDef>> {
        let items = match &n.kind {
            Kind::Null => return Ok(Vec::new()),
            Kind::Seq(items) => items,
            _ => {
                return fail(n.pos, YAML_VALIDATE, "Rule exceptions must be a sequence")
                    .map_err(|f| f.within(("exceptions", String::new(), n.pos)));
            }
        };
        let mut out: Vec<ExceptionDef> = Vec::new();
        for e in items {
            let anonymous = ("exception", String::new(), e.pos);
            if !matches!(e.kind, Kind::Map(_)) {
                return fail(e.pos, YAML_VALIDATE, "Rule exception must be a mapping")
                    .map_err(|f| f.within(anonymous));
            }
            let (name, _) = nonempty(e, "name").map_err(|f| f.within(anonymous))?;
            let within = ("exception", name.clone(), e.pos);
            if out.iter().any(|x| x.name == name) {
                let m = format!("Multiple definitions of exception '{name}' in the same rule");
                self.warn_within(
                    "LOAD_EXCEPTION_NAME_NOT_UNIQUE",
                    m,
                    ("rule", rule, n.pos),
                    within.clone(),
                );
            }
            let fields = match e.get("fields") {
                Some(f) => Some(fields_of(f).map_err(|f| f.within(within.clone()))?),
                None if mode == Mode::Append => None,
                None => {
                    return fail(e.pos, YAML_VALIDATE, "Item has no mapping for key 'fields'")
                        .map_err(|f| f.within(within));
                }
            };
            let comps = match e.get("comps") {
                Some(c) => Some(fields_of(c).map_err(|f| f.within(within.clone()))?),
                None => None,
            };
            let values = match e.get("values") {
                Some(v) => values_of(v).map_err(|f| f.within(within.clone()))?,
                None => {
                    if mode == Mode::Append {
                        let m = "Overriding/appending exception with no values".to_string();
                        self.warn_within(
                            "LOAD_APPEND_NO_VALUES",
                            m,
                            ("rule", rule, n.pos),
                            within.clone(),
                        );
                    }
                    Vec::new()
                }
            };
            let ex = ExceptionDef {
                name,
                fields,
                comps,
                values,
                pos: e.pos,
            };
            out.push(if mode == Mode::Define {
                complete(ex, false).map_err(|f| f.within(within))?
            } else {
                ex
            });
        }
        Ok(out)
    }
}

/// How an `exceptions` block is read: a definition's (validated), an append's (fields
/// optional, missing values warned about) or a replace's (taken as written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Define,
    Append,
    Replace,
}

fn exception_ctx(ex: &ExceptionDef) -> super::Within {
    ("exception", ex.name.clone(), ex.pos)
}

/// The collector's checks of a complete exception, with default comps (§5.1). The
/// values' shape is checked when the rule is compiled, appended values included.
fn complete(mut ex: ExceptionDef, appended: bool) -> R<ExceptionDef> {
    let Some(fields) = &ex.fields else {
        let m = if appended {
            "Rule exception must have fields property with a list of fields"
        } else {
            "Rule exception item must have fields property with a list of fields"
        };
        return fail(ex.pos, VALIDATE, m);
    };
    if appended && ex.values.is_empty() {
        return fail(
            ex.pos,
            VALIDATE,
            "Rule exception must have values property with a list of values",
        );
    }
    match fields {
        Fields::Tuple(fs) => {
            let comps = match &ex.comps {
                None => vec!["=".to_owned(); fs.len()],
                Some(Fields::Tuple(c)) => c.iter().map(|c| c.trim().to_owned()).collect(),
                Some(Fields::Single(_)) => {
                    return fail(
                        ex.pos,
                        VALIDATE,
                        "Fields and comps lists must have equal length",
                    );
                }
            };
            if comps.len() != fs.len() {
                return fail(
                    ex.pos,
                    VALIDATE,
                    "Fields and comps lists must have equal length",
                );
            }
            for c in &comps {
                if !valid_comp(c, true) {
                    return fail(
                        ex.pos,
                        VALIDATE,
                        format!("'{c}' is not a supported comparison operator"),
                    );
                }
            }
            ex.comps = Some(Fields::Tuple(comps));
        }
        Fields::Single(_) => {
            let comp = match &ex.comps {
                None => "in".to_owned(),
                Some(Fields::Single(c)) => c.trim().to_owned(),
                Some(Fields::Tuple(_)) => {
                    return fail(ex.pos, VALIDATE, "Fields and comps must both be strings");
                }
            };
            if !valid_comp(&comp, false) {
                return fail(
                    ex.pos,
                    VALIDATE,
                    format!("'{comp}' is not a supported comparison operator"),
                );
            }
            ex.comps = Some(Fields::Single(comp));
        }
    }
    Ok(ex)
}

fn valid_comp(c: &str, tuple: bool) -> bool {
    let mut parts = c.split_whitespace();
    let base = parts.next().unwrap_or("");
    let modifier = parts.next();
    if parts.next().is_some() {
        return false;
    }
    let Some(op) = crate::ast::Op::parse(base) else {
        return false;
    };
    match modifier {
        Some(m) => {
            matches!(m, "oneof" | "anyof" | "allof")
                && !op.is_list_op()
                && op != crate::ast::Op::Exists
        }
        None if tuple => true,
        None => op.is_list_op(),
    }
}

fn fields_of(n: &Node) -> R<Fields> {
    match &n.kind {
        Kind::Scalar(s, _) if s.is_empty() => fail(n.pos, YAML_VALIDATE, "Value must be non-empty"),
        Kind::Scalar(s, _) => Ok(Fields::Single(s.clone())),
        Kind::Seq(_) => Ok(Fields::Tuple(scalar_seq(n)?)),
        _ => fail(n.pos, VALIDATE, "Value is not a scalar value"),
    }
}

/// `values`: a sequence of entries, each decoded as written (scalar or nested
/// sequence); whether they fit `fields` is the compiler's question.
fn values_of(n: &Node) -> R<Vec<ExcValue>> {
    let Kind::Seq(items) = &n.kind else {
        return fail(
            n.pos,
            YAML_VALIDATE,
            "Rule exception values must be a sequence",
        );
    };
    items.iter().map(value_entry).collect()
}

fn value_entry(n: &Node) -> R<ExcValue> {
    // Recursion is bounded: the YAML parser caps nesting depth.
    match &n.kind {
        Kind::Scalar(s, _) if s.is_empty() => fail(n.pos, YAML_VALIDATE, "Value must be non-empty"),
        Kind::Scalar(s, _) => Ok(ExcValue::Scalar(s.clone())),
        Kind::Seq(items) => Ok(ExcValue::List(
            items.iter().map(value_entry).collect::<R<Vec<_>>>()?,
        )),
        _ => Ok(ExcValue::Other),
    }
}
