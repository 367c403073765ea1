//! `inspect` on kubeconfigs built around a PKI made at test time: every finding fires on
//! its case and stays quiet on the near miss.

use kubeward_testkit::pki as kubeconfig_pki;

use std::path::Path;

use kubeconfig_pki::{ClientSpec, Leaf, admin, b64, ca, client, embedded, now, write};
use kubeward_identity::kubeconfig::{Inspection, Severity, inspect, parse};

fn run(text: &str) -> Inspection {
    let cfg = parse(Path::new("/nonexistent/config"), text).unwrap();
    inspect(&cfg, now())
}

fn ids(i: &Inspection) -> Vec<&'static str> {
    i.findings.iter().map(|f| f.id).collect()
}

#[test]
fn healthy_admin_kubeconfig_is_clean_and_fully_described() {
    let ca = ca("minikubeCA");
    let leaf = admin(&ca);
    let i = run(&embedded(&ca.pem, &leaf));
    assert!(i.findings.is_empty(), "{:#?}", i.findings);
    assert!(i.problems.is_empty(), "{:#?}", i.problems);
    assert_eq!(i.current_context.as_deref(), Some("admin@minikube"));
    let ctx = &i.contexts[0];
    assert!(ctx.current);
    assert_eq!(
        (ctx.cluster.as_str(), ctx.user.as_str()),
        ("minikube", "admin")
    );

    let ca_set = i.clusters[0].certificate_authority.as_ref().unwrap();
    assert_eq!(ca_set.source.field(), "certificate-authority-data");
    assert_eq!(ca_set.certificates[0].subject, "CN=minikubeCA");
    assert!(ca_set.certificates[0].is_ca);

    let u = &i.users[0];
    let cert = &u.client_certificate.as_ref().unwrap().certificates[0];
    assert_eq!(
        cert.subject,
        "CN=kubernetes-admin, O=kubeadm:cluster-admins"
    );
    assert_eq!(cert.issuer, "CN=minikubeCA");
    assert_eq!(cert.subject_alt_names, vec!["DNS:admin.example"]);
    assert_eq!(cert.extended_key_usage, vec!["clientAuth"]);
    assert!(
        cert.key_usage.iter().any(|k| k == "Digital Signature"),
        "{:?}",
        cert.key_usage
    );
    assert_eq!(cert.public_key.algorithm, "EC P-256");
    assert_eq!(cert.public_key.bits, 256);
    assert_eq!(cert.signature_algorithm, "ecdsa-with-SHA256");
    assert!(cert.serial.contains(':') || cert.serial.len() == 2);
    assert!(cert.not_after.ends_with('Z'), "{}", cert.not_after);
    assert_eq!(cert.identity.user.as_deref(), Some("kubernetes-admin"));
    assert_eq!(
        cert.identity.groups,
        vec!["kubeadm:cluster-admins", "system:authenticated"]
    );
    assert_eq!(
        cert.identity.credential_id,
        format!("X509SHA256={}", cert.sha256)
    );
    let key = u.client_key.as_ref().unwrap();
    assert_eq!(key.key.format, "PKCS#8");
    assert_eq!(key.key.algorithm, "EC P-256");
    assert_eq!(key.matches_certificate, Some(true));
}

#[test]
fn system_masters_certificate_is_critical() {
    let ca = ca("minikubeCA");
    let leaf = client(
        &ca,
        ClientSpec::new("kubernetes-super-admin", Some("system:masters")),
    );
    let i = run(&embedded(&ca.pem, &leaf));
    assert_eq!(ids(&i), vec!["KC001"]);
    let f = &i.findings[0];
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.field, "users[admin].client-certificate-data");
    assert_eq!(f.line, Some(18));
    assert!(f.message.contains("cannot be revoked"), "{}", f.message);
    assert!(f.message.contains("more days"), "{}", f.message);
}

#[test]
fn validity_windows() {
    let ca = ca("minikubeCA");
    let case = |from: i64, to: i64| {
        let mut spec = ClientSpec::new("alice", Some("dev"));
        spec.valid_from_days = from;
        spec.valid_to_days = to;
        ids(&run(&embedded(&ca.pem, &client(&ca, spec))))
    };
    assert_eq!(case(-400, -2), vec!["KC002"]);
    assert_eq!(case(-10, 10), vec!["KC003"]);
    assert_eq!(case(-10, 40), Vec::<&str>::new());
    assert_eq!(case(2, 300), vec!["KC004"]);
}

