//! securityContext lints: mistakes that Pod Security Admission does not catch.
//!
//! Every lint is one [`RuleInfo`] declared beside its check and listed in the [`rules`]
//! table: its [`RuleMeta`] (a stable id `KW1xx`, grouped by theme in tens, a title, a
//! severity on the shared scale and the fix) and a check over a shared [`LintContext`].
//! Rules are documented in docs/lints.md. Checks only read; they allocate nothing unless
//! they report a finding, since [`lint`] runs once per resource.

mod annotations;
mod caps;
mod context;
mod effective;
mod escalation;
mod hardening;
mod placement;
mod pod;
mod profiles;
mod volumes;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kubeward_manifest::Node;

pub use context::{ContainerPath, ContainerRef, LintContext, Site};

pub use kubeward_report::{RuleMeta, Severity};

/// How `scan` names a lint's severity (its JSON, text and SARIF contract predates the shared
/// scale): `error` for high and critical, `warning` for medium and low, `info`.
pub fn level_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "info",
    }
}

/// One lint finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lint {
    /// Stable id, e.g. `KW101`; documented in docs/lints.md.
    pub id: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// What is wrong at this field, naming the container when there is one.
    pub message: String,
    /// The field, relative to the pod template (`spec.containers[0]...`).
    pub path: String,
}

/// One lint rule: its [`RuleMeta`] (documented in docs/lints.md under `## ID title`) and
/// its check.
#[derive(Clone, Copy, Debug)]
pub struct RuleInfo {
    /// The rule's id, title, severity and fix.
    pub meta: RuleMeta,
    check: fn(&LintContext<'_>, &mut Findings<'_>),
}

/// Where a check reports: binds the running rule so that a finding's id and severity
/// always come from the table.
pub struct Findings<'a> {
    rule: &'static RuleInfo,
    out: &'a mut Vec<Lint>,
}

impl Findings<'_> {
    /// Reports a finding of the running rule at `path` (relative to the pod template).
    pub fn report(&mut self, path: String, message: String) {
        self.out.push(Lint {
            id: self.rule.meta.id,
            severity: self.rule.meta.severity,
            message,
            path,
        });
    }
}

/// The rule table, in id order; findings come out in this order.
static RULES: &[RuleInfo] = &[
    placement::KW101,
    placement::KW102,
    placement::KW103,
    escalation::KW111,
    escalation::KW112,
    effective::KW113,
    effective::KW114,
    profiles::KW121,
    profiles::KW122,
    profiles::KW123,
    profiles::KW124,
    annotations::KW125,
    annotations::KW126,
    hardening::KW131,
    hardening::KW132,
    hardening::KW133,
    volumes::KW141,
    volumes::KW142,
    volumes::KW143,
    pod::KW151,
    pod::KW152,
];

/// Every lint rule, in id order.
pub fn rules() -> &'static [RuleInfo] {
    RULES
}

/// Lints one pod template. `node` is the raw template (holding `metadata` and `spec`).
pub fn lint(node: &Node, metadata: &ObjectMeta, spec: &PodSpec) -> Vec<Lint> {
    let ctx = LintContext::new(node, metadata, spec);
    let mut out = Vec::new();
    for rule in RULES {
        let mut findings = Findings {
            rule,
            out: &mut out,
        };
        (rule.check)(&ctx, &mut findings);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_well_formed() {
        for pair in RULES.windows(2) {
            assert!(
                pair[0].meta.id < pair[1].meta.id,
                "{} before {}",
                pair[0].meta.id,
                pair[1].meta.id
            );
        }
        for rule in RULES {
            assert!(
                rule.meta.id.len() == 5 && rule.meta.id.starts_with("KW1"),
                "{}",
                rule.meta.id
            );
            assert!(!rule.meta.title.is_empty() && !rule.meta.fix.is_empty());
        }
    }
}
