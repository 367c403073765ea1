//! Pod Security labels of Namespaces: which policy applies to the workloads in them.
//! Resolution follows the admission controller's `PolicyToEvaluate` (reference 2.1).

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;
use std::sync::Arc;

use kubeward_manifest::{Node, Resource};
use kubeward_podsecurity::standards::{Level, ParseError, PolicyVersion};

use super::model::{ErrorKind, Policy, ScanError};

const PREFIX: &str = "pod-security.kubernetes.io/";

/// The policies a Namespace's labels ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespacePolicy {
    /// Enforce level and version as labelled (after fallbacks); `None` where unlabelled.
    pub enforce_level: Option<Level>,
    pub enforce_version: Option<PolicyVersion>,
    /// Warn and audit after resolution, only when not privileged (which checks nothing).
    pub warn: Option<Policy>,
    pub audit: Option<Policy>,
}

/// Namespaces of the scanned set, by name.
pub type Namespaces = HashMap<String, NamespacePolicy>;

/// One label as the admission controller sees it.
enum Label<T> {
    Absent,
    Valid(T),
    /// Unparseable: the fallback applies, and an error was recorded.
    Invalid(T),
}

impl<T: Copy> Label<T> {
    fn value(&self) -> Option<T> {
        match self {
            Label::Absent => None,
            Label::Valid(v) | Label::Invalid(v) => Some(*v),
        }
    }
}

struct Labels<'a> {
    res: &'a Resource,
    labels: Option<&'a Node>,
    errors: Vec<ScanError>,
}

impl Labels<'_> {
    fn get<T: FromStr<Err = ParseError> + Display>(&mut self, key: &str, fallback: T) -> Label<T> {
        let key = format!("{PREFIX}{key}");
        let Some(node) = self.labels.and_then(|l| l.get(&key)) else {
            return Label::Absent;
        };
        // Label values are strings to Kubernetes; anything else is as wrong as a bad string.
        let text = node
            .as_str()
            .map_or_else(|| node.to_json().to_string(), str::to_owned);
        match text.parse::<T>() {
            Ok(v) => Label::Valid(v),
            Err(e) => {
                let field = format!("metadata.labels[{key}]");
                let kind = match e {
                    ParseError::Level => ErrorKind::NamespaceLevel,
                    ParseError::Version => ErrorKind::NamespaceVersion,
                };
                self.errors.push(ScanError {
                    file: Arc::clone(&self.res.file),
                    pos: Some(self.res.node.locate(&field).pos),
                    message: format!(
                        "namespace \"{}\": {field}: Invalid value: \"{text}\": {e} (evaluated as {fallback})",
                        self.res.name.as_deref().unwrap_or("")
                    ),
                    kind,
                });
                Label::Invalid(fallback)
            }
        }
    }
}

/// Resolves the Pod Security labels of a `Namespace` object, with one error per bad label.
pub fn resolve(res: &Resource) -> (NamespacePolicy, Vec<ScanError>) {
    let mut l = Labels {
        res,
        labels: res.node.at("metadata.labels"),
        errors: Vec::new(),
    };
    // Fail closed on a bad enforce level, open on bad audit and warn levels.
    let enforce_level = l.get("enforce", Level::Restricted);
    let enforce_version = l.get("enforce-version", PolicyVersion::Latest);
    let audit_level = l.get("audit", Level::Privileged);
    let audit_version = l.get("audit-version", PolicyVersion::Latest);
    let warn_level = l.get("warn", Level::Privileged);
    let warn_version = l.get("warn-version", PolicyVersion::Latest);

    let latest = PolicyVersion::Latest;
    let warn = match (warn_level.value(), &enforce_level) {
        (Some(level), _) => Some(Policy {
            level,
            version: warn_version.value().unwrap_or(latest),
        }),
        // Warn inherits a valid enforce level stricter than its privileged default.
        (None, Label::Valid(level)) if *level > Level::Privileged => Some(Policy {
            level: *level,
            version: warn_version
                .value()
                .or(enforce_version.value())
                .unwrap_or(latest),
        }),
        (None, _) => None,
    };
    let audit = audit_level.value().map(|level| Policy {
        level,
        version: audit_version.value().unwrap_or(latest),
    });
    let not_privileged = |p: Option<Policy>| p.filter(|p| p.level != Level::Privileged);
    let policy = NamespacePolicy {
        enforce_level: enforce_level.value(),
        enforce_version: enforce_version.value(),
        warn: not_privileged(warn),
        audit: not_privileged(audit),
    };
    (policy, l.errors)
}
