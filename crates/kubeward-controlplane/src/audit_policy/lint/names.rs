//! Names no request carries: literal `*` (AP009), verbs (AP010), users and groups swapped
//! (AP011), resources (AP012); and broad `None` rules (AP014).

use kubeward_report::{RuleMeta, Severity};

use super::LintDef;
use kubeward_identity::names as id;

use super::{Hit, RESOURCE_VERBS};
use crate::audit_policy::{Level, Policy, Rule};

/// AP009: literal "*" that never matches.
pub(super) const AP009: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP009",
        title: "literal \"*\" that never matches",
        severity: Severity::Medium,
        fix: "Leave the field out to match everything.",
    },
    reason: "In verbs, users, userGroups and namespaces `*` is compared literally: no request carries it.",
    check: literal_star,
};

pub(super) fn literal_star(policy: &Policy, hits: &mut Vec<Hit>) {
    for (i, r) in policy.rules.iter().enumerate() {
        for (field, list) in [
            ("verbs", &r.verbs),
            ("users", &r.users),
            ("userGroups", &r.user_groups),
            ("namespaces", &r.namespaces),
        ] {
            for (j, v) in list.iter().enumerate() {
                if v == "*" {
                    hits.push(Hit::new(
                        format!("rules[{i}].{field}[{j}]"),
                        format!("\"*\" in {field} is compared literally and matches nothing"),
                    ));
                }
            }
        }
    }
}

/// Non-resource requests carry the lower-case HTTP method.
const HTTP_VERBS: &[&str] = &["post", "put", "head", "options"];

fn request_verb(v: &str) -> bool {
    RESOURCE_VERBS.contains(&v) || HTTP_VERBS.contains(&v)
}

const AUTHORIZATION_VERBS: &[&str] = &[
    "impersonate",
    "bind",
    "escalate",
    "use",
    "approve",
    "sign",
    "attest",
];

/// AP010: verb no request carries.
pub(super) const AP010: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP010",
        title: "verb no request carries",
        severity: Severity::Medium,
        fix: "Use request verbs, in lower case.",
    },
    reason: "Requests carry get, list, watch, create, update, patch, delete, deletecollection (or lower-case HTTP methods for non-resource URLs); impersonate, bind, escalate, use and approve are authorization checks only.",
    check: verbs,
};

pub(super) fn verbs(policy: &Policy, hits: &mut Vec<Hit>) {
    for (i, r) in policy.rules.iter().enumerate() {
        for (j, v) in r.verbs.iter().enumerate() {
            let why = if v == "*" || request_verb(v) {
                continue;
            } else if AUTHORIZATION_VERBS.contains(&v.as_str()) {
                format!("{v:?} is an authorization check, never a request verb")
            } else if request_verb(&v.to_ascii_lowercase()) {
                format!("{v:?}: verbs are lower-case")
            } else if ["exec", "attach", "portforward", "proxy"].contains(&v.as_str()) {
                format!(
                    "{v:?} is a subresource (pods/{v}), not a verb; it arrives as create or get"
                )
            } else {
                format!("{v:?} is not a request verb")
            };
            hits.push(Hit::new(format!("rules[{i}].verbs[{j}]"), why));
        }
    }
}

/// Groups that are sometimes written where a user name belongs.
const WELL_KNOWN_GROUPS: &[&str] = &[
    id::ALL_SERVICE_ACCOUNTS,
    id::SYSTEM_MASTERS,
    id::SYSTEM_AUTHENTICATED,
    id::SYSTEM_UNAUTHENTICATED,
    id::SYSTEM_NODES,
    id::SYSTEM_MONITORING,
    id::BOOTSTRAPPERS,
    id::KUBEADM_CLUSTER_ADMINS,
];
/// Users that are sometimes written where a group belongs.
const WELL_KNOWN_USERS: &[&str] = &[
    id::ANONYMOUS_USER,
    id::APISERVER_USER,
    id::KUBE_CONTROLLER_MANAGER,
    id::KUBE_SCHEDULER,
    id::KUBE_PROXY,
    id::KUBEADM_ADMIN_USER,
    id::KUBEADM_SUPER_ADMIN_USER,
];

fn is_group(name: &str) -> bool {
    WELL_KNOWN_GROUPS.contains(&name)
        || name.starts_with(&format!("{}:", id::ALL_SERVICE_ACCOUNTS))
        || name.starts_with(&format!("{}:", id::BOOTSTRAPPERS))
}

/// AP011: user and group confused.
pub(super) const AP011: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP011",
        title: "user and group confused",
        severity: Severity::Medium,
        fix: "Service accounts are users `system:serviceaccount:<ns>:<name>` in groups `system:serviceaccounts` and `system:serviceaccounts:<ns>`; move each name to the right field.",
    },
    reason: "users and userGroups are matched exactly against the user name and the groups; a group under users (or a user under userGroups) never matches.",
    check: identities,
};

