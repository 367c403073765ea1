//! CIS 1.2 (kube-apiserver) and 3.2.1 (its audit policy flag), judged on the API
//! server's static pod flags.

use kubeward_manifest::{Limits, Node};
use kubeward_report::RuleMeta;

use super::judge::{Check, Ctx, Judge, Outcome, Test, Unset, all, required, rule};
use super::{Severity, Status};

/// Cipher suites the benchmark accepts for the API server (TLS 1.3 and ECDHE with AEAD).
const STRONG_CIPHERS: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

const ENABLE: &str = "enable-admission-plugins";
const DISABLE: &str = "disable-admission-plugins";

use super::judge::check;

pub(crate) const CHECKS: &[Check] = &[
    check(
        "1.2.1",
        "Anonymous requests are refused",
        Severity::Medium,
        false,
        &[rule(
            "anonymous-auth",
            Test::Bool(false),
            Unset::Fail("defaults to true"),
        )],
        "Add --anonymous-auth=false to the kube-apiserver manifest (health probes then need credentials, or use --authentication-config anonymous conditions on 1.34+).",
    ),
    check(
        "1.2.2",
        "No static token file is used for authentication",
        Severity::High,
        true,
        &[rule("token-auth-file", Test::Absent, Unset::Pass(""))],
        "Remove --token-auth-file and move its users to certificates, OIDC or service accounts; static tokens never expire and cannot be revoked without a restart.",
    ),
    check(
        "1.2.3",
        "The DenyServiceExternalIPs admission plugin is enabled",
        Severity::Medium,
        false,
        &[rule(
            ENABLE,
            Test::Has("DenyServiceExternalIPs"),
            Unset::Fail("the plugin is off by default"),
        )],
        "Append DenyServiceExternalIPs to --enable-admission-plugins, unless Services really need spec.externalIPs.",
    ),
    check(
        "1.2.4",
        "The API server authenticates to kubelets with a client certificate",
        Severity::High,
        true,
        &[
            required("kubelet-client-certificate"),
            required("kubelet-client-key"),
        ],
        "Set --kubelet-client-certificate and --kubelet-client-key (kubeadm: /etc/kubernetes/pki/apiserver-kubelet-client.{crt,key}).",
    ),
    check(
        "1.2.5",
        "The API server verifies kubelet serving certificates",
        Severity::Medium,
        true,
        &[required("kubelet-certificate-authority")],
        "Let kubelets get serving certificates from the cluster CA (serverTLSBootstrap: true, then approve their CSRs) and set --kubelet-certificate-authority to that CA.",
    ),
    Check {
        meta: RuleMeta {
            id: "1.2.6",
            title: "Authorization is not AlwaysAllow",
            severity: Severity::Critical,
            fix: "Set --authorization-mode=Node,RBAC (or an --authorization-config without AlwaysAllow).",
        },
        automated: true,
        judge: Judge::Custom(|ctx| authorizer(ctx, "AlwaysAllow", false)),
    },
    Check {
        meta: RuleMeta {
            id: "1.2.7",
            title: "The Node authorizer is enabled",
            severity: Severity::High,
            fix: "Include Node in --authorization-mode (e.g. Node,RBAC) so kubelets reach only their own objects.",
        },
        automated: true,
        judge: Judge::Custom(|ctx| authorizer(ctx, "Node", true)),
    },
    Check {
        meta: RuleMeta {
            id: "1.2.8",
            title: "The RBAC authorizer is enabled",
            severity: Severity::High,
            fix: "Include RBAC in --authorization-mode (e.g. Node,RBAC).",
        },
        automated: true,
        judge: Judge::Custom(|ctx| authorizer(ctx, "RBAC", true)),
    },
    Check {
        meta: RuleMeta {
            id: "1.2.9",
            title: "Event creation is rate limited",
            severity: Severity::Low,
            fix: "Append EventRateLimit to --enable-admission-plugins and point --admission-control-config-file at an AdmissionConfiguration that configures it.",
        },
        automated: false,
        judge: Judge::Custom(event_rate_limit),
    },
    check(
        "1.2.10",
        "The AlwaysAdmit admission plugin is not enabled",
        Severity::Critical,
        true,
        &[rule(
            ENABLE,
            Test::Lacks("AlwaysAdmit"),
            Unset::Pass("off by default"),
        )],
        "Remove AlwaysAdmit from --enable-admission-plugins.",
    ),
    check(
        "1.2.11",
        "The AlwaysPullImages admission plugin is enabled",
        Severity::Low,
        false,
        &[rule(
            ENABLE,
            Test::Has("AlwaysPullImages"),
            Unset::Fail("off by default"),
        )],
        "Append AlwaysPullImages to --enable-admission-plugins so that one tenant cannot run another's cached private image.",
    ),
    check(
        "1.2.12",
        "The ServiceAccount admission plugin is not disabled",
        Severity::High,
        true,
        &[rule(
            DISABLE,
            Test::Lacks("ServiceAccount"),
            Unset::Pass("on by default"),
        )],
        "Remove ServiceAccount from --disable-admission-plugins.",
    ),
    check(
        "1.2.13",
        "The NamespaceLifecycle admission plugin is not disabled",
        Severity::Medium,
        true,
        &[rule(
            DISABLE,
            Test::Lacks("NamespaceLifecycle"),
            Unset::Pass("on by default"),
        )],
        "Remove NamespaceLifecycle from --disable-admission-plugins.",
    ),
    check(
        "1.2.14",
        "The NodeRestriction admission plugin is enabled",
        Severity::High,
        true,
        &[rule(
            ENABLE,
            Test::Has("NodeRestriction"),
            Unset::Fail("off by default"),
        )],
        "Append NodeRestriction to --enable-admission-plugins, with Node in --authorization-mode.",
    ),
    check(
        "1.2.15",
        "Profiling endpoints are off",
        Severity::Low,
        true,
        &[rule(
            "profiling",
            Test::Bool(false),
            Unset::Fail("defaults to true"),
        )],
        "Add --profiling=false to the kube-apiserver manifest.",
    ),
    check(
        "1.2.16",
        "Audit events are written to a log",
        Severity::Medium,
        true,
        &[required("audit-log-path")],
        "Set --audit-log-path (e.g. /var/log/kubernetes/audit/audit.log on a hostPath mount) together with --audit-policy-file.",
    ),
    check(
        "1.2.17",
        "Audit logs are kept at least 30 days",
        Severity::Low,
        true,
        &[rule(
            "audit-log-maxage",
            Test::AtLeast(30),
            Unset::Fail("0, no age limit, through 1.35; 366 from 1.36"),
        )],
        "Set --audit-log-maxage=30 or more.",
    ),
    check(
        "1.2.18",
        "At least 10 rotated audit logs are kept",
        Severity::Low,
        true,
        &[rule(
            "audit-log-maxbackup",
            Test::AtLeast(10),
            Unset::Fail("0 through 1.35; 100 from 1.36"),
        )],
        "Set --audit-log-maxbackup=10 or more.",
    ),
    check(
        "1.2.19",
        "Audit logs rotate at 100 MB or more",
        Severity::Low,
        true,
        &[rule(
            "audit-log-maxsize",
            Test::AtLeast(100),
            Unset::Fail("0 through 1.35; 100 from 1.36"),
        )],
        "Set --audit-log-maxsize=100 or more.",
    ),
    Check {
        meta: RuleMeta {
            id: "1.2.20",
            title: "The request timeout suits the cluster",
            severity: Severity::Info,
            fix: "Keep the 60s default unless large lists or slow webhooks need more; set --request-timeout accordingly.",
        },
        automated: false,
        judge: Judge::Custom(|ctx| {
            let o = super::judge::one(&required("request-timeout"), ctx.lookup);
            let found = if o.status == Status::Pass {
                o.found
            } else {
                "--request-timeout not set (60s)".to_owned()
            };
            Outcome {
                status: Status::Warn,
                found: format!("{found}; judge by hand"),
                line: o.line,
                file: o.file,
            }
        }),
    },
    check(
        "1.2.21",
        "Service account tokens are checked against existing accounts",
        Severity::Medium,
        true,
        &[rule(
            "service-account-lookup",
            Test::Bool(true),
            Unset::Pass("defaults to true"),
        )],
        "Remove --service-account-lookup=false (or set it to true).",
    ),
    check(
        "1.2.22",
        "Service account token verification keys are set",
        Severity::High,
        true,
        &[required("service-account-key-file")],
        "Set --service-account-key-file to the public half of the key the controller manager signs with (kubeadm: /etc/kubernetes/pki/sa.pub).",
    ),
    check(
        "1.2.23",
        "The API server authenticates to etcd with a client certificate",
        Severity::High,
        true,
        &[required("etcd-certfile"), required("etcd-keyfile")],
        "Set --etcd-certfile and --etcd-keyfile (kubeadm: /etc/kubernetes/pki/apiserver-etcd-client.{crt,key}).",
    ),
    check(
        "1.2.24",
        "The API server serves with its own certificate",
        Severity::High,
        true,
        &[required("tls-cert-file"), required("tls-private-key-file")],
        "Set --tls-cert-file and --tls-private-key-file to a certificate from the cluster CA (kubeadm: apiserver.{crt,key}).",
    ),
    check(
        "1.2.25",
        "Client certificates are verified against a CA",
        Severity::High,
        true,
        &[required("client-ca-file")],
        "Set --client-ca-file to the cluster CA (kubeadm: /etc/kubernetes/pki/ca.crt).",
    ),
    check(
        "1.2.26",
        "The API server verifies etcd's certificate",
        Severity::High,
        true,
        &[required("etcd-cafile")],
        "Set --etcd-cafile to etcd's CA (kubeadm: /etc/kubernetes/pki/etcd/ca.crt).",
    ),
    check(
        "1.2.27",
        "Encryption at rest is configured",
        Severity::Medium,
        false,
        &[required("encryption-provider-config")],
        "Write an EncryptionConfiguration for secrets and pass it with --encryption-provider-config (on a hostPath mount).",
    ),
    Check {
        meta: RuleMeta {
            id: "1.2.28",
            title: "Secrets are written encrypted",
            severity: Severity::Medium,
            fix: "In the EncryptionConfiguration, list kms (v2), aescbc, aesgcm or secretbox first for secrets; identity may only follow, for reading old data.",
        },
        automated: false,
        judge: Judge::Custom(encryption_providers),
    },
    check(
        "1.2.29",
        "Only strong TLS cipher suites are offered",
        Severity::Low,
        false,
        &[rule(
            "tls-cipher-suites",
            Test::Subset(STRONG_CIPHERS),
            Unset::Fail("Go's default list, which includes CBC suites"),
        )],
        "Set --tls-cipher-suites to TLS 1.3 and ECDHE AES-GCM or ChaCha20-Poly1305 suites only.",
    ),
    check(
        "1.2.30",
        "Service account tokens are not silently extended",
        Severity::Medium,
        true,
        &[rule(
            "service-account-extend-token-expiration",
            Test::Bool(false),
            Unset::Fail("defaults to true"),
        )],
        "Add --service-account-extend-token-expiration=false so injected tokens keep their short lifetime.",
    ),
    check(
        "3.2.1",
        "An audit policy is configured",
        Severity::Medium,
        false,
        &[required("audit-policy-file")],
        "Write an audit Policy and pass it with --audit-policy-file; without it nothing is audited, whatever --audit-log-path says.",
    ),
];

