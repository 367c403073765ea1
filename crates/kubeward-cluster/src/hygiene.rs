//! `WH0xx`: how a workload gets its service-account token, which images it runs and how
//! they are pulled, how it receives secrets, what resources it declares, and where it
//! lands: what admission lets through but a reviewer would not.

use k8s_openapi::api::core::v1::{EnvFromSource, EnvVar, PodSpec, ResourceRequirements};
use kubeward_manifest::Resource;
use kubeward_podsecurity::standards::{Level, PolicyVersion, evaluate};
use kubeward_report::Severity::{Info, Low, Medium};

use crate::Template;
use crate::inventory::{Account, Inventory};
use crate::rule::{Family::Hygiene, Findings, Rule};

pub(crate) const WH001: Rule = Rule::new(
    Hygiene,
    "WH001",
    "service-account token mounted",
    Medium,
    "set automountServiceAccountToken: false on the pod (or on its ServiceAccount) unless it calls the API server",
);
pub(crate) const WH002: Rule = Rule::new(
    Hygiene,
    "WH002",
    "image without a tag or with latest",
    Medium,
    "name a release tag and, better, the digest: `registry.example/app:1.4.2@sha256:…`",
);
pub(crate) const WH003: Rule = Rule::new(
    Hygiene,
    "WH003",
    "image not pinned by digest",
    Info,
    "add the digest to the reference (`app:1.4.2@sha256:…`) so that the tag cannot be moved under you",
);
pub(crate) const WH004: Rule = Rule::new(
    Hygiene,
    "WH004",
    "image pull policy lets cached images run",
    Low,
    "set imagePullPolicy: Always, or enable the AlwaysPullImages admission plugin on the API server",
);
pub(crate) const WH005: Rule = Rule::new(
    Hygiene,
    "WH005",
    "secret in an environment variable",
    Medium,
    "mount the Secret as a volume and read the file; environment variables end up in logs, crash reports and child processes",
);
pub(crate) const WH006: Rule = Rule::new(
    Hygiene,
    "WH006",
    "container without CPU or memory requests and limits",
    Low,
    "set resources.requests and resources.limits for cpu and memory, or give the namespace a LimitRange with defaults",
);
pub(crate) const WH007: Rule = Rule::new(
    Hygiene,
    "WH007",
    "process namespace shared",
    Medium,
    "remove shareProcessNamespace: true unless a sidecar must signal or inspect the other containers",
);
pub(crate) const WH008: Rule = Rule::new(
    Hygiene,
    "WH008",
    "host alias shadows a cluster name",
    Medium,
    "remove the hostAliases entry; reach the service by its cluster DNS name",
);
pub(crate) const WH009: Rule = Rule::new(
    Hygiene,
    "WH009",
    "resource in the default namespace",
    Low,
    "deploy into a namespace of its own, where RBAC, quotas, NetworkPolicies and Pod Security can be set for it",
);
pub(crate) const WH010: Rule = Rule::new(
    Hygiene,
    "WH010",
    "namespace enforces no Pod Security level",
    Medium,
    "label the Namespace pod-security.kubernetes.io/enforce: restricted (or baseline)",
);
pub(crate) const WH011: Rule = Rule::new(
    Hygiene,
    "WH011",
    "namespace not in the scanned set",
    Info,
    "add the Namespace to the manifests with a pod-security.kubernetes.io/enforce label, at the level this finding names or stricter",
);

pub(crate) static RULES: &[Rule] = &[
    WH001, WH002, WH003, WH004, WH005, WH006, WH007, WH008, WH009, WH010, WH011,
];

/// A workload's pod as the checks see it.
pub(crate) struct Pod<'a> {
    pub res: &'a Resource,
    pub template: &'a Template<'a>,
}

impl Pod<'_> {
    /// The path of a template field from the object's root.
    pub(crate) fn path(&self, p: &str) -> String {
        if self.template.prefix.is_empty() {
            p.to_owned()
        } else {
            format!("{}.{p}", self.template.prefix)
        }
    }
}

