//! Who may `use` which PodSecurityPolicy, asked before a pod is judged in PSP mode.
//!
//! The PodSecurityPolicy plugin counts a policy only when the pod's service account or the
//! requesting user may `use` it: verb `use` on `podsecuritypolicies` named after the policy,
//! in the pod's namespace, in API group `policy` and then `extensions` (the service account
//! is asked first, then the user). The plugin asks its in-process authorizer while it picks
//! a policy; the webhook asks before, for every policy, so that the synchronous choice
//! ([`kubeward_podsecurity::psp::admit_pod`]) runs on answers already in hand
//! ([`Authorized`]).
//!
//! The answers come from one of:
//! - `authorization.k8s.io/v1` SubjectAccessReviews through the API server, cached for a
//!   short time ([`PolicyAuthorization::SubjectAccessReview`], [`SarCache`]);
//! - RBAC objects read from files, offline, no API calls ([`PolicyAuthorization::Rbac`]);
//! - nothing: every policy is usable ([`PolicyAuthorization::Everyone`]).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use kube::api::PostParams;
use kube::{Api, Client};
use kubeward_podsecurity::psp::{Authorizer, Policy, RbacAuthorizer, UserInfo};

/// The API groups the plugin checks, in its order.
pub const POLICY_GROUPS: [&str; 2] = ["policy", "extensions"];

/// SubjectAccessReviews in flight at once for one admission request.
const CONCURRENT_REVIEWS: usize = 8;

/// Largest question (its strings' bytes) whose answer is cached: the cache then holds at
/// most `capacity` × 8 KiB of keys, however large the `userInfo` a review carries (anyone
/// reaching the Service can send one). Larger questions are asked every time.
pub const MAX_CACHED_KEY_BYTES: usize = 8 * 1024;

/// An identity as the authorizer sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Identity {
    /// The user name.
    pub user: String,
    /// The user's groups, in the order the authenticator gave them.
    pub groups: Vec<String>,
    /// The user's UID (empty when none).
    pub uid: String,
    /// The authenticator's extra attributes.
    pub extra: BTreeMap<String, Vec<String>>,
}

impl Identity {
    /// The identity the plugin builds for a pod's service account: no UID, no extra, and
    /// not the `system:authenticated` group an authenticator would add.
    pub fn service_account(namespace: &str, name: &str) -> Identity {
        Identity {
            user: format!("system:serviceaccount:{namespace}:{name}"),
            groups: vec![
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{namespace}"),
            ],
            ..Identity::default()
        }
    }

    fn user_info(&self) -> UserInfo {
        UserInfo {
            name: self.user.clone(),
            groups: self.groups.clone(),
        }
    }
}

/// Everything one `use` question depends on: the cache key, so that no answer is reused
/// for another user, group set, UID, extra, namespace, API group or policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attributes {
    /// Who asks.
    pub identity: Identity,
    /// The pod's namespace.
    pub namespace: String,
    /// `policy` or `extensions`.
    pub group: &'static str,
    /// The policy's name.
    pub policy: String,
}

impl Attributes {
    /// The bytes of the question's strings (what a cache entry holds, besides overhead).
    pub fn size(&self) -> usize {
        let id = &self.identity;
        let strings = |v: &[String]| v.iter().map(String::len).sum::<usize>();
        id.user.len()
            + strings(&id.groups)
            + id.uid.len()
            + id.extra
                .iter()
                .map(|(k, v)| k.len() + strings(v))
                .sum::<usize>()
            + self.namespace.len()
            + self.group.len()
            + self.policy.len()
    }

    /// The SubjectAccessReview asking this question.
    pub fn review(&self) -> SubjectAccessReview {
        let id = &self.identity;
        SubjectAccessReview {
            spec: SubjectAccessReviewSpec {
                user: Some(id.user.clone()),
                groups: Some(id.groups.clone()),
                uid: (!id.uid.is_empty()).then(|| id.uid.clone()),
                extra: (!id.extra.is_empty()).then(|| id.extra.clone()),
                resource_attributes: Some(ResourceAttributes {
                    namespace: Some(self.namespace.clone()),
                    verb: Some("use".into()),
                    group: Some(self.group.into()),
                    version: Some("*".into()),
                    resource: Some("podsecuritypolicies".into()),
                    name: Some(self.policy.clone()),
                    ..ResourceAttributes::default()
                }),
                ..SubjectAccessReviewSpec::default()
            },
            ..SubjectAccessReview::default()
        }
    }
}

