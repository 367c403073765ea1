//! Who may do something (`kubeward rbac who-can`), answered from the RBAC objects as
//! the API server's RBAC authorizer answers each subject: every binding whose role
//! holds a rule that allows the action, with the subjects it names. Members of
//! `system:masters` may do everything before RBAC is asked; that group is always
//! named first.

use std::collections::HashMap;

use k8s_openapi::api::rbac::v1::{PolicyRule, Subject};
use serde::Serialize;

use super::{Rbac, rule_allows_resource};
use crate::names::SYSTEM_MASTERS;

/// An action to ask about.
#[derive(Clone, Copy, Debug)]
pub enum Action<'a> {
    /// A request on a resource.
    Resource {
        /// The verb, e.g. `get` or `create`.
        verb: &'a str,
        /// The API group, `""` for the core group.
        api_group: &'a str,
        /// The resource, e.g. `pods`.
        resource: &'a str,
        /// The subresource, e.g. `exec` (empty: none).
        subresource: &'a str,
        /// The object's name (empty: any request on the collection).
        name: &'a str,
        /// The namespace (`None`: every namespace; `Some("")`: cluster-scoped).
        namespace: Option<&'a str>,
    },
    /// A request on a non-resource URL, e.g. `/healthz` (cluster-wide only).
    NonResource {
        /// The verb, e.g. `get`.
        verb: &'a str,
        /// The path.
        path: &'a str,
    },
}

/// One subject allowed through one binding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// `ClusterRoleBinding`, `RoleBinding`, or `(privileged group)` for system:masters.
    pub binding_kind: String,
    /// The binding's name.
    pub binding: String,
    /// The RoleBinding's namespace (empty for ClusterRoleBindings).
    pub namespace: String,
    /// `Role` or `ClusterRole`.
    pub role_kind: String,
    /// The role's name.
    pub role: String,
    /// `User`, `Group` or `ServiceAccount`.
    pub subject_kind: String,
    /// The subject's name.
    pub subject: String,
    /// A service account's namespace (empty for users and groups).
    pub subject_namespace: String,
    /// The user name the API server knows the subject by (`system:serviceaccount:ns:name`
    /// for service accounts, the name for users and groups).
    pub username: String,
}

/// Whether `rule` allows `action`, as the authorizer's `RuleAllows`.
pub fn rule_allows(rule: &PolicyRule, action: &Action<'_>) -> bool {
    match *action {
        Action::Resource {
            verb,
            api_group,
            resource,
            subresource,
            name,
            ..
        } => rule_allows_resource(rule, verb, api_group, resource, subresource, name),
        Action::NonResource { verb, path } => {
            rule.verbs.iter().any(|v| v == "*" || v == verb)
                && rule.non_resource_urls.iter().flatten().any(|u| {
                    u == "*"
                        || u == path
                        || u.strip_suffix('*').is_some_and(|p| path.starts_with(p))
                })
        }
    }
}

/// The binding a grant comes through.
struct Via<'a> {
    kind: &'a str,
    binding: &'a str,
    namespace: &'a str,
    role_kind: &'a str,
    role: &'a str,
}

fn grant(via: &Via<'_>, s: &Subject) -> Grant {
    // A service account subject without a namespace means the binding's.
    let sa_ns = match s.kind.as_str() {
        "ServiceAccount" => s
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| via.namespace.to_owned()),
        _ => String::new(),
    };
    Grant {
        binding_kind: via.kind.into(),
        binding: via.binding.into(),
        namespace: via.namespace.into(),
        role_kind: via.role_kind.into(),
        role: via.role.into(),
        subject_kind: s.kind.clone(),
        subject: s.name.clone(),
        username: if s.kind == "ServiceAccount" {
            crate::names::service_account_user(&sa_ns, &s.name)
        } else {
            s.name.clone()
        },
        subject_namespace: sa_ns,
    }
}

