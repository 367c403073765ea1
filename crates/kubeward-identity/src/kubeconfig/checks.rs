//! The checks behind the findings, fed by [`super::inspect`] one field at a time.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use x509_parser::certificate::X509Certificate;

use super::cert::{CertInfo, Parsed};
use super::findings::{self as f, Finding, Problem};
use super::load::{Kubeconfig, Named};
use super::material::Source;
use super::model::{AuthInfo, Cluster, Context};
use crate::names::SYSTEM_MASTERS;

/// kubeadm renews at 1 year; 30 days is the window the issue asks to flag.
const EXPIRY_WARNING_SECS: i64 = 30 * 24 * 3600;

pub(crate) struct Checker {
    now: i64,
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
    /// (user, cluster) pairs already chain-checked: several contexts may share one.
    chained: HashSet<(String, String)>,
}

fn field_path<T>(section: &str, entry: &Named<T>, field: &str) -> String {
    format!("{section}[{}].{field}", entry.name)
}

impl Checker {
    pub fn new(now: i64) -> Self {
        Checker {
            now,
            findings: Vec::new(),
            problems: Vec::new(),
            chained: HashSet::new(),
        }
    }

    fn push<T>(
        &mut self,
        rule: f::Rule,
        entry: &Named<T>,
        section: &str,
        field: &str,
        message: String,
    ) {
        self.findings.push(Finding::new(
            rule,
            message,
            entry.origin.to_path_buf(),
            Some(entry.line_of(field)),
            field_path(section, entry, field),
        ));
    }

    pub fn problem<T>(
        &mut self,
        entry: &Named<T>,
        section: &str,
        source: &Source,
        message: String,
    ) {
        let field = source.field();
        let hint = if field.ends_with("-data") {
            "a `*-data` field holds base64 of the PEM text: regenerate it with `base64 -w0 < file.pem`"
        } else {
            "the file must hold PEM text (a CERTIFICATE or a PRIVATE KEY block); check the path"
        };
        self.problems.push(Problem {
            file: entry.origin.to_path_buf(),
            line: Some(entry.line_of(field)),
            field: field_path(section, entry, field),
            message,
            hint,
        });
    }

    pub fn cluster(&mut self, c: &Named<Cluster>) {
        if c.value.insecure_skip_tls_verify {
            let m = format!(
                "cluster {} does not verify the API server's certificate: anyone on the path can impersonate it and collect the credentials sent to it",
                c.name
            );
            self.push(
                f::INSECURE_SKIP_TLS_VERIFY,
                c,
                "clusters",
                "insecure-skip-tls-verify",
                m,
            );
        }
        if c.value.server.to_ascii_lowercase().starts_with("http://") {
            let m = format!(
                "cluster {} is reached over plain HTTP ({})",
                c.name, c.value.server
            );
            self.push(f::PLAINTEXT_SERVER, c, "clusters", "server", m);
        }
    }

    pub fn user_credentials(&mut self, u: &Named<AuthInfo>) {
        let v = &u.value;
        if v.token.as_deref().is_some_and(|t| !t.is_empty()) {
            let m = format!(
                "user {} has a bearer token stored in the kubeconfig",
                u.name
            );
            self.push(f::STATIC_TOKEN, u, "users", "token", m);
        }
        if v.password.as_deref().is_some_and(|p| !p.is_empty()) {
            let m = format!(
                "user {} has a basic-auth password stored in the kubeconfig",
                u.name
            );
            self.push(f::BASIC_AUTH, u, "users", "password", m);
        }
        if let Some(exec) = &v.exec {
            let m = format!(
                "user {} runs `{}` to get credentials every time this kubeconfig is used",
                u.name, exec.command
            );
            self.push(f::EXEC_PLUGIN, u, "users", "exec", m);
            // clientcmd resolves a command with a path separator against the file's directory.
            if exec.command.contains('/') && !u.resolve(&exec.command).exists() {
                let p = u.resolve(&exec.command);
                let m = format!(
                    "user {}: exec command {} does not exist",
                    u.name,
                    p.display()
                );
                self.push(f::MISSING_FILE, u, "users", "exec", m);
            }
        }
    }

    pub fn missing<T>(&mut self, entry: &Named<T>, section: &str, source: &Source) {
        if let Source::File { field, path, .. } = source {
            let m = format!("{} names {}, which does not exist", field, path.display());
            self.push(f::MISSING_FILE, entry, section, field, m);
        }
    }

    /// `secret`: the file holds a key or token, so group-readable is already too wide.
    pub fn permissions<T>(
        &mut self,
        entry: &Named<T>,
        section: &str,
        source: &Source,
        secret: bool,
    ) {
        let Source::File {
            field,
            path,
            mode: Some(mode),
        } = source
        else {
            return;
        };
        if secret && mode & 0o044 != 0 {
            let m = format!(
                "{} holds a secret and is readable by others (mode {mode:04o})",
                path.display()
            );
            self.push(f::SECRET_READABLE, entry, section, field, m);
        } else if mode & 0o004 != 0 {
            let m = format!(
                "{} is readable by every user (mode {mode:04o})",
                path.display()
            );
            self.push(f::WORLD_READABLE, entry, section, field, m);
        }
    }

