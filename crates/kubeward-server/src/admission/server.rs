//! The admission webhook's HTTP surface: `/validate`, `/mutate`, `/healthz`, `/readyz` and
//! `/metrics`, with the body limit, the per-request deadline and the failure policy.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use kubeward_podsecurity::psp::Policy;

use kube::core::admission::Operation;

use super::authz::PolicyAuthorization;
use super::dryrun;
use super::namespaces::{Labels, NamespaceStore};
use super::psp::{self, Phase};
use super::pss::{self, Decision, PodSecurityConfiguration};
use super::review::{self, Request, Verdict};
use crate::metrics::{self, Counter, Family, Histogram, Registry};
use crate::tls::ConnMetrics;

/// What the webhook enforces.
#[derive(Clone, Debug)]
pub enum Mode {
    /// Pod Security Standards from namespace labels, on `/validate` (`/mutate` allows all).
    Pss,
    /// PodSecurityPolicy emulation: admit on `/mutate`, validate on `/validate`.
    Psp(Arc<Vec<Policy>>),
}

/// What to answer when the webhook cannot decide (deadline passed, namespace lookup
/// failed): the same choice the operator made in the webhook configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailurePolicy {
    /// Deny (fail closed).
    Fail,
    /// Allow, with an `error` audit annotation (fail open).
    Ignore,
}

impl FailurePolicy {
    /// The name the API server's webhook configuration uses.
    pub fn as_str(self) -> &'static str {
        match self {
            FailurePolicy::Fail => "Fail",
            FailurePolicy::Ignore => "Ignore",
        }
    }
}

impl std::fmt::Display for FailurePolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `--failure-policy Fail|Ignore` (lower case accepted), as the webhook configuration
/// spells it.
#[cfg(feature = "clap")]
impl clap::ValueEnum for FailurePolicy {
    fn value_variants<'a>() -> &'a [Self] {
        &[FailurePolicy::Fail, FailurePolicy::Ignore]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let (name, alias) = match self {
            FailurePolicy::Fail => ("Fail", "fail"),
            FailurePolicy::Ignore => ("Ignore", "ignore"),
        };
        Some(clap::builder::PossibleValue::new(name).alias(alias))
    }
}

/// The webhook's settings.
#[derive(Clone, Debug)]
pub struct AdmissionConfig {
    /// What the webhook enforces: Pod Security Standards or PodSecurityPolicy emulation.
    pub mode: Mode,
    /// The PodSecurity plugin's configuration (Pod Security Standards mode): defaults for
    /// unlabelled namespaces, and the users, namespaces and runtime classes not evaluated.
    pub pod_security: PodSecurityConfiguration,
    /// PSP mode: where the answers to "may the pod's service account or the user `use`
    /// this policy" come from. The default, [`PolicyAuthorization::Everyone`], authorizes
    /// every policy; the webhook process sets SubjectAccessReviews or RBAC files.
    pub psp_authorization: PolicyAuthorization,
    /// What to answer when no decision can be made in time; should match the webhook configuration's `failurePolicy`.
    pub failure_policy: FailurePolicy,
    /// Largest AdmissionReview body accepted; larger ones get 413.
    pub max_body_bytes: usize,
    /// The deadline when the API server sends no `timeout` query parameter.
    pub default_timeout: Duration,
    /// Longest a whole request may take, body upload included (slow senders get 408 and
    /// give their connection slot back); the API server itself gives up after 30 s.
    pub max_request_time: Duration,
    /// The connection counters shown on `/metrics`: pass the same to
    /// [`crate::tls::ServeOptions::metrics`].
    pub connections: ConnMetrics,
}

impl Default for AdmissionConfig {
    fn default() -> Self {
        AdmissionConfig {
            mode: Mode::Pss,
            pod_security: PodSecurityConfiguration::default(),
            psp_authorization: PolicyAuthorization::Everyone,
            failure_policy: FailurePolicy::Fail,
            // An object may be 3 MiB in etcd; a review carries it twice, plus JSON overhead.
            max_body_bytes: 7 * 1024 * 1024,
            default_timeout: Duration::from_secs(10),
            max_request_time: Duration::from_secs(35),
            connections: ConnMetrics::default(),
        }
    }
}