/// Roles by namespace and name, and ClusterRoles' rules (aggregation resolved) as they
/// are asked for, once each: `who_can` over many bindings stays linear in them.
struct Lookup<'a> {
    rbac: &'a Rbac,
    roles: HashMap<(&'a str, &'a str), Vec<PolicyRule>>,
    cluster: HashMap<&'a str, Vec<PolicyRule>>,
}

impl<'a> Lookup<'a> {
    fn new(rbac: &'a Rbac) -> Lookup<'a> {
        let mut roles: HashMap<(&str, &str), Vec<PolicyRule>> = HashMap::new();
        for r in &rbac.roles {
            let key = (
                r.metadata.namespace.as_deref().unwrap_or_default(),
                r.metadata.name.as_deref().unwrap_or_default(),
            );
            roles
                .entry(key)
                .or_default()
                .extend(r.rules.iter().flatten().cloned());
        }
        Lookup {
            rbac,
            roles,
            cluster: HashMap::new(),
        }
    }

    /// The rules of the role a binding in `ns` refers to (`None`: not a role kind).
    fn rules(&mut self, ns: &'a str, kind: &str, name: &'a str) -> Option<&[PolicyRule]> {
        match kind {
            "Role" => Some(self.roles.get(&(ns, name)).map_or(&[][..], Vec::as_slice)),
            "ClusterRole" => Some(
                self.cluster
                    .entry(name)
                    .or_insert_with(|| self.rbac.cluster_role_rules(name)),
            ),
            _ => None,
        }
    }
}

impl Rbac {
    /// Every subject that may do `action`, with the binding that allows it, in order:
    /// `system:masters`, then ClusterRoleBindings, then RoleBindings (of the action's
    /// namespace, or of every namespace when it has none), each in the order read.
    pub fn who_can(&self, action: &Action<'_>) -> Vec<Grant> {
        let masters = Subject {
            kind: "Group".into(),
            name: SYSTEM_MASTERS.into(),
            ..Subject::default()
        };
        let privileged = Via {
            kind: "(privileged group)",
            binding: "",
            namespace: "",
            role_kind: "",
            role: "",
        };
        let mut out = vec![grant(&privileged, &masters)];
        let mut lookup = Lookup::new(self);
        for b in &self.cluster_role_bindings {
            if b.role_ref.kind != "ClusterRole" {
                continue;
            }
            let rules = lookup
                .rules("", "ClusterRole", &b.role_ref.name)
                .unwrap_or_default();
            if rules.iter().any(|r| rule_allows(r, action)) {
                let via = Via {
                    kind: "ClusterRoleBinding",
                    binding: b.metadata.name.as_deref().unwrap_or_default(),
                    namespace: "",
                    role_kind: "ClusterRole",
                    role: &b.role_ref.name,
                };
                out.extend(b.subjects.iter().flatten().map(|s| grant(&via, s)));
            }
        }
        let Action::Resource { namespace, .. } = *action else {
            // Non-resource URLs are cluster-wide: RoleBindings never grant them.
            return out;
        };
        if namespace == Some("") {
            // Cluster-scoped resources: only ClusterRoleBindings grant them.
            return out;
        }
        for b in &self.role_bindings {
            let ns = b.metadata.namespace.as_deref().unwrap_or_default();
            if namespace.is_some_and(|n| n != ns) {
                continue;
            }
            let Some(rules) = lookup.rules(ns, &b.role_ref.kind, &b.role_ref.name) else {
                continue;
            };
            if rules.iter().any(|r| rule_allows(r, action)) {
                let via = Via {
                    kind: "RoleBinding",
                    binding: b.metadata.name.as_deref().unwrap_or_default(),
                    namespace: ns,
                    role_kind: &b.role_ref.kind,
                    role: &b.role_ref.name,
                };
                out.extend(b.subjects.iter().flatten().map(|s| grant(&via, s)));
            }
        }
        out
    }

