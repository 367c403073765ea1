//! kubeward's default ruleset: each rule fires on an event made for it and stays quiet
//! on a near miss.

use kubeward_testkit::has;
mod common;

use common::*;
use serde_json::json;

fn fires(rule: &str, event: &serde_json::Value) {
    fired_is(rule, event, true);
}

/// A near miss: the rule must stay quiet.
fn quiet(rule: &str, event: &serde_json::Value) {
    fired_is(rule, event, false);
}

fn fired_is(rule: &str, event: &serde_json::Value, want: bool) {
    let got = fired(&default_rules(), event);
    assert_eq!(
        got.iter().any(|r| r == rule),
        want,
        "{rule} fired should be {want}; fired: {got:?}"
    );
}

#[test]
fn loads_cleanly_with_every_rule_enabled() {
    let loaded = engine().load(&[kubeward_rules::engine::RulesFile::new(
        kubeward_k8saudit::DEFAULT_RULES_NAME,
        kubeward_k8saudit::DEFAULT_RULES,
    )]);
    let report = &loaded.reports[0];
    assert!(
        report.errors.is_empty() && report.warnings.is_empty(),
        "{}",
        report.to_text()
    );
    let rules = loaded.ruleset.unwrap();
    let all: Vec<_> = rules.rules().map(|(_, r)| r.clone()).collect();
    assert_eq!(all.len(), 12);
    assert!(
        all.iter().all(|r| r.enabled
            && r.source == "k8s_audit"
            && r.tags.contains(&"kubeward".to_string()))
    );
}

#[test]
fn privileged_pod() {
    let mut c = container("app", "nginx:1.27");
    c["securityContext"] = json!({"privileged": true});
    let mut init = container("init", "alpine");
    init["securityContext"] = json!({"privileged": true});
    // A privileged app container or init container, beside an unprivileged one.
    for spec in [
        json!({"containers": [container("a", "busybox"), c.clone()]}),
        json!({"containers": [container("a", "busybox")], "initContainers": [init]}),
    ] {
        fires(
            "KW Privileged Pod Created",
            &pod_create("alice", "dev", "p", spec),
        );
    }
    // Near misses: privileged: false, and a privileged pod the API server refused.
    let mut off = container("app", "nginx");
    off["securityContext"] = json!({"privileged": false, "allowPrivilegeEscalation": true});
    quiet(
        "KW Privileged Pod Created",
        &pod_create("alice", "dev", "p", json!({"containers": [off]})),
    );
    let mut refused = pod_create("alice", "dev", "p", json!({"containers": [c]}));
    refused["responseStatus"] = json!({"code": 403, "reason": "Forbidden"});
    quiet("KW Privileged Pod Created", &refused);
    let line = alert_line(
        &default_rules(),
        "KW Privileged Pod Created",
        &pod_create(
            "alice",
            "dev",
            "p",
            json!({"containers": [{"name": "x", "image": "i", "securityContext": {"privileged": true}}]}),
        ),
    );
    assert!(
        line.ends_with(
            "Error Privileged pod created (user=alice pod=dev/p images=(i) init_images=<NA>)"
        ),
        "{line}"
    );
}

#[test]
fn host_namespace_pod() {
    for key in ["hostNetwork", "hostPID", "hostIPC"] {
        fires(
            "KW Host Namespace Pod Created",
            &pod_create(
                "alice",
                "dev",
                "p",
                json!({key: true, "containers": [container("a", "nginx")]}),
            ),
        );
    }
    quiet(
        "KW Host Namespace Pod Created",
        &pod_create(
            "alice",
            "dev",
            "p",
            json!({"hostNetwork": false, "containers": [container("a", "nginx")]}),
        ),
    );
}

#[test]
fn sensitive_host_path() {
    let vol = |p: &str| json!({"containers": [container("a", "nginx")], "volumes": [{"name": "v", "hostPath": {"path": p}}]});
    fires(
        "KW Sensitive HostPath Mounted",
        &pod_create("alice", "dev", "p", vol("/var/run/docker.sock")),
    );
    fires(
        "KW Sensitive HostPath Mounted",
        &pod_create("alice", "dev", "p", vol("/etc/kubernetes")),
    );
    quiet(
        "KW Sensitive HostPath Mounted",
        &pod_create("alice", "dev", "p", vol("/data/cache")),
    );
}

#[test]
fn exec_and_attach() {
    let mut ev = request("alice", "create", "pods", Some("dev"), "web");
    ev["objectRef"]["subresource"] = json!("exec");
    ev["stage"] = json!("ResponseStarted");
    ev["requestURI"] =
        json!("/api/v1/namespaces/dev/pods/web/exec?command=sh&container=app&stdin=true&tty=true");
    ev["responseStatus"] = json!({"code": 101});
    fires("KW Exec Or Attach Into Pod", &ev);
    let line = alert_line(&default_rules(), "KW Exec Or Attach Into Pod", &ev);
    has(&line, "subresource=exec container=app command=sh)");
    ev["objectRef"]["subresource"] = json!("attach");
    fires("KW Exec Or Attach Into Pod", &ev);
    // The same session's ResponseComplete stage does not alert twice; logs do not exec.
    let mut done = ev.clone();
    done["stage"] = json!("ResponseComplete");
    quiet("KW Exec Or Attach Into Pod", &done);
    ev["objectRef"]["subresource"] = json!("log");
    quiet("KW Exec Or Attach Into Pod", &ev);
}

