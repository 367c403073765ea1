//! A node in kubeadm's layout, built in a temporary directory: static pod manifests, a
//! PKI with placeholder files (no real keys), kubeconfigs, an etcd data directory, a
//! kubelet configuration and service file, CNI files, and its own passwd and group.
#![allow(dead_code)] // each test binary uses its own subset

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use kubeward_controlplane::cis::{
    self, Finding, Inputs, KubeletInputs, KubeletOptions, Paths, Status,
};
use kubeward_controlplane::flags::{Manifests, load_manifests};
use kubeward_manifest::Limits;

pub const ETCD_UID: u32 = 4321;

pub struct Node {
    pub dir: tempfile::TempDir,
}

/// A static Pod running `command` in a container named `name`.
pub fn pod(name: &str, command: &[String]) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: kube-system\nspec:\n  hostNetwork: true\n  containers:\n  - name: {name}\n    image: registry.k8s.io/{name}:v1.34.0\n    command:\n"
    );
    for c in command {
        s.push_str(&format!("    - {c:?}\n"));
    }
    s
}

impl Node {
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
    pub fn pki(&self) -> PathBuf {
        self.root().join("pki")
    }
    pub fn p(&self, rel: &str) -> String {
        self.root().join(rel).display().to_string()
    }

    /// The hardened flags of each component.
    pub fn apiserver_flags(&self) -> Vec<String> {
        let pki = |f: &str| self.p(&format!("pki/{f}"));
        vec![
            "kube-apiserver".into(),
            "--advertise-address=10.0.0.10".into(),
            "--anonymous-auth=false".into(),
            "--authorization-mode=Node,RBAC".into(),
            format!("--client-ca-file={}", pki("ca.crt")),
            "--enable-admission-plugins=NodeRestriction,AlwaysPullImages".into(),
            "--enable-admission-plugins=DenyServiceExternalIPs,EventRateLimit".into(),
            format!(
                "--admission-control-config-file={}",
                self.p("admission.yaml")
            ),
            format!("--etcd-cafile={}", pki("etcd/ca.crt")),
            format!("--etcd-certfile={}", pki("apiserver-etcd-client.crt")),
            "--etcd-keyfile".into(),
            pki("apiserver-etcd-client.key"),
            "--etcd-servers=https://127.0.0.1:2379".into(),
            format!(
                "--kubelet-client-certificate={}",
                pki("apiserver-kubelet-client.crt")
            ),
            format!(
                "--kubelet-client-key={}",
                pki("apiserver-kubelet-client.key")
            ),
            format!("--kubelet-certificate-authority={}", pki("ca.crt")),
            "--profiling=false".into(),
            "--audit-log-path=/var/log/kubernetes/audit/audit.log".into(),
            "--audit-log-maxage".into(),
            "30".into(),
            "--audit-log-maxbackup=10".into(),
            "--audit-log-maxsize=100".into(),
            format!("--audit-policy-file={}", self.p("audit-policy.yaml")),
            format!("--service-account-key-file={}", pki("sa.pub")),
            format!("--service-account-signing-key-file={}", pki("sa.key")),
            "--service-account-extend-token-expiration=false".into(),
            format!("--tls-cert-file={}", pki("apiserver.crt")),
            format!("--tls-private-key-file={}", pki("apiserver.key")),
            format!("--encryption-provider-config={}", self.p("encryption.yaml")),
            "--tls-cipher-suites=TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
                .into(),
        ]
    }

    pub fn controller_manager_flags(&self) -> Vec<String> {
        vec![
            "kube-controller-manager".into(),
            "--bind-address=127.0.0.1".into(),
            "--profiling=false".into(),
            "--terminated-pod-gc-threshold=100".into(),
            "--use-service-account-credentials=true".into(),
            format!(
                "--service-account-private-key-file={}",
                self.p("pki/sa.key")
            ),
            format!("--root-ca-file={}", self.p("pki/ca.crt")),
            "--feature-gates=RotateKubeletServerCertificate=true".into(),
        ]
    }

    pub fn scheduler_flags(&self) -> Vec<String> {
        vec![
            "kube-scheduler".into(),
            "--bind-address=127.0.0.1".into(),
            "--profiling=false".into(),
        ]
    }

    pub fn etcd_flags(&self) -> Vec<String> {
        let pki = |f: &str| self.p(&format!("pki/etcd/{f}"));
        vec![
            "etcd".into(),
            "--advertise-client-urls=https://10.0.0.10:2379".into(),
            "--listen-client-urls=https://127.0.0.1:2379,https://10.0.0.10:2379".into(),
            format!("--cert-file={}", pki("server.crt")),
            format!("--key-file={}", pki("server.key")),
            "--client-cert-auth=true".into(),
            format!("--peer-cert-file={}", pki("peer.crt")),
            format!("--peer-key-file={}", pki("peer.key")),
            "--peer-client-cert-auth=true".into(),
            format!("--trusted-ca-file={}", pki("ca.crt")),
            format!("--data-dir={}", self.p("etcd-data")),
        ]
    }

    pub const KUBELET_HARDENED: &'static str = "apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: CA_FILE
authorization:
  mode: Webhook
readOnlyPort: 0
streamingConnectionIdleTimeout: 5m0s
makeIPTablesUtilChains: true
eventRecordQPS: 50
serverTLSBootstrap: true
rotateCertificates: true
featureGates:
  RotateKubeletServerCertificate: true
tlsCipherSuites:
- TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
- TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
podPidsLimit: 4096
seccompDefault: true
";

