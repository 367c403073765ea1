//! RBAC evaluation for one question: may this identity perform a verb on a named
//! resource in a namespace, given a set of Roles, ClusterRoles, RoleBindings and
//! ClusterRoleBindings. Mirrors the RBAC authorizer: a RoleBinding grants within its
//! namespace (to a Role there or a ClusterRole), a ClusterRoleBinding everywhere; rules
//! match on API group, resource, verb and resource name with `*` wildcards; ClusterRole
//! aggregation is resolved from label selectors. Members of `system:masters` are allowed
//! everything, as the API server's privileged-group authorizer does before RBAC.

use std::collections::BTreeMap;

use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::names::SYSTEM_MASTERS;

pub mod resources;
pub mod who;

/// An RBAC object that could not be decoded.
#[derive(Debug, thiserror::Error)]
#[error("{kind} {name:?}: {message}")]
pub struct RbacError {
    /// The object's kind: `Role`, `ClusterRole`, `RoleBinding` or `ClusterRoleBinding`.
    pub kind: String,
    /// The object's name (empty when it could not be read).
    pub name: String,
    /// The decoding error.
    pub message: String,
}

/// The RBAC objects of a cluster (or of the manifests given).
#[derive(Clone, Debug, Default)]
pub struct Rbac {
    roles: Vec<Role>,
    cluster_roles: Vec<ClusterRole>,
    role_bindings: Vec<RoleBinding>,
    cluster_role_bindings: Vec<ClusterRoleBinding>,
}

/// What is asked.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The user name, e.g. `system:serviceaccount:ns:sa`.
    pub user: &'a str,
    /// The user's groups.
    pub groups: &'a [String],
    /// The verb, e.g. `get`, `list`, `create` or `impersonate`.
    pub verb: &'a str,
    /// The API group, `""` for the core group.
    pub api_group: &'a str,
    /// The resource, e.g. `secrets` or `pods/exec`.
    pub resource: &'a str,
    /// The object's name; empty for requests on a collection.
    pub name: &'a str,
    /// The namespace; empty for cluster-scoped resources.
    pub namespace: &'a str,
}

/// Reads `object` (of `kind`) as a `T` and adds it to `to`.
fn push<T: serde::de::DeserializeOwned>(
    to: &mut Vec<T>,
    kind: &str,
    object: serde_json::Value,
) -> Result<(), RbacError> {
    let read = serde_json::from_value(object).map_err(|e| RbacError {
        kind: kind.to_string(),
        name: String::new(),
        message: e.to_string(),
    })?;
    to.push(read);
    Ok(())
}