pub(super) fn identities(policy: &Policy, hits: &mut Vec<Hit>) {
    for (i, r) in policy.rules.iter().enumerate() {
        for (j, u) in r.users.iter().enumerate() {
            if is_group(u) {
                hits.push(Hit::new(
                    format!("rules[{i}].users[{j}]"),
                    format!("{u:?} is a group, not a user name; list it under userGroups"),
                ));
            }
        }
        for (j, g) in r.user_groups.iter().enumerate() {
            let path = format!("rules[{i}].userGroups[{j}]");
            let why = if let Some((ns, _)) = id::parse_service_account_user(g) {
                format!(
                    "{g:?} is a service account's user name; list it under users, or use the group {:?}",
                    id::service_account_namespace_group(ns)
                )
            } else if let Some(ns) = g.strip_prefix(id::SERVICE_ACCOUNT_USER_PREFIX) {
                format!(
                    "{g:?} is no group; the service accounts of namespace {ns:?} are in {:?}",
                    id::service_account_namespace_group(ns)
                )
            } else if WELL_KNOWN_USERS.contains(&g.as_str()) || g.starts_with(id::NODE_USER_PREFIX)
            {
                format!("{g:?} is a user name, not a group; list it under users")
            } else {
                continue;
            };
            hits.push(Hit::new(path, why));
        }
    }
}

/// Built-in resources and the groups that serve them (current releases).
const BUILT_IN: &[(&str, &[&str])] = &[
    ("pods", &[""]),
    ("services", &[""]),
    ("endpoints", &[""]),
    ("secrets", &[""]),
    ("configmaps", &[""]),
    ("serviceaccounts", &[""]),
    ("namespaces", &[""]),
    ("nodes", &[""]),
    ("persistentvolumes", &[""]),
    ("persistentvolumeclaims", &[""]),
    ("events", &["", "events.k8s.io"]),
    ("replicationcontrollers", &[""]),
    ("limitranges", &[""]),
    ("resourcequotas", &[""]),
    ("podtemplates", &[""]),
    ("bindings", &[""]),
    ("componentstatuses", &[""]),
    ("deployments", &["apps"]),
    ("daemonsets", &["apps"]),
    ("statefulsets", &["apps"]),
    ("replicasets", &["apps"]),
    ("controllerrevisions", &["apps"]),
    ("jobs", &["batch"]),
    ("cronjobs", &["batch"]),
    ("roles", &["rbac.authorization.k8s.io"]),
    ("rolebindings", &["rbac.authorization.k8s.io"]),
    ("clusterroles", &["rbac.authorization.k8s.io"]),
    ("clusterrolebindings", &["rbac.authorization.k8s.io"]),
    ("tokenreviews", &["authentication.k8s.io"]),
    ("selfsubjectreviews", &["authentication.k8s.io"]),
    ("subjectaccessreviews", &["authorization.k8s.io"]),
    ("selfsubjectaccessreviews", &["authorization.k8s.io"]),
    ("localsubjectaccessreviews", &["authorization.k8s.io"]),
    ("selfsubjectrulesreviews", &["authorization.k8s.io"]),
    ("networkpolicies", &["networking.k8s.io"]),
    ("ingresses", &["networking.k8s.io"]),
    ("ingressclasses", &["networking.k8s.io"]),
    ("poddisruptionbudgets", &["policy"]),
    ("certificatesigningrequests", &["certificates.k8s.io"]),
    ("leases", &["coordination.k8s.io"]),
    ("endpointslices", &["discovery.k8s.io"]),
    ("storageclasses", &["storage.k8s.io"]),
    ("volumeattachments", &["storage.k8s.io"]),
    ("csidrivers", &["storage.k8s.io"]),
    ("csinodes", &["storage.k8s.io"]),
    (
        "mutatingwebhookconfigurations",
        &["admissionregistration.k8s.io"],
    ),
    (
        "validatingwebhookconfigurations",
        &["admissionregistration.k8s.io"],
    ),
    (
        "validatingadmissionpolicies",
        &["admissionregistration.k8s.io"],
    ),
    (
        "validatingadmissionpolicybindings",
        &["admissionregistration.k8s.io"],
    ),
    ("customresourcedefinitions", &["apiextensions.k8s.io"]),
    ("horizontalpodautoscalers", &["autoscaling"]),
    ("priorityclasses", &["scheduling.k8s.io"]),
    ("runtimeclasses", &["node.k8s.io"]),
];

