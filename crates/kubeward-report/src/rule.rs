//! A rule's metadata, as every family declares it beside its check.

use crate::Severity;

/// What a rule is, independent of any one finding: the stable id users select and
/// suppress it by, the short title that heads its section in the docs, the severity its
/// findings carry, and the one-line fix the docs and the outputs give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable id, e.g. `KW101`, `AP003`, `SC002`, `KC007`, `1.2.1`.
    pub id: &'static str,
    /// Short lower-case title, as in the docs heading.
    pub title: &'static str,
    /// The severity of every finding of this rule.
    pub severity: Severity,
    /// How to fix a finding, in one sentence.
    pub fix: &'static str,
}

impl RuleMeta {
    /// The metadata of a rule, for tables of rules built by `const fn` helpers that take
    /// these four among other columns.
    pub const fn new(
        id: &'static str,
        title: &'static str,
        severity: Severity,
        fix: &'static str,
    ) -> Self {
        Self {
            id,
            title,
            severity,
            fix,
        }
    }
}
