//! Every audit-policy lint: a policy that fires it, and a near miss that does not.

use std::sync::Arc;

use kubeward_controlplane::audit_policy::{Finding, LINTS, lint, load};

const HEAD: &str =
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n";
/// Rules that keep the other lints quiet: explicit exec rules, Metadata for credentials.
const SAFE: &str = "- level: RequestResponse\n  resources: [{group: \"\", resources: [pods/exec, pods/attach, pods/portforward]}]\n- level: Metadata\n  resources:\n  - {group: \"\", resources: [secrets, configmaps, serviceaccounts/token]}\n  - {group: authentication.k8s.io, resources: [tokenreviews]}\n";
const TAIL: &str = "- level: Metadata\n";

fn findings(text: &str) -> Vec<Finding> {
    lint(&load(&Arc::from("p.yaml"), text).unwrap())
}

fn with(rules: &str) -> String {
    format!("{HEAD}{SAFE}{rules}{TAIL}")
}

/// (field, line) of each finding with `id`.
fn hits(text: &str, id: &str) -> Vec<(String, u32)> {
    findings(text)
        .into_iter()
        .filter(|f| f.id == id)
        .map(|f| (f.field, f.line))
        .collect()
}

fn fields(text: &str, id: &str) -> Vec<String> {
    hits(text, id).into_iter().map(|(f, _)| f).collect()
}

#[test]
fn baseline_policy_is_clean() {
    assert_eq!(findings(&with("")), vec![]);
}

#[test]
fn table_ids_are_unique_and_ordered() {
    let ids: Vec<&str> = LINTS.iter().map(|l| l.meta.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted);
}

#[test]
fn ap001_shadowed_rules() {
    // Rule 2 (group-wide apps) swallows rule 3 (deployments in apps).
    let p = with(
        "- level: Metadata\n  resources: [{group: apps}]\n- level: RequestResponse\n  resources: [{group: apps, resources: [deployments]}]\n",
    );
    let h = hits(&p, "AP001");
    assert_eq!(h, vec![("rules[3]".to_string(), 13)]);
    let f = findings(&p).into_iter().find(|f| f.id == "AP001").unwrap();
    assert!(
        f.message.contains("shadowed by rule 2 at line 11"),
        "{}",
        f.message
    );
    // A catch-all in the middle shadows everything after it, including the final one.
    let p = format!("{HEAD}{SAFE}- level: Metadata\n- level: None\n  verbs: [get]\n{TAIL}");
    assert_eq!(fields(&p, "AP001"), vec!["rules[3]", "rules[4]"]);
    // res/* takes the plain resource and its subresources; prefixes take longer paths.
    let p = with(
        "- level: Metadata\n  resources: [{group: \"\", resources: [pods/*]}]\n- level: None\n  verbs: [get]\n  resources: [{group: \"\", resources: [pods, pods/log]}]\n- level: None\n  nonResourceURLs: [/healthz*]\n- level: None\n  nonResourceURLs: [/healthz/etcd]\n",
    );
    assert_eq!(fields(&p, "AP001"), vec!["rules[3]", "rules[5]"]);
}

#[test]
fn ap001_near_misses() {
    // Narrower first, broader second; other users; names only on the earlier rule.
    let p = with(
        "- level: RequestResponse\n  resources: [{group: apps, resources: [deployments]}]\n- level: Metadata\n  resources: [{group: apps}]\n- level: None\n  users: [alice]\n- level: Request\n  userGroups: [devs]\n- level: None\n  resources: [{group: \"\", resources: [nodes], resourceNames: [a]}]\n- level: Request\n  resources: [{group: \"\", resources: [nodes]}]\n- level: None\n  nonResourceURLs: [/healthz]\n- level: None\n  nonResourceURLs: [/healthz*]\n",
    );
    assert_eq!(fields(&p, "AP001"), Vec::<String>::new());
}

