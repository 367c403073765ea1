//! AP001: a rule is dead when an earlier rule matches a superset of its requests. The test
//! is conservative: it claims a superset only when every field proves it, so a report is
//! always right, and an overlap split across several earlier rules goes unreported.

use super::Hit;
use crate::audit_policy::{GroupResources, Policy, Rule};

pub(super) fn check(policy: &Policy, hits: &mut Vec<Hit>) {
    for (j, later) in policy.rules.iter().enumerate() {
        let earlier = policy.rules.iter().take(j).enumerate();
        if let Some((i, _)) = earlier.clone().find(|(_, r)| subsumes(r, later)) {
            let line = policy.pos(&format!("rules[{i}]")).line;
            hits.push(Hit::new(
                format!("rules[{j}]"),
                format!(
                    "rule {j} ({}) is shadowed by rule {i} at line {line} ({}), which matches every request it would",
                    later.summary(),
                    policy.rules.get(i).map(Rule::summary).unwrap_or_default()
                ),
            ));
        }
    }
}

/// Whether every request `b` matches is matched by `a`.
pub(crate) fn subsumes(a: &Rule, b: &Rule) -> bool {
    list_covers(&a.users, &b.users)
        && list_covers(&a.user_groups, &b.user_groups)
        && list_covers(&a.verbs, &b.verbs)
        && target_covers(a, b)
}

/// An empty list matches everything; otherwise `b` must be non-empty and inside `a`.
fn list_covers(a: &[String], b: &[String]) -> bool {
    a.is_empty() || (!b.is_empty() && b.iter().all(|x| a.contains(x)))
}

fn target_covers(a: &Rule, b: &Rule) -> bool {
    if a.resource_only() {
        if !b.resource_only() || !list_covers(&a.namespaces, &b.namespaces) {
            return false;
        }
        if a.resources.is_empty() {
            return true;
        }
        if b.resources.is_empty() {
            // b takes every resource of every group in its namespaces.
            return a
                .resources
                .iter()
                .any(|ga| ga.group == "*" && takes_all(ga));
        }
        b.resources
            .iter()
            .all(|gb| a.resources.iter().any(|ga| entry_covers(ga, gb)))
    } else if !a.non_resource_urls.is_empty() {
        b.non_resource_only()
            && b.non_resource_urls
                .iter()
                .all(|u| a.non_resource_urls.iter().any(|s| url_covers(s, u)))
    } else {
        true
    }
}

/// Whether the entry matches every resource of its group, whatever the name.
fn takes_all(g: &GroupResources) -> bool {
    g.resources.is_empty() || (g.resource_names.is_empty() && g.resources.iter().any(|r| r == "*"))
}

fn entry_covers(ga: &GroupResources, gb: &GroupResources) -> bool {
    if !(ga.group == "*" || ga.group == gb.group) {
        return false;
    }
    if takes_all(ga) {
        return true;
    }
    if gb.resources.is_empty() || !list_covers(&ga.resource_names, &gb.resource_names) {
        return false;
    }
    gb.resources
        .iter()
        .all(|rb| ga.resources.iter().any(|ra| spec_covers(ra, rb)))
}

/// Whether resource pattern `ra` matches everything pattern `rb` does.
fn spec_covers(ra: &str, rb: &str) -> bool {
    if ra == "*" || ra == rb {
        return true;
    }
    if rb == "*" {
        return false;
    }
    if let Some(res) = ra.strip_suffix("/*") {
        // `res/*` takes `res` and all its subresources.
        return rb == res || rb.strip_prefix(res).is_some_and(|r| r.starts_with('/'));
    }
    if let Some(sub) = ra.strip_prefix("*/") {
        return rb
            .split_once('/')
            .is_some_and(|(res, s)| s == sub && res != "*");
    }
    false
}

fn url_covers(s: &str, u: &str) -> bool {
    s == "*"
        || s == u
        || s.strip_suffix('*')
            .is_some_and(|p| u != "*" && u.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::{spec_covers, url_covers};

    #[test]
    fn patterns() {
        assert!(spec_covers("*", "pods/exec"));
        assert!(spec_covers("pods/*", "pods"));
        assert!(spec_covers("pods/*", "pods/exec"));
        assert!(!spec_covers("pods/*", "podsx"));
        assert!(spec_covers("*/exec", "pods/exec"));
        assert!(!spec_covers("*/exec", "pods"));
        assert!(!spec_covers("pods", "pods/exec"));
        assert!(!spec_covers("pods/exec", "*"));
        assert!(url_covers("/healthz*", "/healthz/etcd"));
        assert!(url_covers("/h*", "/healthz*"));
        assert!(!url_covers("/healthz", "/healthz*"));
        assert!(!url_covers("/x*", "*"));
    }
}
