//! `kubeward controlplane etcdctl`: the command and, one line per flag, where each value
//! came from.

use std::io::{self, Write};
use std::process::ExitCode;

use kubeward_controlplane::etcdctl::{self, Etcdctl, Source};
use kubeward_controlplane::flags::load_manifests;

use super::{EtcdctlArgs, Format, fatal};

pub fn run(args: &EtcdctlArgs) -> anyhow::Result<ExitCode> {
    let manifests = load_manifests(&args.manifests, &args.limit.limits()).map_err(|e| fatal(&e))?;
    let mut err = io::stderr().lock();
    for e in &manifests.errors {
        writeln!(err, "error: {e}\n  hint: {}", e.hint())?;
    }
    let built = etcdctl::build(&manifests).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &built)?;
            writeln!(out)?;
        }
        Format::Text => write_text(&mut out, &built)?,
    }
    out.flush()?;
    // A broken unrelated file still makes the input unusable in part.
    Ok(ExitCode::from(if manifests.errors.is_empty() {
        0
    } else {
        2
    }))
}

fn write_text(out: &mut impl Write, e: &Etcdctl) -> io::Result<()> {
    let source = match e.source {
        Source::KubeApiserver => "kube-apiserver",
        Source::Etcd => "etcd",
    };
    writeln!(out, "# built from the {source} manifest {}", e.file)?;
    writeln!(out, "{}", e.command)?;
    writeln!(out)?;
    for m in &e.mappings {
        let from = m.from.as_deref().unwrap_or("-");
        let value = m.value.as_deref().unwrap_or("(not set)");
        writeln!(
            out,
            "{:<12} <- {source} {from} = {value}  (or env {})",
            m.etcdctl, m.env
        )?;
    }
    for n in &e.notes {
        writeln!(out, "note: {n}")?;
    }
    Ok(())
}