#[test]
fn ap002_credentials_logged() {
    let p = format!(
        "{HEAD}- level: RequestResponse\n  resources: [{{group: \"\", resources: [pods/exec, pods/attach, pods/portforward]}}]\n- level: Request\n  resources: [{{group: \"\"}}]\n{TAIL}"
    );
    // Group-wide Request logs Secret writes; TokenRequest needs RequestResponse; tokenreviews
    // are in another group, so only the secrets finding.
    let f: Vec<Finding> = findings(&p)
        .into_iter()
        .filter(|f| f.id == "AP002")
        .collect();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!((f[0].field.as_str(), f[0].line), ("rules[1].level", 7));
    assert!(
        f[0].message
            .contains("logs secrets at Request for verbs create, update, patch"),
        "{}",
        f[0].message
    );
    // "*" at RequestResponse for a group of users: may log all three.
    let p = format!(
        "{HEAD}- level: RequestResponse\n  userGroups: [devs]\n  resources: [{{group: \"*\", resources: [\"*\"]}}]\n{TAIL}"
    );
    let msgs: Vec<String> = findings(&p)
        .into_iter()
        .filter(|f| f.id == "AP002")
        .map(|f| f.message)
        .collect();
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert!(
        msgs.iter()
            .all(|m| m.contains("may (depending on user, namespace or name)"))
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("serviceaccounts/token at RequestResponse for verbs create"))
    );
}

#[test]
fn ap002_near_miss() {
    // Request on serviceaccounts/token logs only the TokenRequest spec, not the token;
    // an earlier Metadata rule for secrets wins over a later RequestResponse one.
    let p = format!(
        "{HEAD}{SAFE}- level: Request\n  resources: [{{group: \"\", resources: [serviceaccounts/token]}}]\n- level: RequestResponse\n  resources: [{{group: \"\", resources: [secrets]}}]\n{TAIL}"
    );
    assert_eq!(fields(&p, "AP002"), Vec::<String>::new());
    let p = format!(
        "{HEAD}- level: Request\n  verbs: [get, list, watch]\n  resources: [{{group: \"\", resources: [secrets]}}]\n{SAFE}{TAIL}"
    );
    assert_eq!(fields(&p, "AP002"), Vec::<String>::new());
}

#[test]
fn ap003_configmaps_logged() {
    let p = format!(
        "{HEAD}- level: RequestResponse\n  resources: [{{group: \"\", resources: [configmaps]}}]\n{SAFE}{TAIL}"
    );
    assert_eq!(fields(&p, "AP003"), vec!["rules[0].level"]);
    let p = format!(
        "{HEAD}- level: Metadata\n  resources: [{{group: \"\", resources: [configmaps]}}]\n- level: RequestResponse\n  resources: [{{group: \"\", resources: [configmaps]}}]\n{SAFE}{TAIL}"
    );
    assert_eq!(fields(&p, "AP003"), Vec::<String>::new());
}

#[test]
fn ap004_interactive_unaudited() {
    let p = format!(
        "{HEAD}- level: None\n  resources: [{{group: \"\", resources: [pods/exec]}}]\n{SAFE}{TAIL}"
    );
    assert_eq!(fields(&p, "AP004"), vec!["rules[0].level"]);
    // No catch-all and no rule: attach, exec and port-forward all unaudited.
    let p =
        format!("{HEAD}- level: Metadata\n  resources: [{{group: \"\", resources: [secrets]}}]\n");
    assert_eq!(fields(&p, "AP004"), vec!["rules", "rules", "rules"]);
    // A None rule for one user only is not "unaudited for everyone".
    let p = format!(
        "{HEAD}- level: None\n  users: [alice]\n  resources: [{{group: \"\", resources: [pods/exec]}}]\n{SAFE}{TAIL}"
    );
    assert_eq!(fields(&p, "AP004"), Vec::<String>::new());
}

