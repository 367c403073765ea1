//! Falco's `falco.yaml`: the settings kubeward honours, read as Falco reads them (its
//! defaults, its deprecated `rules_file`, its error words), and a warning for every key
//! kubeward does not honour, so that a Falco user's configuration runs unchanged or says
//! what it leaves out.
//!
//! Only the first YAML document counts (Falco's loader reads one). Scalars convert as
//! yaml-cpp converts them: booleans are `true/false`, `yes/no`, `on/off`, `y/n` in any of
//! their three spellings.

use crate::engine::{JsonOptions, MatchMode};
use crate::priority::Priority;
use crate::yaml::{self, Kind, Node};

/// The honoured part of a `falco.yaml`, with Falco's defaults for what it leaves out.
#[derive(Debug, Clone, PartialEq)]
pub struct FalcoConfig {
    /// `rules_files` (or the deprecated `rules_file`), as written; `None` when neither is set.
    pub rules_files: Option<Vec<String>>,
    /// `json_output` (default false).
    pub json_output: bool,
    /// The `json_include_*_property` settings.
    pub json: JsonOptions,
    /// `priority`: rules below it are not loaded (default debug).
    pub priority: Priority,
    /// `rule_matching` (default first).
    pub rule_matching: MatchMode,
    /// `buffered_outputs` (default false: outputs are flushed after each alert).
    pub buffered_outputs: bool,
    /// `time_format_iso_8601` (default false).
    pub time_format_iso_8601: bool,
    /// `stdout_output.enabled` (default false when the key is absent, as in Falco).
    pub stdout: bool,
    /// `file_output`, when enabled.
    pub file: Option<FileOutput>,
    /// `syslog_output.enabled` (default false when absent).
    pub syslog: bool,
    /// `program_output`, when enabled.
    pub program: Option<ProgramOutput>,
    /// `http_output`, when enabled.
    pub http: Option<HttpOutput>,
    /// One warning per key that is not honoured, in file order.
    pub warnings: Vec<ConfigWarning>,
}

/// `file_output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOutput {
    /// `filename`.
    pub filename: String,
    /// `keep_alive`: keep the file open; otherwise it is opened for each write.
    pub keep_alive: bool,
}

/// `program_output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramOutput {
    /// `program`, run by `sh -c`.
    pub program: String,
    /// `keep_alive`: one process for every alert; otherwise one per alert.
    pub keep_alive: bool,
}

/// `http_output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOutput {
    /// `url`, with quotes around it removed as Falco removes them.
    pub url: String,
    /// `user_agent` (default `falcosecurity/falco`).
    pub user_agent: String,
    /// `insecure`: do not verify the receiver's certificate.
    pub insecure: bool,
    /// `ca_cert`, else `ca_bundle`: the file of trusted CA certificates.
    pub ca_file: Option<String>,
    /// `ca_path` (default `/etc/ssl/certs`): a directory of trusted CA certificates,
    /// used when no CA file is given.
    pub ca_path: String,
    /// With `mtls`: `client_cert` and `client_key`.
    pub client: Option<(String, String)>,
    /// `max_consecutive_timeouts` (default 5): retries after a timeout.
    pub max_consecutive_timeouts: u8,
}

/// A key kubeward reads past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// 1-based line of the key.
    pub line: u32,
    /// What is ignored and why.
    pub message: String,
}

/// A `falco.yaml` Falco itself would refuse, or one kubeward cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct FalcoConfigError {
    /// The file as named by the caller.
    pub file: String,
    /// 1-based line (0 when the whole file is at fault).
    pub line: u32,
    /// Falco's words where Falco has them.
    pub message: String,
}

/// Top-level keys whose every sub-key is listed here; other sub-keys get a warning.
const SECTIONS: &[(&str, &[&str])] = &[
    ("stdout_output", &["enabled"]),
    ("syslog_output", &["enabled"]),
    ("file_output", &["enabled", "filename", "keep_alive"]),
    ("program_output", &["enabled", "keep_alive", "program"]),
    (
        "http_output",
        &[
            "enabled",
            "url",
            "user_agent",
            "insecure",
            "ca_cert",
            "ca_bundle",
            "ca_path",
            "mtls",
            "client_cert",
            "client_key",
            "echo",
            "compress_uploads",
            "keep_alive",
            "max_consecutive_timeouts",
        ],
    ),
];

