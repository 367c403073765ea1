//! `kubeward rbac who-can`: who may do something, answered from RBAC manifests as the
//! API server's authorizer answers (kubeward-identity's `rbac::who`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Subcommand};
use kubeward_identity::rbac::resources::api_group_of;
use kubeward_identity::rbac::who::{Action, Grant};

use super::io::print_json;
use super::policy_inputs::load_rbac;
use crate::exit::ExitStatus;
use crate::format::Format;

#[derive(Debug, Args)]
pub struct RbacArgs {
    #[command(subcommand)]
    pub command: RbacCommand,
}

#[derive(Debug, Subcommand)]
pub enum RbacCommand {
    /// List the subjects that may perform VERB on TARGET, and the bindings that allow
    /// it, from Roles, ClusterRoles (aggregation resolved) and their bindings in the
    /// manifests given.
    ///
    /// TARGET is a resource (`pods`, `deployments.apps`), optionally with a name
    /// (`configmaps/app-config`), or a non-resource URL (`/healthz`, `/metrics`).
    /// Exit status: 0, or 2 when a manifest could not be read.
    WhoCan(WhoCanArgs),
}

#[derive(Debug, Args)]
pub struct WhoCanArgs {
    /// The verb: get, list, watch, create, update, patch, delete, deletecollection, or any
    /// other (escalate, bind, impersonate, use, approve, ...).
    #[arg(value_name = "VERB")]
    pub verb: String,

    /// RESOURCE[.GROUP][/NAME], or a non-resource URL starting with `/`.
    #[arg(value_name = "TARGET")]
    pub target: String,

    /// The subresource, e.g. `exec`, `log`, `scale`.
    #[arg(long, value_name = "SUB")]
    pub subresource: Option<String>,

    /// The namespace of the request [default: every namespace].
    #[arg(short = 'n', long, value_name = "NS", conflicts_with = "cluster")]
    pub namespace: Option<String>,

    /// Ask about a cluster-scoped resource: only ClusterRoleBindings grant it.
    #[arg(long)]
    pub cluster: bool,

    /// RBAC manifests (Roles, ClusterRoles, RoleBindings, ClusterRoleBindings; other
    /// kinds are ignored): files, directories or `-`.
    #[arg(short = 'f', long = "filename", value_name = "PATH", required = true)]
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_parser = crate::format::text_or_json(), default_value_t = Format::Text)]
    pub format: Format,

    #[command(flatten)]
    pub limit: super::FileLimit,
}

pub fn run(args: &RbacArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        RbacCommand::WhoCan(a) => who_can(a),
    }
}

/// `RESOURCE[.GROUP][/NAME]` into (resource, group, name).
fn parse_target(target: &str) -> anyhow::Result<(&str, &str, &str)> {
    let (typed, name) = target.split_once('/').unwrap_or((target, ""));
    let (resource, group) = match typed.split_once('.') {
        Some((r, g)) => (r, g),
        None => match api_group_of(typed) {
            Some(g) => (typed, g),
            None => bail!(
                "`{typed}` is not a built-in resource kubeward knows; give it with its API group \
                 as RESOURCE.GROUP (e.g. widgets.example.com), plural and lower case"
            ),
        },
    };
    Ok((resource, group, name))
}

fn who_can(args: &WhoCanArgs) -> anyhow::Result<ExitStatus> {
    let (rbac, errors) = load_rbac(&args.files, &args.limit.limits());
    let mut stderr = crate::output::escape::stderr();
    for e in &errors {
        writeln!(stderr, "error: {e}")?;
    }
    let action = match args.target.strip_prefix('/') {
        Some(_) => Action::NonResource {
            verb: &args.verb,
            path: &args.target,
        },
        None => {
            let (resource, api_group, name) = parse_target(&args.target)?;
            Action::Resource {
                verb: &args.verb,
                api_group,
                resource,
                subresource: args.subresource.as_deref().unwrap_or_default(),
                name,
                namespace: if args.cluster {
                    Some("")
                } else {
                    args.namespace.as_deref()
                },
            }
        }
    };
    for b in rbac.dangling_bindings() {
        writeln!(
            stderr,
            "note: {b}: the role is not in the manifests given, so what it grants is not counted (add its definition with -f)"
        )?;
    }
    let grants = rbac.who_can(&action);
    match args.format {
        Format::Json => print_json(&serde_json::json!({ "grants": grants }))?,
        Format::Text | Format::Sarif => {
            let mut out = crate::output::escape::stdout();
            write_text(&mut out, &grants)?;
        }
    }
    Ok(ExitStatus::judge(!errors.is_empty(), false))
}

/// kubectl-who-can's two tables, after the privileged group.
fn write_text(out: &mut impl Write, grants: &[Grant]) -> std::io::Result<()> {
    writeln!(
        out,
        "Group system:masters may do everything (the API server allows it before RBAC)."
    )?;
    let table = |kind: &str| -> Vec<[&str; 5]> {
        grants
            .iter()
            .filter(|g| g.binding_kind == kind)
            .map(|g| {
                [
                    g.binding.as_str(),
                    g.namespace.as_str(),
                    g.subject.as_str(),
                    g.subject_kind.as_str(),
                    g.subject_namespace.as_str(),
                ]
            })
            .collect()
    };
    for (kind, header) in [
        (
            "RoleBinding",
            [
                "ROLEBINDING",
                "NAMESPACE",
                "SUBJECT",
                "TYPE",
                "SA-NAMESPACE",
            ],
        ),
        (
            "ClusterRoleBinding",
            ["CLUSTERROLEBINDING", "", "SUBJECT", "TYPE", "SA-NAMESPACE"],
        ),
    ] {
        let rows = table(kind);
        writeln!(out)?;
        if rows.is_empty() {
            writeln!(out, "No {kind}s grant it.")?;
            continue;
        }
        let widths: Vec<usize> = (0..5)
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].len())
                    .chain([header[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in std::iter::once(header).chain(rows) {
            // ClusterRoleBindings have no namespace column.
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .enumerate()
                .filter(|(i, _)| kind == "RoleBinding" || *i != 1)
                .map(|(_, (c, w))| format!("{c:<w$}"))
                .collect();
            writeln!(out, "{}", cells.join("  ").trim_end())?;
        }
    }
    Ok(())
}
