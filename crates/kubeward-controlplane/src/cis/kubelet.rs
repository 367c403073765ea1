//! CIS 4.2 (kubelet), judged on what the kubelet runs with: its KubeletConfiguration
//! file (`kubelet.config.k8s.io/v1beta1`, YAML or JSON) and its command-line flags
//! ([`crate::flags::kubelet`]), combined the way the kubelet combines them.
//!
//! - A flag given on the command line overrides the same field of the file: the kubelet
//!   parses its command line again on top of the loaded file (`kubeletConfigFlagPrecedence`),
//!   and `--feature-gates` merges into the file's `featureGates`, the flag winning per gate.
//! - `--config` on the command line names the file, unless `--kubelet-config` is given
//!   explicitly (then the user's file is judged, e.g. a copy from the node).
//! - With a command line that has no `--config`, the kubelet runs without a file: unset
//!   values take the kubelet's legacy flag defaults (`applyLegacyDefaults`: anonymous
//!   authentication on, authorization `AlwaysAllow`, read-only port 10255), the rest the
//!   usual defaults. With a file, unset fields take the v1beta1 defaults of the file
//!   (anonymous off, `Webhook`, read-only port 0).
//! - `--hostname-override` (4.2.7) exists only as a flag; it is judged whenever a command
//!   line was found, and skipped otherwise.
//!
//! Findings say where a value came from: `--read-only-port=10255 (command line)` at the
//! flags file and line, or `readOnlyPort: 0` at the configuration file and line.

use kubeward_report::RuleMeta;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kubeward_manifest::{Input, Limits, Node, Value};

use super::judge::{
    Check, Ctx, Judge, Lookup, Outcome, Test, Unset, all, required, rule, rule_legacy,
};
use super::{Finding, Inputs, Paths, Severity, Status};
use crate::flags::kubelet::{KubeletFlags, find_process, load_flags_file, load_systemd_dropin};
use crate::flags::{FlagsError, parse_go_bool, split_list};

const KIND: &str = "KubeletConfiguration";
const CONFIG_HINT: &str = "pass the kubelet's --config file with --kubelet-config (kubeadm: /var/lib/kubelet/config.yaml)";

const LEGACY_TRUE: &str = "no config file, so the legacy flag default true applies";
const LEGACY_ALWAYS_ALLOW: &str = "no config file, so the legacy flag default AlwaysAllow applies";
const LEGACY_10255: &str = "no config file, so the legacy flag default 10255 applies";
const GROUP: &str = "kubelet.config.k8s.io/";

/// A loaded KubeletConfiguration.
#[derive(Clone, Debug)]
pub struct KubeletConfig {
    /// The file's name as shown in findings.
    pub file: Arc<str>,
    /// The file's path, for its mode and owner.
    pub path: PathBuf,
    /// The whole configuration as loaded.
    pub node: Node,
}

/// Reads the kubelet's configuration file; not YAML or JSON, or not a
/// KubeletConfiguration, is an error naming the file and field.
pub fn load_kubelet_config(path: &Path, limits: &Limits) -> Result<KubeletConfig, FlagsError> {
    let input = Input::File(path.to_path_buf());
    let file = input.name();
    let text = kubeward_manifest::read_input(&input, limits)?;
    let mut docs = kubeward_manifest::parse_documents(&file, &text, limits).into_iter();
    let res = match docs.next() {
        Some(r) => r?,
        None => {
            return Err(FlagsError::Field {
                file: file.to_string(),
                field: "kind".to_owned(),
                message: "empty file, expected a KubeletConfiguration".to_owned(),
                hint: "pass the kubelet's --config file with --kubelet-config",
            });
        }
    };
    if res.kind != KIND || !res.api_version.starts_with(GROUP) {
        let field = if res.kind == KIND {
            "apiVersion"
        } else {
            "kind"
        };
        return Err(FlagsError::Field {
            file: format!("{file}:{}", res.node.locate(field).pos.line),
            field: field.to_owned(),
            message: format!(
                "{}/{} is not a KubeletConfiguration of {GROUP}v1beta1",
                res.api_version, res.kind
            ),
            hint: "pass the kubelet's --config file with --kubelet-config",
        });
    }
    Ok(KubeletConfig {
        file,
        path: path.to_path_buf(),
        node: res.node,
    })
}

