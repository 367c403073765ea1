//! `kubeward kubeconfig` end to end: output, exit codes and error messages, on kubeconfigs
//! built around a PKI made at test time.

use kubeward_testkit::pki as kubeconfig_pki;

use kubeconfig_pki::{ClientSpec, admin, b64, ca, client, embedded, write};

use crate::common::{Run, kubeward};

fn file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "config", text, 0o600);
    (dir, p)
}

#[test]
fn clean_kubeconfig_exits_0_and_shows_identity() {
    let ca = ca("minikubeCA");
    let (_d, p) = file(&embedded(&ca.pem, &admin(&ca)));
    let r = Run::of(kubeward().args(["kubeconfig", "inspect"]).arg(&p));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("* admin@minikube: cluster minikube, user admin"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("issuer:    CN=minikubeCA"));
    assert!(r.stdout.contains(
        "identity:  user kubernetes-admin, groups [kubeadm:cluster-admins, system:authenticated]"
    ));
    assert!(
        r.stdout
            .contains("client key: EC P-256 PKCS#8 from client-key-data; matches the certificate")
    );
    assert!(r.stdout.contains("0 findings, 0 errors"));
}

#[test]
fn system_masters_fails_and_json_carries_the_finding() {
    let ca = ca("minikubeCA");
    let leaf = client(
        &ca,
        ClientSpec::new("kubernetes-super-admin", Some("system:masters")),
    );
    let (_d, p) = file(&embedded(&ca.pem, &leaf));
    let r = Run::of(kubeward().args(["kubeconfig", "inspect"]).arg(&p));
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("KC001 [critical]"), "{}", r.stdout);
    let r = Run::of(
        kubeward()
            .args(["kubeconfig", "inspect", "--format", "json"])
            .arg(&p),
    );
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["findings"][0]["id"], "KC001");
    assert_eq!(v["findings"][0]["severity"], "critical");
    crate::common::assert_camel_case_document(&r.stdout);
    let cert = &v["users"][0]["clientCertificate"]["certificates"][0];
    assert_eq!(
        cert["identity"]["credentialId"]
            .as_str()
            .map(|s| s.starts_with("X509SHA256=")),
        Some(true)
    );
    assert_eq!(cert["isCa"], false);
    assert_eq!(cert["identity"]["groups"][0], "system:masters");
    assert_eq!(v["contexts"][0]["current"], true);
}

#[test]
fn fail_on_sets_the_threshold() {
    let text = "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: kubelogin\n      interactiveMode: Never\n";
    let (_d, p) = file(text);
    let r = Run::of(kubeward().args(["kubeconfig", "inspect"]).arg(&p));
    assert_eq!(r.code, 0, "low is below the default high");
    assert!(r.stdout.contains("KC010 [low]"));
    let r = Run::of(
        kubeward()
            .args(["kubeconfig", "inspect", "--fail-on", "low"])
            .arg(&p),
    );
    assert_eq!(r.code, 1);
    let r = Run::of(
        kubeward()
            .args(["kubeconfig", "inspect", "--fail-on", "medium"])
            .arg(&p),
    );
    assert_eq!(r.code, 0);
}

#[test]
fn unusable_input_exits_2_naming_file_field_and_fix() {
    let (_d, p) = file("apiVersion: v1\nkind: Config\nclusters: [\n");
    let r = Run::of(kubeward().args(["kubeconfig", "inspect"]).arg(&p));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(&*p.to_string_lossy()), "{}", r.stderr);
    assert!(
        r.stderr.contains("invalid YAML") && r.stderr.contains("hint"),
        "{}",
        r.stderr
    );

    let ca = ca("minikubeCA");
    let leaf = admin(&ca);
    let bad = embedded(&ca.pem, &leaf).replace(&b64(&leaf.key_pem), "not%base64");
    let (_d, p) = file(&bad);
    let r = Run::of(kubeward().args(["kubeconfig", "inspect"]).arg(&p));
    assert_eq!(r.code, 2);
    assert!(
        r.stdout
            .contains("users[admin].client-key-data: not valid base64"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("subject:   CN=kubernetes-admin"),
        "the rest is still shown"
    );

    Run::of(kubeward().args(["kubeconfig", "inspect", "/nonexistent/kubeconfig"]))
        .code(2)
        .err_has("/nonexistent/kubeconfig: cannot read");
}

#[test]
fn kubeconfig_env_chain_is_the_default() {
    let ca = ca("minikubeCA");
    let (d, p) = file(&embedded(&ca.pem, &admin(&ca)));
    let missing = d.path().join("missing");
    let list = format!("{}:{}", missing.display(), p.display());
    let r = Run::of(
        kubeward()
            .env("KUBECONFIG", &list)
            .args(["kubeconfig", "inspect"]),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("skipped"), "{}", r.stdout);
    assert!(r.stdout.contains("* admin@minikube"));
    Run::of(
        kubeward()
            .env("KUBECONFIG", missing.as_os_str())
            .args(["kubeconfig", "inspect"]),
    )
    .code(2)
    .err_has("no kubeconfig file found");
}

#[test]
fn extract_writes_pem_and_fails_clearly() {
    let ca = ca("minikubeCA");
    let leaf = admin(&ca);
    let (_d, p) = file(&embedded(&ca.pem, &leaf));
    let r = Run::of(kubeward().args(["kubeconfig", "extract", "--ca"]).arg(&p));
    assert_eq!((r.code, r.stdout.as_str()), (0, ca.pem.as_str()));
    let r = Run::of(
        kubeward()
            .args([
                "kubeconfig",
                "extract",
                "--client-key",
                "--context",
                "admin@minikube",
            ])
            .arg(&p),
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, leaf.key_pem.as_str()));
    let r = Run::of(
        kubeward()
            .args(["kubeconfig", "extract", "--client-cert", "--format", "json"])
            .arg(&p),
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["pem"], leaf.cert_pem.as_str());
    assert_eq!(v["source"]["field"], "client-certificate-data");

    let r = Run::of(
        kubeward()
            .args(["kubeconfig", "extract", "--ca", "--context", "nope"])
            .arg(&p),
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("context \"nope\" is not defined"),
        "{}",
        r.stderr
    );
    let r = Run::of(kubeward().args(["kubeconfig", "extract"]).arg(&p));
    assert_eq!(
        r.code, 2,
        "one of --ca, --client-cert, --client-key is required"
    );
    let r = Run::of(
        kubeward()
            .args(["kubeconfig", "extract", "--ca", "--client-key"])
            .arg(&p),
    );
    assert_eq!(r.code, 2);
}
