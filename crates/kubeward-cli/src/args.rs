//! Command-line arguments.

use crate::format::Format;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use kubeward_podsecurity::standards::{Level, PolicyVersion};

#[derive(Debug, Parser)]
#[command(
    name = "kubeward",
    version,
    about = "One binary for Kubernetes security"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check workloads in manifests against Pod Security Admission and lint their
    /// securityContext.
    ///
    /// Exit status: 0 every workload allowed, 1 any would be denied, 2 unusable input or
    /// arguments (everything readable is still reported).
    Scan(ScanArgs),
    /// Simulate PodSecurityPolicy admission and plan the migration to Pod Security Admission.
    Psp(crate::cmd::psp::PspArgs),
    /// Inspect the identities and certificates in a kubeconfig, and extract its PEMs.
    Kubeconfig(crate::cmd::kubeconfig::KubeconfigArgs),
    /// Check control-plane static pods against the CIS Kubernetes Benchmark; build etcdctl
    /// commands.
    Controlplane(crate::cmd::controlplane::ControlplaneArgs),
    /// Evaluate, lint and try out audit policies.
    AuditPolicy(crate::cmd::audit_policy::AuditPolicyArgs),
    /// Check seccomp profiles.
    Seccomp(crate::cmd::seccomp::SeccompArgs),
    /// Detect threats in Kubernetes audit events and system calls with Falco-compatible
    /// rules.
    Detect(crate::cmd::detect::DetectArgs),
    /// Validate, list and describe Falco-compatible rules.
    Rules(crate::cmd::rules::RulesArgs),
    /// Ask RBAC manifests who may do what, as the API server's authorizer answers.
    Rbac(crate::cmd::rbac::RbacArgs),
    /// Run the admission webhook that enforces pod security in a cluster, and print the
    /// manifests that deploy it.
    Webhook(crate::cmd::webhook::WebhookArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan (directories: every .yaml, .yml and .json below);
    /// `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Pod Security Standards level to enforce [default: restricted]. When given, it
    /// overrides the labels of Namespaces in the scanned set.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub level: Option<Level>,

    /// Policy version: `latest` or `v1.N` [default: latest]. When given, it overrides the
    /// enforce-version labels of Namespaces in the scanned set.
    #[arg(long = "pss-version", value_name = "VERSION", value_parser = parse_version)]
    pub pss_version: Option<PolicyVersion>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// When to colour text output (`auto` honours NO_COLOR and CLICOLOR and colours only a
    /// terminal).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,

    /// Report Pod Security Standards only: no lints, RBAC, exposure, hygiene or secrets
    /// findings.
    #[arg(long)]
    pub no_lint: bool,

    /// Run only these rules: families (rbac, hygiene, exposure, secrets, lint), id
    /// prefixes (RB, KW14) or ids (RB004); comma-separated or repeated.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub enable: Vec<String>,

    /// Do not run these rules (same names as --enable).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub disable: Vec<String>,

    /// Exit 1 when a finding (lint, RBAC, exposure, hygiene, secrets) is at or above this
    /// severity. Without it only denied workloads fail the scan.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<kubeward_report::Severity>,

    /// The file kube-apiserver reads with --admission-control-config-file (an
    /// AdmissionConfiguration with a PodSecurity entry) or a PodSecurityConfiguration: its
    /// defaults apply to Namespaces of the set without labels, its namespace and
    /// runtimeClass exemptions to workloads.
    #[arg(long, value_name = "FILE")]
    pub admission_config: Option<PathBuf>,

    /// Project settings to use instead of the `.kubeward.yaml` found upwards from the
    /// first scanned path (docs/scan-config.md).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore every `.kubeward.yaml`.
    #[arg(long)]
    pub no_config: bool,

    /// Largest file to read, in bytes; larger files are reported as errors.
    #[arg(long, value_name = "BYTES", default_value_t = kubeward_manifest::Limits::default().max_file_bytes)]
    pub max_file_size: u64,

    /// Text output: print only errors and the summary line.
    #[arg(long, short)]
    pub quiet: bool,

    /// PodSecurityPolicy files: also decide which policy admits each workload. Every policy
    /// is a candidate here; `kubeward psp admit` narrows them by RBAC, user and group.
    #[arg(long = "psp", value_name = "FILE")]
    pub psp: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

impl From<ColorArg> for anstream::ColorChoice {
    fn from(c: ColorArg) -> Self {
        match c {
            ColorArg::Auto => anstream::ColorChoice::Auto,
            ColorArg::Always => anstream::ColorChoice::Always,
            ColorArg::Never => anstream::ColorChoice::Never,
        }
    }
}

/// The admission controller's own parser and words, so that `--pss-version` and a
/// namespace label reject the same strings with the same message.
fn parse_version(s: &str) -> Result<PolicyVersion, String> {
    s.parse()
        .map_err(|e: kubeward_podsecurity::standards::ParseError| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