/// Top-level scalar keys kubeward honours.
const SCALARS: &[&str] = &[
    "rules_files",
    "rules_file",
    "json_output",
    "json_include_output_property",
    "json_include_tags_property",
    "json_include_message_property",
    "json_include_output_fields_property",
    "priority",
    "rule_matching",
    "buffered_outputs",
    "time_format_iso_8601",
];

impl FalcoConfig {
    /// Reads `text`, the contents of the configuration file named `file`.
    pub fn parse(file: &str, text: &str) -> Result<FalcoConfig, FalcoConfigError> {
        let err = |line: u32, message: String| FalcoConfigError {
            file: file.to_owned(),
            line,
            message,
        };
        let docs = yaml::parse(text).map_err(|e| err(e.pos.line, e.message))?;
        let root = docs.into_iter().next().flatten();
        let empty = Node {
            pos: Default::default(),
            kind: Kind::Map(Vec::new()),
        };
        let root = match root {
            None => empty,
            Some(n) if matches!(n.kind, Kind::Null) => empty,
            Some(n) => n,
        };
        let Kind::Map(entries) = &root.kind else {
            return Err(err(
                root.pos.line,
                "the configuration is not a mapping of keys to settings".to_owned(),
            ));
        };
        let mut r = Reader {
            file,
            warnings: Vec::new(),
        };
        r.warn_unknown(entries);
        let get = |key: &str| root.get(key).filter(|n| !matches!(n.kind, Kind::Null));

        let rules_files = match (root.get("rules_files"), root.get("rules_file")) {
            (Some(_), Some(_)) => {
                return Err(err(
                    line_of(&root, "rules_file"),
                    "both 'rules_files' and 'rules_file' keys set".to_owned(),
                ));
            }
            (Some(n), None) => Some(r.sequence(n)?),
            (None, Some(n)) => {
                r.warnings.push(ConfigWarning {
                    line: line_of(&root, "rules_file"),
                    message: "Using deprecated config key 'rules_file' (singular form). Please use new 'rules_files' config key (plural form).".to_owned(),
                });
                Some(r.sequence(n)?)
            }
            (None, None) => None,
        };

        let flag = |r: &Reader<'_>, key: &str, default: bool| match get(key) {
            Some(n) => r.boolean(n, key),
            None => Ok(default),
        };
        let defaults = JsonOptions::default();
        let json = JsonOptions {
            output: flag(&r, "json_include_output_property", defaults.output)?,
            tags: flag(&r, "json_include_tags_property", defaults.tags)?,
            message: flag(&r, "json_include_message_property", defaults.message)?,
            output_fields: flag(
                &r,
                "json_include_output_fields_property",
                defaults.output_fields,
            )?,
        };
        let json_output = flag(&r, "json_output", false)?;
        let buffered_outputs = flag(&r, "buffered_outputs", false)?;
        let time_format_iso_8601 = flag(&r, "time_format_iso_8601", false)?;

        let rule_matching = match get("rule_matching") {
            None => MatchMode::First,
            Some(n) => match r.scalar(n, "rule_matching")? {
                "first" => MatchMode::First,
                "all" => MatchMode::All,
                other => {
                    return Err(err(
                        n.pos.line,
                        format!(
                            "Unknown rule matching strategy \"{other}\"--must be one of first, all"
                        ),
                    ));
                }
            },
        };
        let priority = match get("priority") {
            None => Priority::Debug,
            Some(n) => {
                let text = r.scalar(n, "priority")?;
                Priority::parse(text).ok_or_else(|| {
                    err(
                        n.pos.line,
                        format!("Unknown priority \"{text}\"--must be one of emergency, alert, critical, error, warning, notice, informational, debug"),
                    )
                })?
            }
        };

