//! Running `psp admit` / `psp migrate` and printing their results as text or JSON.

use crate::exit::ExitStatus;
use std::io::Write;

use kubeward_manifest::Resource;
use kubeward_podsecurity::psp::{
    AllowAll, Authorizer, Identity, Operation, Policy, RbacAuthorizer, UserInfo, admit_workload,
};
use kubeward_report::Hint as _;
use serde_json::{Value, json};

use super::{AdmitArgs, MigrateArgs, load_policies, load_rbac, load_resources};
use crate::cmd::io::print_json;
use crate::format::Format;

/// One workload's outcome, in the JSON contract's shape.
pub(crate) struct AdmitResult {
    pub json: Value,
    pub allowed: bool,
    pub message: Option<String>,
}

/// Admits every workload among `resources`.
pub(crate) fn admit_all(
    policies: &[Policy],
    resources: &[Resource],
    authz: &dyn Authorizer,
    who: &Identity,
) -> (Vec<AdmitResult>, Vec<String>) {
    let mut results = vec![];
    let mut errors = vec![];
    for res in resources {
        let a = match admit_workload(policies, res, authz, who) {
            None => continue,
            Some(Err(e)) => {
                errors.push(crate::hint::hinted(&e, e.hint()));
                continue;
            }
            Some(Ok(a)) => a,
        };
        let d = &a.decision;
        let errors_json: Vec<Value> = d
            .errors
            .iter()
            .map(|e| json!({"policy": e.policy, "path": e.error.path, "message": e.error.body()}))
            .collect();
        results.push(AdmitResult {
            json: json!({
                "file": res.file.as_ref(),
                "line": res.pos.line,
                "kind": res.kind,
                "namespace": a.namespace,
                "name": res.name,
                "allowed": d.allowed,
                "policy": d.policy,
                "patch": a.patch,
                "mutated": a.mutated,
                "errors": errors_json,
            }),
            allowed: d.allowed,
            message: a.decision.message,
        });
    }
    (results, errors)
}

pub(crate) fn print_admit_text(
    out: &mut impl Write,
    results: &[AdmitResult],
) -> std::io::Result<()> {
    for r in results {
        let j = &r.json;
        let s = |k: &str| j[k].as_str().unwrap_or("").to_string();
        let name = j["name"].as_str().unwrap_or("<unnamed>");
        let head = format!(
            "{}:{}: {} {}/{}",
            s("file"),
            j["line"],
            s("kind"),
            s("namespace"),
            name
        );
        if r.allowed {
            let ops = j["patch"].as_array().map_or(0, Vec::len);
            writeln!(
                out,
                "{head}: allowed by PodSecurityPolicy {:?}{}",
                s("policy"),
                if ops > 1 { " (mutated)" } else { "" }
            )?;
            for op in j["patch"].as_array().into_iter().flatten() {
                writeln!(
                    out,
                    "  {} {} {}",
                    op["op"].as_str().unwrap_or(""),
                    op["path"].as_str().unwrap_or(""),
                    op.get("value").map(Value::to_string).unwrap_or_default()
                )?;
            }
        } else {
            writeln!(out, "{head}: denied")?;
            writeln!(out, "  {}", r.message.as_deref().unwrap_or(""))?;
        }
    }
    let denied = results.iter().filter(|r| !r.allowed).count();
    writeln!(
        out,
        "{} workloads: {} allowed, {denied} denied",
        results.len(),
        results.len() - denied
    )
}

fn report_errors(errors: &[String], warnings: &[String]) {
    let mut err = crate::output::escape::stderr();
    for w in warnings {
        let _ = writeln!(err, "warning: {w}");
    }
    for e in errors {
        let _ = writeln!(err, "error: {e}");
    }
}

