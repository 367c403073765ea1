//! What reaches the log: credentials and ConfigMap bodies logged (AP002, AP003), and
//! interactive access left out (AP004, AP005).
//!
//! Rules that depend on who asks, the namespace or the object name may or may not match a
//! given request, so they are "may match": the walk goes on past them, and the highest
//! level any of them (or the first rule that surely matches) reaches is what may be logged.

use kubeward_report::{RuleMeta, Severity};

use super::LintDef;
use super::{Hit, RESOURCE_VERBS};
use crate::audit_policy::checker::resource_matches;
use crate::audit_policy::{Level, Policy, Rule};

/// How a rule relates to every request with a given verb and resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    Never,
    Maybe,
    Always,
}

fn reach(rule: &Rule, verb: &str, group: &str, resource: &str, sub: &str) -> Reach {
    if (!rule.verbs.is_empty() && !rule.verbs.iter().any(|v| v == verb)) || rule.non_resource_only()
    {
        return Reach::Never;
    }
    let conditional =
        !rule.users.is_empty() || !rule.user_groups.is_empty() || !rule.namespaces.is_empty();
    let mut best = Reach::Never;
    if rule.resources.is_empty() {
        best = Reach::Always;
    }
    for gr in rule.resources.iter().filter(|g| g.covers_group(group)) {
        if gr.resources.is_empty() {
            best = Reach::Always;
        } else if gr
            .resources
            .iter()
            .any(|s| resource_matches(s, resource, sub))
        {
            let r = if gr.resource_names.is_empty() {
                Reach::Always
            } else {
                Reach::Maybe
            };
            best = best.max_by(r);
        }
    }
    if conditional && best == Reach::Always {
        Reach::Maybe
    } else {
        best
    }
}

impl Reach {
    fn max_by(self, other: Reach) -> Reach {
        match (self, other) {
            (Reach::Always, _) | (_, Reach::Always) => Reach::Always,
            (Reach::Maybe, _) | (_, Reach::Maybe) => Reach::Maybe,
            _ => Reach::Never,
        }
    }
}

/// The rules that may decide a request, in order, ending at the first that surely does.
fn deciders<'p>(
    policy: &'p Policy,
    verb: &str,
    group: &str,
    resource: &str,
    sub: &str,
) -> Vec<(usize, &'p Rule, Reach)> {
    let mut out = Vec::new();
    for (i, rule) in policy.rules.iter().enumerate() {
        match reach(rule, verb, group, resource, sub) {
            Reach::Never => {}
            r => {
                out.push((i, rule, r));
                if r == Reach::Always {
                    break;
                }
            }
        }
    }
    out
}

/// A resource whose bodies hold something sensitive, and the verbs and level that log it.
struct Sensitive {
    group: &'static str,
    resource: &'static str,
    sub: &'static str,
    what: &'static str,
    /// Verbs whose request body holds it (logged from Request).
    in_request: &'static [&'static str],
    /// Verbs whose response body holds it (logged at RequestResponse).
    in_response: &'static [&'static str],
}

const WRITES: &[&str] = &["create", "update", "patch"];

const CREDENTIALS: &[Sensitive] = &[
    Sensitive {
        group: "",
        resource: "secrets",
        sub: "",
        what: "Secret data",
        in_request: WRITES,
        in_response: RESOURCE_VERBS,
    },
    Sensitive {
        group: "",
        resource: "serviceaccounts",
        sub: "token",
        what: "issued service-account tokens (TokenRequest)",
        in_request: &[],
        in_response: &["create"],
    },
    Sensitive {
        group: "authentication.k8s.io",
        resource: "tokenreviews",
        sub: "",
        what: "reviewed bearer tokens (TokenReview)",
        in_request: &["create"],
        in_response: &["create"],
    },
];

const CONFIGMAPS: &[Sensitive] = &[Sensitive {
    group: "",
    resource: "configmaps",
    sub: "",
    what: "ConfigMap data",
    in_request: WRITES,
    in_response: RESOURCE_VERBS,
}];

/// AP002: credentials logged.
pub(super) const AP002: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP002",
        title: "credentials logged",
        severity: Severity::High,
        fix: "Add a Metadata rule for secrets, serviceaccounts/token (group \"\") and tokenreviews (group authentication.k8s.io) before any broader rule.",
    },
    reason: "Secrets (request and response bodies), TokenReviews (the token is in the request) and TokenRequests (the new token is in the response) logged at Request or RequestResponse put live credentials in the audit log.",
    check: credentials,
};

pub(super) fn credentials(policy: &Policy, hits: &mut Vec<Hit>) {
    exposed(policy, CREDENTIALS, hits);
}

