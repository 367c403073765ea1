//! `kubeward detect webhook-config`: the API server's webhook kubeconfig and the audit
//! policy for kubeward's rules, printed or written to a directory.

use crate::exit::ExitStatus;
use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use kubeward_server::audit::webhook_config::{RECOMMENDED_POLICY, is_plain_http, kubeconfig};

#[derive(Debug, Args)]
pub struct WebhookConfigArgs {
    /// Where the API server sends events: `detect serve`'s URL as the API server reaches
    /// it, e.g. https://kubeward-audit.kubeward.svc:9765/k8s-audit.
    #[arg(long, value_name = "URL")]
    pub url: String,

    /// The CA certificate (PEM) that signed `detect serve`'s serving certificate.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,

    /// Print only this part.
    #[arg(long, value_enum, value_name = "PART")]
    pub only: Option<Part>,

    /// Write audit-webhook.kubeconfig and audit-policy.yaml into DIR instead of printing.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    #[command(flatten)]
    pub limit: crate::cmd::FileLimit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// The --audit-webhook-config-file.
    Kubeconfig,
    /// The --audit-policy-file.
    Policy,
}

pub fn run(args: &WebhookConfigArgs) -> anyhow::Result<ExitStatus> {
    let ca = match &args.ca {
        Some(p) => {
            let limit = args.limit.max_file_size;
            let mut bytes = Vec::new();
            std::fs::File::open(p)
                .and_then(|f| f.take(limit.saturating_add(1)).read_to_end(&mut bytes))
                .with_context(|| format!("--ca {}: cannot read it", p.display()))?;
            if bytes.len() as u64 > limit {
                anyhow::bail!(
                    "--ca {}: larger than {limit} bytes; is it really a PEM file? (raise \
                     --max-file-size if it is)",
                    p.display()
                );
            }
            Some(bytes)
        }
        None => None,
    };
    let config = kubeconfig(&args.url, ca.as_deref())
        .map_err(anyhow::Error::from)
        .context("give the URL the API server uses to reach `kubeward detect serve`")?;
    let mut stderr = std::io::stderr().lock();
    if is_plain_http(&args.url) {
        writeln!(
            stderr,
            "warning: http:// sends audit events in clear text and lets anyone who reaches the port inject events; serve HTTPS (`detect serve --tls-cert/--tls-key`) and pass --ca"
        )?;
    } else if args.ca.is_none() {
        writeln!(
            stderr,
            "note: without --ca the API server verifies the server certificate against its system roots"
        )?;
    }
    let want_config = args.only != Some(Part::Policy);
    let want_policy = args.only != Some(Part::Kubeconfig);
    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("--output-dir {}: cannot create it", dir.display()))?;
        let mut write = |name: &str, text: &str| -> anyhow::Result<()> {
            let path = dir.join(name);
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(stderr, "wrote {}", path.display())?;
            Ok(())
        };
        if want_config {
            write("audit-webhook.kubeconfig", &config)?;
        }
        if want_policy {
            write("audit-policy.yaml", RECOMMENDED_POLICY)?;
        }
        return Ok(ExitStatus::Clean);
    }
    let mut out = std::io::stdout().lock();
    if want_config {
        out.write_all(config.as_bytes())?;
    }
    if want_config && want_policy {
        writeln!(out, "---")?;
    }
    if want_policy {
        out.write_all(RECOMMENDED_POLICY.as_bytes())?;
    }
    Ok(ExitStatus::Clean)
}
