//! Kubernetes audit events as the API server writes them, for every consumer's tests
//! (`detect`, the audit webhook, `audit-policy filter`): one builder, so that a change to
//! what a realistic event looks like is made once.

/// One `audit.k8s.io/v1` Event, as one JSON line: `user` (in `system:authenticated`) did
/// `verb` on `resource` `prod/x`, answered 200, stage `ResponseComplete`, at
/// 2024-06-01T12:00:00.25Z. `extra` is spliced into the top-level object as raw JSON
/// members, each starting with a comma (`,"level":"Metadata"`), or empty.
pub fn event(id: &str, user: &str, verb: &str, resource: &str, extra: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","stage":"ResponseComplete","verb":"{verb}","requestURI":"/api/v1/namespaces/prod/{resource}/x","user":{{"username":"{user}","groups":["system:authenticated"]}},"objectRef":{{"resource":"{resource}","namespace":"prod","name":"x"}},"responseStatus":{{"code":200}},"stageTimestamp":"2024-06-01T12:00:00.25Z"{extra}}}"#
    )
}

/// An `EventList` of `events` (each one JSON object), as the API server's audit webhook
/// posts them.
pub fn event_list(events: &[String]) -> String {
    format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{}]}}"#,
        events.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::{event, event_list};

    #[test]
    fn events_and_lists_are_json_with_the_given_values() {
        let e = event("7", "alice", "get", "secrets", r#","level":"Metadata""#);
        let v: serde_json::Value = serde_json::from_str(&e).expect("json");
        assert_eq!(v["auditID"], "7");
        assert_eq!(v["user"]["username"], "alice");
        assert_eq!(v["objectRef"]["resource"], "secrets");
        assert_eq!(v["requestURI"], "/api/v1/namespaces/prod/secrets/x");
        assert_eq!(v["level"], "Metadata");
        let list: serde_json::Value =
            serde_json::from_str(&event_list(&[e.clone(), e])).expect("json");
        assert_eq!(list["kind"], "EventList");
        assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    }
}
