//! The PodSecurity admission plugin's configuration, read from the file kube-apiserver
//! reads (`--admission-control-config-file`): an `AdmissionConfiguration` whose
//! `PodSecurity` plugin entry holds (or names) a `PodSecurityConfiguration`, or that
//! configuration alone. Defaults apply to namespaces without labels; exemptions are exact
//! matches (reference 2.2). Validation gives upstream's field errors, word for word.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kubeward_manifest::{Input, Limits, Node, Value};

use super::namespace::Policy;
use super::{Level, PolicyVersion};

/// The group of `PodSecurityConfiguration`; v1, v1beta1 and v1alpha1 hold the same fields.
const GROUP: &str = "pod-security.admission.config.k8s.io";

/// The policies of a namespace that has no labels, per mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Defaults {
    /// `enforce` and `enforce-version`.
    pub enforce: Policy,
    /// `audit` and `audit-version`.
    pub audit: Policy,
    /// `warn` and `warn-version`.
    pub warn: Policy,
}

impl Default for Defaults {
    /// The plugin's built-in defaults: `privileged:latest` in every mode.
    fn default() -> Self {
        let p = Policy {
            level: Level::Privileged,
            version: PolicyVersion::Latest,
        };
        Defaults {
            enforce: p,
            audit: p,
            warn: p,
        }
    }
}

/// Requests the plugin does not evaluate: exact matches only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exemptions {
    /// Requesting users (not the creator of a workload: controllers create its pods).
    pub usernames: HashSet<String>,
    /// Namespaces whose requests are not evaluated.
    pub namespaces: HashSet<String>,
    /// Pod `runtimeClassName`s; an empty name never matches.
    pub runtime_classes: HashSet<String>,
}

/// A `PodSecurityConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodSecurityConfiguration {
    /// The policies of namespaces without labels.
    pub defaults: Defaults,
    /// What is not evaluated.
    pub exemptions: Exemptions,
}

/// A configuration file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// The line of the object the problem is in, when known.
    pub line: Option<u32>,
    /// What is wrong: for invalid values, upstream's field errors (`[a, b]` when several).
    pub message: String,
}

impl kubeward_report::Hint for ConfigError {
    fn hint(&self) -> &str {
        "give the file kube-apiserver reads with --admission-control-config-file (an \
         AdmissionConfiguration with a PodSecurity plugin entry) or a PodSecurityConfiguration \
         of pod-security.admission.config.k8s.io/v1"
    }
}

/// Reads the configuration at `path`.
pub fn load(path: &Path) -> Result<PodSecurityConfiguration, ConfigError> {
    let text = read(path)?;
    parse(path, &text)
}

fn read(path: &Path) -> Result<String, ConfigError> {
    kubeward_manifest::read_input(&Input::File(path.to_path_buf()), &Limits::default()).map_err(
        |e| ConfigError {
            path: path.to_path_buf(),
            line: e.pos.map(|p| p.line),
            message: e.message,
        },
    )
}

