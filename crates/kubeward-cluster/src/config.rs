//! `.kubeward.yaml`: a project's scan settings, found upwards from the scanned path, in
//! the shape of a Kubernetes component configuration (`apiVersion`, `kind`, fields), so
//! that it is versioned and read with positions like every other file kubeward reads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kubeward_manifest::{Input, Limits, Node, Value};
use kubeward_report::Severity;

pub use kubeward_manifest::PROJECT_CONFIG as FILE_NAME;

/// The one `apiVersion` a project configuration may have.
pub const API_VERSION: &str = "kubeward.io/v1alpha1";
/// Its `kind`.
pub const KIND: &str = "ScanConfiguration";

/// The settings of a `.kubeward.yaml`. A field not written is `None`; a command-line
/// option replaces the field it names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectConfig {
    /// Where it was read from.
    pub path: PathBuf,
    /// `enable`: the rules to run (families, id prefixes or ids).
    pub enable: Option<Vec<String>>,
    /// `disable`: the rules not to run.
    pub disable: Option<Vec<String>>,
    /// `failOn`: the severity at or above which a finding fails the scan.
    pub fail_on: Option<Severity>,
}

/// A `.kubeward.yaml` that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// The line the problem is on, when it is on one.
    pub line: Option<u32>,
    /// What is wrong.
    pub message: String,
}

impl kubeward_report::Hint for ConfigError {
    fn hint(&self) -> &str {
        "a .kubeward.yaml holds `apiVersion: kubeward.io/v1alpha1`, `kind: ScanConfiguration` \
         and any of `enable`, `disable` (lists of families, id prefixes or ids) and `failOn` \
         (info, low, medium, high or critical); --no-config ignores it"
    }
}

/// The `.kubeward.yaml` that governs `scanned`: in its directory (its own, when it is a
/// directory) or the nearest one above. Relative paths are taken from `cwd`.
pub fn find(scanned: &Path, cwd: &Path) -> Option<PathBuf> {
    let absolute = if scanned.is_absolute() {
        scanned.to_path_buf()
    } else {
        cwd.join(scanned)
    };
    let start = if absolute.is_dir() {
        absolute.as_path()
    } else {
        absolute.parent()?
    };
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// Reads and checks the configuration at `path`.
pub fn load(path: &Path) -> Result<ProjectConfig, ConfigError> {
    let text = kubeward_manifest::read_input(&Input::File(path.to_path_buf()), &Limits::default())
        .map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: e.pos.map(|p| p.line),
            message: e.message,
        })?;
    parse(path, &text)
}

/// Parses the text of a configuration read from `path`.
pub fn parse(path: &Path, text: &str) -> Result<ProjectConfig, ConfigError> {
    let err = |line: Option<u32>, message: String| ConfigError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let name: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    let mut docs =
        kubeward_manifest::parse_documents_strict(&name, text, &Limits::default()).into_iter();
    let doc = match docs.next() {
        None => return Err(err(None, "the file is empty".into())),
        Some(Err(e)) => return Err(err(e.pos.map(|p| p.line), e.message)),
        Some(Ok(doc)) => doc,
    };
    if let Some(next) = docs.next() {
        let line = match next {
            Ok(d) => Some(d.pos.line),
            Err(e) => e.pos.map(|p| p.line),
        };
        return Err(err(line, "more than one YAML document".into()));
    }
    if doc.api_version != API_VERSION || doc.kind != KIND {
        return Err(err(
            Some(doc.pos.line),
            format!(
                "apiVersion {:?} and kind {:?} are not {API_VERSION} {KIND}",
                doc.api_version, doc.kind
            ),
        ));
    }
    let mut config = ProjectConfig {
        path: path.to_path_buf(),
        ..ProjectConfig::default()
    };
    for entry in doc.node.as_map().unwrap_or_default() {
        let line = Some(entry.key_pos.line);
        match entry.key.as_str() {
            "apiVersion" | "kind" => {}
            "enable" => config.enable = Some(names(&entry.value).map_err(|m| err(line, m))?),
            "disable" => config.disable = Some(names(&entry.value).map_err(|m| err(line, m))?),
            "failOn" => {
                let word = entry.value.as_str().unwrap_or_default();
                let severity = word.parse().map_err(|_| {
                    err(
                        line,
                        format!("failOn {word:?} is not info, low, medium, high or critical"),
                    )
                })?;
                config.fail_on = Some(severity);
            }
            other => {
                return Err(err(line, format!("unknown field {other:?}")));
            }
        }
    }
    Ok(config)
}

/// A list of rule names, or one comma-separated string of them, as on the command line.
fn names(node: &Node) -> Result<Vec<String>, String> {
    let split = |s: &str| -> Vec<String> {
        s.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()
    };
    match &node.value {
        Value::Str(s) => Ok(split(s)),
        Value::Seq(items) => {
            let mut out = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s) => out.extend(split(s)),
                    None => return Err("a rule name must be a string".into()),
                }
            }
            Ok(out)
        }
        Value::Null => Ok(Vec::new()),
        _ => Err("expected a list of rule names".into()),
    }
}
