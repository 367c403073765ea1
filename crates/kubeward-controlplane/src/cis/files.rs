//! CIS 1.1 and 4.1: ownership and permissions of the manifests, kubeconfigs, PKI, etcd
//! data and kubelet files, from `stat` (mode, uid, gid) on the node itself.
//!
//! A mode passes when it grants nothing beyond the allowed bits (`640` passes where
//! `644` is allowed, `604` does not pass where `600` is). A target that does not exist
//! is skipped, not failed: a worker has no control-plane manifests, and kubeadm puts no
//! kube-proxy kubeconfig on disk.

use kubeward_report::RuleMeta;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::judge::Lookup as _;
use super::owners::Names;
use super::{Finding, Inputs, Severity, Status};
use crate::flags::Component;

/// Most entries a directory walk visits (the PKI holds a few dozen).
const MAX_ENTRIES: usize = 10_000;
/// Offending files listed in one finding.
const MAX_SHOWN: usize = 8;

#[derive(Clone, Copy, Debug)]
pub(crate) enum Want {
    /// Octal mode bits allowed.
    Mode(u32),
    /// `user`, `group` names.
    Owner(&'static str, &'static str),
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Target {
    Manifest(Component),
    Cni,
    EtcdDataDir,
    /// Files in the Kubernetes configuration directory, those that exist.
    InKubernetesDir(&'static [&'static str]),
    /// The PKI directory and everything below it.
    PkiTree,
    /// Files below the PKI directory with this extension.
    PkiFiles(&'static str),
    KubeletService,
    ProxyKubeconfig,
    KubeletClientCa,
    KubeletConfig,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct FileCheck {
    /// The benchmark id, title, severity and remediation (the rule's fix).
    pub meta: RuleMeta,
    pub automated: bool,
    pub target: Target,
    pub want: Want,
}

const fn fc(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    automated: bool,
    target: Target,
    want: Want,
    remediation: &'static str,
) -> FileCheck {
    FileCheck {
        meta: RuleMeta::new(id, title, severity, remediation),
        automated,
        target,
        want,
    }
}

const ROOT: Want = Want::Owner("root", "root");
const M600: Want = Want::Mode(0o600);
const M644: Want = Want::Mode(0o644);
const ADMIN: &[&str] = &["admin.conf", "super-admin.conf"];

use Component::{Etcd, KubeApiserver, KubeControllerManager, KubeScheduler};
use Severity::{High, Low, Medium};
use Target::*;

#[rustfmt::skip]
pub(crate) const CONTROL_PLANE: &[FileCheck] = &[
    fc("1.1.1", "API server manifest mode is 600 or stricter", Medium, true, Manifest(KubeApiserver), M600, "chmod 600 the kube-apiserver manifest."),
    fc("1.1.2", "API server manifest is owned by root:root", Medium, true, Manifest(KubeApiserver), ROOT, "chown root:root the kube-apiserver manifest."),
    fc("1.1.3", "Controller manager manifest mode is 600 or stricter", Medium, true, Manifest(KubeControllerManager), M600, "chmod 600 the kube-controller-manager manifest."),
    fc("1.1.4", "Controller manager manifest is owned by root:root", Medium, true, Manifest(KubeControllerManager), ROOT, "chown root:root the kube-controller-manager manifest."),
    fc("1.1.5", "Scheduler manifest mode is 600 or stricter", Medium, true, Manifest(KubeScheduler), M600, "chmod 600 the kube-scheduler manifest."),
    fc("1.1.6", "Scheduler manifest is owned by root:root", Medium, true, Manifest(KubeScheduler), ROOT, "chown root:root the kube-scheduler manifest."),
    fc("1.1.7", "etcd manifest mode is 600 or stricter", Medium, true, Manifest(Etcd), M600, "chmod 600 the etcd manifest."),
    fc("1.1.8", "etcd manifest is owned by root:root", Medium, true, Manifest(Etcd), ROOT, "chown root:root the etcd manifest."),
    fc("1.1.9", "CNI files have mode 600 or stricter", Low, false, Cni, M600, "chmod 600 the CNI configuration files (check that the CNI plugin still reads them)."),
    fc("1.1.10", "CNI files are owned by root:root", Low, false, Cni, ROOT, "chown root:root the CNI configuration files."),
    fc("1.1.11", "etcd data directory mode is 700 or stricter", High, true, EtcdDataDir, Want::Mode(0o700), "chmod 700 etcd's --data-dir (kubeadm: /var/lib/etcd)."),
    fc("1.1.12", "etcd data directory is owned by etcd:etcd", Low, true, EtcdDataDir, Want::Owner("etcd", "etcd"), "Create an etcd user and group and chown etcd:etcd etcd's --data-dir (kubeadm runs etcd as root and leaves it root-owned)."),
    fc("1.1.13", "Administrator kubeconfigs have mode 600 or stricter", High, true, InKubernetesDir(ADMIN), M600, "chmod 600 admin.conf and super-admin.conf: they carry cluster-admin credentials."),
    fc("1.1.14", "Administrator kubeconfigs are owned by root:root", High, true, InKubernetesDir(ADMIN), ROOT, "chown root:root admin.conf and super-admin.conf."),
    fc("1.1.15", "scheduler.conf mode is 600 or stricter", Medium, true, InKubernetesDir(&["scheduler.conf"]), M600, "chmod 600 scheduler.conf."),
    fc("1.1.16", "scheduler.conf is owned by root:root", Medium, true, InKubernetesDir(&["scheduler.conf"]), ROOT, "chown root:root scheduler.conf."),
    fc("1.1.17", "controller-manager.conf mode is 600 or stricter", Medium, true, InKubernetesDir(&["controller-manager.conf"]), M600, "chmod 600 controller-manager.conf."),
    fc("1.1.18", "controller-manager.conf is owned by root:root", Medium, true, InKubernetesDir(&["controller-manager.conf"]), ROOT, "chown root:root controller-manager.conf."),
    fc("1.1.19", "The PKI directory and its files are owned by root:root", Medium, true, PkiTree, ROOT, "chown -R root:root the PKI directory (kubeadm: /etc/kubernetes/pki)."),
    fc("1.1.20", "PKI certificates have mode 644 or stricter", Low, false, PkiFiles("crt"), M644, "chmod 644 the *.crt files below the PKI directory."),
    fc("1.1.21", "PKI private keys have mode 600 or stricter", High, false, PkiFiles("key"), M600, "chmod 600 the *.key files below the PKI directory."),
];

#[rustfmt::skip]
pub(crate) const WORKER: &[FileCheck] = &[
    fc("4.1.1", "kubelet service file mode is 600 or stricter", Medium, true, KubeletService, M600, "chmod 600 the kubelet's systemd unit drop-in."),
    fc("4.1.2", "kubelet service file is owned by root:root", Medium, true, KubeletService, ROOT, "chown root:root the kubelet's systemd unit drop-in."),
    fc("4.1.3", "kube-proxy kubeconfig mode is 600 or stricter", Medium, false, ProxyKubeconfig, M600, "chmod 600 the kube-proxy kubeconfig."),
    fc("4.1.4", "kube-proxy kubeconfig is owned by root:root", Medium, false, ProxyKubeconfig, ROOT, "chown root:root the kube-proxy kubeconfig."),
    fc("4.1.5", "kubelet.conf mode is 600 or stricter", High, true, InKubernetesDir(&["kubelet.conf"]), M600, "chmod 600 kubelet.conf: it holds the node's credentials."),
    fc("4.1.6", "kubelet.conf is owned by root:root", High, true, InKubernetesDir(&["kubelet.conf"]), ROOT, "chown root:root kubelet.conf."),
    fc("4.1.7", "The kubelet's client CA has mode 644 or stricter", Low, false, KubeletClientCa, M644, "chmod 644 the file in the kubelet's authentication.x509.clientCAFile."),
    fc("4.1.8", "The kubelet's client CA is owned by root:root", Low, false, KubeletClientCa, ROOT, "chown root:root the file in the kubelet's authentication.x509.clientCAFile."),
    fc("4.1.9", "Kubelet config file mode is 600 or stricter", Medium, true, KubeletConfig, M600, "chmod 600 the kubelet configuration (kubeadm: /var/lib/kubelet/config.yaml)."),
    fc("4.1.10", "Kubelet config file is owned by root:root", Medium, true, KubeletConfig, ROOT, "chown root:root the kubelet configuration."),
];

/// Runs a table of file checks.
pub(crate) fn run(inputs: &Inputs<'_>, table: &[FileCheck]) -> Vec<Finding> {
    let names = Names::load(&inputs.paths.passwd, &inputs.paths.group);
    table.iter().map(|c| judge(c, inputs, &names)).collect()
}

fn judge(c: &FileCheck, inputs: &Inputs<'_>, names: &Names) -> Finding {
    let (status, found, file) = match targets(c.target, inputs) {
        Err(why) => (Status::Skip, why, None),
        Ok((paths, shown)) => {
            let (status, found) = examine(&paths, c.want, names);
            (status, found, Some(shown))
        }
    };
    Finding {
        id: c.meta.id,
        title: c.meta.title,
        component: "files",
        severity: c.meta.severity,
        automated: c.automated,
        status,
        found,
        remediation: c.meta.fix,
        file,
    }
}

/// Stats every path: all must pass; offenders (or the one value) are shown.
fn examine(paths: &[PathBuf], want: Want, names: &Names) -> (Status, String) {
    let mut bad = Vec::new();
    let mut unreadable = Vec::new();
    let mut seen = Vec::new();
    for p in paths {
        let meta = match fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                unreadable.push(format!("{}: {}", p.display(), io_message(&e)));
                continue;
            }
        };
        let (ok, value) = match want {
            Want::Mode(allowed) => {
                let mode = meta.mode() & 0o7777;
                (mode & !allowed == 0, format!("{mode:o}"))
            }
            Want::Owner(user, group) => {
                let owner = names.owner(meta.uid(), meta.gid());
                (owner == format!("{user}:{group}"), owner)
            }
        };
        if !ok {
            bad.push(format!("{} {value}", p.display()));
        }
        if !seen.contains(&value) {
            seen.push(value);
        }
    }
    if !bad.is_empty() {
        return (Status::Fail, shorten(bad));
    }
    if !unreadable.is_empty() {
        return (Status::Warn, shorten(unreadable));
    }
    let found = match paths.len() {
        1 => seen.join(","),
        n => format!("{} ({n} files)", seen.join(",")),
    };
    (Status::Pass, found)
}

