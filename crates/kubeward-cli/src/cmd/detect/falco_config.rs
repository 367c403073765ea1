//! `detect -c falco.yaml` and `detect serve -c falco.yaml`: Falco's configuration as the
//! defaults of the command line. A flag given on the command line wins over the file,
//! as Falco's `-r` wins over `rules_files`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use kubeward_rules::engine::AlertOptions;
use kubeward_rules::falco_config::FalcoConfig;

use super::{RuleMatching, RuleSelection};
use crate::cmd::io::read_text;
use crate::format::Format;

/// Reads `--config` when given: warnings for what is not honoured go to `err`, and
/// `rules_files` entries that do not exist are dropped (with a warning), as Falco drops them.
pub(crate) fn load(
    sel: &RuleSelection,
    err: &mut impl Write,
) -> anyhow::Result<Option<FalcoConfig>> {
    let Some(path) = &sel.config else {
        return Ok(None);
    };
    let name = path.display().to_string();
    let text = read_text(path, &sel.limit.limits())?;
    let mut cfg = FalcoConfig::parse(&name, &text).map_err(|e| {
        anyhow::anyhow!(crate::hint::hinted(
            e,
            "fix the setting, or compare with the falco.yaml Falco ships"
        ))
    })?;
    for w in &cfg.warnings {
        writeln!(err, "warning: {name}:{}: {}", w.line, w.message)?;
    }
    // With -r the file's rules are not used, so whether they exist does not matter.
    if let Some(files) = cfg.rules_files.as_mut().filter(|_| sel.rules.is_empty()) {
        let given = files.len();
        files.retain(|f| {
            let exists = Path::new(f).exists();
            if !exists {
                let _ = writeln!(
                    err,
                    "warning: {name}: rules_files: {f} does not exist; skipped, as Falco skips it"
                );
            }
            exists
        });
        if given > 0 && files.is_empty() {
            bail!(
                "{name}: none of the {given} rules_files exists; fix the paths or give rules with -r"
            );
        }
    }
    Ok(Some(cfg))
}

impl RuleSelection {
    /// The selection with the configuration's rules files, priority and rule matching
    /// where the command line gave none.
    pub(crate) fn with_config(&self, cfg: Option<&FalcoConfig>) -> RuleSelection {
        let mut sel = self.clone();
        let Some(cfg) = cfg else {
            return sel;
        };
        if sel.rules.is_empty()
            && let Some(files) = &cfg.rules_files
        {
            sel.rules = files.iter().map(PathBuf::from).collect();
        }
        sel.min_priority = sel.min_priority.or(Some(cfg.priority));
        sel.rule_matching = sel.rule_matching.or(Some(match cfg.rule_matching {
            kubeward_rules::engine::MatchMode::First => RuleMatching::First,
            kubeward_rules::engine::MatchMode::All => RuleMatching::All,
        }));
        sel
    }
}

/// `--format`, else the configuration's `json_output`, else text.
pub(crate) fn format(given: Option<Format>, cfg: Option<&FalcoConfig>) -> Format {
    given.unwrap_or(match cfg {
        Some(c) if c.json_output => Format::Json,
        _ => Format::Text,
    })
}

/// How alerts are stamped: the host name, and the configuration's time format and JSON
/// properties.
pub(crate) fn alert_options(cfg: Option<&FalcoConfig>) -> AlertOptions {
    let mut opts = AlertOptions {
        hostname: super::hostname(),
        ..AlertOptions::default()
    };
    if let Some(c) = cfg {
        opts.time_format_iso_8601 = c.time_format_iso_8601;
        opts.json = c.json;
    }
    opts
}

/// For commands that only print alerts: says which configured outputs they do not use.
pub(crate) fn warn_outputs_unused(
    cfg: Option<&FalcoConfig>,
    err: &mut impl Write,
) -> anyhow::Result<()> {
    let Some(c) = cfg else {
        return Ok(());
    };
    let unused = [
        ("file_output", c.file.is_some()),
        ("http_output", c.http.is_some()),
        ("program_output", c.program.is_some()),
        ("syslog_output", c.syslog),
    ];
    for (key, on) in unused {
        if on {
            writeln!(
                err,
                "warning: {key}: `kubeward detect` prints alerts on stdout only; `kubeward detect serve -c` sends them there"
            )
            .context("writing to stderr")?;
        }
    }
    Ok(())
}