/// Authorizer types from `--authorization-mode`, else from the `--authorization-config`
/// file's `authorizers[].type`. With neither, the API server uses AlwaysAllow.
fn authorizer(ctx: &Ctx<'_>, name: &str, want: bool) -> Outcome {
    let lk = ctx.lookup;
    let (types, found, line) = if let Some(modes) = lk.list("authorization-mode") {
        let found = lk.show_value("authorization-mode", &modes.join(","));
        (modes, found, lk.line("authorization-mode"))
    } else if let Some(path) = lk.scalar("authorization-config") {
        match read_object(&path, &ctx.inputs.limits) {
            Ok(node) => {
                let types: Vec<String> = node
                    .get("authorizers")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|a| a.get("type").and_then(Node::as_str).map(str::to_owned))
                    .collect();
                let found = format!("{path}: authorizers {}", types.join(","));
                (types, found, lk.line("authorization-config"))
            }
            Err(e) => {
                let found = format!("--authorization-config={path}, not readable here: {e}");
                return Outcome::new(Status::Warn, found);
            }
        }
    } else {
        let found = "neither --authorization-mode nor --authorization-config set (AlwaysAllow)";
        return Outcome::new(Status::Fail, found);
    };
    let has = types.iter().any(|t| t == name);
    Outcome {
        status: if has == want {
            Status::Pass
        } else {
            Status::Fail
        },
        found,
        line,
        file: None,
    }
}

