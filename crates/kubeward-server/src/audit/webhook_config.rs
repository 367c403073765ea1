//! What the API server needs to send its audit events here: the kubeconfig-format file
//! for `--audit-webhook-config-file`, and the audit policy (`--audit-policy-file`) that
//! records what kubeward's default rules read, at the lowest level that serves them.

use base64::Engine as _;
use hyper::Uri;

/// The audit policy for the default ruleset (commented YAML).
pub const RECOMMENDED_POLICY: &str = include_str!("policy.yaml");

/// Why the webhook kubeconfig cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookConfigError {
    /// The `--url` value does not parse as a URL; holds the value and the parser's reason.
    #[error("--url {0:?} is not a URL: {1}")]
    BadUrl(String, String),
    /// The `--url` value is neither `https://` nor `http://`, or has no host.
    #[error("--url {0:?} must start with https:// (or http://) and name a host")]
    Scheme(String),
    /// The `--ca` file holds no PEM certificate to put in `certificate-authority-data`.
    #[error("the CA file holds no PEM certificate (-----BEGIN CERTIFICATE-----)")]
    NoCertificate,
}

/// Whether the URL is plain HTTP, so the caller can warn that anyone who reaches the
/// port can inject events.
pub fn is_plain_http(url: &str) -> bool {
    url.starts_with("http://")
}

/// The kubeconfig naming `url` as the server, with `ca_pem` (the CA that signed the
/// server's certificate) as its certificate authority.
pub fn kubeconfig(url: &str, ca_pem: Option<&[u8]>) -> Result<String, WebhookConfigError> {
    let uri: Uri = url.parse().map_err(|e: hyper::http::uri::InvalidUri| {
        WebhookConfigError::BadUrl(url.into(), e.to_string())
    })?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err(WebhookConfigError::Scheme(url.into()));
    }
    let ca = match ca_pem {
        Some(pem) => {
            if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                return Err(WebhookConfigError::NoCertificate);
            }
            let b64 = base64::engine::general_purpose::STANDARD.encode(pem);
            format!("\n    certificate-authority-data: {b64}")
        }
        None => String::new(),
    };
    // A JSON string is a valid YAML double-quoted scalar: no escaping rules of our own.
    let server = serde_json::Value::String(url.to_owned()).to_string();
    Ok(format!(
        "# For the API server's --audit-webhook-config-file (written by kubeward detect webhook-config).
apiVersion: v1
kind: Config
clusters:
- name: kubeward-audit
  cluster:
    server: {server}{ca}
contexts:
- name: kubeward-audit
  context:
    cluster: kubeward-audit
    user: kube-apiserver
current-context: kubeward-audit
users:
- name: kube-apiserver
  user: {{}}
"
    ))
}
