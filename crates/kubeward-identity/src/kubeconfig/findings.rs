//! What a kubeconfig inspection reports: the [`Finding`]s the rules raise (each rule a
//! [`RuleMeta`] beside its check in `checks`, documented in docs/kubeconfig.md), and the
//! [`Problem`]s of fields that cannot be used. Both `checks` and `inspect` build on this
//! module; it imports neither.

use std::path::PathBuf;

use serde::Serialize;

pub use kubeward_report::{RuleMeta, Severity};

/// One thing found, and where.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Finding {
    /// The rule's id.
    pub id: &'static str,
    /// The rule's name.
    pub name: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// What was found, naming the user, cluster or certificate.
    pub message: String,
    /// The kubeconfig (or referenced file) it is about.
    pub file: PathBuf,
    /// Line in the kubeconfig, when it is about a field there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Where in the kubeconfig, e.g. `users[admin].client-certificate-data`.
    pub field: String,
    /// How to fix it (the rule's fix).
    pub fix: &'static str,
}

impl Finding {
    pub(crate) fn new(
        rule: RuleMeta,
        message: String,
        file: PathBuf,
        line: Option<u32>,
        field: String,
    ) -> Self {
        Finding {
            id: rule.id,
            name: rule.title,
            severity: rule.severity,
            message,
            file,
            line,
            field,
            fix: rule.fix,
        }
    }
}

/// A field that is set but unusable: kubectl would fail on it too.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Problem {
    /// The file the field is in.
    pub file: PathBuf,
    /// The field's line, when known.
    pub line: Option<u32>,
    /// The field, e.g. `clusters[prod].certificate-authority`.
    pub field: String,
    /// Why it cannot be used.
    pub message: String,
    /// How to fix it.
    pub hint: &'static str,
}
