//! `kubeward psp` (being written).

use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct PspArgs {}

pub fn run(_args: &PspArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not available yet")
}
