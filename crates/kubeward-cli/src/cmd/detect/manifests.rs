//! `kubeward detect manifests`: the DaemonSet of the live syscall source (kubeward-server's
//! `sensor`), as YAML on stdout.

use std::io::Write as _;

use anyhow::Context as _;
use clap::Args;
use kubeward_server::admission::manifest_yaml::documents;
use kubeward_server::sensor::{SensorOptions, manifests};

use crate::exit::ExitStatus;

#[derive(Debug, Args)]
pub struct ManifestsArgs {
    /// Namespace the DaemonSet runs in; it is labelled to enforce privileged, so keep it
    /// for the sensor alone.
    #[arg(long, default_value = "kubeward-sensor")]
    pub namespace: String,
    /// Container image of kubeward.
    #[arg(long, default_value = concat!("kubeward/kubeward:", env!("CARGO_PKG_VERSION")))]
    pub image: String,
    /// ConfigMap with the rules files, e.g. `kubectl create configmap kubeward-falco-rules
    /// -n kubeward-sensor --from-file=falco_rules.yaml`.
    #[arg(long, value_name = "NAME", default_value = "kubeward-falco-rules")]
    pub rules_configmap: String,
}

pub fn run(args: &ManifestsArgs) -> anyhow::Result<ExitStatus> {
    let docs = manifests(&SensorOptions {
        namespace: args.namespace.clone(),
        image: args.image.clone(),
        rules_configmap: args.rules_configmap.clone(),
    });
    let mut out = std::io::stdout().lock();
    out.write_all(documents(&docs).as_bytes())
        .and_then(|()| out.flush())
        .context("writing the manifests")?;
    Ok(ExitStatus::Clean)
}
