//! The ruleset in force, and its reload.
//!
//! Workers take an `Arc<Ruleset>` per batch, so a reload swaps the pointer without
//! waiting for them: batches being evaluated finish with the old rules, the next ones
//! use the new rules, and no event is dropped or evaluated twice.

use std::sync::{Arc, PoisonError, RwLock};

use kubeward_rules::engine::Ruleset;

/// Builds a fresh ruleset (reads the rules files again); the error is a message for the
/// log.
pub type Loader = dyn Fn() -> Result<Ruleset, String> + Send + Sync;

/// Why a reload was refused; the previous rules stay in force.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReloadError {
    /// The loader failed (a rules file is unreadable or invalid); holds its message.
    #[error("rules not reloaded (the previous rules stay in force): {0}")]
    Load(String),
    /// The server was given fixed rules and no loader, so there is nothing to reload from.
    #[error("rules not reloaded: this server was started without a way to reload them")]
    NoLoader,
    /// The new rules do not define the `k8s_audit` source this server feeds.
    #[error("rules not reloaded: the new rules do not know the k8s_audit source")]
    NoSource,
}

/// The current ruleset, shared by the workers, and how to load it again.
pub struct RulesHandle {
    current: RwLock<Arc<Ruleset>>,
    loader: Option<Box<Loader>>,
}

impl std::fmt::Debug for RulesHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RulesHandle")
            .field("reloadable", &self.loader.is_some())
            .finish_non_exhaustive()
    }
}

impl RulesHandle {
    /// Fixed rules: [`RulesHandle::reload`] fails with [`ReloadError::NoLoader`].
    pub fn fixed(ruleset: Ruleset) -> RulesHandle {
        RulesHandle {
            current: RwLock::new(Arc::new(ruleset)),
            loader: None,
        }
    }

    /// Rules that `loader` builds, now and on every reload.
    pub fn reloadable(loader: Box<Loader>) -> Result<RulesHandle, ReloadError> {
        let ruleset = checked(loader())?;
        Ok(RulesHandle {
            current: RwLock::new(Arc::new(ruleset)),
            loader: Some(loader),
        })
    }

    /// The rules in force.
    pub fn current(&self) -> Arc<Ruleset> {
        // A poisoned lock still holds a valid Arc: a panic cannot leave it half-written.
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Loads the rules again and puts them in force; on failure the old ones stay.
    /// Returns the number of enabled rules.
    pub fn reload(&self) -> Result<usize, ReloadError> {
        let loader = self.loader.as_ref().ok_or(ReloadError::NoLoader)?;
        let ruleset = checked(loader())?;
        let enabled = ruleset.rules().filter(|(_, r)| r.enabled).count();
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(ruleset);
        Ok(enabled)
    }
}

fn checked(loaded: Result<Ruleset, String>) -> Result<Ruleset, ReloadError> {
    let ruleset = loaded.map_err(ReloadError::Load)?;
    if ruleset.source_id(kubeward_k8saudit::SOURCE_NAME).is_none() {
        return Err(ReloadError::NoSource);
    }
    Ok(ruleset)
}