#[test]
fn certificate_from_another_ca_is_flagged() {
    let cluster_ca = ca("minikubeCA");
    let other = ca("otherCA");
    let i = run(&embedded(&cluster_ca.pem, &admin(&other)));
    assert_eq!(ids(&i), vec!["KC005"]);
    assert!(i.findings[0].message.contains("cluster minikube"));
    // A bundle that also holds the issuing CA is a near miss: every certificate is an anchor.
    let bundle = format!("{}{}", cluster_ca.pem, other.pem);
    assert!(run(&embedded(&bundle, &admin(&other))).findings.is_empty());
}

#[test]
fn mismatched_key_is_flagged() {
    let ca = ca("minikubeCA");
    let a = admin(&ca);
    let b = admin(&ca);
    let swapped = Leaf {
        cert_pem: a.cert_pem,
        key_pem: b.key_pem,
    };
    let i = run(&embedded(&ca.pem, &swapped));
    assert_eq!(ids(&i), vec!["KC006"]);
    assert_eq!(
        i.users[0].client_key.as_ref().unwrap().matches_certificate,
        Some(false)
    );
}

#[test]
fn key_matching_across_algorithms() {
    let ca = ca("minikubeCA");
    let leaf = |alg| {
        let mut s = ClientSpec::new("alice", None);
        s.alg = alg;
        client(&ca, s)
    };
    let p384 = leaf(&rcgen::PKCS_ECDSA_P384_SHA384);
    let ed = leaf(&rcgen::PKCS_ED25519);
    for (l, alg) in [(&p384, "EC P-384"), (&ed, "Ed25519")] {
        let i = run(&embedded(&ca.pem, l));
        assert!(i.findings.is_empty(), "{alg}: {:?}", i.findings);
        let u = &i.users[0];
        assert_eq!(
            u.client_certificate.as_ref().unwrap().certificates[0]
                .public_key
                .algorithm,
            alg
        );
        assert_eq!(
            u.client_key.as_ref().unwrap().matches_certificate,
            Some(true)
        );
    }
    // A key of another algorithm is a mismatch, not an error.
    let cross = Leaf {
        cert_pem: p384.cert_pem.clone(),
        key_pem: ed.key_pem.clone(),
    };
    assert_eq!(ids(&run(&embedded(&ca.pem, &cross))), vec!["KC006"]);
}

#[test]
fn sec1_ec_key_is_read_and_matched() {
    // Convert rcgen's PKCS#8 into the SEC1 `EC PRIVATE KEY` that openssl and kubeadm write.
    use pkcs8_roundtrip::to_sec1_pem;
    let ca = ca("minikubeCA");
    let leaf = admin(&ca);
    let sec1 = Leaf {
        cert_pem: leaf.cert_pem.clone(),
        key_pem: to_sec1_pem(&leaf.key_pem),
    };
    let i = run(&embedded(&ca.pem, &sec1));
    assert!(i.findings.is_empty(), "{:?}", i.findings);
    let key = i.users[0].client_key.as_ref().unwrap();
    assert_eq!(
        (key.key.format.as_str(), key.key.algorithm.as_str()),
        ("SEC1", "EC P-256")
    );
    assert_eq!(key.matches_certificate, Some(true));
    let other = to_sec1_pem(&admin(&ca).key_pem);
    let bad = Leaf {
        cert_pem: leaf.cert_pem,
        key_pem: other,
    };
    assert_eq!(ids(&run(&embedded(&ca.pem, &bad))), vec!["KC006"]);
}