        let section = |key: &str| -> Result<Option<&Node>, FalcoConfigError> {
            match get(key) {
                None => Ok(None),
                Some(n) if matches!(n.kind, Kind::Map(_)) => Ok(Some(n)),
                Some(n) => Err(err(
                    n.pos.line,
                    format!("{key} must be a mapping (for example `{key}: {{enabled: true}}`)"),
                )),
            }
        };
        let sub_flag = |r: &Reader<'_>, sec: &Node, key: &str, name: &str, default: bool| match sec
            .get(key)
            .filter(|n| !matches!(n.kind, Kind::Null))
        {
            Some(n) => r.boolean(n, &format!("{name}.{key}")),
            None => Ok(default),
        };
        let sub_str = |r: &Reader<'_>, sec: &Node, key: &str, name: &str, default: &str| match sec
            .get(key)
            .filter(|n| !matches!(n.kind, Kind::Null))
        {
            Some(n) => r.scalar(n, &format!("{name}.{key}")).map(str::to_owned),
            None => Ok(default.to_owned()),
        };
        let enabled = |r: &Reader<'_>, sec: Option<&Node>, name: &str| match sec {
            Some(s) => sub_flag(r, s, "enabled", name, false),
            None => Ok(false),
        };

        let stdout = enabled(&r, section("stdout_output")?, "stdout_output")?;
        let syslog = enabled(&r, section("syslog_output")?, "syslog_output")?;

        let file_sec = section("file_output")?;
        let file = match file_sec {
            Some(s) if enabled(&r, Some(s), "file_output")? => {
                let filename = sub_str(&r, s, "filename", "file_output", "")?;
                if filename.is_empty() {
                    return Err(err(
                        s.pos.line,
                        "file output enabled but no filename in configuration block".to_owned(),
                    ));
                }
                Some(FileOutput {
                    filename,
                    keep_alive: sub_flag(&r, s, "keep_alive", "file_output", false)?,
                })
            }
            _ => None,
        };

        let program = match section("program_output")? {
            Some(s) if enabled(&r, Some(s), "program_output")? => {
                let program = sub_str(&r, s, "program", "program_output", "")?;
                if program.is_empty() {
                    return Err(err(
                        s.pos.line,
                        "program output enabled but no program in configuration block".to_owned(),
                    ));
                }
                Some(ProgramOutput {
                    program,
                    keep_alive: sub_flag(&r, s, "keep_alive", "program_output", false)?,
                })
            }
            _ => None,
        };

        let http = match section("http_output")? {
            Some(s) if enabled(&r, Some(s), "http_output")? => {
                let name = "http_output";
                let url = unquote(&sub_str(&r, s, "url", name, "")?);
                if url.is_empty() {
                    return Err(err(
                        s.pos.line,
                        "http output enabled but no url in configuration block".to_owned(),
                    ));
                }
                let ca_cert = sub_str(&r, s, "ca_cert", name, "")?;
                let ca_bundle = sub_str(&r, s, "ca_bundle", name, "")?;
                let ca_file = [ca_cert, ca_bundle].into_iter().find(|f| !f.is_empty());
                let mtls = sub_flag(&r, s, "mtls", name, false)?;
                let client = if mtls {
                    Some((
                        sub_str(&r, s, "client_cert", name, "/etc/ssl/certs/client.crt")?,
                        sub_str(&r, s, "client_key", name, "/etc/ssl/certs/client.key")?,
                    ))
                } else {
                    None
                };
                // What kubeward does not do is a warning only when asked for.
                for (key, what) in [
                    ("echo", "the receiver's responses are not echoed"),
                    ("compress_uploads", "uploads are not compressed"),
                    (
                        "keep_alive",
                        "TCP keep-alive is not set (connections are reused instead)",
                    ),
                ] {
                    if sub_flag(&r, s, key, name, false)? {
                        r.warnings.push(ConfigWarning {
                            line: line_of(s, key),
                            message: format!("{name}.{key}: ignored; {what}"),
                        });
                    }
                }
                let timeouts = match s.get("max_consecutive_timeouts") {
                    Some(n) if !matches!(n.kind, Kind::Null) => {
                        let text = r.scalar(n, "http_output.max_consecutive_timeouts")?;
                        // yaml-cpp reads a uint8_t as one character; a number is what
                        // every configuration writes, so it is read as one.
                        text.parse::<u8>().map_err(|_| {
                            err(
                                n.pos.line,
                                format!("http_output.max_consecutive_timeouts: \"{text}\" is not a number from 0 to 255"),
                            )
                        })?
                    }
                    _ => 5,
                };
                Some(HttpOutput {
                    url,
                    user_agent: sub_str(&r, s, "user_agent", name, "falcosecurity/falco")?,
                    insecure: sub_flag(&r, s, "insecure", name, false)?,
                    ca_file,
                    ca_path: sub_str(&r, s, "ca_path", name, "/etc/ssl/certs")?,
                    client,
                    max_consecutive_timeouts: timeouts,
                })
            }
            _ => None,
        };

        // Warnings are found key by key; they are reported in the file's order.
        r.warnings.sort_by_key(|w| w.line);
        Ok(FalcoConfig {
            rules_files,
            json_output,
            json,
            priority,
            rule_matching,
            buffered_outputs,
            time_format_iso_8601,
            stdout,
            file,
            syslog,
            program,
            http,
            warnings: r.warnings,
        })
    }
}

