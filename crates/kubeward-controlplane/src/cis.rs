//! The CIS Kubernetes Benchmark checks that can be judged from a node's files: the static
//! pod manifests of the control plane (sections 1.2 to 1.4 and 2), the kubelet's
//! configuration file and command line (4.2), and the ownership and permissions of the
//! manifests, the kubeconfigs and the PKI (1.1 and 4.1).
//!
//! Every check is one block in a table ([`apiserver`], [`control`], [`etcd`],
//! [`kubelet`], [`files`]) with its benchmark id (as numbered in CIS 1.12, for Kubernetes
//! 1.32 to 1.34), its own title and remediation, a severity, and how it is judged. A
//! check whose input is absent (no etcd manifest on a node with external etcd, no kubelet
//! configuration) is reported as skipped, with the reason, never as failed.

mod apiserver;
mod control;
mod etcd;
mod files;
mod judge;
pub mod kubelet;
mod owners;

use std::path::PathBuf;

use serde::Serialize;

use kubeward_manifest::Limits;

use crate::flags::{Component, Manifests};
pub use kubelet::{
    KubeletConfig, KubeletInputs, KubeletOptions, load_kubelet, load_kubelet_config,
};

use kubeward_report::RuleMeta;
pub use kubeward_report::Severity;

/// The verdict of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The files show the recommendation is followed.
    Pass,
    /// The files show the recommendation is not followed; `found` says what was seen.
    Fail,
    /// Not decidable from the files alone; `found` says what to look at.
    Warn,
    /// The input the check needs is absent; `found` says which.
    Skip,
}

impl Status {
    /// The status as output writes it: `pass`, `fail`, `warn` or `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Skip => "skip",
        }
    }
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The CIS Kubernetes Benchmark id (1.12 numbering).
    pub id: &'static str,
    /// The recommendation as a statement, e.g. "Authorization is not AlwaysAllow" (1.2.6).
    pub title: &'static str,
    /// `kube-apiserver`, `kube-controller-manager`, `kube-scheduler`, `etcd`, `kubelet`
    /// or `files`.
    pub component: &'static str,
    /// How much a failure matters.
    pub severity: Severity,
    /// Scored ("Automated") in the benchmark; manual checks are still judged when the
    /// files allow it.
    pub automated: bool,
    /// The verdict.
    pub status: Status,
    /// What was found: the flag and its value, the field, the mode or the owner.
    pub found: String,
    /// What to change to pass, after the benchmark's remediation.
    pub remediation: &'static str,
    /// The file the value was read from, with `:line` when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// Where the node's files are. [`Paths::kubeadm`] gives kubeadm's layout below one
/// directory (by default `/etc/kubernetes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    /// Holds `admin.conf`, `super-admin.conf`, `scheduler.conf`,
    /// `controller-manager.conf` and `kubelet.conf`.
    pub kubernetes_dir: PathBuf,
    /// The PKI directory (`<kubernetes_dir>/pki` for kubeadm): certificates and keys whose modes and owners are checked.
    pub pki: PathBuf,
    /// The kubelet's `--config` file (kubeadm: `/var/lib/kubelet/config.yaml`).
    pub kubelet_config: PathBuf,
    /// The kubelet's systemd drop-in (kubeadm: `/etc/systemd/system/kubelet.service.d/10-kubeadm.conf`).
    pub kubelet_service: PathBuf,
    /// kube-proxy's kubeconfig (kubeadm: `/var/lib/kube-proxy/kubeconfig.conf`).
    pub proxy_kubeconfig: PathBuf,
    /// CNI configuration and state directories (`/etc/cni/net.d`, `/var/lib/cni/networks`).
    pub cni_dirs: Vec<PathBuf>,
    /// Read to turn file owners into names.
    pub passwd: PathBuf,
    /// Read to turn file group ids into names (`/etc/group`).
    pub group: PathBuf,
    /// Where absolute paths named inside the node's files are read (`/`): the
    /// `EnvironmentFile=` of the kubelet's drop-in and the `--config` of its command line.
    pub root: PathBuf,
    /// Where the running kubelet is looked for (`/proc`).
    pub proc: PathBuf,
}

impl Paths {
    /// kubeadm's layout with its configuration directory at `kubernetes_dir`, and the
    /// kubelet, kube-proxy and CNI files at their usual absolute places.
    pub fn kubeadm(kubernetes_dir: PathBuf) -> Paths {
        Paths {
            pki: kubernetes_dir.join("pki"),
            kubernetes_dir,
            kubelet_config: PathBuf::from("/var/lib/kubelet/config.yaml"),
            kubelet_service: PathBuf::from("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"),
            proxy_kubeconfig: PathBuf::from("/var/lib/kube-proxy/kubeconfig.conf"),
            cni_dirs: vec![
                PathBuf::from("/etc/cni/net.d"),
                PathBuf::from("/var/lib/cni/networks"),
            ],
            passwd: PathBuf::from("/etc/passwd"),
            group: PathBuf::from("/etc/group"),
            root: PathBuf::from("/"),
            proc: PathBuf::from("/proc"),
        }
    }
}

/// What the checks look at.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// The control-plane static pods and their flags.
    pub manifests: &'a Manifests,
    /// Bounds on the configuration files that flags name (encryption, authorization).
    pub limits: Limits,
    /// The kubelet's configuration file and command line, or why they are missing.
    pub kubelet: &'a KubeletInputs,
    /// Where the node's files are.
    pub paths: &'a Paths,
}

/// The checks judged from each control-plane pod's manifest, in benchmark order.
const POD_CHECKS: &[(Component, &[judge::Check])] = &[
    (Component::KubeApiserver, apiserver::CHECKS),
    (
        Component::KubeControllerManager,
        control::CONTROLLER_MANAGER,
    ),
    (Component::KubeScheduler, control::SCHEDULER),
    (Component::Etcd, etcd::CHECKS),
];

/// Runs every check, in benchmark order.
pub fn run(inputs: &Inputs<'_>) -> Vec<Finding> {
    let mut out = files::run(inputs, files::CONTROL_PLANE);
    for &(component, table) in POD_CHECKS {
        out.extend(judge::run_pod_checks(inputs, component, table));
    }
    out.extend(files::run(inputs, files::WORKER));
    out.extend(kubelet::run(inputs));
    out
}

/// Every check's metadata (id, title, severity, remediation as its fix) and component, in
/// benchmark order, for documentation and for tests that keep the tables consistent.
pub fn catalogue() -> Vec<(RuleMeta, &'static str)> {
    let mut out: Vec<(RuleMeta, &'static str)> = Vec::new();
    out.extend(files::CONTROL_PLANE.iter().map(|c| (c.meta, "files")));
    for &(component, table) in POD_CHECKS {
        out.extend(table.iter().map(|c| (c.meta, component.name())));
    }
    out.extend(files::WORKER.iter().map(|c| (c.meta, "files")));
    out.extend(kubelet::CHECKS.iter().map(|c| (c.meta, "kubelet")));
    out
}
