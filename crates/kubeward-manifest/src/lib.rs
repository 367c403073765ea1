//! Loads Kubernetes manifests for the rest of kubeward.
//!
//! Files, directories and standard input become [`Resource`]s: one per object, with
//! `kind: List` (and every `*List`) expanded into its items. Values are resolved the way
//! the Kubernetes API machinery reads YAML (YAML 1.1 through go-yaml v2: `yes`, `on`,
//! `0777`… mean what they mean to `kubectl`), and every value keeps its file, line and
//! column so that findings point at the key that caused them. Workload kinds yield their
//! pod template as typed k8s-openapi objects through [`pod_template`]. [`collect`] runs
//! discover → read → parse for readers that want a few files whole.
//!
//! Bad input never panics and never grows memory without bound: files, documents,
//! nesting depth and alias expansion all have limits ([`Limits`]), and each breach is a
//! [`LoadError`] naming the file and line.

mod collect;
mod de;
mod fast;
mod list;
mod load;
mod node;
mod resolve;
mod source;
mod tree;
mod workload;
mod yaml;

use std::sync::Arc;

pub use collect::{Collected, Decoding, Stage, collect};
pub use load::{
    Input, PROJECT_CONFIG, discover, may_contain_kind, may_contain_namespace, read_input,
};
pub use node::{Entry, Located, Node, Pos, Step, Value, path_steps};
pub use source::{PIECE_BYTES, Piece, Pieces, Source};
pub use workload::{PodTemplate, WORKLOADS, Workload, pod_template};
pub use yaml::{
    Parsed, STREAM_BYTES, parse_documents, parse_documents_reference, parse_documents_strict,
    parse_piece, parse_piece_each,
};

/// One Kubernetes object as written in a manifest.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The file it came from, as given on the command line (`-` is shown as `<stdin>`).
    pub file: Arc<str>,
    /// Where the object starts.
    pub pos: Pos,
    /// The object's `apiVersion`, e.g. `apps/v1` (never empty: an object without one is a [`LoadError`]).
    pub api_version: String,
    /// The object's `kind`, e.g. `Deployment` (never empty: an object without one is a [`LoadError`]).
    pub kind: String,
    /// `metadata.namespace`; `None` when not written (the namespace is then the one applied at deploy time).
    pub namespace: Option<String>,
    /// `metadata.name`, else `metadata.generateName`.
    pub name: Option<String>,
    /// The whole object.
    pub node: Node,
}

/// Something that could not be loaded. The rest of the input is still loaded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{file}{}: {message}", pos.map(|p| format!(":{}:{}", p.line, p.col)).unwrap_or_default())]
pub struct LoadError {
    /// The file the error is in, named as in [`Resource::file`].
    pub file: Arc<str>,
    /// Where in the file, when known (`None` for errors about the whole input, such as an unreadable file).
    pub pos: Option<Pos>,
    /// What went wrong, as shown to the user.
    pub message: String,
    /// Set when the error is a key set twice in one mapping; `pos` is the second time.
    pub duplicate: Option<Box<DuplicateKey>>,
}

impl LoadError {
    /// Whether this is a key set twice in one mapping (see [`DuplicateKey`]), which lenient readers accept.
    pub fn is_duplicate_key(&self) -> bool {
        self.duplicate.is_some()
    }
}

/// A key set twice in one mapping, merge keys (`<<`) included. Readers that decode
/// leniently (kubectl's YAML-to-JSON step, the kubelet, clientcmd) keep the last value
/// without a word; the API server's strict field validation (the default of `kubectl
/// create` and `apply` since 1.27) rejects an object that reaches it with one, in go-yaml's
/// words `key "x" already set in map` for YAML and `duplicate field "a.x"` for JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The field's path in its document, as [`Node::locate`] reads it:
    /// `spec.containers[0].securityContext.privileged`.
    pub path: String,
    /// The key that was set twice, as written.
    pub key: String,
    /// Where the key was first set.
    pub first: Pos,
}

/// Bounds on what one input may cost.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Deepest nesting of sequences and mappings in a document.
    pub max_depth: usize,
    /// Most nodes one document may hold once aliases are expanded.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 64 * 1024 * 1024,
            max_depth: 256,
            max_nodes: 1_000_000,
        }
    }
}
