//! Test helpers: audit events built from a few facts, and rulesets loaded through the
//! engine with this source.
#![allow(dead_code)]

use kubeward_k8saudit::json::Json;
use kubeward_k8saudit::{AuditEvent, DEFAULT_RULES, DEFAULT_RULES_NAME, source_spec};
use kubeward_rules::engine::{AlertOptions, Engine, MatchMode, RulesFile, Ruleset};
use serde_json::{Value, json};

/// A completed, successful request by `user` (groups: system:authenticated).
pub fn request(
    user: &str,
    verb: &str,
    resource: &str,
    namespace: Option<&str>,
    name: &str,
) -> Value {
    let mut object_ref = json!({"resource": resource, "name": name, "apiVersion": "v1"});
    if let Some(ns) = namespace {
        object_ref["namespace"] = json!(ns);
    }
    let uri = match namespace {
        Some(ns) => format!("/api/v1/namespaces/{ns}/{resource}/{name}"),
        None => format!("/api/v1/{resource}/{name}"),
    };
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
        "auditID": "00000000-0000-0000-0000-000000000001", "stage": "ResponseComplete",
        "requestURI": uri, "verb": verb,
        "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["10.1.2.3"], "userAgent": "kubectl/v1.31.0",
        "objectRef": object_ref,
        "responseStatus": {"metadata": {}, "code": if verb == "create" { 201 } else { 200 }},
        "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""},
        "requestReceivedTimestamp": "2024-06-01T12:00:00.000000Z",
        "stageTimestamp": "2024-06-01T12:00:00.250000Z"
    })
}

/// A pod creation with the given spec.
pub fn pod_create(user: &str, ns: &str, name: &str, spec: Value) -> Value {
    let mut ev = request(user, "create", "pods", Some(ns), "");
    ev["objectRef"].as_object_mut().unwrap().remove("name");
    ev["requestURI"] = json!(format!("/api/v1/namespaces/{ns}/pods"));
    ev["requestObject"] = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": name, "namespace": ns}, "spec": spec});
    ev["responseObject"] = json!({"kind": "Pod", "metadata": {"name": name, "namespace": ns}});
    ev
}

pub fn container(name: &str, image: &str) -> Value {
    json!({"name": name, "image": image})
}

pub fn engine() -> Engine {
    let mut engine = Engine::new();
    engine.add_source(source_spec());
    engine
}

/// Loads files (name, text) and panics with Falco's report text when they fail.
pub fn load(files: &[(&str, &str)]) -> Ruleset {
    let files: Vec<_> = files.iter().map(|(n, t)| RulesFile::new(*n, t)).collect();
    let loaded = engine().load(&files);
    match loaded.ruleset {
        Some(r) => r,
        None => panic!(
            "{}",
            loaded
                .reports
                .iter()
                .map(|r| r.to_text())
                .collect::<String>()
        ),
    }
}

pub fn default_rules() -> Ruleset {
    load(&[(DEFAULT_RULES_NAME, DEFAULT_RULES)])
}

/// The names of every rule (all-match mode) that fires on `event`.
pub fn fired(rules: &Ruleset, event: &Value) -> Vec<String> {
    let text = event.to_string();
    let json: Json<'_> = serde_json::from_str(&text).unwrap();
    let ev = AuditEvent::from_json(json, true).unwrap();
    let src = rules.source_id("k8s_audit").unwrap();
    let mut hits = Vec::new();
    rules.evaluate(src, &ev, MatchMode::All, &mut hits);
    // Every test also checks that the rule index and the memo change nothing.
    let reference = rules.evaluate_without_index(src, &ev, MatchMode::All);
    assert_eq!(hits, reference, "indexed vs unindexed on {event}");
    hits.iter()
        .map(|id| rules.rule(*id).unwrap().name.clone())
        .collect()
}

/// The text line of the first alert of `rule` on `event`.
pub fn alert_line(rules: &Ruleset, rule: &str, event: &Value) -> String {
    let text = event.to_string();
    let json: Json<'_> = serde_json::from_str(&text).unwrap();
    let ev = AuditEvent::from_json(json, true).unwrap();
    let id = rules.find(rule).unwrap();
    let opts = AlertOptions {
        hostname: "test-host".into(),
        ..AlertOptions::default()
    };
    rules.alert(id, &ev, &opts).unwrap().text_line()
}

/// The upstream rules folder, when present (tests skip with a reason otherwise).
pub fn upstream(file: &str) -> Option<String> {
    kubeward_testkit::upstream::read(file)
}
