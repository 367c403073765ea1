//! Audit-policy lints: each lint a [`LintDef`] (its [`RuleMeta`], the reason it matters and
//! its check) declared beside its check in a submodule by theme, listed in [`LINTS`] and
//! documented in docs/audit-policy.md. Checks report [`Hit`]s; [`lint`] turns them into
//! located findings.

mod exposure;
mod names;
mod shadow;
mod structure;

use kubeward_report::RuleMeta;

use super::{Policy, Severity};

/// Every Kubernetes resource verb, as the API server spells it in a request.
#[rustfmt::skip]
const RESOURCE_VERBS: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
];

/// A place in the policy and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    /// Field path, e.g. `rules[2].resources[0].group`.
    pub path: String,
    pub message: String,
}

impl Hit {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Hit {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// One lint: what every rule declares, why it matters, and its check.
pub struct LintDef {
    /// The lint's id, title, severity and fix.
    pub meta: RuleMeta,
    /// Why it matters.
    pub reason: &'static str,
    pub(crate) check: fn(&Policy, &mut Vec<Hit>),
}

/// A lint that fired, located.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// The lint's id.
    pub id: &'static str,
    /// The lint's severity.
    pub severity: Severity,
    /// The lint's title.
    pub title: &'static str,
    /// The policy file, as named on the command line.
    pub file: String,
    /// The line of the field the finding points at (1-based).
    pub line: u32,
    /// The field's path, e.g. `rules[3].resources[0]`.
    pub field: String,
    /// What this hit is about, naming the rule or resource.
    pub message: String,
    /// How to fix it (the lint's fix).
    pub fix: &'static str,
}

/// Every lint, in id order (each declared beside its check).
pub const LINTS: &[LintDef] = &[
    shadow::AP001,
    exposure::AP002,
    exposure::AP003,
    exposure::AP004,
    exposure::AP005,
    structure::AP006,
    structure::AP007,
    structure::AP008,
    names::AP009,
    names::AP010,
    names::AP011,
    names::AP012,
    structure::AP013,
    names::AP014,
];

/// Runs every lint on `policy`, in id order then field order.
pub fn lint(policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    for def in LINTS {
        let mut hits = Vec::new();
        (def.check)(policy, &mut hits);
        for h in hits {
            out.push(Finding {
                id: def.meta.id,
                severity: def.meta.severity,
                title: def.meta.title,
                file: policy.file.to_string(),
                line: policy.pos(&h.path).line,
                field: h.path,
                message: h.message,
                fix: def.meta.fix,
            });
        }
    }
    out
}
