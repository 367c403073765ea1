//! The Pod Security Standards, evaluated exactly as upstream's pod-security-admission
//! `policy` package does at every policy version from v1.0 to [`NEWEST_MINOR`].
//!
//! Layout: `checks/` holds one module per upstream check (id, level, versioned
//! implementations), `registry` turns them into cached run lists per level and
//! version (containers are walked by the crate's `visit`) and `format` reproduces the message
//! helpers. The API server's defaulting, which admission sees, is the crate's `defaults`.

mod checks;
pub mod config;
mod format;
pub mod namespace;
mod registry;

use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// A Pod Security Standards level, in increasing strictness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `privileged`: unrestricted; checks nothing.
    Privileged,
    /// `baseline`: prevents known privilege escalations (host namespaces, privileged containers, added capabilities, …).
    Baseline,
    /// `restricted`: baseline plus current pod hardening (non-root, dropped capabilities, seccomp, no privilege escalation).
    Restricted,
}

/// A policy version: `latest` or `v1.N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyVersion {
    /// `latest`: the checks of the newest Kubernetes version.
    Latest,
    /// `v1.N`: the checks as Kubernetes 1.N had them; holds N.
    V1(u32),
}

/// An unparseable level or version, with the exact message the admission controller uses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The level is not `privileged`, `baseline` or `restricted`.
    #[error("must be one of privileged, baseline, restricted")]
    Level,
    /// The version is not `latest` or `v1.N`.
    #[error("must be \"latest\" or \"v1.x\"")]
    Version,
}

impl FromStr for Level {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(ParseError::Level),
        }
    }
}

/// `--level privileged|baseline|restricted`, for the binary.
#[cfg(feature = "clap")]
impl clap::ValueEnum for Level {
    fn value_variants<'a>() -> &'a [Self] {
        &[Level::Privileged, Level::Baseline, Level::Restricted]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }))
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        })
    }
}

impl FromStr for PolicyVersion {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "latest" {
            return Ok(PolicyVersion::Latest);
        }
        let minor = s.strip_prefix("v1.").ok_or(ParseError::Version)?;
        let well_formed = !minor.is_empty()
            && minor.bytes().all(|b| b.is_ascii_digit())
            && (minor == "0" || !minor.starts_with('0'));
        if !well_formed {
            return Err(ParseError::Version);
        }
        minor
            .parse()
            .map(PolicyVersion::V1)
            .map_err(|_| ParseError::Version)
    }
}

impl fmt::Display for PolicyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyVersion::Latest => f.write_str("latest"),
            PolicyVersion::V1(n) => write!(f, "v1.{n}"),
        }
    }
}

/// One failed check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The upstream check id, e.g. `capabilities_restricted`.
    pub check: &'static str,
    /// The forbidden reason, word for word as upstream.
    pub reason: String,
    /// The forbidden detail, word for word as upstream, when the check gives one.
    pub detail: Option<String>,
    /// The offending fields, relative to the pod template (`spec.containers[0]....`,
    /// `metadata.annotations[key]`), first offender first. A field that must be set but
    /// is not is named where it should be.
    pub paths: Vec<String>,
}

/// The newest policy version (`v1.N`) this library implements; `latest` and newer
/// versions evaluate as this one.
pub const NEWEST_MINOR: u32 = 37;

/// A check as listed by [`all_checks`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInfo {
    /// The upstream check id, e.g. `capabilities_restricted`.
    pub id: &'static str,
    /// The level whose policy introduces it.
    pub level: Level,
    /// The v1 minor version from which each implementation applies, ascending; the
    /// check does not exist below the first.
    pub minimum_versions: Vec<u32>,
}

/// Every check, in run order (baseline ids sorted byte-wise, then restricted ids).
pub fn all_checks() -> &'static [CheckInfo] {
    registry::infos()
}

impl Violation {
    /// Builds a violation; an empty `detail` becomes `None`, as upstream omits it.
    pub(crate) fn new(
        check: &'static str,
        reason: impl Into<String>,
        detail: String,
        paths: Vec<String>,
    ) -> Self {
        Violation {
            check,
            reason: reason.into(),
            detail: (!detail.is_empty()).then_some(detail),
            paths,
        }
    }

    /// `reason (detail)`, or `reason` without a detail, as in admission messages. An
    /// empty reason prints as upstream's `unknown forbidden reason`.
    pub fn long_form(&self) -> String {
        let reason = if self.reason.is_empty() {
            "unknown forbidden reason"
        } else {
            &self.reason
        };
        match &self.detail {
            Some(d) => format!("{reason} ({d})"),
            None => reason.to_string(),
        }
    }
}

fn long_forms(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(Violation::long_form)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The enforce denial: `{resource} "{name}" is forbidden: violates PodSecurity
/// "{level}:{version}": {long forms}`. `version_text` is the version as configured
/// (e.g. `latest`), not the clamped one.
pub fn forbidden_message(
    resource: &str,
    name: &str,
    level: Level,
    version_text: &str,
    violations: &[Violation],
) -> String {
    format!(
        "{resource} \"{name}\" is forbidden: violates PodSecurity \"{level}:{version_text}\": {}",
        long_forms(violations)
    )
}

/// The warn/audit message: `would violate PodSecurity "{level}:{version}": {long forms}`.
pub fn warning_message(level: Level, version_text: &str, violations: &[Violation]) -> String {
    format!(
        "would violate PodSecurity \"{level}:{version_text}\": {}",
        long_forms(violations)
    )
}

/// Evaluates a pod (or pod template) against `level` at `version`, as the upstream
/// library does: failed checks in upstream order. Versions newer than
/// [`NEWEST_MINOR`] (and `latest`) evaluate as the newest; `privileged` runs nothing.
/// Allocates only for violations.
pub fn evaluate(
    level: Level,
    version: PolicyVersion,
    metadata: &ObjectMeta,
    spec: &PodSpec,
) -> Vec<Violation> {
    registry::checks_for(level, version)
        .iter()
        .filter_map(|check| check(metadata, spec))
        .collect()
}
