//! The policy's shape: the final catch-all (AP006), stages (AP007, AP008) and fields the
//! API server drops (AP013).

use kubeward_report::{RuleMeta, Severity};

use super::Hit;
use super::LintDef;
use crate::audit_policy::{Level, Policy, Stage};

/// AP006: no catch-all rule.
pub(super) const AP006: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP006",
        title: "no catch-all rule",
        severity: Severity::Medium,
        fix: "End the rules with `- level: Metadata`.",
    },
    reason: "Requests no rule matches get level None, so new resources and CRDs go unaudited.",
    check: catch_all,
};

pub(super) fn catch_all(policy: &Policy, hits: &mut Vec<Hit>) {
    match policy.rules.iter().position(|r| r.is_catch_all()) {
        None => {
            let path = match policy.rules.len() {
                0 => "rules".to_string(),
                n => format!("rules[{}]", n - 1),
            };
            hits.push(Hit::new(
                path,
                "no rule matches every request; unmatched requests are not audited",
            ));
        }
        Some(i)
            if policy
                .rules
                .get(i)
                .is_some_and(|r| r.level() == Level::None) =>
        {
            hits.push(Hit::new(
                format!("rules[{i}].level"),
                format!(
                    "the catch-all rule {i} sets level None, so unmatched requests are not audited"
                ),
            ));
        }
        Some(_) => {}
    }
}

/// AP007: RequestReceived not omitted.
pub(super) const AP007: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP007",
        title: "RequestReceived not omitted",
        severity: Severity::Low,
        fix: "Set `omitStages: [\"RequestReceived\"]` at the policy level.",
    },
    reason: "Every audited request then produces an extra event with nothing the ResponseComplete event lacks.",
    check: request_received,
};

pub(super) fn request_received(policy: &Policy, hits: &mut Vec<Hit>) {
    if policy.omit_stages.contains(&Stage::RequestReceived) {
        return;
    }
    let recording = policy
        .rules
        .iter()
        .filter(|r| r.level() != Level::None && !r.omit_stages.contains(&Stage::RequestReceived))
        .count();
    if recording > 0 {
        let path = if policy.node.get("omitStages").is_some() {
            "omitStages"
        } else {
            "rules"
        };
        hits.push(Hit::new(
            path,
            format!("RequestReceived is not omitted at the policy level, nor by {recording} auditing rule(s)"),
        ));
    }
}

/// AP008: important stage omitted.
pub(super) const AP008: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP008",
        title: "important stage omitted",
        severity: Severity::Medium,
        fix: "Omit only RequestReceived (and Panic if you must).",
    },
    reason: "Omitting ResponseStarted loses failed authentications and exec's 101 responses; omitting ResponseComplete loses final statuses.",
    check: important_stages,
};

pub(super) fn important_stages(policy: &Policy, hits: &mut Vec<Hit>) {
    let mut flag = |path: String, stages: &[Stage], scope: &str| {
        for (j, s) in stages.iter().enumerate() {
            let lost = match s {
                Stage::ResponseStarted => "failed authentications and exec/attach 101 responses",
                Stage::ResponseComplete => "the final status of every request",
                _ => continue,
            };
            hits.push(Hit::new(
                format!("{path}[{j}]"),
                format!("{scope} omits {s}: loses {lost}"),
            ));
        }
    };
    flag("omitStages".into(), &policy.omit_stages, "the policy");
    for (i, r) in policy.rules.iter().enumerate() {
        if r.level() != Level::None {
            flag(
                format!("rules[{i}].omitStages"),
                &r.omit_stages,
                &format!("rule {i}"),
            );
        }
    }
}

/// AP013: field dropped by the API server.
pub(super) const AP013: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP013",
        title: "field dropped by the API server",
        severity: Severity::High,
        fix: "Correct the spelling, or remove the duplicate.",
    },
    reason: "Unknown and duplicated fields are dropped with only a log warning; a misspelled restriction turns a narrow rule into a broad one.",
    check: dropped_fields,
};

pub(super) fn dropped_fields(policy: &Policy, hits: &mut Vec<Hit>) {
    for d in &policy.dropped {
        let message = if d.duplicate {
            format!(
                "{} is given twice; the API server keeps the last one",
                d.field
            )
        } else {
            format!(
                "{} is not a field of the audit Policy; the API server drops it",
                d.field
            )
        };
        hits.push(Hit::new(d.field.clone(), message));
    }
}
