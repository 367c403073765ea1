//! Pod Security labels of a Namespace: which policies apply to the pods in it, resolved as
//! the admission controller's `PolicyToEvaluate` does (reference 2.1). Shared by `scan`
//! (labels from manifests) and the admission webhook (labels from the cluster).

use std::fmt;
use std::str::FromStr;

use super::config::Defaults;
use super::{Level, ParseError, PolicyVersion};

/// The label prefix of every Pod Security label.
pub const PREFIX: &str = "pod-security.kubernetes.io/";

/// A level at a version, printed as PSA prints it: `restricted:latest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    /// The Pod Security level.
    pub level: Level,
    /// The policy version whose checks apply.
    pub version: PolicyVersion,
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// The policies a Namespace's labels ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespacePolicy {
    /// Enforce level as labelled (after fallbacks), else the configured default; `None`
    /// where unlabelled and no PodSecurityConfiguration was given.
    pub enforce_level: Option<Level>,
    /// Enforce version (`pod-security.kubernetes.io/enforce-version`), as for `enforce_level`.
    pub enforce_version: Option<PolicyVersion>,
    /// Warn and audit after resolution, only when not privileged (which checks nothing).
    pub warn: Option<Policy>,
    /// The audit policy (`pod-security.kubernetes.io/audit` and `audit-version`), as for `warn`.
    pub audit: Option<Policy>,
}

impl NamespacePolicy {
    /// The enforce policy, unlabelled parts taking the built-in defaults
    /// (`privileged`, `latest`).
    pub fn enforce(&self) -> Policy {
        Policy {
            level: self.enforce_level.unwrap_or(Level::Privileged),
            version: self.enforce_version.unwrap_or(PolicyVersion::Latest),
        }
    }

    /// Whether every mode is privileged, so that nothing is evaluated.
    pub fn all_privileged(&self) -> bool {
        self.enforce().level == Level::Privileged && self.warn.is_none() && self.audit.is_none()
    }
}

/// An unparseable label: the fallback was used in its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelError {
    /// The full label key, e.g. `pod-security.kubernetes.io/enforce`.
    pub key: String,
    /// The value as found.
    pub value: String,
    /// Why the value was not understood.
    pub error: ParseError,
    /// The value evaluated instead (`restricted`, `privileged` or `latest`).
    pub fallback: String,
}

impl LabelError {
    /// `metadata.labels[{key}]`, the field path of upstream's error.
    pub fn field(&self) -> String {
        format!("metadata.labels[{}]", self.key)
    }
}

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: Invalid value: \"{}\": {}",
            self.field(),
            self.value,
            self.error
        )
    }
}

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

fn parse<T, F>(label: &F, errors: &mut Vec<LabelError>, name: &str, fallback: T) -> Label<T>
where
    T: FromStr<Err = ParseError> + fmt::Display,
    F: Fn(&str) -> Option<String>,
{
    let key = format!("{PREFIX}{name}");
    let Some(value) = label(&key) else {
        return Label::Absent;
    };
    match value.parse::<T>() {
        Ok(v) => Label::Valid(v),
        Err(error) => {
            errors.push(LabelError {
                key,
                value,
                error,
                fallback: fallback.to_string(),
            });
            Label::Invalid(fallback)
        }
    }
}

/// Resolves the Pod Security labels found by `label` (given a full key, the label's value
/// as text), with one error per bad label, in the order enforce, enforce-version, audit,
/// audit-version, warn, warn-version. Unlabelled modes take the plugin's built-in defaults
/// (`privileged:latest`), the enforce mode staying `None` as unlabelled.
pub fn resolve<F>(label: F) -> (NamespacePolicy, Vec<LabelError>)
where
    F: Fn(&str) -> Option<String>,
{
    resolve_with(None, label)
}

/// [`resolve`] with the defaults of a PodSecurityConfiguration: unlabelled modes take
/// them, the enforce mode included (so that it is never `None`).
pub fn resolve_with<F>(defaults: Option<&Defaults>, label: F) -> (NamespacePolicy, Vec<LabelError>)
where
    F: Fn(&str) -> Option<String>,
{
    let configured = defaults.is_some();
    let d = defaults.copied().unwrap_or_default();
    let mut errors = Vec::new();
    let e = &mut errors;
    // Fail closed on a bad enforce level, open on bad audit and warn levels.
    let enforce_level = parse(&label, e, "enforce", Level::Restricted);
    let enforce_version = parse(&label, e, "enforce-version", PolicyVersion::Latest);
    let audit_level = parse(&label, e, "audit", Level::Privileged);
    let audit_version = parse(&label, e, "audit-version", PolicyVersion::Latest);
    let warn_level = parse(&label, e, "warn", Level::Privileged);
    let warn_version = parse(&label, e, "warn-version", PolicyVersion::Latest);

    let enforce = Policy {
        level: enforce_level.value().unwrap_or(d.enforce.level),
        version: enforce_version.value().unwrap_or(d.enforce.version),
    };
    let mut warn = Policy {
        level: warn_level.value().unwrap_or(d.warn.level),
        version: warn_version.value().unwrap_or(d.warn.version),
    };
    // Warn inherits a valid enforce label stricter than the default warn level.
    if let (None, Label::Valid(level)) = (warn_level.value(), &enforce_level)
        && *level > d.warn.level
    {
        warn.level = *level;
        if warn_version.value().is_none() {
            warn.version = enforce.version;
        }
    }
    let audit = Policy {
        level: audit_level.value().unwrap_or(d.audit.level),
        version: audit_version.value().unwrap_or(d.audit.version),
    };
    let not_privileged = |p: Policy| Some(p).filter(|p| p.level != Level::Privileged);
    let policy = NamespacePolicy {
        enforce_level: enforce_level
            .value()
            .or(configured.then_some(enforce.level)),
        enforce_version: enforce_version
            .value()
            .or(configured.then_some(enforce.version)),
        warn: not_privileged(warn),
        audit: not_privileged(audit),
    };
    (policy, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn run(labels: &[(&str, &str)]) -> (NamespacePolicy, Vec<LabelError>) {
        let map: HashMap<String, String> = labels
            .iter()
            .map(|(k, v)| (format!("{PREFIX}{k}"), v.to_string()))
            .collect();
        resolve(|k| map.get(k).cloned())
    }

    #[test]
    fn warn_inherits_a_valid_enforce_level_and_version() {
        let (p, errors) = run(&[("enforce", "baseline"), ("enforce-version", "v1.25")]);
        assert!(errors.is_empty());
        let baseline = Policy {
            level: Level::Baseline,
            version: PolicyVersion::V1(25),
        };
        assert_eq!(p.warn, Some(baseline));
        assert_eq!(p.audit, None);
        assert_eq!(p.enforce(), baseline);
    }

    #[test]
    fn bad_enforce_fails_closed_and_is_not_inherited() {
        let (p, errors) = run(&[("enforce", "strict"), ("audit-version", "1.2")]);
        assert_eq!(p.enforce().level, Level::Restricted);
        assert_eq!(p.warn, None);
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors[0].to_string(),
            "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted"
        );
        assert_eq!(errors[1].fallback, "latest");
    }

    #[test]
    fn unlabelled_is_privileged_everywhere() {
        let (p, errors) = run(&[]);
        assert!(errors.is_empty() && p.all_privileged());
        assert_eq!(p.enforce().to_string(), "privileged:latest");
    }
}
