//! `inspect`: every context, cluster and user of a kubeconfig, each certificate decoded,
//! and the findings. A field that cannot be used is reported as a [`Problem`] and the rest
//! is still inspected.

use std::path::PathBuf;

use serde::Serialize;

use super::cert::{CertInfo, Parsed, parse_certificates};
use super::checks::Checker;
use super::findings::{Finding, Problem};
use super::key::{KeyInfo, KeyMatch, PrivateKey, parse_private_key};
use super::load::{Kubeconfig, Named};
use super::material::{Fetched, Source, fetch, mode};
use super::model::{AuthInfo, Cluster};
use crate::names::BOOTSTRAP_USER_PREFIX;

/// Everything `inspect` found.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    /// The kubeconfig files read, in `KUBECONFIG` order.
    pub files: Vec<FileView>,
    /// `KUBECONFIG` entries that do not exist (skipped, as clientcmd does).
    pub skipped: Vec<PathBuf>,
    /// The merged `current-context`; `None` when no file sets it.
    pub current_context: Option<String>,
    /// Every context, after merging.
    pub contexts: Vec<ContextView>,
    /// Every cluster, after merging.
    pub clusters: Vec<ClusterView>,
    /// Every user, after merging.
    pub users: Vec<UserView>,
    /// Security findings about the users, clusters and files.
    pub findings: Vec<Finding>,
    /// Fields that are set but unusable.
    pub problems: Vec<Problem>,
}

/// One kubeconfig file read.
#[derive(Clone, Debug, Serialize)]
pub struct FileView {
    /// The file's path.
    pub path: PathBuf,
    /// Its Unix permission bits (e.g. `0o600`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

/// One `contexts` entry.
#[derive(Clone, Debug, Serialize)]
pub struct ContextView {
    /// The context's name.
    pub name: String,
    /// Whether it is the `current-context`.
    pub current: bool,
    /// The name of the cluster it uses.
    pub cluster: String,
    /// The name of the user it uses.
    pub user: String,
    /// Its default namespace; `None` means `default`.
    pub namespace: Option<String>,
    /// The file it is defined in.
    pub file: PathBuf,
    /// The line of its `name`.
    pub line: u32,
}

/// One `clusters` entry.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterView {
    /// The cluster's name.
    pub name: String,
    /// `server`: the API server's URL.
    pub server: String,
    /// `insecure-skip-tls-verify`: the server's certificate is not verified.
    pub insecure_skip_tls_verify: bool,
    /// `tls-server-name`, when set.
    pub tls_server_name: Option<String>,
    /// `proxy-url`, when set.
    pub proxy_url: Option<String>,
    /// The CA certificates from `certificate-authority`/`-data`; `None` when neither is set or they could not be read.
    pub certificate_authority: Option<CertSet>,
    /// The file it is defined in.
    pub file: PathBuf,
    /// The line of its `name`.
    pub line: u32,
}

/// The certificates of one field: a CA bundle, or a client certificate and its chain.
#[derive(Clone, Debug, Serialize)]
pub struct CertSet {
    /// Where the certificates were read from.
    pub source: Source,
    /// The certificates, in the order written.
    pub certificates: Vec<CertInfo>,
}

/// One `users` entry, with secrets described rather than shown.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    /// The user's name.
    pub name: String,
    /// The client certificate (and chain) from `client-certificate`/`-data`, when set and readable.
    pub client_certificate: Option<CertSet>,
    /// The private key from `client-key`/`-data`, when set and readable.
    pub client_key: Option<KeyView>,
    /// A description of `token`, when set.
    pub token: Option<TokenView>,
    /// Where `tokenFile` points, when set.
    pub token_file: Option<Source>,
    /// `username` for basic authentication, when set.
    pub username: Option<String>,
    /// Whether `password` is set (never shown).
    pub has_password: bool,
    /// The `exec` credential plugin, when set.
    pub exec: Option<ExecView>,
    /// The `auth-provider` plugin's name, when set.
    pub auth_provider: Option<String>,
    /// `as`: the user to impersonate, when set.
    pub impersonate: Option<String>,
    /// `as-groups`: the groups to impersonate.
    pub impersonate_groups: Vec<String>,
    /// The file it is defined in.
    pub file: PathBuf,
    /// The line of its `name`.
    pub line: u32,
}

/// A client key, described (never shown).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    /// Where the key was read from.
    pub source: Source,
    /// Its container format and algorithm.
    #[serde(flatten)]
    pub key: KeyInfo,
    /// None when there is no certificate, or the check could not be made.
    pub matches_certificate: Option<bool>,
}

