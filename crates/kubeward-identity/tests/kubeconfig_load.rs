//! Loading, `KUBECONFIG` merging and `extract`, with their error paths.

use kubeward_testkit::pki as kubeconfig_pki;

use kubeward_report::Hint as _;
use std::path::{Path, PathBuf};

use kubeconfig_pki::{admin, b64, ca, embedded, write};
use kubeward_identity::kubeconfig::{
    Error, Material, Source, extract, load_chain, load_file, parse,
};

fn parse_err(text: &str) -> Error {
    parse(Path::new("/k/config"), text).unwrap_err()
}

#[test]
fn not_a_kubeconfig_is_an_error_naming_file_and_line() {
    let e = parse_err("apiVersion: v1\nkind: Config\nclusters: [\n");
    assert!(matches!(&e, Error::Parse { line: Some(_), .. }), "{e:?}");
    assert!(e.to_string().starts_with("/k/config:"), "{e}");
    assert!(e.to_string().contains("invalid YAML"), "{e}");

    let e = parse_err("apiVersion: v1\nkind: Pod\n");
    assert!(e.to_string().contains("not Config"), "{e}");
    let e = parse_err("clusters: []\n");
    assert!(e.to_string().contains("missing kind"), "{e}");
    let e = parse_err(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: maybe\n",
    );
    assert!(e.to_string().contains("clusters[0].cluster (c)"), "{e}");
    assert!(matches!(e, Error::Parse { line: Some(6), .. }));
    let e = parse_err("apiVersion: v1\nkind: Config\nusers: {}\n");
    assert!(e.to_string().contains("users: expected a list"), "{e}");
    let e = parse_err("apiVersion: v1\nkind: Config\nusers:\n- user: {}\n");
    assert!(e.to_string().contains("`name` is missing"), "{e}");
    assert!(!e.hint().is_empty());
}

#[test]
fn empty_file_is_an_empty_config() {
    let cfg = parse(Path::new("/k/config"), "").unwrap();
    assert!(cfg.contexts.is_empty() && cfg.current_context.is_none());
}

#[test]
fn chain_merges_first_wins_and_skips_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a",
        "apiVersion: v1\nkind: Config\ncurrent-context: one\nclusters:\n- name: shared\n  cluster: {server: https://a.example}\ncontexts:\n- name: one\n  context: {cluster: shared, user: u}\n",
        0o600,
    );
    let b = write(
        dir.path(),
        "b",
        "apiVersion: v1\nkind: Config\ncurrent-context: two\nclusters:\n- name: shared\n  cluster: {server: https://b.example}\n- name: only-b\n  cluster: {server: https://b2.example}\ncontexts:\n- name: two\n  context: {cluster: only-b, user: u}\n",
        0o600,
    );
    let missing = dir.path().join("nope");
    let cfg = load_chain(
        &[a.clone(), missing.clone(), b.clone()],
        &Default::default(),
    )
    .unwrap();
    assert_eq!(cfg.current_context.as_deref(), Some("one"));
    assert_eq!(
        cfg.cluster("shared").unwrap().value.server,
        "https://a.example"
    );
    assert_eq!(cfg.cluster("only-b").unwrap().origin.as_ref(), b.as_path());
    assert_eq!(cfg.contexts.len(), 2);
    assert_eq!(cfg.skipped, vec![missing.clone()]);
    assert_eq!(cfg.files, vec![a, b]);

    let e = load_chain(std::slice::from_ref(&missing), &Default::default()).unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    let e = load_file(&missing, &Default::default()).unwrap_err();
    assert!(matches!(e, Error::Read { .. }), "{e:?}");
    assert!(e.to_string().contains("nope"));
}

