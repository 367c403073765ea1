//! `controlplane etcdctl` and `controlplane check` against a real etcd (Debian's
//! `etcd-server` and `etcd-client`, installed by `.ci/run`): etcd runs on loopback with
//! client and peer certificates laid out as kubeadm does, a kube-apiserver static pod
//! manifest points at it, and the command kubeward prints must list the keys written.
//! Skipped, with the reason printed, where etcd or etcdctl is not installed.

use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    SanType,
};
use serde_json::Value;

use crate::common::kubeward;

fn installed(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// A port nobody listens on now (a package's own etcd may hold 2379).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// kubeadm's etcd PKI under `pki`: a CA, etcd's serving and peer pairs, and the API
/// server's client pair.
fn pki(pki: &Path) {
    let ca_key = KeyPair::generate().expect("key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "etcd-ca");
    let ca_cert = ca.self_signed(&ca_key).expect("self-signed");
    write(&pki.join("etcd/ca.crt"), &ca_cert.pem());
    write(&pki.join("etcd/ca.key"), &ca_key.serialize_pem());
    let issuer = Issuer::new(ca, ca_key);
    let pair = |name: &str, cn: &str, usages: Vec<ExtendedKeyUsagePurpose>| {
        let key = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
        p.subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        p.distinguished_name.push(DnType::CommonName, cn);
        p.extended_key_usages = usages;
        let cert = p.signed_by(&key, &issuer).expect("signed");
        write(&pki.join(format!("{name}.crt")), &cert.pem());
        write(&pki.join(format!("{name}.key")), &key.serialize_pem());
    };
    use ExtendedKeyUsagePurpose::{ClientAuth, ServerAuth};
    pair("etcd/server", "node-1", vec![ServerAuth, ClientAuth]);
    pair("etcd/peer", "node-1", vec![ServerAuth, ClientAuth]);
    pair(
        "apiserver-etcd-client",
        "kube-apiserver-etcd-client",
        vec![ClientAuth],
    );
}

fn static_pod(name: &str, flags: &[String]) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: kube-system\nspec:\n  \
         containers:\n  - name: {name}\n    image: registry.k8s.io/{name}:v1\n    command:\n    - {name}\n"
    );
    for f in flags {
        s.push_str(&format!("    - {f:?}\n"));
    }
    s
}

/// etcd running until dropped.
struct Etcd(Child);

impl Drop for Etcd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A node: the PKI, etcd's flags, and the manifests that name them.
struct Node {
    _dir: tempfile::TempDir,
    root: PathBuf,
    client: u16,
    etcd_flags: Vec<String>,
}

impl Node {
    fn new() -> Node {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        let p = root.join("etc/kubernetes/pki");
        pki(&p);
        let (client, peer) = (free_port(), free_port());
        let f = |s: &str| p.join(s).display().to_string();
        let etcd_flags = vec![
            "--name=node-1".to_owned(),
            format!("--data-dir={}", root.join("var/lib/etcd").display()),
            format!("--listen-client-urls=https://127.0.0.1:{client}"),
            format!("--advertise-client-urls=https://127.0.0.1:{client}"),
            format!("--listen-peer-urls=https://127.0.0.1:{peer}"),
            format!("--initial-advertise-peer-urls=https://127.0.0.1:{peer}"),
            format!("--initial-cluster=node-1=https://127.0.0.1:{peer}"),
            format!("--cert-file={}", f("etcd/server.crt")),
            format!("--key-file={}", f("etcd/server.key")),
            "--client-cert-auth=true".to_owned(),
            format!("--trusted-ca-file={}", f("etcd/ca.crt")),
            format!("--peer-cert-file={}", f("etcd/peer.crt")),
            format!("--peer-key-file={}", f("etcd/peer.key")),
            "--peer-client-cert-auth=true".to_owned(),
            format!("--peer-trusted-ca-file={}", f("etcd/ca.crt")),
        ];
        let manifests = root.join("etc/kubernetes/manifests");
        write(
            &manifests.join("etcd.yaml"),
            &static_pod("etcd", &etcd_flags),
        );
        let api = [
            format!("--etcd-servers=https://127.0.0.1:{client}"),
            format!("--etcd-cafile={}", f("etcd/ca.crt")),
            format!("--etcd-certfile={}", f("apiserver-etcd-client.crt")),
            format!("--etcd-keyfile={}", f("apiserver-etcd-client.key")),
        ];
        write(
            &manifests.join("kube-apiserver.yaml"),
            &static_pod("kube-apiserver", &api),
        );
        Node {
            _dir: dir,
            root,
            client,
            etcd_flags,
        }
    }

