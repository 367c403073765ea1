//! `kubeward webhook serve`: flags → the admission configuration and how it is served;
//! kubeward-server's `AdmissionServer` does the rest until SIGTERM.

use crate::exit::ExitStatus;
use crate::hint::{self, hinted};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use kubeward_podsecurity::standards::config::{self, PodSecurityConfiguration};
use kubeward_server::admission::{
    AdmissionConfig, AdmissionServer, Mode, NamespaceSource, Serving,
};
use kubeward_server::tls::TlsFiles;

use super::{ModeArg, ServeArgs};
use crate::cmd::serving::{init_logging, shutdown_signal};

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitStatus> {
    init_logging();
    let mode = match args.mode {
        ModeArg::Pss => {
            if !args.psp.is_empty() {
                bail!(hinted(
                    "--psp is for --mode psp",
                    "add --mode psp, or drop --psp"
                ));
            }
            Mode::Pss
        }
        ModeArg::Psp => {
            if args.psp.is_empty() {
                bail!(hinted(
                    "--mode psp needs the policies",
                    "pass --psp FILE... with the PodSecurityPolicy manifests"
                ));
            }
            let (policies, errors, warnings) =
                crate::cmd::policy_inputs::load_policies(&args.psp, &args.limit.limits(), "--psp");
            for w in &warnings {
                tracing::warn!("{w}");
            }
            if !errors.is_empty() {
                bail!("{}", errors.join("\n"));
            }
            Mode::Psp(Arc::new(policies))
        }
    };
    let mut pod_security = match &args.admission_config {
        Some(path) => config::load(path).map_err(|e| crate::hint::error(&e))?,
        None => PodSecurityConfiguration::default(),
    };
    let ex = &mut pod_security.exemptions;
    ex.usernames.extend(args.exempt_users.iter().cloned());
    ex.namespaces.extend(args.exempt_namespaces.iter().cloned());
    ex.runtime_classes
        .extend(args.exempt_runtime_classes.iter().cloned());
    let cfg = AdmissionConfig {
        mode,
        pod_security,
        failure_policy: args.failure_policy,
        max_body_bytes: args.max_body_bytes,
        default_timeout: Duration::from_secs(args.timeout_seconds),
        ..AdmissionConfig::default()
    };
    let namespaces = match &args.namespaces {
        Some(path) => NamespaceSource::File {
            path: path.clone(),
            limits: args.limit.limits(),
        },
        None => NamespaceSource::Cluster,
    };
    let serving = Serving {
        listen: args.listen.clone(),
        tls: TlsFiles {
            cert: args.tls_cert.clone(),
            key: args.tls_key.clone(),
            reload_every: Duration::from_secs(args.cert_reload_seconds),
        },
        namespaces,
        serve_options: args.connections.serve_options(),
        reload_on_sighup: true,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let server = AdmissionServer::bind(cfg, serving)
            .await
            .map_err(|e| hint::error(&e))?;
        tracing::info!(addr = %args.listen, mode = ?args.mode, "admission webhook serving");
        let summary = server
            .run(shutdown_signal())
            .await
            .map_err(|e| hint::error(&e))?;
        tracing::info!("admission webhook stopped; {summary}");
        anyhow::Ok(ExitStatus::Clean)
    })
}
