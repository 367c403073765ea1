//! The Kubernetes audit event source (`k8s_audit`) for the kubeward rules engine.
//!
//! - [`reader`]: audit events from JSON lines (the log backend) and `EventList`
//!   documents (the webhook backend), with bounded memory; [`input`] for files,
//!   directories, stdin and following a growing log.
//! - [`fields`] and [`extract`]: every field of Falco's k8saudit plugin (`ka.*`) and
//!   json plugin (`json.*`, `jevt.*`) with the plugins' exact extraction semantics.
//! - [`source_spec`] and the [`kubeward_rules::source::Event`] impl of [`AuditEvent`]
//!   plug the source into the engine; [`DEFAULT_RULES`] is kubeward's own ruleset.

pub mod event;
pub mod extract;
pub mod fields;
pub mod input;
pub mod json;
pub mod reader;
pub mod time;
mod uri;

pub use event::{AuditEvent, EventError};
pub use fields::{ArgSpec, FieldInfo};

use kubeward_rules::source::{self, FieldDef, FieldRef, FieldType, SourceSpec, Value};

/// The engine's name for this source.
pub const SOURCE_NAME: &str = "k8s_audit";

/// kubeward's default Kubernetes audit ruleset (Falco rules format).
pub const DEFAULT_RULES: &str = include_str!("../rules/kubeward_k8s_audit_rules.yaml");
/// The file name reported for [`DEFAULT_RULES`].
pub const DEFAULT_RULES_NAME: &str = "kubeward_k8s_audit_rules.yaml";

/// The plugin versions whose fields and semantics this source reproduces; rules files
/// that require them (`required_plugin_versions`) are satisfied.
pub const PLUGINS: [(&str, &str); 2] = [("k8saudit", "0.18.0"), ("json", "0.7.4")];

/// The source as the engine sees it: name, field table (ids are indexes into
/// [`fields::fields`]) and plugin versions.
pub fn source_spec() -> SourceSpec {
    let defs = fields::fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let def = FieldDef::new(id, f.name, FieldType::String, f.desc);
            let def = if f.is_list { def.list() } else { def };
            match f.arg {
                ArgSpec::None => def,
                ArgSpec::OptionalIndex => def.arg(source::ArgSpec::index(false)),
                ArgSpec::RequiredKey => def.arg(source::ArgSpec::key(true)),
            }
        })
        .collect();
    PLUGINS.iter().fold(
        SourceSpec::new(SOURCE_NAME, defs),
        |spec, (name, version)| spec.with_plugin(*name, *version),
    )
}

impl source::Event for AuditEvent<'_> {
    fn time_ns(&self) -> i64 {
        AuditEvent::time_ns(self)
    }

    fn extract<'e>(&'e self, field: &FieldRef, out: &mut Vec<Value<'e>>) {
        let Some(info) = usize::try_from(field.id)
            .ok()
            .and_then(|i| fields::fields().get(i))
        else {
            return;
        };
        extract::extract(info, &field.arg, self, out);
    }
}
