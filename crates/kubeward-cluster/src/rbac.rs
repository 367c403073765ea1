//! `RB0xx`: what RBAC bindings grant, and to whom. Permissions are judged at the binding,
//! through the rules of the role it names (ClusterRole aggregation resolved over the
//! whole set), as the RBAC authorizer's `RuleAllows` reads them; roles themselves are
//! judged only for wildcards, since a role no binding uses grants nothing.

use k8s_openapi::api::rbac::v1::{PolicyRule, RoleRef, Subject};
use kubeward_identity::names::service_account_user;
use kubeward_identity::rbac::who::{Action, rule_allows};
use kubeward_manifest::{Node, Resource};
use kubeward_report::Severity::{Critical, High, Medium};

use crate::inventory::Inventory;
use crate::rule::{Family::Rbac, Findings, Rule};

pub(crate) const RB001: Rule = Rule::new(
    Rbac,
    "RB001",
    "binding grants cluster-admin",
    Critical,
    "bind a role that lists the verbs and resources the subjects need instead of cluster-admin or `*` on `*`",
);
pub(crate) const RB002: Rule = Rule::new(
    Rbac,
    "RB002",
    "wildcard in a role rule",
    Medium,
    "list the verbs, resources and API groups the role needs; `*` also grants what later releases and CRDs add",
);
pub(crate) const RB003: Rule = Rule::new(
    Rbac,
    "RB003",
    "escalate, bind or impersonate",
    High,
    "remove escalate, bind and impersonate from roles bound to anyone but cluster administrators",
);
pub(crate) const RB004: Rule = Rule::new(
    Rbac,
    "RB004",
    "reads secrets",
    High,
    "grant get on the named secrets the subject needs (resourceNames), or mount them into its pods instead",
);
pub(crate) const RB005: Rule = Rule::new(
    Rbac,
    "RB005",
    "exec, attach or port-forward into pods",
    High,
    "remove create on pods/exec, pods/attach and pods/portforward from everyone who does not debug production",
);
pub(crate) const RB006: Rule = Rule::new(
    Rbac,
    "RB006",
    "kubelet API through nodes/proxy",
    High,
    "remove nodes/proxy; use the metrics or logs APIs for what monitoring needs",
);
pub(crate) const RB007: Rule = Rule::new(
    Rbac,
    "RB007",
    "creates pods or workloads",
    High,
    "grant create on workloads only to deploy pipelines, in namespaces whose service accounts hold no more than the workloads need",
);
pub(crate) const RB008: Rule = Rule::new(
    Rbac,
    "RB008",
    "creates service-account tokens",
    High,
    "remove create on serviceaccounts/token; pods get their own token by projection",
);
pub(crate) const RB009: Rule = Rule::new(
    Rbac,
    "RB009",
    "approves certificate signing requests",
    High,
    "remove update on certificatesigningrequests/approval together with approve on signers from anyone but the cluster's approver",
);
pub(crate) const RB010: Rule = Rule::new(
    Rbac,
    "RB010",
    "writes admission webhooks, CRDs or RBAC",
    High,
    "remove create, update, patch and delete on webhook configurations, CRDs and RBAC objects from everyone but cluster administrators",
);
pub(crate) const RB011: Rule = Rule::new(
    Rbac,
    "RB011",
    "binding to anonymous or every user",
    High,
    "bind named users, groups or service accounts instead of system:anonymous, system:unauthenticated or system:authenticated",
);
pub(crate) const RB012: Rule = Rule::new(
    Rbac,
    "RB012",
    "binding to a missing role",
    Medium,
    "add the role to the manifests or remove the binding; whoever later creates a role of that name grants its rules to these subjects",
);
pub(crate) const RB013: Rule = Rule::new(
    Rbac,
    "RB013",
    "default service account bound",
    Medium,
    "create a ServiceAccount for the workload that needs the permission and bind that one",
);

pub(crate) static RULES: &[Rule] = &[
    RB001, RB002, RB003, RB004, RB005, RB006, RB007, RB008, RB009, RB010, RB011, RB012, RB013,
];

/// ClusterRoles the API server creates itself, which manifests rarely define.
fn built_in_cluster_role(name: &str) -> bool {
    matches!(name, "cluster-admin" | "admin" | "edit" | "view") || name.starts_with("system:")
}

