//! Rule matching, as `pkg/audit/policy/checker.go` does it: rules in order, the first
//! match decides; every field a rule sets must match; no match means `None`.

use super::policy::{GroupResources, Level, Policy, Rule, Stage};

/// The authenticated user. Failed authentication has none, so `users`/`userGroups`
/// rules cannot match it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// The user name, e.g. `system:serviceaccount:kube-system:default`.
    pub name: String,
    /// The user's groups, e.g. `system:authenticated`.
    pub groups: Vec<String>,
}

/// What a request touches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A request for a resource of the API (`/api`, `/apis`).
    Resource {
        /// The API group, `""` for the core group.
        group: String,
        /// The resource, e.g. `pods`.
        resource: String,
        /// The subresource, e.g. `log` of `pods/log`; empty when none.
        subresource: String,
        /// The namespace; empty for cluster-scoped resources.
        namespace: String,
        /// Empty for collection requests (create, list, watch, deletecollection).
        name: String,
    },
    /// A request for a path outside the resource API, e.g. `/healthz` or `/metrics`.
    NonResource {
        /// The URL path.
        path: String,
    },
}

/// The attributes the audit policy sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The authenticated user; `None` when authentication failed.
    pub user: Option<UserInfo>,
    /// The request verb: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, …, or an HTTP verb in lower case for non-resource paths.
    pub verb: String,
    /// What the request touches.
    pub target: Target,
}

/// What the API server records for a request.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// The level the request is logged at (`None` when no rule matched).
    pub level: Level,
    /// Policy-level stages unioned with the rule's, sorted.
    pub omit_stages: Vec<Stage>,
    /// Whether `metadata.managedFields` is omitted from logged bodies (the rule's setting, else the policy's).
    pub omit_managed_fields: bool,
    /// Index of the rule that decided; `None` when no rule matched.
    pub rule: Option<usize>,
}

/// The audit configuration the API server applies to `req`.
pub fn evaluate(policy: &Policy, req: &Request) -> Decision {
    let matched = policy
        .rules
        .iter()
        .enumerate()
        .find(|(_, r)| rule_matches(r, req));
    let mut omit: Vec<Stage> = policy.omit_stages.clone();
    let (level, omit_managed_fields, rule) = match matched {
        Some((i, r)) => {
            omit.extend(r.omit_stages.iter().copied());
            let omf = r.omit_managed_fields.unwrap_or(policy.omit_managed_fields);
            (r.level(), omf, Some(i))
        }
        None => (Level::None, policy.omit_managed_fields, None),
    };
    omit.sort();
    omit.dedup();
    Decision {
        level,
        omit_stages: omit,
        omit_managed_fields,
        rule,
    }
}

/// Whether `rule` matches `req`.
pub fn rule_matches(rule: &Rule, req: &Request) -> bool {
    if !rule.users.is_empty()
        && !req
            .user
            .as_ref()
            .is_some_and(|u| rule.users.contains(&u.name))
    {
        return false;
    }
    if !rule.user_groups.is_empty()
        && !req
            .user
            .as_ref()
            .is_some_and(|u| u.groups.iter().any(|g| rule.user_groups.contains(g)))
    {
        return false;
    }
    if !rule.verbs.is_empty() && !rule.verbs.contains(&req.verb) {
        return false;
    }
    if rule.resource_only() {
        return matches_resource(rule, &req.target);
    }
    if !rule.non_resource_urls.is_empty() {
        return match &req.target {
            Target::NonResource { path } => rule
                .non_resource_urls
                .iter()
                .any(|spec| path_matches(path, spec)),
            Target::Resource { .. } => false,
        };
    }
    true
}

fn matches_resource(rule: &Rule, target: &Target) -> bool {
    let Target::Resource {
        group,
        resource,
        subresource,
        namespace,
        name,
    } = target
    else {
        return false;
    };
    if !rule.namespaces.is_empty() && !rule.namespaces.contains(namespace) {
        return false;
    }
    if rule.resources.is_empty() {
        return true;
    }
    rule.resources.iter().any(|gr| {
        if gr.group != *group && gr.group != "*" {
            return false;
        }
        if gr.resources.is_empty() {
            return true;
        }
        let named = gr.resource_names.is_empty() || gr.resource_names.contains(name);
        named
            && gr
                .resources
                .iter()
                .any(|spec| resource_matches(spec, resource, subresource))
    })
}

/// Whether a `resources` entry matches `resource` (and `subresource`, empty when none).
pub(super) fn resource_matches(spec: &str, resource: &str, subresource: &str) -> bool {
    if spec == "*" {
        return true;
    }
    let exact = if subresource.is_empty() {
        spec == resource
    } else {
        spec.strip_prefix(resource)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|sub| sub == subresource)
    };
    if exact {
        return true;
    }
    if !subresource.is_empty() && spec.strip_prefix("*/") == Some(subresource) {
        return true;
    }
    spec.strip_suffix("/*") == Some(resource)
}

/// `*` is everything; a trailing `*` is a plain string prefix (`/healthz*` matches
/// `/healthzfoo`).
pub(super) fn path_matches(path: &str, spec: &str) -> bool {
    spec == "*"
        || spec == path
        || spec
            .strip_suffix('*')
            .is_some_and(|prefix| path.starts_with(prefix))
}

impl GroupResources {
    /// Whether this entry names `group` (exactly, or through `*`).
    pub fn covers_group(&self, group: &str) -> bool {
        self.group == "*" || self.group == group
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_patterns() {
        assert!(resource_matches("pods", "pods", ""));
        assert!(!resource_matches("pods", "pods", "log"));
        assert!(resource_matches("pods/log", "pods", "log"));
        assert!(!resource_matches("pods/log", "pods", "exec"));
        assert!(resource_matches("*", "pods", "exec"));
        assert!(resource_matches("*/exec", "pods", "exec"));
        assert!(!resource_matches("*/exec", "pods", ""));
        assert!(resource_matches("pods/*", "pods", ""));
        assert!(resource_matches("pods/*", "pods", "exec"));
        assert!(!resource_matches("pods/*", "podsx", ""));
        assert!(!resource_matches("po", "pods", ""));
    }

    #[test]
    fn path_patterns() {
        assert!(path_matches("/healthzfoo", "/healthz*"));
        assert!(path_matches("/anything", "*"));
        assert!(path_matches("/version", "/version"));
        assert!(!path_matches("/version/", "/version"));
        assert!(!path_matches("/livez", "/healthz*"));
    }
}
