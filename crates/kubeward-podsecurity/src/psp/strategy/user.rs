//! `runAsUser`: MustRunAs (ranges), MustRunAsNonRoot, RunAsAny.

use super::{in_ranges, ranges_text};
use crate::psp::field::FieldError;
use crate::psp::types::{IdRange, RunAsUserStrategyOptions};

/// The `runAsUser` strategy of a policy.
#[derive(Clone, Debug, PartialEq)]
pub enum RunAsUser {
    /// `MustRunAs`: the user id must lie in these ranges; an unset one defaults to the first range's `min`.
    MustRunAs(Vec<IdRange>),
    /// `MustRunAsNonRoot`: containers must not run as user id 0 (`runAsNonRoot: true` or a non-zero `runAsUser`).
    MustRunAsNonRoot,
    /// `RunAsAny`: any user id, nothing defaulted.
    RunAsAny,
}

impl RunAsUser {
    /// Upstream's factory: `MustRunAs` needs a range; the rule was validated on load.
    pub fn build(opts: &RunAsUserStrategyOptions) -> Result<Self, String> {
        match opts.rule.as_str() {
            "MustRunAs" if opts.ranges.is_empty() => {
                Err("MustRunAs requires at least one range".into())
            }
            "MustRunAs" => Ok(RunAsUser::MustRunAs(opts.ranges.clone())),
            "MustRunAsNonRoot" => Ok(RunAsUser::MustRunAsNonRoot),
            "RunAsAny" => Ok(RunAsUser::RunAsAny),
            other => Err(format!("Unrecognized RunAsUser strategy type {other}")),
        }
    }

    /// The uid to default an unset (effective) runAsUser to: the first range's min.
    pub fn generate(&self) -> Option<i64> {
        match self {
            RunAsUser::MustRunAs(r) => r.first().map(|r| r.min),
            _ => None,
        }
    }

    /// Checks the effective `runAsNonRoot` and `runAsUser` of a container.
    pub fn validate(
        &self,
        sc_path: &str,
        run_as_non_root: Option<bool>,
        run_as_user: Option<i64>,
    ) -> Vec<FieldError> {
        match self {
            RunAsUser::RunAsAny => vec![],
            RunAsUser::MustRunAs(ranges) => match run_as_user {
                None => vec![FieldError::required(format!("{sc_path}.runAsUser"), "")],
                Some(uid) if !in_ranges(uid, ranges) => vec![FieldError::invalid(
                    format!("{sc_path}.runAsUser"),
                    uid.to_string(),
                    format!("must be in the ranges: {}", ranges_text(ranges)),
                )],
                Some(_) => vec![],
            },
            RunAsUser::MustRunAsNonRoot => {
                if run_as_non_root.is_none() && run_as_user.is_none() {
                    vec![FieldError::required(
                        format!("{sc_path}.runAsNonRoot"),
                        "must be true",
                    )]
                } else if run_as_non_root == Some(false) {
                    vec![FieldError::invalid(
                        format!("{sc_path}.runAsNonRoot"),
                        "false".into(),
                        "must be true",
                    )]
                } else if run_as_user == Some(0) {
                    vec![FieldError::invalid(
                        format!("{sc_path}.runAsUser"),
                        "0".into(),
                        "running with the root UID is forbidden",
                    )]
                } else {
                    vec![]
                }
            }
        }
    }
}