#[test]
fn secrets_read_by_people() {
    fires(
        "KW Secret Read By Non-System User",
        &request("alice", "get", "secrets", Some("prod"), "db"),
    );
    fires(
        "KW Secret Read By Non-System User",
        &request("alice", "list", "secrets", Some("prod"), ""),
    );
    quiet(
        "KW Secret Read By Non-System User",
        &request(
            "system:serviceaccount:kube-system:ctrl",
            "get",
            "secrets",
            Some("prod"),
            "db",
        ),
    );
    quiet(
        "KW Secret Read By Non-System User",
        &request("alice", "get", "configmaps", Some("prod"), "db"),
    );
    let mut denied = request("alice", "get", "secrets", Some("prod"), "db");
    denied["responseStatus"] = json!({"code": 403});
    quiet("KW Secret Read By Non-System User", &denied);
}

#[test]
fn cluster_admin_binding() {
    let binding = json!({"roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}, "subjects": [{"kind": "User", "name": "mallory"}]});
    let mut ev = request(
        "alice",
        "create",
        "clusterrolebindings",
        None,
        "give-me-all",
    );
    ev["requestObject"] = binding;
    fires("KW Binding To Cluster-Admin", &ev);
    ev["requestObject"]["roleRef"]["name"] = json!("view");
    quiet("KW Binding To Cluster-Admin", &ev);
}

#[test]
fn wildcard_role() {
    let mut ev = request("alice", "create", "clusterroles", None, "all");
    ev["requestObject"] =
        json!({"rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get"]}]});
    fires("KW Wildcard Role Written", &ev);
    ev["requestObject"] =
        json!({"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}]});
    fires("KW Wildcard Role Written", &ev);
    ev["requestObject"] =
        json!({"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]});
    quiet("KW Wildcard Role Written", &ev);
}

#[test]
fn anonymous_requests() {
    let mut ev = request(
        "system:anonymous",
        "get",
        "configmaps",
        Some("kube-system"),
        "cluster-info",
    );
    ev["user"]["groups"] = json!(["system:unauthenticated"]);
    fires("KW Anonymous Request Allowed", &ev);
    let mut other = request("someone", "list", "pods", None, "");
    other["user"]["groups"] = json!(["system:unauthenticated"]);
    fires("KW Anonymous Request Allowed", &other);
    // Health checks and refused requests are fine.
    let mut health = ev.clone();
    health["requestURI"] = json!("/readyz?verbose");
    quiet("KW Anonymous Request Allowed", &health);
    ev["annotations"]["authorization.k8s.io/decision"] = json!("forbid");
    ev["responseStatus"] = json!({"code": 403});
    quiet("KW Anonymous Request Allowed", &ev);
}

#[test]
fn system_masters() {
    let mut ev = request("kubernetes-admin", "get", "nodes", None, "n1");
    ev["user"]["groups"] = json!(["system:masters", "system:authenticated"]);
    fires("KW Request By System Masters Member", &ev);
    ev["user"]["groups"] = json!(["kubeadm:cluster-admins", "system:authenticated"]);
    quiet("KW Request By System Masters Member", &ev);
}

#[test]
fn service_account_tokens() {
    let mut ev = request("alice", "create", "serviceaccounts", Some("ci"), "deployer");
    ev["objectRef"]["subresource"] = json!("token");
    fires("KW Service Account Token Created", &ev);
    let mut kubelet = ev.clone();
    kubelet["user"]["username"] = json!("system:node:worker-1");
    quiet("KW Service Account Token Created", &kubelet);
    let mut secret = request("alice", "create", "secrets", Some("ci"), "deployer-token");
    secret["requestObject"] = json!({"type": "kubernetes.io/service-account-token", "metadata": {"annotations": {"kubernetes.io/service-account.name": "deployer"}}});
    fires("KW Service Account Token Created", &secret);
    secret["requestObject"]["type"] = json!("Opaque");
    quiet("KW Service Account Token Created", &secret);
}

#[test]
fn namespace_pod_security_weakened() {
    let mut ev = request("alice", "patch", "namespaces", None, "prod");
    ev["requestObject"] =
        json!({"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "privileged"}}});
    fires("KW Namespace Pod Security Weakened", &ev);
    ev["requestObject"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = json!(null);
    fires("KW Namespace Pod Security Weakened", &ev);
    ev["requestObject"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] =
        json!("restricted");
    quiet("KW Namespace Pod Security Weakened", &ev);
    ev["requestObject"] =
        json!({"metadata": {"labels": {"pod-security.kubernetes.io/warn": "privileged"}}});
    quiet("KW Namespace Pod Security Weakened", &ev);
}

#[test]
fn audit_relevant_deletions() {
    fires(
        "KW Audit-Relevant Object Deleted",
        &request(
            "alice",
            "delete",
            "validatingwebhookconfigurations",
            None,
            "policy",
        ),
    );
    fires(
        "KW Audit-Relevant Object Deleted",
        &request("alice", "deletecollection", "events", Some("prod"), ""),
    );
    quiet(
        "KW Audit-Relevant Object Deleted",
        &request(
            "system:serviceaccount:kube-system:namespace-controller",
            "deletecollection",
            "events",
            Some("gone"),
            "",
        ),
    );
    quiet(
        "KW Audit-Relevant Object Deleted",
        &request("alice", "delete", "configmaps", Some("prod"), "x"),
    );
}