    /// The kubeconfig itself: a secret store when it embeds keys, tokens or passwords.
    pub fn kubeconfig_file(&mut self, cfg: &Kubeconfig, path: &Path, mode: Option<u32>) {
        let Some(mode) = mode else { return };
        let embeds_secret = cfg.users.iter().any(|u| {
            let v = &u.value;
            &*u.origin == path
                && [&v.client_key_data, &v.token, &v.password]
                    .iter()
                    .any(|s| s.as_deref().is_some_and(|s| !s.is_empty()))
        });
        let (rule, m) = if embeds_secret && mode & 0o044 != 0 {
            let m = format!(
                "{} embeds keys, tokens or passwords and is readable by others (mode {mode:04o})",
                path.display()
            );
            (f::SECRET_READABLE, m)
        } else if mode & 0o004 != 0 {
            (
                f::WORLD_READABLE,
                format!(
                    "{} is readable by every user (mode {mode:04o})",
                    path.display()
                ),
            )
        } else {
            return;
        };
        self.findings.push(Finding::new(
            rule,
            m,
            PathBuf::from(path),
            None,
            "(file)".to_owned(),
        ));
    }

    pub fn certificate<T>(
        &mut self,
        entry: &Named<T>,
        section: &str,
        source: &Source,
        c: &CertInfo,
        client_leaf: bool,
    ) {
        let field = source.field();
        let subject = &c.subject;
        let left = c.not_after_unix.saturating_sub(self.now);
        if left <= 0 {
            let m = format!("certificate {subject} expired on {}", c.not_after);
            self.push(f::EXPIRED, entry, section, field, m);
        } else if self.now < c.not_before_unix {
            let m = format!("certificate {subject} is not valid before {}", c.not_before);
            self.push(f::NOT_YET_VALID, entry, section, field, m);
        } else if left < EXPIRY_WARNING_SECS {
            let m = format!(
                "certificate {subject} expires on {} ({} days left)",
                c.not_after,
                left / 86_400
            );
            self.push(f::EXPIRING, entry, section, field, m);
        }
        if !client_leaf {
            return;
        }
        if c.identity.groups.iter().any(|g| g == SYSTEM_MASTERS) {
            let user = c.identity.user.as_deref().unwrap_or("(no CN)");
            let life = if left > 0 {
                format!(
                    "valid for {} more days, until {}",
                    left / 86_400,
                    c.not_after
                )
            } else {
                "expired".to_owned()
            };
            let m = format!(
                "client certificate of {user} is in group {SYSTEM_MASTERS}: it bypasses RBAC and cannot be revoked short of rotating the cluster CA ({life})"
            );
            self.push(f::SYSTEM_MASTERS, entry, section, field, m);
        }
        let eku = &c.extended_key_usage;
        if !eku.is_empty() && !eku.iter().any(|e| e == "clientAuth" || e == "any") {
            let m = format!(
                "client certificate {subject} lacks extended key usage clientAuth (has {})",
                eku.join(", ")
            );
            self.push(f::NO_CLIENT_AUTH_EKU, entry, section, field, m);
        }
    }

    pub fn key_mismatch(&mut self, u: &Named<AuthInfo>, source: &Source) {
        let m = format!(
            "the private key of user {} is not the key of its client certificate: TLS will fail",
            u.name
        );
        self.push(f::KEY_MISMATCH, u, "users", source.field(), m);
    }

    /// Whether the client certificate chains to the CA of the context's cluster.
    pub fn chain(
        &mut self,
        ctx: &Named<Context>,
        u: &Named<AuthInfo>,
        certs: &[Parsed],
        cas: &[Parsed],
    ) {
        if certs.is_empty() || cas.is_empty() {
            return;
        }
        if !self
            .chained
            .insert((ctx.value.user.clone(), ctx.value.cluster.clone()))
        {
            return;
        }
        if chains_to(certs, cas) {
            return;
        }
        let field = if u
            .value
            .client_certificate_data
            .as_deref()
            .is_some_and(|d| !d.is_empty())
        {
            "client-certificate-data"
        } else {
            "client-certificate"
        };
        let m = format!(
            "the client certificate of user {} is not signed by the CA of cluster {} (context {}); if the API server trusts that CA only, it will reject this certificate",
            u.name, ctx.value.cluster, ctx.name
        );
        self.push(f::NOT_SIGNED_BY_CA, u, "users", field, m);
    }
}

/// Leaf, then the extra certificates of the client field as intermediates, up to any CA of
/// the bundle; each link is an issuer-name match and a signature ring verifies.
fn chains_to(certs: &[Parsed], cas: &[Parsed]) -> bool {
    let chain = parse_all(certs);
    let anchors = parse_all(cas);
    let Some((leaf, intermediates)) = chain.split_first() else {
        return false;
    };
    let mut current = leaf;
    for _ in 0..=intermediates.len() {
        if anchors.iter().any(|a| issued(current, a)) {
            return true;
        }
        match intermediates
            .iter()
            .find(|i| i.is_ca() && issued(current, i))
        {
            Some(next) => current = next,
            None => return false,
        }
    }
    false
}

fn parse_all(p: &[Parsed]) -> Vec<X509Certificate<'_>> {
    p.iter()
        .filter_map(|c| {
            x509_parser::parse_x509_certificate(&c.der)
                .ok()
                .map(|(_, x)| x)
        })
        .collect()
}

fn issued(child: &X509Certificate, parent: &X509Certificate) -> bool {
    child.issuer().as_raw() == parent.subject().as_raw()
        && child.verify_signature(Some(parent.public_key())).is_ok()
}
