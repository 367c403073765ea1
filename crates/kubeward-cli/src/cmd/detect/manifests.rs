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
    /// Container image of kubeward: the one scripts/build-image.sh builds (pinned by
    /// digest when this binary was built knowing it); pass NAME@sha256:... to pin yours.
    #[arg(long, default_value_t = crate::image::default_image())]
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
