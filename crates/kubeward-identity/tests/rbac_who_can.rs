//! `Rbac::who_can` on a matrix of the authorizer's rules: aggregation, resource names,
//! subresources (named and `*/sub`), non-resource URLs (exact and prefix), group
//! subjects, namespace scope and cluster scope. Each expected answer is the RBAC
//! authorizer's, worked out from its `RuleAllows` and binding rules.

use kubeward_identity::rbac::Rbac;
use kubeward_identity::rbac::who::Action;
use serde_json::json;

fn rbac() -> Rbac {
    let mut r = Rbac::default();
    let crole = |name: &str, labels: serde_json::Value, rules: serde_json::Value| json!({"metadata": {"name": name, "labels": labels}, "rules": rules});
    let objects = [
        (
            "ClusterRole",
            crole(
                "secret-reader",
                json!({"agg/read": "true"}),
                json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]),
            ),
        ),
        (
            "ClusterRole",
            json!({"metadata": {"name": "reader"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"agg/read": "true"}}]}}),
        ),
        (
            "ClusterRole",
            crole(
                "health",
                json!({}),
                json!([{"nonResourceURLs": ["/healthz", "/metrics/*"], "verbs": ["get"]}]),
            ),
        ),
        (
            "ClusterRole",
            crole(
                "scaler",
                json!({}),
                json!([{"apiGroups": ["apps"], "resources": ["*/scale"], "verbs": ["update"]}]),
            ),
        ),
        (
            "Role",
            json!({"metadata": {"name": "exec", "namespace": "dev"},
            "rules": [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]},
                      {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"],
                       "resourceNames": ["app-config"]}]}),
        ),
        (
            "ClusterRoleBinding",
            json!({"metadata": {"name": "auditors-read"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "reader"},
            "subjects": [{"kind": "Group", "name": "auditors", "apiGroup": "rbac.authorization.k8s.io"}]}),
        ),
        (
            "ClusterRoleBinding",
            json!({"metadata": {"name": "health"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "health"},
            "subjects": [{"kind": "Group", "name": "system:authenticated"}]}),
        ),
        // A RoleBinding to a ClusterRole with non-resource URLs grants none of them.
        (
            "RoleBinding",
            json!({"metadata": {"name": "health-dev", "namespace": "dev"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "health"},
            "subjects": [{"kind": "User", "name": "dana"}]}),
        ),
        (
            "RoleBinding",
            json!({"metadata": {"name": "debuggers", "namespace": "dev"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "exec"},
            "subjects": [{"kind": "ServiceAccount", "name": "ci"},
                         {"kind": "User", "name": "erin"}]}),
        ),
        (
            "RoleBinding",
            json!({"metadata": {"name": "scale", "namespace": "prod"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "scaler"},
            "subjects": [{"kind": "ServiceAccount", "name": "hpa", "namespace": "kube-system"}]}),
        ),
    ];
    for (kind, o) in objects {
        r.add(kind, o).expect("valid object");
    }
    r
}

fn resource<'a>(
    verb: &'a str,
    group: &'a str,
    res: &'a str,
    sub: &'a str,
    name: &'a str,
    ns: Option<&'a str>,
) -> Action<'a> {
    Action::Resource {
        verb,
        api_group: group,
        resource: res,
        subresource: sub,
        name,
        namespace: ns,
    }
}

/// The usernames allowed, `system:masters` first.
fn who(r: &Rbac, a: Action<'_>) -> Vec<String> {
    r.who_can(&a).into_iter().map(|g| g.username).collect()
}

