//! Compatibility: Falco's own k8s_audit_rules.yaml (from ../shared/upstream-rules/) loads
//! unmodified and fires its rules on events built here. Skipped, with the reason
//! printed, when the folder is absent.

use kubeward_testkit::has;
mod common;

use common::*;
use serde_json::json;

/// A system user, so that the per-user rules stay out of the way.
const DEPLOYER: &str = "system:serviceaccount:ci:deployer";

/// Falco's k8s_audit_rules.yaml, loaded; it derefs to the ruleset.
struct Upstream(kubeward_rules::engine::Ruleset);

impl std::ops::Deref for Upstream {
    type Target = kubeward_rules::engine::Ruleset;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Upstream {
    /// Asserts that exactly `expected` fire on `event` (all-match mode).
    #[track_caller]
    fn expect(&self, event: &serde_json::Value, expected: &[&str]) {
        let mut got = fired(&self.0, event);
        got.sort();
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "event: {event}");
    }
}

/// The upstream rules, or `None` (the test skips) when the folder is absent.
fn audit_rules() -> Option<Upstream> {
    let text = upstream("k8s_audit_rules.yaml")?;
    Some(Upstream(load(&[("k8s_audit_rules.yaml", &text)])))
}

#[test]
fn loads_with_all_rules_and_no_errors() {
    let Some(text) = upstream("k8s_audit_rules.yaml") else {
        return;
    };
    let loaded = engine().load(&[kubeward_rules::engine::RulesFile::new(
        "k8s_audit_rules.yaml",
        &text,
    )]);
    let report = &loaded.reports[0];
    assert!(report.errors.is_empty(), "{}", report.to_text());
    let rules = loaded.ruleset.unwrap();
    assert_eq!(rules.rules().count(), 48);
    assert!(
        rules
            .rules()
            .all(|(_, r)| r.source == "k8s_audit" && !r.inactive)
    );
}

#[test]
fn privileged_sensitive_and_host_pods() {
    let Some(rules) = audit_rules() else { return };
    let mut c = container("app", "docker.io/library/nginx:1.27");
    c["securityContext"] = json!({"privileged": true});
    rules.expect(
        &pod_create(DEPLOYER, "dev", "p", json!({"containers": [c]})),
        &["Create Privileged Pod"],
    );
    let mut eph = container("dbg", "busybox");
    eph["securityContext"] = json!({"privileged": true});
    rules.expect(
        &pod_create(
            DEPLOYER,
            "dev",
            "p",
            json!({"containers": [container("a", "nginx")], "ephemeralContainers": [eph]}),
        ),
        &["Create Privileged Pod"],
    );
    let spec = json!({"containers": [container("a", "nginx")], "volumes": [{"name": "s", "hostPath": {"path": "/var/run/docker.sock"}}]});
    rules.expect(
        &pod_create(DEPLOYER, "dev", "p", spec),
        &["Create Sensitive Mount Pod"],
    );
    let spec = json!({"hostNetwork": true, "hostPID": true, "hostIPC": true, "containers": [container("a", "nginx")]});
    rules.expect(
        &pod_create(DEPLOYER, "dev", "p", spec),
        &[
            "Create HostNetwork Pod",
            "Create HostPid Pod",
            "Create HostIPC Pod",
        ],
    );
    // Exempt images: the upstream host-network list carries GKE's kube-proxy.
    let spec = json!({"hostNetwork": true, "containers": [container("a", "gke.gcr.io/kube-proxy:v1.30.2-gke.1")]});
    rules.expect(&pod_create(DEPLOYER, "dev", "p", spec), &[]);
    // Kube namespace pods.
    rules.expect(
        &pod_create(
            DEPLOYER,
            "kube-system",
            "p",
            json!({"containers": [container("a", "evil/miner")]}),
        ),
        &["Pod Created in Kube Namespace"],
    );
    rules.expect(
        &pod_create(
            DEPLOYER,
            "dev",
            "p",
            json!({"containers": [container("a", "nginx")]}),
        ),
        &[],
    );
}

#[test]
fn people_and_identities() {
    let Some(rules) = audit_rules() else { return };
    let mut anon = request(
        "system:anonymous",
        "get",
        "configmaps",
        Some("kube-system"),
        "x",
    );
    anon["requestURI"] = json!("/api/v1/namespaces/kube-system/configmaps/x");
    rules.expect(&anon, &["Anonymous Request Allowed"]);
    let mut health = anon.clone();
    health["requestURI"] = json!("/healthz?verbose");
    rules.expect(&health, &[]);
    // A non-system user outside the allowed list trips "Disallowed K8s User" on anything.
    rules.expect(
        &request("alice", "get", "pods", Some("dev"), "p"),
        &["Disallowed K8s User"],
    );
    rules.expect(
        &request("alice", "get", "secrets", Some("dev"), "db"),
        &["Disallowed K8s User", "K8s Secret Get Successfully"],
    );
    let mut denied = request(
        "system:serviceaccount:x:y",
        "get",
        "secrets",
        Some("dev"),
        "db",
    );
    denied["responseStatus"] = json!({"code": 403});
    rules.expect(&denied, &["K8s Secret Get Unsuccessfully Tried"]);
    // "admin" is allowed by allowed_k8s_users; Full K8s Administrative Access is off by
    // default (allowed_full_admin_users is always true).
    rules.expect(&request("admin", "get", "pods", Some("dev"), "p"), &[]);
}

