//! `kubeward webhook` (being written).

use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct WebhookArgs {}

pub fn run(_args: &WebhookArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not available yet")
}
