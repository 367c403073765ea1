//! `kubeward detect`: Falco-compatible rules over Kubernetes audit events and syscalls.
//!
//! Rules load once (the embedded kubeward ruleset unless `-r` is given); events stream
//! from files, directories, stdin or a followed log through the k8s_audit source, or
//! from a syscall recording (`.kwcap`, recognised by its first bytes) or the live kernel
//! (`--live`, [`live`]) through the syscall source; alerts go to stdout as Falco's text
//! line or JSON object; a summary goes to stderr.
//!
//! Exit status: 2 when any input or record was unusable (every one is reported on
//! stderr and counted in the summary; the readable rest is still evaluated), else 1
//! when `--fail-on` is given and an alert at or above that priority fired, else 0.
//!
//! `detect serve` runs the same rules as the audit webhook backend
//! (kubeward-server's `audit`), `detect webhook-config` prints what the API server
//! needs to reach it. [`RuleSelection`] is the rule loading and selection they share.

mod falco_config;
mod live;
mod manifests;
mod serve;
mod summary;
mod webhook_config;

use super::rules_files::{Sources, load, read_rules};
use crate::format::Format;

use crate::exit::ExitStatus;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use kubeward_k8saudit::input::{self, FollowOptions, Input};
use kubeward_k8saudit::reader::{Record, SkipKind};
use kubeward_rules::Priority;
use kubeward_rules::engine::{AlertOptions, MatchMode, Ruleset, SourceId};
use kubeward_rules::source::Event;

use summary::Summary;

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = EXIT_STATUS
)]
pub struct DetectArgs {
    #[command(subcommand)]
    pub command: Option<DetectCommand>,

    #[command(flatten)]
    pub selection: RuleSelection,

    /// Alert format: Falco's text line or its JSON object (one per line) [default:
    /// json_output of --config, else text].
    #[arg(long, value_parser = crate::format::text_or_json())]
    pub format: Option<Format>,

    /// Keep reading the (single) log file as it grows, like `tail -F`: rotation and
    /// truncation are followed. Stop with Ctrl-C.
    #[arg(long)]
    pub follow: bool,

    /// With --follow: stop after this many seconds without new data (for scripts).
    #[arg(long, value_name = "SECONDS", requires = "follow")]
    pub idle_exit: Option<f64>,

    /// Exit with status 1 when an alert at or above this priority fired (emergency,
    /// alert, critical, error, warning, notice, informational/info, debug; any case).
    /// Without it alerts do not change the exit status; unusable input (status 2)
    /// takes precedence.
    #[arg(long, value_name = "PRIORITY", value_parser = parse_priority)]
    pub fail_on: Option<Priority>,

    #[command(flatten)]
    pub live: live::LiveArgs,

    /// Audit logs (JSON lines), EventList documents or syscall recordings (`--live
    /// --write`); directories give their files, oldest first; `-` or nothing reads
    /// standard input.
    #[arg(value_name = "EVENTS", conflicts_with = "live")]
    pub events: Vec<PathBuf>,
}

/// `kubeward detect --help`'s closing text.
const EXIT_STATUS: &str = "Exit status: 0 when every input was read; 2 when an input or a record in it was unreadable (each is reported on stderr and counted in the summary, and the readable rest is still evaluated); with --fail-on, 1 when no input was unreadable and an alert at or above that priority fired. Well-formed JSON that is not an audit event is reported and counted but, as in Falco, does not change the exit status.";

#[derive(Debug, Subcommand)]
pub enum DetectCommand {
    /// Run the audit webhook backend: receive the API server's audit events on
    /// /k8s-audit and raise alerts as they arrive.
    ///
    /// SIGHUP reloads the rules (a bad reload keeps the old ones); SIGTERM or Ctrl-C
    /// stops accepting, evaluates what is queued and flushes the outputs.
    Serve(Box<serve::ServeArgs>),
    /// Print the API server's --audit-webhook-config-file (kubeconfig format) pointing
    /// at `detect serve`, and the audit policy kubeward's rules need.
    WebhookConfig(webhook_config::WebhookConfigArgs),
    /// Print the manifests that run `detect --live` on every node: a Namespace that
    /// enforces privileged, a ServiceAccount and a DaemonSet with the least privilege the
    /// probe works with. The rules come from a ConfigMap you create from Falco's files.
    Manifests(manifests::ManifestsArgs),
}

/// Which rules run: shared by reading files and by `detect serve`.
#[derive(Debug, Clone, Args)]
pub struct RuleSelection {
    /// Falco's configuration file: its rules_files, priority, rule_matching, json_output
    /// and json_include_* properties, time_format_iso_8601 and (for `detect serve`) its
    /// outputs are the defaults of the flags; every other key is named in a warning.
    #[arg(short = 'c', long = "config", value_name = "FALCO_YAML")]
    pub config: Option<PathBuf>,

