//! Exceptions rendered into a rule's condition text, as Falco does (§5.2).

use crate::collector::{ExcValue, ExceptionDef, Fields, RuleDef};
use crate::fields::Table;
use crate::lists::quote_item;

/// §5.2: `(cond) and not (…)` per exception with values.
pub(super) fn render_exceptions(r: &RuleDef, table: &Table) -> Result<String, String> {
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