impl Lookup for KubeletConfig {
    fn scalar(&self, key: &str) -> Option<String> {
        match &self.node.at(key)?.value {
            Value::Null => None,
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(s) => Some(s.clone()),
            Value::Seq(items) => Some(
                items
                    .iter()
                    .filter_map(Node::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            Value::Map(_) => Some("{…}".to_owned()),
        }
    }
    fn list(&self, key: &str) -> Option<Vec<String>> {
        let node = self.node.at(key)?;
        match &node.value {
            Value::Seq(items) => Some(
                items
                    .iter()
                    .filter_map(Node::as_str)
                    .map(str::to_owned)
                    .collect(),
            ),
            Value::Str(s) => Some(split_list(s).collect()),
            _ => None,
        }
    }
    fn gate(&self, gate: &str) -> Option<Result<bool, String>> {
        let v = self.node.get("featureGates")?.get(gate)?;
        Some(match &v.value {
            Value::Bool(b) => Ok(*b),
            other => Err(format!("{other:?}")),
        })
    }
    fn show(&self, key: &str) -> String {
        key.to_owned()
    }
    fn show_value(&self, key: &str, value: &str) -> String {
        format!("{key}: {value}")
    }
    fn line(&self, key: &str) -> Option<u32> {
        let l = self.node.locate(key);
        l.exact.then_some(l.pos.line)
    }
}

use super::judge::check;

/// Suites the benchmark accepts for the kubelet.
const STRONG_CIPHERS: &[&str] = &[
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
];

pub(crate) const CHECKS: &[Check] = &[
    check(
        "4.2.1",
        "The kubelet refuses anonymous requests",
        Severity::High,
        true,
        &[rule_legacy(
            "authentication.anonymous.enabled",
            Test::Bool(false),
            Unset::Pass("false in the config file"),
            Unset::Fail(LEGACY_TRUE),
        )],
        "Set authentication.anonymous.enabled: false in the kubelet configuration.",
    ),
    check(
        "4.2.2",
        "The kubelet authorizes requests through the API server",
        Severity::Critical,
        true,
        &[rule_legacy(
            "authorization.mode",
            Test::OneOf(&["Webhook"]),
            Unset::Pass("Webhook in the config file"),
            Unset::Fail(LEGACY_ALWAYS_ALLOW),
        )],
        "Set authorization.mode: Webhook; AlwaysAllow lets any authenticated caller exec into every pod on the node.",
    ),
    check(
        "4.2.3",
        "The kubelet verifies client certificates",
        Severity::High,
        true,
        &[required("authentication.x509.clientCAFile")],
        "Set authentication.x509.clientCAFile to the cluster CA (kubeadm: /etc/kubernetes/pki/ca.crt).",
    ),
    check(
        "4.2.4",
        "The unauthenticated read-only port is off",
        Severity::High,
        false,
        &[rule_legacy(
            "readOnlyPort",
            Test::OneOf(&["0"]),
            Unset::Pass("0 in the config file"),
            Unset::Fail(LEGACY_10255),
        )],
        "Set readOnlyPort: 0; port 10255 serves pod and node data without authentication.",
    ),
    check(
        "4.2.5",
        "Idle streaming connections time out",
        Severity::Low,
        false,
        &[rule(
            "streamingConnectionIdleTimeout",
            Test::NonZeroDuration,
            Unset::Pass("4h"),
        )],
        "Set streamingConnectionIdleTimeout to a non-zero duration such as 5m.",
    ),
    check(
        "4.2.6",
        "The kubelet manages its iptables chains",
        Severity::Low,
        true,
        &[rule(
            "makeIPTablesUtilChains",
            Test::Bool(true),
            Unset::Pass("true"),
        )],
        "Set makeIPTablesUtilChains: true (or remove the field).",
    ),
    Check {
        meta: RuleMeta {
            id: "4.2.7",
            title: "The node name is not overridden",
            severity: Severity::Low,
            fix: "Remove --hostname-override from the kubelet's systemd drop-in (KUBELET_EXTRA_ARGS).",
        },
        automated: false,
        judge: Judge::Custom(hostname_override),
    },
    check(
        "4.2.8",
        "Event recording is not disabled by a negative rate",
        Severity::Info,
        false,
        &[rule("eventRecordQPS", Test::AtLeast(0), Unset::Pass("50"))],
        "Set eventRecordQPS to a rate that keeps the events you need (0 means unlimited).",
    ),
    Check {
        meta: RuleMeta {
            id: "4.2.9",
            title: "The kubelet serves with a proper certificate",
            severity: Severity::Medium,
            fix: "Set serverTLSBootstrap: true (and approve the kubelet-serving CSRs), or set tlsCertFile and tlsPrivateKeyFile.",
        },
        automated: false,
        judge: Judge::Custom(serving_certificate),
    },
    check(
        "4.2.10",
        "Kubelet client certificates rotate",
        Severity::Medium,
        true,
        &[rule(
            "rotateCertificates",
            Test::Bool(true),
            Unset::Pass("treated as on, as the benchmark does"),
        )],
        "Set rotateCertificates: true (or remove a false value).",
    ),
    check(
        "4.2.11",
        "Kubelet serving certificates may rotate",
        Severity::Low,
        false,
        &[rule(
            "featureGates",
            Test::GateNot("RotateKubeletServerCertificate", false),
            Unset::Pass("on by default"),
        )],
        "Remove RotateKubeletServerCertificate: false from featureGates.",
    ),
    check(
        "4.2.12",
        "The kubelet offers only strong TLS cipher suites",
        Severity::Low,
        false,
        &[rule(
            "tlsCipherSuites",
            Test::Subset(STRONG_CIPHERS),
            Unset::Fail("Go's default list, which includes CBC suites"),
        )],
        "Set tlsCipherSuites to ECDHE suites with AES-GCM or ChaCha20-Poly1305 only.",
    ),
    check(
        "4.2.13",
        "Pods have a PID limit",
        Severity::Low,
        false,
        &[rule(
            "podPidsLimit",
            Test::AtLeast(1),
            Unset::Fail("-1, unlimited"),
        )],
        "Set podPidsLimit to a bound that stops a fork bomb exhausting the node (e.g. 4096).",
    ),
    check(
        "4.2.14",
        "Containers get the runtime's default seccomp profile",
        Severity::Medium,
        false,
        &[rule(
            "seccompDefault",
            Test::Bool(true),
            Unset::Fail("false"),
        )],
        "Set seccompDefault: true so containers without a profile run as RuntimeDefault, not Unconfined.",
    ),
];

/// A bootstrapped serving certificate is signed by the cluster CA; without it the
/// kubelet needs explicit files, else it makes itself a self-signed one.
fn serving_certificate(ctx: &Ctx<'_>) -> Outcome {
    let lk = ctx.lookup;
    if let Some(v) = lk.scalar("serverTLSBootstrap")
        && parse_go_bool(&v) == Some(true)
    {
        return Outcome {
            status: Status::Pass,
            found: lk.show_value("serverTLSBootstrap", &v),
            line: lk.line("serverTLSBootstrap"),
            file: lk.file("serverTLSBootstrap"),
        };
    }
    let rules = [required("tlsCertFile"), required("tlsPrivateKeyFile")];
    let mut o = all(&rules, lk);
    if o.status == Status::Fail {
        match lk.scalar("serverTLSBootstrap") {
            Some(v) => {
                let shown = lk.show_value("serverTLSBootstrap", &v);
                o.found.push_str(&format!(
                    "; {shown}, so the kubelet signs its own certificate"
                ));
                if o.line.is_none() && o.file.is_none() {
                    o.line = lk.line("serverTLSBootstrap");
                    o.file = lk.file("serverTLSBootstrap");
                }
            }
            None => o.found.push_str(&format!(
                "; {} not true (the kubelet signs its own certificate)",
                lk.show("serverTLSBootstrap")
            )),
        }
    }
    o
}

/// 4.2.7: `--hostname-override` is a flag only, so it is judged on the command line.
fn hostname_override(ctx: &Ctx<'_>) -> Outcome {
    let flags = match &ctx.inputs.kubelet.flags {
        Ok(f) => f,
        Err(why) => {
            return Outcome::new(
                Status::Skip,
                format!("--hostname-override is a command-line flag only, and {why}"),
            );
        }
    };
    let label = flags.source.label();
    match flags.flags.value("hostname-override") {
        None => Outcome::new(
            Status::Pass,
            format!("--hostname-override not set ({label})"),
        ),
        Some(v) => {
            let at = flags.location("hostname-override");
            Outcome {
                status: Status::Fail,
                found: format!("--hostname-override={v} ({label})"),
                line: at.and_then(|a| a.line),
                file: at.map(|a| a.file.to_string()),
            }
        }
    }
}

/// The kubelet flag that sets each configuration field the 4.2 checks read.
const FIELD_FLAGS: &[(&str, &str)] = &[
    ("authentication.anonymous.enabled", "anonymous-auth"),
    (
        "authentication.webhook.enabled",
        "authentication-token-webhook",
    ),
    ("authentication.x509.clientCAFile", "client-ca-file"),
    ("authorization.mode", "authorization-mode"),
    ("readOnlyPort", "read-only-port"),
    (
        "streamingConnectionIdleTimeout",
        "streaming-connection-idle-timeout",
    ),
    ("makeIPTablesUtilChains", "make-iptables-util-chains"),
    ("eventRecordQPS", "event-qps"),
    ("tlsCertFile", "tls-cert-file"),
    ("tlsPrivateKeyFile", "tls-private-key-file"),
    ("serverTLSBootstrap", "rotate-server-certificates"),
    ("rotateCertificates", "rotate-certificates"),
    ("featureGates", "feature-gates"),
    ("tlsCipherSuites", "tls-cipher-suites"),
    ("podPidsLimit", "pod-max-pids"),
    ("seccompDefault", "seccomp-default"),
];

/// The flag that sets a configuration field, if the 4.2 checks know one.
pub fn flag_for_field(field: &str) -> Option<&'static str> {
    FIELD_FLAGS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|&(_, flag)| flag)
}