mod pkcs8_roundtrip {
    /// The SEC1 key inside a PKCS#8 PEM, re-armoured (test-only plumbing, no crypto).
    pub fn to_sec1_pem(pkcs8_pem: &str) -> String {
        use base64::Engine;
        let body: String = pkcs8_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        let info = pkcs8::PrivateKeyInfoRef::try_from(der.as_slice()).unwrap();
        // ring leaves the curve to the PKCS#8 wrapper; openssl writes it into SEC1.
        let mut key = sec1::EcPrivateKey::try_from(info.private_key.as_bytes()).unwrap();
        let p256 = pkcs8::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
        key.parameters = Some(sec1::EcParameters::NamedCurve(p256));
        let mut buf = [0u8; 256];
        let sec1 = pkcs8::der::Encode::encode_to_slice(&key, &mut buf).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(sec1);
        format!("-----BEGIN EC PRIVATE KEY-----\n{b64}\n-----END EC PRIVATE KEY-----\n")
    }
}

#[test]
fn client_certificate_without_client_auth() {
    let ca = ca("minikubeCA");
    let mut spec = ClientSpec::new("alice", None);
    spec.eku = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    assert_eq!(
        ids(&run(&embedded(&ca.pem, &client(&ca, spec)))),
        vec!["KC015"]
    );
    // No EKU extension at all means any usage to Go.
    let mut spec = ClientSpec::new("alice", None);
    spec.eku = vec![];
    assert!(
        run(&embedded(&ca.pem, &client(&ca, spec)))
            .findings
            .is_empty()
    );
}

fn cluster_with(extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://192.0.2.1:6443\n{extra}"
    )
}

#[test]
fn insecure_skip_tls_verify() {
    let i = run(&cluster_with("    insecure-skip-tls-verify: true\n"));
    assert_eq!(ids(&i), vec!["KC007"]);
    assert_eq!(i.findings[0].severity, Severity::High);
    assert_eq!(i.findings[0].line, Some(7));
    // YAML 1.1, as client-go reads it: `yes` is true.
    assert_eq!(
        ids(&run(&cluster_with("    insecure-skip-tls-verify: yes\n"))),
        vec!["KC007"]
    );
    assert!(
        run(&cluster_with("    insecure-skip-tls-verify: false\n"))
            .findings
            .is_empty()
    );
}

#[test]
fn plaintext_server() {
    let text = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://192.0.2.1:8080\n";
    assert_eq!(ids(&run(text)), vec!["KC014"]);
    assert!(run(&cluster_with("")).findings.is_empty());
}

fn user_with(fields: &str) -> String {
    format!("apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n{fields}")
}

#[test]
fn static_tokens_and_passwords() {
    let i = run(&user_with("    token: abcdef.0123456789abcdef\n"));
    assert_eq!(ids(&i), vec!["KC008"]);
    let t = i.users[0].token.as_ref().unwrap();
    assert_eq!(
        (t.kind, t.user.as_deref()),
        ("bootstrap", Some("system:bootstrap:abcdef"))
    );
    let jwt = run(&user_with(
        "    token: eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl\n",
    ));
    assert_eq!(jwt.users[0].token.as_ref().unwrap().kind, "jwt");
    assert!(run(&user_with("    token: \"\"\n")).findings.is_empty());

    let i = run(&user_with(
        "    username: admin\n    password: not-a-real-password\n",
    ));
    assert_eq!(ids(&i), vec!["KC009"]);
    assert!(i.users[0].has_password);
    assert!(run(&user_with("    username: admin\n")).findings.is_empty());
}

#[test]
fn exec_plugins_are_reported_not_run() {
    let exec = "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws\n      args: [eks, get-token]\n      env:\n      - name: AWS_PROFILE\n        value: prod\n      interactiveMode: Never\n";
    let i = run(&user_with(exec));
    assert_eq!(ids(&i), vec!["KC010"]);
    let e = i.users[0].exec.as_ref().unwrap();
    assert_eq!((e.command.as_str(), e.args.len()), ("aws", 2));
    assert_eq!(e.env, vec!["AWS_PROFILE"]);
    // A command with a path separator resolves against the kubeconfig's directory.
    let rel = exec.replace("command: aws", "command: ./bin/get-token");
    assert_eq!(ids(&run(&user_with(&rel))), vec!["KC010", "KC011"]);
}

