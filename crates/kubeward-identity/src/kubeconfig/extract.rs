//! `extract`: the PEM of one context's CA, client certificate or client key, exactly as
//! kubectl would use it (embedded data wins over a path).

use super::Error;
use super::cert::parse_certificates;
use super::key::parse_private_key;
use super::load::{Kubeconfig, Named};
use super::material::{Fetched, Source, fetch};

/// What to extract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Material {
    /// The cluster's CA certificates (`certificate-authority` or `-data`).
    CertificateAuthority,
    /// The user's client certificate (`client-certificate` or `-data`).
    ClientCertificate,
    /// The user's private key (`client-key` or `-data`).
    ClientKey,
}

/// The PEM of `what` for `context` (else the current context), checked to be what it
/// claims: certificates must parse, and a key must be a private key.
pub fn extract(
    cfg: &Kubeconfig,
    context: Option<&str>,
    what: Material,
) -> Result<(Source, Vec<u8>), Error> {
    let name = match context.or(cfg.current_context.as_deref()) {
        Some(n) => n,
        None => {
            return Err(Error::Missing(
                "no --context given and no current-context set".to_owned(),
            ));
        }
    };
    let ctx = cfg
        .context(name)
        .ok_or_else(|| Error::Missing(format!("context {name:?} is not defined")))?;
    let fetched = match what {
        Material::CertificateAuthority => {
            let c = lookup(
                cfg.cluster(&ctx.value.cluster),
                "cluster",
                &ctx.value.cluster,
            )?;
            let v = &c.value;
            (
                c.origin.clone(),
                fetch(
                    c,
                    "certificate-authority",
                    v.certificate_authority_data.as_deref(),
                    v.certificate_authority.as_deref(),
                ),
            )
        }
        Material::ClientCertificate | Material::ClientKey => {
            let u = lookup(cfg.user(&ctx.value.user), "user", &ctx.value.user)?;
            let v = &u.value;
            let f = if what == Material::ClientKey {
                fetch(
                    u,
                    "client-key",
                    v.client_key_data.as_deref(),
                    v.client_key.as_deref(),
                )
            } else {
                fetch(
                    u,
                    "client-certificate",
                    v.client_certificate_data.as_deref(),
                    v.client_certificate.as_deref(),
                )
            };
            (u.origin.clone(), f)
        }
    };
    let (origin, fetched) = fetched;
    let field_err = |source: &Source, message: String| Error::Field {
        path: match source {
            Source::Embedded { file, .. } => file.clone(),
            Source::File { .. } => origin.to_path_buf(),
        },
        field: source.field().to_owned(),
        message,
    };
    let (source, bytes) = match fetched {
        Fetched::Absent => {
            return Err(Error::Missing(format!(
                "context {name:?} has no {}",
                describe(what)
            )));
        }
        Fetched::Missing(s) => {
            let m = match &s {
                Source::File { path, .. } => format!("{} does not exist", path.display()),
                Source::Embedded { .. } => "missing".to_owned(),
            };
            return Err(field_err(&s, m));
        }
        Fetched::Bad(s, m) => return Err(field_err(&s, m)),
        Fetched::Bytes(s, b) => (s, b),
    };
    let checked = match what {
        Material::ClientKey => parse_private_key(&bytes).map(|_| ()),
        _ => parse_certificates(&bytes).map(|_| ()),
    };
    checked.map_err(|m| field_err(&source, m))?;
    Ok((source, bytes))
}

fn lookup<'a, T>(
    found: Option<&'a Named<T>>,
    what: &str,
    name: &str,
) -> Result<&'a Named<T>, Error> {
    found.ok_or_else(|| Error::Missing(format!("{what} {name:?} is not defined")))
}

fn describe(what: Material) -> &'static str {
    match what {
        Material::CertificateAuthority => "certificate-authority(-data)",
        Material::ClientCertificate => "client-certificate(-data)",
        Material::ClientKey => "client-key(-data)",
    }
}
