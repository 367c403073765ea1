//! `kubeward seccomp check`: validates seccomp profiles, reports what they let through,
//! and shows where the kubelet reads a `Localhost` profile and the securityContext that
//! uses it.

use crate::exit::ExitStatus;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use kubeward_controlplane::seccomp::{
    DEFAULT_KUBELET_ROOT, Finding, check, localhost_path, security_context_yaml,
};
use serde_json::{Value, json};

use super::io::{print_json, read_text};
use crate::format::Format;

#[derive(Debug, Args)]
pub struct SeccompArgs {
    #[command(subcommand)]
    pub command: SeccompCommand,
}

#[derive(Debug, Subcommand)]
pub enum SeccompCommand {
    /// Validate seccomp profiles (OCI/Docker JSON) and flag what they let through.
    ///
    /// Exit status: 0 no finding at or above --fail-on, 1 some, 2 a profile could not be
    /// read (the others are still checked).
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Profile files (JSON).
    #[arg(value_name = "PROFILE", required = true)]
    pub profiles: Vec<PathBuf>,

    /// The kubelet's --root-dir, under which `seccomp/` holds Localhost profiles.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_KUBELET_ROOT)]
    pub kubelet_root_dir: PathBuf,

    /// The localhostProfile name pods will use [default: the profile's file name]. Only
    /// with a single profile.
    #[arg(long, value_name = "NAME")]
    pub localhost_profile: Option<String>,

    /// Output format.
    #[arg(long, value_parser = crate::format::text_or_json(), default_value_t = Format::Text)]
    pub format: Format,

    /// Exit 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value_t = kubeward_report::Severity::High, value_name = "SEVERITY")]
    pub fail_on: kubeward_report::Severity,

    #[command(flatten)]
    pub limit: super::FileLimit,
}

pub fn run(args: &SeccompArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        SeccompCommand::Check(a) => run_check(a),
    }
}

/// One profile's report.
struct Report {
    file: String,
    findings: Vec<Finding>,
    /// (path the kubelet reads, localhostProfile) or why the name is unusable.
    localhost: Result<(PathBuf, String), String>,
    /// Why the profile could not be checked, and how to fix that.
    error: Option<(String, String)>,
}

fn run_check(args: &CheckArgs) -> anyhow::Result<ExitStatus> {
    if args.localhost_profile.is_some() && args.profiles.len() > 1 {
        anyhow::bail!(crate::hint::hinted(
            format_args!(
                "--localhost-profile names one profile, but {} were given",
                args.profiles.len()
            ),
            "check them one at a time"
        ));
    }
    let reports: Vec<Report> = args.profiles.iter().map(|p| report(args, p)).collect();
    match args.format {
        Format::Text | Format::Sarif => {
            let (mut out, mut err) = (
                crate::output::escape::stdout(),
                crate::output::escape::stderr(),
            );
            for r in &reports {
                print_text(&mut out, &mut err, r)?;
            }
        }
        Format::Json => {
            let profiles: Vec<Value> = reports.iter().map(to_json).collect();
            print_json(&json!({ "profiles": profiles }))?;
        }
    }
    Ok(ExitStatus::from_findings(
        reports.iter().any(|r| r.error.is_some()),
        reports.iter().flat_map(|r| &r.findings).map(|f| f.severity),
        args.fail_on,
    ))
}

fn report(args: &CheckArgs, path: &Path) -> Report {
    let file = path.display().to_string();
    let name = args.localhost_profile.clone().unwrap_or_else(|| {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let localhost = localhost_path(&args.kubelet_root_dir, &name)
        .map(|p| (p, name))
        .map_err(|e| e.to_string());
    let (findings, error) = match read_text(path, &args.limit.limits()) {
        Err(e) => (
            Vec::new(),
            Some((e.to_string(), kubeward_report::Hint::hint(&e).to_owned())),
        ),
        Ok(text) => match check(&text) {
            Ok((_, findings)) => (findings, None),
            Err(e) => (
                Vec::new(),
                Some((
                    format!("{file}: {e}"),
                    "the runtime cannot load this profile; correct it".to_owned(),
                )),
            ),
        },
    };
    Report {
        file,
        findings,
        localhost,
        error,
    }
}

fn print_text(out: &mut impl Write, err: &mut impl Write, r: &Report) -> io::Result<()> {
    if let Some((message, hint)) = &r.error {
        return writeln!(err, "error: {}", crate::hint::hinted(message, hint));
    }
    for f in &r.findings {
        writeln!(
            out,
            "{}: {}: {} {} {}: {}\n    fix: {}",
            r.file,
            f.field,
            f.severity.as_str(),
            f.id,
            f.title,
            f.message,
            f.fix
        )?;
    }
    writeln!(out, "{}: {} finding(s)", r.file, r.findings.len())?;
    match &r.localhost {
        Ok((path, name)) => {
            writeln!(
                out,
                "Localhost profile: the kubelet reads {} (copy the file there on every node that runs the pod); use it with:",
                path.display()
            )?;
            for line in security_context_yaml(name).lines() {
                writeln!(out, "  {line}")?;
            }
            Ok(())
        }
        Err(e) => writeln!(out, "Localhost profile: {e}"),
    }
}

fn to_json(r: &Report) -> Value {
    let localhost = match &r.localhost {
        Ok((path, name)) => json!({
            "path": path.display().to_string(),
            "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": name}},
        }),
        Err(e) => json!({ "error": e }),
    };
    json!({
        "file": r.file,
        "error": r.error.as_ref().map(|(message, _)| message),
        "hint": r.error.as_ref().map(|(_, hint)| hint),
        "findings": r.findings,
        "localhost": localhost,
    })
}