/// The fields of any kind of container that the checks read.
struct Container<'a> {
    /// `spec.containers[0]`, relative to the template.
    path: String,
    name: &'a str,
    image: Option<&'a str>,
    pull_policy: Option<&'a str>,
    env: &'a [EnvVar],
    env_from: &'a [EnvFromSource],
    /// `None` for ephemeral containers, which may not declare resources.
    resources: Option<Option<&'a ResourceRequirements>>,
}

fn containers(spec: &PodSpec) -> Vec<Container<'_>> {
    let mut out = Vec::new();
    for (field, list) in [
        (
            "initContainers",
            spec.init_containers.as_deref().unwrap_or_default(),
        ),
        ("containers", &spec.containers[..]),
    ] {
        for (i, c) in list.iter().enumerate() {
            out.push(Container {
                path: format!("spec.{field}[{i}]"),
                name: &c.name,
                image: c.image.as_deref(),
                pull_policy: c.image_pull_policy.as_deref(),
                env: c.env.as_deref().unwrap_or_default(),
                env_from: c.env_from.as_deref().unwrap_or_default(),
                resources: Some(c.resources.as_ref()),
            });
        }
    }
    for (i, c) in spec.ephemeral_containers.iter().flatten().enumerate() {
        out.push(Container {
            path: format!("spec.ephemeralContainers[{i}]"),
            name: &c.name,
            image: c.image.as_deref(),
            pull_policy: c.image_pull_policy.as_deref(),
            env: c.env.as_deref().unwrap_or_default(),
            env_from: c.env_from.as_deref().unwrap_or_default(),
            resources: None,
        });
    }
    out
}