#[test]
fn exec_attach_port_forward_and_ephemeral() {
    let Some(rules) = audit_rules() else { return };
    let mut ev = request(DEPLOYER, "create", "pods", Some("dev"), "web");
    ev["objectRef"]["subresource"] = json!("exec");
    ev["stage"] = json!("ResponseStarted");
    ev["requestURI"] = json!("/api/v1/namespaces/dev/pods/web/exec?command=bash&container=app");
    rules.expect(&ev, &["Attach/Exec Pod"]);
    let line = alert_line(&rules, "Attach/Exec Pod", &ev);
    assert!(
        line.ends_with("Notice Attach/Exec to pod (user=system:serviceaccount:ci:deployer pod=web resource=pods ns=dev action=exec command=bash)"),
        "{line}"
    );
    // port-forward has no stage check upstream: every stage fires.
    let mut pf = ev.clone();
    pf["objectRef"]["subresource"] = json!("portforward");
    rules.expect(&pf, &["port-forward"]);
    let mut eph = request(DEPLOYER, "patch", "pods", Some("dev"), "web");
    eph["objectRef"]["subresource"] = json!("ephemeralcontainers");
    eph["requestObject"] =
        json!({"ephemeralContainers": [{"name": "debugger", "image": "busybox"}]});
    rules.expect(&eph, &["EphemeralContainers Created"]);
    let line = alert_line(&rules, "EphemeralContainers Created", &eph);
    has(
        &line,
        "ephemeral_container_name=debugger ephemeral_container_image=busybox)",
    );
}

#[test]
fn rbac_rules() {
    let Some(rules) = audit_rules() else { return };
    let mut crb = request(DEPLOYER, "create", "clusterrolebindings", None, "b");
    crb["requestObject"] = json!({"roleRef": {"name": "cluster-admin"}, "subjects": [{"kind": "User", "name": "eve"}]});
    rules.expect(
        &crb,
        &[
            "Attach to cluster-admin Role",
            "K8s ClusterRoleBinding Created",
        ],
    );
    let line = alert_line(&rules, "Attach to cluster-admin Role", &crb);
    assert!(line.ends_with(r#"(user=system:serviceaccount:ci:deployer subject=({\"kind\":\"User\",\"name\":\"eve\"}))"#), "{line}");
    let mut role = request(DEPLOYER, "create", "clusterroles", None, "r");
    role["requestObject"] = json!({"rules": [{"resources": ["pods/exec"], "verbs": ["*"]}]});
    rules.expect(
        &role,
        &[
            "ClusterRole With Wildcard Created",
            "ClusterRole With Pod Exec Created",
            "K8s ClusterRole Created",
        ],
    );
    role["requestObject"] = json!({"rules": [{"resources": ["pods"], "verbs": ["create"]}]});
    rules.expect(
        &role,
        &[
            "ClusterRole With Write Privileges Created",
            "K8s ClusterRole Created",
        ],
    );
    let sys = request(
        DEPLOYER,
        "delete",
        "clusterroles",
        None,
        "system:aggregate-to-edit",
    );
    rules.expect(
        &sys,
        &[
            "System ClusterRole Modified/Deleted",
            "K8s ClusterRole Deleted",
        ],
    );
}

#[test]
fn activity_configmaps_services_namespaces_nodes_ingresses() {
    let Some(rules) = audit_rules() else { return };
    let mut cm = request(DEPLOYER, "update", "configmaps", Some("dev"), "cfg");
    cm["requestObject"] = json!({"data": {"db": "password=hunter2"}});
    rules.expect(&cm, &["Create/Modify Configmap With Private Credentials"]);
    cm["requestObject"] = json!({"data": {"db": "host=db"}});
    rules.expect(&cm, &[]);
    let mut svc = request(DEPLOYER, "create", "services", Some("dev"), "s");
    svc["requestObject"] = json!({"spec": {"type": "NodePort", "ports": [{"port": 80}]}});
    rules.expect(&svc, &["Create NodePort Service", "K8s Service Created"]);
    rules.expect(
        &request(DEPLOYER, "create", "namespaces", None, "crypto"),
        &["Create Disallowed Namespace", "K8s Namespace Created"],
    );
    rules.expect(
        &request(
            DEPLOYER,
            "create",
            "serviceaccounts",
            Some("kube-system"),
            "sneaky",
        ),
        &[
            "Service Account Created in Kube Namespace",
            "K8s Serviceaccount Created",
        ],
    );
    let mut ing = request(DEPLOYER, "create", "ingresses", Some("dev"), "i");
    ing["requestObject"] = json!({"spec": {"rules": []}});
    rules.expect(&ing, &["Ingress Object without TLS Certificate Created"]);
    ing["requestObject"]["spec"]["tls"] = json!([{"secretName": "t"}]);
    rules.expect(&ing, &[]);
    // The node rules are disabled by allow_all_k8s_nodes (always true).
    rules.expect(
        &request("system:node:n1", "create", "nodes", None, "n1"),
        &[],
    );
    // Events from other stages do not count as kevt.
    let mut started = request(DEPLOYER, "create", "namespaces", None, "crypto");
    started["stage"] = json!("RequestReceived");
    rules.expect(&started, &[]);
}

#[test]
fn all_four_upstream_files_load_together() {
    let mut files = Vec::new();
    for name in [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
        "k8s_audit_rules.yaml",
    ] {
        let Some(text) = upstream(name) else { return };
        files.push((name, text));
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let rules = load(&files);
    // The syscall rules load but are inactive; the k8s_audit rules are live.
    assert!(
        rules
            .rules()
            .any(|(_, r)| r.source == "syscall" && r.inactive)
    );
    assert_eq!(
        rules
            .rules()
            .filter(|(_, r)| r.source == "k8s_audit" && !r.inactive)
            .count(),
        48
    );
}
