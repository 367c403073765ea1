//! `kubeward detect serve`: the audit webhook backend, from arguments to a running
//! server (kubeward-server's `audit`), with SIGHUP reload and SIGTERM/SIGINT shutdown.

use crate::exit::ExitStatus;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use kubeward_rules::falco_config::FalcoConfig;
use kubeward_server::audit::config::{
    AUDIT_PATH, DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT, DEFAULT_QUEUE_BYTES,
};
use kubeward_server::audit::{
    AlertFormat as ServerFormat, AuditServer, HttpBody, HttpOutputConfig, OutputsConfig,
    ProgramOutputConfig, RulesHandle, ServeConfig, SyslogOutputConfig, TlsFiles,
};

use super::{RuleSelection, Sources};
use crate::cmd::serving::{ConnectionArgs, init_logging, shutdown_signal};
use crate::format::Format;
use kubeward_server::audit::syscalls::SyscallConfig;

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub selection: RuleSelection,

    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR", default_value_t = SocketAddr::from(([0, 0, 0, 0], DEFAULT_PORT)))]
    pub listen: SocketAddr,

    /// Serve HTTPS with this certificate (PEM chain); reloaded when the file changes.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Alert format on stdout, in --output-file, for --program-output and syslog
    /// [default: json_output of --config, else text]. The --http-output flag always
    /// sends JSON; an http_output of --config sends this format, as Falco's follows
    /// json_output.
    #[arg(long, value_parser = crate::format::text_or_json())]
    pub format: Option<Format>,

    /// Also append alerts to this file.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,

    /// Also POST each alert (Falco's JSON object) to this http:// or https:// URL, with
    /// retries (Falcosidekick listens on `/`).
    #[arg(long, value_name = "URL")]
    pub http_output: Option<String>,

    /// CA bundle (PEM) that signs the --http-output receiver's certificate; without it the
    /// system's roots are trusted.
    #[arg(long, value_name = "FILE", requires = "http_output")]
    pub http_ca_bundle: Option<PathBuf>,

    /// Client certificate chain (PEM) for mutual TLS with the --http-output receiver.
    #[arg(long, value_name = "FILE", requires_all = ["http_output", "http_client_key"])]
    pub http_client_cert: Option<PathBuf>,

    /// The key (PEM) of --http-client-cert.
    #[arg(long, value_name = "FILE", requires = "http_client_cert")]
    pub http_client_key: Option<PathBuf>,

    /// Accept any certificate from the --http-output receiver (Falco's insecure): for
    /// tests, never in production.
    #[arg(long, requires = "http_output")]
    pub http_insecure: bool,

    /// A header for every --http-output request, NAME:VALUE (repeatable), as Falco's
    /// custom_headers.
    #[arg(long, value_name = "NAME:VALUE", value_parser = kubeward_server::audit::config::parse_header, requires = "http_output")]
    pub http_header: Vec<(String, String)>,

    /// Also write each alert, one line in --format, to the standard input of this command
    /// (run by /bin/sh -c), as Falco's program_output.
    #[arg(long, value_name = "COMMAND")]
    pub program_output: Option<String>,

    /// Keep the --program-output command running across alerts (restarted if it exits)
    /// instead of running it once per alert, as Falco's program_output.keep_alive.
    #[arg(long, requires = "program_output")]
    pub program_keep_alive: bool,

    /// Also send each alert to syslog, RFC 5424 on the local socket, facility user, the
    /// rule's priority as severity (Falco's syslog_output; on a systemd host
    /// `journalctl _COMM=kubeward` shows it).
    #[arg(long)]
    pub syslog_output: bool,

    /// The syslog socket for --syslog-output (or syslog_output of --config).
    #[arg(long, value_name = "PATH", default_value = kubeward_server::audit::syslog_sink::DEV_LOG)]
    pub syslog_socket: PathBuf,

    /// Attempts per alert for --http-output (exponential backoff from 200 ms to 5 s).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub http_attempts: u32,

    /// Do not write alerts to stdout.
    #[arg(long)]
    pub no_stdout: bool,

    /// Larger webhook requests are refused with 413.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Batches waiting for evaluation before requests get 429.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub queue_batches: usize,

    /// Bytes of batches waiting for evaluation before requests get 429.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_QUEUE_BYTES)]
    pub queue_bytes: usize,

    /// Evaluation threads [default: the number of CPUs].
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,

    /// Also run the loaded syscall rules on live kernel events (eBPF, as `detect --live`;
    /// needs root, or CAP_BPF and CAP_PERFMON, and kernel BTF), with the same outputs and
    /// /metrics (`kubeward_syscall_*`).
    #[arg(long)]
    pub syscalls: bool,

    /// With --syscalls: the kernel ring buffer's size in bytes (a power of two).
    #[arg(long, value_name = "BYTES", requires = "syscalls",
          default_value_t = kubeward_syscall::capture::Config::default().ring_bytes)]
    pub buffer_size: u32,

    #[command(flatten)]
    pub node: super::live::K8sNode,

    #[command(flatten)]
    pub connections: ConnectionArgs,
}

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitStatus> {
    let falco = {
        let mut stderr = crate::output::escape::stderr();
        super::falco_config::load(&args.selection, &mut stderr)?
    };
    let falco = falco.as_ref();
    let selection = args.selection.with_config(falco);
    let match_mode = selection.match_mode();
    let sources = if args.syscalls {
        Sources::AuditAndSyscall
    } else {
        Sources::Audit
    };
    let rules = {
        let mut stderr = crate::output::escape::stderr();
        let first = selection.build_for(sources, &mut stderr)?;
        if args.syscalls {
            super::live::require_syscall_rules(&first, "--syscalls")?;
        }
        let mut first = Some(first);
        // The first call hands over the ruleset loaded above (with its messages on
        // stderr); later calls, on SIGHUP, read the files again.
        let loader = std::sync::Mutex::new(move || match first.take() {
            Some(r) => Ok(r),
            None => {
                let mut msgs = Vec::new();
                selection.build_for(sources, &mut msgs).map_err(|e| {
                    let msgs = String::from_utf8_lossy(&msgs);
                    format!("{}{e:#}", msgs)
                })
            }
        });
        let loader = move || {
            let mut f = loader
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (*f)()
        };
        RulesHandle::reloadable(Box::new(loader))?
    };
    let mut config = ServeConfig::new(args.listen);
    config.tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
            reload_every: Duration::from_secs(10),
        }),
        _ => None,
    };
    config.serve_options = args.connections.serve_options();
    config.reload_on_sighup = true;
    if args.syscalls {
        config.syscalls = Some(SyscallConfig {
            capture: kubeward_syscall::capture::Config {
                ring_bytes: args.buffer_size,
                ..Default::default()
            },
            node: args.node.name.clone(),
            ..Default::default()
        });
    }
    config.max_body_bytes = args.max_body_bytes;
    config.queue_batches = args.queue_batches;
    config.queue_bytes = args.queue_bytes;
    if let Some(n) = args.workers {
        config.workers = n.max(1);
    }
    config.match_mode = match_mode;
    config.format = match super::falco_config::format(args.format, falco) {
        Format::Text | Format::Sarif => ServerFormat::Text,
        Format::Json => ServerFormat::Json,
    };
    config.alert_options = super::falco_config::alert_options(falco);
    let outputs = outputs(args, falco, config.format);
    if outputs.writer.is_none()
        && outputs.file.is_none()
        && outputs.http.is_none()
        && outputs.program.is_none()
        && outputs.syslog.is_none()
    {
        eprintln!(
            "warning: no alert output is enabled: alerts are counted in /metrics only (enable stdout_output or another output)"
        );
    }
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let syscalls = args.syscalls;
    runtime.block_on(async move {
        let server = AuditServer::bind(config, Arc::new(rules), outputs)
            .await
            .context("--listen: is the port in use, or privileged?")?;
        if syscalls {
            eprintln!("kubeward detect serve: capturing syscalls");
        }
        eprintln!(
            "kubeward detect serve: listening on {scheme}://{}{AUDIT_PATH}",
            server.local_addr()
        );
        let counters = server.stats();
        let report = server.run(shutdown_signal()).await?;
        let syscall_events = counters
            .syscalls
            .as_ref()
            .map(|s| {
                let dropped = s.kernel.get_or_create(&[("kind", "dropped")]).get();
                format!(
                    ", {} syscall events evaluated, {dropped} lost by the kernel (ring buffer full)",
                    s.events_evaluated.get()
                )
            })
            .unwrap_or_default();
        eprintln!(
            "kubeward detect serve: stopped; {} events evaluated, {} failed{syscall_events}{}",
            report.events_evaluated,
            report.events_failed,
            if report.timed_out {
                " (shutdown timed out: some queued events may not have been evaluated)"
            } else {
                ""
            }
        );
        eprintln!("kubeward detect serve: {}", counters.connections.summary());
        // Events queued but never evaluated are lost findings: not a clean end.
        Ok(ExitStatus::judge(false, report.timed_out))
    })
}

