//! Replaying recorded audit events through a policy.

use std::sync::Arc;

use kubeward_controlplane::audit_policy::filter::{Outcome, replay};
use kubeward_controlplane::audit_policy::{Policy, load};
use serde_json::{Value, json};

const POLICY: &str = r#"apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  users: [system:kube-proxy]
  verbs: [watch]
- level: Metadata
  resources: [{group: "", resources: [secrets]}]
- level: Request
  omitManagedFields: true
  resources: [{group: apps}]
- level: None
  nonResourceURLs: [/healthz*]
- level: RequestResponse
"#;

fn policy() -> Policy {
    load(&Arc::from("p.yaml"), POLICY).unwrap()
}

fn event(user: &str, verb: &str, stage: &str, object_ref: Option<Value>, uri: &str) -> Value {
    let mut e = json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
        "auditID": "a1", "stage": stage, "requestURI": uri, "verb": verb,
        "user": {"username": user, "groups": ["system:authenticated"]},
        "requestObject": {"metadata": {"name": "x", "managedFields": [{"manager": "kubectl"}]}},
        "responseObject": {"kind": "Status"},
    });
    if let (Some(r), Some(obj)) = (object_ref, e.as_object_mut()) {
        obj.insert("objectRef".into(), r);
    }
    e
}

#[test]
fn bodies_are_stripped_per_level() {
    let p = policy();
    let secret = event(
        "alice",
        "create",
        "ResponseComplete",
        Some(json!({"resource": "secrets", "namespace": "a", "apiVersion": "v1"})),
        "/api/v1/namespaces/a/secrets",
    );
    let r = replay(&p, &secret).unwrap();
    assert_eq!((r.outcome, r.rule), (Outcome::Kept, Some(1)));
    let e = r.event.unwrap();
    assert_eq!(e["level"], "Metadata");
    assert!(e.get("requestObject").is_none() && e.get("responseObject").is_none());
    assert_eq!(e["auditID"], "a1");

    let deploy = event(
        "alice",
        "patch",
        "ResponseComplete",
        Some(
            json!({"resource": "deployments", "apiGroup": "apps", "namespace": "a", "name": "web"}),
        ),
        "/apis/apps/v1/namespaces/a/deployments/web",
    );
    let e = replay(&p, &deploy).unwrap().event.unwrap();
    assert_eq!(e["level"], "Request");
    assert!(e.get("responseObject").is_none());
    // omitManagedFields on the rule strips them from the kept body.
    assert_eq!(e["requestObject"], json!({"metadata": {"name": "x"}}));

    let pod = event(
        "alice",
        "get",
        "ResponseComplete",
        Some(json!({"resource": "pods", "namespace": "a", "name": "p"})),
        "/api/v1/namespaces/a/pods/p",
    );
    let r = replay(&p, &pod).unwrap();
    assert_eq!(r.event.unwrap(), {
        let mut same = pod.clone();
        same["level"] = json!("RequestResponse");
        same
    });
}

#[test]
fn dropped_by_level_and_stage() {
    let p = policy();
    let watch = event(
        "system:kube-proxy",
        "watch",
        "ResponseStarted",
        Some(json!({"resource": "endpoints"})),
        "/api/v1/endpoints?watch=1",
    );
    assert_eq!(replay(&p, &watch).unwrap().outcome, Outcome::LevelNone);
    let received = event(
        "alice",
        "get",
        "RequestReceived",
        Some(json!({"resource": "pods"})),
        "/api/v1/pods",
    );
    assert_eq!(
        replay(&p, &received).unwrap().outcome,
        Outcome::StageOmitted
    );
    // Non-resource: the path without the query string is matched.
    let health = event(
        "system:anonymous",
        "get",
        "ResponseComplete",
        None,
        "/healthz/etcd?verbose",
    );
    assert_eq!(replay(&p, &health).unwrap().outcome, Outcome::LevelNone);
    let version = event(
        "system:anonymous",
        "get",
        "ResponseComplete",
        None,
        "/version",
    );
    assert_eq!(replay(&p, &version).unwrap().outcome, Outcome::Kept);
}

#[test]
fn recorded_below_policy_level_is_flagged() {
    let p = policy();
    let mut pod = event(
        "alice",
        "get",
        "ResponseComplete",
        Some(json!({"resource": "pods"})),
        "/api/v1/pods",
    );
    pod["level"] = json!("Metadata");
    assert!(replay(&p, &pod).unwrap().recorded_below);
}

#[test]
fn events_without_user_are_failed_authentication() {
    let p = load(&Arc::from("p.yaml"), "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  userGroups: [system:authenticated]\n- level: Metadata\n").unwrap();
    let mut e = event("", "list", "ResponseStarted", None, "/api/v1/pods");
    e["user"] = json!({});
    let r = replay(&p, &e).unwrap();
    assert_eq!((r.outcome, r.rule), (Outcome::Kept, Some(1)));
}

#[test]
fn bad_events_name_the_field() {
    let p = policy();
    assert_eq!(
        replay(&p, &json!({"stage": "ResponseComplete"}))
            .unwrap_err()
            .to_string(),
        "verb: missing or not a string"
    );
    assert_eq!(
        replay(&p, &json!({"verb": "get"})).unwrap_err().field,
        "requestURI"
    );
    assert_eq!(replay(&p, &json!([1])).unwrap_err().field, "event");
}
