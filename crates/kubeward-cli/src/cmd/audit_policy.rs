//! `kubeward audit_policy` (being written).

use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct AuditPolicyArgs {}

pub fn run(_args: &AuditPolicyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not available yet")
}