type Labelled = Vec<(String, String)>;

/// The webhook's metrics.
struct AdmissionMetrics {
    requests: Family<Labelled, Counter>,
    decisions: Family<Labelled, Counter>,
    violations: Family<Labelled, Counter>,
    latency: Family<Labelled, Histogram>,
}

impl AdmissionMetrics {
    fn register(registry: &mut Registry) -> Self {
        let m = AdmissionMetrics {
            requests: Family::default(),
            decisions: Family::default(),
            violations: Family::default(),
            latency: Family::new_with_constructor(metrics::latency_histogram),
        };
        metrics::register!(
            registry,
            "requests" => "HTTP requests by endpoint and status code", m.requests;
            "decisions" => "Admission decisions by namespace, resource, outcome and dry run", m.decisions;
            "check_failures" => "Failed Pod Security checks by check, namespace and mode", m.violations;
            "request_duration_seconds" => "Time to answer an admission request", m.latency;
        );
        m
    }
}

struct AppState {
    cfg: AdmissionConfig,
    namespaces: Arc<NamespaceStore>,
    metrics: AdmissionMetrics,
}

/// The router of the webhook, with its own metrics registry (prefix `kubeward_admission`).
pub fn router(cfg: AdmissionConfig, namespaces: Arc<NamespaceStore>) -> Router {
    let mut registry = Registry::with_prefix("kubeward_admission");
    let metrics = AdmissionMetrics::register(&mut registry);
    cfg.connections.register(&mut registry);
    let limit = cfg.max_body_bytes;
    let max_request_time = cfg.max_request_time;
    let state = Arc::new(AppState {
        cfg,
        namespaces,
        metrics,
    });
    Router::new()
        .route("/validate", review_route("validate"))
        .route("/mutate", review_route("mutate"))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(state)
        .route("/metrics", metrics::route(Arc::new(registry)))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| async move {
                match tokio::time::timeout(max_request_time, next.run(req)).await {
                    Ok(resp) => resp,
                    Err(_) => {
                        tracing::warn!(?max_request_time, "request took too long (slow sender?)");
                        (StatusCode::REQUEST_TIMEOUT, "request took too long").into_response()
                    }
                }
            },
        ))
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if state.namespaces.is_ready() {
        (StatusCode::OK, "ok").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "namespace list not synced yet",
        )
            .into_response()
    }
}

/// The query the API server adds to the webhook URL; only `timeout` matters here.
struct Params {
    timeout: Option<String>,
}

impl Params {
    fn from_query(query: Option<String>) -> Self {
        let timeout = query.as_deref().and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("timeout="))
                .map(str::to_owned)
        });
        Params { timeout }
    }
}

/// Go duration text as the API server writes it (`10s`, `500ms`, `1m`), not all of Go's
/// syntax: anything else falls back to the default.
fn parse_timeout(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = text.split_at(split);
    let n: u64 = n.parse().ok()?;
    match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" => Some(Duration::from_secs(n.saturating_mul(60))),
        _ => None,
    }
}

/// The `POST` route of a review endpoint (`validate`, `mutate`): the review body and the
/// query the API server adds, handed to [`handle`].
fn review_route(endpoint: &'static str) -> MethodRouter<Arc<AppState>> {
    post(
        move |State(state): State<Arc<AppState>>,
              RawQuery(query): RawQuery,
              body: Result<Bytes, BytesRejection>| async move {
            handle(state, Params::from_query(query), body, endpoint).await
        },
    )
}

async fn handle(
    state: Arc<AppState>,
    params: Params,
    body: Result<Bytes, BytesRejection>,
    endpoint: &'static str,
) -> Response {
    let started = Instant::now();
    let response = answer(&state, params, body, endpoint).await;
    let code = response.status().as_u16().to_string();
    let m = &state.metrics;
    m.requests
        .get_or_create(&vec![
            ("endpoint".into(), endpoint.into()),
            ("code".into(), code),
        ])
        .inc();
    m.latency
        .get_or_create(&vec![("endpoint".into(), endpoint.into())])
        .observe(started.elapsed().as_secs_f64());
    response
}

fn bad_request(status: StatusCode, message: String) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

