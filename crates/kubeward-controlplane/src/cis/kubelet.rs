//! CIS 4.2 (kubelet), judged on the KubeletConfiguration file
//! (`kubelet.config.k8s.io/v1beta1`, YAML or JSON).
//!
//! Unset fields are judged by the v1beta1 defaults of the file, which differ from the
//! flag defaults (`readOnlyPort` is 0 in the file, 10255 as a flag; anonymous
//! authentication is off in the file, on as a flag). Flags in the kubelet's systemd
//! drop-in override the file and are not read here.

use kubeward_report::RuleMeta;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kubeward_manifest::{Input, Limits, Node, Value};

use super::judge::{Check, Ctx, Judge, Lookup, Outcome, Test, Unset, all, required, rule};
use super::{Finding, Inputs, Severity, Status};
use crate::flags::{FlagsError, split_list};

const KIND: &str = "KubeletConfiguration";
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
        &[rule(
            "authentication.anonymous.enabled",
            Test::Bool(false),
            Unset::Pass("false in the config file"),
        )],
        "Set authentication.anonymous.enabled: false in the kubelet configuration.",
    ),
    check(
        "4.2.2",
        "The kubelet authorizes requests through the API server",
        Severity::Critical,
        true,
        &[rule(
            "authorization.mode",
            Test::OneOf(&["Webhook"]),
            Unset::Pass("Webhook in the config file"),
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
        &[rule(
            "readOnlyPort",
            Test::OneOf(&["0"]),
            Unset::Pass("0 in the config file"),
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
        judge: Judge::Custom(|_| {
            Outcome::new(
                Status::Skip,
                "--hostname-override is a command-line flag only; kubeward reads the config file, not the kubelet's command line",
            )
        }),
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
    if lk.scalar("serverTLSBootstrap").as_deref() == Some("true") {
        return Outcome {
            status: Status::Pass,
            found: "serverTLSBootstrap: true".to_owned(),
            line: lk.line("serverTLSBootstrap"),
        };
    }
    let rules = [required("tlsCertFile"), required("tlsPrivateKeyFile")];
    let mut o = all(&rules, lk);
    if o.status == Status::Fail {
        o.found
            .push_str("; serverTLSBootstrap not true (the kubelet signs its own certificate)");
    }
    o
}

/// Runs the 4.2 table, or skips it when there is no configuration.
pub(crate) fn run(inputs: &Inputs<'_>) -> Vec<Finding> {
    match inputs.kubelet {
        Err(why) => CHECKS
            .iter()
            .map(|c| c.skipped("kubelet", why.to_owned()))
            .collect(),
        Ok(cfg) => {
            let ctx = Ctx {
                inputs,
                lookup: cfg,
            };
            CHECKS
                .iter()
                .map(|c| c.finding("kubelet", &ctx, &cfg.file))
                .collect()
        }
    }
}
