//! `kubeward controlplane` (being written).

use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct ControlplaneArgs {}

pub fn run(_args: &ControlplaneArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not available yet")
}
