//! `kubeward rbac who-can` and `kubeward rbac can`: who may do something, and what a
//! subject may do, answered from RBAC manifests as the API server's authorizer answers
//! (kubeward-identity's `rbac::who`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Subcommand};
use kubeward_identity::rbac::Rbac;
use kubeward_identity::rbac::resources::api_group_of;
use kubeward_identity::rbac::who::{Action, Grant, Held};

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
    /// List what SUBJECT may do: every rule it holds, cluster-wide and per namespace,
    /// with the binding that gives it.
    ///
    /// SUBJECT is a user name, or `system:serviceaccount:NS:NAME`; the groups the API
    /// server adds at authentication are added (system:authenticated, and for a service
    /// account system:serviceaccounts and system:serviceaccounts:NS).
    /// Exit status: 0, or 2 when a manifest could not be read.
    Can(CanArgs),
}

/// The manifests, format and file limit both subcommands take.
#[derive(Debug, Args)]
pub struct RbacInput {
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

    #[command(flatten)]
    pub input: RbacInput,
}

#[derive(Debug, Args)]
pub struct CanArgs {
    /// The user name, or `system:serviceaccount:NS:NAME`.
    #[arg(value_name = "SUBJECT")]
    pub subject: String,

    /// A group the subject is in (repeatable), besides the implicit ones.
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,

    #[command(flatten)]
    pub input: RbacInput,
}

pub fn run(args: &RbacArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        RbacCommand::WhoCan(a) => who_can(a),
        RbacCommand::Can(a) => can(a),
    }
}

/// The RBAC objects of the input, with its errors and the bindings whose role it lacks
/// said on stderr; and whether any input was unusable.
fn read(input: &RbacInput) -> anyhow::Result<(Rbac, bool)> {
    let (rbac, errors) = load_rbac(&input.files, &input.limit.limits());
    let mut stderr = crate::output::escape::stderr();
    for e in &errors {
        writeln!(stderr, "error: {e}")?;
    }
    for b in rbac.dangling_bindings() {
        writeln!(
            stderr,
            "note: {b}: the role is not in the manifests given, so what it grants is not counted (add its definition with -f)"
        )?;
    }
    Ok((rbac, !errors.is_empty()))
}

fn who_can(args: &WhoCanArgs) -> anyhow::Result<ExitStatus> {
    let (rbac, unusable) = read(&args.input)?;
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
    let grants = rbac.who_can(&action);
    match args.input.format {
        Format::Json => print_json(&serde_json::json!({ "grants": grants }))?,
        Format::Text | Format::Sarif => write_text(&mut crate::output::escape::stdout(), &grants)?,
    }
    Ok(ExitStatus::judge(unusable, false))
}

fn can(args: &CanArgs) -> anyhow::Result<ExitStatus> {
    let (rbac, unusable) = read(&args.input)?;
    let mut groups = args.groups.clone();
    groups.extend(kubeward_identity::names::implicit_groups(&args.subject));
    let held = rbac.rules_of(&args.subject, &groups);
    match args.input.format {
        Format::Json => print_json(&serde_json::json!({
            "subject": args.subject, "groups": groups, "rules": held,
        }))?,
        Format::Text | Format::Sarif => {
            let mut out = crate::output::escape::stdout();
            writeln!(out, "{} (groups: {})", args.subject, groups.join(", "))?;
            if held.is_empty() {
                writeln!(out, "No binding gives it any rule.")?;
            }
            for h in &held {
                writeln!(out, "{}", held_line(h))?;
            }
        }
    }
    Ok(ExitStatus::judge(unusable, false))
}

/// `cluster-wide: get,list resources secrets in API groups "" names - (via ...)`.
fn held_line(h: &Held) -> String {
    let list = |v: &Option<Vec<String>>| match v.as_deref() {
        Some(items) if !items.is_empty() => items
            .iter()
            .map(|i| if i.is_empty() { "\"\"" } else { i.as_str() })
            .collect::<Vec<_>>()
            .join(","),
        _ => "-".to_owned(),
    };
    let scope = if h.namespace.is_empty() {
        "cluster-wide".to_owned()
    } else {
        format!("in {}", h.namespace)
    };
    let r = &h.rule;
    let what = match r.non_resource_urls.as_deref() {
        Some(urls) if !urls.is_empty() => format!("non-resource URLs {}", urls.join(",")),
        _ => format!(
            "resources {} in API groups {} names {}",
            list(&r.resources),
            list(&r.api_groups),
            list(&r.resource_names)
        ),
    };
    format!(
        "{scope}: {} {what} (via {} {} -> {} {})",
        r.verbs.join(","),
        h.binding_kind,
        h.binding,
        h.role_kind,
        h.role
    )
}

/// `RESOURCE[.GROUP][/NAME]` into (resource, group, name).
fn parse_target(target: &str) -> anyhow::Result<(&str, &str, &str)> {
    let (typed, name) = target.split_once('/').unwrap_or((target, ""));
    if typed.is_empty() || typed.starts_with('.') {
        bail!(
            "`{target}` names no resource; give RESOURCE[.GROUP][/NAME], e.g. pods or deployments.apps"
        );
    }
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