    /// Rules file or directory (its *.yaml/*.yml files by name), in load order; repeat
    /// for more. Without -r, kubeward's embedded Kubernetes audit ruleset.
    #[arg(short = 'r', long = "rules", value_name = "RULES")]
    pub rules: Vec<PathBuf>,

    /// Run only the rules with this tag (repeatable).
    #[arg(short = 't', long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,

    /// Disable the rules with this tag (repeatable).
    #[arg(short = 'T', long = "disable-tag", value_name = "TAG")]
    pub disable_tags: Vec<String>,

    /// Disable the rules whose name contains NAME (repeatable).
    #[arg(short = 'D', long = "disable", value_name = "NAME")]
    pub disable: Vec<String>,

    /// Ignore rules less severe than this (emergency, alert, critical, error, warning,
    /// notice, informational/info, debug).
    #[arg(long, value_name = "P", value_parser = parse_priority)]
    pub min_priority: Option<Priority>,

    /// Falco's rule_matching: alert on the first matching rule per event, or on all
    /// [default: rule_matching of --config, else first].
    #[arg(long, value_enum, value_name = "MODE")]
    pub rule_matching: Option<RuleMatching>,

    // Rules files larger than this are refused; events are read record by record, each
    // within its own bound, whatever the size of the log.
    #[command(flatten)]
    pub limit: super::FileLimit,
}

impl RuleSelection {
    /// Loads the rules for `sources` and applies the selection and minimum priority;
    /// load reports and selection warnings go to `err`.
    pub fn build_for(&self, sources: Sources, err: &mut impl Write) -> anyhow::Result<Ruleset> {
        let mut ruleset = load_ruleset(&self.rules, &self.limit.limits(), sources, err)?;
        select(&mut ruleset, self, err)?;
        if let Some(p) = self.min_priority {
            ruleset.set_min_priority(p);
        }
        Ok(ruleset)
    }