/// AP003: ConfigMap contents logged.
pub(super) const AP003: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP003",
        title: "ConfigMap contents logged",
        severity: Severity::Medium,
        fix: "Add a Metadata rule for configmaps (group \"\") before any broader rule.",
    },
    reason: "ConfigMaps often carry passwords and keys; CIS 3.2.2 asks for Metadata only.",
    check: configmaps,
};

pub(super) fn configmaps(policy: &Policy, hits: &mut Vec<Hit>) {
    exposed(policy, CONFIGMAPS, hits);
}

fn exposed(policy: &Policy, targets: &[Sensitive], hits: &mut Vec<Hit>) {
    for t in targets {
        // One hit per rule, listing the verbs through which it logs the contents.
        let mut by_rule: Vec<(usize, Level, Vec<&str>, bool)> = Vec::new();
        for verb in RESOURCE_VERBS {
            let logs = |level: Level| {
                (level >= Level::Request && t.in_request.contains(verb))
                    || (level >= Level::RequestResponse && t.in_response.contains(verb))
            };
            for (i, rule, reach) in deciders(policy, verb, t.group, t.resource, t.sub) {
                if !logs(rule.level()) {
                    continue;
                }
                match by_rule.iter_mut().find(|(j, ..)| *j == i) {
                    Some(entry) => entry.2.push(verb),
                    None => by_rule.push((i, rule.level(), vec![verb], reach == Reach::Maybe)),
                }
            }
        }
        for (i, level, verbs, maybe) in by_rule {
            let name = if t.sub.is_empty() {
                t.resource.to_string()
            } else {
                format!("{}/{}", t.resource, t.sub)
            };
            hits.push(Hit::new(
                format!("rules[{i}].level"),
                format!(
                    "rule {i} {}logs {name} at {level} for verbs {}: {} land in the audit log",
                    if maybe {
                        "may (depending on user, namespace or name) "
                    } else {
                        ""
                    },
                    verbs.join(", "),
                    t.what
                ),
            ));
        }
    }
}

const INTERACTIVE: &[&str] = &["exec", "attach", "portforward"];
/// SPDY clients POST (`create`); WebSocket clients, kubectl's newer default, GET (`get`).
const INTERACTIVE_VERBS: &[&str] = &["create", "get"];

/// AP004: exec, attach or port-forward not audited.
pub(super) const AP004: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP004",
        title: "exec, attach or port-forward not audited",
        severity: Severity::High,
        fix: "Add a rule at Metadata or above for pods/exec, pods/attach and pods/portforward (group \"\").",
    },
    reason: "Interactive access to containers is the first thing an investigation looks for; at level None it leaves no trace.",
    check: interactive_unaudited,
};

pub(super) fn interactive_unaudited(policy: &Policy, hits: &mut Vec<Hit>) {
    for sub in INTERACTIVE {
        for verb in INTERACTIVE_VERBS {
            let deciding = deciders(policy, verb, "", "pods", sub)
                .into_iter()
                .find(|d| d.2 == Reach::Always);
            let (path, why) = match deciding {
                None => ("rules".to_string(), "no rule matches it".to_string()),
                Some((i, rule, _)) if rule.level() == Level::None => (
                    format!("rules[{i}].level"),
                    format!("rule {i} sets level None"),
                ),
                Some(_) => continue,
            };
            hits.push(Hit::new(
                path,
                format!("pods/{sub} ({verb}) is not audited: {why}"),
            ));
            break;
        }
    }
}

/// AP005: no rule names exec, attach or port-forward.
pub(super) const AP005: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP005",
        title: "no rule names exec, attach or port-forward",
        severity: Severity::Info,
        fix: "Add an explicit rule for pods/exec, pods/attach and pods/portforward (group \"\").",
    },
    reason: "They are audited only through a broad rule, so narrowing that rule later silently stops auditing them.",
    check: interactive_implicit,
};

pub(super) fn interactive_implicit(policy: &Policy, hits: &mut Vec<Hit>) {
    let mut none = Vec::new();
    interactive_unaudited(policy, &mut none);
    for sub in INTERACTIVE {
        if none
            .iter()
            .any(|h| h.message.starts_with(&format!("pods/{sub} ")))
        {
            continue;
        }
        let named = policy.rules.iter().any(|r| {
            r.resources.iter().any(|g| {
                g.covers_group("")
                    && g.resources.iter().any(|s| {
                        *s == format!("pods/{sub}") || *s == format!("*/{sub}") || s == "pods/*"
                    })
            })
        });
        if !named {
            hits.push(Hit::new(
                "rules",
                format!("no rule names pods/{sub}; only a broad rule audits it"),
            ));
        }
    }
}
