//! `kubeward audit-policy filter`: recorded events in, the events the policy keeps out.

use crate::exit::ExitStatus;
use crate::hint::hinted;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use kubeward_controlplane::audit_policy::Policy;
use kubeward_controlplane::audit_policy::filter::{Outcome, replay};
use kubeward_k8saudit::input::{self, Input};
use kubeward_k8saudit::reader::{Handler, Pos, Rejected, Skip};
use serde_json::{Value, json};

use crate::format::Format;

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// The audit policy file.
    #[arg(value_name = "POLICY")]
    pub policy: PathBuf,

    /// Audit logs: JSON lines of audit.k8s.io/v1 Event, or EventList documents of any
    /// size, as `detect` reads them (`-` for standard input).
    #[arg(value_name = "EVENTS", required = true)]
    pub events: Vec<PathBuf>,

    /// Format of the summary written to standard error (kept events are always JSON
    /// lines on standard output).
    #[arg(long, value_parser = crate::format::text_or_json(), default_value_t = Format::Text)]
    pub format: Format,

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

pub fn run(args: &FilterArgs) -> anyhow::Result<ExitStatus> {
    let policy = super::read_policy(&args.policy, &args.limit.limits())?;
    super::warn_dropped(&policy);
    let mut replay = Replay {
        policy: &policy,
        name: String::new(),
        out: BufWriter::new(io::stdout().lock()),
        err: crate::output::escape::stderr(),
        tally: Tally::default(),
        write_error: None,
    };
    for path in &args.events {
        let input = if path.as_os_str() == "-" {
            Input::Stdin
        } else {
            Input::File(path.clone())
        };
        replay.name = input.name();
        if let Err(e) = input::read_with(&input, &mut replay) {
            replay.tally.errors += 1;
            let message = hinted(e, "check the path; nothing more is read from it");
            writeln!(replay.err, "error: {message}")?;
        }
        if let Some(e) = replay.write_error.take() {
            return Err(e.into());
        }
    }
    replay.out.flush()?;
    let Replay {
        mut err, tally: t, ..
    } = replay;
    summary(&mut err, &t, args.format)?;
    Ok(ExitStatus::judge(t.errors > 0, false))
}

/// Replays what the shared audit reader finds (the same reading model as `detect`:
/// JSON lines and documents of any layout, `EventList` items streamed, every
/// unreadable record reported and counted).
struct Replay<'p, W: Write, E: Write> {
    policy: &'p Policy,
    name: String,
    out: W,
    err: E,
    tally: Tally,
    write_error: Option<io::Error>,
}

impl<W: Write, E: Write> Replay<'_, W, E> {
    fn error(&mut self, at: u64, msg: &str) {
        self.tally.errors += 1;
        let _ = writeln!(self.err, "error: {}:{at}: {msg}", self.name);
    }

    fn event(&mut self, event: &Value, line: u64) {
        self.tally.read += 1;
        match replay(self.policy, event) {
            Err(e) => self.error(
                line,
                &hinted(format_args!("event {e}"), "record audit.k8s.io/v1 Events"),
            ),
            Ok(r) => match r.outcome {
                Outcome::LevelNone => self.tally.level_none += 1,
                Outcome::StageOmitted => self.tally.stage_omitted += 1,
                Outcome::Kept => {
                    self.tally.kept += 1;
                    self.tally.recorded_below += usize::from(r.recorded_below);
                    if let Some(e) = r.event {
                        let written = serde_json::to_writer(&mut self.out, &e)
                            .map_err(io::Error::from)
                            .and_then(|()| writeln!(self.out));
                        if let Err(e) = written {
                            self.write_error.get_or_insert(e);
                        }
                    }
                }
            },
        }
    }
}

impl<W: Write, E: Write> Handler for Replay<'_, W, E> {
    fn value(&mut self, text: &[u8], at: Pos) -> Result<(), Rejected> {
        let value: Value =
            serde_json::from_slice(text).map_err(|error| Rejected { items: 0, error })?;
        if value.get("kind").and_then(Value::as_str) != Some("EventList") {
            self.event(&value, at.line);
            return Ok(());
        }
        match value.get("items") {
            Some(Value::Array(items)) => items.iter().for_each(|e| self.event(e, at.line)),
            Some(Value::Null) | None => {}
            Some(_) => self.error(at.line, "EventList items is not a list"),
        }
        Ok(())
    }

    fn item(&mut self, text: &[u8], at: Pos, _index: usize) -> Result<(), serde_json::Error> {
        let value: Value = serde_json::from_slice(text)?;
        self.event(&value, at.line);
        Ok(())
    }

    fn skip(&mut self, skip: Skip) {
        self.tally.errors += 1;
        let _ = writeln!(self.err, "error: {}", skip.located(&self.name));
    }
}

fn summary(err: &mut impl Write, t: &Tally, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            let v = json!({
                "read": t.read, "kept": t.kept, "droppedLevelNone": t.level_none,
                "droppedStageOmitted": t.stage_omitted, "recordedBelowPolicyLevel": t.recorded_below,
                "errors": t.errors,
            });
            writeln!(err, "{v}")?;
        }
        Format::Text | Format::Sarif => {
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
