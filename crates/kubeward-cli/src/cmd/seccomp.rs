//! `kubeward seccomp` (being written).

use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct SeccompArgs {}

pub fn run(_args: &SeccompArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not available yet")
}
