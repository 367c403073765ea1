//! `kubeward rules` (being written).

use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct RulesArgs {}

pub fn run(_args: &RulesArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not available yet")
}