fn setup() -> (tempfile::TempDir, PathBuf, kubeconfig_pki::Leaf, String) {
    let dir = tempfile::tempdir().unwrap();
    let ca = ca("minikubeCA");
    let leaf = admin(&ca);
    // A second context whose user reads its certificate from a relative path.
    let mut text = embedded(&ca.pem, &leaf);
    text = text.replace(
        "users:\n",
        "- name: files\n  context: {cluster: minikube, user: file-user}\nusers:\n- name: file-user\n  user:\n    client-certificate: certs/admin.crt\n    client-key: certs/missing.key\n",
    );
    std::fs::create_dir(dir.path().join("certs")).unwrap();
    write(
        &dir.path().join("certs"),
        "admin.crt",
        &leaf.cert_pem,
        0o644,
    );
    let p = write(dir.path(), "config", &text, 0o600);
    (dir, p, leaf, ca.pem)
}

#[test]
fn extract_each_material_from_data_and_files() {
    let (dir, path, leaf, ca_pem) = setup();
    let cfg = load_file(&path, &Default::default()).unwrap();
    let text = |m, ctx| {
        let (_, bytes) = extract(&cfg, ctx, m).unwrap();
        String::from_utf8(bytes).unwrap()
    };
    assert_eq!(text(Material::CertificateAuthority, None), ca_pem);
    assert_eq!(text(Material::ClientCertificate, None), leaf.cert_pem);
    assert_eq!(text(Material::ClientKey, None), leaf.key_pem);
    let (src, bytes) = extract(&cfg, Some("files"), Material::ClientCertificate).unwrap();
    assert_eq!(bytes, leaf.cert_pem.as_bytes());
    match src {
        Source::File { path, mode, .. } => {
            assert_eq!(path, dir.path().join("certs/admin.crt"));
            assert_eq!(mode, Some(0o644));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn extract_errors_name_the_field() {
    let (_dir, path, leaf, _) = setup();
    let cfg = load_file(&path, &Default::default()).unwrap();
    let e = extract(&cfg, Some("files"), Material::ClientKey).unwrap_err();
    assert!(
        matches!(&e, Error::Field { field, .. } if field == "client-key"),
        "{e:?}"
    );
    assert!(e.to_string().contains("missing.key"), "{e}");
    let e = extract(&cfg, Some("nope"), Material::ClientKey).unwrap_err();
    assert!(e.to_string().contains("\"nope\" is not defined"), "{e}");

    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text.replace(&b64(&leaf.cert_pem), &b64(&leaf.key_pem));
    let cfg = parse(&path, &broken).unwrap();
    let e = extract(&cfg, None, Material::ClientCertificate).unwrap_err();
    assert!(
        e.to_string()
            .contains("client-certificate-data: PEM block 1 is a PRIVATE KEY"),
        "{e}"
    );
    assert!(e.hint().contains("base64 -w0"));
    let broken = text.replace(&b64(&leaf.key_pem), "AAAA=");
    let cfg = parse(&path, &broken).unwrap();
    let e = extract(&cfg, None, Material::ClientKey).unwrap_err();
    assert!(e.to_string().contains("not valid base64"), "{e}");

    let no_current = text.replace("current-context: admin@minikube\n", "");
    let cfg = parse(&path, &no_current).unwrap();
    let e = extract(&cfg, None, Material::CertificateAuthority).unwrap_err();
    assert!(e.to_string().contains("no current-context"), "{e}");
}

#[test]
fn the_default_chain_is_kubeconfig_without_empty_entries_and_repeats_else_home() {
    use std::ffi::OsString;
    use std::path::Path;
    let list = std::env::join_paths(["b", "", "a", "b"]).unwrap();
    assert_eq!(
        kubeward_identity::kubeconfig::chain(Some(&list), Some(Path::new("/h"))),
        vec![PathBuf::from("b"), PathBuf::from("a")]
    );
    let home = vec![PathBuf::from("/h/.kube/config")];
    let empty = OsString::new();
    let chain = kubeward_identity::kubeconfig::chain;
    assert_eq!(chain(Some(&empty), Some(Path::new("/h"))), home);
    assert_eq!(chain(None, Some(Path::new("/h"))), home);
    assert_eq!(chain(None, None), vec![PathBuf::from(".kube/config")]);
}