/// What the kubelet checks judge: the configuration file and the command line, each
/// with the reason it is missing.
#[derive(Clone, Debug)]
pub struct KubeletInputs {
    /// The configuration file, or why there is none to judge.
    pub config: Result<KubeletConfig, String>,
    /// The command line, or why none was found.
    pub flags: Result<KubeletFlags, String>,
    /// The command line was found and names no `--config` (and no `--kubelet-config` was
    /// given): the kubelet runs on flags and their legacy defaults alone.
    pub flags_only: bool,
    /// Inputs that exist but cannot be used (each also makes its checks skip).
    pub errors: Vec<FlagsError>,
}

impl KubeletInputs {
    /// The effective configuration, or why the checks cannot judge one.
    pub(crate) fn effective(&self) -> Result<Effective<'_>, &str> {
        let flags = self.flags.as_ref().ok();
        if self.flags_only {
            return Ok(Effective {
                config: None,
                flags,
            });
        }
        match &self.config {
            Ok(cfg) => Ok(Effective {
                config: Some(cfg),
                flags,
            }),
            Err(why) => Err(why),
        }
    }
}

/// Where the kubelet's inputs are looked for, beyond [`Paths`].
#[derive(Clone, Debug, Default)]
pub struct KubeletOptions {
    /// A file holding the kubelet's command line (`--kubelet-flags`); when set, neither
    /// the processes nor the systemd drop-in are looked at.
    pub flags_file: Option<PathBuf>,
    /// `Paths::kubelet_config` was given by the user: it is judged even when the command
    /// line names another `--config`, and it must load.
    pub config_explicit: bool,
}