    pub fn match_mode(&self) -> MatchMode {
        match self.rule_matching {
            None | Some(RuleMatching::First) => MatchMode::First,
            Some(RuleMatching::All) => MatchMode::All,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuleMatching {
    First,
    All,
}

fn parse_priority(s: &str) -> Result<Priority, String> {
    Priority::parse(s).ok_or_else(|| {
        format!("`{s}` is not a priority; use emergency, alert, critical, error, warning, notice, informational (info) or debug")
    })
}

/// Stop printing skip warnings after this many; the summary still counts them all.
const MAX_WARNINGS: u64 = 1000;

pub fn run(args: &DetectArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        Some(DetectCommand::Serve(a)) => return serve::run(a),
        Some(DetectCommand::WebhookConfig(a)) => return webhook_config::run(a),
        Some(DetectCommand::Manifests(a)) => return manifests::run(a),
        None => {}
    }
    let mut stderr = crate::output::escape::stderr();
    let config = falco_config::load(&args.selection, &mut stderr)?;
    falco_config::warn_outputs_unused(config.as_ref(), &mut stderr)?;
    let settings = Settings {
        selection: args.selection.with_config(config.as_ref()),
        format: falco_config::format(args.format, config.as_ref()),
        opts: falco_config::alert_options(config.as_ref()),
    };
    if args.live.live {
        return live::run(args, &settings);
    }
    let ruleset = settings
        .selection
        .build_for(Sources::AuditAndSyscall, &mut stderr)?;
    let inputs = if args.events.is_empty() {
        vec![Input::Stdin]
    } else {
        input::expand(&args.events)?
    };
    if args.follow && !matches!(inputs.as_slice(), [Input::File(_)]) {
        bail!("--follow takes exactly one log file (not a directory or stdin)");
    }
    let mut run = Run::new(&ruleset, &settings)?;
    run.flush_each = args.follow;
    for inp in &inputs {
        let name = inp.name();
        let result = match inp {
            Input::File(path) if args.follow => {
                let fopts = FollowOptions {
                    idle_timeout: args.idle_exit.map(Duration::from_secs_f64),
                    ..FollowOptions::default()
                };
                input::follow(path, fopts, &|| false, &mut |r| {
                    run.record(&name, r, &mut stderr)
                })
                .map_err(anyhow::Error::from)
            }
            _ => run.read(inp, &mut stderr),
        };
        if let Err(e) = result {
            run.summary.inputs_failed += 1;
            let _ = writeln!(
                stderr,
                "error: {e:#} (nothing more is read from it; the other inputs are)"
            );
        }
        if run.write_failed {
            break;
        }
    }
    // A closed pipe found only now, by the last flush, also ends the run quietly (`main`).
    run.out.flush().context("cannot write the alerts")?;
    if run.write_failed {
        bail!("cannot write the alerts to standard output");
    }
    if run.warnings > MAX_WARNINGS {
        let _ = writeln!(
            stderr,
            "warning: {} more skipped records not shown",
            run.warnings - MAX_WARNINGS
        );
    }
    if let Some(replay) = &run.replay {
        if args.live.stats {
            live::write_stats(&mut stderr, replay, None)?;
        }
    } else if !run.recordings {
        let syscall_rules = enabled_syscall_rules(&ruleset);
        if syscall_rules > 0 {
            writeln!(
                stderr,
                "note: {syscall_rules} rules of source syscall saw no events: they run on live \
                 events (--live) or on a recording of them (--live --write FILE)"
            )?;
        }
    }
    run.summary.write(&mut stderr)?;
    Ok(exit_status(&run.summary, args.fail_on))
}

/// How many enabled rules are of source syscall.
fn enabled_syscall_rules(ruleset: &Ruleset) -> usize {
    ruleset
        .rules()
        .filter(|(_, r)| r.enabled && r.source == kubeward_syscall::SOURCE_NAME)
        .count()
}

/// 2 for unusable input, before 1 for alerts at or above `fail_on`.
fn exit_status(summary: &Summary, fail_on: Option<Priority>) -> ExitStatus {
    // A priority is more severe the lower it is (Falco's order), hence `<=`.
    ExitStatus::judge(
        summary.inputs_failed > 0 || summary.skipped > 0,
        fail_on.is_some_and(|p| summary.most_severe().is_some_and(|worst| worst <= p)),
    )
}

/// Loads rules, printing Falco's report for failures (then exit 2) and a one-line note
/// for warnings and for rules of sources that deliver no events here.
pub(crate) fn load_ruleset(
    paths: &[PathBuf],
    limits: &kubeward_manifest::Limits,
    sources: Sources,
    err: &mut impl Write,
) -> anyhow::Result<Ruleset> {
    let files = read_rules(paths, limits)?;
    let loaded = load(&files, sources);
    let Some(ruleset) = loaded.ruleset else {
        for r in loaded.reports.iter().filter(|r| !r.successful()) {
            write!(err, "{}", r.to_text())?;
        }
        let bad = loaded
            .reports
            .iter()
            .find(|r| !r.successful())
            .map_or("?", |r| r.name.as_str());
        bail!(
            "rules file {bad} is invalid (see above); `kubeward rules validate -r {bad}` shows every problem"
        );
    };
    let warnings: usize = loaded.reports.iter().map(|r| r.warnings.len()).sum();
    if warnings > 0 {
        writeln!(
            err,
            "note: the rules loaded with {warnings} warnings; `kubeward rules validate` shows them"
        )?;
    }
    for (source, n) in ruleset.inactive() {
        writeln!(
            err,
            "note: {n} rules of source {source} are inactive: kubeward reads no {source} events"
        )?;
    }
    Ok(ruleset)
}

/// `-t` (only these tags), then `-T` and `-D` (disable), Falco's selection; a warning
/// for each argument that matched no rule.
fn select(ruleset: &mut Ruleset, args: &RuleSelection, err: &mut impl Write) -> anyhow::Result<()> {
    let selection = ruleset.select(&args.tags, &args.disable_tags, &args.disable);
    for t in &selection.unknown_tags {
        writeln!(err, "warning: no rule has tag `{t}`")?;
    }
    for d in &selection.unknown_names {
        writeln!(err, "warning: no rule name contains `{d}`")?;
    }
    if !ruleset.any_enabled() {
        writeln!(
            err,
            "warning: no rule is enabled; events are read and counted only"
        )?;
    }
    Ok(())
}

/// What the command line and `--config` decide together.
struct Settings {
    selection: RuleSelection,
    format: Format,
    opts: AlertOptions,
}

/// Rules applied to events of either source, alerts written, everything counted.
struct Run<'r, W: Write> {
    ruleset: &'r Ruleset,
    audit: SourceId,
    syscall: Option<SourceId>,
    mode: MatchMode,
    opts: AlertOptions,
    json: bool,
    out: W,
    summary: Summary,
    hits: Vec<kubeward_rules::engine::RuleId>,
    warnings: u64,
    flush_each: bool,
    write_failed: bool,
    /// The state of the last recording replayed (for `--stats`).
    replay: Option<kubeward_syscall::replay::Processor>,
    /// Whether any input was a syscall recording (read whole or not).
    recordings: bool,
}

impl<'r> Run<'r, BufWriter<Box<dyn Write>>> {
    /// A run writing alerts to stdout in the settings' format.
    fn new(ruleset: &'r Ruleset, settings: &Settings) -> anyhow::Result<Self> {
        let Some(audit) = ruleset.source_id(kubeward_k8saudit::SOURCE_NAME) else {
            bail!("the rules engine does not know the k8s_audit source (internal error)");
        };
        Ok(Run {
            ruleset,
            audit,
            syscall: ruleset.source_id(kubeward_syscall::SOURCE_NAME),
            mode: settings.selection.match_mode(),
            opts: settings.opts.clone(),
            json: settings.format == Format::Json,
            // Alert text quotes events: its control characters are shown escaped.
            out: BufWriter::new(match settings.format {
                Format::Json => Box::new(io::stdout().lock()) as Box<dyn Write>,
                Format::Text | Format::Sarif => Box::new(crate::output::escape::stdout()),
            }),
            summary: Summary::default(),
            hits: Vec::new(),
            warnings: 0,
            flush_each: false,
            write_failed: false,
            replay: None,
            recordings: false,
        })
    }
}

impl<W: Write> Run<'_, W> {
    /// Reads one input to its end: a syscall recording when it starts with the
    /// recording magic, else audit events.
    fn read(&mut self, inp: &Input, err: &mut impl Write) -> anyhow::Result<()> {
        use std::io::Read as _;
        let name = inp.name();
        let mut reader: Box<dyn io::Read> = match inp {
            Input::Stdin => Box::new(io::stdin().lock()),
            Input::File(p) => {
                Box::new(std::fs::File::open(p).with_context(|| format!("{name}: cannot open it"))?)
            }
        };
        // The first bytes decide; they are read once and handed on, so that pipes and
        // stdin work as well as files.
        let mut head = Vec::with_capacity(8);
        (&mut reader)
            .take(8)
            .read_to_end(&mut head)
            .with_context(|| format!("{name}: cannot read it"))?;
        let reader = io::Cursor::new(head.clone()).chain(reader);
        if head.as_slice() != kubeward_syscall::record::MAGIC {
            input::read_from(
                &name,
                reader,
                &mut kubeward_k8saudit::reader::Events(|r: Record<'_, '_>| {
                    self.record(&name, r, err)
                }),
            )?;
            return Ok(());
        }
        self.recordings = true;
        let Some(syscall) = self.syscall else {
            bail!("{name}: a syscall recording, but the syscall source is off (internal error)");
        };
        let limits = kubeward_syscall::state::Limits::default();
        let processor = kubeward_syscall::replay::replay(reader, limits, |ev| {
            self.summary.events += 1;
            self.evaluate(syscall, ev);
        })
        .with_context(|| format!("{name}: damaged syscall recording"))?;
        self.summary.kernel_drops += processor.stats.kernel_drops;
        self.summary.skipped += processor.state.counters.decode_errors;
        self.replay = Some(processor);
        Ok(())
    }