/// A token is described, never shown.
#[derive(Clone, Debug, Serialize)]
pub struct TokenView {
    /// `jwt`, `bootstrap` or `opaque`.
    pub kind: &'static str,
    /// The token's length in bytes.
    pub length: usize,
    /// The user a bootstrap token authenticates as.
    pub user: Option<String>,
}

/// The `exec` plugin of a user.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecView {
    /// `command`: the program run.
    pub command: String,
    /// `args`: its arguments.
    pub args: Vec<String>,
    /// Names only: values may be secrets.
    pub env: Vec<String>,
    /// `apiVersion`: the ExecCredential version it speaks.
    pub api_version: String,
    /// `provideClusterInfo`: whether cluster details are passed to it.
    pub provide_cluster_info: bool,
}

/// Inspects `cfg` as of `now` (Unix seconds).
pub fn inspect(cfg: &Kubeconfig, now: i64) -> Inspection {
    let mut chk = Checker::new(now);
    let mut cluster_cas: Vec<(String, Vec<Parsed>)> = Vec::new();
    let clusters = cfg
        .clusters
        .iter()
        .map(|c| {
            let (view, cas) = cluster(&mut chk, c);
            cluster_cas.push((c.name.clone(), cas));
            view
        })
        .collect();
    let mut user_certs: Vec<(String, Vec<Parsed>)> = Vec::new();
    let users = cfg
        .users
        .iter()
        .map(|u| {
            let (view, certs) = user(&mut chk, u);
            user_certs.push((u.name.clone(), certs));
            view
        })
        .collect();
    let current = cfg.current_context.as_deref();
    let mut contexts = Vec::new();
    for c in &cfg.contexts {
        let cas = cluster_cas.iter().find(|(n, _)| *n == c.value.cluster);
        let certs = user_certs.iter().find(|(n, _)| *n == c.value.user);
        if let (Some((_, cas)), Some((_, certs)), Some(u)) = (cas, certs, cfg.user(&c.value.user)) {
            chk.chain(c, u, certs, cas);
        }
        contexts.push(ContextView {
            name: c.name.clone(),
            current: Some(c.name.as_str()) == current,
            cluster: c.value.cluster.clone(),
            user: c.value.user.clone(),
            namespace: c.value.namespace.clone(),
            file: c.origin.to_path_buf(),
            line: c.line,
        });
    }
    let files = cfg
        .files
        .iter()
        .map(|p| {
            let mode = std::fs::metadata(p).ok().as_ref().and_then(mode);
            chk.kubeconfig_file(cfg, p, mode);
            FileView {
                path: p.clone(),
                mode,
            }
        })
        .collect();
    Inspection {
        files,
        skipped: cfg.skipped.clone(),
        current_context: cfg.current_context.clone(),
        contexts,
        clusters,
        users,
        findings: chk.findings,
        problems: chk.problems,
    }
}

fn cluster(chk: &mut Checker, c: &Named<Cluster>) -> (ClusterView, Vec<Parsed>) {
    let v = &c.value;
    chk.cluster(c);
    let fetched = fetch(
        c,
        "certificate-authority",
        v.certificate_authority_data.as_deref(),
        v.certificate_authority.as_deref(),
    );
    let (certificate_authority, cas) = certs(chk, c, "clusters", fetched, false);
    let view = ClusterView {
        name: c.name.clone(),
        server: v.server.clone(),
        insecure_skip_tls_verify: v.insecure_skip_tls_verify,
        tls_server_name: v.tls_server_name.clone(),
        proxy_url: v.proxy_url.clone(),
        certificate_authority,
        file: c.origin.to_path_buf(),
        line: c.line,
    };
    (view, cas)
}