/// The requesting identity from the flags.
pub fn identity(args: &AdmitArgs) -> Identity {
    let user = args.user.as_ref().map(|u| {
        let mut groups = args.groups.clone();
        // The API server adds this group to every authenticated request.
        groups.push(kubeward_identity::names::SYSTEM_AUTHENTICATED.to_string());
        UserInfo {
            name: u.clone(),
            groups,
        }
    });
    Identity {
        user,
        service_account: args.service_account.clone(),
        namespace: args.namespace.clone(),
        operation: if args.update {
            Operation::Update
        } else {
            Operation::Create
        },
    }
}

pub fn run_admit(args: &AdmitArgs) -> anyhow::Result<ExitStatus> {
    let (policies, mut errors, warnings) =
        load_policies(&args.policies, &args.limit.limits(), "--policy");
    let authz: Box<dyn Authorizer> = if args.rbac.is_empty() {
        Box::new(AllowAll)
    } else {
        let (rbac, errs) = load_rbac(&args.rbac, &args.limit.limits());
        errors.extend(errs);
        Box::new(RbacAuthorizer(rbac))
    };
    if args.user.is_none() && !args.groups.is_empty() {
        errors.push(crate::hint::hinted(
            "--group given without --user",
            "name the requesting user with --user",
        ));
    }
    let loaded = load_resources(&args.paths, &args.limit.limits());
    errors.extend(loaded.errors);
    let (results, errs) = if policies.is_empty() {
        (vec![], vec![])
    } else {
        admit_all(&policies, &loaded.resources, &*authz, &identity(args))
    };
    errors.extend(errs);
    report_errors(&errors, &warnings);
    match args.format {
        Format::Text | Format::Sarif => {
            print_admit_text(&mut crate::output::escape::stdout(), &results)?
        }
        Format::Json => {
            let list: Vec<&Value> = results.iter().map(|r| &r.json).collect();
            print_json(&json!({"results": list}))?;
        }
    }
    Ok(ExitStatus::judge(
        !errors.is_empty(),
        results.iter().any(|r| !r.allowed),
    ))
}

pub fn run_migrate(args: &MigrateArgs) -> anyhow::Result<ExitStatus> {
    use kubeward_podsecurity::psp::migrate::migrate;
    let (policies, errors, warnings) =
        load_policies(&args.policies, &args.limit.limits(), "--policy");
    report_errors(&errors, &warnings);
    let mut out = crate::output::escape::stdout();
    let mut list = vec![];
    for p in &policies {
        let m = migrate(p);
        match args.format {
            Format::Text | Format::Sarif => {
                writeln!(
                    out,
                    "{}:{}: PodSecurityPolicy {:?}: {} (v1.{} and later)",
                    p.file, p.pos.line, p.name, m.level, m.min_version
                )?;
                for (k, v) in m.labels() {
                    writeln!(out, "  label {k}={v}")?;
                }
                for f in &m.findings {
                    writeln!(out, "  {} needs {}: {}", f.field, f.level, f.reason)?;
                }
                for n in &m.notes {
                    writeln!(out, "  not expressible: {}: {}", n.field, n.message)?;
                }
            }
            Format::Json => {
                let labels: serde_json::Map<String, Value> =
                    m.labels().into_iter().map(|(k, v)| (k, json!(v))).collect();
                list.push(json!({
                    "policy": p.name,
                    "file": p.file.as_ref(),
                    "line": p.pos.line,
                    "level": m.level.to_string(),
                    "minVersion": format!("v1.{}", m.min_version),
                    "labels": labels,
                    "findings": m.findings.iter().map(|f| json!({"field": f.field, "level": f.level.to_string(), "reason": f.reason})).collect::<Vec<_>>(),
                    "notExpressible": m.notes.iter().map(|n| json!({"field": n.field, "message": n.message})).collect::<Vec<_>>(),
                }));
            }
        }
    }
    if args.format == Format::Json {
        // JSON escapes what it must itself; it does not go through the text escaping.
        print_json(&json!({"policies": list}))?;
    }
    Ok(ExitStatus::judge(!errors.is_empty(), false))
}
