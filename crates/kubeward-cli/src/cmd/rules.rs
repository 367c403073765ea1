//! `kubeward rules`: validate rules files with Falco's report, list their rules after all
//! overrides, and list the fields of each source.

use crate::exit::ExitStatus;
use crate::format::Format;
use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::io::write_json;
use super::rules_files::{Loaded, Sources, engine, load, read_rules};

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
        #[arg(long, value_parser = crate::format::text_or_json(), default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        limit: super::FileLimit,
    },
    /// List the rules after all overrides: name, source, priority, tags, enabled.
    /// Without -r, kubeward's embedded Kubernetes audit ruleset. Exit status: 0 listed,
    /// 1 a rules file is invalid (its report on stderr), 2 unreadable or unknown --rule.
    List {
        #[arg(short = 'r', long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
        /// Only this rule, as Falco's `-l NAME` prints it (name and description).
        #[arg(short = 'l', long = "rule", value_name = "NAME")]
        rule: Option<String>,
        /// Print Falco's `-L` JSON document instead: required versions, then every
        /// rule, macro and list with its details (fields, operators, event types, the
        /// compiled condition).
        #[arg(short = 'L', long, conflicts_with = "rule")]
        describe: bool,
        #[arg(long, value_parser = crate::format::text_or_json(), default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        limit: super::FileLimit,
    },
    /// List every field conditions and outputs can use, with type and description.
    Fields {
        /// Only this source (k8s_audit, syscall).
        #[arg(long, value_name = "S")]
        source: Option<String>,
        #[arg(long, value_parser = crate::format::text_or_json(), default_value_t = Format::Text)]
        format: Format,
    },
}

pub fn run(args: &RulesArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        RulesCommand::Validate {
            rules,
            format,
            limit,
        } => {
            let files = read_rules(rules, &limit.limits())?;
            with_stdout(*format, |mut out| validate(&files, *format, &mut out))
        }
        RulesCommand::List {
            rules,
            describe: true,
            limit,
            ..
        } => {
            let files = read_rules(rules, &limit.limits())?;
            with_stdout(Format::Json, |mut out| describe(&files, &mut out))
        }
        RulesCommand::List {
            rules,
            rule,
            format,
            limit,
            ..
        } => {
            let files = read_rules(rules, &limit.limits())?;
            with_stdout(*format, |mut out| {
                list(&files, rule.as_deref(), *format, &mut out)
            })
        }
        RulesCommand::Fields { source, format } => with_stdout(*format, |mut out| {
            fields(source.as_deref(), *format, &mut out)
        }),
    }
}

/// Standard output for `format`: text quotes rules files, so its control characters are
/// escaped; JSON escapes them itself.
fn with_stdout<T>(format: Format, f: impl FnOnce(&mut dyn Write) -> T) -> T {
    match format {
        Format::Text | Format::Sarif => f(&mut crate::output::escape::stdout()),
        Format::Json => f(&mut io::stdout().lock()),
    }
}

fn validate(files: &[Loaded], format: Format, out: &mut impl Write) -> anyhow::Result<ExitStatus> {
    let loaded = load(files, Sources::Audit);
    match format {
        Format::Text | Format::Sarif => {
            for r in &loaded.reports {
                write!(out, "{}", r.to_text())?;
            }
            // Falco stops at the first invalid file; say which were not checked.
            for f in files.iter().skip(loaded.reports.len()) {
                writeln!(out, "{}: not checked (an earlier file is invalid)", f.name)?;
            }
        }
        Format::Json => {
            // The document `falco -V FILE --json` prints, so its consumers work as is.
            let reports: Vec<_> = loaded.reports.iter().map(|r| r.to_json()).collect();
            let doc = serde_json::json!({ "falco_load_results": reports });
            write_json(out, &doc)?;
        }
    }
    // Falco's -V: an invalid file is a finding about the rules (1), not unusable input.
    Ok(ExitStatus::judge(false, loaded.ruleset.is_none()))
}

fn list(
    files: &[Loaded],
    only: Option<&str>,
    format: Format,
    out: &mut impl Write,
) -> anyhow::Result<ExitStatus> {
    let loaded = load(files, Sources::Audit);
    let Some(ruleset) = loaded.ruleset else {
        // An invalid file is a finding about the rules, as for `validate`: exit 1.
        let mut err = crate::output::escape::stderr();
        for r in loaded.reports.iter().filter(|r| !r.successful()) {
            write!(err, "{}", r.to_text())?;
        }
        return Ok(ExitStatus::Findings);
    };
    let warnings: usize = loaded.reports.iter().map(|r| r.warnings.len()).sum();
    if warnings > 0 {
        eprintln!(
            "note: the rules loaded with {warnings} warnings; `kubeward rules validate` shows them"
        );
    }
    if let Some(name) = only {
        let Some(info) = ruleset.find(name).and_then(|id| ruleset.rule(id)) else {
            // Falco's words for an unknown `-l` name.
            anyhow::bail!(
                "Rule \"{name}\" is not loaded; `kubeward rules list` shows the loaded rules"
            );
        };
        match format {
            Format::Text | Format::Sarif => {
                write!(out, "{}", describe_rule(&info.name, &info.desc))?
            }
            Format::Json => write_json(out, &rule_json(info))?,
        }
        return Ok(ExitStatus::Clean);
    }
    match format {
        Format::Text | Format::Sarif => {
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
            let rules: Vec<_> = ruleset.rules().map(|(_, r)| rule_json(r)).collect();
            write_json(out, &rules)?;
        }
    }
    Ok(ExitStatus::Clean)
}

