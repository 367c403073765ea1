//! Rule priorities, Falco's eight syslog-like levels.

use std::fmt;

/// A rule's priority; a smaller value is more severe (`Emergency` = 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// `EMERGENCY`: the most severe.
    Emergency = 0,
    /// `ALERT`.
    Alert = 1,
    /// `CRITICAL`.
    Critical = 2,
    /// `ERROR`.
    Error = 3,
    /// `WARNING`.
    Warning = 4,
    /// `NOTICE`.
    Notice = 5,
    /// `INFORMATIONAL` (also read as `INFO`).
    Informational = 6,
    /// `DEBUG`: the least severe.
    Debug = 7,
}

impl Priority {
    /// Every priority, most severe first.
    pub const ALL: [Priority; 8] = [
        Priority::Emergency,
        Priority::Alert,
        Priority::Critical,
        Priority::Error,
        Priority::Warning,
        Priority::Notice,
        Priority::Informational,
        Priority::Debug,
    ];

    /// Parses a priority as Falco does: the eight names in any letter case, plus
    /// `info`; nothing else (`warn` and `err` are invalid).
    pub fn parse(text: &str) -> Option<Priority> {
        if text.eq_ignore_ascii_case("info") {
            return Some(Priority::Informational);
        }
        Priority::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(text))
    }

    /// The long capitalised name used in alerts (`Warning`, `Informational`).
    pub fn name(self) -> &'static str {
        match self {
            Priority::Emergency => "Emergency",
            Priority::Alert => "Alert",
            Priority::Critical => "Critical",
            Priority::Error => "Error",
            Priority::Warning => "Warning",
            Priority::Notice => "Notice",
            Priority::Informational => "Informational",
            Priority::Debug => "Debug",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_falco_accepts() {
        for (text, p) in [
            ("EMERGENCY", Priority::Emergency),
            ("alert", Priority::Alert),
            ("Critical", Priority::Critical),
            ("ERROR", Priority::Error),
            ("warning", Priority::Warning),
            ("NOTICE", Priority::Notice),
            ("INFO", Priority::Informational),
            ("info", Priority::Informational),
            ("Informational", Priority::Informational),
            ("DEBUG", Priority::Debug),
        ] {
            assert_eq!(Priority::parse(text), Some(p), "{text}");
        }
        for bad in ["warn", "err", "", "crit", "information"] {
            assert_eq!(Priority::parse(bad), None, "{bad}");
        }
        assert!(Priority::Emergency < Priority::Debug);
        assert_eq!(Priority::Informational.to_string(), "Informational");
    }
}