async fn answer(
    state: &AppState,
    params: Params,
    body: Result<Bytes, BytesRejection>,
    endpoint: &'static str,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(rejection) => {
            tracing::warn!(endpoint, error = %rejection.body_text(), "request body rejected");
            return bad_request(rejection.status(), rejection.body_text());
        }
    };
    let req = match review::parse(&body) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(endpoint, bytes = body.len(), error = %e, "bad AdmissionReview");
            return bad_request(StatusCode::BAD_REQUEST, e.to_string());
        }
    };
    // Leave a margin so that the answer reaches the API server before it gives up.
    let budget = params
        .timeout
        .as_deref()
        .and_then(parse_timeout)
        .unwrap_or(state.cfg.default_timeout)
        .min(Duration::from_secs(30));
    let budget = budget.saturating_sub(budget / 10);
    let decision = match tokio::time::timeout(budget, decide(state, &req, endpoint, budget)).await {
        Ok(d) => d,
        Err(_) => {
            tracing::warn!(uid = %req.uid, ?budget, "admission deadline passed");
            Decision::from(Verdict::deny(
                500,
                "InternalError",
                "kubeward admission timed out before a decision",
            ))
        }
    };
    let verdict = apply_failure_policy(state.cfg.failure_policy, decision.verdict);
    record(state, &req, endpoint, &verdict, &decision.findings);
    axum::Json(review::respond(&req, verdict)).into_response()
}

/// A decision that is an internal error follows the failure policy.
fn apply_failure_policy(policy: FailurePolicy, verdict: Verdict) -> Verdict {
    if verdict.allowed || verdict.code != 500 || policy == FailurePolicy::Fail {
        return verdict;
    }
    let mut allowed = Verdict::allow();
    allowed.audit = verdict.audit;
    allowed.annotate(pss::ERROR, verdict.message)
}

fn record(state: &AppState, req: &Request, endpoint: &str, v: &Verdict, findings: &[pss::Finding]) {
    let ns_name = req.namespace.as_deref().unwrap_or("");
    // Label values must stay bounded: only namespaces that exist get their own series.
    let namespace = if req.resource.resource == "namespaces" {
        "-".to_owned()
    } else if state.namespaces.get(ns_name).is_some() {
        ns_name.to_owned()
    } else {
        "<unknown>".to_owned()
    };
    let outcome = match (v.allowed, v.warnings.is_empty()) {
        (false, _) => "denied",
        (true, false) => "warned",
        (true, true) => "allowed",
    };
    state
        .metrics
        .decisions
        .get_or_create(&vec![
            ("namespace".into(), namespace.clone()),
            (
                "resource".into(),
                resource_label(&req.resource.resource).into(),
            ),
            ("outcome".into(), outcome.into()),
            ("dry_run".into(), req.dry_run.to_string()),
        ])
        .inc();
    for (mode, check) in findings {
        state
            .metrics
            .violations
            .get_or_create(&vec![
                ("check".into(), (*check).into()),
                ("namespace".into(), namespace.clone()),
                ("mode".into(), (*mode).into()),
            ])
            .inc();
    }
    if !v.allowed {
        tracing::info!(
            endpoint,
            uid = %req.uid,
            namespace = ns_name,
            name = %req.name,
            resource = %req.resource.resource,
            dry_run = req.dry_run,
            message = %v.message,
            "denied"
        );
    }
}

/// The resource as a metric label: only the resources the webhook judges, so that a
/// client calling the Service directly cannot mint series.
fn resource_label(resource: &str) -> &str {
    if resource == "pods" || resource == "namespaces" || pss::is_workload(resource) {
        resource
    } else {
        "other"
    }
}

async fn lookup(state: &AppState, namespace: &str) -> Result<Labels, String> {
    match state.namespaces.lookup(namespace).await {
        Ok(Some(l)) => Ok(l),
        Ok(None) => Err(format!("namespace \"{namespace}\" not found")),
        Err(e) => Err(e),
    }
}