/// `rules list -L`: Falco's `-L` JSON document; an invalid file exits 1 as in `list`.
fn describe(files: &[Loaded], out: &mut impl Write) -> anyhow::Result<ExitStatus> {
    let rf: Vec<_> = files
        .iter()
        .map(|f| kubeward_rules::RulesFile::new(f.name.clone(), &f.text))
        .collect();
    match engine().describe(&rf) {
        Some(doc) => {
            write_json(out, &doc)?;
            Ok(ExitStatus::Clean)
        }
        None => {
            let loaded = load(files, Sources::Audit);
            let mut err = crate::output::escape::stderr();
            for r in loaded.reports.iter().filter(|r| !r.successful()) {
                write!(err, "{}", r.to_text())?;
            }
            Ok(ExitStatus::Findings)
        }
    }
}

fn rule_json(r: &kubeward_rules::RuleInfo) -> serde_json::Value {
    serde_json::json!({
        "name": r.name, "source": r.source, "priority": r.priority.name(),
        "tags": r.tags, "enabled": r.enabled, "inactive": r.inactive, "desc": r.desc,
    })
}

/// Falco's `-l NAME` text: a `Rule`/`Description` header, then the name in 50 columns
/// and the description wrapped at 110 with continuation lines indented by 51.
fn describe_rule(name: &str, desc: &str) -> String {
    const INDENT: usize = 51;
    const LINE: usize = 110;
    let mut wrapped = String::new();
    let mut len = 0;
    for word in desc.split_whitespace() {
        let w = word.chars().count();
        if len + w < LINE - INDENT {
            len += w + 1;
        } else {
            wrapped.push('\n');
            wrapped.push_str(&" ".repeat(INDENT));
            len = w + 1;
        }
        wrapped.push_str(word);
        wrapped.push(' ');
    }
    format!(
        "{:<50} {}\n{:<50} {}\n{:<50} {}\n\n",
        "Rule", "Description", "----", "-----------", name, wrapped
    )
}

fn fields(
    source: Option<&str>,
    format: Format,
    out: &mut impl Write,
) -> anyhow::Result<ExitStatus> {
    let engine = engine();
    let names: Vec<String> = match source {
        Some(s) => vec![s.to_owned()],
        None => engine.sources().map(|s| s.name.to_string()).collect(),
    };
    // Syscall fields kubeward's source cannot extract yet: always `<NA>`, as Falco
    // renders a field its source does not know.
    let syscall_fields = kubeward_syscall::Fields::new();
    let unavailable: std::collections::HashSet<&str> =
        syscall_fields.unsupported().into_iter().collect();
    let mut json = Vec::new();
    for name in &names {
        let available =
            |field: &str| name != kubeward_syscall::SOURCE_NAME || !unavailable.contains(field);
        let Some(fields) = engine.fields(name) else {
            let known: Vec<_> = engine.sources().map(|s| s.name.to_string()).collect();
            anyhow::bail!(
                "unknown source `{name}`; known sources: {}",
                known.join(", ")
            );
        };
        match format {
            Format::Text | Format::Sarif => {
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
                    if !available(&f.name) {
                        writeln!(out, "      (not available yet: always <NA>)")?;
                    }
                }
                writeln!(out)?;
            }
            Format::Json => {
                for f in &fields {
                    json.push(serde_json::json!({
                        "source": name, "name": f.name, "type": f.ty.falco_name(), "list": f.list,
                        "arg": format!("{:?}", f.arg.kind).to_lowercase(), "argRequired": f.arg.required,
                        "desc": f.desc, "available": available(&f.name),
                    }));
                }
            }
        }
    }
    if format == Format::Json {
        write_json(out, &json)?;
    }
    Ok(ExitStatus::Clean)
}

#[cfg(test)]
mod tests {
    use super::describe_rule;

    #[test]
    fn describe_rule_wraps_like_falco() {
        let out = describe_rule("r", "short one");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], format!("{:<50} Description", "Rule"));
        assert_eq!(lines[1], format!("{:<50} -----------", "----"));
        assert_eq!(lines[2], format!("{:<50} short one ", "r"));
        let long = "word ".repeat(30);
        let out = describe_rule("r", &long);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 4, "{out}");
        assert!(lines[3].starts_with(&" ".repeat(51)), "{out}");
        assert!(lines.iter().all(|l| l.chars().count() <= 110), "{out}");
    }
}
