//! `kubeward kubeconfig`: inspect the identities and certificates of a kubeconfig, and
//! extract its PEMs. The judging lives in `kubeward_identity::kubeconfig`; this module
//! picks the files, formats the answer and maps it to an exit code.

mod text;

use crate::exit::ExitStatus;
use crate::format::Format;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;

use super::io::write_json;
use crate::hint;
use clap::{Args, Subcommand};
use kubeward_identity::kubeconfig::{self as kc, Kubeconfig, Material};

#[derive(Debug, Args)]
pub struct KubeconfigArgs {
    #[command(subcommand)]
    pub command: KubeconfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum KubeconfigCommand {
    /// List contexts, clusters and users, decode every certificate and report findings.
    ///
    /// Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 unusable
    /// input (everything readable is still reported).
    Inspect(InspectArgs),
    /// Print the PEM of the CA, client certificate or client key of a context.
    Extract(ExtractArgs),
}

#[derive(Debug, Args)]
pub struct Files {
    /// The kubeconfig [default: $KUBECONFIG, a colon-separated list merged as kubectl
    /// does, else ~/.kube/config].
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_parser = crate::format::text_or_json(), default_value_t = Format::Text)]
    pub format: Format,

    #[command(flatten)]
    pub limit: super::FileLimit,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub files: Files,

    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = kubeward_report::Severity::High, value_name = "SEVERITY")]
    pub fail_on: kubeward_report::Severity,
}

#[derive(Debug, Args)]
#[group(id = "what", required = true, multiple = false)]
pub struct ExtractArgs {
    /// The cluster's certificate authority.
    #[arg(long, group = "what")]
    pub ca: bool,
    /// The user's client certificate.
    #[arg(long, group = "what")]
    pub client_cert: bool,
    /// The user's client key.
    #[arg(long, group = "what")]
    pub client_key: bool,
    /// The context to read [default: current-context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    #[command(flatten)]
    pub files: Files,
}

pub fn run(args: &KubeconfigArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        KubeconfigCommand::Inspect(a) => inspect(a),
        KubeconfigCommand::Extract(a) => extract(a),
    }
}

/// The files to read: FILE, else the default chain (`$KUBECONFIG`'s list, else
/// `~/.kube/config`).
fn chain(file: Option<&PathBuf>) -> Vec<PathBuf> {
    if let Some(f) = file {
        return vec![f.clone()];
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    kc::chain(std::env::var_os("KUBECONFIG").as_deref(), home.as_deref())
}

fn load(files: &Files) -> anyhow::Result<Kubeconfig> {
    let paths = chain(files.file.as_ref());
    let limits = files.limit.limits();
    let loaded = if files.file.is_some() {
        paths
            .first()
            .map(|p| kc::load_file(p, &limits))
            .unwrap_or_else(|| Err(kc::Error::NotFound(paths.clone())))
    } else {
        kc::load_chain(&paths, &limits)
    };
    loaded.map_err(|e| hint::error(&e))
}

fn inspect(args: &InspectArgs) -> anyhow::Result<ExitStatus> {
    let cfg = load(&args.files)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let report = kc::inspect(&cfg, now);
    let mut out = anstream::stdout().lock();
    match args.files.format {
        Format::Json => {
            write_json(&mut out, &report).context("writing JSON")?;
        }
        Format::Text | Format::Sarif => text::write(&mut out, &report, now)?,
    }
    out.flush()?;
    let fail_on = args.fail_on;
    Ok(ExitStatus::from_findings(
        !report.problems.is_empty(),
        report.findings.iter().map(|f| f.severity),
        fail_on,
    ))
}

fn extract(args: &ExtractArgs) -> anyhow::Result<ExitStatus> {
    let cfg = load(&args.files)?;
    let what = if args.ca {
        Material::CertificateAuthority
    } else if args.client_cert {
        Material::ClientCertificate
    } else {
        Material::ClientKey
    };
    let (source, pem) =
        kc::extract(&cfg, args.context.as_deref(), what).map_err(|e| hint::error(&e))?;
    let mut out = std::io::stdout().lock();
    match args.files.format {
        Format::Text | Format::Sarif => out.write_all(&pem)?,
        Format::Json => {
            let value = serde_json::json!({
                "source": source,
                "pem": String::from_utf8_lossy(&pem),
            });
            write_json(&mut out, &value)?;
        }
    }
    out.flush()?;
    Ok(ExitStatus::Clean)
}
