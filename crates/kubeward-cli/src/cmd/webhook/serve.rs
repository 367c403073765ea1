//! `kubeward webhook serve`: flags → admission configuration, namespace source, TLS, and
//! the server until SIGTERM.

use crate::exit::ExitStatus;
use crate::hint::hinted;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use kubeward_server::admission::namespaces::{NamespaceStore, load_file};
use kubeward_server::admission::pss::Exemptions;
use kubeward_server::admission::{AdmissionConfig, Mode, router};
use kubeward_server::tls::{CertReloader, ServeOptions, serve};

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
    let cfg = AdmissionConfig {
        mode,
        exemptions: Exemptions {
            usernames: args.exempt_users.iter().cloned().collect(),
            namespaces: args.exempt_namespaces.iter().cloned().collect(),
            runtime_classes: args.exempt_runtime_classes.iter().cloned().collect(),
        },
        failure_policy: args.failure_policy.into(),
        max_body_bytes: args.max_body_bytes,
        default_timeout: Duration::from_secs(args.timeout_seconds),
        ..AdmissionConfig::default()
    };
    let certs = CertReloader::load(&args.tls_cert, &args.tls_key).with_context(|| {
        hinted(
            "loading the serving certificate",
            "`kubeward webhook manifests` prints a Secret with one; mount it at /etc/kubeward/tls or pass --tls-cert/--tls-key",
        )
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let store = NamespaceStore::new();
        match &args.namespaces {
            Some(path) => {
                let ns = load_file(path, &args.limit.limits()).context("reading --namespaces")?;
                tracing::info!(namespaces = ns.len(), file = %path.display(), "namespace labels loaded");
                store.replace(ns);
            }
            None => {
                store.clone().watch_cluster().await.context(hinted(
                    "connecting to the cluster for the namespace watch",
                    "run in a pod with the ServiceAccount from `webhook manifests`, set KUBECONFIG, or pass --namespaces FILE",
                ))?;
            }
        }
        tokio::spawn(certs.clone().watch(Duration::from_secs(args.cert_reload_seconds)));
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        tracing::info!(addr = %args.listen, mode = ?args.mode, "admission webhook serving");
        let connections = cfg.connections.clone();
        let opts = ServeOptions {
            metrics: connections.clone(),
            ..args.connections.serve_options()
        };
        let app = router(cfg, store);
        serve(listener, Some(certs.acceptor()), app, opts, shutdown_signal())
            .await
            .context("serving")?;
        tracing::info!("admission webhook stopped; {}", connections.summary());
        anyhow::Ok(ExitStatus::Clean)
    })
}
