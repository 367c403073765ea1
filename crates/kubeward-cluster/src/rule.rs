//! What every rule declares and what a finding carries.

use kubeward_report::{RuleMeta, Severity};

use crate::Selection;

/// A family of rules: one docs page, one id prefix, one name for `--enable`/`--disable`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// `RB0xx`: what RBAC bindings grant (docs/rbac.md).
    Rbac,
    /// `WH0xx`: workload hygiene beyond Pod Security (docs/hygiene.md).
    Hygiene,
    /// `EX0xx`: Services, Ingresses and NetworkPolicy coverage (docs/exposure.md).
    Exposure,
    /// `SE0xx`: secrets committed in manifests (docs/secrets.md).
    Secrets,
}

impl Family {
    /// Every family, in table order.
    pub const ALL: [Family; 4] = [
        Family::Rbac,
        Family::Hygiene,
        Family::Exposure,
        Family::Secrets,
    ];

    /// The name `--enable`/`--disable` and `.kubeward.yaml` know it by.
    pub fn name(self) -> &'static str {
        match self {
            Family::Rbac => "rbac",
            Family::Hygiene => "hygiene",
            Family::Exposure => "exposure",
            Family::Secrets => "secrets",
        }
    }

    /// The prefix of its ids.
    pub fn prefix(self) -> &'static str {
        match self {
            Family::Rbac => "RB",
            Family::Hygiene => "WH",
            Family::Exposure => "EX",
            Family::Secrets => "SE",
        }
    }
}

/// One rule: its metadata (documented under `## ID title`) and its family.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// The id, title, severity and fix.
    pub meta: RuleMeta,
    /// The family it belongs to.
    pub family: Family,
}

impl Rule {
    pub(crate) const fn new(
        family: Family,
        id: &'static str,
        title: &'static str,
        severity: Severity,
        fix: &'static str,
    ) -> Rule {
        Rule {
            meta: RuleMeta::new(id, title, severity, fix),
            family,
        }
    }
}

/// One finding on one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule's id, e.g. `RB004`.
    pub id: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// What is wrong, naming who and what where it applies.
    pub message: String,
    /// The field it is about, from the object's root (`spec.type`, `subjects[0]`).
    pub path: String,
}

/// Where checks report: drops the findings of rules the selection turns off.
pub(crate) struct Findings<'a> {
    sel: &'a Selection,
    out: Vec<Finding>,
}

impl<'a> Findings<'a> {
    pub(crate) fn new(sel: &'a Selection) -> Self {
        Findings {
            sel,
            out: Vec::new(),
        }
    }

    /// Whether `rule` runs: checks that cost something ask before working.
    pub(crate) fn on(&self, rule: &Rule) -> bool {
        self.sel.enabled(rule)
    }

    pub(crate) fn report(&mut self, rule: &Rule, path: impl Into<String>, message: String) {
        if self.sel.enabled(rule) {
            self.out.push(Finding {
                id: rule.meta.id,
                severity: rule.meta.severity,
                message,
                path: path.into(),
            });
        }
    }

    pub(crate) fn into_vec(self) -> Vec<Finding> {
        self.out
    }
}
