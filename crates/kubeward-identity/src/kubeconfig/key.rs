//! Private keys: which kind a PEM holds, and whether it belongs to a certificate.
//!
//! ring does the arithmetic: it rebuilds the key pair from the private key and either
//! yields the public half (RSA, compared with the certificate's) or is handed the
//! certificate's public key and checks it is consistent (ECDSA, Ed25519). pkcs8 and sec1
//! only unwrap the containers ring does not read itself. Key bytes are never kept or shown.

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use serde::Serialize;
use x509_parser::certificate::X509Certificate;

use super::cert::pem_blocks;

const RSA: &str = "1.2.840.113549.1.1.1";
const EC: &str = "1.2.840.10045.2.1";
const ED25519: &str = "1.3.101.112";
const P256: &str = "1.2.840.10045.3.1.7";
const P384: &str = "1.3.132.0.34";

/// A private key, as found; only its container and algorithm are ever reported.
#[derive(Clone, Debug)]
pub(crate) struct PrivateKey {
    format: Format,
    der: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Pkcs1,
    Sec1,
    Pkcs8,
}

/// What is shown of a key.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct KeyInfo {
    /// `PKCS#1`, `SEC1` or `PKCS#8`.
    pub format: String,
    /// The key's algorithm: `RSA`, `Ed25519`, an EC curve such as `EC P-256`, or the OID when unknown.
    pub algorithm: String,
}

/// Whether a key belongs to a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeyMatch {
    Matches,
    Mismatch,
    /// The check could not be made (an algorithm or key size ring does not take).
    Unchecked(String),
}

/// Finds the private key in PEM text the way Go's `tls.X509KeyPair` does: the first
/// block labelled `PRIVATE KEY` or `… PRIVATE KEY`, skipping others such as `EC PARAMETERS`.
pub(crate) fn parse_private_key(bytes: &[u8]) -> Result<PrivateKey, String> {
    let blocks = pem_blocks(bytes)?;
    let block = blocks
        .into_iter()
        .find(|b| b.label == "PRIVATE KEY" || b.label.ends_with(" PRIVATE KEY"))
        .ok_or("no PRIVATE KEY block found (a certificate is not a key)")?;
    let format = match block.label.as_str() {
        "RSA PRIVATE KEY" => Format::Pkcs1,
        "EC PRIVATE KEY" => Format::Sec1,
        "PRIVATE KEY" => Format::Pkcs8,
        "ENCRYPTED PRIVATE KEY" => {
            return Err("the key is encrypted; kubectl cannot use it either".to_owned());
        }
        other => return Err(format!("unsupported key type {other}")),
    };
    let key = PrivateKey {
        format,
        der: block.contents,
    };
    // Parse now, so that a truncated key is an error where it is read.
    key.info()?;
    Ok(key)
}

impl PrivateKey {
    pub(crate) fn info(&self) -> Result<KeyInfo, String> {
        let (format, algorithm) = match self.format {
            Format::Pkcs1 => {
                pkcs8::der::Decode::from_der(&self.der)
                    .map(|_: pkcs8::der::asn1::AnyRef| ())
                    .map_err(|e| format!("invalid RSA key: {e}"))?;
                ("PKCS#1", "RSA".to_owned())
            }
            Format::Sec1 => {
                let k = sec1::EcPrivateKey::try_from(self.der.as_slice())
                    .map_err(|e| format!("invalid EC key: {e}"))?;
                let curve = k
                    .parameters
                    .and_then(|p| p.named_curve())
                    .map(|c| curve_name(&c.to_string()));
                ("SEC1", curve.unwrap_or_else(|| "EC".to_owned()))
            }
            Format::Pkcs8 => {
                let k = pkcs8::PrivateKeyInfoRef::try_from(self.der.as_slice())
                    .map_err(|e| format!("invalid PKCS#8 key: {e}"))?;
                let alg = match k.algorithm.oid.to_string().as_str() {
                    RSA => "RSA".to_owned(),
                    ED25519 => "Ed25519".to_owned(),
                    EC => k
                        .algorithm
                        .parameters_oid()
                        .map_or_else(|_| "EC".to_owned(), |c| curve_name(&c.to_string())),
                    other => other.to_owned(),
                };
                ("PKCS#8", alg)
            }
        };
        Ok(KeyInfo {
            format: format.to_owned(),
            algorithm,
        })
    }

    /// Whether this key is the private half of `cert_der`'s public key.
    pub(crate) fn check(&self, cert_der: &[u8]) -> KeyMatch {
        match x509_parser::parse_x509_certificate(cert_der) {
            Ok((_, cert)) => self.check_cert(&cert),
            Err(e) => KeyMatch::Unchecked(format!("certificate unreadable: {e}")),
        }
    }

