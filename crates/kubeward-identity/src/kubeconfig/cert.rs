//! Certificates: PEM blocks to the facts an operator asks `openssl x509 -text` for, and the
//! Kubernetes identity the API server's x509 authenticator derives from them.

use std::net::IpAddr;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::objects::{oid_registry, oid2sn};
use x509_parser::oid_registry::{OID_EC_P256, OID_NIST_EC_P384, OID_NIST_EC_P521, OID_SIG_ED25519};
use x509_parser::pem::Pem;
use x509_parser::public_key::PublicKey;
use x509_parser::time::ASN1Time;

use crate::names::SYSTEM_AUTHENTICATED;

/// The X.500 `UID` attribute, which the apiserver reads as the user's uid (1.33+).
const OID_UID: &str = "0.9.2342.19200300.100.1.1";

/// One certificate, decoded.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CertInfo {
    /// The subject distinguished name in one-line form (`CN=…` and `O=…` carry the user and groups).
    pub subject: String,
    /// The issuer distinguished name in one-line form.
    pub issuer: String,
    /// Hex, colon-separated, as openssl prints it.
    pub serial: String,
    /// RFC 3339, UTC.
    pub not_before: String,
    /// End of validity (`notAfter`), RFC 3339, UTC.
    pub not_after: String,
    /// `not_before` in seconds since the Unix epoch.
    #[serde(skip)]
    pub not_before_unix: i64,
    /// `not_after` in seconds since the Unix epoch.
    #[serde(skip)]
    pub not_after_unix: i64,
    /// Basic constraints say this is a CA certificate.
    pub is_ca: bool,
    /// Subject alternative names, each prefixed with its type: `DNS:`, `IP:`, `email:` or `URI:`.
    pub subject_alt_names: Vec<String>,
    /// The key usages of the keyUsage extension; empty when it is absent.
    pub key_usage: Vec<String>,
    /// Empty when the extension is absent, which Go reads as "any usage".
    pub extended_key_usage: Vec<String>,
    /// The subject public key's algorithm and size.
    pub public_key: PublicKeyInfo,
    /// The signature algorithm's short name (e.g. `sha256WithRSAEncryption`), or its OID when unknown.
    pub signature_algorithm: String,
    /// Hex SHA-256 of the DER, as in the `X509SHA256=` credential id of audit events.
    pub sha256: String,
    /// The user the API server would authenticate the certificate as.
    pub identity: Identity,
}

/// A certificate's public key.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PublicKeyInfo {
    /// `RSA`, `EC P-256`, `EC P-384`, `EC P-521`, `Ed25519`, or the OID.
    pub algorithm: String,
    /// The key size in bits (RSA modulus or curve size).
    pub bits: usize,
}

/// What the API server makes of a client certificate (`x509.CommonNameUserConversion`).
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// Subject CN; none means the request is not authenticated by this certificate.
    pub user: Option<String>,
    /// Every subject O, in order, then `system:authenticated` as the apiserver adds it.
    pub groups: Vec<String>,
    /// The subject's `UID` attribute, which the API server (1.33+) reads as the user's uid; `None` when absent.
    pub uid: Option<String>,
    /// `authentication.kubernetes.io/credential-id` in audit events.
    pub credential_id: String,
}

/// A certificate with its DER kept for signature checks.
#[derive(Clone, Debug)]
pub(crate) struct Parsed {
    pub der: Vec<u8>,
    pub info: CertInfo,
}

/// Splits PEM text into blocks. Go's loaders take only PEM, so DER is an error here too.
pub(crate) fn pem_blocks(bytes: &[u8]) -> Result<Vec<Pem>, String> {
    let mut blocks = Vec::new();
    for block in Pem::iter_from_buffer(bytes) {
        blocks.push(block.map_err(|e| format!("invalid PEM: {e}"))?);
    }
    if blocks.is_empty() {
        return Err(if bytes.first() == Some(&0x30) {
            "binary DER, not PEM text".to_owned()
        } else {
            "no PEM block (-----BEGIN ...-----) found".to_owned()
        });
    }
    Ok(blocks)
}

/// Every `CERTIFICATE` block of PEM text; any other block is an error.
pub(crate) fn parse_certificates(bytes: &[u8]) -> Result<Vec<Parsed>, String> {
    let mut out = Vec::new();
    for (i, block) in pem_blocks(bytes)?.into_iter().enumerate() {
        if block.label != "CERTIFICATE" {
            return Err(format!(
                "PEM block {} is a {}, not a CERTIFICATE",
                i + 1,
                block.label
            ));
        }
        let info = describe(&block.contents).map_err(|e| format!("certificate {}: {e}", i + 1))?;
        out.push(Parsed {
            der: block.contents,
            info,
        });
    }
    Ok(out)
}

