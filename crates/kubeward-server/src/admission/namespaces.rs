//! Namespace labels for the PodSecurity decisions: a store kept current either from a file
//! (offline) or by a kube-rs watcher on the cluster's Namespaces (RBAC: get, list, watch).
//! A namespace missing from the watched store is fetched once directly (it may have been
//! created an instant ago) before the request fails.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client};
use tokio::sync::Notify;

/// Labels of one namespace.
pub type Labels = Arc<BTreeMap<String, String>>;

/// Why namespace labels could not be read from a file.
#[derive(Debug, thiserror::Error)]
pub enum NamespaceFileError {
    /// A namespace labels file could not be read or parsed.
    #[error("{path}: {message}")]
    Load {
        /// The labels file.
        path: String,
        /// What is wrong with it.
        message: String,
    },
}

/// The namespaces known now, and whether the initial list is complete.
#[derive(Default)]
pub struct NamespaceStore {
    map: RwLock<HashMap<String, Labels>>,
    ready: AtomicBool,
    became_ready: Notify,
    /// For a live `GET` of a namespace the watcher has not delivered yet.
    client: RwLock<Option<Client>>,
}

impl std::fmt::Debug for NamespaceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamespaceStore")
            .field("ready", &self.is_ready())
            .finish_non_exhaustive()
    }
}

impl NamespaceStore {
    /// An empty store, not ready until [`NamespaceStore::replace`] or a watcher fills it.
    pub fn new() -> Arc<Self> {
        Arc::new(NamespaceStore::default())
    }

    /// A store holding exactly `namespaces`, ready at once.
    pub fn fixed(namespaces: HashMap<String, BTreeMap<String, String>>) -> Arc<Self> {
        let store = NamespaceStore::new();
        store.replace(namespaces);
        store
    }

    /// Whether the initial list of namespaces is complete, so a missing namespace is really missing.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Waits until the initial list is in.
    pub async fn wait_ready(&self) {
        loop {
            let notified = self.became_ready.notified();
            if self.is_ready() {
                return;
            }
            notified.await;
        }
    }

