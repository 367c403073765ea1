//! Loading and evaluating audit policies: the worked examples of the reference, each
//! with its exact level, omitted stages and deciding rule, and the load errors.

use std::sync::Arc;

use kubeward_controlplane::audit_policy::{
    Level, Policy, Request, Stage, Target, UserInfo, evaluate, load,
};

const REFERENCE: &str = r#"apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  users: ["system:kube-proxy"]
  verbs: ["watch"]
  resources: [{group: "", resources: ["endpoints", "services"]}]
- level: Metadata
  resources:
  - {group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"]}
  - {group: "authentication.k8s.io", resources: ["tokenreviews"]}
- level: RequestResponse
  resources: [{group: "", resources: ["pods/exec", "pods/attach", "pods/portforward"]}]
- level: Request
  verbs: ["create", "update", "patch", "delete"]
  resources: [{group: "rbac.authorization.k8s.io"}]
- level: None
  nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version"]
- level: Metadata
"#;

fn policy(text: &str) -> Policy {
    load(&Arc::from("policy.yaml"), text).unwrap()
}

fn user(name: &str, groups: &[&str]) -> Option<UserInfo> {
    Some(UserInfo {
        name: name.into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    })
}

fn res(group: &str, resource: &str, sub: &str, ns: &str, name: &str) -> Target {
    Target::Resource {
        group: group.into(),
        resource: resource.into(),
        subresource: sub.into(),
        namespace: ns.into(),
        name: name.into(),
    }
}

fn req(user: Option<UserInfo>, verb: &str, target: Target) -> Request {
    Request {
        user,
        verb: verb.into(),
        target,
    }
}

#[track_caller]
fn expect(p: &Policy, r: Request, level: Level, rule: Option<usize>) {
    let d = evaluate(p, &r);
    assert_eq!((d.level, d.rule), (level, rule), "{r:?}");
    assert_eq!(d.omit_stages, vec![Stage::RequestReceived], "{r:?}");
}

#[test]
fn reference_worked_examples() {
    let p = policy(REFERENCE);
    let alice = || user("alice", &["system:authenticated"]);
    let proxy = || user("system:kube-proxy", &["system:authenticated"]);
    let anon = || user("system:anonymous", &["system:unauthenticated"]);
    expect(
        &p,
        req(alice(), "get", res("", "secrets", "", "kube-system", "s")),
        Level::Metadata,
        Some(1),
    );
    expect(
        &p,
        req(alice(), "get", res("", "pods", "log", "default", "web")),
        Level::Metadata,
        Some(5),
    );
    expect(
        &p,
        req(alice(), "create", res("", "pods", "exec", "default", "web")),
        Level::RequestResponse,
        Some(2),
    );
    expect(
        &p,
        req(proxy(), "watch", res("", "endpoints", "", "", "")),
        Level::None,
        Some(0),
    );
    expect(
        &p,
        req(
            proxy(),
            "watch",
            res("discovery.k8s.io", "endpointslices", "", "", ""),
        ),
        Level::Metadata,
        Some(5),
    );
    let crb = res(
        "rbac.authorization.k8s.io",
        "clusterrolebindings",
        "",
        "",
        "admins",
    );
    expect(
        &p,
        req(user("bob", &[]), "patch", crb),
        Level::Request,
        Some(3),
    );
    expect(
        &p,
        req(
            alice(),
            "create",
            res("", "serviceaccounts", "token", "dev", "sa"),
        ),
        Level::Metadata,
        Some(1),
    );
    expect(
        &p,
        req(
            alice(),
            "create",
            res("authentication.k8s.io", "tokenreviews", "", "", ""),
        ),
        Level::Metadata,
        Some(1),
    );
    let healthz = Target::NonResource {
        path: "/healthz/etcd".into(),
    };
    expect(&p, req(anon(), "get", healthz), Level::None, Some(4));
    // Failed authentication: no user, so only rules without users/userGroups can match.
    expect(
        &p,
        req(None, "list", res("", "endpoints", "", "", "")),
        Level::Metadata,
        Some(5),
    );
    // Impersonation: the policy sees the real user, alice, not kube-proxy.
    expect(
        &p,
        req(alice(), "watch", res("", "endpoints", "", "", "")),
        Level::Metadata,
        Some(5),
    );
}

#[test]
fn no_match_is_none_with_policy_stages() {
    let p = policy(
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [Panic]\nrules:\n- level: Metadata\n  verbs: [delete]\n",
    );
    let d = evaluate(
        &p,
        &req(user("a", &[]), "get", res("", "pods", "", "x", "y")),
    );
    assert_eq!((d.level, d.rule), (Level::None, None));
    assert_eq!(d.omit_stages, vec![Stage::Panic]);
}

#[test]
fn omit_stages_are_the_union_and_managed_fields_override() {
    let p = policy(
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nomitManagedFields: true\nrules:\n- level: Request\n  omitStages: [ResponseStarted, RequestReceived]\n  omitManagedFields: false\n  resources: [{group: apps}]\n- level: Metadata\n",
    );
    let d = evaluate(
        &p,
        &req(
            user("a", &[]),
            "update",
            res("apps", "deployments", "", "x", "y"),
        ),
    );
    assert_eq!(
        d.omit_stages,
        vec![Stage::RequestReceived, Stage::ResponseStarted]
    );
    assert!(!d.omit_managed_fields);
    let d = evaluate(
        &p,
        &req(user("a", &[]), "get", res("", "pods", "", "x", "y")),
    );
    assert_eq!((d.rule, d.omit_managed_fields), (Some(1), true));
}

#[test]
fn matching_details() {
    let p = policy(
        r#"apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  verbs: ["*"]
- level: Request
  userGroups: ["system:serviceaccounts:dev"]
  namespaces: ["dev"]
- level: RequestResponse
  resources: [{group: "*", resources: ["*/status"]}]
- level: Request
  resources: [{group: "", resources: ["configmaps"], resourceNames: ["cfg"]}]
- level: Metadata
  resources: [{group: "", resources: ["pods/*"]}]
- level: Request
  namespaces: [""]
"#,
    );
    let sa = || {
        user(
            "system:serviceaccount:dev:x",
            &["system:serviceaccounts", "system:serviceaccounts:dev"],
        )
    };
    let bob = || user("bob", &[]);
    // A literal "*" verb matches nothing, so rule 0 never decides.
    assert_eq!(
        evaluate(&p, &req(bob(), "get", res("", "nodes", "", "", "n"))).rule,
        Some(5)
    );
    assert_eq!(
        evaluate(&p, &req(sa(), "get", res("", "pods", "", "dev", "p"))).rule,
        Some(1)
    );
    assert_eq!(
        evaluate(&p, &req(sa(), "get", res("", "pods", "", "prod", "p"))).rule,
        Some(4)
    );
    assert_eq!(
        evaluate(
            &p,
            &req(
                bob(),
                "patch",
                res("apps", "deployments", "status", "a", "d")
            )
        )
        .rule,
        Some(2)
    );
    assert_eq!(
        evaluate(
            &p,
            &req(bob(), "get", res("", "configmaps", "", "a", "cfg"))
        )
        .rule,
        Some(3)
    );
    // A create has no name, so resourceNames cannot match it.
    assert_eq!(
        evaluate(
            &p,
            &req(bob(), "create", res("", "configmaps", "", "a", ""))
        )
        .rule,
        None
    );
    assert_eq!(
        evaluate(&p, &req(bob(), "get", res("", "pods", "", "a", "p"))).rule,
        Some(4)
    );
    // Cluster-scoped is namespace "": a namespaced request misses rule 5.
    assert_eq!(
        evaluate(&p, &req(bob(), "get", res("", "secrets", "", "a", "s"))).rule,
        None
    );
    // Resource rules never match non-resource requests.
    assert_eq!(
        evaluate(
            &p,
            &req(
                bob(),
                "get",
                Target::NonResource {
                    path: "/metrics".into()
                }
            )
        )
        .rule,
        None
    );
}

fn load_err(text: &str) -> String {
    load(&Arc::from("bad.yaml"), text).unwrap_err().to_string()
}

#[test]
fn rejected_policies_name_file_line_and_field() {
    let head = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";
    let e = load_err(&format!("{head}rules: []\n"));
    assert!(
        e.contains("bad.yaml:3: rules: a policy with no rules"),
        "{e}"
    );
    let e = load_err(&format!("{head}rules:\n- users: [a]\n"));
    assert!(e.contains("bad.yaml:4: rules[0]: level is required"), "{e}");
    let e = load_err(&format!("{head}rules:\n- level: Everything\n"));
    assert!(
        e.contains("bad.yaml:4: rules[0].level: unknown level \"Everything\""),
        "{e}"
    );
    let e = load_err(&format!(
        "{head}omitStages: [Started]\nrules:\n- level: None\n"
    ));
    assert!(
        e.contains("bad.yaml:3: omitStages[0]: unknown stage"),
        "{e}"
    );
    let e = load_err(&format!(
        "{head}rules:\n- level: None\n  namespaces: [a]\n  nonResourceURLs: [/x]\n"
    ));
    assert!(
        e.contains("rules[0].nonResourceURLs: rules cannot apply to both"),
        "{e}"
    );
    let e = load_err(&format!(
        "{head}rules:\n- level: None\n  nonResourceURLs: [healthz, /a*b]\n"
    ));
    assert!(
        e.contains("bad.yaml:5: rules[0].nonResourceURLs[0]: \"healthz\" does not begin with '/'"),
        "{e}"
    );
    assert!(
        e.contains("rules[0].nonResourceURLs[1]: \"/a*b\" has '*' before its end"),
        "{e}"
    );
    let e = load_err(&format!(
        "{head}rules:\n- level: None\n  resources:\n  - group: apps/v1\n    resourceNames: [x]\n"
    ));
    assert!(
        e.contains("bad.yaml:6: rules[0].resources[0].group: \"apps/v1\" is not an API group"),
        "{e}"
    );
    assert!(
        e.contains("bad.yaml:7: rules[0].resources[0].resourceNames: resourceNames requires"),
        "{e}"
    );
    let e = load_err(&format!("{head}rules:\n- level: None\n  users: alice\n"));
    assert!(
        e.contains("bad.yaml:5: rules[0].users: expected a list of strings, found a string"),
        "{e}"
    );
    let failure = load(
        &Arc::from("bad.yaml"),
        &format!("{head}rules:\n- level: None\n  users: alice\n"),
    )
    .unwrap_err();
    assert!(!kubeward_report::Hint::hint(&failure.errors[0]).is_empty());
    assert!(!e.contains("fix"), "the hint is the CLI's to print: {e}");
}

#[test]
fn rejected_documents() {
    let e = load_err("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]\n");
    assert!(
        e.contains("bad.yaml:1: apiVersion: \"audit.k8s.io/v1beta1\" is not accepted"),
        "{e}"
    );
    let e = load_err("apiVersion: v1\nkind: ConfigMap\n");
    assert!(
        e.contains("found kind \"ConfigMap\", expected Policy"),
        "{e}"
    );
    let e = load_err("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [\n");
    assert!(e.starts_with("bad.yaml:"), "{e}");
    assert!(load_err("").contains("no Policy found"));
    let two = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None}]\n";
    assert!(
        load_err(&format!("{two}---\n{two}"))
            .contains("bad.yaml:5: document: more than one Policy")
    );
}

#[test]
fn json_policies_load_too() {
    let p = policy(
        r#"{"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":[{"level":"RequestResponse"}]}"#,
    );
    assert_eq!(p.rules.len(), 1);
    assert_eq!(p.rules[0].summary(), "RequestResponse for every request");
}