/// Finds the kubelet's command line (`--kubelet-flags`, else the running process under
/// `paths.proc`, else the systemd drop-in at `paths.kubelet_service`) and its
/// configuration file, and loads both. Nothing here is fatal: what cannot be used is in
/// [`KubeletInputs::errors`] and its checks are skipped.
pub fn load_kubelet(paths: &Paths, options: &KubeletOptions, limits: &Limits) -> KubeletInputs {
    let mut errors = Vec::new();
    let flags = match discover_flags(paths, options, limits) {
        Ok(Ok(f)) => Ok(f),
        Ok(Err(why)) => Err(why),
        Err(e) => {
            let why = format!("the kubelet's command line is unusable: {e}");
            errors.push(e);
            Err(why)
        }
    };
    let named = flags
        .as_ref()
        .ok()
        .map(|f| (f.config_file(), f.source.describe()));
    let (path, must_load) = match named {
        _ if options.config_explicit => (paths.kubelet_config.clone(), true),
        Some((Some(config), _)) => (
            crate::flags::kubelet::under_root(&paths.root, Path::new(config)),
            false,
        ),
        Some((None, source)) => {
            return KubeletInputs {
                config: Err(format!(
                    "no config file: the kubelet's command line from {source} has no --config"
                )),
                flags,
                flags_only: true,
                errors,
            };
        }
        None => (paths.kubelet_config.clone(), false),
    };
    let config = if !must_load && !path.exists() {
        Err(match &flags {
            Ok(f) => format!(
                "no kubelet configuration at {}, the --config of the command line from {} (pass a copy with --kubelet-config)",
                path.display(),
                f.source.describe()
            ),
            Err(_) => format!(
                "no kubelet configuration at {} (pass --kubelet-config)",
                path.display()
            ),
        })
    } else {
        load_kubelet_config(&path, limits).map_err(|e| {
            let e = match e {
                FlagsError::Load(le) => FlagsError::Kubelet {
                    file: match le.pos {
                        Some(p) => format!("{}:{}:{}", le.file, p.line, p.col),
                        None => le.file.to_string(),
                    },
                    message: le.message,
                    hint: CONFIG_HINT,
                },
                other => other,
            };
            let why = format!("kubelet configuration unusable: {e}");
            errors.push(e);
            why
        })
    };
    KubeletInputs {
        config,
        flags,
        flags_only: false,
        errors,
    }
}

