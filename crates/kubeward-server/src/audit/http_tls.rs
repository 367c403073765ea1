//! The TLS side of the HTTP alert output: whom to trust (a CA bundle or the system's
//! roots), the client certificate for mutual TLS, and the `insecure` escape hatch, as
//! Falco's `http_output` offers them.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::config::HttpOutputConfig;

/// The client configuration for an `https://` alert URL.
pub fn client_config(cfg: &HttpOutputConfig) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = if cfg.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnything(
                provider.signature_verification_algorithms,
            )))
    } else {
        builder.with_root_certificates(roots(cfg.ca_bundle.as_deref(), cfg.ca_path.as_deref())?)
    };
    match &cfg.client_cert {
        Some((cert, key)) => {
            let chain = certificates(cert)?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| format!("client key {}: {e}", key.display()))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| format!("client certificate {}: {e}", cert.display()))
        }
        None => Ok(builder.with_no_client_auth()),
    }
}

/// A configuration that trusts no server, for an `http://` URL, where TLS is never used.
pub fn trusting_nothing() -> Result<ClientConfig, String> {
    Ok(
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(RootCertStore::empty())
            .with_no_client_auth(),
    )
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate in it", path.display()));
    }
    Ok(certs)
}

fn roots(bundle: Option<&Path>, dir: Option<&Path>) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match (bundle, dir) {
        (Some(path), _) => {
            for cert in certificates(path)? {
                store
                    .add(cert)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        (None, Some(dir)) => {
            store.add_parsable_certificates(directory_certificates(dir)?);
            if store.is_empty() {
                return Err(format!(
                    "{}: no CA certificate in its files; give the receiver's CA bundle",
                    dir.display()
                ));
            }
        }
        (None, None) => {
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                return Err(
                    "no system CA certificates found; give the receiver's CA bundle".to_owned(),
                );
            }
        }
    }
    Ok(store)
}

/// Files read from a CA directory at most; a certificate store holds a few hundred.
const MAX_CA_FILES: usize = 4096;
/// Larger files in a CA directory are not certificate files (a system bundle is ~200 KiB).
const MAX_CA_FILE_BYTES: u64 = 4 << 20;

/// The PEM certificates of every regular file in `dir` (curl's CAPATH, without needing
/// OpenSSL's hashed names); files that hold none are skipped.
fn directory_certificates(dir: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.len() <= MAX_CA_FILE_BYTES)
        })
        .take(MAX_CA_FILES)
        .collect();
    paths.sort();
    let mut certs = Vec::new();
    for path in paths {
        if let Ok(iter) = CertificateDer::pem_file_iter(&path) {
            certs.extend(iter.filter_map(Result::ok));
        }
    }
    Ok(certs)
}

/// `insecure`: every certificate is accepted, signatures are still checked.
#[derive(Debug)]
struct AcceptAnything(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
