//! One module per top-level command other than `scan`; each owns its clap arguments and
//! its `run`.

pub mod audit_policy;
pub mod controlplane;
pub mod detect;
mod io;
pub mod kubeconfig;
mod policy_inputs;
pub mod psp;
pub mod rules;
mod rules_files;
pub mod seccomp;
mod serving;
pub mod webhook;

/// `--max-file-size`: the same option, name and default on every command that reads files.
#[derive(Clone, Copy, Debug, clap::Args)]
pub struct FileLimit {
    /// Largest file to read, in bytes; larger files are reported as errors.
    #[arg(long = "max-file-size", value_name = "BYTES", default_value_t = kubeward_manifest::Limits::default().max_file_bytes)]
    pub max_file_size: u64,
}

impl FileLimit {
    pub fn limits(self) -> kubeward_manifest::Limits {
        kubeward_manifest::Limits {
            max_file_bytes: self.max_file_size,
            ..kubeward_manifest::Limits::default()
        }
    }
}

/// `--fail-on`: the lowest severity that makes the exit status 1, the same for every
/// checking command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl FailOn {
    pub fn threshold(self) -> kubeward_report::Severity {
        use kubeward_report::Severity;
        match self {
            FailOn::Critical => Severity::Critical,
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
            FailOn::Info => Severity::Info,
        }
    }
}

impl From<FailOn> for kubeward_report::Severity {
    fn from(f: FailOn) -> Self {
        f.threshold()
    }
}