    /// The bindings whose role is not in the set, as `Kind ns/name -> RoleKind name`:
    /// what they grant is unknown here (built-in roles such as `cluster-admin` are
    /// defined by the API server, not by manifests).
    pub fn dangling_bindings(&self) -> Vec<String> {
        let has_cluster_role = |name: &str| {
            self.cluster_roles
                .iter()
                .any(|r| r.metadata.name.as_deref() == Some(name))
        };
        let mut out = Vec::new();
        for b in &self.cluster_role_bindings {
            if !has_cluster_role(&b.role_ref.name) {
                let name = b.metadata.name.as_deref().unwrap_or_default();
                out.push(format!(
                    "ClusterRoleBinding {name} -> ClusterRole {}",
                    b.role_ref.name
                ));
            }
        }
        for b in &self.role_bindings {
            let ns = b.metadata.namespace.as_deref().unwrap_or_default();
            let found = match b.role_ref.kind.as_str() {
                "Role" => self.roles.iter().any(|r| {
                    r.metadata.namespace.as_deref() == Some(ns)
                        && r.metadata.name.as_deref() == Some(&b.role_ref.name)
                }),
                _ => has_cluster_role(&b.role_ref.name),
            };
            if !found {
                let name = b.metadata.name.as_deref().unwrap_or_default();
                out.push(format!(
                    "RoleBinding {ns}/{name} -> {} {}",
                    b.role_ref.kind, b.role_ref.name
                ));
            }
        }
        out
    }
}

/// One rule a subject holds, and where and through which binding.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Held {
    /// The namespace the rule applies in (empty: every namespace, cluster-wide).
    pub namespace: String,
    /// `ClusterRoleBinding` or `RoleBinding`.
    pub binding_kind: String,
    /// The binding's name.
    pub binding: String,
    /// `Role` or `ClusterRole`.
    pub role_kind: String,
    /// The role's name.
    pub role: String,
    /// The rule, as the role (or a role it aggregates) states it.
    pub rule: PolicyRule,
}

impl Rbac {
    /// Every rule the user `user` with `groups` holds, cluster-wide first, then per
    /// namespace, each with the binding that gives it (`rbac can`). A service account's
    /// user name is `system:serviceaccount:NS:NAME`; its implicit groups are the
    /// caller's to pass, as the API server adds them at authentication.
    pub fn rules_of(&self, user: &str, groups: &[String]) -> Vec<Held> {
        let binds = |s: &Subject, ns: Option<&str>| {
            let req = super::Request {
                user,
                groups,
                verb: "",
                api_group: "",
                resource: "",
                name: "",
                namespace: "",
            };
            super::subject_matches(s, &req, ns)
        };
        let mut out = Vec::new();
        for b in &self.cluster_role_bindings {
            if b.role_ref.kind == "ClusterRole"
                && b.subjects.iter().flatten().any(|s| binds(s, None))
            {
                for rule in self.cluster_role_rules(&b.role_ref.name) {
                    out.push(Held {
                        namespace: String::new(),
                        binding_kind: "ClusterRoleBinding".into(),
                        binding: b.metadata.name.clone().unwrap_or_default(),
                        role_kind: "ClusterRole".into(),
                        role: b.role_ref.name.clone(),
                        rule,
                    });
                }
            }
        }
        for b in &self.role_bindings {
            let ns = b.metadata.namespace.as_deref().unwrap_or_default();
            if !b.subjects.iter().flatten().any(|s| binds(s, Some(ns))) {
                continue;
            }
            let rules = match b.role_ref.kind.as_str() {
                "Role" => self.role_rules(ns, &b.role_ref.name),
                "ClusterRole" => self.cluster_role_rules(&b.role_ref.name),
                _ => continue,
            };
            for rule in rules {
                out.push(Held {
                    namespace: ns.to_owned(),
                    binding_kind: "RoleBinding".into(),
                    binding: b.metadata.name.clone().unwrap_or_default(),
                    role_kind: b.role_ref.kind.clone(),
                    role: b.role_ref.name.clone(),
                    rule,
                });
            }
        }
        out
    }
}