fn user(chk: &mut Checker, u: &Named<AuthInfo>) -> (UserView, Vec<Parsed>) {
    let v = &u.value;
    chk.user_credentials(u);
    let fetched = fetch(
        u,
        "client-certificate",
        v.client_certificate_data.as_deref(),
        v.client_certificate.as_deref(),
    );
    let (client_certificate, parsed) = certs(chk, u, "users", fetched, true);
    let key_fetched = fetch(
        u,
        "client-key",
        v.client_key_data.as_deref(),
        v.client_key.as_deref(),
    );
    let client_key = key(chk, u, key_fetched, parsed.first());
    let token_file = match v.token_file.as_deref() {
        Some(p) if !p.is_empty() => match fetch(u, "tokenFile", None, Some(p)) {
            Fetched::Missing(s) => {
                chk.missing(u, "users", &s);
                Some(s)
            }
            Fetched::Bytes(s, _) => {
                chk.permissions(u, "users", &s, true);
                Some(s)
            }
            Fetched::Bad(s, m) => {
                chk.problem(u, "users", &s, m);
                Some(s)
            }
            Fetched::Absent => None,
        },
        _ => None,
    };
    let view = UserView {
        name: u.name.clone(),
        client_certificate,
        client_key,
        token: v.token.as_deref().filter(|t| !t.is_empty()).map(token),
        token_file,
        username: v.username.clone(),
        has_password: v.password.as_deref().is_some_and(|p| !p.is_empty()),
        exec: v.exec.as_ref().map(|e| ExecView {
            command: e.command.clone(),
            args: e.args.clone(),
            env: e.env.iter().map(|x| x.name.clone()).collect(),
            api_version: e.api_version.clone(),
            provide_cluster_info: e.provide_cluster_info,
        }),
        auth_provider: v.auth_provider.as_ref().map(|a| a.name.clone()),
        impersonate: v.impersonate.clone(),
        impersonate_groups: v.impersonate_groups.clone().unwrap_or_default(),
        file: u.origin.to_path_buf(),
        line: u.line,
    };
    (view, parsed)
}

/// Decodes a certificate field and runs the per-certificate checks.
fn certs<T>(
    chk: &mut Checker,
    entry: &Named<T>,
    section: &str,
    fetched: Fetched,
    client: bool,
) -> (Option<CertSet>, Vec<Parsed>) {
    let (source, bytes) = match fetched {
        Fetched::Absent => return (None, Vec::new()),
        Fetched::Missing(s) => {
            chk.missing(entry, section, &s);
            return (None, Vec::new());
        }
        Fetched::Bad(s, m) => {
            chk.problem(entry, section, &s, m);
            return (None, Vec::new());
        }
        Fetched::Bytes(s, b) => (s, b),
    };
    chk.permissions(entry, section, &source, false);
    match parse_certificates(&bytes) {
        Ok(parsed) => {
            for (i, p) in parsed.iter().enumerate() {
                chk.certificate(entry, section, &source, &p.info, client && i == 0);
            }
            let certificates = parsed.iter().map(|p| p.info.clone()).collect();
            (
                Some(CertSet {
                    source,
                    certificates,
                }),
                parsed,
            )
        }
        Err(m) => {
            chk.problem(entry, section, &source, m);
            (None, Vec::new())
        }
    }
}

fn key(
    chk: &mut Checker,
    u: &Named<AuthInfo>,
    fetched: Fetched,
    leaf: Option<&Parsed>,
) -> Option<KeyView> {
    let (source, bytes) = match fetched {
        Fetched::Absent => return None,
        Fetched::Missing(s) => {
            chk.missing(u, "users", &s);
            return None;
        }
        Fetched::Bad(s, m) => {
            chk.problem(u, "users", &s, m);
            return None;
        }
        Fetched::Bytes(s, b) => (s, b),
    };
    chk.permissions(u, "users", &source, true);
    let parsed: Result<(PrivateKey, KeyInfo), String> =
        parse_private_key(&bytes).and_then(|k| k.info().map(|i| (k, i)));
    let (k, info) = match parsed {
        Ok(x) => x,
        Err(m) => {
            chk.problem(u, "users", &source, m);
            return None;
        }
    };
    let matches_certificate = match leaf.map(|l| k.check(&l.der)) {
        Some(KeyMatch::Matches) => Some(true),
        Some(KeyMatch::Mismatch) => {
            chk.key_mismatch(u, &source);
            Some(false)
        }
        Some(KeyMatch::Unchecked(_)) | None => None,
    };
    Some(KeyView {
        source,
        key: info,
        matches_certificate,
    })
}

/// Classifies a bearer token by shape; its value is never kept.
fn token(t: &str) -> TokenView {
    let parts: Vec<&str> = t.split('.').collect();
    let is_bootstrap = matches!(parts.as_slice(), [id, secret]
        if id.len() == 6 && secret.len() == 16
            && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.'));
    let (kind, user) = if is_bootstrap {
        let id = parts.first().copied().unwrap_or_default();
        ("bootstrap", Some(format!("{BOOTSTRAP_USER_PREFIX}{id}")))
    } else if parts.len() == 3 && parts.iter().all(|p| !p.is_empty()) {
        ("jwt", None)
    } else {
        ("opaque", None)
    };
    TokenView {
        kind,
        length: t.len(),
        user,
    }
}
