//! `kubeward controlplane etcdctl`: the command and, one line per flag, where each value
//! came from.

use crate::exit::ExitStatus;
use std::io::{self, Write};

use kubeward_controlplane::etcdctl::{self, Etcdctl, Source};
use kubeward_controlplane::flags::load_manifests;

use crate::output::escape::escaped;

use super::{EtcdctlArgs, fatal};
use crate::cmd::io::print_json;
use crate::format::Format;
use crate::hint::hinted;
use kubeward_report::Hint as _;

pub fn run(args: &EtcdctlArgs) -> anyhow::Result<ExitStatus> {
    let manifests = load_manifests(&args.manifests, &args.limit.limits()).map_err(|e| fatal(&e))?;
    let mut err = crate::output::escape::stderr();
    for e in &manifests.errors {
        writeln!(err, "error: {}", hinted(e, e.hint()))?;
    }
    let built = etcdctl::build(&manifests).map_err(|e| anyhow::anyhow!("{e}"))?;
    match args.format {
        Format::Json => {
            print_json(&built)?;
        }
        // Flag values come from a manifest: an ESC, BEL or CR in one is shown escaped.
        Format::Text | Format::Sarif => {
            let mut out = crate::output::escape::stdout();
            write_text(&mut out, &built)?;
            out.flush()?;
        }
    }
    // A broken unrelated file still makes the input unusable in part.
    Ok(ExitStatus::judge(!manifests.errors.is_empty(), false))
}

fn write_text(out: &mut impl Write, e: &Etcdctl) -> io::Result<()> {
    let source = match e.source {
        Source::KubeApiserver => "kube-apiserver",
        Source::Etcd => "etcd",
    };
    // Values come from a manifest: each is one line, its control characters (line breaks
    // included) shown escaped.
    writeln!(
        out,
        "# built from the {source} manifest {}",
        escaped(&e.file)
    )?;
    writeln!(out, "{}", escaped(&e.command))?;
    writeln!(out)?;
    for m in &e.mappings {
        let from = m.from.as_deref().unwrap_or("-");
        let value = m.value.as_deref().unwrap_or("(not set)");
        writeln!(
            out,
            "{:<12} <- {source} {} = {}  (or env {})",
            m.etcdctl,
            escaped(from),
            escaped(value),
            m.env
        )?;
    }
    for n in &e.notes {
        writeln!(out, "note: {}", escaped(n))?;
    }
    if e.mappings
        .iter()
        .filter_map(|m| m.value.as_deref())
        .any(|v| v.chars().any(char::is_control))
    {
        writeln!(
            out,
            "note: a flag value holds control characters, shown escaped; the command does not \
             run as printed"
        )?;
    }
    Ok(())
}
