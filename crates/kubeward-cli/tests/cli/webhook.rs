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
    assert_eq!(
        role["rules"].as_array().map(Vec::len),
        Some(2),
        "PSS mode asks no SubjectAccessReview"
    );
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
    // PSP mode asks the API server who may `use` each policy.
    let role = find(&docs, "ClusterRole");
    assert_eq!(
        role["rules"][2],
        serde_json::json!({"apiGroups": ["authorization.k8s.io"],
            "resources": ["subjectaccessreviews"], "verbs": ["create"]})
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

/// `webhook serve` in a temporary directory holding `files`, offline (no kubeconfig,
/// not in a pod unless `env` says so); returns (exit code, stderr).
fn serve_fails(files: &[(&str, &str)], line: &str, env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let mut cmd = std::process::Command::new(crate::common::KUBEWARD.path());
    cmd.args(args(line))
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const ONE_POLICY: &str = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: any}\nspec: {runAsUser: {rule: RunAsAny}, seLinux: {rule: RunAsAny}, supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}, volumes: ['*']}\n";
const NS: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: open}\n";

#[test]
fn serve_refuses_rbac_outside_psp_mode_and_broken_rbac_files() {
    let (code, err) = serve_fails(
        &[("ns.yaml", NS), ("rbac.yaml", "")],
        "webhook serve --rbac rbac.yaml --namespaces ns.yaml",
        &[],
    );
    assert_ne!(code, 0);
    has(&err, "--rbac is for --mode psp");

    let broken = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: open}\nroleRef: 7\n";
    let (code, err) = serve_fails(
        &[
            ("ns.yaml", NS),
            ("psp.yaml", ONE_POLICY),
            ("rbac.yaml", broken),
        ],
        "webhook serve --mode psp --psp psp.yaml --rbac rbac.yaml --namespaces ns.yaml",
        &[],
    );
    assert_ne!(code, 0);
    has(&err, "rbac.yaml:");
    has(&err, "hint:");
    // A missing file too.
    let (code, err) = serve_fails(
        &[("ns.yaml", NS), ("psp.yaml", ONE_POLICY)],
        "webhook serve --mode psp --psp psp.yaml --rbac nope.yaml --namespaces ns.yaml",
        &[],
    );
    assert_ne!(code, 0);
    has(&err, "nope.yaml");
}

#[test]
fn serve_in_a_pod_needs_the_cluster_for_subject_access_reviews() {
    // In a pod (the API server's address is in the environment) there is a cluster to
    // ask: without a usable ServiceAccount token the webhook does not start, rather than
    // letting every policy be used.
    let (code, err) = serve_fails(
        &[("ns.yaml", NS), ("psp.yaml", ONE_POLICY)],
        "webhook serve --mode psp --psp psp.yaml --namespaces ns.yaml",
        &[
            ("KUBERNETES_SERVICE_HOST", "127.0.0.1"),
            ("KUBERNETES_SERVICE_PORT", "1"),
        ],
    );
    assert_ne!(code, 0);
    has(&err, "connecting to the cluster for SubjectAccessReviews");
    has(&err, "pass --rbac FILE");
}

#[test]
fn serve_offline_without_rbac_warns_that_every_policy_is_usable() {
    // Offline, no RBAC: the warning comes before the (missing) certificate stops it.
    let (code, err) = serve_fails(
        &[("ns.yaml", NS), ("psp.yaml", ONE_POLICY)],
        "webhook serve --mode psp --psp psp.yaml --namespaces ns.yaml --tls-cert nope.crt --tls-key nope.key",
        &[],
    );
    assert_ne!(code, 0);
    has(
        &err,
        "every PodSecurityPolicy counts as usable by every user and service account",
    );
    has(&err, "loading the serving certificate");
}
