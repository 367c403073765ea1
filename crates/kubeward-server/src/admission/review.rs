//! AdmissionReview in and out: `admission.k8s.io/v1` (and the same-shaped `v1beta1`,
//! answered in the version asked), typed by kube-rs; and the reviewed object read back as
//! JSON and as a pod (template), which both PodSecurity and PodSecurityPolicy judge.

use std::collections::BTreeMap;

use base64::Engine;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::core::DynamicObject;
use kube::core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview};
use kube::core::response::StatusSummary;
use kubeward_manifest::Workload;
use serde::Deserialize;
use serde_json::Value;

/// The versions the API server may send (`admissionReviewVersions`).
const VERSIONS: [&str; 2] = ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"];

/// Why a body is not an AdmissionReview we can answer: each is an HTTP 400.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The body is not JSON of the AdmissionReview shape.
    #[error("request body is not a valid AdmissionReview: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "unsupported {kind:?} of apiVersion {api_version:?}: expected kind AdmissionReview of admission.k8s.io/v1 or v1beta1"
    )]
    /// The body is JSON but not an `AdmissionReview` of `admission.k8s.io/v1` or `v1beta1`.
    Kind {
        /// The envelope's `apiVersion`.
        api_version: String,
        /// The envelope's `kind`.
        kind: String,
    },
    /// The AdmissionReview has no `request` to answer.
    #[error("AdmissionReview has no request")]
    NoRequest,
}

/// A decoded request.
pub type Request = AdmissionRequest<DynamicObject>;

/// Decodes and checks an AdmissionReview body.
pub fn parse(body: &[u8]) -> Result<Request, ReviewError> {
    let review: AdmissionReview<DynamicObject> = serde_json::from_slice(body)?;
    if review.types.kind != "AdmissionReview"
        || !VERSIONS.contains(&review.types.api_version.as_str())
    {
        return Err(ReviewError::Kind {
            api_version: review.types.api_version,
            kind: review.types.kind,
        });
    }
    let types = review.types;
    let mut request = review.request.ok_or(ReviewError::NoRequest)?;
    // kube copies the envelope's version into the response only through the request.
    request.types = types;
    Ok(request)
}

/// What the webhook decided, before it is put into the wire format.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Verdict {
    /// Whether the request is admitted (`response.allowed`).
    pub allowed: bool,
    /// HTTP-like status code of a denial (403 Forbidden, 422 Invalid, 500 internal).
    pub code: u16,
    /// `Forbidden`, `Invalid`, `InternalError`.
    pub reason: &'static str,
    /// Why the request was denied (`response.status.message`); empty when allowed.
    pub message: String,
    /// Warnings returned to the client (`response.warnings`), which kubectl prints.
    pub warnings: Vec<String>,
    /// Audit annotations without the webhook-name prefix (the API server adds it).
    pub audit: BTreeMap<String, String>,
    /// RFC 6902 operations to apply (mutating webhook only).
    pub patch: Vec<serde_json::Value>,
}

impl Verdict {
    /// Admits the request with no warnings, annotations or patch.
    pub fn allow() -> Self {
        Verdict {
            allowed: true,
            ..Verdict::default()
        }
    }

    /// Denies the request with the status `code` (e.g. 403), `reason` (e.g. `Forbidden`) and `message`.
    pub fn deny(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Verdict {
            allowed: false,
            code,
            reason,
            message: message.into(),
            ..Verdict::default()
        }
    }

    /// Adds one audit annotation (builder style).
    pub fn annotate(mut self, key: &str, value: impl Into<String>) -> Self {
        self.audit.insert(key.to_owned(), value.into());
        self
    }
}

/// The AdmissionReview answering `req` with `verdict`, as JSON. The patch is written as
/// base64 text, as Go's encoding of `[]byte` is (kube-rs writes an array of numbers, which
/// the API server also reads, at four times the size).
pub fn respond(req: &Request, verdict: Verdict) -> serde_json::Value {
    let review = respond_typed(req, verdict);
    let mut json = serde_json::to_value(&review).unwrap_or_else(|e| {
        tracing::error!(error = %e, "AdmissionReview could not be encoded");
        serde_json::Value::Null
    });
    if let Some(patch) = review.response.and_then(|r| r.patch) {
        json["response"]["patch"] =
            serde_json::Value::String(base64::engine::general_purpose::STANDARD.encode(patch));
    }
    json
}

fn respond_typed(req: &Request, verdict: Verdict) -> AdmissionReview<DynamicObject> {
    let mut resp = AdmissionResponse::from(req);
    if !verdict.patch.is_empty() {
        let patch =
            serde_json::from_value::<json_patch::Patch>(serde_json::Value::Array(verdict.patch));
        resp = match patch.map_err(|e| e.to_string()).and_then(|p| {
            AdmissionResponse::from(req)
                .with_patch(p)
                .map_err(|e| e.to_string())
        }) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(uid = %req.uid, error = %e, "patch could not be encoded");
                AdmissionResponse::from(req).deny(format!("internal error encoding patch: {e}"))
            }
        };
    }
    if !verdict.allowed {
        resp = resp.deny(&verdict.message);
        resp.result.code = verdict.code;
        resp.result.reason = verdict.reason.to_owned();
        resp.result.status = Some(StatusSummary::Failure);
    }
    if !verdict.warnings.is_empty() {
        resp.warnings = Some(verdict.warnings);
    }
    resp.audit_annotations = verdict.audit.into_iter().collect();
    resp.into_review()
}

/// The pod template (metadata, spec) inside `object` for `resource`, `None` when the
/// resource has none.
pub fn template_of<'v>(resource: &str, object: &'v Value) -> Option<(&'v Value, &'v Value)> {
    let workload = Workload::by_resource(resource)?;
    let tpl = if workload.is_pod() {
        object
    } else {
        workload
            .template
            .split('.')
            .try_fold(object, |v, key| v.get(key))?
    };
    Some((
        tpl.get("metadata").unwrap_or(&Value::Null),
        tpl.get("spec")?,
    ))
}

/// A decoded pod (template): metadata and spec as k8s-openapi types.
pub struct PodParts {
    /// The pod template's `metadata` (default when absent).
    pub metadata: ObjectMeta,
    /// The pod template's `spec`.
    pub spec: PodSpec,
}

/// Decodes the object's pod template; `Ok(None)` when the resource holds none. The API
/// server defaulted the object before sending it, so no defaults are applied here
/// (`kubeward_podsecurity::defaults` is for manifests, and would change nothing anyway).
pub fn decode(resource: &str, object: &Value) -> Result<Option<PodParts>, String> {
    let Some((meta, spec)) = template_of(resource, object) else {
        return Ok(None);
    };
    let metadata = if meta.is_null() {
        ObjectMeta::default()
    } else {
        ObjectMeta::deserialize(meta).map_err(|e| format!("decoding pod metadata: {e}"))?
    };
    let spec = PodSpec::deserialize(spec).map_err(|e| format!("decoding pod spec: {e}"))?;
    Ok(Some(PodParts { metadata, spec }))
}

/// The object as JSON: kube splits metadata from the rest; checks read both.
pub fn object_json(obj: &DynamicObject) -> Value {
    let mut v = obj.data.clone();
    if let Value::Object(map) = &mut v {
        if let Ok(meta) = serde_json::to_value(&obj.metadata) {
            map.insert("metadata".into(), meta);
        }
    }
    v
}
