//! `kubeward audit-policy`: what an audit policy records for a request (`eval`), what it
//! logs that it should not or misses (`lint`), and what it would keep of recorded
//! traffic (`filter`).

mod eval;
mod filter;
mod lint;

use crate::exit::ExitStatus;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use clap::{Args, Subcommand};
use kubeward_controlplane::audit_policy::{Policy, load};
use kubeward_manifest::Limits;

pub(crate) use super::io::print_json;
use super::io::read_text;

#[derive(Debug, Args)]
pub struct AuditPolicyArgs {
    #[command(subcommand)]
    pub command: AuditPolicyCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditPolicyCommand {
    /// Show the level and omitted stages the API server applies to one request, and the
    /// rule that decides.
    ///
    /// Exit status: 0 evaluated, 2 unusable policy or arguments.
    Eval(eval::EvalArgs),
    /// Find rules that never match, contents that land in the log, and gaps.
    ///
    /// Exit status: 0 no finding at or above --fail-on, 1 some, 2 unusable policy.
    Lint(lint::LintArgs),
    /// Replay recorded audit events (JSON lines or EventList) through the policy and print,
    /// as JSON lines, the events the API server would have written.
    ///
    /// Exit status: 0 every event replayed, 2 unusable policy or unreadable events (the
    /// readable ones are still replayed).
    Filter(filter::FilterArgs),
}

pub fn run(args: &AuditPolicyArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        AuditPolicyCommand::Eval(a) => eval::run(a),
        AuditPolicyCommand::Lint(a) => lint::run(a),
        AuditPolicyCommand::Filter(a) => filter::run(a),
    }
}

/// Loads the policy, or an error listing every problem with file, line and fix.
pub(crate) fn read_policy(path: &Path, limits: &Limits) -> anyhow::Result<Policy> {
    let text = read_text(path, limits)?;
    let name: Arc<str> = Arc::from(path.display().to_string());
    load(&name, &text).map_err(|failure| {
        let each: Vec<String> = failure
            .errors
            .iter()
            .map(crate::hint::error)
            .map(|e| e.to_string())
            .collect();
        anyhow::anyhow!(each.join("\n")).context(format!(
            "{} is not a policy the API server would start with",
            path.display()
        ))
    })
}

/// Prints the fields the API server would drop, as it logs them, so `eval` and `filter`
/// users see them too.
pub(crate) fn warn_dropped(policy: &Policy) {
    let mut err = crate::output::escape::stderr();
    for d in &policy.dropped {
        let what = if d.duplicate {
            "duplicated field, the last one counts"
        } else {
            "unknown field, dropped by the API server"
        };
        let _ = writeln!(
            err,
            "warning: {}:{}: {}: {what}",
            policy.file, d.line, d.field
        );
    }
}
