//! One module per top-level command other than `scan`; each owns its clap arguments and
//! its `run`.

pub mod audit_policy;
pub mod controlplane;
pub mod detect;
mod io;
pub mod kubeconfig;
mod policy_inputs;
pub mod psp;
pub mod rbac;
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