    fn record(&mut self, input: &str, r: Record<'_, '_>, err: &mut impl Write) {
        match r {
            Record::Skip(s) => {
                match s.kind {
                    SkipKind::Unreadable => self.summary.skipped += 1,
                    SkipKind::NotAnEvent => self.summary.not_events += 1,
                }
                self.warnings += 1;
                if self.warnings <= MAX_WARNINGS {
                    let _ = writeln!(err, "warning: {}; skipped", s.located(input));
                }
            }
            Record::Event(ev) => {
                self.summary.events += 1;
                self.evaluate(self.audit, ev);
            }
        }
    }

    /// Applies the rules of `source` to `ev` and writes its alerts.
    fn evaluate<E: Event + ?Sized>(&mut self, source: SourceId, ev: &E) {
        self.hits.clear();
        self.ruleset.evaluate(source, ev, self.mode, &mut self.hits);
        for id in &self.hits {
            let Some(alert) = self.ruleset.alert(*id, ev, &self.opts) else {
                continue;
            };
            self.summary.alert(&alert.rule, alert.priority);
            if self.write_failed {
                continue;
            }
            let line = if self.json {
                alert.to_json()
            } else {
                alert.text_line()
            };
            let written = writeln!(self.out, "{line}").and_then(|()| {
                if self.flush_each {
                    self.out.flush()
                } else {
                    Ok(())
                }
            });
            match written {
                Ok(()) => {}
                // A closed pipe (`| head`) ends the run quietly and successfully, as it
                // ends every command; inputs may be endless (`--follow`, a pipe, the
                // kernel), so reading on to count them is not an option.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
                // Any other failure stops the writing; the run still counts.
                Err(_) => self.write_failed = true,
            }
        }
    }
}

/// Falco's alert hostname: `FALCO_HOSTNAME`, else the system host name.
pub(crate) fn hostname() -> String {
    if let Ok(h) = std::env::var("FALCO_HOSTNAME") {
        return h;
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