#[test]
fn the_authorizers_answers() {
    let r = rbac();
    let m = "system:masters".to_string();
    let case = |a: Action<'_>, want: &[&str]| {
        let mut expected = vec![m.clone()];
        expected.extend(want.iter().map(|s| s.to_string()));
        assert_eq!(who(&r, a), expected, "{a:?}");
    };
    // Aggregation: `reader` holds secret-reader's rules through its selector.
    case(
        resource("get", "", "secrets", "", "", Some("dev")),
        &["auditors"],
    );
    case(resource("list", "", "secrets", "", "", None), &["auditors"]);
    case(resource("delete", "", "secrets", "", "", Some("dev")), &[]);
    // Resource names: only a request naming the object; not the collection.
    case(
        resource("get", "", "configmaps", "", "app-config", Some("dev")),
        &["system:serviceaccount:dev:ci", "erin"],
    );
    case(
        resource("get", "", "configmaps", "", "other", Some("dev")),
        &[],
    );
    case(resource("list", "", "configmaps", "", "", Some("dev")), &[]);
    // Subresources: `pods/exec` is not `pods`, and `*/scale` is any resource's scale.
    case(
        resource("create", "", "pods", "exec", "", Some("dev")),
        &["system:serviceaccount:dev:ci", "erin"],
    );
    case(resource("create", "", "pods", "", "", Some("dev")), &[]);
    case(
        resource("create", "", "pods", "exec", "", Some("prod")),
        &[],
    );
    case(
        resource("update", "apps", "deployments", "scale", "", Some("prod")),
        &["system:serviceaccount:kube-system:hpa"],
    );
    case(
        resource("update", "apps", "deployments", "", "", Some("prod")),
        &[],
    );
    // Every namespace: RoleBindings of all of them.
    case(
        resource("create", "", "pods", "exec", "", None),
        &["system:serviceaccount:dev:ci", "erin"],
    );
    // Cluster-scoped: RoleBindings never grant.
    case(resource("create", "", "pods", "exec", "", Some("")), &[]);
    // Non-resource URLs: exact and prefix, through ClusterRoleBindings only (dana's
    // RoleBinding to the same role grants nothing).
    let url = |path| Action::NonResource { verb: "get", path };
    case(url("/healthz"), &["system:authenticated"]);
    case(url("/metrics/cadvisor"), &["system:authenticated"]);
    case(url("/metrics"), &[]);
    case(url("/api"), &[]);
    case(
        Action::NonResource {
            verb: "post",
            path: "/healthz",
        },
        &[],
    );
}

#[test]
fn grants_name_their_binding_and_subject() {
    let r = rbac();
    let g = r.who_can(&resource("create", "", "pods", "exec", "", Some("dev")));
    let ci = g.iter().find(|g| g.subject == "ci").expect("ci");
    assert_eq!(
        (
            ci.binding_kind.as_str(),
            ci.binding.as_str(),
            ci.namespace.as_str(),
            ci.role_kind.as_str(),
            ci.role.as_str()
        ),
        ("RoleBinding", "debuggers", "dev", "Role", "exec")
    );
    // A service account subject without a namespace is the binding's.
    assert_eq!(
        (ci.subject_kind.as_str(), ci.subject_namespace.as_str()),
        ("ServiceAccount", "dev")
    );
    assert_eq!(g[0].binding_kind, "(privileged group)");
}

#[test]
fn rules_a_subject_holds() {
    let r = rbac();
    // Through the aggregated `reader`: secret-reader's rule, cluster-wide.
    let auditors = vec!["auditors".to_string()];
    let held = r.rules_of("amy", &auditors);
    assert_eq!(held.len(), 1);
    assert_eq!(
        (held[0].namespace.as_str(), held[0].role.as_str()),
        ("", "reader")
    );
    assert_eq!(held[0].rule.resources, Some(vec!["secrets".to_string()]));
    // A service account named without a namespace in its RoleBinding is the binding's.
    let held = r.rules_of("system:serviceaccount:dev:ci", &[]);
    let roles: Vec<(&str, &str)> = held
        .iter()
        .map(|h| (h.namespace.as_str(), h.role.as_str()))
        .collect();
    assert_eq!(roles, [("dev", "exec"), ("dev", "exec")]);
    assert!(r.rules_of("system:serviceaccount:prod:ci", &[]).is_empty());
}

#[test]
fn earlier_rbac_versions_read_as_v1_and_unknown_ones_are_refused() {
    let role = |version: &str| {
        json!({"apiVersion": format!("rbac.authorization.k8s.io/{version}"), "kind": "ClusterRole",
               "metadata": {"name": "reader"},
               "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]})
    };
    for version in ["v1", "v1beta1", "v1alpha1"] {
        let mut r = Rbac::default();
        assert_eq!(
            r.add("ClusterRole", role(version)).ok(),
            Some(true),
            "{version}"
        );
        assert_eq!(r.cluster_role_rules("reader").len(), 1, "{version}");
    }
    let mut r = Rbac::default();
    assert!(r.add("ClusterRole", role("v2")).is_err());
    assert!(r.cluster_role_rules("reader").is_empty());
}
