//! `kubeward audit-policy lint`: the findings of every lint, with file:line and fix.

use crate::exit::ExitStatus;
use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;
use kubeward_controlplane::audit_policy::{Finding, Severity, lint};
use serde_json::json;

use crate::format::Format;

#[derive(Debug, Args)]
pub struct LintArgs {
    /// The audit policy file (`-` for standard input).
    #[arg(value_name = "POLICY")]
    pub policy: PathBuf,

    /// Output format.
    #[arg(long, value_parser = crate::format::text_or_json(), default_value_t = Format::Text)]
    pub format: Format,

    /// Exit 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value_t = kubeward_report::Severity::High, value_name = "SEVERITY")]
    pub fail_on: kubeward_report::Severity,

    #[command(flatten)]
    pub limit: crate::cmd::FileLimit,
}

pub fn run(args: &LintArgs) -> anyhow::Result<ExitStatus> {
    let policy = super::read_policy(&args.policy, &args.limit.limits())?;
    let findings = lint(&policy);
    match args.format {
        Format::Text | Format::Sarif => {
            print_text(&mut crate::output::escape::stdout(), &findings)?
        }
        Format::Json => super::print_json(&json!({
            "file": policy.file.as_ref(),
            "rules": policy.rules.len(),
            "findings": findings,
        }))?,
    }
    Ok(ExitStatus::from_findings(
        false,
        findings.iter().map(|f| f.severity),
        args.fail_on,
    ))
}

fn print_text(out: &mut impl Write, findings: &[Finding]) -> io::Result<()> {
    for f in findings {
        writeln!(
            out,
            "{}:{}: {} {} {}: {}\n    field: {}\n    fix: {}",
            f.file,
            f.line,
            f.severity.as_str(),
            f.id,
            f.title,
            f.message,
            f.field,
            f.fix
        )?;
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let parts: Vec<String> = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ]
    .into_iter()
    .filter(|s| count(*s) > 0)
    .map(|s| format!("{} {}", count(s), s.as_str()))
    .collect();
    if parts.is_empty() {
        writeln!(out, "no findings")
    } else {
        writeln!(out, "{} finding(s): {}", findings.len(), parts.join(", "))
    }
}