/// Decodes one DER certificate.
pub(crate) fn describe(der: &[u8]) -> Result<CertInfo, String> {
    let (rest, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| format!("not a valid X.509 certificate: {e}"))?;
    if !rest.is_empty() {
        return Err(format!(
            "{} bytes of trailing data after the certificate",
            rest.len()
        ));
    }
    let not_before = cert.validity().not_before;
    let not_after = cert.validity().not_after;
    Ok(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: hex(cert.raw_serial(), ":"),
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        not_before_unix: not_before.timestamp(),
        not_after_unix: not_after.timestamp(),
        is_ca: cert.is_ca(),
        subject_alt_names: sans(&cert),
        key_usage: key_usage(&cert),
        extended_key_usage: extended_key_usage(&cert),
        public_key: public_key(&cert),
        signature_algorithm: oid_name(&cert.signature_algorithm.algorithm),
        sha256: hex(
            ring::digest::digest(&ring::digest::SHA256, der).as_ref(),
            "",
        ),
        identity: identity(&cert, der),
    })
}

fn identity(cert: &X509Certificate, der: &[u8]) -> Identity {
    let subject = cert.subject();
    // Go's pkix.Name keeps the last CN when there are several.
    let user = subject
        .iter_common_name()
        .filter_map(|a| a.as_str().ok())
        .last()
        .filter(|cn| !cn.is_empty())
        .map(str::to_owned);
    let mut groups: Vec<String> = subject
        .iter_organization()
        .filter_map(|a| a.as_str().ok().map(str::to_owned))
        .collect();
    if user.is_some() && !groups.iter().any(|g| g == SYSTEM_AUTHENTICATED) {
        groups.push(SYSTEM_AUTHENTICATED.to_owned());
    }
    let uid = subject
        .iter_attributes()
        .find(|a| a.attr_type().to_id_string() == OID_UID)
        .and_then(|a| a.as_str().ok())
        .map(str::to_owned);
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    Identity {
        user,
        groups,
        uid,
        credential_id: format!("X509SHA256={}", hex(digest.as_ref(), "")),
    }
}

fn sans(cert: &X509Certificate) -> Vec<String> {
    let Ok(Some(ext)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    ext.value
        .general_names
        .iter()
        .map(|name| match name {
            GeneralName::DNSName(d) => format!("DNS:{d}"),
            GeneralName::IPAddress(b) => match ip(b) {
                Some(a) => format!("IP:{a}"),
                None => format!("IP:{}", hex(b, ":")),
            },
            GeneralName::RFC822Name(e) => format!("email:{e}"),
            GeneralName::URI(u) => format!("URI:{u}"),
            other => format!("{other}"),
        })
        .collect()
}

fn ip(bytes: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Some(IpAddr::from(v4));
    }
    <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from)
}

fn key_usage(cert: &X509Certificate) -> Vec<String> {
    match cert.key_usage() {
        Ok(Some(ku)) => ku
            .value
            .to_string()
            .split(", ")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn extended_key_usage(cert: &X509Certificate) -> Vec<String> {
    let Ok(Some(eku)) = cert.extended_key_usage() else {
        return Vec::new();
    };
    let e = eku.value;
    let mut out: Vec<String> = [
        (e.any, "any"),
        (e.server_auth, "serverAuth"),
        (e.client_auth, "clientAuth"),
        (e.code_signing, "codeSigning"),
        (e.email_protection, "emailProtection"),
        (e.time_stamping, "timeStamping"),
        (e.ocsp_signing, "OCSPSigning"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| n.to_owned())
    .collect();
    out.extend(e.other.iter().map(|o| o.to_id_string()));
    out
}

fn public_key(cert: &X509Certificate) -> PublicKeyInfo {
    let spki = cert.public_key();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok());
    let (algorithm, bits) = match spki.parsed() {
        Ok(PublicKey::RSA(k)) => ("RSA".to_owned(), k.key_size()),
        Ok(PublicKey::EC(p)) => {
            let name = match curve {
                Some(c) if c == OID_EC_P256 => "EC P-256".to_owned(),
                Some(c) if c == OID_NIST_EC_P384 => "EC P-384".to_owned(),
                Some(c) if c == OID_NIST_EC_P521 => "EC P-521".to_owned(),
                Some(c) => format!("EC {}", c.to_id_string()),
                None => "EC".to_owned(),
            };
            (name, p.key_size())
        }
        // x509-parser has no Ed25519 variant: it is an unknown key of 32 bytes.
        _ if spki.algorithm.algorithm == OID_SIG_ED25519 => ("Ed25519".to_owned(), 256),
        Ok(other) => (oid_name(&spki.algorithm.algorithm), other.key_size()),
        Err(_) => (oid_name(&spki.algorithm.algorithm), 0),
    };
    PublicKeyInfo { algorithm, bits }
}

fn oid_name(oid: &x509_parser::oid_registry::Oid) -> String {
    oid2sn(oid, oid_registry()).map_or_else(|_| oid.to_id_string(), str::to_owned)
}

fn rfc3339(t: ASN1Time) -> String {
    t.to_datetime()
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

pub(crate) fn hex(bytes: &[u8], sep: &str) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(sep)
}