struct Reader<'a> {
    file: &'a str,
    warnings: Vec<ConfigWarning>,
}

impl Reader<'_> {
    fn err(&self, line: u32, message: String) -> FalcoConfigError {
        FalcoConfigError {
            file: self.file.to_owned(),
            line,
            message,
        }
    }

    fn scalar<'n>(&self, n: &'n Node, key: &str) -> Result<&'n str, FalcoConfigError> {
        n.as_str()
            .ok_or_else(|| self.err(n.pos.line, format!("{key} must be a single value")))
    }

    fn boolean(&self, n: &Node, key: &str) -> Result<bool, FalcoConfigError> {
        let text = self.scalar(n, key)?;
        parse_bool(text).ok_or_else(|| {
            self.err(
                n.pos.line,
                format!("{key}: \"{text}\" is not a boolean (true or false)"),
            )
        })
    }

    /// A list of strings, or one string (yaml-cpp's reading of a scalar as a sequence).
    fn sequence(&self, n: &Node) -> Result<Vec<String>, FalcoConfigError> {
        match &n.kind {
            Kind::Null => Ok(Vec::new()),
            Kind::Scalar(s, _) => Ok(vec![s.clone()]),
            Kind::Seq(items) => items
                .iter()
                .map(|i| self.scalar(i, "rules_files entry").map(str::to_owned))
                .collect(),
            Kind::Map(_) => Err(self.err(
                n.pos.line,
                "rules_files must be a list of files and directories".to_owned(),
            )),
        }
    }

    fn warn_unknown(&mut self, entries: &[(Node, Node)]) {
        for (k, v) in entries {
            let Some(key) = k.as_str() else { continue };
            if SCALARS.contains(&key) {
                continue;
            }
            if let Some((_, known)) = SECTIONS.iter().find(|(name, _)| *name == key) {
                if let Kind::Map(sub) = &v.kind {
                    for (sk, _) in sub {
                        if let Some(sub_key) = sk.as_str()
                            && !known.contains(&sub_key)
                        {
                            self.warnings.push(ConfigWarning {
                                line: sk.pos.line,
                                message: format!(
                                    "{key}.{sub_key}: not a setting kubeward knows; ignored"
                                ),
                            });
                        }
                    }
                }
                continue;
            }
            self.warnings.push(ConfigWarning {
                line: k.pos.line,
                message: format!("{key}: not used by kubeward; ignored"),
            });
        }
    }
}

fn line_of(map: &Node, key: &str) -> u32 {
    match &map.kind {
        Kind::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map_or(map.pos.line, |(k, _)| k.pos.line),
        _ => map.pos.line,
    }
}

/// yaml-cpp's boolean spellings.
fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
            Some(true)
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            Some(false)
        }
        _ => None,
    }
}

/// Falco removes one pair of quotes around the URL (a value quoted twice in YAML).
fn unquote(url: &str) -> String {
    let quoted = url.len() >= 2
        && ((url.starts_with('"') && url.ends_with('"'))
            || (url.starts_with('\'') && url.ends_with('\'')));
    match url.get(1..url.len().saturating_sub(1)) {
        Some(inner) if quoted => inner.to_owned(),
        _ => url.to_owned(),
    }
}