#[test]
fn referenced_files_resolve_relative_and_their_modes_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let ca = ca("minikubeCA");
    let leaf = admin(&ca);
    std::fs::create_dir(dir.path().join("pki")).unwrap();
    let pki = dir.path().join("pki");
    write(&pki, "ca.crt", &ca.pem, 0o644);
    write(&pki, "admin.crt", &leaf.cert_pem, 0o640);
    let key_path = write(&pki, "admin.key", &leaf.key_pem, 0o600);
    let text = "apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters:\n- name: c\n  cluster:\n    server: https://192.0.2.1:6443\n    certificate-authority: pki/ca.crt\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user:\n    client-certificate: pki/admin.crt\n    client-key: pki/admin.key\n";
    let cfg_path = write(dir.path(), "config", text, 0o600);
    let cfg = kubeward_identity::kubeconfig::load_file(&cfg_path, &Default::default()).unwrap();
    let i = inspect(&cfg, now());
    // The CA is world-readable (low, it is public); the rest are near misses.
    assert_eq!(ids(&i), vec!["KC013"]);
    assert_eq!(
        i.users[0].client_key.as_ref().unwrap().matches_certificate,
        Some(true)
    );

    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let i = inspect(&cfg, now());
    assert_eq!(ids(&i), vec!["KC013", "KC012"]);
    assert_eq!(i.findings[1].field, "users[u].client-key");

    std::fs::remove_file(&key_path).unwrap();
    let i = inspect(&cfg, now());
    assert_eq!(ids(&i), vec!["KC013", "KC011"]);
    assert!(i.findings[1].message.contains("admin.key"));
}

#[test]
fn kubeconfig_embedding_secrets_must_be_private() {
    let dir = tempfile::tempdir().unwrap();
    let ca = ca("minikubeCA");
    let text = embedded(&ca.pem, &admin(&ca));
    let p = write(dir.path(), "config", &text, 0o644);
    let cfg = kubeward_identity::kubeconfig::load_file(&p, &Default::default()).unwrap();
    let i = inspect(&cfg, now());
    assert_eq!(ids(&i), vec!["KC012"]);
    assert_eq!(i.files[0].mode, Some(0o644));
    let p = write(dir.path(), "config", &text, 0o600);
    let cfg = kubeward_identity::kubeconfig::load_file(&p, &Default::default()).unwrap();
    assert!(inspect(&cfg, now()).findings.is_empty());
}

#[test]
fn unusable_fields_are_problems_and_the_rest_is_inspected() {
    let ca = ca("minikubeCA");
    let leaf = admin(&ca);
    let good = embedded(&ca.pem, &leaf);
    let cert_b64 = b64(&leaf.cert_pem);
    let cases: Vec<(String, &str)> = vec![
        (good.replace(&cert_b64, "not%base64"), "not valid base64"),
        (
            good.replace(&cert_b64, &b64(&leaf.key_pem)),
            "not a CERTIFICATE",
        ),
        (good.replace(&cert_b64, &b64("hello")), "no PEM block"),
        (
            good.replace(&cert_b64, &b64(&truncated(&leaf.cert_pem))),
            "not a valid X.509",
        ),
    ];
    for (text, want) in cases {
        let i = run(&text);
        assert_eq!(i.problems.len(), 1, "{want}: {:?}", i.problems);
        let p = &i.problems[0];
        assert!(p.message.contains(want), "{want}: {}", p.message);
        assert_eq!(p.field, "users[admin].client-certificate-data");
        assert!(p.hint.contains("base64"));
        // The cluster CA was still decoded.
        assert!(i.clusters[0].certificate_authority.is_some());
    }
    let i = run(&good.replace(&b64(&leaf.key_pem), &b64(&leaf.cert_pem)));
    assert!(
        i.problems[0].message.contains("no PRIVATE KEY"),
        "{:?}",
        i.problems
    );
}

/// The PEM of the certificate with its DER cut in half.
fn truncated(pem: &str) -> String {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let half = base64::engine::general_purpose::STANDARD.encode(&der[..der.len() / 2]);
    format!("-----BEGIN CERTIFICATE-----\n{half}\n-----END CERTIFICATE-----\n")
}

#[test]
fn every_rule_is_documented() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/kubeconfig.md"
    ))
    .unwrap();
    kubeward_testkit::docs::assert_rules_documented(
        "docs/kubeconfig.md",
        &doc,
        2,
        "KC",
        kubeward_identity::kubeconfig::rules(),
        kubeward_identity::kubeconfig::Severity::as_str,
    );
}
