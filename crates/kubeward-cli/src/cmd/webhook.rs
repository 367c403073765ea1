//! `kubeward webhook`: the admission webhook (`serve`) and what deploys it (`manifests`).
//!
//! The decisions are kubeward-server's `admission` module, which calls the same
//! kubeward-podsecurity code as `scan` and `psp admit`; this module only turns flags into
//! its configuration and prints the deployment.

mod serve;

use crate::exit::ExitStatus;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use kubeward_server::admission::FailurePolicy;
use kubeward_server::admission::manifest_yaml::documents;
use kubeward_server::admission::manifests::{ManifestOptions, WebhookMode, manifests};
use std::io::Write;

#[derive(Debug, Args)]
pub struct WebhookArgs {
    #[command(subcommand)]
    pub command: WebhookCommand,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Serve AdmissionReview requests over HTTPS: /validate, /mutate, /healthz, /readyz,
    /// /metrics.
    Serve(Box<ServeArgs>),
    /// Print the manifests that deploy the webhook (Namespace, RBAC, Deployment, PDB,
    /// Service, webhook configurations and a serving certificate).
    Manifests(ManifestsArgs),
}

/// What the webhook enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Pod Security Standards from the namespaces' pod-security.kubernetes.io labels.
    Pss,
    /// PodSecurityPolicy emulation (policies from --psp), with defaulting on /mutate.
    Psp,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0:8443")]
    pub listen: String,
    /// PEM certificate chain (reloaded when the file changes).
    #[arg(long, default_value = "/etc/kubeward/tls/tls.crt")]
    pub tls_cert: PathBuf,
    /// PEM private key (reloaded when the file changes).
    #[arg(long, default_value = "/etc/kubeward/tls/tls.key")]
    pub tls_key: PathBuf,
    /// Seconds between checks of the certificate files.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub cert_reload_seconds: u64,
    #[arg(long, value_enum, default_value_t = ModeArg::Pss)]
    pub mode: ModeArg,
    /// PodSecurityPolicy files or directories (with --mode psp).
    #[arg(long = "psp", value_name = "FILE", num_args = 1..)]
    pub psp: Vec<PathBuf>,
    /// PSP mode: Roles, ClusterRoles and their bindings (files or directories, repeatable)
    /// deciding which policies the pod's service account or the user may `use`, offline
    /// (as `psp admit --rbac`). Without it the cluster is asked by SubjectAccessReview;
    /// offline (--namespaces, outside a pod) without it every policy is usable.
    #[arg(long = "rbac", value_name = "FILE")]
    pub rbac: Vec<PathBuf>,
    /// PSP mode: seconds a SubjectAccessReview answer is reused (0: never).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=300))]
    pub sar_cache_ttl_seconds: u64,
    /// PSP mode: SubjectAccessReview answers kept at most.
    #[arg(long, default_value_t = 4096, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub sar_cache_size: u64,
    /// Namespace manifests to read labels from instead of watching the cluster.
    #[arg(long, value_name = "FILE")]
    pub namespaces: Option<PathBuf>,
    /// The file kube-apiserver reads with --admission-control-config-file (an
    /// AdmissionConfiguration with a PodSecurity entry) or a PodSecurityConfiguration: its
    /// defaults apply to unlabelled namespaces, its exemptions with the --exempt-* ones.
    #[arg(long, value_name = "FILE")]
    pub admission_config: Option<PathBuf>,
    /// Exempt requesting user (repeatable, or comma-separated).
    #[arg(long = "exempt-user", value_delimiter = ',')]
    pub exempt_users: Vec<String>,
    /// Exempt namespace (repeatable, or comma-separated).
    #[arg(long = "exempt-namespace", value_delimiter = ',')]
    pub exempt_namespaces: Vec<String>,
    /// Exempt runtimeClassName (repeatable, or comma-separated).
    #[arg(long = "exempt-runtime-class", value_delimiter = ',')]
    pub exempt_runtime_classes: Vec<String>,
    /// What to answer when no decision can be made in time (match the webhook configuration).
    #[arg(long, value_enum, default_value_t = FailurePolicy::Fail)]
    pub failure_policy: FailurePolicy,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 7 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Deadline in seconds when the API server sends none.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=30))]
    pub timeout_seconds: u64,
    #[command(flatten)]
    pub connections: crate::cmd::serving::ConnectionArgs,
    // Bounds the --psp and --namespaces files.
    #[command(flatten)]
    pub limit: super::FileLimit,
}

#[derive(Debug, Args)]
pub struct ManifestsArgs {
    /// Namespace the webhook runs in.
    #[arg(long, default_value = "kubeward")]
    pub namespace: String,
    #[arg(long, value_enum, default_value_t = ModeArg::Pss)]
    pub mode: ModeArg,
    /// Use cert-manager (an Issuer, a Certificate and CA injection) instead of printing a
    /// generated certificate.
    #[arg(long)]
    pub cert_manager: bool,
    /// Container image of kubeward: the one scripts/build-image.sh builds (pinned by
    /// digest when this binary was built knowing it); pass NAME@sha256:... to pin yours.
    #[arg(long, default_value_t = crate::image::default_image())]
    pub image: String,
    #[arg(long, value_enum, default_value_t = FailurePolicy::Fail)]
    pub failure_policy: FailurePolicy,
}

pub fn run(args: &WebhookArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        WebhookCommand::Serve(a) => serve::run(a),
        WebhookCommand::Manifests(a) => print_manifests(a),
    }
}

/// `webhook manifests`: the documents from kubeward-server, as YAML on stdout.
fn print_manifests(args: &ManifestsArgs) -> anyhow::Result<ExitStatus> {
    let docs = manifests(&ManifestOptions {
        namespace: args.namespace.clone(),
        mode: match args.mode {
            ModeArg::Pss => WebhookMode::Pss,
            ModeArg::Psp => WebhookMode::Psp,
        },
        cert_manager: args.cert_manager,
        image: args.image.clone(),
        failure_policy: args.failure_policy,
    })
    .context("generating the webhook's serving certificate")?;
    let mut out = std::io::stdout().lock();
    out.write_all(documents(&docs).as_bytes())
        .and_then(|()| out.flush())
        .context("writing the manifests")?;
    Ok(ExitStatus::Clean)
}
