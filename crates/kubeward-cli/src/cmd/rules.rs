//! `kubeward rules`: validate rules files with Falco's report, list their rules after all
//! overrides, and list the fields of each source.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use kubeward_manifest::Limits;

use super::detect::{engine, load, load_ruleset, read_rules};

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Load rules files in order, as Falco does, and print each file's errors and
    /// warnings (file:line:col, the offending text). Exit status: 0 valid (warnings
    /// allowed), 1 invalid, 2 unreadable.
    Validate {
        /// Rules file or directory, in load order (repeatable).
        #[arg(short = 'r', long = "rules", value_name = "FILE", required = true)]
        rules: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        limit: super::FileLimit,
    },
    /// List the rules after all overrides: name, source, priority, tags, enabled.
    /// Without -r, kubeward's embedded Kubernetes audit ruleset.
    List {
        #[arg(short = 'r', long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        limit: super::FileLimit,
    },
    /// List every field conditions and outputs can use, with type and description.
    Fields {
        /// Only this source (k8s_audit, syscall).
        #[arg(long, value_name = "S")]
        source: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(args: &RulesArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        RulesCommand::Validate {
            rules,
            format,
            limit,
        } => with_stdout(*format, |mut out| {
            validate(rules, *format, &limit.limits(), &mut out)
        }),
        RulesCommand::List {
            rules,
            format,
            limit,
        } => with_stdout(*format, |mut out| {
            list(rules, *format, &limit.limits(), &mut out)
        }),
        RulesCommand::Fields { source, format } => with_stdout(*format, |mut out| {
            fields(source.as_deref(), *format, &mut out)
        }),
    }
}

/// Standard output for `format`: text quotes rules files, so its control characters are
/// escaped; JSON escapes them itself.
fn with_stdout<T>(format: Format, f: impl FnOnce(&mut dyn Write) -> T) -> T {
    match format {
        Format::Text => f(&mut crate::output::escape::stdout()),
        Format::Json => f(&mut io::stdout().lock()),
    }
}

fn validate(
    paths: &[PathBuf],
    format: Format,
    limits: &Limits,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let files = read_rules(paths, limits)?;
    let loaded = load(&files);
    match format {
        Format::Text => {
            for r in &loaded.reports {
                write!(out, "{}", r.to_text())?;
            }
            // Falco stops at the first invalid file; say which were not checked.
            for f in files.iter().skip(loaded.reports.len()) {
                writeln!(out, "{}: not checked (an earlier file is invalid)", f.name)?;
            }
        }
        Format::Json => {
            let reports: Vec<_> = loaded.reports.iter().map(|r| r.to_json()).collect();
            writeln!(out, "{}", serde_json::Value::Array(reports))?;
        }
    }
    Ok(ExitCode::from(if loaded.ruleset.is_some() { 0 } else { 1 }))
}

fn list(
    paths: &[PathBuf],
    format: Format,
    limits: &Limits,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let ruleset = load_ruleset(paths, limits, &mut crate::output::escape::stderr())?;
    match format {
        Format::Text => {
            let width = ruleset
                .rules()
                .map(|(_, r)| r.name.chars().count())
                .max()
                .unwrap_or(4)
                .max(4);
            writeln!(
                out,
                "{:<width$}  {:<9}  {:<13}  {:<7}  TAGS",
                "NAME", "SOURCE", "PRIORITY", "ENABLED"
            )?;
            for (_, r) in ruleset.rules() {
                let enabled = match (r.enabled, r.inactive) {
                    (false, _) => "no",
                    (true, true) => "inactive",
                    (true, false) => "yes",
                };
                writeln!(
                    out,
                    "{:<width$}  {:<9}  {:<13}  {:<7}  {}",
                    r.name,
                    r.source,
                    r.priority.name(),
                    enabled,
                    r.tags.join(",")
                )?;
            }
        }
        Format::Json => {
            let rules: Vec<_> = ruleset
                .rules()
                .map(|(_, r)| {
                    serde_json::json!({
                        "name": r.name, "source": r.source, "priority": r.priority.name(),
                        "tags": r.tags, "enabled": r.enabled, "inactive": r.inactive, "desc": r.desc,
                    })
                })
                .collect();
            writeln!(out, "{}", serde_json::Value::Array(rules))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn fields(source: Option<&str>, format: Format, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let engine = engine();
    let names: Vec<String> = match source {
        Some(s) => vec![s.to_owned()],
        None => engine.sources().map(|s| s.name.to_string()).collect(),
    };
    let mut json = Vec::new();
    for name in &names {
        let Some(fields) = engine.fields(name) else {
            let known: Vec<_> = engine.sources().map(|s| s.name.to_string()).collect();
            anyhow::bail!(
                "unknown source `{name}`; known sources: {}",
                known.join(", ")
            );
        };
        match format {
            Format::Text => {
                writeln!(out, "Source: {name}")?;
                for f in &fields {
                    let mut ty = f.ty.falco_name().to_owned();
                    if f.list {
                        ty.push_str(" list");
                    }
                    let arg = match (f.arg.kind, f.arg.required) {
                        (kubeward_rules::source::ArgKind::None, _) => "",
                        (kubeward_rules::source::ArgKind::Index, false) => " [index]",
                        (kubeward_rules::source::ArgKind::Index, true) => " [index, required]",
                        (kubeward_rules::source::ArgKind::Key, false) => " [key]",
                        (kubeward_rules::source::ArgKind::Key, true) => " [key, required]",
                        (kubeward_rules::source::ArgKind::IndexOrKey, false) => " [index or key]",
                        (kubeward_rules::source::ArgKind::IndexOrKey, true) => {
                            " [index or key, required]"
                        }
                    };
                    writeln!(out, "  {:<52} {ty}{arg}\n      {}", f.name, f.desc)?;
                }
                writeln!(out)?;
            }
            Format::Json => {
                for f in &fields {
                    json.push(serde_json::json!({
                        "source": name, "name": f.name, "type": f.ty.falco_name(), "list": f.list,
                        "arg": format!("{:?}", f.arg.kind).to_lowercase(), "arg_required": f.arg.required,
                        "desc": f.desc,
                    }));
                }
            }
        }
    }
    if format == Format::Json {
        writeln!(out, "{}", serde_json::Value::Array(json))?;
    }
    Ok(ExitCode::SUCCESS)
}