/// Parses the text of a configuration read from `path` (a `path` in an
/// AdmissionConfiguration's plugin entry is read relative to its directory).
pub fn parse(path: &Path, text: &str) -> Result<PodSecurityConfiguration, ConfigError> {
    let doc = first_document(path, text)?;
    let err = |line: u32, message: String| ConfigError {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    let group = doc.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    match (doc.kind.as_str(), group) {
        ("AdmissionConfiguration", "apiserver.config.k8s.io" | "apiserver.k8s.io") => {
            let plugins = doc
                .node
                .get("plugins")
                .and_then(Node::as_seq)
                .unwrap_or_default();
            let Some(entry) = plugins
                .iter()
                .find(|p| p.get("name").and_then(Node::as_str) == Some("PodSecurity"))
            else {
                // No entry: the plugin runs with its defaults.
                return Ok(PodSecurityConfiguration::default());
            };
            if let Some(inline) = entry.get("configuration") {
                return from_node(inline).map_err(|m| err(inline.pos.line, m));
            }
            match entry.get("path").and_then(Node::as_str) {
                Some(p) if !p.is_empty() => {
                    let file = path.parent().unwrap_or(Path::new("")).join(p);
                    let text = read(&file)?;
                    // The named file holds the configuration itself, never another
                    // AdmissionConfiguration.
                    let own = first_document(&file, &text)?;
                    from_node(&own.node).map_err(|message| ConfigError {
                        path: file.clone(),
                        line: Some(own.pos.line),
                        message,
                    })
                }
                _ => Ok(PodSecurityConfiguration::default()),
            }
        }
        ("PodSecurityConfiguration", GROUP) => {
            from_node(&doc.node).map_err(|m| err(doc.pos.line, m))
        }
        (kind, _) => Err(err(
            doc.pos.line,
            format!(
                "{} {kind} is neither an AdmissionConfiguration nor a PodSecurityConfiguration",
                doc.api_version
            ),
        )),
    }
}

/// The one object of a configuration file.
fn first_document(path: &Path, text: &str) -> Result<kubeward_manifest::Resource, ConfigError> {
    let name: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    let err = |line: Option<u32>, message: String| ConfigError {
        path: path.to_path_buf(),
        line,
        message,
    };
    match kubeward_manifest::parse_documents(&name, text, &Limits::default())
        .into_iter()
        .next()
    {
        None => Err(err(None, "the file holds no object".into())),
        Some(Err(e)) => Err(err(e.pos.map(|p| p.line), e.message)),
        Some(Ok(doc)) => Ok(doc),
    }
}

/// Decodes and validates a `PodSecurityConfiguration` object.
fn from_node(node: &Node) -> Result<PodSecurityConfiguration, String> {
    let api_version = node
        .get("apiVersion")
        .and_then(Node::as_str)
        .unwrap_or_default();
    let kind = node.get("kind").and_then(Node::as_str).unwrap_or_default();
    let versioned = api_version
        .strip_prefix(GROUP)
        .and_then(|v| v.strip_prefix('/'))
        .is_some_and(|v| matches!(v, "v1" | "v1beta1" | "v1alpha1"));
    if !versioned || kind != "PodSecurityConfiguration" {
        return Err(format!(
            "the PodSecurity configuration must be a PodSecurityConfiguration of {GROUP}/v1, \
             v1beta1 or v1alpha1, not {api_version:?} {kind:?}"
        ));
    }
    let text = |path: &str| -> Result<String, String> {
        match node.at(path).map(|n| &n.value) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::Str(s)) => Ok(s.clone()),
            Some(_) => Err(format!("{path}: must be a string")),
        }
    };
    let list = |path: &str| -> Result<Vec<String>, String> {
        match node.at(path).map(|n| &n.value) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Seq(items)) => items
                .iter()
                .map(|i| match &i.value {
                    Value::Str(s) => Ok(s.clone()),
                    _ => Err(format!("{path}: every item must be a string")),
                })
                .collect(),
            Some(_) => Err(format!("{path}: must be a list of strings")),
        }
    };
    let mut errors = Vec::new();
    let mut policy = |mode: &str| -> Result<Policy, String> {
        let level_text = text(&format!("defaults.{mode}"))?;
        let version_text = text(&format!("defaults.{mode}-version"))?;
        // Unset fields take the plugin's defaults before validation, as upstream's
        // defaulting does.
        let level = if level_text.is_empty() {
            Ok(Level::Privileged)
        } else {
            level_text.parse::<Level>()
        };
        let version = if version_text.is_empty() {
            Ok(PolicyVersion::Latest)
        } else {
            version_text.parse::<PolicyVersion>()
        };
        if let Err(e) = &level {
            errors.push(invalid(
                &format!("defaults.{mode}"),
                &level_text,
                &e.to_string(),
            ));
        }
        if let Err(e) = &version {
            errors.push(invalid(
                &format!("defaults.{mode}-version"),
                &version_text,
                &e.to_string(),
            ));
        }
        Ok(Policy {
            level: level.unwrap_or(Level::Privileged),
            version: version.unwrap_or(PolicyVersion::Latest),
        })
    };
    // Upstream's order: enforce, warn, audit.
    let enforce = policy("enforce")?;
    let warn = policy("warn")?;
    let audit = policy("audit")?;
    let namespaces = list("exemptions.namespaces")?;
    let runtime_classes = list("exemptions.runtimeClasses")?;
    let usernames = list("exemptions.usernames")?;
    let mut exemptions = Exemptions::default();
    for (i, ns) in namespaces.iter().enumerate() {
        let field = format!("exemptions.namespaces[{i}]");
        let problems = dns_label(ns);
        if !problems.is_empty() {
            errors.push(invalid(&field, ns, &problems.join(", ")));
        } else if !exemptions.namespaces.insert(ns.clone()) {
            errors.push(format!("{field}: Duplicate value: {ns:?}"));
        }
    }
    for (i, rc) in runtime_classes.iter().enumerate() {
        let field = format!("exemptions.runtimeClasses[{i}]");
        let problems = dns_subdomain(rc);
        if !problems.is_empty() {
            errors.push(invalid(&field, rc, &problems.join(", ")));
        } else if !exemptions.runtime_classes.insert(rc.clone()) {
            errors.push(format!("{field}: Duplicate value: {rc:?}"));
        }
    }
    for (i, user) in usernames.iter().enumerate() {
        let field = format!("exemptions.usernames[{i}]");
        if user.is_empty() {
            errors.push(format!("{field}: Required value"));
        } else if !exemptions.usernames.insert(user.clone()) {
            errors.push(format!("{field}: Duplicate value: {user:?}"));
        }
    }
    match errors.as_slice() {
        [] => Ok(PodSecurityConfiguration {
            defaults: Defaults {
                enforce,
                audit,
                warn,
            },
            exemptions,
        }),
        [one] => Err(one.clone()),
        many => Err(format!("[{}]", many.join(", "))),
    }
}

/// apimachinery's `field.Invalid` text for a string value.
fn invalid(field: &str, value: &str, detail: &str) -> String {
    format!("{field}: Invalid value: {value:?}: {detail}")
}

fn alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// A DNS-1123 label: lowercase alphanumerics and `-`, alphanumeric at both ends.
fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && alnum(b[0])
        && alnum(b[b.len() - 1])
        && b.iter().all(|&c| alnum(c) || c == b'-')
}

/// apimachinery's `IsDNS1123Label` errors (what `ValidateNamespaceName` gives).
fn dns_label(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    if s.len() > 63 {
        out.push("must be no more than 63 characters".to_owned());
    }
    if !is_label(s) {
        out.push(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \
             '-', and must start and end with an alphanumeric character (e.g. 'my-name', or \
             '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
                .to_owned(),
        );
    }
    out
}

/// apimachinery's `IsDNS1123Subdomain` errors (what `NameIsDNSSubdomain` gives).
fn dns_subdomain(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    if s.len() > 253 {
        out.push("must be no more than 253 characters".to_owned());
    }
    if !s.split('.').all(is_label) {
        out.push(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \
             '-' or '.', and must start and end with an alphanumeric character (e.g. \
             'example.com', regex used for validation is \
             '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
                .to_owned(),
        );
    }
    out
}
