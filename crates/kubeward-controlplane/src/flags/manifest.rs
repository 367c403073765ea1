//! Finding the static pod manifests of the control-plane components and reading their
//! flags.
//!
//! kubeadm writes `/etc/kubernetes/manifests/<component>.yaml`; other installers use the
//! same names or at least name the container after the component, so a Pod is matched by
//! file name first, then by container name, then by the program its command runs.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use k8s_openapi::api::core::v1::Container;
use kubeward_manifest::{
    Decoding, Input, Limits, LoadError, Node, Resource, collect, pod_template,
};
use serde::Serialize;

use super::{Flags, Origin};

/// A control-plane component run as a static pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Component {
    /// `kube-apiserver`.
    KubeApiserver,
    /// `kube-controller-manager`.
    KubeControllerManager,
    /// `kube-scheduler`.
    KubeScheduler,
    /// `etcd`.
    Etcd,
}

impl Component {
    /// Every component, in the benchmark's order.
    pub const ALL: [Component; 4] = [
        Component::KubeApiserver,
        Component::KubeControllerManager,
        Component::KubeScheduler,
        Component::Etcd,
    ];

    /// The name kubeadm gives the manifest (without `.yaml`), the container and the
    /// program.
    pub fn name(self) -> &'static str {
        match self {
            Component::KubeApiserver => "kube-apiserver",
            Component::KubeControllerManager => "kube-controller-manager",
            Component::KubeScheduler => "kube-scheduler",
            Component::Etcd => "etcd",
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Something in the manifests that cannot be used, with the file and field it concerns.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FlagsError {
    /// The static pod directory is missing or cannot be listed.
    #[error("{dir}: {message}")]
    Dir {
        /// The directory.
        dir: String,
        /// What is wrong with it.
        message: String,
    },
    /// A manifest is not valid YAML or JSON, or not a Pod.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A field of a manifest or configuration file has a value that cannot be used.
    #[error("{file}: {field}: {message}")]
    Field {
        /// The file, with `:line` when known.
        file: String,
        /// The field's path, e.g. `spec.containers[0].command`.
        field: String,
        /// What is wrong with it.
        message: String,
        /// How to fix it.
        hint: &'static str,
    },
    /// The kubelet's command line, its systemd drop-in, an environment file it names, or
    /// its configuration file cannot be read or used.
    #[error("{file}: {message}")]
    Kubelet {
        /// The file, with `:line` when known.
        file: String,
        /// What is wrong with it.
        message: String,
        /// How to fix it.
        hint: &'static str,
    },
}

impl kubeward_report::Hint for FlagsError {
    fn hint(&self) -> &str {
        match self {
            FlagsError::Dir { .. } => {
                "pass the static pod directory with --manifests (kubeadm: /etc/kubernetes/manifests)"
            }
            FlagsError::Load(_) => "the file must be a YAML or JSON Pod manifest",
            FlagsError::Field { hint, .. } | FlagsError::Kubelet { hint, .. } => hint,
        }
    }
}

/// One component's static pod and its flags.
#[derive(Clone, Debug)]
pub struct StaticPod {
    /// Which component the pod runs.
    pub component: Component,
    /// The manifest's name as shown in findings.
    pub file: Arc<str>,
    /// The manifest's path, for its mode and owner.
    pub path: PathBuf,
    /// The container the flags were read from.
    pub container: String,
    /// The component's flags, from `command`, `args` and (etcd) `ETCD_*` variables.
    pub flags: Flags,
    /// `hostPath` volume paths: files named by flags are only visible inside the pod
    /// below one of these.
    pub host_paths: Vec<String>,
}

/// The static pods found in a directory, plus what could not be read there.
#[derive(Clone, Debug, Default)]
pub struct Manifests {
    /// The directory that was read (kubeadm: `/etc/kubernetes/manifests`).
    pub dir: PathBuf,
    /// The components found, at most one of each.
    pub pods: Vec<StaticPod>,
    /// Files that could not be read, and a component's problems.
    pub errors: Vec<FlagsError>,
}

impl Manifests {
    /// The static pod of `c`, if one was found.
    pub fn get(&self, c: Component) -> Option<&StaticPod> {
        self.pods.iter().find(|p| p.component == c)
    }
}

/// Reads every manifest under `dir` and picks out the four components. A missing or
/// unreadable directory is an error; broken files are collected in
/// [`Manifests::errors`] and the rest is still read.
pub fn load_manifests(dir: &Path, limits: &Limits) -> Result<Manifests, FlagsError> {
    let dir_error = |message: String| FlagsError::Dir {
        dir: dir.display().to_string(),
        message,
    };
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(dir_error("not a directory".to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(dir_error("no such directory".to_owned()));
        }
        Err(e) => return Err(dir_error(e.to_string())),
    }
    let collected = collect(&[dir.to_path_buf()], limits, Decoding::Lenient);
    let mut out = Manifests {
        dir: dir.to_path_buf(),
        errors: collected
            .errors
            .into_iter()
            .map(|(_, e)| FlagsError::Load(e))
            .collect(),
        ..Manifests::default()
    };
    let mut pods: Vec<(PathBuf, Resource)> = Vec::new();
    for (input, resources) in collected.files {
        // A directory walk yields files only.
        let Input::File(path) = input else { continue };
        for r in resources.into_iter().filter(|r| r.kind == "Pod") {
            pods.push((path.clone(), r));
        }
    }
    for component in Component::ALL {
        let Some((path, res)) = pick(component, &pods) else {
            continue;
        };
        match static_pod(component, path, res) {
            Ok(p) => out.pods.push(p),
            Err(e) => out.errors.push(e),
        }
    }
    Ok(out)
}

/// The Pod for a component: by file name, else by container name, else by program.
fn pick(component: Component, pods: &[(PathBuf, Resource)]) -> Option<&(PathBuf, Resource)> {
    let name = component.name();
    let stem_is = |p: &Path| p.file_stem().is_some_and(|s| s == name);
    let has_container = |r: &Resource, by_program: bool| {
        r.node
            .at("spec.containers")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .any(|c| {
                if by_program {
                    let first = c.at("command[0]").and_then(Node::as_str).unwrap_or("");
                    program_is(first, name)
                } else {
                    c.get("name").and_then(Node::as_str) == Some(name)
                }
            })
    };
    pods.iter()
        .find(|(p, _)| stem_is(p))
        .or_else(|| pods.iter().find(|(_, r)| has_container(r, false)))
        .or_else(|| pods.iter().find(|(_, r)| has_container(r, true)))
}

fn program_is(word: &str, name: &str) -> bool {
    word.rsplit('/').next() == Some(name)
}

fn static_pod(component: Component, path: &Path, res: &Resource) -> Result<StaticPod, FlagsError> {
    let template = match pod_template(res) {
        Some(t) => t?,
        None => {
            return Err(field_error(res, "kind", "not a Pod".to_owned()));
        }
    };
    let containers = &template.spec.containers;
    let name = component.name();
    let chosen = containers
        .iter()
        .position(|c| c.name == name)
        .or_else(|| (containers.len() == 1).then_some(0))
        .or_else(|| {
            containers.iter().position(|c| {
                let first = c.command.as_ref().and_then(|v| v.first());
                first.is_some_and(|w| program_is(w, name))
            })
        });
    let Some(index) = chosen else {
        let message = format!(
            "no container named {name} among {} containers",
            containers.len()
        );
        return Err(field_error(res, "spec.containers", message));
    };
    let Some(container) = containers.get(index) else {
        return Err(field_error(res, "spec.containers", "empty".to_owned()));
    };
    let flags = container_flags(component, res, index, container)?;
    let host_paths = template
        .spec
        .volumes
        .iter()
        .flatten()
        .filter_map(|v| v.host_path.as_ref().map(|h| h.path.clone()))
        .collect();
    Ok(StaticPod {
        component,
        file: res.file.clone(),
        path: path.to_path_buf(),
        container: container.name.clone(),
        flags,
        host_paths,
    })
}

fn container_flags(
    component: Component,
    res: &Resource,
    index: usize,
    container: &Container,
) -> Result<Flags, FlagsError> {
    let base = format!("spec.containers[{index}]");
    let command = container.command.as_deref().unwrap_or_default();
    let args = container.args.as_deref().unwrap_or_default();
    if command.is_empty() && args.is_empty() {
        let message = format!(
            "the {} container has no command or args, so its flags are unknown",
            container.name
        );
        return Err(field_error(res, &format!("{base}.command"), message));
    }
    let pos_of =
        |field: &str, i: usize| res.node.at(&format!("{base}.{field}[{i}]")).map(|n| n.pos);
    let words = command
        .iter()
        .enumerate()
        .map(|(i, w)| (w.as_str(), pos_of("command", i)))
        .chain(
            args.iter()
                .enumerate()
                .map(|(i, w)| (w.as_str(), pos_of("args", i))),
        );
    let mut flags = Flags::parse(words);
    if component == Component::Etcd {
        for (i, var) in container.env.iter().flatten().enumerate() {
            let (Some(flag), Some(value)) = (var.name.strip_prefix("ETCD_"), &var.value) else {
                continue;
            };
            let flag = flag.to_ascii_lowercase().replace('_', "-");
            let pos = res.node.at(&format!("{base}.env[{i}]")).map(|n| n.pos);
            flags.add_fallback(&flag, value, pos, Origin::Env);
        }
    }
    Ok(flags)
}

fn field_error(res: &Resource, field: &str, message: String) -> FlagsError {
    let pos = res.node.locate(field).pos;
    FlagsError::Field {
        file: format!("{}:{}", res.file, pos.line),
        field: field.to_owned(),
        message,
        hint: "the component's container needs its flags in `command` and/or `args`",
    }
}
