//! What can make a kubeconfig, or one of its fields, unusable.

use std::path::PathBuf;

/// An error that names the file and, where there is one, the field at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Not YAML, not a `Config`, or a field of the wrong type.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line at fault, when known.
        line: Option<u32>,
        /// What is wrong, in the YAML decoder's words.
        message: String,
    },
    /// None of the files of a `KUBECONFIG` chain exists.
    #[error("no kubeconfig file found (looked for {})", display_paths(.0))]
    NotFound(Vec<PathBuf>),
    /// A certificate, key or CA field that is present but cannot be used.
    #[error("{}: {field}: {message}", path.display())]
    Field {
        /// The file holding the field.
        path: PathBuf,
        /// The field, e.g. `users[admin].client-certificate-data`.
        field: String,
        /// Why it cannot be used.
        message: String,
    },
    /// `extract` asked for something that is not there.
    #[error("{0}")]
    Missing(String),
}

impl kubeward_report::Hint for Error {
    fn hint(&self) -> &str {
        match self {
            Error::Read { .. } => "check the path and its permissions, or pass another file",
            Error::Parse { .. } => {
                "a kubeconfig is one YAML document with `apiVersion: v1` and `kind: Config`; compare it with `kubectl config view --raw`"
            }
            Error::NotFound(_) => {
                "pass the file as an argument, or set KUBECONFIG to an existing file"
            }
            Error::Field { field, .. } if field.ends_with("-data") => {
                "a `*-data` field holds base64 of the PEM text: regenerate it with `base64 -w0 < file.pem`"
            }
            Error::Field { .. } => {
                "the file must hold PEM text (`-----BEGIN CERTIFICATE-----` or a private key); check the path"
            }
            Error::Missing(_) => "list what the file holds with `kubeward kubeconfig inspect`",
        }
    }
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
