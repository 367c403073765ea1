//! Reading kubeconfig files, and merging a `KUBECONFIG` chain as clientcmd does.
//!
//! The YAML goes through `kubeward_manifest`, so scalars resolve by the same YAML 1.1 rules
//! as client-go's reader (`insecure-skip-tls-verify: yes` is true) and every entry keeps
//! its line for findings.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kubeward_manifest::{Input, Limits, Node, Value};
use serde::de::DeserializeOwned;

use super::Error;
use super::model::{AuthInfo, Cluster, Context};

/// A named cluster, user or context, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Named<T> {
    /// The entry's `name`.
    pub name: String,
    /// The inner `cluster`, `user` or `context` mapping.
    pub value: T,
    /// The file it came from: relative paths in it resolve against this file's directory.
    pub origin: Arc<Path>,
    /// Line of the entry's `name`.
    pub line: u32,
    /// Line of each field of the inner mapping (`cluster`, `user` or `context`).
    pub field_lines: Vec<(String, u32)>,
}

impl<T> Named<T> {
    /// The line of field `key` of the inner mapping, else of the entry.
    pub fn line_of(&self, key: &str) -> u32 {
        self.field_lines
            .iter()
            .find(|(k, _)| k == key)
            .map_or(self.line, |(_, l)| *l)
    }

    /// `path` as clientcmd resolves it: relative to the directory of the file it is in.
    pub fn resolve(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            return p.to_path_buf();
        }
        self.origin
            .parent()
            .map_or_else(|| p.to_path_buf(), |dir| dir.join(p))
    }
}

/// One kubeconfig, or several merged.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Kubeconfig {
    /// The files read, in order.
    pub files: Vec<PathBuf>,
    /// Files of the chain that do not exist; clientcmd skips them silently.
    pub skipped: Vec<PathBuf>,
    /// `current-context`: the context kubectl uses by default (the first file that sets it wins); `None` when no file sets it.
    pub current_context: Option<String>,
    /// `clusters`, merged from every file (the first definition of a name wins).
    pub clusters: Vec<Named<Cluster>>,
    /// `users`, merged from every file (the first definition of a name wins).
    pub users: Vec<Named<AuthInfo>>,
    /// `contexts`, merged from every file (the first definition of a name wins).
    pub contexts: Vec<Named<Context>>,
}

impl Kubeconfig {
    /// The `clusters` entry named `name`.
    pub fn cluster(&self, name: &str) -> Option<&Named<Cluster>> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// The `users` entry named `name`.
    pub fn user(&self, name: &str) -> Option<&Named<AuthInfo>> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The `contexts` entry named `name`.
    pub fn context(&self, name: &str) -> Option<&Named<Context>> {
        self.contexts.iter().find(|c| c.name == name)
    }

    /// Adds `later` under clientcmd's rule: the first definition of a name wins, whole
    /// (no field-by-field merge), and so does the first non-empty `current-context`.
    fn merge(&mut self, later: Kubeconfig) {
        self.files.extend(later.files);
        if self.current_context.is_none() {
            self.current_context = later.current_context;
        }
        for c in later.clusters {
            if self.cluster(&c.name).is_none() {
                self.clusters.push(c);
            }
        }
        for u in later.users {
            if self.user(&u.name).is_none() {
                self.users.push(u);
            }
        }
        for c in later.contexts {
            if self.context(&c.name).is_none() {
                self.contexts.push(c);
            }
        }
    }
}

/// Reads one kubeconfig file, within `limits`.
pub fn load_file(path: &Path, limits: &Limits) -> Result<Kubeconfig, Error> {
    let text =
        kubeward_manifest::read_input(&Input::File(path.to_path_buf()), limits).map_err(|e| {
            match std::fs::metadata(path) {
                Err(source) => Error::Read {
                    path: path.to_path_buf(),
                    source,
                },
                Ok(_) => Error::Parse {
                    path: path.to_path_buf(),
                    line: None,
                    message: e.message,
                },
            }
        })?;
    parse(path, &text)
}

/// The files of the default chain, as clientcmd picks them: the entries of `KUBECONFIG`
/// (`kubeconfig`, split on the platform's path separator) in order, without empty entries
/// and repeats; when it is unset or empty, `<home>/.kube/config`.
pub fn chain(kubeconfig: Option<&OsStr>, home: Option<&Path>) -> Vec<PathBuf> {
    if let Some(list) = kubeconfig.filter(|v| !v.is_empty()) {
        let mut out: Vec<PathBuf> = Vec::new();
        for p in std::env::split_paths(list).filter(|p| !p.as_os_str().is_empty()) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        return out;
    }
    vec![home.unwrap_or(Path::new("")).join(".kube").join("config")]
}

