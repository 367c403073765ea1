//! Where a certificate, key or token comes from: an embedded `*-data` field (base64 of the
//! PEM text) or a file path, resolved and read as clientcmd does. Data wins over a path.

use std::io::Read;
use std::path::PathBuf;

use base64::Engine;
use serde::Serialize;

use super::load::Named;

/// Certificates and keys are small; this bounds what a mistaken path (`/dev/zero`) costs.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Where a piece of material was found.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum Source {
    /// Inline in the kubeconfig, under `field`.
    Embedded {
        /// The kubeconfig holding the field.
        file: PathBuf,
        /// The field, e.g. `users[admin].client-key-data`.
        field: String,
    },
    /// In a file that the kubeconfig's `field` names (resolved to `path`).
    File {
        /// The kubeconfig field naming the file, e.g. `users[admin].client-certificate`.
        field: String,
        /// The file, resolved against the kubeconfig's directory.
        path: PathBuf,
        /// Unix permission bits, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        mode: Option<u32>,
    },
}

impl Source {
    /// The kubeconfig field the material was read from or through.
    pub fn field(&self) -> &str {
        match self {
            Source::Embedded { field, .. } | Source::File { field, .. } => field,
        }
    }
}

/// The outcome of looking a piece of material up.
#[derive(Clone, Debug)]
pub(crate) enum Fetched {
    /// Neither field is set.
    Absent,
    /// The referenced file does not exist.
    Missing(Source),
    Bytes(Source, Vec<u8>),
    /// Set, but unreadable or undecodable; the message says why.
    Bad(Source, String),
}

/// Looks up `<field>-data`, else `<field>`, in `entry`.
pub(crate) fn fetch<T>(
    entry: &Named<T>,
    field: &str,
    data: Option<&str>,
    path: Option<&str>,
) -> Fetched {
    if let Some(data) = data.filter(|d| !d.is_empty()) {
        let source = Source::Embedded {
            file: entry.origin.to_path_buf(),
            field: format!("{field}-data"),
        };
        return match decode_base64(data) {
            Ok(bytes) => Fetched::Bytes(source, bytes),
            Err(e) => Fetched::Bad(source, e),
        };
    }
    let Some(path) = path.filter(|p| !p.is_empty()) else {
        return Fetched::Absent;
    };
    let resolved = entry.resolve(path);
    let source = |mode| Source::File {
        field: field.to_owned(),
        path: resolved.clone(),
        mode,
    };
    let meta = match std::fs::metadata(&resolved) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Fetched::Missing(source(None));
        }
        Err(e) => {
            return Fetched::Bad(
                source(None),
                format!("cannot read {}: {e}", resolved.display()),
            );
        }
    };
    let src = source(mode(&meta));
    match read_capped(&resolved) {
        Ok(bytes) => Fetched::Bytes(src, bytes),
        Err(e) => Fetched::Bad(src, e),
    }
}

/// The permission bits of a file, where the platform has them.
pub(crate) fn mode(meta: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// Go's `encoding/json` decodes `[]byte` with the padded standard alphabet and skips CR
/// and LF, nothing else.
pub(crate) fn decode_base64(data: &str) -> Result<Vec<u8>, String> {
    let cleaned: String = data.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|e| format!("not valid base64: {e}"))
}

fn read_capped(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("{} is larger than 1 MiB", path.display()));
    }
    Ok(bytes)
}
