//! Where kubeward and checkov disagree on kubernetes/examples and checkov is wrong by the
//! Kubernetes definition (docs/checkov.md): each case is rebuilt here in a few lines and
//! kubeward is held to what the API server and the RBAC and NetworkPolicy rules do.

use serde_json::Value;

use crate::common::{Fixture, scan_json};

fn ids_of<'a>(doc: &'a Value, name: &str) -> Vec<&'a str> {
    doc["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["name"] == name)
        .flat_map(|r| r["lints"].as_array().into_iter().flatten())
        .filter_map(|l| l["id"].as_str())
        .collect()
}

/// checkov judges a Deployment whose apiVersion has prose pasted into it; no API server
/// serves that group/version, so there is no object to judge. kubeward names it under
/// `skipped` with its apiVersion.
#[test]
fn an_apiversion_with_prose_in_it_is_no_object() {
    let f = Fixture::new(&[(
        "d.yaml",
        "apiVersion: apps/v1  before 1.9 use apps/v1beta2\nkind: Deployment\nmetadata: {name: web}\n\
         spec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n\
         \x20   spec: {containers: [{name: web, image: 'nginx:1.25'}]}\n",
    )]);
    let (code, doc) = scan_json(f.root(), &["--no-config", "d.yaml"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["summary"]["workloads"], 0);
    assert_eq!(
        doc["summary"]["skipped"]["Deployment apps/v1  before 1.9 use apps/v1beta2"], 1,
        "{doc:#}"
    );
}

/// checkov judges a Pod whose `fc.lun` is a string; the API server's decoder refuses it
/// (the field is an int32), so kubeward reports the error and judges nothing.
#[test]
fn a_pod_the_api_server_cannot_decode_is_an_error_not_findings() {
    let f = Fixture::new(&[(
        "fc.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: fc}\nspec:\n  containers: [{name: fc, image: pause}]\n\
         \x20 volumes: [{name: v, fc: {targetWWNs: ['500a0982991b8dc5'], lun: '<LUN>'}}]\n",
    )]);
    let (code, doc) = scan_json(f.root(), &["--no-config", "fc.yaml"]);
    assert_eq!(code, 2, "{doc:#}");
    assert_eq!(doc["summary"]["workloads"], 0);
    let message = doc["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("expected i32"), "{doc:#}");
}

/// checkov's CKV_K8S_49 reads only a role's first rule; the authorizer reads them all.
#[test]
fn a_wildcard_in_any_rule_of_a_role_is_reported() {
    let f = Fixture::new(&[(
        "r.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\n\
         rules:\n- {apiGroups: [''], resources: [pods], verbs: [get]}\n\
         - {apiGroups: [metrics.k8s.io], resources: ['*'], verbs: [get]}\n",
    )]);
    let (_, doc) = scan_json(f.root(), &["--no-config", "r.yaml"]);
    assert_eq!(ids_of(&doc, "r"), ["RB002"], "{doc:#}");
    assert_eq!(doc["results"][0]["lints"][0]["path"], "rules[1].resources");
}

/// checkov's CKV2_K8S_6 lets a NetworkPolicy of any namespace cover a pod; a
/// NetworkPolicy selects pods of its own namespace only.
#[test]
fn a_network_policy_of_another_namespace_does_not_isolate_a_pod() {
    let f = Fixture::new(&[(
        "np.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: a}\n\
         spec: {podSelector: {}, policyTypes: [Ingress]}\n---\n\
         apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: b}\n\
         spec: {containers: [{name: c, image: 'app:1'}]}\n",
    )]);
    let (_, doc) = scan_json(f.root(), &["--no-config", "--enable", "EX004", "np.yaml"]);
    assert_eq!(ids_of(&doc, "p"), ["EX004"], "{doc:#}");
}