fn groups_of(resource: &str) -> Option<&'static [&'static str]> {
    BUILT_IN
        .iter()
        .find(|(r, _)| *r == resource)
        .map(|(_, g)| *g)
}

/// AP012: resource no request carries.
pub(super) const AP012: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP012",
        title: "resource no request carries",
        severity: Severity::Medium,
        fix: "Use the plural lower-case name with its group (e.g. deployments in apps).",
    },
    reason: "Resources are lower-case plurals in one API group; a singular, capitalised or wrongly grouped name never matches.",
    check: resources,
};

pub(super) fn resources(policy: &Policy, hits: &mut Vec<Hit>) {
    for (i, r) in policy.rules.iter().enumerate() {
        for (k, gr) in r.resources.iter().enumerate() {
            for (j, spec) in gr.resources.iter().enumerate() {
                let base = spec.split('/').next().unwrap_or(spec);
                let path = format!("rules[{i}].resources[{k}].resources[{j}]");
                let why = if spec.chars().any(|c| c.is_ascii_uppercase()) {
                    format!("{spec:?}: resource names are lower-case")
                } else if let Some(groups) = groups_of(base) {
                    if gr.group == "*" || groups.contains(&gr.group.as_str()) {
                        continue;
                    }
                    let want: Vec<String> = groups.iter().map(|g| format!("{g:?}")).collect();
                    format!(
                        "{base} is served by group {}, not {:?}",
                        want.join(" or "),
                        gr.group
                    )
                } else if let Some(plural) = plural_of(base) {
                    format!("{base:?} is singular; the resource is {plural:?}")
                } else {
                    continue;
                };
                hits.push(Hit::new(path, why));
            }
        }
    }
}

fn plural_of(s: &str) -> Option<&'static str> {
    if s.is_empty() || s == "*" {
        return None;
    }
    let candidates = [
        format!("{s}s"),
        format!("{s}es"),
        format!("{}ies", s.strip_suffix('y').unwrap_or(s)),
    ];
    BUILT_IN
        .iter()
        .map(|(r, _)| *r)
        .find(|r| candidates.iter().any(|c| c == r))
}

/// Principals whose changes most need auditing.
const POWERFUL: &[&str] = &[
    id::SYSTEM_MASTERS,
    id::SYSTEM_NODES,
    id::ALL_SERVICE_ACCOUNTS,
    id::SYSTEM_AUTHENTICATED,
    id::SYSTEM_UNAUTHENTICATED,
    id::KUBEADM_CLUSTER_ADMINS,
    id::ANONYMOUS_USER,
    id::KUBEADM_ADMIN_USER,
    id::KUBEADM_SUPER_ADMIN_USER,
];
const MUTATING: &[&str] = &["create", "update", "patch", "delete", "deletecollection"];

/// AP014: broad None rule for changes.
pub(super) const AP014: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP014",
        title: "broad None rule for changes",
        severity: Severity::Medium,
        fix: "Narrow the rule to read-only verbs and the specific resources or users that are noisy.",
    },
    reason: "A None rule over many resources that covers mutating verbs, or that exempts powerful principals, hides exactly the changes an investigation needs.",
    check: broad_none,
};

pub(super) fn broad_none(policy: &Policy, hits: &mut Vec<Hit>) {
    for (i, r) in policy.rules.iter().enumerate() {
        // A None catch-all is AP006's business.
        if r.level() != Level::None || r.non_resource_only() || r.is_catch_all() {
            continue;
        }
        let mutating = r.verbs.is_empty() || r.verbs.iter().any(|v| MUTATING.contains(&v.as_str()));
        let who: Vec<&String> = r.users.iter().chain(&r.user_groups).collect();
        let powerful: Vec<&&String> = who
            .iter()
            .filter(|w| POWERFUL.contains(&w.as_str()))
            .collect();
        // Exempting ordinary users is a choice; exempting everyone or the powerful is not.
        let exempts_many = who.is_empty() || !powerful.is_empty();
        if !mutating || !broad(r) || !exempts_many {
            continue;
        }
        let whom = match powerful.first() {
            Some(p) => format!("for {p}"),
            None => "for everyone".to_string(),
        };
        hits.push(Hit::new(
            format!("rules[{i}].level"),
            format!(
                "rule {i} ({}) drops changes to many resources {whom}",
                r.summary()
            ),
        ));
    }
}

/// Whether the rule covers whole groups or every resource, rather than named resources.
fn broad(r: &Rule) -> bool {
    r.resources.is_empty()
        || r.resources.iter().any(|g| {
            g.resource_names.is_empty()
                && (g.resources.is_empty() || g.resources.iter().any(|s| s == "*"))
        })
}