/// The outputs: each flag given on the command line, else the configuration's output.
/// An `http_output` of the configuration sends what `format` gives (Falco: `json_output`,
/// which `--format` overrides as `-o json_output=...` would).
fn outputs(args: &ServeArgs, falco: Option<&FalcoConfig>, format: ServerFormat) -> OutputsConfig {
    let stdout = !args.no_stdout && falco.is_none_or(|c| c.stdout);
    let from_config_file = falco.and_then(|c| c.file.as_ref());
    let file = match (&args.output_file, from_config_file) {
        (Some(path), _) => Some((path.clone(), false)),
        (None, Some(f)) => Some((PathBuf::from(&f.filename), !f.keep_alive)),
        (None, None) => None,
    };
    let http = match (&args.http_output, falco.and_then(|c| c.http.as_ref())) {
        (Some(url), _) => Some(HttpOutputConfig {
            max_attempts: args.http_attempts.max(1),
            ca_bundle: args.http_ca_bundle.clone(),
            client_cert: args
                .http_client_cert
                .clone()
                .zip(args.http_client_key.clone()),
            insecure: args.http_insecure,
            headers: args.http_header.clone(),
            ..HttpOutputConfig::new(url.clone())
        }),
        (None, Some(h)) => Some(HttpOutputConfig {
            // Falco retries a request only when it timed out, this many times; kubeward
            // retries timeouts, 5xx and 429 alike, as often.
            max_attempts: u32::from(h.max_consecutive_timeouts) + 1,
            ca_bundle: h.ca_file.as_ref().map(PathBuf::from),
            ca_path: (h.ca_file.is_none() && !h.ca_path.is_empty())
                .then(|| PathBuf::from(&h.ca_path)),
            client_cert: h
                .client
                .as_ref()
                .map(|(c, k)| (PathBuf::from(c), PathBuf::from(k))),
            insecure: h.insecure,
            user_agent: h.user_agent.clone(),
            body: if format == ServerFormat::Json {
                HttpBody::Json
            } else {
                HttpBody::Text
            },
            ..HttpOutputConfig::new(h.url.clone())
        }),
        (None, None) => None,
    };
    let program = match (&args.program_output, falco.and_then(|c| c.program.as_ref())) {
        (Some(program), _) => Some(ProgramOutputConfig {
            program: program.clone(),
            keep_alive: args.program_keep_alive,
        }),
        (None, Some(p)) => Some(ProgramOutputConfig {
            program: p.program.clone(),
            keep_alive: p.keep_alive,
        }),
        (None, None) => None,
    };
    let syslog = args.syslog_output || falco.is_some_and(|c| c.syslog);
    OutputsConfig {
        writer: stdout.then(|| Box::new(io::stdout()) as Box<dyn Write + Send>),
        file_reopen: file.as_ref().is_some_and(|(_, reopen)| *reopen),
        file: file.map(|(path, _)| path),
        buffered: falco.is_some_and(|c| c.buffered_outputs),
        http,
        program,
        syslog: syslog.then(|| SyslogOutputConfig {
            socket: args.syslog_socket.clone(),
        }),
    }
}