/// The command line from the first source that has one; `Ok(Err(why))` when none has.
fn discover_flags(
    paths: &Paths,
    options: &KubeletOptions,
    limits: &Limits,
) -> Result<Result<KubeletFlags, String>, FlagsError> {
    if let Some(file) = &options.flags_file {
        return load_flags_file(file, limits).map(Ok);
    }
    if let Some(f) = find_process(&paths.proc, limits)? {
        return Ok(Ok(f));
    }
    if let Some(f) = load_systemd_dropin(&paths.kubelet_service, &paths.root, limits)? {
        return Ok(Ok(f));
    }
    Ok(Err(format!(
        "no kubelet command line was found: no --kubelet-flags, no kubelet process in {}, no ExecStart in {}",
        paths.proc.display(),
        paths.kubelet_service.display()
    )))
}

/// The kubelet's configuration as it runs: flags over the file's fields.
pub(crate) struct Effective<'a> {
    /// The file, absent when the kubelet runs on flags alone.
    pub config: Option<&'a KubeletConfig>,
    pub flags: Option<&'a KubeletFlags>,
}

impl Effective<'_> {
    /// The command line's value for a field, when the flag is given.
    fn flag(&self, field: &str) -> Option<(&KubeletFlags, &'static str)> {
        let flags = self.flags?;
        let name = flag_for_field(field)?;
        flags.flags.is_set(name).then_some((flags, name))
    }

    /// The file the findings of the table point at.
    pub(crate) fn file(&self) -> String {
        match (self.config, self.flags) {
            (Some(cfg), _) => cfg.file.to_string(),
            (None, Some(f)) => f.source.path().display().to_string(),
            (None, None) => String::new(),
        }
    }
}