/// The decision; dry runs get exactly the answer a real request would (the API server
/// shows it to `--dry-run=server`), since the webhook has no side effects to skip.
async fn decide(
    state: &AppState,
    req: &Request,
    endpoint: &'static str,
    budget: Duration,
) -> Decision {
    let ex = &state.cfg.pod_security;
    let resource = req.resource.resource.as_str();
    match (&state.cfg.mode, endpoint) {
        (Mode::Psp(policies), _) => {
            let phase = if endpoint == "mutate" {
                Phase::Admit
            } else {
                Phase::Validate
            };
            // Most of the budget: a slow API server is then named in the answer.
            let within = budget.saturating_sub(budget / 5);
            let authz = &state.cfg.psp_authorization;
            psp::review(req, policies, phase, authz, within).await
        }
        (Mode::Pss, "mutate") => Verdict::allow().into(),
        (Mode::Pss, _) if resource == "namespaces" && req.resource.group.is_empty() => {
            let mut d = pss::review_namespace(req, ex);
            if d.verdict.allowed && req.operation == Operation::Update && req.sub_resource.is_none()
            {
                // Half the time left at most, as upstream, and never more than a second.
                let deadline = Instant::now() + (budget / 2).min(Duration::from_secs(1));
                d.verdict
                    .warnings
                    .extend(dry_run_existing_pods(state, req, deadline).await);
            }
            d
        }
        (Mode::Pss, _) => {
            let pod = resource == "pods" && req.resource.group.is_empty();
            if !pod && !pss::is_workload(resource) {
                return Verdict::allow().into();
            }
            let ns = req.namespace.as_deref().unwrap_or("");
            // Exempt namespaces are never looked up (they may not be synced yet).
            let labels = if ex.exemptions.namespaces.contains(ns) {
                Ok(Arc::new(BTreeMap::new()))
            } else {
                lookup(state, ns).await
            };
            let labels = labels.as_deref().map_err(Clone::clone);
            if pod {
                pss::review_pod(req, ex, labels)
            } else {
                pss::review_workload(req, ex, labels)
            }
        }
    }
}

/// Warnings from checking the namespace's pods against its new enforce policy, when the
/// update tightens it.
async fn dry_run_existing_pods(state: &AppState, req: &Request, deadline: Instant) -> Vec<String> {
    let ex = &state.cfg.pod_security;
    let old = pss::labels_of(req.old_object.as_ref());
    let new = pss::labels_of(req.object.as_ref());
    let Some(enforce) = dryrun::needed(&old, &new, &req.name, ex) else {
        return Vec::new();
    };
    let limit = u32::try_from(dryrun::MAX_PODS).unwrap_or(u32::MAX);
    let listed = tokio::time::timeout_at(
        deadline.into(),
        state.namespaces.list_pods(&req.name, limit),
    )
    .await;
    match listed {
        Ok(None) => Vec::new(),
        Ok(Some(Ok((pods, unlisted)))) => {
            dryrun::warnings(&req.name, enforce, &pods, unlisted, ex, deadline)
        }
        Ok(Some(Err(e))) => {
            tracing::warn!(namespace = %req.name, error = %e, "listing pods for the enforce dry run failed");
            vec!["failed to list pods while checking new PodSecurity enforce level".to_string()]
        }
        Err(_) => {
            vec!["failed to list pods while checking new PodSecurity enforce level".to_string()]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_as_the_api_server_writes_them() {
        assert_eq!(parse_timeout("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_timeout("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_timeout("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_timeout("s"), None);
        assert_eq!(parse_timeout("10h"), None);
    }

    #[test]
    fn metric_labels_stay_bounded() {
        assert_eq!(resource_label("deployments"), "deployments");
        assert_eq!(resource_label("pods"), "pods");
        assert_eq!(resource_label("x-made-up-by-a-client"), "other");
    }

    #[test]
    fn only_internal_errors_follow_the_failure_policy() {
        let forbidden = Verdict::deny(403, "Forbidden", "no");
        assert!(!apply_failure_policy(FailurePolicy::Ignore, forbidden).allowed);
        let internal = Verdict::deny(500, "InternalError", "lookup failed");
        assert!(!apply_failure_policy(FailurePolicy::Fail, internal.clone()).allowed);
        let opened = apply_failure_policy(FailurePolicy::Ignore, internal);
        assert!(opened.allowed);
        assert_eq!(
            opened.audit.get(pss::ERROR).map(String::as_str),
            Some("lookup failed")
        );
    }
}
