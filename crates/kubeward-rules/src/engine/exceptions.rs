//! Exceptions rendered into a rule's condition text, as Falco does (§5.2).

use crate::collector::{ExcValue, ExceptionDef, Fields, RuleDef};
use crate::fields::Table;
use crate::lists::quote_item;

/// An exception that cannot be rendered: message, exception name and position.
pub(super) type ExceptionErr = (String, String, crate::yaml::Pos);

/// §5.2: `(cond) and not (…)` per exception with values.
pub(super) fn render_exceptions(r: &RuleDef, table: &Table) -> Result<String, ExceptionErr> {
    if r.exceptions.is_empty() {
        return Ok(r.condition.clone());
    }
    let mut out = format!("({})", r.condition);
    for ex in &r.exceptions {
        let rendered = render_one(ex, table).map_err(|m| (m, ex.name.clone(), ex.pos))?;
        if let Some(x) = rendered {
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

/// An entry's own text: a scalar's, or nothing (Falco keeps an empty item for
/// anything else).
fn item_text(v: &ExcValue) -> &str {
    match v {
        ExcValue::Scalar(s) => s,
        ExcValue::List(_) | ExcValue::Other => "",
    }
}

fn value_text(v: &ExcValue, comp: &str) -> String {
    match v {
        ExcValue::List(items) => format!(
            "({})",
            items
                .iter()
                .map(|i| quote_item(item_text(i)).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        v if list_comp(comp) && !item_text(v).starts_with('(') => {
            format!("({})", quote_item(item_text(v)))
        }
        v => quote_item(item_text(v)).into_owned(),
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
            let mut vals = Vec::with_capacity(ex.values.len());
            for v in &ex.values {
                if matches!(v, ExcValue::List(_)) {
                    return Err("Expected values array to contain a list of strings".into());
                }
                vals.push(quote_item(item_text(v)).into_owned());
            }
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
            for entry in &ex.values {
                // A scalar where a tuple belongs counts as an empty tuple, as in Falco.
                let tuple: &[ExcValue] = match entry {
                    ExcValue::List(items) => items,
                    _ => &[],
                };
                if tuple.len() != fs.len() {
                    return Err("Fields and values lists must have equal length".into());
                }
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
