//! What a kubeconfig inspection reports: the rules (stable ids, severities and fixes,
//! documented in docs/kubeconfig.md), the [`Finding`]s they raise, and the [`Problem`]s of
//! fields that cannot be used. Both `checks` and `inspect` build on this module; it imports
//! neither.

use std::path::PathBuf;

use serde::Serialize;

pub use kubeward_manifest::Severity;

/// One rule: what it flags and how to fix it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable id, e.g. `KC001`.
    pub id: &'static str,
    /// Short kebab-case name, e.g. `system-masters-certificate`.
    pub name: &'static str,
    /// How much a finding matters.
    pub severity: Severity,
    /// How to fix it.
    pub fix: &'static str,
}

macro_rules! rule {
    ($c:ident, $id:literal, $name:literal, $sev:ident, $fix:literal) => {
        pub(crate) const $c: Rule = Rule {
            id: $id,
            name: $name,
            severity: Severity::$sev,
            fix: $fix,
        };
    };
}

rule!(
    SYSTEM_MASTERS,
    "KC001",
    "system-masters-certificate",
    Critical,
    "issue a certificate without O=system:masters and grant it a revocable RBAC binding (kubeadm 1.29+: O=kubeadm:cluster-admins); keep super-admin.conf offline"
);
rule!(
    EXPIRED,
    "KC002",
    "certificate-expired",
    High,
    "renew the certificate (kubeadm: `kubeadm certs renew`) and replace it in the kubeconfig"
);
rule!(
    EXPIRING,
    "KC003",
    "certificate-expiring-soon",
    Medium,
    "renew the certificate before it expires (kubeadm: `kubeadm certs check-expiration`, then `kubeadm certs renew`)"
);
rule!(
    NOT_YET_VALID,
    "KC004",
    "certificate-not-yet-valid",
    Medium,
    "check the clocks of the issuing machine and this one; reissue the certificate with a correct notBefore"
);
rule!(
    NOT_SIGNED_BY_CA,
    "KC005",
    "client-certificate-not-signed-by-cluster-ca",
    High,
    "use a client certificate issued by the cluster's CA, or correct `certificate-authority(-data)` if it names the wrong CA"
);
rule!(
    KEY_MISMATCH,
    "KC006",
    "key-does-not-match-certificate",
    High,
    "pair the certificate with the key it was issued for; `kubeward kubeconfig extract` both and compare, or reissue"
);
rule!(
    INSECURE_SKIP_TLS_VERIFY,
    "KC007",
    "insecure-skip-tls-verify",
    High,
    "remove `insecure-skip-tls-verify` and set `certificate-authority-data` to the cluster CA (`kubectl config set-cluster NAME --certificate-authority=ca.crt --embed-certs`)"
);
rule!(
    STATIC_TOKEN,
    "KC008",
    "static-token",
    Medium,
    "prefer short-lived credentials: an exec plugin or OIDC, or `kubectl create token` with a short --duration; if a token must stay, keep the file mode 0600"
);
rule!(
    BASIC_AUTH,
    "KC009",
    "basic-auth-password",
    Medium,
    "remove `username`/`password`: the API server dropped basic authentication in 1.19; use certificates, tokens or OIDC"
);
rule!(
    EXEC_PLUGIN,
    "KC010",
    "exec-plugin",
    Low,
    "check that the command is the credential plugin you expect; never use a kubeconfig with an exec plugin from an untrusted source"
);
rule!(
    MISSING_FILE,
    "KC011",
    "referenced-file-missing",
    High,
    "fix the path (relative paths resolve against the kubeconfig's directory) or embed the content with `kubectl config set-credentials --embed-certs`"
);
rule!(
    SECRET_READABLE,
    "KC012",
    "secret-readable-by-others",
    High,
    "restrict the file to its owner: `chmod 600 FILE`"
);
rule!(
    WORLD_READABLE,
    "KC013",
    "file-world-readable",
    Low,
    "remove the read bit for others: `chmod o-r FILE`"
);
rule!(
    PLAINTEXT_SERVER,
    "KC014",
    "plaintext-http-server",
    Medium,
    "use the API server's https:// endpoint; over http:// tokens and passwords travel in clear text"
);
rule!(
    NO_CLIENT_AUTH_EKU,
    "KC015",
    "client-certificate-without-clientauth",
    Medium,
    "reissue the certificate with extended key usage clientAuth; the API server rejects it as a client certificate"
);

/// Every rule, in id order.
pub fn rules() -> &'static [Rule] {
    &[
        SYSTEM_MASTERS,
        EXPIRED,
        EXPIRING,
        NOT_YET_VALID,
        NOT_SIGNED_BY_CA,
        KEY_MISMATCH,
        INSECURE_SKIP_TLS_VERIFY,
        STATIC_TOKEN,
        BASIC_AUTH,
        EXEC_PLUGIN,
        MISSING_FILE,
        SECRET_READABLE,
        WORLD_READABLE,
        PLAINTEXT_SERVER,
        NO_CLIENT_AUTH_EKU,
    ]
}

/// One thing found, and where.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Finding {
    /// The rule's id.
    pub id: &'static str,
    /// The rule's name.
    pub name: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// What was found, naming the user, cluster or certificate.
    pub message: String,
    /// The kubeconfig (or referenced file) it is about.
    pub file: PathBuf,
    /// Line in the kubeconfig, when it is about a field there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Where in the kubeconfig, e.g. `users[admin].client-certificate-data`.
    pub field: String,
    /// How to fix it (the rule's fix).
    pub fix: &'static str,
}

impl Finding {
    pub(crate) fn new(
        rule: Rule,
        message: String,
        file: PathBuf,
        line: Option<u32>,
        field: String,
    ) -> Self {
        Finding {
            id: rule.id,
            name: rule.name,
            severity: rule.severity,
            message,
            file,
            line,
            field,
            fix: rule.fix,
        }
    }
}

/// A field that is set but unusable: kubectl would fail on it too.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Problem {
    /// The file the field is in.
    pub file: PathBuf,
    /// The field's line, when known.
    pub line: Option<u32>,
    /// The field, e.g. `clusters[prod].certificate-authority`.
    pub field: String,
    /// Why it cannot be used.
    pub message: String,
    /// How to fix it.
    pub hint: &'static str,
}
