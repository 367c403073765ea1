//! `kubeward audit-policy filter`: recorded events in, the events the policy keeps out.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use kubeward_controlplane::audit_policy::filter::{Outcome, read_events, replay};
use serde_json::json;

use super::OutputFormat;

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// The audit policy file.
    #[arg(value_name = "POLICY")]
    pub policy: PathBuf,

    /// Audit logs: JSON lines of audit.k8s.io/v1 Event, or EventList JSON (`-` for
    /// standard input).
    #[arg(value_name = "EVENTS", required = true)]
    pub events: Vec<PathBuf>,

    /// Format of the summary written to standard error (kept events are always JSON
    /// lines on standard output).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,

    #[command(flatten)]
    pub limit: crate::cmd::FileLimit,
}

#[derive(Default)]
struct Tally {
    read: usize,
    kept: usize,
    level_none: usize,
    stage_omitted: usize,
    recorded_below: usize,
    errors: usize,
}

pub fn run(args: &FilterArgs) -> anyhow::Result<ExitCode> {
    let policy = super::read_policy(&args.policy, &args.limit.limits())?;
    super::warn_dropped(&policy);
    let mut out = BufWriter::new(io::stdout().lock());
    let mut err = crate::output::escape::stderr();
    let mut t = Tally::default();
    for path in &args.events {
        let name = path.display();
        let text = match super::read_text(path, &args.limit.limits()) {
            Ok(text) => text,
            Err(e) => {
                t.errors += 1;
                writeln!(err, "error: {e:#}")?;
                continue;
            }
        };
        for located in read_events(&text) {
            let event = match located.event {
                Ok(e) => e,
                Err(msg) => {
                    t.errors += 1;
                    writeln!(err, "error: {name}:{}: {msg}", located.line)?;
                    continue;
                }
            };
            t.read += 1;
            match replay(&policy, &event) {
                Err(e) => {
                    t.errors += 1;
                    writeln!(
                        err,
                        "error: {name}:{}: event {e} (fix: record audit.k8s.io/v1 Events)",
                        located.line
                    )?;
                }
                Ok(r) => match r.outcome {
                    Outcome::LevelNone => t.level_none += 1,
                    Outcome::StageOmitted => t.stage_omitted += 1,
                    Outcome::Kept => {
                        t.kept += 1;
                        t.recorded_below += usize::from(r.recorded_below);
                        if let Some(e) = r.event {
                            serde_json::to_writer(&mut out, &e)?;
                            writeln!(out)?;
                        }
                    }
                },
            }
        }
    }
    out.flush()?;
    summary(&mut err, &t, args.format)?;
    Ok(if t.errors > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn summary(err: &mut impl Write, t: &Tally, format: OutputFormat) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => {
            let v = json!({
                "read": t.read, "kept": t.kept, "droppedLevelNone": t.level_none,
                "droppedStageOmitted": t.stage_omitted, "recordedBelowPolicyLevel": t.recorded_below,
                "errors": t.errors,
            });
            writeln!(err, "{v}")?;
        }
        OutputFormat::Text => {
            writeln!(
                err,
                "kept {} of {} events; dropped {} at level None and {} in omitted stages; {} error(s)",
                t.kept, t.read, t.level_none, t.stage_omitted, t.errors
            )?;
            if t.recorded_below > 0 {
                writeln!(
                    err,
                    "note: {} kept event(s) were recorded below the policy's level, so bodies it would log are missing",
                    t.recorded_below
                )?;
            }
        }
    }
    Ok(())
}
