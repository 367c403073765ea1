//! A throwaway PKI built at test time: a minikube-like CA, client certificates, and a
//! kubeconfig writer, for the kubeconfig tests of the library and of the CLI; and
//! self-signed server certificates for the TLS servers' tests. Nothing here is a real
//! secret.

use std::path::{Path, PathBuf};

use base64::Engine;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType, SignatureAlgorithm,
};
use rustls_pki_types::CertificateDer;
use time::{Duration, OffsetDateTime};

/// A self-signed CA, able to issue client certificates.
pub struct Ca {
    /// The CA certificate, PEM.
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A client certificate and its private key.
pub struct Leaf {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PEM (PKCS#8).
    pub key_pem: String,
}

/// Now, in Unix seconds (what `kubeconfig::inspect` takes).
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// A CA named `cn`, valid from yesterday for ten years.
pub fn ca(cn: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(3650);
    let pem = p.self_signed(&key).unwrap().pem();
    Ca {
        pem,
        issuer: Issuer::new(p, key),
    }
}

/// Options for a client certificate; the defaults make a healthy one.
pub struct ClientSpec<'a> {
    /// Subject CN: the user the API server sees.
    pub cn: &'a str,
    /// Subject O: the group, if any.
    pub org: Option<&'a str>,
    /// notBefore, in days from today (negative: in the past).
    pub valid_from_days: i64,
    /// notAfter, in days from today.
    pub valid_to_days: i64,
    /// Key and signature algorithm.
    pub alg: &'static SignatureAlgorithm,
    /// Extended key usages (clientAuth by default).
    pub eku: Vec<ExtendedKeyUsagePurpose>,
}

impl<'a> ClientSpec<'a> {
    /// A healthy client certificate for `cn` in `org`: ECDSA P-256, clientAuth, valid
    /// from yesterday for a year.
    pub fn new(cn: &'a str, org: Option<&'a str>) -> Self {
        ClientSpec {
            cn,
            org,
            valid_from_days: -1,
            valid_to_days: 365,
            alg: &rcgen::PKCS_ECDSA_P256_SHA256,
            eku: vec![ExtendedKeyUsagePurpose::ClientAuth],
        }
    }
}

/// A client certificate as `spec` says, issued by `ca`.
pub fn client(ca: &Ca, spec: ClientSpec) -> Leaf {
    let key = KeyPair::generate_for(spec.alg).unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, spec.cn);
    if let Some(o) = spec.org {
        p.distinguished_name.push(DnType::OrganizationName, o);
    }
    p.subject_alt_names = vec![SanType::DnsName("admin.example".try_into().unwrap())];
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    p.extended_key_usages = spec.eku;
    let today = OffsetDateTime::now_utc();
    p.not_before = today + Duration::days(spec.valid_from_days);
    p.not_after = today + Duration::days(spec.valid_to_days);
    let cert = p.signed_by(&key, &ca.issuer).unwrap();
    Leaf {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// A server certificate for `localhost` and 127.0.0.1, issued by `ca`.
pub fn server(ca: &Ca) -> Leaf {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    p.subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    p.distinguished_name.push(DnType::CommonName, "localhost");
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = p.signed_by(&key, &ca.issuer).unwrap();
    Leaf {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// kubeadm's admin: `kubernetes-admin` in `kubeadm:cluster-admins`.
pub fn admin(ca: &Ca) -> Leaf {
    client(
        ca,
        ClientSpec::new("kubernetes-admin", Some("kubeadm:cluster-admins")),
    )
}

/// Standard base64, as kubeconfig `*-data` fields hold PEM text.
pub fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A one-context kubeconfig with embedded CA, certificate and key.
pub fn embedded(ca_pem: &str, leaf: &Leaf) -> String {
    format!(
        "apiVersion: v1
kind: Config
current-context: admin@minikube
clusters:
- name: minikube
  cluster:
    server: https://192.0.2.10:8443
    certificate-authority-data: {}
contexts:
- name: admin@minikube
  context:
    cluster: minikube
    user: admin
    namespace: default
users:
- name: admin
  user:
    client-certificate-data: {}
    client-key-data: {}
",
        b64(ca_pem),
        b64(&leaf.cert_pem),
        b64(&leaf.key_pem)
    )
}

/// A self-signed server certificate for `localhost` and 127.0.0.1, written to files.
pub struct ServerCert {
    /// The certificate file, PEM.
    pub cert: PathBuf,
    /// The private key file, PEM.
    pub key: PathBuf,
    /// The certificate, DER: the one root a test client trusts.
    pub der: CertificateDer<'static>,
}

/// A fresh self-signed server certificate and key, written to `dir/STEM.crt` and
/// `dir/STEM.key`.
pub fn server_cert(dir: &Path, stem: &str) -> ServerCert {
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("rcgen");
    let cert = dir.join(format!("{stem}.crt"));
    let key = dir.join(format!("{stem}.key"));
    std::fs::write(&cert, ck.cert.pem()).expect("write cert");
    std::fs::write(&key, ck.signing_key.serialize_pem()).expect("write key");
    ServerCert {
        cert,
        key,
        der: ck.cert.der().clone(),
    }
}

/// Writes `text` to `dir/name` with `mode` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p
}
