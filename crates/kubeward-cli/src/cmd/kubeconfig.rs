//! `kubeward kubeconfig` (being written).

use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct KubeconfigArgs {}

pub fn run(_args: &KubeconfigArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not available yet")
}
