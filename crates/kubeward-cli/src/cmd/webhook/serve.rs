//! `kubeward webhook serve`: flags → the admission configuration and how it is served;
//! kubeward-server's `AdmissionServer` does the rest until SIGTERM.

use crate::exit::ExitStatus;
use crate::hint::{self, hinted};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use kubeward_podsecurity::psp::RbacAuthorizer;
use kubeward_podsecurity::standards::config::{self, PodSecurityConfiguration};
use kubeward_server::admission::authz::SarAuthorizer;
use kubeward_server::admission::{
    AdmissionConfig, AdmissionServer, Mode, NamespaceSource, PolicyAuthorization, Serving,
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
            if !args.rbac.is_empty() {
                bail!(hinted(
                    "--rbac is for --mode psp",
                    "add --mode psp, or drop --rbac"
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
    let authorization = authorization_source(args)?;
    let mut cfg = AdmissionConfig {
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
        cfg.psp_authorization = match authorization {
            Source::Ready(a) => a,
            Source::Cluster => {
                let sar = SarAuthorizer::connect(
                    Duration::from_secs(args.sar_cache_ttl_seconds),
                    usize::try_from(args.sar_cache_size).unwrap_or(usize::MAX),
                )
                .await
                .map_err(|e| {
                    anyhow::anyhow!(hinted(
                        format_args!("connecting to the cluster for SubjectAccessReviews: {e}"),
                        "run in a pod with the ServiceAccount from `webhook manifests`, set KUBECONFIG, or pass --rbac FILE"
                    ))
                })?;
                tracing::info!(
                    ttl_seconds = args.sar_cache_ttl_seconds,
                    "PodSecurityPolicy use authorized by SubjectAccessReviews"
                );
                PolicyAuthorization::SubjectAccessReview(Arc::new(sar))
            }
        };
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

/// Where PSP mode's authorization comes from, before the runtime exists.
enum Source {
    /// Decided already (PSS mode, RBAC files, or every policy).
    Ready(PolicyAuthorization),
    /// SubjectAccessReviews: the client is built in the runtime.
    Cluster,
}

/// `--rbac` files when given; else SubjectAccessReviews whenever there is a cluster to
/// ask (no `--namespaces`, or running in a pod); else, offline, every policy is usable,
/// with a warning.
fn authorization_source(args: &ServeArgs) -> anyhow::Result<Source> {
    if args.mode != ModeArg::Psp {
        return Ok(Source::Ready(PolicyAuthorization::Everyone));
    }
    if !args.rbac.is_empty() {
        let (rbac, errors) = crate::cmd::policy_inputs::load_rbac(&args.rbac, &args.limit.limits());
        if !errors.is_empty() {
            bail!("{}", errors.join("\n"));
        }
        tracing::info!(
            files = args.rbac.len(),
            "PodSecurityPolicy use authorized by the RBAC files"
        );
        return Ok(Source::Ready(PolicyAuthorization::Rbac(Arc::new(
            RbacAuthorizer(rbac),
        ))));
    }
    let in_pod = std::env::var_os("KUBERNETES_SERVICE_HOST").is_some();
    if args.namespaces.is_none() || in_pod {
        return Ok(Source::Cluster);
    }
    tracing::warn!(
        "offline without --rbac: every PodSecurityPolicy counts as usable by every user and service account; \
         pass --rbac FILE with the Roles and bindings to authorize `use` as the cluster would"
    );
    Ok(Source::Ready(PolicyAuthorization::Everyone))
}