impl Rbac {
    /// Adds an object given as JSON with its kind; other kinds are ignored (`Ok(false)`).
    pub fn add(&mut self, kind: &str, mut object: serde_json::Value) -> Result<bool, RbacError> {
        // v1alpha1 and v1beta1 hold the same fields as v1 (the API server converts between
        // them); read them as v1, which is what the typed decoders accept.
        if let Some(v) = object.get_mut("apiVersion")
            && v.as_str().is_some_and(|s| {
                s.strip_prefix("rbac.authorization.k8s.io/")
                    .is_some_and(|version| matches!(version, "v1alpha1" | "v1beta1"))
            })
        {
            *v = serde_json::Value::from("rbac.authorization.k8s.io/v1");
        }
        match kind {
            "Role" => push(&mut self.roles, kind, object)?,
            "ClusterRole" => push(&mut self.cluster_roles, kind, object)?,
            "RoleBinding" => push(&mut self.role_bindings, kind, object)?,
            "ClusterRoleBinding" => push(&mut self.cluster_role_bindings, kind, object)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Whether the request is allowed.
    pub fn allows(&self, req: &Request<'_>) -> bool {
        if req.groups.iter().any(|g| g == SYSTEM_MASTERS) {
            return true;
        }
        let crb = self.cluster_role_bindings.iter().filter(|b| {
            b.role_ref.kind == "ClusterRole"
                && b.subjects
                    .iter()
                    .flatten()
                    .any(|s| subject_matches(s, req, None))
        });
        for b in crb {
            if self
                .cluster_role_rules(&b.role_ref.name)
                .iter()
                .any(|r| rule_matches(r, req))
            {
                return true;
            }
        }
        let rb = self.role_bindings.iter().filter(|b| {
            b.metadata.namespace.as_deref() == Some(req.namespace)
                && b.subjects
                    .iter()
                    .flatten()
                    .any(|s| subject_matches(s, req, Some(req.namespace)))
        });
        for b in rb {
            let rules = match b.role_ref.kind.as_str() {
                "Role" => self.role_rules(req.namespace, &b.role_ref.name),
                "ClusterRole" => self.cluster_role_rules(&b.role_ref.name),
                _ => vec![],
            };
            if rules.iter().any(|r| rule_matches(r, req)) {
                return true;
            }
        }
        false
    }

    /// Adds every object of `other`, after this set's.
    pub fn extend(&mut self, other: Rbac) {
        self.roles.extend(other.roles);
        self.cluster_roles.extend(other.cluster_roles);
        self.role_bindings.extend(other.role_bindings);
        self.cluster_role_bindings
            .extend(other.cluster_role_bindings);
    }

    /// The Roles, in the order added.
    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    /// The ClusterRoles, in the order added.
    pub fn cluster_roles(&self) -> &[ClusterRole] {
        &self.cluster_roles
    }

    /// The rules of the Role `name` in `namespace`.
    fn role_rules(&self, namespace: &str, name: &str) -> Vec<PolicyRule> {
        self.roles
            .iter()
            .filter(|r| {
                r.metadata.namespace.as_deref() == Some(namespace)
                    && r.metadata.name.as_deref() == Some(name)
            })
            .flat_map(|r| r.rules.iter().flatten().cloned())
            .collect()
    }

    /// A ClusterRole's rules, with aggregated roles' rules added when it aggregates
    /// (empty when no ClusterRole of that name is in the set).
    pub fn cluster_role_rules(&self, name: &str) -> Vec<PolicyRule> {
        self.cluster_roles
            .iter()
            .find(|r| r.metadata.name.as_deref() == Some(name))
            .map(|role| aggregated_rules(role, &self.cluster_roles))
            .unwrap_or_default()
    }
}

/// `role`'s own rules and, when it aggregates, those of every other ClusterRole of `all`
/// that one of its selectors matches.
pub fn aggregated_rules(role: &ClusterRole, all: &[ClusterRole]) -> Vec<PolicyRule> {
    let mut rules: Vec<PolicyRule> = role.rules.iter().flatten().cloned().collect();
    let empty = BTreeMap::new();
    for sel in role
        .aggregation_rule
        .iter()
        .flat_map(|a| a.cluster_role_selectors.iter().flatten())
    {
        for other in all {
            let labels = other.metadata.labels.as_ref().unwrap_or(&empty);
            if other.metadata.name != role.metadata.name && selector_matches(sel, labels) {
                rules.extend(other.rules.iter().flatten().cloned());
            }
        }
    }
    rules
}

pub(crate) fn subject_matches(s: &Subject, req: &Request<'_>, binding_ns: Option<&str>) -> bool {
    match s.kind.as_str() {
        "User" => s.name == req.user,
        "Group" => req.groups.contains(&s.name),
        "ServiceAccount" => {
            // A RoleBinding's service account subject without a namespace means its own.
            let ns = s
                .namespace
                .as_deref()
                .filter(|n| !n.is_empty())
                .or(binding_ns);
            ns.is_some_and(|ns| crate::names::service_account_user(ns, &s.name) == req.user)
        }
        _ => false,
    }
}

fn has(list: &Option<Vec<String>>, want: &str) -> bool {
    list.iter().flatten().any(|v| v == "*" || v == want)
}

fn rule_matches(r: &PolicyRule, req: &Request<'_>) -> bool {
    let (resource, subresource) = req.resource.split_once('/').unwrap_or((req.resource, ""));
    rule_allows_resource(r, req.verb, req.api_group, resource, subresource, req.name)
}

/// The authorizer's `RuleAllows` for a resource request: verb, API group, resource
/// (`*`, the resource with its subresource as `pods/exec`, or `*/exec` for a
/// subresource of any resource) and resource names (none listed: any name; listed: the
/// request must name one, so a list or create on the collection is not allowed).
pub(crate) fn rule_allows_resource(
    r: &PolicyRule,
    verb: &str,
    api_group: &str,
    resource: &str,
    subresource: &str,
    name: &str,
) -> bool {
    let combined = if subresource.is_empty() {
        resource.to_owned()
    } else {
        format!("{resource}/{subresource}")
    };
    let resource_ok = r.resources.iter().flatten().any(|rr| {
        rr == "*"
            || *rr == combined
            || (!subresource.is_empty() && rr.strip_prefix("*/") == Some(subresource))
    });
    r.verbs.iter().any(|v| v == "*" || v == verb)
        && has(&r.api_groups, api_group)
        && resource_ok
        && r.resource_names
            .as_ref()
            .is_none_or(|n| n.is_empty() || n.iter().any(|n| n == name))
}

/// Whether a label selector selects an object with `labels`, as apimachinery's
/// `LabelSelectorAsSelector`: every `matchLabels` pair and every expression must hold;
/// an empty selector selects everything.
pub fn selector_matches(sel: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let labels_ok = sel
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let exprs_ok = sel.match_expressions.iter().flatten().all(|e| {
        let val = labels.get(&e.key);
        let values = e.values.as_deref().unwrap_or_default();
        match e.operator.as_str() {
            "In" => val.is_some_and(|v| values.contains(v)),
            "NotIn" => val.is_none_or(|v| !values.contains(v)),
            "Exists" => val.is_some(),
            "DoesNotExist" => val.is_none(),
            _ => false,
        }
    });
    labels_ok && exprs_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req<'a>(user: &'a str, groups: &'a [String], name: &'a str, ns: &'a str) -> Request<'a> {
        Request {
            user,
            groups,
            verb: "use",
            api_group: "policy",
            resource: "podsecuritypolicies",
            name,
            namespace: ns,
        }
    }

    #[test]
    fn bindings_rules_and_aggregation() {
        let mut r = Rbac::default();
        r.add("ClusterRole", json!({"metadata": {"name": "psp-a", "labels": {"agg": "yes"}},
            "rules": [{"apiGroups": ["policy"], "resources": ["podsecuritypolicies"], "verbs": ["use"], "resourceNames": ["a"]}]})).unwrap();
        r.add(
            "ClusterRole",
            json!({"metadata": {"name": "agg"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"agg": "yes"}}]}}),
        )
        .unwrap();
        r.add(
            "Role",
            json!({"metadata": {"name": "any", "namespace": "dev"},
            "rules": [{"apiGroups": ["extensions"], "resources": ["*"], "verbs": ["*"]}]}),
        )
        .unwrap();
        r.add("ClusterRoleBinding", json!({"metadata": {"name": "b"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "agg"},
            "subjects": [{"kind": "Group", "name": "team"}]})).unwrap();
        r.add("RoleBinding", json!({"metadata": {"name": "rb", "namespace": "dev"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "any"},
            "subjects": [{"kind": "ServiceAccount", "name": "web"}]})).unwrap();
        assert!(!r.add("ConfigMap", json!({})).unwrap());
        let team = vec!["team".to_string()];
        let none: Vec<String> = vec![];
        assert!(r.allows(&req("alice", &team, "a", "x")));
        assert!(!r.allows(&req("alice", &team, "b", "x")));
        assert!(!r.allows(&req("alice", &none, "a", "x")));
        let sa = "system:serviceaccount:dev:web";
        let mut ext = req(sa, &none, "b", "dev");
        assert!(!r.allows(&ext));
        ext.api_group = "extensions";
        assert!(r.allows(&ext));
        ext.namespace = "prod";
        assert!(!r.allows(&ext));
        let masters = vec!["system:masters".to_string()];
        assert!(r.allows(&req("root", &masters, "z", "x")));
    }
}
