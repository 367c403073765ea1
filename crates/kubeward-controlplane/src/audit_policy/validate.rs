//! What the API server refuses to start with (`reader.go` and the audit API validation).

use std::sync::Arc;

use kubeward_manifest::Value;

use super::PolicyError;
use super::policy::Policy;

/// Every validation error of `policy`.
pub(super) fn policy(file: &Arc<str>, policy: &Policy) -> Vec<PolicyError> {
    let mut out = Vec::new();
    let mut err = |path: String, message: String, hint: &str| {
        out.push(PolicyError {
            file: file.clone(),
            pos: Some(policy.pos(&path)),
            field: path,
            message,
            hint: hint.to_string(),
        });
    };
    if policy.rules.is_empty() {
        err(
            "rules".into(),
            "a policy with no rules is illegal".into(),
            "add at least one rule, e.g. a final `- level: Metadata`",
        );
    }
    for (i, rule) in policy.rules.iter().enumerate() {
        let p = format!("rules[{i}]");
        // An unknown level was already reported while decoding; only a missing one is new.
        let level_node = policy.node.at(&format!("{p}.level"));
        if rule.level.is_none() && level_node.is_none_or(|n| n.value == Value::Null) {
            err(
                p.clone(),
                "level is required".into(),
                "set level: None, Metadata, Request or RequestResponse",
            );
        }
        if !rule.non_resource_urls.is_empty() && rule.resource_only() {
            err(
                format!("{p}.nonResourceURLs"),
                "rules cannot apply to both regular resources and non-resource URLs".into(),
                "split it into one rule with resources/namespaces and one with nonResourceURLs",
            );
        }
        for (j, url) in rule.non_resource_urls.iter().enumerate() {
            let path = format!("{p}.nonResourceURLs[{j}]");
            if url == "*" {
                continue;
            }
            if !url.starts_with('/') {
                err(
                    path,
                    format!("{url:?} does not begin with '/'"),
                    "write the path from the root, e.g. /healthz",
                );
            } else if but_last(url).contains('*') {
                err(
                    path,
                    format!("{url:?} has '*' before its end"),
                    "a '*' may only be the last character",
                );
            }
        }
        for (j, gr) in rule.resources.iter().enumerate() {
            let path = format!("{p}.resources[{j}]");
            if !gr.group.is_empty() && gr.group != "*" && !is_dns_subdomain(&gr.group) {
                err(
                    format!("{path}.group"),
                    format!(
                        "{:?} is not an API group (a lower-case DNS subdomain)",
                        gr.group
                    ),
                    "write the group without a version: apps, not apps/v1; \"\" is the core group",
                );
            }
            if !gr.resource_names.is_empty() && gr.resources.is_empty() {
                err(
                    format!("{path}.resourceNames"),
                    "resourceNames requires at least one resource".into(),
                    "list the resources the names belong to",
                );
            }
        }
    }
    out
}

fn but_last(s: &str) -> &str {
    let mut chars = s.chars();
    chars.next_back();
    chars.as_str()
}

/// RFC 1123 subdomain, as Kubernetes validates API group names.
fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.len() <= 63
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b.first() != Some(&b'-')
                && b.last() != Some(&b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::is_dns_subdomain;

    #[test]
    fn groups() {
        assert!(is_dns_subdomain("rbac.authorization.k8s.io"));
        assert!(is_dns_subdomain("apps"));
        assert!(!is_dns_subdomain("apps/v1"));
        assert!(!is_dns_subdomain("Apps"));
        assert!(!is_dns_subdomain("-a"));
        assert!(!is_dns_subdomain("a..b"));
    }
}
