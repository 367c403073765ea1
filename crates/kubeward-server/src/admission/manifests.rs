//! Everything needed to deploy the admission webhook (`kubeward webhook manifests`), in
//! apply order, with a generated serving certificate or cert-manager's. The Deployment
//! itself passes `kubeward scan` at restricted (a test holds it to that).

use base64::Engine;
use serde_json::{Value, json};

use super::FailurePolicy;

const NAME: &str = "kubeward-webhook";
const TLS_SECRET: &str = "kubeward-webhook-tls";
const PORT: u16 = 8443;

/// The Service's DNS names, as the API server and in-cluster clients dial them.
pub fn dns_names(ns: &str) -> Vec<String> {
    vec![
        NAME.to_string(),
        format!("{NAME}.{ns}"),
        format!("{NAME}.{ns}.svc"),
        format!("{NAME}.{ns}.svc.cluster.local"),
    ]
}

/// What the manifests deploy.
#[derive(Clone, Debug)]
pub struct ManifestOptions {
    /// Namespace the webhook runs in.
    pub namespace: String,
    /// Which admission the webhook does; decides the webhook configurations deployed.
    pub mode: WebhookMode,
    /// cert-manager (an Issuer, a Certificate and CA injection) instead of a generated
    /// certificate in a Secret.
    pub cert_manager: bool,
    /// Container image of kubeward.
    pub image: String,
    /// `failurePolicy` of the webhook configurations, also passed to the server so that its own fallback agrees.
    pub failure_policy: FailurePolicy,
}

/// Which admission the deployed webhook does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookMode {
    /// Pod Security Standards per namespace labels (validating only).
    Pss,
    /// PodSecurityPolicy emulation: mutating (defaults) and validating.
    Psp,
}

/// The serving certificate could not be generated.
#[derive(Debug, thiserror::Error)]
#[error("{step}: {source}")]
pub struct ManifestError {
    step: &'static str,
    source: rcgen::Error,
}

fn step(step: &'static str) -> impl FnOnce(rcgen::Error) -> ManifestError {
    move |source| ManifestError { step, source }
}

/// A CA and a serving certificate signed by it: (CA PEM, certificate PEM, key PEM).
fn generate_certificate(ns: &str) -> Result<(String, String, String), ManifestError> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().map_err(step("generating the CA key"))?;
    let mut ca_params =
        CertificateParams::new(Vec::<String>::new()).map_err(step("describing the CA"))?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, format!("{NAME} CA"));
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(step("signing the CA"))?;
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().map_err(step("generating the serving key"))?;
    let mut params = CertificateParams::new(dns_names(ns))
        .map_err(step("describing the serving certificate"))?;
    params
        .distinguished_name
        .push(DnType::CommonName, format!("{NAME}.{ns}.svc"));
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(step("signing the serving certificate"))?;
    Ok((ca_cert.pem(), cert.pem(), key.serialize_pem()))
}

fn labels() -> Value {
    json!({"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "kubeward"})
}

/// All documents, in apply order.
pub fn manifests(args: &ManifestOptions) -> Result<Vec<Value>, ManifestError> {
    let ns = args.namespace.as_str();
    let meta = |name: &str| json!({"name": name, "namespace": ns, "labels": labels()});
    let mut docs = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {
            "name": ns,
            "labels": {"pod-security.kubernetes.io/enforce": "restricted",
                       "pod-security.kubernetes.io/enforce-version": "latest"}}}),
        // Off for the account; the webhook's pod asks for its token explicitly.
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(NAME),
            "automountServiceAccountToken": false}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": NAME, "labels": labels()},
            "rules": cluster_role_rules(args.mode)}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": NAME, "labels": labels()},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NAME},
            "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": ns}]}),
    ];
    let (ca_bundle, inject) = if args.cert_manager {
        docs.push(json!({"apiVersion": "cert-manager.io/v1", "kind": "Issuer",
            "metadata": meta(&format!("{NAME}-selfsigned")), "spec": {"selfSigned": {}}}));
        docs.push(
            json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": meta(NAME),
            "spec": {"secretName": TLS_SECRET, "dnsNames": dns_names(ns),
                     "issuerRef": {"name": format!("{NAME}-selfsigned"), "kind": "Issuer"},
                     "privateKey": {"rotationPolicy": "Always"}}}),
        );
        (None, Some(format!("{ns}/{NAME}")))
    } else {
        let (ca, cert, key) = generate_certificate(ns)?;
        docs.push(
            json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": meta(TLS_SECRET),
            "stringData": {"tls.crt": cert, "tls.key": key, "ca.crt": ca.clone()}}),
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode(ca.as_bytes());
        (Some(b64), None)
    };
    docs.push(deployment(args));
    docs.push(network_policy(ns));
    docs.push(
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta(NAME),
        "spec": {"minAvailable": 1, "selector": {"matchLabels": labels()}}}),
    );
    docs.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": meta(NAME),
        "spec": {"selector": labels(),
                 "ports": [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}]}}));
    docs.extend(webhook_configurations(
        args,
        ca_bundle.as_deref(),
        inject.as_deref(),
    ));
    Ok(docs)
}

/// What the webhook's ServiceAccount may do.
fn cluster_role_rules(mode: WebhookMode) -> Value {
    let mut rules = vec![
        json!({"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]}),
        // Listing pods: the dry run when a namespace's enforce level is tightened.
        json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}),
    ];
    if mode == WebhookMode::Psp {
        // Asking whether the pod's service account or the user may `use` each policy.
        rules.push(json!({"apiGroups": ["authorization.k8s.io"],
            "resources": ["subjectaccessreviews"], "verbs": ["create"]}));
    }
    Value::Array(rules)
}