    /// The kubelet's drop-in: its `--config` is read below the node's root.
    pub const KUBELET_DROPIN: &'static str =
        "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --config=/kubelet/config.yaml\n";

    /// A hardened node: every judgeable check passes (1.1.12 needs the etcd user).
    pub fn hardened() -> Node {
        let node = Node {
            dir: tempfile::tempdir().unwrap(),
        };
        let pods = [
            ("kube-apiserver", node.apiserver_flags()),
            ("kube-controller-manager", node.controller_manager_flags()),
            ("kube-scheduler", node.scheduler_flags()),
            ("etcd", node.etcd_flags()),
        ];
        for (name, flags) in pods {
            node.write(&format!("manifests/{name}.yaml"), &pod(name, &flags), 0o600);
        }
        for f in [
            "ca",
            "apiserver",
            "apiserver-kubelet-client",
            "apiserver-etcd-client",
            "front-proxy-ca",
            "front-proxy-client",
            "etcd/ca",
            "etcd/server",
            "etcd/peer",
            "etcd/healthcheck-client",
        ] {
            node.write(
                &format!("pki/{f}.crt"),
                &format!("placeholder certificate {f}\n"),
                0o644,
            );
            node.write(&format!("pki/{f}.key"), "placeholder key\n", 0o600);
        }
        node.write("pki/sa.key", "placeholder key\n", 0o600);
        node.write("pki/sa.pub", "placeholder public key\n", 0o644);
        for f in [
            "admin.conf",
            "super-admin.conf",
            "scheduler.conf",
            "controller-manager.conf",
            "kubelet.conf",
        ] {
            node.write(f, "apiVersion: v1\nkind: Config\n", 0o600);
        }
        fs::create_dir_all(node.root().join("etcd-data/member")).unwrap();
        fs::set_permissions(
            node.root().join("etcd-data"),
            fs::Permissions::from_mode(0o700),
        )
        .unwrap();
        let kubelet = Self::KUBELET_HARDENED.replace("CA_FILE", &node.p("pki/ca.crt"));
        node.write("kubelet/config.yaml", &kubelet, 0o600);
        node.write("kubelet.service", Self::KUBELET_DROPIN, 0o600);
        node.write("kube-proxy.conf", "apiVersion: v1\nkind: Config\n", 0o600);
        node.write(
            "cni/10-bridge.conflist",
            "{\"cniVersion\": \"1.0.0\"}\n",
            0o600,
        );
        node.write(
            "encryption.yaml",
            "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: []\n  - identity: {}\n",
            0o600,
        );
        node.write("passwd", &format!("root:x:0:0:root:/root:/bin/sh\netcd:x:{ETCD_UID}:{ETCD_UID}::/var/lib/etcd:/sbin/nologin\n"), 0o644);
        node.write("group", &format!("root:x:0:\netcd:x:{ETCD_UID}:\n"), 0o644);
        if is_root() {
            std::os::unix::fs::chown(
                node.root().join("etcd-data"),
                Some(ETCD_UID),
                Some(ETCD_UID),
            )
            .unwrap();
        }
        node
    }

    pub fn write(&self, rel: &str, text: &str, mode: u32) {
        let path = self.root().join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&path, text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    }

    pub fn chmod(&self, rel: &str, mode: u32) {
        fs::set_permissions(self.root().join(rel), fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Rewrites one component's manifest with other flags.
    pub fn set_flags(&self, name: &str, flags: &[String]) {
        self.write(&format!("manifests/{name}.yaml"), &pod(name, flags), 0o600);
    }

    pub fn paths(&self) -> Paths {
        let mut p = Paths::kubeadm(self.root().to_path_buf());
        p.kubelet_config = self.root().join("kubelet/config.yaml");
        p.kubelet_service = self.root().join("kubelet.service");
        p.proxy_kubeconfig = self.root().join("kube-proxy.conf");
        p.cni_dirs = vec![self.root().join("cni")];
        p.passwd = self.root().join("passwd");
        p.group = self.root().join("group");
        p.root = self.root().to_path_buf();
        p.proc = self.root().join("proc");
        p
    }

    pub fn manifests(&self) -> Manifests {
        load_manifests(&self.root().join("manifests"), &Limits::default()).unwrap()
    }

    /// Runs every check.
    pub fn run(&self) -> Vec<Finding> {
        self.run_with(&KubeletOptions::default()).0
    }

    /// Loads the kubelet's inputs as `controlplane check` does, then runs every check.
    pub fn run_with(&self, options: &KubeletOptions) -> (Vec<Finding>, KubeletInputs) {
        let manifests = self.manifests();
        assert!(manifests.errors.is_empty(), "{:?}", manifests.errors);
        let paths = self.paths();
        let kubelet = cis::load_kubelet(&paths, options, &Limits::default());
        let inputs = Inputs {
            manifests: &manifests,
            limits: Limits::default(),
            kubelet: &kubelet,
            paths: &paths,
        };
        (cis::run(&inputs), kubelet)
    }
}

pub fn is_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

pub fn find<'a>(findings: &'a [Finding], id: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

/// Asserts a check's status, showing the finding when it differs.
pub fn assert_status(findings: &[Finding], id: &str, want: Status) {
    let f = find(findings, id);
    assert_eq!(f.status, want, "{id}: {f:#?}");
}