    fn check_cert(&self, cert: &X509Certificate) -> KeyMatch {
        let spki = cert.public_key();
        let cert_alg = spki.algorithm.algorithm.to_id_string();
        let cert_curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .map(|o| o.to_id_string());
        let public = spki.subject_public_key.data.as_ref();
        match self.format {
            Format::Pkcs1 if cert_alg != RSA => KeyMatch::Mismatch,
            Format::Pkcs1 => rsa(RsaKeyPair::from_der(&self.der), public),
            Format::Sec1 if cert_alg != EC => KeyMatch::Mismatch,
            Format::Sec1 => ec(&self.der, None, cert_curve.as_deref(), public),
            Format::Pkcs8 => {
                let Ok(k) = pkcs8::PrivateKeyInfoRef::try_from(self.der.as_slice()) else {
                    return KeyMatch::Unchecked("invalid PKCS#8 key".to_owned());
                };
                let key_alg = k.algorithm.oid.to_string();
                if key_alg != cert_alg {
                    return KeyMatch::Mismatch;
                }
                let inner = k.private_key.as_bytes();
                match key_alg.as_str() {
                    RSA => rsa(RsaKeyPair::from_pkcs8(&self.der), public),
                    EC => {
                        let curve = k.algorithm.parameters_oid().ok().map(|c| c.to_string());
                        ec(inner, curve.as_deref(), cert_curve.as_deref(), public)
                    }
                    ED25519 => ed25519(inner, public),
                    other => KeyMatch::Unchecked(format!("key algorithm {other} not supported")),
                }
            }
        }
    }
}

fn rsa(pair: Result<RsaKeyPair, ring::error::KeyRejected>, public: &[u8]) -> KeyMatch {
    match pair {
        Ok(p) if p.public_key().as_ref() == public => KeyMatch::Matches,
        Ok(_) => KeyMatch::Mismatch,
        Err(e) => KeyMatch::Unchecked(format!("RSA key rejected by ring: {e}")),
    }
}

/// `der` is a SEC1 `ECPrivateKey`; its own curve, else the PKCS#8 one, must be the
/// certificate's.
fn ec(der: &[u8], outer_curve: Option<&str>, cert_curve: Option<&str>, public: &[u8]) -> KeyMatch {
    let Ok(k) = sec1::EcPrivateKey::try_from(der) else {
        return KeyMatch::Unchecked("invalid EC key".to_owned());
    };
    let own = k
        .parameters
        .and_then(|p| p.named_curve())
        .map(|c| c.to_string());
    let curve = own.as_deref().or(outer_curve);
    if curve.is_some() && curve != cert_curve {
        return KeyMatch::Mismatch;
    }
    let alg = match cert_curve {
        Some(P256) => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        Some(P384) => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        other => {
            let c = other.unwrap_or("unknown");
            return KeyMatch::Unchecked(format!("curve {c} not supported"));
        }
    };
    let rng = SystemRandom::new();
    match EcdsaKeyPair::from_private_key_and_public_key(alg, k.private_key, public, &rng) {
        Ok(_) => KeyMatch::Matches,
        Err(e) if e.to_string() == "InconsistentComponents" => KeyMatch::Mismatch,
        Err(e) => KeyMatch::Unchecked(format!("EC key rejected by ring: {e}")),
    }
}

/// PKCS#8 wraps the Ed25519 seed in one more OCTET STRING (RFC 8410).
fn ed25519(inner: &[u8], public: &[u8]) -> KeyMatch {
    let seed: Result<&pkcs8::der::asn1::OctetStringRef, _> = pkcs8::der::Decode::from_der(inner);
    let Ok(seed) = seed else {
        return KeyMatch::Unchecked("invalid Ed25519 key".to_owned());
    };
    match Ed25519KeyPair::from_seed_and_public_key(seed.as_bytes(), public) {
        Ok(_) => KeyMatch::Matches,
        Err(e) if e.to_string() == "InconsistentComponents" => KeyMatch::Mismatch,
        Err(e) => KeyMatch::Unchecked(format!("Ed25519 key rejected by ring: {e}")),
    }
}

fn curve_name(oid: &str) -> String {
    match oid {
        P256 => "EC P-256".to_owned(),
        P384 => "EC P-384".to_owned(),
        "1.3.132.0.35" => "EC P-521".to_owned(),
        other => format!("EC {other}"),
    }
}