/// Why the webhook could not find out whether a policy may be used.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizationError {
    /// The SubjectAccessReview call failed (connection, HTTP error, bad answer).
    #[error(
        "SubjectAccessReview of {user:?} using PodSecurityPolicy {policy:?} (group {group:?}) failed: {source}"
    )]
    Review {
        /// The user asked about.
        user: String,
        /// The policy asked about.
        policy: String,
        /// The API group asked about.
        group: &'static str,
        /// What the client said.
        #[source]
        source: Box<kube::Error>,
    },
    /// The SubjectAccessReviews did not all answer within the time given.
    #[error("SubjectAccessReviews for PodSecurityPolicy use did not answer within {0:?}")]
    Timeout(Duration),
}

/// Answers kept for a short time, at most `capacity` of them; the oldest go first when
/// full (entries are inserted in expiry order, since every one lives `ttl`).
#[derive(Debug)]
pub struct SarCache {
    ttl: Duration,
    capacity: usize,
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    answers: HashMap<Arc<Attributes>, (bool, Instant)>,
    /// Insertion order; an entry whose time differs from the map's is stale (the key was
    /// stored again) and is dropped when it reaches the front.
    order: VecDeque<(Instant, Arc<Attributes>)>,
}

impl SarCache {
    /// A cache keeping answers `ttl` (zero: nothing is kept), at most `capacity`.
    pub fn new(ttl: Duration, capacity: usize) -> SarCache {
        SarCache {
            ttl,
            capacity,
            inner: Mutex::new(CacheInner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The answer for `key` if one younger than the TTL is kept at `now`.
    pub fn get_at(&self, key: &Attributes, now: Instant) -> Option<bool> {
        let inner = self.lock();
        let (allowed, at) = inner.answers.get(key)?;
        (now.saturating_duration_since(*at) < self.ttl).then_some(*allowed)
    }

    /// Keeps `allowed` for `key` from `now`, evicting expired answers, then the oldest,
    /// to stay within the capacity. A key over [`MAX_CACHED_KEY_BYTES`] is not kept.
    pub fn insert_at(&self, key: Attributes, allowed: bool, now: Instant) {
        if self.ttl.is_zero() || self.capacity == 0 || key.size() > MAX_CACHED_KEY_BYTES {
            return;
        }
        let mut inner = self.lock();
        let CacheInner { answers, order } = &mut *inner;
        while let Some((at, front)) = order.front() {
            let expired = now.saturating_duration_since(*at) >= self.ttl;
            if !expired && order.len() < self.capacity {
                break;
            }
            if answers.get(front).is_some_and(|(_, t)| t == at) {
                answers.remove(front);
            }
            order.pop_front();
        }
        let key = Arc::new(key);
        answers.insert(Arc::clone(&key), (allowed, now));
        order.push_back((now, key));
    }

    /// Answers kept now (expired ones included until they are evicted).
    pub fn len(&self) -> usize {
        self.lock().answers.len()
    }

    /// Whether no answer is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// SubjectAccessReviews through the API server, with their answers cached.
pub struct SarAuthorizer {
    client: Client,
    cache: SarCache,
}

impl std::fmt::Debug for SarAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SarAuthorizer")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl SarAuthorizer {
    /// Asks through `client`; answers are kept `ttl`, at most `capacity` of them.
    pub fn new(client: Client, ttl: Duration, capacity: usize) -> SarAuthorizer {
        SarAuthorizer {
            client,
            cache: SarCache::new(ttl, capacity),
        }
    }

    /// Connects as kube-rs's default configuration says (in-cluster ServiceAccount, else
    /// KUBECONFIG), as the namespace watch does.
    pub async fn connect(ttl: Duration, capacity: usize) -> Result<SarAuthorizer, kube::Error> {
        Ok(SarAuthorizer::new(
            Client::try_default().await?,
            ttl,
            capacity,
        ))
    }

    /// The cache (for tests and metrics).
    pub fn cache(&self) -> &SarCache {
        &self.cache
    }

    /// Whether the API server's authorizer allows `attrs`, from the cache when it can.
    /// An answer with an `evaluationError` counts as given (allowed only when `allowed`,
    /// as the plugin treats its authorizer's errors) but is not cached.
    pub async fn allowed(&self, attrs: &Attributes) -> Result<bool, AuthorizationError> {
        if let Some(allowed) = self.cache.get_at(attrs, Instant::now()) {
            return Ok(allowed);
        }
        let api: Api<SubjectAccessReview> = Api::all(self.client.clone());
        let answer = api
            .create(&PostParams::default(), &attrs.review())
            .await
            .map_err(|source| AuthorizationError::Review {
                user: attrs.identity.user.clone(),
                policy: attrs.policy.clone(),
                group: attrs.group,
                source: Box::new(source),
            })?;
        let status = answer.status.unwrap_or_default();
        match status.evaluation_error.filter(|e| !e.is_empty()) {
            Some(error) => tracing::debug!(
                user = %attrs.identity.user, policy = %attrs.policy, group = attrs.group, %error,
                "SubjectAccessReview answered with an evaluation error"
            ),
            None => self
                .cache
                .insert_at(attrs.clone(), status.allowed, Instant::now()),
        }
        Ok(status.allowed)
    }
}

/// Where the answers to "may this identity use this policy" come from (PSP mode).
#[derive(Clone, Default)]
pub enum PolicyAuthorization {
    /// Every policy is usable by everyone: no authorization at all. Only for offline runs
    /// with no RBAC files and no cluster; it changes which policy admits a pod.
    #[default]
    Everyone,
    /// RBAC objects read from files (`webhook serve --rbac`), evaluated in process.
    Rbac(Arc<RbacAuthorizer>),
    /// SubjectAccessReviews through the API server, cached.
    SubjectAccessReview(Arc<SarAuthorizer>),
}

impl std::fmt::Debug for PolicyAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyAuthorization::Everyone => f.write_str("Everyone"),
            PolicyAuthorization::Rbac(_) => f.write_str("Rbac"),
            PolicyAuthorization::SubjectAccessReview(sar) => sar.fmt(f),
        }
    }
}

