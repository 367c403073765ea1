//! Falco's alert forms: the text line and the JSON object.

use super::RuleInfo;
use crate::priority::Priority;

/// How alerts are stamped.
#[derive(Debug, Clone, Default)]
pub struct AlertOptions {
    /// `hostname` in JSON and `evt.hostname` (Falco: `FALCO_HOSTNAME` or gethostname()).
    pub hostname: String,
    /// Local time's offset from UTC, for the text line's `%evt.time`.
    pub utc_offset_secs: i64,
    /// Falco's `time_format_iso_8601`.
    pub time_format_iso_8601: bool,
    /// Which optional properties the JSON alert carries.
    pub json: JsonOptions,
}

/// Falco's `json_include_*_property` settings: which optional keys the JSON alert has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonOptions {
    /// `output`, the text line (`json_include_output_property`, default true).
    pub output: bool,
    /// `tags` (`json_include_tags_property`, default true).
    pub tags: bool,
    /// `message`, the rule's output without the time and priority
    /// (`json_include_message_property`, default false).
    pub message: bool,
    /// `output_fields` (`json_include_output_fields_property`, default true).
    pub output_fields: bool,
}

impl Default for JsonOptions {
    fn default() -> Self {
        JsonOptions {
            output: true,
            tags: true,
            message: false,
            output_fields: true,
        }
    }
}

/// One alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The event's time, in nanoseconds since the Unix epoch.
    pub time_ns: i64,
    /// The name of the rule that matched.
    pub rule: String,
    /// The rule's priority.
    pub priority: Priority,
    /// The event source, e.g. `k8s_audit`.
    pub source: String,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// The host name the alert is attributed to (what `evt.hostname` extracts).
    pub hostname: String,
    /// The rule's output, formatted (no time/priority prefix).
    pub message: String,
    /// `output_fields`: token text → typed value, sorted by key.
    pub output_fields: Vec<(String, serde_json::Value)>,
    time_prefix: String,
    json: JsonOptions,
}

impl Alert {
    pub(crate) fn new(
        info: &RuleInfo,
        time_ns: i64,
        message: String,
        mut fields: Vec<(String, serde_json::Value)>,
        opts: &AlertOptions,
    ) -> Alert {
        let (key, prefix) = if opts.time_format_iso_8601 {
            ("evt.time.iso8601", crate::time::iso8601(time_ns, "+0000"))
        } else {
            (
                "evt.time",
                crate::time::clock(crate::time::local(time_ns, opts.utc_offset_secs), true),
            )
        };
        fields.push((key.to_owned(), time_ns.into()));
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        fields.dedup_by(|a, b| a.0 == b.0);
        Alert {
            time_ns,
            rule: info.name.clone(),
            priority: info.priority,
            source: info.source.clone(),
            tags: info.tags.clone(),
            hostname: opts.hostname.clone(),
            message,
            output_fields: fields,
            time_prefix: prefix,
            json: opts.json,
        }
    }

    /// `<time>: <Priority> <message>`, unescaped (the JSON `output` value).
    pub fn output(&self) -> String {
        format!(
            "{}: {} {}",
            self.time_prefix,
            self.priority.name(),
            self.message
        )
    }

    /// The text alert line: [`Self::output`] JSON-string-escaped without the quotes.
    pub fn text_line(&self) -> String {
        let quoted = serde_json::Value::String(self.output()).to_string();
        quoted
            .get(1..quoted.len().saturating_sub(1))
            .unwrap_or("")
            .to_owned()
    }

    /// The JSON alert: compact, keys in alphabetical order, `time` in UTC with ns; the
    /// optional keys as [`JsonOptions`] says.
    pub fn to_json(&self) -> String {
        use serde_json::Value;
        // Written by hand so key order holds whatever serde_json's map features are.
        let s = |v: &str| Value::String(v.to_owned()).to_string();
        let mut out = String::with_capacity(256 + self.message.len() * 2);
        out.push_str("{\"hostname\":");
        out.push_str(&s(&self.hostname));
        if self.json.message {
            out.push_str(",\"message\":");
            out.push_str(&s(&self.message));
        }
        if self.json.output {
            out.push_str(",\"output\":");
            out.push_str(&s(&self.output()));
        }
        if self.json.output_fields {
            out.push_str(",\"output_fields\":{");
            for (i, (k, v)) in self.output_fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&s(k));
                out.push(':');
                out.push_str(&v.to_string());
            }
            out.push('}');
        }
        out.push_str(",\"priority\":");
        out.push_str(&s(self.priority.name()));
        out.push_str(",\"rule\":");
        out.push_str(&s(&self.rule));
        out.push_str(",\"source\":");
        out.push_str(&s(&self.source));
        if self.json.tags {
            out.push_str(",\"tags\":[");
            for (i, t) in self.tags.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&s(t));
            }
            out.push(']');
        }
        out.push_str(",\"time\":");
        out.push_str(&s(&crate::time::iso8601(self.time_ns, "Z")));
        out.push('}');
        out
    }
}