fn shorten(mut items: Vec<String>) -> String {
    let more = items.len().saturating_sub(MAX_SHOWN);
    items.truncate(MAX_SHOWN);
    let mut s = items.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}

fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "not present".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied (run as root on the node)".to_owned(),
        _ => e.to_string(),
    }
}

/// The paths a target stands for and how to name them, or why it is skipped.
fn targets(target: Target, inputs: &Inputs<'_>) -> Result<(Vec<PathBuf>, String), String> {
    let paths = inputs.paths;
    let single = |p: &Path, what: &str| {
        if fs::symlink_metadata(p).is_ok() {
            Ok((vec![p.to_path_buf()], p.display().to_string()))
        } else {
            Err(format!("{what} {} not present", p.display()))
        }
    };
    match target {
        Manifest(c) => match inputs.manifests.get(c) {
            Some(pod) => Ok((vec![pod.path.clone()], pod.path.display().to_string())),
            None => Err(format!(
                "no {c} static pod manifest in {}",
                inputs.manifests.dir.display()
            )),
        },
        EtcdDataDir => {
            let Some(etcd) = inputs.manifests.get(Etcd) else {
                return Err(format!(
                    "no etcd static pod manifest in {}",
                    inputs.manifests.dir.display()
                ));
            };
            match etcd.flags.value("data-dir").filter(|d| !d.is_empty()) {
                Some(dir) => single(Path::new(dir), "etcd --data-dir"),
                None => Err("etcd has no --data-dir flag".to_owned()),
            }
        }
        InKubernetesDir(files) => {
            let found: Vec<PathBuf> = files
                .iter()
                .map(|f| paths.kubernetes_dir.join(f))
                .filter(|p| fs::symlink_metadata(p).is_ok())
                .collect();
            match found.len() {
                0 => Err(format!(
                    "{} not present in {}",
                    files.join(", "),
                    paths.kubernetes_dir.display()
                )),
                _ => {
                    let shown = found.iter().map(|p| p.display().to_string()).collect();
                    Ok((found, join(shown)))
                }
            }
        }
        PkiTree | PkiFiles(_) => {
            if !paths.pki.is_dir() {
                return Err(format!("PKI directory {} not present", paths.pki.display()));
            }
            let ext = match target {
                PkiFiles(ext) => Some(ext),
                _ => None,
            };
            let mut found = walk(&paths.pki, ext);
            if ext.is_none() {
                found.insert(0, paths.pki.clone());
            }
            if found.is_empty() {
                return Err(format!("no *.{} files below {}", ext.unwrap_or(""), paths.pki.display()));
            }
            Ok((found, paths.pki.display().to_string()))
        }
        Cni => {
            let found: Vec<PathBuf> = paths.cni_dirs.iter().flat_map(|d| walk(d, None)).collect();
            if found.is_empty() {
                let dirs = paths.cni_dirs.iter().map(|d| d.display().to_string()).collect();
                return Err(format!("no CNI files below {}", join(dirs)));
            }
            let dirs = paths.cni_dirs.iter().map(|d| d.display().to_string()).collect();
            Ok((found, join(dirs)))
        }
        KubeletService => single(&paths.kubelet_service, "kubelet service file"),
        ProxyKubeconfig => single(&paths.proxy_kubeconfig, "kube-proxy kubeconfig"),
        KubeletConfig => match &inputs.kubelet.config {
            Ok(cfg) => single(&cfg.path, "kubelet config"),
            Err(why) => Err(why.clone()),
        },
        // The effective value: --client-ca-file overrides the file's field.
        KubeletClientCa => match inputs.kubelet.effective() {
            Err(why) => Err(why.to_owned()),
            Ok(k) => match k.scalar("authentication.x509.clientCAFile") {
                Some(ca) if !ca.is_empty() => single(Path::new(&ca), "kubelet client CA"),
                _ => Err("the kubelet sets no authentication.x509.clientCAFile or --client-ca-file (see 4.2.3)".to_owned()),
            },
        },
    }
}

fn join(items: Vec<String>) -> String {
    items.join(", ")
}

/// Files (and, without an extension filter, directories) below `root`, sorted. Symlinked
/// directories are not entered, so a link cycle cannot make the walk endless.
fn walk(root: &Path, ext: Option<&str>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    let mut visited = 0usize;
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            visited += 1;
            if visited > MAX_ENTRIES {
                out.sort();
                return out;
            }
            let path = entry.path();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                dirs.push(path.clone());
            }
            let keep = match ext {
                Some(e) => !is_dir && path.extension().is_some_and(|x| x == e),
                None => true,
            };
            if keep {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
