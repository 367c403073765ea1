//! How much a finding matters, on the scale every kubeward checker shares (lints, kubeconfig,
//! CIS, audit policy, seccomp), so that `--fail-on` means the same everywhere.

use std::fmt;
use std::str::FromStr;

/// Ordered: `Info` < `Low` < `Medium` < `High` < `Critical`, so `--fail-on` is a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, not a weakness by itself; fails a run only with `--fail-on info`.
    Info,
    /// A minor weakness or a deviation from best practice with little direct exposure.
    Low,
    /// A weakness that matters in some configurations or together with another one.
    Medium,
    /// A serious weakness; the default `--fail-on` threshold of most commands.
    High,
    /// The most serious, e.g. an API server that authorizes every request (CIS 1.2.6).
    Critical,
}

impl Severity {
    /// The lowercase name used in output and accepted by `--fail-on` (`info` … `critical`); the inverse of `FromStr`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(format!(
                "unknown severity {s:?} (expected critical, high, medium, low or info)"
            )),
        }
    }
}

/// `--fail-on critical|high|medium|low|info`: listed from the most severe, as users pick a
/// threshold from the top.
#[cfg(feature = "clap")]
impl clap::ValueEnum for Severity {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_parse_and_print() {
        assert!(Severity::Info < Severity::Low && Severity::High < Severity::Critical);
        for s in ["info", "low", "medium", "high", "critical"] {
            assert_eq!(
                s.parse::<Severity>().map(|v| v.to_string()),
                Ok(s.to_string())
            );
        }
        assert!("severe".parse::<Severity>().is_err());
        assert_eq!(serde_json::to_string(&Severity::High).unwrap(), "\"high\"");
    }
}
