//! The etcdctl command that reaches etcd with the credentials the control plane already
//! has: the API server's etcd client flags, else etcd's own serving flags.
//!
//! The API server is preferred because its pair is a client certificate made for etcd;
//! etcd's `--cert-file` is a serving certificate that works as a client one only when
//! it also carries the clientAuth usage (kubeadm's does). With client certificate
//! authentication on and etcd's own auth off (the Kubernetes norm), any certificate from
//! etcd's CA reads and writes everything.

use serde::Serialize;

use crate::flags::{Component, Manifests, StaticPod};

/// Which manifest the command was built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// From the API server's `--etcd-servers` and `--etcd-cafile`/`--etcd-certfile`/`--etcd-keyfile`.
    KubeApiserver,
    /// From etcd's own client URLs and certificates.
    Etcd,
}

/// One etcdctl flag and where its value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mapping {
    /// `--endpoints`, `--cacert`, `--cert` or `--key`.
    pub etcdctl: &'static str,
    /// The environment variable etcdctl reads instead.
    pub env: &'static str,
    /// The component flag the value came from (`--etcd-servers`…), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The value passed; `None` when the manifest does not give one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// The command and its explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Etcdctl {
    /// Which manifest the command was built from.
    pub source: Source,
    /// The manifest read.
    pub file: String,
    /// The etcdctl command line, ready to paste into a shell on the node.
    pub command: String,
    /// Each etcdctl flag and where its value came from.
    pub mappings: Vec<Mapping>,
    /// Caveats: missing flags, plain HTTP, other endpoints in use.
    pub notes: Vec<String>,
}

/// Why no etcdctl command can be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EtcdctlError {
    /// Neither the API server nor etcd manifest names a client endpoint.
    #[error("no etcd endpoints in {dir}: {reason}; pass the static pod directory with --manifests")]
    NoEndpoints {
        /// The static pod directory that was read.
        dir: String,
        /// Which manifests were missing or lacked client URLs.
        reason: String,
    },
}

/// Builds the command from the manifests: the API server's `--etcd-servers` when set,
/// else etcd's client URLs.
pub fn build(manifests: &Manifests) -> Result<Etcdctl, EtcdctlError> {
    let api = manifests.get(Component::KubeApiserver);
    if let Some(api) = api
        && api
            .flags
            .list("etcd-servers")
            .is_some_and(|v| !v.is_empty())
    {
        return Ok(from_apiserver(api));
    }
    if let Some(etcd) = manifests.get(Component::Etcd)
        && let Some(e) = from_etcd(etcd)
    {
        let mut e = e;
        if api.is_some() {
            e.notes.insert(
                0,
                "kube-apiserver has no --etcd-servers; using etcd's own manifest".to_owned(),
            );
        }
        return Ok(e);
    }
    let reason = match (api.is_some(), manifests.get(Component::Etcd).is_some()) {
        (true, true) => "kube-apiserver has no --etcd-servers and etcd has no client URLs",
        (true, false) => "kube-apiserver has no --etcd-servers and there is no etcd manifest",
        (false, true) => "there is no kube-apiserver manifest and etcd has no client URLs",
        (false, false) => "neither a kube-apiserver nor an etcd manifest was found",
    };
    Err(EtcdctlError::NoEndpoints {
        dir: manifests.dir.display().to_string(),
        reason: reason.to_owned(),
    })
}

