//! Replays recorded audit events (`audit.k8s.io/v1` `Event`) through a policy: what the
//! API server would have kept, and in what form. Reading recordings is the audit reader's
//! (kubeward-k8saudit), shared with `detect`.
//!
//! Events are handled as JSON values, not typed structs, so every field the recorder
//! wrote (including ones newer than kubeward) passes through untouched.

use serde_json::{Map, Value};

use super::checker::{Request, Target, UserInfo, evaluate};
use super::{Level, Policy, Stage};

/// Why an event was not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// The event is logged.
    Kept,
    /// The policy's level for the request is None.
    LevelNone,
    /// The event's stage is in the omitted stages.
    StageOmitted,
}

/// The result of replaying one event.
#[derive(Clone, Debug, PartialEq)]
pub struct Replayed {
    /// Whether the event is logged and, if not, why.
    pub outcome: Outcome,
    /// The event as the API server would have written it (when kept).
    pub event: Option<Value>,
    /// The recorded event's level was lower than the policy's, so bodies the policy
    /// would log are missing from the recording and cannot be restored.
    pub recorded_below: bool,
    /// The rule that decided.
    pub rule: Option<usize>,
}

/// A recorded event that cannot be replayed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct EventError {
    /// The event's field that is missing or unreadable, e.g. `verb` or `objectRef`.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// The policy's attributes of a recorded event.
pub fn request_of(event: &Value) -> Result<Request, EventError> {
    let obj = event.as_object().ok_or_else(|| EventError {
        field: "event",
        message: "expected a JSON object".into(),
    })?;
    let verb = str_field(obj, "verb").ok_or_else(|| EventError {
        field: "verb",
        message: "missing or not a string".into(),
    })?;
    // Failed authentication is recorded with an empty user; the policy saw none.
    let user = obj.get("user").and_then(Value::as_object).and_then(|u| {
        let name = str_field(u, "username")?;
        let groups = u
            .get("groups")
            .and_then(Value::as_array)
            .map(|g| {
                g.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Some(UserInfo {
            name: name.to_owned(),
            groups,
        })
    });
    let user = user.filter(|u| !u.name.is_empty());
    let target = match obj.get("objectRef").and_then(Value::as_object) {
        Some(r) => {
            let s = |k: &str| str_field(r, k).unwrap_or_default().to_owned();
            Target::Resource {
                group: s("apiGroup"),
                resource: s("resource"),
                subresource: s("subresource"),
                namespace: s("namespace"),
                name: s("name"),
            }
        }
        None => {
            let uri = str_field(obj, "requestURI").ok_or_else(|| EventError {
                field: "requestURI",
                message: "missing, and there is no objectRef either".into(),
            })?;
            let path = uri.split(['?', '#']).next().unwrap_or(uri);
            Target::NonResource {
                path: path.to_owned(),
            }
        }
    };
    Ok(Request {
        user,
        verb: verb.to_owned(),
        target,
    })
}

fn str_field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

/// Replays one recorded event.
pub fn replay(policy: &Policy, event: &Value) -> Result<Replayed, EventError> {
    let req = request_of(event)?;
    let decision = evaluate(policy, &req);
    let dropped = |outcome| Replayed {
        outcome,
        event: None,
        recorded_below: false,
        rule: decision.rule,
    };
    if decision.level == Level::None {
        return Ok(dropped(Outcome::LevelNone));
    }
    let stage = event
        .get("stage")
        .and_then(Value::as_str)
        .and_then(Stage::parse);
    if stage.is_some_and(|s| decision.omit_stages.contains(&s)) {
        return Ok(dropped(Outcome::StageOmitted));
    }
    let mut out = event.clone();
    let recorded = event
        .get("level")
        .and_then(Value::as_str)
        .and_then(Level::parse);
    if let Some(obj) = out.as_object_mut() {
        if decision.level < Level::RequestResponse {
            obj.remove("responseObject");
        }
        if decision.level < Level::Request {
            obj.remove("requestObject");
        }
        if decision.omit_managed_fields {
            for key in ["requestObject", "responseObject"] {
                if let Some(body) = obj.get_mut(key) {
                    strip_managed_fields(body);
                }
            }
        }
        obj.insert(
            "level".into(),
            Value::String(decision.level.as_str().into()),
        );
    }
    Ok(Replayed {
        outcome: Outcome::Kept,
        event: Some(out),
        recorded_below: recorded.is_some_and(|r| r < decision.level),
        rule: decision.rule,
    })
}

/// Removes `metadata.managedFields` from an object and from each of a list's items.
fn strip_managed_fields(body: &mut Value) {
    let Some(obj) = body.as_object_mut() else {
        return;
    };
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    if let Some(items) = obj.get_mut("items").and_then(Value::as_array_mut) {
        for item in items {
            if let Some(meta) = item.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("managedFields");
            }
        }
    }
}
