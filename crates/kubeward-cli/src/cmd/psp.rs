//! `kubeward psp`: PodSecurityPolicy admission simulated (`admit`) and the migration to
//! Pod Security Admission (`migrate`). The simulation itself lives in
//! `kubeward_podsecurity::psp`; this module loads files, resolves identities and prints.

mod report;

use crate::exit::ExitStatus;
use crate::format::Format;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::policy_inputs::{load_policies, load_rbac, load_resources};

#[derive(Debug, Args)]
pub struct PspArgs {
    #[command(subcommand)]
    pub command: PspCommand,
}

#[derive(Debug, Subcommand)]
pub enum PspCommand {
    /// Decide, per workload, which policy admits its pod, the defaults it injects (as a
    /// JSON Patch) and, when none does, the API server's rejection message.
    ///
    /// Exit status: 0 every workload allowed, 1 any denied, 2 unusable input.
    Admit(AdmitArgs),
    /// For each policy: the strictest Pod Security Standards level admitting what it
    /// admits, the namespace labels to set, and what PSA cannot express.
    Migrate(MigrateArgs),
}

#[derive(Debug, Args)]
pub struct AdmitArgs {
    /// Files or directories holding the PodSecurityPolicies.
    #[arg(long = "policy", required = true, value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// Roles, ClusterRoles, RoleBindings and ClusterRoleBindings: only policies the user
    /// or the pod's service account may `use` are candidates. Without it, all are.
    #[arg(long = "rbac", value_name = "FILE")]
    pub rbac: Vec<PathBuf>,
    /// The requesting user.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// A group of the requesting user (repeatable).
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    /// The pods' service account, overriding their serviceAccountName.
    #[arg(long = "service-account", value_name = "NAME")]
    pub service_account: Option<String>,
    /// Namespace of workloads that name none.
    #[arg(long, default_value = "default")]
    pub namespace: String,
    /// Simulate an update of existing pods: no policy may mutate them.
    #[arg(long)]
    pub update: bool,
    #[arg(long, value_parser = crate::format::text_or_json(), default_value_t = Format::Text)]
    pub format: Format,
    /// Pod or workload manifests (files, directories, `-`).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub limit: super::FileLimit,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[arg(long = "policy", required = true, value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    #[arg(long, value_parser = crate::format::text_or_json(), default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub limit: super::FileLimit,
}

pub fn run(args: &PspArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        PspCommand::Admit(a) => report::run_admit(a),
        PspCommand::Migrate(a) => report::run_migrate(a),
    }
}
