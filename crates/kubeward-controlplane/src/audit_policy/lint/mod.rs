//! Audit-policy lints: one table, each lint with a stable id, a severity, the reason it
//! matters and the fix (documented in docs/audit-policy.md). The checks live in
//! submodules by theme and report [`Hit`]s; [`lint`] turns them into located findings.

mod exposure;
mod names;
mod shadow;
mod structure;

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

/// One lint.
pub struct LintDef {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    /// Why it matters.
    pub reason: &'static str,
    pub fix: &'static str,
    pub(crate) check: fn(&Policy, &mut Vec<Hit>),
}

/// A lint that fired, located.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub file: String,
    pub line: u32,
    pub field: String,
    pub message: String,
    pub fix: &'static str,
}

/// Every lint, in id order.
pub const LINTS: &[LintDef] = &[
    LintDef {
        id: "AP001",
        severity: Severity::Medium,
        title: "rule can never match",
        reason: "An earlier rule matches every request this one would, and the first match decides.",
        fix: "Move the rule above the broader one, or delete it.",
        check: shadow::check,
    },
    LintDef {
        id: "AP002",
        severity: Severity::High,
        title: "credentials logged",
        reason: "Secrets (request and response bodies), TokenReviews (the token is in the request) and TokenRequests (the new token is in the response) logged at Request or RequestResponse put live credentials in the audit log.",
        fix: "Add a Metadata rule for secrets, serviceaccounts/token (group \"\") and tokenreviews (group authentication.k8s.io) before any broader rule.",
        check: exposure::credentials,
    },
    LintDef {
        id: "AP003",
        severity: Severity::Medium,
        title: "ConfigMap contents logged",
        reason: "ConfigMaps often carry passwords and keys; CIS 3.2.2 asks for Metadata only.",
        fix: "Add a Metadata rule for configmaps (group \"\") before any broader rule.",
        check: exposure::configmaps,
    },
    LintDef {
        id: "AP004",
        severity: Severity::High,
        title: "exec, attach or port-forward not audited",
        reason: "Interactive access to containers is the first thing an investigation looks for; at level None it leaves no trace.",
        fix: "Add a rule at Metadata or above for pods/exec, pods/attach and pods/portforward (group \"\").",
        check: exposure::interactive_unaudited,
    },
    LintDef {
        id: "AP005",
        severity: Severity::Info,
        title: "no rule names exec, attach or port-forward",
        reason: "They are audited only through a broad rule, so narrowing that rule later silently stops auditing them.",
        fix: "Add an explicit rule for pods/exec, pods/attach and pods/portforward (group \"\").",
        check: exposure::interactive_implicit,
    },
    LintDef {
        id: "AP006",
        severity: Severity::Medium,
        title: "no catch-all rule",
        reason: "Requests no rule matches get level None, so new resources and CRDs go unaudited.",
        fix: "End the rules with `- level: Metadata`.",
        check: structure::catch_all,
    },
    LintDef {
        id: "AP007",
        severity: Severity::Low,
        title: "RequestReceived not omitted",
        reason: "Every audited request then produces an extra event with nothing the ResponseComplete event lacks.",
        fix: "Set `omitStages: [\"RequestReceived\"]` at the policy level.",
        check: structure::request_received,
    },
    LintDef {
        id: "AP008",
        severity: Severity::Medium,
        title: "important stage omitted",
        reason: "Omitting ResponseStarted loses failed authentications and exec's 101 responses; omitting ResponseComplete loses final statuses.",
        fix: "Omit only RequestReceived (and Panic if you must).",
        check: structure::important_stages,
    },
    LintDef {
        id: "AP009",
        severity: Severity::Medium,
        title: "literal \"*\" that never matches",
        reason: "In verbs, users, userGroups and namespaces `*` is compared literally: no request carries it.",
        fix: "Leave the field out to match everything.",
        check: names::literal_star,
    },
    LintDef {
        id: "AP010",
        severity: Severity::Medium,
        title: "verb no request carries",
        reason: "Requests carry get, list, watch, create, update, patch, delete, deletecollection (or lower-case HTTP methods for non-resource URLs); impersonate, bind, escalate, use and approve are authorization checks only.",
        fix: "Use request verbs, in lower case.",
        check: names::verbs,
    },
    LintDef {
        id: "AP011",
        severity: Severity::Medium,
        title: "user and group confused",
        reason: "users and userGroups are matched exactly against the user name and the groups; a group under users (or a user under userGroups) never matches.",
        fix: "Service accounts are users `system:serviceaccount:<ns>:<name>` in groups `system:serviceaccounts` and `system:serviceaccounts:<ns>`; move each name to the right field.",
        check: names::identities,
    },
    LintDef {
        id: "AP012",
        severity: Severity::Medium,
        title: "resource no request carries",
        reason: "Resources are lower-case plurals in one API group; a singular, capitalised or wrongly grouped name never matches.",
        fix: "Use the plural lower-case name with its group (e.g. deployments in apps).",
        check: names::resources,
    },
    LintDef {
        id: "AP013",
        severity: Severity::High,
        title: "field dropped by the API server",
        reason: "Unknown and duplicated fields are dropped with only a log warning; a misspelled restriction turns a narrow rule into a broad one.",
        fix: "Correct the spelling, or remove the duplicate.",
        check: structure::dropped_fields,
    },
    LintDef {
        id: "AP014",
        severity: Severity::Medium,
        title: "broad None rule for changes",
        reason: "A None rule over many resources that covers mutating verbs, or that exempts powerful principals, hides exactly the changes an investigation needs.",
        fix: "Narrow the rule to read-only verbs and the specific resources or users that are noisy.",
        check: names::broad_none,
    },
];

/// Runs every lint on `policy`, in id order then field order.
pub fn lint(policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    for def in LINTS {
        let mut hits = Vec::new();
        (def.check)(policy, &mut hits);
        for h in hits {
            out.push(Finding {
                id: def.id,
                severity: def.severity,
                title: def.title,
                file: policy.file.to_string(),
                line: policy.pos(&h.path).line,
                field: h.path,
                message: h.message,
                fix: def.fix,
            });
        }
    }
    out
}
