//! `kubeward webhook manifests`: what it prints deploys a restricted-compliant webhook
//! whose certificate is valid for its Service and trusted through the printed CA bundle.

use base64::Engine;
use kubeward_testkit::cli::args;
use kubeward_testkit::has;
use serde_json::Value;

use crate::common::run;

/// Prints the manifests with `extra` flags, scans them at restricted, and returns them
/// as JSON documents (read back by the manifest loader, as `scan` reads them).
///
/// The scan admits the Deployment and finds only what an operator must know: the image
/// is named by tag (until a digest is given) and, without cert-manager, the generated
/// Secret holds a private key. The three suppressed findings say why in the manifests.
fn manifests_pass_restricted(extra: &[&str]) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut manifests = vec!["webhook", "manifests"];
    manifests.extend_from_slice(extra);
    let (code, yaml, err) = run(dir.path(), &manifests).parts();
    assert_eq!(code, 0, "{err}");
    std::fs::write(dir.path().join("webhook.yaml"), &yaml).expect("write");
    let (code, out, err) = run(
        dir.path(),
        &args("scan --level restricted --format json webhook.yaml"),
    )
    .parts();
    assert_eq!(code, 0, "{out}{err}");
    let doc: Value = serde_json::from_str(&out).expect("json");
    let summary = &doc["summary"];
    assert_eq!(
        (
            &summary["workloads"],
            &summary["allowed"],
            &summary["errors"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!(1),
            &serde_json::json!(0)
        ),
        "{doc:#}"
    );
    assert_eq!(summary["suppressed"], 3, "{doc:#}");
    let mut ids: Vec<&str> = doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["lints"].as_array().into_iter().flatten())
        .filter_map(|l| l["id"].as_str())
        .collect();
    ids.sort_unstable();
    let expected: &[&str] = if extra.contains(&"--cert-manager") {
        &["WH003"]
    } else {
        &["SE001", "WH003"]
    };
    assert_eq!(ids, expected, "{doc:#}");
    crate::common::documents("webhook.yaml", &yaml)
}

fn find<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

#[test]
fn pss_manifests_pass_restricted_and_hold_every_part() {
    let docs = manifests_pass_restricted(&["--namespace", "guard"]);
    let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Secret",
            "Deployment",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Service",
            "ValidatingWebhookConfiguration"
        ]
    );
    let deploy = find(&docs, "Deployment");
    assert_eq!(deploy["metadata"]["namespace"], "guard");
    assert_eq!(deploy["spec"]["replicas"], 2);
    let pod = &deploy["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(c["securityContext"]["capabilities"]["drop"][0], "ALL");
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    assert!(c["resources"]["limits"]["memory"].is_string());
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz");
    let role = find(&docs, "ClusterRole");
    assert_eq!(
        role["rules"][0]["verbs"],
        serde_json::json!(["get", "list", "watch"])
    );
    assert_eq!(role["rules"][1]["resources"][0], "pods");
    let hook = &find(&docs, "ValidatingWebhookConfiguration")["webhooks"][0];
    assert_eq!(hook["clientConfig"]["service"]["namespace"], "guard");
    assert_eq!(hook["clientConfig"]["service"]["path"], "/validate");
    assert_eq!(hook["failurePolicy"], "Fail");
    assert_eq!(
        hook["namespaceSelector"]["matchExpressions"][0]["values"][0],
        "guard"
    );
}

#[test]
fn the_serving_certificate_is_valid_for_the_service_through_the_ca_bundle() {
    let docs = manifests_pass_restricted(&["--namespace", "guard"]);
    let hook = &find(&docs, "ValidatingWebhookConfiguration")["webhooks"][0];
    let ca_pem = base64::engine::general_purpose::STANDARD
        .decode(hook["clientConfig"]["caBundle"].as_str().expect("caBundle"))
        .expect("base64 caBundle");
    let secret = find(&docs, "Secret");
    let cert_pem = secret["stringData"]["tls.crt"].as_str().expect("tls.crt");
    let key_pem = secret["stringData"]["tls.key"].as_str().expect("tls.key");

    // The key belongs to the certificate: the server loads the pair.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("tls.crt"), cert_pem).expect("write");
    std::fs::write(dir.path().join("tls.key"), key_pem).expect("write");
    kubeward_server::tls::CertReloader::load(
        dir.path().join("tls.crt"),
        dir.path().join("tls.key"),
    )
    .expect("certificate and key form a pair");

    // The API server's check: chain to the bundle, name of the Service.
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    let ca = CertificateDer::from_pem_slice(&ca_pem).expect("CA PEM");
    let leaf = CertificateDer::from_pem_slice(cert_pem.as_bytes()).expect("leaf PEM");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca).expect("CA");
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
        std::sync::Arc::new(roots),
        kubeward_server::tls::provider(),
    )
    .build()
    .expect("verifier");
    for name in [
        "kubeward-webhook.guard.svc",
        "kubeward-webhook.guard.svc.cluster.local",
    ] {
        let name = ServerName::try_from(name).expect("name");
        rustls::client::danger::ServerCertVerifier::verify_server_cert(
            verifier.as_ref(),
            &leaf,
            &[],
            &name,
            &[],
            UnixTime::now(),
        )
        .unwrap_or_else(|e| panic!("{name:?}: {e}"));
    }
    let other = ServerName::try_from("kubeward-webhook.other.svc").expect("name");
    assert!(
        rustls::client::danger::ServerCertVerifier::verify_server_cert(
            verifier.as_ref(),
            &leaf,
            &[],
            &other,
            &[],
            UnixTime::now()
        )
        .is_err()
    );
}

#[test]
fn cert_manager_and_psp_variants_pass_restricted() {
    let docs = manifests_pass_restricted(&["--cert-manager"]);
    assert!(docs.iter().all(|d| d["kind"] != "Secret"));
    let cert = find(&docs, "Certificate");
    assert_eq!(cert["spec"]["secretName"], "kubeward-webhook-tls");
    assert!(
        cert["spec"]["dnsNames"]
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n == "kubeward-webhook.kubeward.svc"))
    );
    let hook = find(&docs, "ValidatingWebhookConfiguration");
    assert_eq!(
        hook["metadata"]["annotations"]["cert-manager.io/inject-ca-from"],
        "kubeward/kubeward-webhook"
    );
    assert!(
        hook["webhooks"][0]["clientConfig"]
            .get("caBundle")
            .is_none()
    );

    let docs = manifests_pass_restricted(&args("--mode psp --failure-policy Ignore"));
    let mutating = &find(&docs, "MutatingWebhookConfiguration")["webhooks"][0];
    assert_eq!(mutating["clientConfig"]["service"]["path"], "/mutate");
    assert_eq!(mutating["failurePolicy"], "Ignore");
    let args = &find(&docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"];
    assert!(
        args.as_array()
            .is_some_and(|a| a.iter().any(|a| a == "--mode=psp"))
    );
}

#[test]
fn serve_explains_a_missing_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, err) = run(
        dir.path(),
        &args("webhook serve --tls-cert nope.crt --tls-key nope.key --namespaces ns.yaml"),
    )
    .parts();
    assert_ne!(code, 0);
    has(&err, "loading the serving certificate");
    has(&err, "hint:");
}