fn event_rate_limit(ctx: &Ctx<'_>) -> Outcome {
    all(
        &[
            rule(
                ENABLE,
                Test::Has("EventRateLimit"),
                Unset::Fail("off by default"),
            ),
            required("admission-control-config-file"),
        ],
        ctx.lookup,
    )
}

/// The first provider for secrets in the EncryptionConfiguration is the one writes use;
/// `identity` there means plain text in etcd.
fn encryption_providers(ctx: &Ctx<'_>) -> Outcome {
    let lk = ctx.lookup;
    let Some(path) = lk.scalar("encryption-provider-config") else {
        return Outcome::new(
            Status::Fail,
            "--encryption-provider-config not set (secrets are stored in plain text)",
        );
    };
    let node = match read_object(&path, &ctx.inputs.limits) {
        Ok(n) => n,
        Err(e) => {
            return Outcome::new(Status::Warn, format!("{path}: not readable here: {e}"));
        }
    };
    let covers_secrets = |entry: &Node| {
        entry
            .get("resources")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .any(|r| matches!(r, "secrets" | "*." | "*.*"))
    };
    let first = node
        .get("resources")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .find(|e| covers_secrets(e))
        .and_then(|e| e.get("providers").and_then(|p| p.index(0)))
        .and_then(Node::as_map)
        .and_then(|m| m.first())
        .map(|e| e.key.clone());
    match first {
        None => Outcome::new(Status::Fail, format!("{path}: no providers for secrets")),
        Some(p) if p == "identity" => Outcome::new(
            Status::Fail,
            format!("{path}: secrets written with identity (plain text)"),
        ),
        Some(p) => Outcome::new(Status::Pass, format!("{path}: secrets written with {p}")),
    }
}

/// Reads a configuration file named by a flag as one YAML or JSON object.
pub(crate) fn read_object(path: &str, limits: &Limits) -> Result<Node, String> {
    let input = kubeward_manifest::Input::File(path.into());
    let text = kubeward_manifest::read_input(&input, limits).map_err(|e| e.message)?;
    let docs = kubeward_manifest::parse_documents(&input.name(), &text, limits);
    match docs.into_iter().next() {
        Some(Ok(res)) => Ok(res.node),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("empty file".to_owned()),
    }
}
