//! `kubeward`: one binary for Kubernetes security.

mod args;
mod cmd;
mod exit;
mod format;
mod hint;
mod image;
mod output;
mod scan;

use std::process::ExitCode;

use clap::Parser;

// Loading allocates many small strings and vectors per resource; mimalloc makes that a
// fraction of glibc's cost (measured in docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Scan(scan_args) => scan::run(&scan_args),
        args::Command::Psp(a) => cmd::psp::run(&a),
        args::Command::Kubeconfig(a) => cmd::kubeconfig::run(&a),
        args::Command::Controlplane(a) => cmd::controlplane::run(&a),
        args::Command::AuditPolicy(a) => cmd::audit_policy::run(&a),
        args::Command::Seccomp(a) => cmd::seccomp::run(&a),
        args::Command::Detect(a) => cmd::detect::run(&a),
        args::Command::Rules(a) => cmd::rules::run(&a),
        args::Command::Rbac(a) => cmd::rbac::run(&a),
        args::Command::Webhook(a) => cmd::webhook::run(&a),
    };
    match result {
        Ok(status) => status.into(),
        // The reader of stdout went away (`| head`): stop without a word and with success,
        // as ripgrep and the programs killed by SIGPIPE before it do. Rust ignores SIGPIPE,
        // so the closed pipe arrives as this error, however deep the write was.
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let mut stderr = anstream::stderr();
            let _ = output::text::write_fatal(&mut stderr, &err);
            exit::ExitStatus::Unusable.into()
        }
    }
}