    fn start(&self) -> Etcd {
        std::fs::create_dir_all(self.root.join("var/lib/etcd")).expect("mkdir");
        std::fs::set_permissions(
            self.root.join("var/lib/etcd"),
            std::fs::Permissions::from_mode(0o700),
        )
        .expect("chmod");
        let child = Command::new("etcd")
            .args(&self.etcd_flags)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("etcd starts");
        Etcd(child)
    }

    /// etcdctl with the API server's client certificate.
    fn etcdctl(&self, args: &[&str]) -> std::process::Output {
        let p = self.root.join("etc/kubernetes/pki");
        Command::new("etcdctl")
            .env("ETCDCTL_API", "3")
            .arg(format!("--endpoints=https://127.0.0.1:{}", self.client))
            .arg(format!("--cacert={}", p.join("etcd/ca.crt").display()))
            .arg(format!(
                "--cert={}",
                p.join("apiserver-etcd-client.crt").display()
            ))
            .arg(format!(
                "--key={}",
                p.join("apiserver-etcd-client.key").display()
            ))
            .args(args)
            .output()
            .expect("etcdctl runs")
    }

    fn wait_healthy(&self) {
        let start = Instant::now();
        loop {
            if self.etcdctl(&["endpoint", "health"]).status.success() {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "etcd did not become healthy in 30 s"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

#[test]
fn the_printed_etcdctl_command_reads_a_real_etcd_and_check_judges_its_flags() {
    if !installed("etcd") || !installed("etcdctl") {
        eprintln!(
            "skipped: etcd and etcdctl are not installed (Debian: apt-get install etcd-server \
             etcd-client; .ci/run does)"
        );
        return;
    }
    let node = Node::new();
    let _etcd = node.start();
    node.wait_healthy();
    for (key, value) in [
        ("/registry/secrets/shop/db", "s3cret"),
        ("/registry/pods/shop/web", "{}"),
    ] {
        let out = node.etcdctl(&["put", key, value]);
        assert!(out.status.success(), "{out:?}");
    }

    // The command, exactly as printed, with a read appended as an operator would.
    let out = kubeward()
        .args(["controlplane", "etcdctl", "--manifests"])
        .arg(node.root.join("etc/kubernetes/manifests"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let printed = String::from_utf8_lossy(&out.stdout);
    let command = printed
        .lines()
        .find(|l| l.starts_with("ETCDCTL_API=3 etcdctl "))
        .unwrap_or_else(|| panic!("no command in {printed}"));
    let listed = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} get /registry/ --prefix --keys-only"))
        .output()
        .expect("sh runs");
    let keys = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "{listed:?}");
    assert!(keys.contains("/registry/secrets/shop/db"), "{keys}");
    assert!(keys.contains("/registry/pods/shop/web"), "{keys}");

    // etcd's own flags, as check reads them from its manifest.
    let status = |doc: &Value, id: &str| {
        doc["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["id"] == id)
            .map(|f| f["status"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|| panic!("no {id} in {doc:#}"))
    };
    let doc = check(&node.root);
    for id in ["2.1", "2.2", "2.4", "2.5"] {
        assert_eq!(status(&doc, id), "pass", "{id}: {doc:#}");
    }
    // The same etcd without client certificates required: 2.2 fails, and etcd itself
    // then serves a client that presents none.
    let weak: Vec<String> = node
        .etcd_flags
        .iter()
        .filter(|f| !f.starts_with("--client-cert-auth"))
        .cloned()
        .collect();
    write(
        &node.root.join("etc/kubernetes/manifests/etcd.yaml"),
        &static_pod("etcd", &weak),
    );
    let doc = check(&node.root);
    assert_eq!(status(&doc, "2.2"), "fail", "{doc:#}");
    assert_eq!(status(&doc, "2.1"), "pass", "{doc:#}");
}

fn check(root: &Path) -> Value {
    let out = kubeward()
        .args(["controlplane", "check", "--format", "json", "--manifests"])
        .arg(root.join("etc/kubernetes/manifests"))
        .arg("--kubelet-service")
        .arg(root.join("none/kubelet.service"))
        .arg("--proxy-kubeconfig")
        .arg(root.join("none/proxy.conf"))
        .arg("--cni-dir")
        .arg(root.join("none/cni"))
        .output()
        .expect("run");
    let mut err = std::io::stderr();
    let _ = err.write_all(&out.stderr);
    serde_json::from_slice(&out.stdout).expect("json")
}