pub(crate) fn check(res: &Resource, inv: &Inventory, out: &mut Findings<'_>) {
    match res.kind.as_str() {
        "Role" | "ClusterRole" => wildcards(&res.node, out),
        _ => binding(res, inv, out),
    }
}

fn wildcards(node: &Node, out: &mut Findings<'_>) {
    let Some(rules) = node.get("rules").and_then(Node::as_seq) else {
        return;
    };
    for (i, rule) in rules.iter().enumerate() {
        let wild: Vec<&str> = ["apiGroups", "resources", "verbs"]
            .into_iter()
            .filter(|f| {
                rule.get(f)
                    .and_then(Node::as_seq)
                    .is_some_and(|s| s.iter().any(|v| v.as_str() == Some("*")))
            })
            .collect();
        if let Some(first) = wild.first() {
            out.report(
                &RB002,
                format!("rules[{i}].{first}"),
                format!("rule {i} grants `*` in {}", wild.join(", ")),
            );
        }
    }
}

/// Who a binding names, as the API server knows each subject.
fn describe(s: &Subject, binding_ns: Option<&str>) -> String {
    match s.kind.as_str() {
        "ServiceAccount" => {
            let ns = s
                .namespace
                .as_deref()
                .filter(|n| !n.is_empty())
                .or(binding_ns)
                .unwrap_or("?");
            format!(
                "ServiceAccount {ns}/{} ({})",
                s.name,
                service_account_user(ns, &s.name)
            )
        }
        kind => format!("{kind} {}", s.name),
    }
}

fn binding(res: &Resource, inv: &Inventory, out: &mut Findings<'_>) {
    let Some(role_ref) = res
        .node
        .get("roleRef")
        .and_then(|r| serde_json::from_value::<RoleRef>(r.to_json()).ok())
    else {
        return;
    };
    let subjects: Vec<Subject> = res
        .node
        .get("subjects")
        .and_then(|s| serde_json::from_value(s.to_json()).ok())
        .unwrap_or_default();
    let cluster_wide = res.kind == "ClusterRoleBinding";
    let ns = if cluster_wide {
        None
    } else {
        res.namespace.as_deref()
    };
    for (i, s) in subjects.iter().enumerate() {
        let everyone = match (s.kind.as_str(), s.name.as_str()) {
            ("User", "system:anonymous") => Some("every anonymous request"),
            ("Group", "system:unauthenticated") => Some("every unauthenticated request"),
            ("Group", "system:authenticated") => Some("every authenticated user"),
            _ => None,
        };
        if let Some(who) = everyone {
            out.report(
                &RB011,
                format!("subjects[{i}]"),
                format!(
                    "{} grants {} {} to {who} ({} {})",
                    res.kind, role_ref.kind, role_ref.name, s.kind, s.name
                ),
            );
        }
        if s.kind == "ServiceAccount" && s.name == "default" {
            out.report(
                &RB013,
                format!("subjects[{i}]"),
                format!(
                    "{} is bound to {} {}: every pod of its namespace that names no service account holds it",
                    describe(s, ns),
                    role_ref.kind,
                    role_ref.name
                ),
            );
        }
    }
    let binding_ns = ns.unwrap_or_default();
    let held = match inv.role_grants(binding_ns, &role_ref.kind, &role_ref.name) {
        Some(held) => held,
        None if role_ref.kind == "ClusterRole" && role_ref.name == "cluster-admin" => Held {
            everything: true,
            mask: u64::MAX,
        },
        None => {
            let built_in = role_ref.kind == "ClusterRole" && built_in_cluster_role(&role_ref.name);
            if !built_in {
                let scope = match (role_ref.kind.as_str(), ns) {
                    ("Role", Some(n)) => format!(" in namespace {n}"),
                    _ => String::new(),
                };
                out.report(
                    &RB012,
                    "roleRef.name",
                    format!(
                        "{} {}{scope} is not in the scanned set",
                        role_ref.kind, role_ref.name
                    ),
                );
            }
            return;
        }
    };
    if subjects.is_empty() {
        return;
    }
    let who = subjects
        .iter()
        .map(|s| describe(s, ns))
        .collect::<Vec<_>>()
        .join(", ");
    let scope = if cluster_wide {
        "in every namespace".to_owned()
    } else {
        match ns {
            Some(n) => format!("in namespace {n}"),
            None => "in the namespace the binding is applied to".to_owned(),
        }
    };
    let via = format!("{} {}", role_ref.kind, role_ref.name);
    let mut say = |rule: &Rule, what: &str| {
        out.report(
            rule,
            "roleRef.name",
            format!("{who} can {what} {scope} through {via}"),
        );
    };
    if held.everything {
        // Everything else below is implied; one finding says it.
        say(&RB001, "do anything (`*` on `*`)");
        return;
    }
    let mut bit = 0;
    for (rule, grants) in PERMISSIONS {
        let mut have = Vec::new();
        let mut grantable = 0;
        for g in grants.iter() {
            let on = held.mask & (1 << bit) != 0;
            bit += 1;
            if cluster_wide || g.namespaced {
                grantable += 1;
                if on {
                    have.push(g);
                }
            }
        }
        let needs_all = rule.meta.id == RB009.meta.id;
        if have.is_empty() || (needs_all && have.len() < grantable) {
            continue;
        }
        say(rule, &describe_grants(&have));
    }
}