    /// The labels of `name`, as the store has them.
    pub fn get(&self, name: &str) -> Option<Labels> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// The labels of `name`: from the store, else (when watching a cluster) by a direct GET.
    /// `Ok(None)` when the namespace does not exist.
    pub async fn lookup(&self, name: &str) -> Result<Option<Labels>, String> {
        self.wait_ready().await;
        if let Some(l) = self.get(name) {
            return Ok(Some(l));
        }
        let client = self
            .client
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let Some(client) = client else {
            return Ok(None);
        };
        let api: Api<Namespace> = Api::all(client);
        match api.get_opt(name).await {
            Ok(Some(ns)) => {
                let labels = Arc::new(ns.metadata.labels.unwrap_or_default());
                self.insert(name.to_owned(), labels.clone());
                Ok(Some(labels))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Up to `limit` pods of `namespace` and how many more exist, for the dry run of a
    /// tightened enforce policy; `None` offline (no cluster to ask).
    pub async fn list_pods(
        &self,
        namespace: &str,
        limit: u32,
    ) -> Option<Result<(Vec<Pod>, usize), String>> {
        let client = self
            .client
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        let api: Api<Pod> = Api::namespaced(client, namespace);
        // One bounded page: memory stays bounded however many pods the namespace has;
        // the API server's remainingItemCount still gives the total for the warning.
        let params = kube::api::ListParams::default().limit(limit);
        Some(match api.list(&params).await {
            Ok(list) => {
                let more = list.metadata.remaining_item_count.unwrap_or(0).max(0);
                Ok((list.items, usize::try_from(more).unwrap_or(usize::MAX)))
            }
            Err(e) => Err(e.to_string()),
        })
    }

    /// Number of namespaces known now.
    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no namespace is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn insert(&self, name: String, labels: Labels) {
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name, labels);
    }

    fn remove(&self, name: &str) {
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
    }

    /// Replaces every namespace at once and marks the store ready.
    pub fn replace(&self, namespaces: HashMap<String, BTreeMap<String, String>>) {
        let map = namespaces
            .into_iter()
            .map(|(k, v)| (k, Arc::new(v)))
            .collect();
        *self.map.write().unwrap_or_else(|e| e.into_inner()) = map;
        self.ready.store(true, Ordering::Release);
        self.became_ready.notify_waiters();
    }

    /// Keeps the store in step with the cluster until the task is dropped. The watcher
    /// re-lists after errors (with kube-rs's default backoff); the store stays ready with
    /// its last contents meanwhile.
    /// Connects to the cluster as kube-rs's default configuration says (in-cluster
    /// ServiceAccount, else KUBECONFIG) and starts [`NamespaceStore::watch`] on it, in the
    /// background.
    pub async fn watch_cluster(self: Arc<Self>) -> Result<(), kube::Error> {
        let client = Client::try_default().await?;
        tokio::spawn(self.watch(client));
        Ok(())
    }

    /// Keeps the store in step with the cluster's Namespaces through a kube-rs watcher on `client` (list, then watch); marks it ready after the first complete list. Runs until the task is dropped.
    pub async fn watch(self: Arc<Self>, client: Client) {
        *self.client.write().unwrap_or_else(|e| e.into_inner()) = Some(client.clone());
        let api: Api<Namespace> = Api::all(client);
        let stream = watcher::watcher(api, watcher::Config::default());
        let stream = kube::runtime::WatchStreamExt::default_backoff(stream);
        futures_util::pin_mut!(stream);
        let mut relist: HashMap<String, BTreeMap<String, String>> = HashMap::new();
        while let Some(event) = stream.next().await {
            match event {
                Ok(Event::Init) => relist.clear(),
                Ok(Event::InitApply(ns)) => {
                    if let Some(name) = ns.metadata.name {
                        relist.insert(name, ns.metadata.labels.unwrap_or_default());
                    }
                }
                Ok(Event::InitDone) => {
                    let n = relist.len();
                    self.replace(std::mem::take(&mut relist));
                    tracing::info!(namespaces = n, "namespace list synced");
                }
                Ok(Event::Apply(ns)) => {
                    if let Some(name) = ns.metadata.name {
                        self.insert(name, Arc::new(ns.metadata.labels.unwrap_or_default()));
                    }
                }
                Ok(Event::Delete(ns)) => {
                    if let Some(name) = ns.metadata.name {
                        self.remove(&name);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "namespace watch failed; retrying");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}

/// Reads Namespace manifests (YAML or JSON, any number of documents or a List) into
/// name → labels, the file within `limits`.
pub fn load_file(
    path: &Path,
    limits: &kubeward_manifest::Limits,
) -> Result<HashMap<String, BTreeMap<String, String>>, NamespaceFileError> {
    let err = |message: String| NamespaceFileError::Load {
        path: path.display().to_string(),
        message,
    };
    let input = kubeward_manifest::Input::File(path.to_path_buf());
    let text = kubeward_manifest::read_input(&input, limits).map_err(|e| err(e.to_string()))?;
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut out = HashMap::new();
    for res in kubeward_manifest::parse_documents(&file, &text, limits) {
        let res = res.map_err(|e| err(e.to_string()))?;
        if res.kind != "Namespace" {
            continue;
        }
        let Some(name) = res.name.clone() else {
            return Err(err("a Namespace without metadata.name".into()));
        };
        let mut labels = BTreeMap::new();
        if let Some(serde_json::Value::Object(map)) =
            res.node.at("metadata.labels").map(|n| n.to_json())
        {
            for (k, v) in map {
                // Label values are strings; anything else is kept as its JSON text, which
                // then fails to parse as a level or version just as it would in a cluster.
                let text = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                labels.insert(k, text);
            }
        }
        out.insert(name, labels);
    }
    Ok(out)
}
