//! Group strategies shared by `runAsGroup`, `fsGroup` and `supplementalGroups`:
//! MustRunAs (defaults to the first range's min), MayRunAs (checks only what is set),
//! RunAsAny.

use super::{in_ranges, ranges_text};
use crate::psp::field::{FieldError, go_int64s};
use crate::psp::types::IdRange;

/// A group strategy (`runAsGroup`, `fsGroup` or `supplementalGroups`).
#[derive(Clone, Debug, PartialEq)]
pub enum Group {
    /// `MustRunAs`: the ids must lie in these ranges; an unset id defaults to the first range's `min`.
    MustRunAs(Vec<IdRange>),
    /// `MayRunAs`: ids that are set must lie in these ranges; unset ones stay unset.
    MayRunAs(Vec<IdRange>),
    /// `RunAsAny`: any id, nothing defaulted.
    RunAsAny,
}

impl Group {
    /// Upstream's factory; `field` names the policy field for the error.
    pub fn build(rule: &str, ranges: &[IdRange], field: &str) -> Result<Self, String> {
        match rule {
            "MustRunAs" | "MayRunAs" if ranges.is_empty() => {
                Err(format!("ranges must be supplied for {rule} ({field})"))
            }
            "MustRunAs" => Ok(Group::MustRunAs(ranges.to_vec())),
            "MayRunAs" => Ok(Group::MayRunAs(ranges.to_vec())),
            "RunAsAny" => Ok(Group::RunAsAny),
            other => Err(format!("Unrecognized {field} strategy type {other}")),
        }
    }

    /// A list default (supplementalGroups): `[min]` of the first range under MustRunAs.
    pub fn generate(&self) -> Option<Vec<i64>> {
        self.generate_single().map(|g| vec![g])
    }

    /// A single default (fsGroup, runAsGroup).
    pub fn generate_single(&self) -> Option<i64> {
        match self {
            Group::MustRunAs(r) => r.first().map(|r| r.min),
            _ => None,
        }
    }

    /// Checks `groups` (Go nil = `None`); every error's value is the whole list, as
    /// upstream passes it.
    pub fn validate(&self, path: &str, groups: Option<&[i64]>) -> Vec<FieldError> {
        let ranges = match self {
            Group::RunAsAny => return vec![],
            Group::MustRunAs(r) | Group::MayRunAs(r) => r,
        };
        let mut errs = vec![];
        let list = groups.unwrap_or_default();
        if matches!(self, Group::MustRunAs(_)) && list.is_empty() {
            errs.push(FieldError::invalid(
                path,
                go_int64s(groups),
                "unable to validate empty groups against required ranges",
            ));
        }
        for g in list {
            if !in_ranges(*g, ranges) {
                errs.push(FieldError::invalid(
                    path,
                    go_int64s(groups),
                    format!("group {g} must be in the ranges: {}", ranges_text(ranges)),
                ));
            }
        }
        errs
    }
}