fn deployment(args: &ManifestOptions) -> Value {
    let ns = args.namespace.as_str();
    let mut cmd = vec![
        "webhook".to_string(),
        "serve".into(),
        format!("--listen=0.0.0.0:{PORT}"),
        format!("--failure-policy={}", args.failure_policy.as_str()),
    ];
    let mut volumes = vec![json!({"name": "tls", "secret": {"secretName": TLS_SECRET}})];
    let mut mounts =
        vec![json!({"name": "tls", "mountPath": "/etc/kubeward/tls", "readOnly": true})];
    if args.mode == WebhookMode::Psp {
        cmd.extend(["--mode=psp".to_string(), "--psp=/etc/kubeward/psp".into()]);
        volumes
            .push(json!({"name": "psp", "configMap": {"name": "kubeward-psp", "optional": false}}));
        mounts.push(json!({"name": "psp", "mountPath": "/etc/kubeward/psp", "readOnly": true}));
    }
    let probe = |path: &str| {
        json!({"httpGet": {"path": path, "port": "https", "scheme": "HTTPS"},
               "periodSeconds": 10, "timeoutSeconds": 2, "failureThreshold": 3})
    };
    // `kubeward scan` of these manifests reports nothing that is not said here.
    let ignored = json!({
        "kubeward.io/ignore": "WH001,WH004,EX005",
        "kubeward.io/ignore-reason": "the webhook reads Namespace labels and lists pods through the API server, \
            whose address and port differ from cluster to cluster, so it needs its token and open egress; \
            its image is public, and pulling it on every start would stop admission when the registry is down"
    });
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": NAME, "namespace": ns, "labels": labels(), "annotations": ignored},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": labels()},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
        "template": {
            "metadata": {"labels": labels()},
            "spec": {
                "serviceAccountName": NAME,
                "automountServiceAccountToken": true,
                "securityContext": {"runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532,
                                    "seccompProfile": {"type": "RuntimeDefault"}},
                // Spread the replicas so that one node going away leaves one serving.
                "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                    "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": labels()}}],
                "containers": [{
                    "name": "webhook",
                    "image": args.image,
                    "imagePullPolicy": "IfNotPresent",
                    "args": cmd,
                    "ports": [{"name": "https", "containerPort": PORT, "protocol": "TCP"}],
                    "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                                        "runAsNonRoot": true, "privileged": false,
                                        "capabilities": {"drop": ["ALL"]}},
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                                  "limits": {"cpu": "1", "memory": "256Mi"}},
                    "livenessProbe": probe("/healthz"),
                    "readinessProbe": probe("/readyz"),
                    "volumeMounts": mounts
                }],
                "volumes": volumes
            }
        }
    }})
}

/// Isolates the webhook's pods for ingress: only its serving port is open, to any peer,
/// since the API server may call from the host network or from outside the cluster.
fn network_policy(ns: &str) -> Value {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": NAME, "namespace": ns, "labels": labels()},
        "spec": {"podSelector": {"matchLabels": labels()}, "policyTypes": ["Ingress"],
                 "ingress": [{"ports": [{"port": PORT, "protocol": "TCP"}]}]}})
}

/// The webhook configurations: validating always, mutating for PSP defaulting. The
/// webhook's own namespace is left out so that it can always start.
fn webhook_configurations(
    args: &ManifestOptions,
    ca: Option<&str>,
    inject: Option<&str>,
) -> Vec<Value> {
    let ns = args.namespace.as_str();
    let annotations = match inject {
        Some(i) => json!({"cert-manager.io/inject-ca-from": i}),
        None => json!({}),
    };
    let client = |path: &str| {
        let mut c = json!({"service": {"name": NAME, "namespace": ns, "path": path, "port": 443}});
        if let Some(ca) = ca {
            c["caBundle"] = json!(ca);
        }
        c
    };
    let hook = |name: &str, path: &str, rules: Value| {
        json!({
            "name": name,
            "clientConfig": client(path),
            "rules": rules,
            "admissionReviewVersions": ["v1"],
            "sideEffects": "None",
            "timeoutSeconds": 10,
            "failurePolicy": args.failure_policy.as_str(),
            "matchPolicy": "Equivalent",
            "namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name",
                "operator": "NotIn", "values": [ns]}]}
        })
    };
    let rule = |groups: &[&str], resources: &[&str], ops: &[&str]| json!({"apiGroups": groups, "apiVersions": ["*"], "resources": resources, "operations": ops, "scope": "*"});
    let cu: &[&str] = &["CREATE", "UPDATE"];
    let meta = |kind: &str| json!({"name": format!("{NAME}-{kind}"), "labels": labels(), "annotations": annotations.clone()});
    match args.mode {
        WebhookMode::Pss => vec![json!({
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": meta("pss"),
            "webhooks": [hook("pod-security.webhook.kubeward.io", "/validate", json!([
                rule(&[""], &["pods", "pods/ephemeralcontainers", "namespaces", "podtemplates", "replicationcontrollers"], cu),
                rule(&["apps"], &["deployments", "replicasets", "statefulsets", "daemonsets"], cu),
                rule(&["batch"], &["jobs", "cronjobs"], cu)
            ]))]
        })],
        WebhookMode::Psp => vec![
            json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
                "metadata": meta("psp"),
                "webhooks": [hook("psp-admit.webhook.kubeward.io", "/mutate",
                    json!([rule(&[""], &["pods"], &["CREATE"])]))]}),
            json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
                "metadata": meta("psp"),
                "webhooks": [hook("psp-validate.webhook.kubeward.io", "/validate",
                    json!([rule(&[""], &["pods"], cu)]))]}),
        ],
    }
}