/// Reads a `KUBECONFIG` chain: files that do not exist are skipped, as clientcmd skips
/// them, but at least one must exist. Any other error in any file is an error.
pub fn load_chain(paths: &[PathBuf], limits: &Limits) -> Result<Kubeconfig, Error> {
    let mut merged: Option<Kubeconfig> = None;
    let mut skipped = Vec::new();
    for path in paths {
        if !path.exists() {
            skipped.push(path.clone());
            continue;
        }
        let next = load_file(path, limits)?;
        match merged.as_mut() {
            Some(m) => m.merge(next),
            None => merged = Some(next),
        }
    }
    let mut merged = merged.ok_or_else(|| Error::NotFound(paths.to_vec()))?;
    merged.skipped = skipped;
    Ok(merged)
}

/// Parses the text of the kubeconfig at `path` (which relative paths resolve against).
pub fn parse(path: &Path, text: &str) -> Result<Kubeconfig, Error> {
    let name: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    let parse_err = |line: Option<u32>, message: String| Error::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut docs = Vec::new();
    for doc in kubeward_manifest::parse_documents(&name, text, &Limits::default()) {
        match doc {
            Ok(res) => docs.push(res),
            Err(e) => return Err(parse_err(e.pos.map(|p| p.line), e.message)),
        }
    }
    let origin: Arc<Path> = Arc::from(path);
    let mut cfg = Kubeconfig {
        files: vec![path.to_path_buf()],
        ..Kubeconfig::default()
    };
    // An empty file is an empty config to clientcmd, not an error.
    let Some(doc) = docs.first() else {
        return Ok(cfg);
    };
    if let Some(extra) = docs.get(1) {
        let msg = "more than one YAML document; a kubeconfig is one `kind: Config`";
        return Err(parse_err(Some(extra.pos.line), msg.to_owned()));
    }
    if doc.kind != "Config" {
        let msg = format!(
            "kind is {:?}, not Config: this is not a kubeconfig",
            doc.kind
        );
        return Err(parse_err(Some(doc.pos.line), msg));
    }
    let root = &doc.node;
    cfg.current_context = root
        .get("current-context")
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    cfg.clusters =
        section(root, "clusters", "cluster", &origin).map_err(|(l, m)| parse_err(l, m))?;
    cfg.users = section(root, "users", "user", &origin).map_err(|(l, m)| parse_err(l, m))?;
    cfg.contexts =
        section(root, "contexts", "context", &origin).map_err(|(l, m)| parse_err(l, m))?;
    Ok(cfg)
}

type ParseFailure = (Option<u32>, String);

/// Decodes one of the three lists, `- name: N` + `inner: {…}` per entry.
fn section<T: DeserializeOwned + Default>(
    root: &Node,
    list: &str,
    inner: &str,
    origin: &Arc<Path>,
) -> Result<Vec<Named<T>>, ParseFailure> {
    let Some(node) = root.get(list) else {
        return Ok(Vec::new());
    };
    let items = match &node.value {
        Value::Null => return Ok(Vec::new()),
        Value::Seq(items) => items,
        _ => return Err((Some(node.pos.line), format!("{list}: expected a list"))),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |m: &str| (Some(item.pos.line), format!("{list}[{i}]: {m}"));
        if item.as_map().is_none() {
            return Err(at(&format!("expected a mapping with `name` and `{inner}`")));
        }
        let name = match item.get("name").map(|n| &n.value) {
            Some(Value::Str(s)) if !s.is_empty() => s.clone(),
            _ => return Err(at("`name` is missing or not a string")),
        };
        let (value, field_lines) = match item.get(inner) {
            None => (T::default(), Vec::new()),
            Some(n) if n.value == Value::Null => (T::default(), Vec::new()),
            Some(n) => {
                let value = serde_json::from_value(n.to_json()).map_err(|e| {
                    (
                        Some(n.pos.line),
                        format!("{list}[{i}].{inner} ({name}): {e}"),
                    )
                })?;
                let lines = n
                    .as_map()
                    .unwrap_or_default()
                    .iter()
                    .map(|e| (e.key.clone(), e.key_pos.line))
                    .collect();
                (value, lines)
            }
        };
        out.push(Named {
            name,
            value,
            origin: origin.clone(),
            line: item.pos.line,
            field_lines,
        });
    }
    Ok(out)
}
