//! One Kubernetes audit event as the k8saudit plugin stores it: the JSON object and its
//! time (`stageTimestamp`).

use crate::json::Json;

/// A parsed audit event. Strings borrow from the input buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent<'a> {
    root: Json<'a>,
    time_ns: i64,
    /// Every `ka.*` field needs a top-level `auditID`; checked once here.
    has_audit_id: bool,
}

/// Why a JSON value is not an audit event the plugin would accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The value has no `"kind": "Event"` (or `"EventList"`), so it is not an audit event.
    #[error("data not recognized as a k8s audit event (no \"kind\": \"Event\" or \"EventList\")")]
    NotAuditEvent,
    /// The event has no `stageTimestamp` string, which the plugin takes as the event time.
    #[error("can't read stageTimestamp")]
    NoStageTimestamp,
    /// `stageTimestamp` is present but not an RFC 3339 time; holds the text as found.
    #[error("stageTimestamp {0:?} is not an RFC 3339 time")]
    BadStageTimestamp(String),
    /// The event's compact JSON is longer than [`MAX_EVENT_SIZE`]; holds its size in bytes.
    #[error("event larger than maxEventSize: size={0}")]
    TooLarge(usize),
}

/// The plugin's default `maxEventSize`: larger events (compact form) are dropped.
pub const MAX_EVENT_SIZE: usize = 262_144;

impl<'a> AuditEvent<'a> {
    /// Accepts one event object as the plugin's `parseSingleAuditEventJSON`: only a
    /// readable `stageTimestamp` is required. `check_size` asks for the compact-size
    /// limit; callers skip it when the input text was already smaller than the limit.
    pub fn from_json(root: Json<'a>, check_size: bool) -> Result<Self, EventError> {
        let ts = root
            .get("stageTimestamp")
            .ok_or(EventError::NoStageTimestamp)?;
        // fastjson's GetStringBytes gives nil (an empty string) for a non-string.
        let text = ts.as_str().unwrap_or("");
        let time_ns = crate::time::parse_rfc3339_nanos(text)
            .ok_or_else(|| EventError::BadStageTimestamp(text.chars().take(64).collect()))?;
        if check_size {
            let size = root.compact_len();
            if size > MAX_EVENT_SIZE {
                return Err(EventError::TooLarge(size));
            }
        }
        let has_audit_id = root.get("auditID").is_some();
        Ok(AuditEvent {
            root,
            time_ns,
            has_audit_id,
        })
    }

    /// The event object.
    pub fn json(&self) -> &Json<'a> {
        &self.root
    }

    /// Whether the event has a top-level `auditID` (else every `ka.*` field is missing).
    pub fn has_audit_id(&self) -> bool {
        self.has_audit_id
    }

    /// `stageTimestamp` in nanoseconds since the Unix epoch (UTC).
    pub fn time_ns(&self) -> i64 {
        self.time_ns
    }
}