/// The policies one admission request may use, decided beforehand: answers by policy name
/// for the identities it was computed for, whoever `admit` then names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Authorized {
    /// Every policy.
    All,
    /// These policies.
    Only(HashSet<String>),
}

impl Authorizer for Authorized {
    fn may_use(&self, _: &UserInfo, _: &str, policy: &str) -> bool {
        match self {
            Authorized::All => true,
            Authorized::Only(set) => set.contains(policy),
        }
    }
}

impl PolicyAuthorization {
    /// Which of `policies` the service account (when the pod names one) or the user may
    /// use in `namespace`; `within` bounds the time spent asking the API server.
    pub async fn authorize(
        &self,
        policies: &[Policy],
        service_account: Option<&Identity>,
        user: &Identity,
        namespace: &str,
        within: Duration,
    ) -> Result<Authorized, AuthorizationError> {
        // Policies that failed to load are never tried, so never asked about.
        let names: Vec<String> = policies
            .iter()
            .filter(|p| p.provider.is_ok())
            .map(|p| p.name.clone())
            .collect();
        let identities: Vec<Identity> =
            service_account.into_iter().chain([user]).cloned().collect();
        match self {
            PolicyAuthorization::Everyone => Ok(Authorized::All),
            PolicyAuthorization::Rbac(rbac) => {
                let infos: Vec<UserInfo> = identities.iter().map(Identity::user_info).collect();
                let mut set = HashSet::new();
                for name in names {
                    if infos.iter().any(|u| rbac.may_use(u, namespace, &name)) {
                        set.insert(name);
                    }
                }
                Ok(Authorized::Only(set))
            }
            PolicyAuthorization::SubjectAccessReview(sar) => {
                let mut asks = Vec::with_capacity(names.len());
                for name in names {
                    asks.push(ask(sar, &identities, namespace, name));
                }
                let all = futures_util::stream::iter(asks)
                    .buffer_unordered(CONCURRENT_REVIEWS)
                    .collect::<Vec<Result<Option<String>, AuthorizationError>>>();
                let answers = tokio::time::timeout(within, all)
                    .await
                    .map_err(|_| AuthorizationError::Timeout(within))?;
                let mut set = HashSet::new();
                for answer in answers {
                    if let Some(name) = answer? {
                        set.insert(name);
                    }
                }
                Ok(Authorized::Only(set))
            }
        }
    }
}

