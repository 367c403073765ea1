//! `kubeward audit-policy eval`: one request through the policy.

use crate::exit::ExitStatus;
use std::io::{self, Write};
use std::path::PathBuf;

use clap::{ArgGroup, Args};
use kubeward_controlplane::audit_policy::{Decision, Policy, Request, Target, UserInfo, evaluate};
use kubeward_identity::names as id;
use serde_json::json;

use crate::format::Format;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["resource", "non_resource_url"])))]
pub struct EvalArgs {
    /// The audit policy file (`-` for standard input).
    #[arg(value_name = "POLICY")]
    pub policy: PathBuf,

    /// The authenticated user name. Leave it out for a request whose authentication
    /// failed (rules with users or userGroups then cannot match).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,

    /// A group of the user (repeatable). The groups the API server adds itself are added
    /// too: system:authenticated (system:unauthenticated for system:anonymous) and, for
    /// system:serviceaccount:<ns>:<name>, system:serviceaccounts and
    /// system:serviceaccounts:<ns>.
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,

    /// The request verb: get, list, watch, create, update, patch, delete,
    /// deletecollection; for non-resource URLs the lower-case HTTP method. exec, attach
    /// and portforward are create (SPDY) or get (WebSocket).
    #[arg(long, value_name = "VERB")]
    pub verb: String,

    /// The resource, with an optional subresource: `pods`, `pods/exec`.
    #[arg(long, value_name = "RESOURCE[/SUB]")]
    pub resource: Option<String>,

    /// The API group of the resource ("" is the core group).
    #[arg(long, value_name = "GROUP", default_value = "", requires = "resource")]
    pub api_group: String,

    /// The namespace (leave out for cluster-scoped resources).
    #[arg(long, value_name = "NS", default_value = "", requires = "resource")]
    pub namespace: String,

    /// The object name (leave out for create, list, watch and deletecollection).
    #[arg(long, value_name = "NAME", default_value = "", requires = "resource")]
    pub name: String,

    /// A non-resource URL path such as /healthz (any query string is ignored).
    #[arg(long, value_name = "URL")]
    pub non_resource_url: Option<String>,

    /// Output format.
    #[arg(long, value_parser = crate::format::text_or_json(), default_value_t = Format::Text)]
    pub format: Format,

    #[command(flatten)]
    pub limit: crate::cmd::FileLimit,
}

pub fn run(args: &EvalArgs) -> anyhow::Result<ExitStatus> {
    let policy = super::read_policy(&args.policy, &args.limit.limits())?;
    super::warn_dropped(&policy);
    let request = request(args)?;
    let decision = evaluate(&policy, &request);
    match args.format {
        Format::Text | Format::Sarif => print_text(
            &mut crate::output::escape::stdout(),
            &policy,
            &request,
            &decision,
        )?,
        Format::Json => super::print_json(&to_json(&policy, &request, &decision))?,
    }
    Ok(ExitStatus::Clean)
}

fn request(args: &EvalArgs) -> anyhow::Result<Request> {
    let target = match (&args.resource, &args.non_resource_url) {
        (Some(r), _) => {
            let (resource, sub) = r.split_once('/').unwrap_or((r.as_str(), ""));
            if resource.is_empty() || sub.contains('/') {
                anyhow::bail!(crate::hint::hinted(
                    format_args!("--resource {r:?}: expected RESOURCE or RESOURCE/SUBRESOURCE"),
                    "e.g. --resource pods/exec"
                ));
            }
            Target::Resource {
                group: args.api_group.clone(),
                resource: resource.into(),
                subresource: sub.into(),
                namespace: args.namespace.clone(),
                name: args.name.clone(),
            }
        }
        (None, Some(url)) => Target::NonResource {
            path: url.split(['?', '#']).next().unwrap_or(url).to_string(),
        },
        (None, None) => anyhow::bail!("give --resource or --non-resource-url"),
    };
    let user = args.user.as_ref().map(|name| UserInfo {
        name: name.clone(),
        groups: implied_groups(name, &args.groups),
    });
    Ok(Request {
        user,
        verb: args.verb.clone(),
        target,
    })
}

/// The groups the API server's authenticators attach, after the ones given.
fn implied_groups(user: &str, given: &[String]) -> Vec<String> {
    let mut groups = given.to_vec();
    let mut add = |g: String| {
        if !groups.contains(&g) {
            groups.push(g);
        }
    };
    if user == id::ANONYMOUS_USER {
        add(id::SYSTEM_UNAUTHENTICATED.into());
    } else {
        if let Some((ns, _)) = id::parse_service_account_user(user) {
            for g in id::service_account_groups(ns) {
                add(g);
            }
        }
        add(id::SYSTEM_AUTHENTICATED.into());
    }
    groups
}

fn describe(req: &Request) -> String {
    let who = match &req.user {
        Some(u) => format!("{} (groups {})", u.name, u.groups.join(", ")),
        None => "no user (failed authentication)".into(),
    };
    let what = match &req.target {
        Target::Resource {
            group,
            resource,
            subresource,
            namespace,
            name,
        } => {
            let mut s = resource.clone();
            if !subresource.is_empty() {
                s = format!("{s}/{subresource}");
            }
            if !group.is_empty() {
                s = format!("{s}.{group}");
            }
            if !name.is_empty() {
                s = format!("{s} {name}");
            }
            if !namespace.is_empty() {
                s = format!("{s} in namespace {namespace}");
            }
            s
        }
        Target::NonResource { path } => path.clone(),
    };
    format!("{who}: {} {what}", req.verb)
}

fn stages(d: &Decision) -> Vec<&'static str> {
    d.omit_stages.iter().map(|s| s.as_str()).collect()
}

fn print_text(
    out: &mut impl Write,
    policy: &Policy,
    req: &Request,
    d: &Decision,
) -> io::Result<()> {
    writeln!(out, "request: {}", describe(req))?;
    let omitted = stages(d);
    writeln!(
        out,
        "level: {}\nomitted stages: {}",
        d.level,
        if omitted.is_empty() {
            "none".to_string()
        } else {
            omitted.join(", ")
        }
    )?;
    match d.rule.and_then(|i| policy.rules.get(i).map(|r| (i, r))) {
        Some((i, rule)) => writeln!(
            out,
            "decided by: rule {i} ({}:{}): {}",
            policy.file,
            policy.pos(&format!("rules[{i}]")).line,
            rule.summary()
        )?,
        None => {
            writeln!(
                out,
                "decided by: no rule matches, so the default level None applies (not audited)"
            )?;
        }
    }
    if d.omit_managed_fields {
        writeln!(out, "managedFields: omitted from logged bodies")?;
    }
    Ok(())
}

fn to_json(policy: &Policy, req: &Request, d: &Decision) -> serde_json::Value {
    let rule = d
        .rule
        .and_then(|i| policy.rules.get(i).map(|r| (i, r)))
        .map(|(i, r)| {
            json!({
                "index": i,
                "line": policy.pos(&format!("rules[{i}]")).line,
                "summary": r.summary(),
            })
        });
    json!({
        "file": policy.file.as_ref(),
        "request": {
            "user": req.user.as_ref().map(|u| u.name.clone()),
            "groups": req.user.as_ref().map(|u| u.groups.clone()).unwrap_or_default(),
            "verb": req.verb,
            "description": describe(req),
        },
        "level": d.level,
        "omitStages": stages(d),
        "omitManagedFields": d.omit_managed_fields,
        "rule": rule,
    })
}
