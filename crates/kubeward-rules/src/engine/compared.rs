//! The constants enabled rules compare a field with, for sources that must prepare
//! before events arrive: the syscall source resolves the domain names `fd.sip.name`
//! and its siblings are compared with, as libsinsp's DNS manager resolves them.

use std::collections::BTreeSet;

use crate::ast::Op;
use crate::fields::Sel;
use crate::filter::{CRhs, Filter};
use crate::value::Const;

/// Adds to `out` the strings `f` compares a field with id in `ids` with, by `=`, `!=`
/// or `in`, without transformers.
pub(super) fn strings(f: &Filter, ids: &[u32], out: &mut BTreeSet<String>) {
    match f {
        Filter::Not(inner) => strings(inner, ids, out),
        Filter::And(items) | Filter::Or(items) => {
            items.iter().for_each(|i| strings(i, ids, out));
        }
        Filter::Check(c) => {
            let Sel::Source(r) = &c.lhs.sel else { return };
            if !ids.contains(&r.id) || !c.lhs.transformers.is_empty() {
                return;
            }
            match (&c.rhs, c.op) {
                (CRhs::Const(Const::Str(s)), Op::Eq | Op::Ne) => {
                    out.insert(s.to_string());
                }
                (CRhs::Set(set), Op::In) => {
                    for t in set.texts().unwrap_or_default() {
                        out.insert(String::from_utf8_lossy(&t).into_owned());
                    }
                }
                _ => {}
            }
        }
    }
}