impl Lookup for Effective<'_> {
    fn scalar(&self, key: &str) -> Option<String> {
        match self.flag(key) {
            Some((f, name)) => f.flags.value(name).map(str::to_owned),
            None => self.config.and_then(|c| c.scalar(key)),
        }
    }
    fn list(&self, key: &str) -> Option<Vec<String>> {
        match self.flag(key) {
            Some((f, name)) => f.flags.list(name),
            None => self.config.and_then(|c| c.list(key)),
        }
    }
    fn gate(&self, gate: &str) -> Option<Result<bool, String>> {
        self.flags
            .and_then(|f| f.flags.feature_gate(gate))
            .or_else(|| self.config.and_then(|c| c.gate(gate)))
    }
    fn show(&self, key: &str) -> String {
        match (self.flag(key), self.config) {
            (Some((_, name)), _) => format!("--{name}"),
            (None, Some(_)) => key.to_owned(),
            (None, None) => {
                flag_for_field(key).map_or_else(|| key.to_owned(), |n| format!("--{n}"))
            }
        }
    }
    fn show_value(&self, key: &str, value: &str) -> String {
        match self.flag(key) {
            Some((f, name)) => format!("--{name}={value} ({})", f.source.label()),
            None => format!("{key}: {value}"),
        }
    }
    fn line(&self, key: &str) -> Option<u32> {
        match self.flag(key) {
            Some((f, name)) => f.location(name).and_then(|a| a.line),
            None => self.config.and_then(|c| c.line(key)),
        }
    }
    fn file(&self, key: &str) -> Option<String> {
        let (f, name) = self.flag(key)?;
        f.location(name).map(|a| a.file.to_string())
    }
    fn gate_at(
        &self,
        key: &str,
        gate: &str,
    ) -> (String, &'static str, Option<u32>, Option<String>) {
        if let Some(f) = self.flags
            && f.flags.feature_gate(gate).is_some()
        {
            let at = f.location("feature-gates");
            let suffix = match f.source {
                crate::flags::kubelet::FlagsSource::Systemd(_) => " (systemd drop-in)",
                _ => " (command line)",
            };
            return (
                format!("--feature-gates {gate}"),
                suffix,
                at.and_then(|a| a.line),
                at.map(|a| a.file.to_string()),
            );
        }
        let line = self
            .config
            .and_then(|c| c.line(&format!("{key}.{gate}")).or_else(|| c.line(key)));
        // The gate is not on the command line, even when other gates are.
        let name = match self.config {
            Some(_) => key.to_owned(),
            None => "--feature-gates".to_owned(),
        };
        (format!("{name} {gate}"), "", line, None)
    }
    fn legacy_defaults(&self) -> bool {
        self.config.is_none()
    }
}

/// Runs the 4.2 table; without a usable configuration every check but 4.2.7 is skipped.
pub(crate) fn run(inputs: &Inputs<'_>) -> Vec<Finding> {
    match inputs.kubelet.effective() {
        Err(why) => CHECKS
            .iter()
            .map(|c| {
                if c.meta.id == "4.2.7" && inputs.kubelet.flags.is_ok() {
                    let ctx = Ctx {
                        inputs,
                        lookup: &Effective {
                            config: None,
                            flags: None,
                        },
                    };
                    let file = inputs
                        .kubelet
                        .flags
                        .as_ref()
                        .map(|f| f.source.path().display().to_string())
                        .unwrap_or_default();
                    c.finding("kubelet", &ctx, &file)
                } else {
                    c.skipped("kubelet", why.to_owned())
                }
            })
            .collect(),
        Ok(effective) => {
            let file = effective.file();
            let ctx = Ctx {
                inputs,
                lookup: &effective,
            };
            CHECKS
                .iter()
                .map(|c| c.finding("kubelet", &ctx, &file))
                .collect()
        }
    }
}