/// An image reference's tag (the last path segment's, so a registry port is not one)
/// and whether it carries a digest.
pub(crate) fn tag_and_digest(image: &str) -> (Option<&str>, bool) {
    let (name, digest) = match image.split_once('@') {
        Some((name, _)) => (name, true),
        None => (image, false),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    (last.split_once(':').map(|(_, t)| t), digest)
}

pub(crate) fn check(pod: &Pod<'_>, inv: &Inventory, out: &mut Findings<'_>) {
    // The pod's ServiceAccount, looked up once for the token and pull-secret checks.
    let sa = service_account(pod.template.spec);
    let account = inv
        .service_accounts
        .get(&(pod.res.namespace.clone(), sa.to_owned()));
    token(pod, sa, account, out);
    let private = pulls_with_credentials(pod, account);
    for c in containers(pod.template.spec) {
        image(pod, &c, private, out);
        secrets_in_env(pod, &c, out);
        resources(pod, &c, inv, out);
    }
    if pod.template.spec.share_process_namespace == Some(true) {
        out.report(
            &WH007,
            pod.path("spec.shareProcessNamespace"),
            "every container sees the processes, environment and files (/proc/PID/root) of the others".into(),
        );
    }
    for (i, alias) in pod.template.spec.host_aliases.iter().flatten().enumerate() {
        for (j, host) in alias.hostnames.iter().flatten().enumerate() {
            if shadows_cluster_name(host) {
                out.report(
                    &WH008,
                    pod.path(&format!("spec.hostAliases[{i}].hostnames[{j}]")),
                    format!(
                        "hostAliases sends {host:?} to {}, bypassing cluster DNS",
                        alias.ip
                    ),
                );
            }
        }
    }
    namespace(pod, inv, out);
}

fn shadows_cluster_name(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "kubernetes"
        || h.starts_with("kubernetes.default")
        || h.ends_with(".svc")
        || h.contains(".svc.")
        || h.ends_with(".cluster.local")
}

/// The kubelet mounts the token unless the pod says false, or the pod says nothing and
/// its ServiceAccount says false (the ServiceAccount admission plugin's order).
fn token(pod: &Pod<'_>, sa: &str, account: Option<&Account>, out: &mut Findings<'_>) {
    if !out.on(&WH001) {
        return;
    }
    let spec = pod.template.spec;
    let message = match spec.automount_service_account_token {
        Some(false) => return,
        Some(true) => {
            "automountServiceAccountToken is true: every container holds a token of ServiceAccount "
                .to_owned()
                + sa
        }
        None => match account {
            Some(a) if a.automount == Some(false) => return,
            Some(_) => format!(
                "neither the pod nor its ServiceAccount {sa} sets automountServiceAccountToken: false, so every container holds its token"
            ),
            None => format!(
                "the pod does not set automountServiceAccountToken: false and its ServiceAccount {sa} is not in the scanned set, so the token is mounted unless the ServiceAccount says otherwise"
            ),
        },
    };
    out.report(
        &WH001,
        pod.path("spec.automountServiceAccountToken"),
        message,
    );
}

fn image(pod: &Pod<'_>, c: &Container<'_>, private: bool, out: &mut Findings<'_>) {
    let Some(image) = c.image.filter(|i| !i.is_empty()) else {
        return;
    };
    let (tag, digest) = tag_and_digest(image);
    let path = pod.path(&format!("{}.image", c.path));
    let floating = !digest && tag.is_none_or(|t| t == "latest");
    if floating {
        let what = if tag.is_some() {
            "by the tag latest"
        } else {
            "with no tag, which means latest"
        };
        out.report(
            &WH002,
            path.clone(),
            format!(
                "container {:?} runs {image:?} {what}: what runs changes with every push",
                c.name
            ),
        );
    } else if !digest {
        out.report(
            &WH003,
            path.clone(),
            format!(
                "container {:?} runs {image:?} by tag, which can be moved to another image",
                c.name
            ),
        );
    }
    // The API server's default (SetDefaults_Container): Always when the tag is latest,
    // even beside a digest, or when there is neither tag nor digest (the reference then
    // means latest); IfNotPresent otherwise, `app@sha256:…` included.
    let default = if tag == Some("latest") || (tag.is_none() && !digest) {
        "Always"
    } else {
        "IfNotPresent"
    };
    let policy = c.pull_policy.unwrap_or(default);
    if policy != "Always" {
        let at = match c.pull_policy {
            Some(_) => pod.path(&format!("{}.imagePullPolicy", c.path)),
            None => path,
        };
        let message = if private {
            format!(
                "container {:?} pulls a private image with {policy}: once it is on a node, any pod there can run it without the registry checking credentials",
                c.name
            )
        } else {
            format!(
                "container {:?} pulls with {policy}: if the image is private, once it is on a node any pod there can run it without the registry checking credentials",
                c.name
            )
        };
        out.report(&WH004, at, message);
    }
}

/// Whether the pod pulls with credentials: its own `imagePullSecrets`, or its
/// ServiceAccount's when that is in the scanned set (admission copies them in).
fn pulls_with_credentials(pod: &Pod<'_>, account: Option<&Account>) -> bool {
    pod.template
        .spec
        .image_pull_secrets
        .as_ref()
        .is_some_and(|s| !s.is_empty())
        || account.is_some_and(|a| a.pull_secrets)
}

/// The pod's ServiceAccount: `serviceAccountName`, the deprecated `serviceAccount`, or `default`.
fn service_account(spec: &PodSpec) -> &str {
    spec.service_account_name
        .as_deref()
        .or(spec.service_account.as_deref())
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
}

fn secrets_in_env(pod: &Pod<'_>, c: &Container<'_>, out: &mut Findings<'_>) {
    for (i, e) in c.env.iter().enumerate() {
        if let Some(s) = e
            .value_from
            .as_ref()
            .and_then(|v| v.secret_key_ref.as_ref())
        {
            out.report(
                &WH005,
                pod.path(&format!("{}.env[{i}].valueFrom.secretKeyRef", c.path)),
                format!(
                    "container {:?} reads key {:?} of Secret {} into ${}",
                    c.name, s.key, s.name, e.name
                ),
            );
        }
    }
    for (i, e) in c.env_from.iter().enumerate() {
        if let Some(s) = &e.secret_ref {
            out.report(
                &WH005,
                pod.path(&format!("{}.envFrom[{i}].secretRef", c.path)),
                format!(
                    "container {:?} reads every key of Secret {} into its environment",
                    c.name, s.name
                ),
            );
        }
    }
}

fn resources(pod: &Pod<'_>, c: &Container<'_>, inv: &Inventory, out: &mut Findings<'_>) {
    let Some(res) = c.resources else {
        return;
    };
    if !out.on(&WH006) {
        return;
    }
    let supplied = inv
        .limit_ranges
        .get(&pod.res.namespace)
        .copied()
        .unwrap_or_default();
    let has = |m: Option<&std::collections::BTreeMap<String, _>>, k: &str| {
        m.is_some_and(|m| m.contains_key(k))
    };
    let limits = res.and_then(|r| r.limits.as_ref());
    let requests = res.and_then(|r| r.requests.as_ref());
    // A limit without a request is also the request (API server defaulting).
    let missing: Vec<&str> = [
        ("cpu limit", has(limits, "cpu") || supplied.cpu_limit),
        (
            "memory limit",
            has(limits, "memory") || supplied.memory_limit,
        ),
        (
            "cpu request",
            has(requests, "cpu") || has(limits, "cpu") || supplied.cpu_request,
        ),
        (
            "memory request",
            has(requests, "memory") || has(limits, "memory") || supplied.memory_request,
        ),
    ]
    .into_iter()
    .filter(|(_, set)| !set)
    .map(|(what, _)| what)
    .collect();
    if !missing.is_empty() {
        out.report(
            &WH006,
            pod.path(&format!("{}.resources", c.path)),
            format!(
                "container {:?} has no {} (and no LimitRange in the scanned set supplies one)",
                c.name,
                missing.join(", no ")
            ),
        );
    }
}

/// WH009, for a resource of any kind that names the `default` namespace. One that names
/// none is not reported: it is created in the namespace of the request (`kubectl apply
/// -n`, the context's namespace), which is `default` only when nothing else is said.
pub(crate) fn default_namespace(res: &Resource, out: &mut Findings<'_>) {
    if res.namespace.as_deref() == Some("default") {
        out.report(
            &WH009,
            "metadata.namespace",
            format!(
                "{} {} is in the default namespace, shared by everything deployed without a namespace",
                res.kind,
                res.name.as_deref().unwrap_or_default()
            ),
        );
    }
}

fn namespace(pod: &Pod<'_>, inv: &Inventory, out: &mut Findings<'_>) {
    let ns = pod.res.namespace.as_deref();
    default_namespace(pod.res, out);
    match ns.map(|n| (n, inv.namespaces.get(n))) {
        Some((n, Some(false))) => out.report(
            &WH010,
            "metadata.namespace",
            format!(
                "Namespace {n} has no pod-security.kubernetes.io/enforce label, so admission enforces the cluster default (privileged unless the API server's AdmissionConfiguration says otherwise)"
            ),
        ),
        Some((_, Some(true))) => {}
        _ if out.on(&WH011) => {
            let meta = pod.template.metadata;
            let admits =
                |level| evaluate(level, PolicyVersion::Latest, meta, pod.template.spec).is_empty();
            let level = if admits(Level::Restricted) {
                "restricted"
            } else if admits(Level::Baseline) {
                "baseline"
            } else {
                "privileged"
            };
            let which = match ns {
                Some(n) => format!("Namespace {n} is not in the scanned set"),
                None => "the workload names no namespace".to_owned(),
            };
            let path = if ns.is_some() { "metadata.namespace" } else { "metadata" };
            out.report(
                &WH011,
                path,
                format!("{which}; the pod is admitted where the namespace enforces {level}:latest or a looser level"),
            );
        }
        _ => {}
    }
}
