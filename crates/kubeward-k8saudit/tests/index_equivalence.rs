//! The rule index, the per-event memo and cheap-first ordering must not change what
//! matches: generated events (every verb, resource, stage and subresource the rules
//! test, plus near misses and missing fields) give the same rules, in the same order,
//! as plain evaluation of every rule, for the upstream and the default rulesets.

mod common;

use common::*;
use kubeward_k8saudit::AuditEvent;
use kubeward_k8saudit::json::Json;
use kubeward_rules::engine::{MatchMode, Ruleset};
use kubeward_testkit::rng::Rng;
use serde_json::{Value, json};

const VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "GET",
];
const RESOURCES: &[&str] = &[
    "pods",
    "deployments",
    "services",
    "configmaps",
    "namespaces",
    "serviceaccounts",
    "clusterroles",
    "clusterrolebindings",
    "roles",
    "rolebindings",
    "secrets",
    "nodes",
    "Pods",
    "",
];
const SUBRESOURCES: &[&str] = &[
    "exec",
    "attach",
    "portforward",
    "ephemeralcontainers",
    "log",
];
const USERS: &[&str] = &[
    "system:anonymous",
    "alice",
    "minikube-user",
    "system:kube-controller-manager",
    "kubernetes-admin",
    "eks:node-manager",
];
const STAGES: &[&str] = &[
    "ResponseComplete",
    "ResponseStarted",
    "RequestReceived",
    "Panic",
];

fn event(rng: &mut Rng, i: usize) -> Value {
    let ns = rng.pick(&["default", "kube-system", "kube-public", "prod"]);
    let mut ev = request(
        rng.pick(USERS),
        rng.pick(VERBS),
        rng.pick(RESOURCES),
        Some(ns),
        "obj",
    );
    ev["auditID"] = json!(format!("id-{i}"));
    ev["stage"] = json!(rng.pick(STAGES));
    ev["objectRef"]["name"] = json!(rng.pick(&["system:coredns", "system:evil", "app", "default"]));
    if rng.chance(25) {
        ev["objectRef"]["subresource"] = json!(rng.pick(SUBRESOURCES));
    }
    if rng.chance(5) {
        ev.as_object_mut().map(|o| o.remove("objectRef"));
    }
    if rng.chance(5) {
        ev.as_object_mut().map(|o| o.remove("verb"));
    }
    if rng.chance(5) {
        // A non-string where the index expects text.
        ev["verb"] = json!(7);
    }
    if rng.chance(10) {
        ev["requestURI"] = json!(rng.pick(&["/healthz", "/livez?verbose", "/readyz", "/api"]));
    }
    ev["responseStatus"]["code"] = json!(
        rng.pick(&["200", "201", "403"])
            .parse::<u16>()
            .unwrap_or(200)
    );
    let image = rng.pick(&[
        "nginx",
        "docker.io/falcosecurity/falco:0.38",
        "registry.k8s.io/pause",
    ]);
    ev["requestObject"] = json!({
        "spec": {
            "containers": [{"name": "c", "image": image,
                            "securityContext": {"privileged": rng.chance(30)}}],
            "hostNetwork": rng.chance(20), "hostPID": rng.chance(20), "hostIPC": rng.chance(20),
            "volumes": [{"name": "v", "hostPath": {"path": rng.pick(&["/proc", "/data", "/etc"])}}],
            "type": rng.pick(&["NodePort", "ClusterIP"])
        },
        "roleRef": {"name": rng.pick(&["cluster-admin", "view"])},
        "rules": [{"resources": [rng.pick(&["*", "pods/exec", "pods"])],
                   "verbs": [rng.pick(&["*", "create", "get"])]}],
        "data": {"k": rng.pick(&["aws_access_key_id=1", "plain"])}
    });
    ev
}

/// Compares both evaluations on `n` events; returns how many distinct rules matched.
fn compare(rules: &Ruleset, n: usize, seed: u64) -> usize {
    let src = rules.source_id("k8s_audit").unwrap();
    let mut rng = Rng(seed);
    let mut matched = std::collections::BTreeSet::new();
    for i in 0..n {
        let text = event(&mut rng, i).to_string();
        let json: Json<'_> = serde_json::from_str(&text).unwrap();
        let ev = AuditEvent::from_json(json, true).unwrap();
        for mode in [MatchMode::All, MatchMode::First] {
            let mut fast = Vec::new();
            rules.evaluate(src, &ev, mode, &mut fast);
            let slow = rules.evaluate_without_index(src, &ev, mode);
            assert_eq!(fast, slow, "{mode:?} on {text}");
            if mode == MatchMode::All {
                matched.extend(fast);
            }
        }
    }
    matched.len()
}

#[test]
fn upstream_rules_match_the_same_with_and_without_the_index() {
    let Some(text) = upstream("k8s_audit_rules.yaml") else {
        return;
    };
    let rules = load(&[("k8s_audit_rules.yaml", &text)]);
    // The events must exercise the rules, or the comparison proves nothing.
    let matched = compare(&rules, 3000, 7);
    assert!(matched >= 20, "only {matched} distinct rules matched");
}

#[test]
fn default_rules_match_the_same_with_and_without_the_index() {
    let matched = compare(&default_rules(), 3000, 11);
    assert!(matched >= 5, "only {matched} distinct rules matched");
}