/// What a role's rules grant of what the findings look for, worked out once per role so
/// that judging a binding costs the same however many rules its role aggregates.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Held {
    /// `*` verbs on `*` resources of `*` groups: cluster-admin's power.
    pub everything: bool,
    /// Bit `i` set: the `i`-th grant of [`PERMISSIONS`], in table order, is allowed.
    pub mask: u64,
}

impl Held {
    /// What two sets of rules grant together (a role and the roles it aggregates).
    pub(crate) fn union(self, other: Held) -> Held {
        Held {
            everything: self.everything || other.everything,
            mask: self.mask | other.mask,
        }
    }
}

/// [`Held`] for a role's rules, as the RBAC authorizer's `RuleAllows` reads them.
pub(crate) fn held(rules: &[PolicyRule]) -> Held {
    let star = |l: &Option<Vec<String>>| l.iter().flatten().any(|v| v == "*");
    let everything = rules
        .iter()
        .any(|r| r.verbs.iter().any(|v| v == "*") && star(&r.api_groups) && star(&r.resources));
    let mut mask = 0u64;
    for (bit, grant) in PERMISSIONS.iter().flat_map(|(_, g)| g.iter()).enumerate() {
        if allows(rules, grant) {
            mask |= 1 << bit;
        }
    }
    Held { everything, mask }
}

/// One permission a rule looks for: a verb on a resource (`pods/exec`) of an API group.
struct Grant {
    verb: &'static str,
    group: &'static str,
    resource: &'static str,
    /// Whether a RoleBinding can grant it: the authorizer asks about cluster-scoped
    /// objects with no namespace, which only ClusterRoleBindings match.
    namespaced: bool,
}