/// `Some(policy)` when one of `identities` may use it (in their order, group `policy`
/// before `extensions`, stopping at the first yes, as the plugin does).
async fn ask(
    sar: &SarAuthorizer,
    identities: &[Identity],
    namespace: &str,
    policy: String,
) -> Result<Option<String>, AuthorizationError> {
    for id in identities {
        for group in POLICY_GROUPS {
            let attrs = Attributes {
                identity: id.clone(),
                namespace: namespace.to_owned(),
                group,
                policy: policy.clone(),
            };
            if sar.allowed(&attrs).await? {
                return Ok(Some(policy));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(user: &str, policy: &str) -> Attributes {
        Attributes {
            identity: Identity {
                user: user.into(),
                ..Identity::default()
            },
            namespace: "ns".into(),
            group: "policy",
            policy: policy.into(),
        }
    }

    #[test]
    fn answers_expire_after_the_ttl() {
        let cache = SarCache::new(Duration::from_secs(10), 8);
        let t0 = Instant::now();
        cache.insert_at(key("alice", "a"), true, t0);
        assert_eq!(cache.get_at(&key("alice", "a"), t0), Some(true));
        assert_eq!(cache.get_at(&key("bob", "a"), t0), None);
        let later = t0 + Duration::from_secs(9);
        assert_eq!(cache.get_at(&key("alice", "a"), later), Some(true));
        assert_eq!(
            cache.get_at(&key("alice", "a"), t0 + Duration::from_secs(10)),
            None
        );
    }

    #[test]
    fn the_cache_stays_within_its_capacity_oldest_out_first() {
        let cache = SarCache::new(Duration::from_secs(10), 3);
        let t0 = Instant::now();
        for (i, p) in ["a", "b", "c", "d"].iter().enumerate() {
            cache.insert_at(key("u", p), true, t0 + Duration::from_millis(i as u64));
        }
        assert_eq!(cache.len(), 3);
        let now = t0 + Duration::from_millis(5);
        assert_eq!(cache.get_at(&key("u", "a"), now), None, "oldest evicted");
        assert_eq!(cache.get_at(&key("u", "d"), now), Some(true));
        // Expired answers go first, whatever the capacity.
        cache.insert_at(key("u", "e"), false, t0 + Duration::from_secs(20));
        assert_eq!(cache.len(), 1);
        // The same key stored again: one answer, the newest.
        let t1 = t0 + Duration::from_secs(21);
        cache.insert_at(key("u", "e"), true, t1);
        for i in 0..10 {
            cache.insert_at(key("v", &i.to_string()), true, t1);
        }
        assert!(cache.len() <= 3);
        assert!(cache.lock().order.len() <= 3);
    }

    #[test]
    fn oversized_questions_are_not_kept() {
        let cache = SarCache::new(Duration::from_secs(10), 8);
        let mut big = key("u", "a");
        big.identity
            .extra
            .insert("k".into(), vec!["x".repeat(MAX_CACHED_KEY_BYTES)]);
        cache.insert_at(big, true, Instant::now());
        assert!(cache.is_empty());
        let mut fits = key("u", "a");
        fits.identity.groups = vec!["g".repeat(MAX_CACHED_KEY_BYTES - 100)];
        cache.insert_at(fits, true, Instant::now());
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn no_ttl_keeps_nothing() {
        let cache = SarCache::new(Duration::ZERO, 8);
        cache.insert_at(key("u", "a"), true, Instant::now());
        assert!(cache.is_empty());
    }

    #[test]
    fn every_attribute_is_part_of_the_key() {
        let base = key("alice", "a");
        let mut variants = vec![];
        let mut v = base.clone();
        v.identity.groups = vec!["g".into()];
        variants.push(v);
        let mut v = base.clone();
        v.identity.uid = "1".into();
        variants.push(v);
        let mut v = base.clone();
        v.identity.extra.insert("k".into(), vec!["x".into()]);
        variants.push(v);
        let mut v = base.clone();
        v.namespace = "other".into();
        variants.push(v);
        let mut v = base.clone();
        v.group = "extensions";
        variants.push(v);
        let mut v = base.clone();
        v.policy = "b".into();
        variants.push(v);
        let cache = SarCache::new(Duration::from_secs(10), 64);
        let now = Instant::now();
        cache.insert_at(base.clone(), true, now);
        for v in &variants {
            assert_eq!(cache.get_at(v, now), None, "{v:?}");
        }
    }

    #[test]
    fn the_review_carries_every_attribute() {
        let mut attrs = key("alice", "a");
        attrs.identity.groups = vec!["system:authenticated".into()];
        attrs.identity.uid = "u-1".into();
        attrs
            .identity
            .extra
            .insert("scopes".into(), vec!["x".into()]);
        let review = serde_json::to_value(attrs.review()).expect("json");
        assert_eq!(
            review["spec"],
            serde_json::json!({
                "user": "alice", "groups": ["system:authenticated"], "uid": "u-1",
                "extra": {"scopes": ["x"]},
                "resourceAttributes": {"namespace": "ns", "verb": "use", "group": "policy",
                    "version": "*", "resource": "podsecuritypolicies", "name": "a"}
            })
        );
    }
}