#[test]
fn ap005_interactive_implicit() {
    let p = format!(
        "{HEAD}- level: Metadata\n  resources: [{{group: \"\", resources: [secrets, configmaps, serviceaccounts/token]}}, {{group: authentication.k8s.io, resources: [tokenreviews]}}]\n{TAIL}"
    );
    assert_eq!(fields(&p, "AP005"), vec!["rules", "rules", "rules"]);
    let p = format!(
        "{HEAD}- level: Metadata\n  resources: [{{group: \"\", resources: [pods/*]}}]\n{SAFE}{TAIL}"
    );
    assert_eq!(fields(&p, "AP005"), Vec::<String>::new());
}

#[test]
fn ap006_catch_all() {
    let p = format!("{HEAD}{SAFE}");
    assert_eq!(hits(&p, "AP006"), vec![("rules[1]".to_string(), 7)]);
    let p = format!("{HEAD}{SAFE}- level: None\n");
    assert_eq!(fields(&p, "AP006"), vec!["rules[2].level"]);
    // Only verbs set: not a catch-all.
    let p = format!("{HEAD}{SAFE}- level: Metadata\n  verbs: [get]\n");
    assert_eq!(fields(&p, "AP006"), vec!["rules[2]"]);
    assert_eq!(fields(&with(""), "AP006"), Vec::<String>::new());
}

#[test]
fn ap007_request_received() {
    let p = format!("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n{SAFE}{TAIL}");
    assert_eq!(fields(&p, "AP007"), vec!["rules"]);
    // Omitted by every auditing rule instead: fine.
    let p = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  verbs: [watch]\n- level: Metadata\n  omitStages: [RequestReceived]\n";
    assert_eq!(fields(p, "AP007"), Vec::<String>::new());
}

#[test]
fn ap008_important_stages() {
    let p = format!(
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived, ResponseStarted]\nrules:\n{SAFE}- level: Metadata\n  omitStages: [ResponseComplete]\n"
    );
    assert_eq!(
        hits(&p, "AP008"),
        vec![
            ("omitStages[1]".to_string(), 3),
            ("rules[2].omitStages[0]".to_string(), 12)
        ]
    );
    // A None rule omitting stages records nothing anyway; Panic is harmless.
    let p = with("- level: None\n  verbs: [watch]\n  omitStages: [ResponseComplete, Panic]\n");
    assert_eq!(fields(&p, "AP008"), Vec::<String>::new());
}

#[test]
fn ap009_literal_star() {
    let p = with(
        "- level: None\n  verbs: [\"*\"]\n  users: [\"*\"]\n  userGroups: [\"*\"]\n  namespaces: [\"*\"]\n",
    );
    assert_eq!(
        fields(&p, "AP009"),
        vec![
            "rules[2].verbs[0]",
            "rules[2].users[0]",
            "rules[2].userGroups[0]",
            "rules[2].namespaces[0]"
        ]
    );
    // In resources and groups "*" is a real wildcard.
    let p = with("- level: Metadata\n  resources: [{group: \"*\", resources: [\"*\"]}]\n");
    assert_eq!(fields(&p, "AP009"), Vec::<String>::new());
}

#[test]
fn ap010_verbs() {
    let p = with(
        "- level: None\n  verbs: [impersonate, GET, exec, frobnicate, get, post, deletecollection]\n",
    );
    let f: Vec<Finding> = findings(&p)
        .into_iter()
        .filter(|f| f.id == "AP010")
        .collect();
    let got: Vec<&str> = f.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        got,
        vec![
            "rules[2].verbs[0]",
            "rules[2].verbs[1]",
            "rules[2].verbs[2]",
            "rules[2].verbs[3]"
        ]
    );
    assert!(f[0].message.contains("authorization check"));
    assert!(f[1].message.contains("lower-case"));
    assert!(f[2].message.contains("subresource"));
}

#[test]
fn ap011_identities() {
    let p = with(
        "- level: None\n  verbs: [watch]\n  users: [system:masters, system:serviceaccounts:dev, system:kube-proxy]\n- level: None\n  verbs: [watch]\n  userGroups: [system:serviceaccount:dev, system:serviceaccount:dev:app, system:kube-scheduler, system:node:n1, system:serviceaccounts:dev]\n",
    );
    let f: Vec<Finding> = findings(&p)
        .into_iter()
        .filter(|f| f.id == "AP011")
        .collect();
    let got: Vec<&str> = f.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        got,
        vec![
            "rules[2].users[0]",
            "rules[2].users[1]",
            "rules[3].userGroups[0]",
            "rules[3].userGroups[1]",
            "rules[3].userGroups[2]",
            "rules[3].userGroups[3]",
        ]
    );
    assert!(
        f[2].message.contains("\"system:serviceaccounts:dev\""),
        "{}",
        f[2].message
    );
}