fn from_apiserver(api: &StaticPod) -> Etcdctl {
    let f = &api.flags;
    let endpoints = f.list("etcd-servers").unwrap_or_default();
    let (mappings, mut notes) = connection(
        api,
        &endpoints,
        "--etcd-servers",
        ["etcd-cafile", "etcd-certfile", "etcd-keyfile"],
    );
    if endpoints.iter().any(|e| e.starts_with("http://")) {
        notes.push(
            "an endpoint uses plain http://: etcd traffic, Secrets included, is not encrypted"
                .to_owned(),
        );
    }
    if let Some(o) = f.value("etcd-servers-overrides").filter(|v| !v.is_empty()) {
        notes.push(format!(
            "--etcd-servers-overrides={o}: those resources live on the endpoints named there"
        ));
    }
    let prefix = f.value("etcd-prefix").unwrap_or("/registry");
    notes.push(format!(
        "keys are {prefix}/<resource>/<namespace>/<name>; e.g. append: get {prefix}/secrets/kube-system/NAME --print-value-only"
    ));
    finish(Source::KubeApiserver, api, mappings, notes)
}

fn from_etcd(etcd: &StaticPod) -> Option<Etcdctl> {
    let f = &etcd.flags;
    let listen = f.list("listen-client-urls").unwrap_or_default();
    let advertise = f.list("advertise-client-urls").unwrap_or_default();
    // On the node itself loopback is the shortest way in; else the advertised URLs, which
    // are meant for clients (a 0.0.0.0 listen URL is not an address to connect to).
    let loopback: Vec<String> = listen.iter().filter(|u| is_loopback(u)).cloned().collect();
    let (endpoints, from) = if !loopback.is_empty() {
        (loopback, "--listen-client-urls (its loopback URLs)")
    } else if !advertise.is_empty() {
        (advertise, "--advertise-client-urls")
    } else if !listen.is_empty() {
        (listen, "--listen-client-urls")
    } else {
        return None;
    };
    let (mappings, mut notes) = connection(
        etcd,
        &endpoints,
        from,
        ["trusted-ca-file", "cert-file", "key-file"],
    );
    notes.push(
        "--cert-file is etcd's serving certificate; it works as a client certificate only with the clientAuth usage (kubeadm's has it). kubeadm's etcd/healthcheck-client.{crt,key} is the cleaner client pair"
            .to_owned(),
    );
    Some(finish(Source::Etcd, etcd, mappings, notes))
}

/// etcdctl's endpoints (`endpoints`, read from `from`) and its `--cacert`, `--cert` and
/// `--key`, from the flags of `pod` that `files` names in that order; a note for each of
/// those flags the pod does not set.
fn connection(
    pod: &StaticPod,
    endpoints: &[String],
    from: &str,
    files: [&'static str; 3],
) -> (Vec<Mapping>, Vec<String>) {
    let mut notes = Vec::new();
    let mut mappings = vec![Mapping {
        etcdctl: "--endpoints",
        env: "ETCDCTL_ENDPOINTS",
        from: Some(from.to_owned()),
        value: Some(endpoints.join(",")),
    }];
    let options = [
        ("--cacert", "ETCDCTL_CACERT"),
        ("--cert", "ETCDCTL_CERT"),
        ("--key", "ETCDCTL_KEY"),
    ];
    for ((etcdctl, env), flag) in options.into_iter().zip(files) {
        let value = pod
            .flags
            .value(flag)
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        if value.is_none() {
            notes.push(format!(
                "{} has no --{flag}, so etcdctl gets no {etcdctl}",
                pod.component.name()
            ));
        }
        mappings.push(Mapping {
            etcdctl,
            env,
            from: Some(format!("--{flag}")),
            value,
        });
    }
    (mappings, notes)
}

fn finish(source: Source, pod: &StaticPod, mappings: Vec<Mapping>, notes: Vec<String>) -> Etcdctl {
    let mut command = String::from("ETCDCTL_API=3 etcdctl");
    for m in &mappings {
        if let Some(v) = &m.value {
            command.push_str(&format!(" {}={}", m.etcdctl, shell_quote(v)));
        }
    }
    Etcdctl {
        source,
        file: pod.file.to_string(),
        command,
        mappings,
        notes,
    }
}

fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    ["127.", "localhost", "[::1]"]
        .iter()
        .any(|p| rest.starts_with(p))
}

/// Quotes a value for a POSIX shell unless it is made of harmless characters only.
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:,=@+-%[]".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