/// `create, update pods; get secrets`: verbs grouped by resource, in table order.
fn describe_grants(held: &[&Grant]) -> String {
    let mut parts: Vec<(String, Vec<&str>)> = Vec::new();
    for g in held {
        let resource = if g.group.is_empty() {
            g.resource.to_owned()
        } else {
            format!("{}.{}", g.resource, g.group)
        };
        match parts.iter_mut().find(|(r, _)| *r == resource) {
            Some((_, verbs)) => verbs.push(g.verb),
            None => parts.push((resource, vec![g.verb])),
        }
    }
    parts
        .iter()
        .map(|(r, verbs)| format!("{} {r}", verbs.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A permission on a namespaced resource.
const fn g(verb: &'static str, group: &'static str, resource: &'static str) -> Grant {
    Grant {
        verb,
        group,
        resource,
        namespaced: true,
    }
}

/// A permission on a cluster-scoped resource.
const fn c(verb: &'static str, group: &'static str, resource: &'static str) -> Grant {
    Grant {
        namespaced: false,
        ..g(verb, group, resource)
    }
}

/// Whether any rule allows `grant` on some object: on any name, or on the names a
/// rule's `resourceNames` lists.
fn allows(rules: &[PolicyRule], grant: &Grant) -> bool {
    let (resource, subresource) = grant
        .resource
        .split_once('/')
        .unwrap_or((grant.resource, ""));
    rules.iter().any(|r| {
        let name = r
            .resource_names
            .as_ref()
            .and_then(|n| n.first())
            .map_or("", String::as_str);
        rule_allows(
            r,
            &Action::Resource {
                verb: grant.verb,
                api_group: grant.group,
                resource,
                subresource,
                name,
                namespace: None,
            },
        )
    })
}

const RBAC: &str = "rbac.authorization.k8s.io";
const ADMISSION: &str = "admissionregistration.k8s.io";
const CRD: &str = "apiextensions.k8s.io";

/// The permissions each rule looks for (RB009 needs all of its own; the others any); at
/// most 64 in all, one bit each of [`Held::mask`] (a test holds the count).
/// `bind` on clusterroles stays namespaced: the API server checks it in the namespace of
/// the RoleBinding being created, so a RoleBinding can grant it.
static PERMISSIONS: &[(Rule, &[Grant])] = &[
    (
        RB003,
        &[
            g("escalate", RBAC, "roles"),
            c("escalate", RBAC, "clusterroles"),
            g("bind", RBAC, "roles"),
            g("bind", RBAC, "clusterroles"),
            c("impersonate", "", "users"),
            c("impersonate", "", "groups"),
            g("impersonate", "", "serviceaccounts"),
            c("impersonate", "authentication.k8s.io", "uids"),
        ],
    ),
    (
        RB004,
        &[
            g("get", "", "secrets"),
            g("list", "", "secrets"),
            g("watch", "", "secrets"),
        ],
    ),
    (
        RB005,
        &[
            g("create", "", "pods/exec"),
            g("create", "", "pods/attach"),
            g("create", "", "pods/portforward"),
        ],
    ),
    (
        RB006,
        &[c("get", "", "nodes/proxy"), c("create", "", "nodes/proxy")],
    ),
    (
        RB007,
        &[
            g("create", "", "pods"),
            g("create", "", "replicationcontrollers"),
            g("create", "apps", "deployments"),
            g("create", "apps", "daemonsets"),
            g("create", "apps", "statefulsets"),
            g("create", "apps", "replicasets"),
            g("create", "batch", "jobs"),
            g("create", "batch", "cronjobs"),
        ],
    ),
    (RB008, &[g("create", "", "serviceaccounts/token")]),
    (
        RB009,
        &[
            c(
                "update",
                "certificates.k8s.io",
                "certificatesigningrequests/approval",
            ),
            c("approve", "certificates.k8s.io", "signers"),
        ],
    ),
    (
        RB010,
        &[
            c("create", ADMISSION, "validatingwebhookconfigurations"),
            c("update", ADMISSION, "validatingwebhookconfigurations"),
            c("patch", ADMISSION, "validatingwebhookconfigurations"),
            c("delete", ADMISSION, "validatingwebhookconfigurations"),
            c("create", ADMISSION, "mutatingwebhookconfigurations"),
            c("update", ADMISSION, "mutatingwebhookconfigurations"),
            c("patch", ADMISSION, "mutatingwebhookconfigurations"),
            c("delete", ADMISSION, "mutatingwebhookconfigurations"),
            c("create", CRD, "customresourcedefinitions"),
            c("update", CRD, "customresourcedefinitions"),
            c("patch", CRD, "customresourcedefinitions"),
            g("create", RBAC, "roles"),
            g("update", RBAC, "roles"),
            g("patch", RBAC, "roles"),
            c("create", RBAC, "clusterroles"),
            c("update", RBAC, "clusterroles"),
            c("patch", RBAC, "clusterroles"),
            g("create", RBAC, "rolebindings"),
            g("update", RBAC, "rolebindings"),
            g("patch", RBAC, "rolebindings"),
            c("create", RBAC, "clusterrolebindings"),
            c("update", RBAC, "clusterrolebindings"),
            c("patch", RBAC, "clusterrolebindings"),
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grant_has_a_bit_of_the_mask() {
        let grants: usize = PERMISSIONS.iter().map(|(_, g)| g.len()).sum();
        assert!(grants <= 64, "{grants} grants do not fit Held::mask");
        assert!(held(&[]).mask == 0 && !held(&[]).everything);
    }
}
