//! `kubeward controlplane`: CIS Kubernetes Benchmark checks on a node's static pod
//! manifests, kubelet configuration and flags, and file permissions (`check`), and the etcdctl
//! command that reaches etcd with the control plane's own credentials (`etcdctl`).

mod check;
mod etcdctl;

use crate::exit::ExitStatus;
use crate::format::Format;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use kubeward_controlplane::flags::FlagsError;

#[derive(Debug, Args)]
pub struct ControlplaneArgs {
    #[command(subcommand)]
    pub command: ControlplaneCommand,
}

#[derive(Debug, Subcommand)]
pub enum ControlplaneCommand {
    /// Run the CIS Kubernetes Benchmark checks that the node's files can answer.
    ///
    /// Exit status: 0 no failed check at or above --fail-on, 1 some, 2 unusable input
    /// (everything readable is still reported).
    Check(Box<CheckArgs>),
    /// Print the etcdctl command that uses the API server's etcd credentials.
    ///
    /// Exit status: 0 printed, 2 no endpoints could be found.
    Etcdctl(EtcdctlArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Static pod manifest directory (the kubelet's staticPodPath).
    #[arg(long, value_name = "DIR", default_value = "/etc/kubernetes/manifests")]
    pub manifests: PathBuf,

    /// KubeletConfiguration file [default: the --config of the kubelet's command line,
    /// else /var/lib/kubelet/config.yaml; skipped when absent]. Given explicitly, it is
    /// judged even when the command line names another file, and it must load.
    #[arg(long, value_name = "FILE")]
    pub kubelet_config: Option<PathBuf>,

    /// The kubelet's command line: a copy of /proc/<pid>/cmdline (NUL-separated) or text
    /// with shell-like quoting [default: the running kubelet's, else the ExecStart of
    /// --kubelet-service].
    #[arg(long, value_name = "FILE")]
    pub kubelet_flags: Option<PathBuf>,

    /// Where to look for the running kubelet process (e.g. /host/proc in a container).
    #[arg(long, value_name = "DIR", default_value = "/proc")]
    pub proc_root: PathBuf,

    /// Where the node's root filesystem is: absolute paths named inside the kubelet's
    /// drop-in (EnvironmentFile=) and command line (--config) are read below it.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub host_root: PathBuf,

    /// PKI directory [default: `pki` beside the manifest directory].
    #[arg(long, value_name = "DIR")]
    pub pki: Option<PathBuf>,

    /// Directory holding admin.conf, scheduler.conf, controller-manager.conf and
    /// kubelet.conf [default: the parent of the manifest directory].
    #[arg(long, value_name = "DIR")]
    pub kubernetes_dir: Option<PathBuf>,

    /// The kubelet's systemd unit file or drop-in.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"
    )]
    pub kubelet_service: PathBuf,

    /// kube-proxy's kubeconfig, when it runs from a file on the node.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "/var/lib/kube-proxy/kubeconfig.conf"
    )]
    pub proxy_kubeconfig: PathBuf,

    /// CNI configuration directories (repeatable) [default: /etc/cni/net.d and
    /// /var/lib/cni/networks].
    #[arg(long = "cni-dir", value_name = "DIR")]
    pub cni_dirs: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_parser = crate::format::text_or_json(), default_value_t = Format::Text)]
    pub format: Format,

    /// Lowest severity of a failed check that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = kubeward_report::Severity::High, value_name = "SEVERITY")]
    pub fail_on: kubeward_report::Severity,

    #[command(flatten)]
    pub limit: super::FileLimit,
}

#[derive(Debug, Args)]
pub struct EtcdctlArgs {
    /// Static pod manifest directory.
    #[arg(long, value_name = "DIR", default_value = "/etc/kubernetes/manifests")]
    pub manifests: PathBuf,

    /// Output format.
    #[arg(long, value_parser = crate::format::text_or_json(), default_value_t = Format::Text)]
    pub format: Format,

    #[command(flatten)]
    pub limit: super::FileLimit,
}

pub fn run(args: &ControlplaneArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        ControlplaneCommand::Check(a) => check::run(a),
        ControlplaneCommand::Etcdctl(a) => etcdctl::run(a),
    }
}

/// An input error with its fix, for anyhow.
fn fatal(e: &FlagsError) -> anyhow::Error {
    crate::hint::error(e)
}
