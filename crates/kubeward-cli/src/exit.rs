//! The one exit-status contract of every command: 0 when the input was read and nothing
//! reached `--fail-on`, 1 for findings at or above it, 2 when some input was unusable.
//! Commands return an [`ExitStatus`]; only `main` turns it into a process exit code.

use std::process::ExitCode;

/// How a command ended, in the order that decides it: unusable input outranks findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// Everything was read and nothing reached the threshold (exit 0).
    Clean,
    /// Findings at or above the threshold, or a denial (exit 1).
    Findings,
    /// Some input could not be read or understood (exit 2).
    Unusable,
}

impl ExitStatus {
    /// The one derivation: unusable input gives 2 whatever was found in the rest; else
    /// anything failing gives 1; else 0.
    pub fn judge(unusable: bool, failing: bool) -> Self {
        if unusable {
            ExitStatus::Unusable
        } else if failing {
            ExitStatus::Findings
        } else {
            ExitStatus::Clean
        }
    }

    /// [`judge`](Self::judge) for findings that carry a severity: failing when any is at
    /// or above `threshold`.
    pub fn from_findings<S: PartialOrd>(
        unusable: bool,
        severities: impl IntoIterator<Item = S>,
        threshold: S,
    ) -> Self {
        let failing = severities.into_iter().any(|s| s >= threshold);
        Self::judge(unusable, failing)
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(match s {
            ExitStatus::Clean => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Unusable => 2,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus;

    #[test]
    fn unusable_outranks_findings() {
        assert_eq!(ExitStatus::judge(true, true), ExitStatus::Unusable);
        assert_eq!(ExitStatus::judge(true, false), ExitStatus::Unusable);
        assert_eq!(ExitStatus::judge(false, true), ExitStatus::Findings);
        assert_eq!(ExitStatus::judge(false, false), ExitStatus::Clean);
    }

    #[test]
    fn findings_fail_at_or_above_the_threshold() {
        assert_eq!(
            ExitStatus::from_findings(false, [1, 3], 3),
            ExitStatus::Findings
        );
        assert_eq!(
            ExitStatus::from_findings(false, [1, 2], 3),
            ExitStatus::Clean
        );
        assert_eq!(ExitStatus::from_findings(false, [], 3), ExitStatus::Clean);
        assert_eq!(ExitStatus::from_findings(true, [], 3), ExitStatus::Unusable);
    }

    #[test]
    fn codes_are_zero_one_two() {
        use std::process::ExitCode;
        for (s, n) in [
            (ExitStatus::Clean, 0u8),
            (ExitStatus::Findings, 1),
            (ExitStatus::Unusable, 2),
        ] {
            assert_eq!(
                format!("{:?}", ExitCode::from(s)),
                format!("{:?}", ExitCode::from(n))
            );
        }
    }
}