#[test]
fn ap012_resources() {
    let p = with(
        "- level: Request\n  resources:\n  - {group: \"\", resources: [deployments, Pods, pod, ingress]}\n  - {group: extensions, resources: [deployments]}\n  - {group: apps, resources: [deployments, deployments/scale, widgets]}\n  - {group: \"*\", resources: [jobs]}\n  - {group: \"\", resources: [policy]}\n",
    );
    let got = fields(&p, "AP012");
    assert_eq!(
        got,
        vec![
            "rules[2].resources[0].resources[0]",
            "rules[2].resources[0].resources[1]",
            "rules[2].resources[0].resources[2]",
            "rules[2].resources[0].resources[3]",
            "rules[2].resources[1].resources[0]",
        ]
    );
}

#[test]
fn ap013_dropped_fields() {
    let p = format!(
        "{HEAD}{SAFE}- level: None\n  user: [system:kube-proxy]\n  verbs: [watch]\n  verbs: [get]\n{TAIL}"
    );
    assert_eq!(
        hits(&p, "AP013"),
        vec![
            ("rules[2].user".to_string(), 12),
            ("rules[2].verbs".to_string(), 14)
        ]
    );
    let p = format!(
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nmetadata: {{name: x}}\nomitStage: [RequestReceived]\nomitStages: [RequestReceived]\nrules:\n{SAFE}{TAIL}"
    );
    assert_eq!(fields(&p, "AP013"), vec!["omitStage"]);
}

#[test]
fn ap014_broad_none() {
    let p = with(
        "- level: None\n  userGroups: [system:nodes]\n  resources: [{group: \"\"}]\n- level: None\n  namespaces: [kube-system]\n",
    );
    assert_eq!(
        fields(&p, "AP014"),
        vec!["rules[2].level", "rules[3].level"]
    );
    let p = with(
        "- level: None\n  userGroups: [system:nodes]\n  verbs: [get, list, watch]\n  resources: [{group: \"\"}]\n- level: None\n  resources: [{group: \"\", resources: [events]}]\n- level: None\n  users: [system:kube-proxy]\n  resources: [{group: \"\"}]\n",
    );
    assert_eq!(fields(&p, "AP014"), Vec::<String>::new());
}

/// 65,000 rules: the pairwise shadowing scan took about 25 s in a release build (some
/// minutes in a test build); the indexed one takes seconds. The deadline only catches
/// a return to quadratic time; it asserts no speed.
#[test]
fn lint_of_a_very_large_policy_finishes() {
    let mut text = String::from("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n");
    for i in 0..65_000 {
        let who = match i % 10 {
            0..6 => format!("  users: [user-{}]\n", i % 5000),
            6..8 => format!("  userGroups: [group-{}]\n", i % 300),
            _ => String::new(),
        };
        let target = if i % 10 == 9 {
            format!("  nonResourceURLs: [/path-{}/*]\n", i % 2000)
        } else {
            format!(
                "  resources: [{{group: group-{}, resources: [res-{}]}}]\n",
                i % 40,
                i % 9000
            )
        };
        text += &format!("- level: Metadata\n{who}{target}");
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let policy = load(&Arc::from("big.yaml"), &text).unwrap();
        let shadowed = lint(&policy).iter().filter(|f| f.id == "AP001").count();
        let _ = tx.send(shadowed);
    });
    let shadowed = rx
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("linting 65,000 rules did not finish within 120 s");
    // A rule for everyone (every tenth) covers every later rule on its resource.
    assert!(shadowed > 1000, "{shadowed}");
}
