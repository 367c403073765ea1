//! The body of the `admission_review` fuzz target
//! (fuzz/fuzz_targets/admission_review.rs includes this file), replayed over its corpus
//! by tests/fuzz_corpus.rs.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use http_body_util::BodyExt;
use kubeward_server::admission::namespaces::NamespaceStore;
use kubeward_server::admission::review;
use kubeward_server::admission::{AdmissionConfig, Mode, router};
use serde_json::Value;
use tower::ServiceExt;

/// The PodSecurityPolicies of the PSP-mode webhook: one that defaults and one that
/// allows everything, so that both the admit patch and the validation paths run.
const POLICIES: &str = r#"
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: a-defaulting}
spec:
  privileged: false
  runAsUser: {rule: MustRunAs, ranges: [{min: 1000, max: 2000}]}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}
  fsGroup: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}
  allowedCapabilities: [NET_BIND_SERVICE]
  defaultAddCapabilities: [CHOWN]
  requiredDropCapabilities: [ALL]
  allowedHostPaths: [{pathPrefix: /var/log, readOnly: true}]
  volumes: [configMap, secret, emptyDir, hostPath, projected]
---
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: z-open
  annotations:
    seccomp.security.alpha.kubernetes.io/allowedProfileNames: '*'
spec:
  privileged: true
  allowPrivilegeEscalation: true
  allowedCapabilities: ['*']
  hostNetwork: true
  hostPID: true
  hostIPC: true
  hostPorts: [{min: 0, max: 65535}]
  runAsUser: {rule: RunAsAny}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
  volumes: ['*']
"#;

struct Webhooks {
    runtime: tokio::runtime::Runtime,
    pss: Router,
    psp: Router,
}

fn webhooks() -> &'static Webhooks {
    static HOOKS: OnceLock<Webhooks> = OnceLock::new();
    HOOKS.get_or_init(|| {
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let namespaces = NamespaceStore::fixed(HashMap::from([
            ("default".to_string(), BTreeMap::new()),
            (
                "restricted".to_string(),
                labels(&[
                    ("pod-security.kubernetes.io/enforce", "restricted"),
                    ("pod-security.kubernetes.io/warn", "restricted"),
                    ("pod-security.kubernetes.io/audit", "restricted"),
                ]),
            ),
            (
                "mixed".to_string(),
                labels(&[
                    ("pod-security.kubernetes.io/enforce", "baseline"),
                    ("pod-security.kubernetes.io/enforce-version", "v1.23"),
                    ("pod-security.kubernetes.io/warn", "restricted"),
                    ("pod-security.kubernetes.io/audit", "bogus"),
                ]),
            ),
        ]));
        let file: Arc<str> = Arc::from("policies.yaml");
        let resources: Vec<_> = kubeward_manifest::parse_documents(
            &file,
            POLICIES,
            &kubeward_manifest::Limits::default(),
        )
        .into_iter()
        .map(|r| r.expect("the fuzz policies parse"))
        .collect();
        let (policies, errors) = kubeward_podsecurity::psp::load_policies(&resources);
        assert!(errors.is_empty(), "{errors:?}");
        let mut pss_cfg = AdmissionConfig::default();
        pss_cfg
            .pod_security
            .exemptions
            .usernames
            .insert("exempt-user".into());
        pss_cfg
            .pod_security
            .exemptions
            .namespaces
            .insert("kube-system".into());
        pss_cfg
            .pod_security
            .exemptions
            .runtime_classes
            .insert("exempt-rc".into());
        let psp_cfg = AdmissionConfig {
            mode: Mode::Psp(Arc::new(policies)),
            ..AdmissionConfig::default()
        };
        Webhooks {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .expect("a tokio runtime"),
            pss: router(pss_cfg, namespaces.clone()),
            psp: router(psp_cfg, namespaces),
        }
    })
}

/// One request body to `path` of `app`: the status and the body.
async fn post(app: &Router, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let req = axum::http::Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_vec()))
        .expect("a request");
    let resp = app
        .clone()
        .oneshot(req)
        .await
        .expect("the router is infallible");
    let status = resp.status().as_u16();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .expect("an in-memory body")
        .to_bytes();
    (status, bytes.to_vec())
}

/// Arbitrary bytes as an AdmissionReview body, posted to both endpoints of the
/// webhook in PSS mode and in PSP mode, in process. The body is answered with an
/// AdmissionReview for the same uid and version exactly when it decodes, else with 400
/// and a JSON error.
pub fn admission_review(data: &[u8]) {
    let hooks = webhooks();
    let decoded = review::parse(data);
    for app in [&hooks.pss, &hooks.psp] {
        for path in ["/validate", "/mutate"] {
            let (status, body) = hooks.runtime.block_on(post(app, path, data));
            let answer: Value = serde_json::from_slice(&body).expect("every answer is JSON");
            match &decoded {
                Ok(req) => {
                    assert_eq!(status, 200, "{path}: {answer}");
                    assert_eq!(answer["kind"], "AdmissionReview");
                    assert_eq!(answer["apiVersion"], req.types.api_version.as_str());
                    assert_eq!(answer["response"]["uid"], req.uid.as_str());
                    assert!(answer["response"]["allowed"].is_boolean(), "{answer}");
                }
                Err(_) => {
                    assert_eq!(status, 400, "{path}: {answer}");
                    assert!(answer["error"].is_string(), "{answer}");
                }
            }
        }
    }
}
