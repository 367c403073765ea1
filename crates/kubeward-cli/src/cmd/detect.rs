//! `kubeward detect` (being written).

use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct DetectArgs {}

pub fn run(_args: &DetectArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not available yet")
}
