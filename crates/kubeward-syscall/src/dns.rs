//! Domain names for `fd.cip.name`, `fd.sip.name`, `fd.lip.name` and `fd.rip.name`, as
//! libsinsp's DNS manager gives them: only the names the loaded rules compare these
//! fields with are resolved (with the system resolver, so `/etc/hosts` and the
//! cluster's DNS both count), again every [`REFRESH`]; an address then carries the name
//! it resolved from. A live capture passes each resolution to the state as a snapshot,
//! so a recording replays with the names as they were.

use std::net::{IpAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the names are resolved again.
pub const REFRESH: Duration = Duration::from_secs(10);
/// Names kept at most (the rules name a few dozen at most).
pub const MAX_NAMES: usize = 4096;
/// Addresses kept per name.
pub const MAX_ADDRS: usize = 64;

/// The addresses `name` resolves to now (none when it does not resolve).
pub fn resolve(name: &str) -> Vec<IpAddr> {
    let mut addrs: Vec<IpAddr> = (name, 0)
        .to_socket_addrs()
        .map(|it| it.map(|a| a.ip()).collect())
        .unwrap_or_default();
    addrs.sort();
    addrs.dedup();
    addrs.truncate(MAX_ADDRS);
    addrs
}

/// Each name with the addresses it resolved to.
pub type Resolutions = Vec<(Arc<str>, Vec<IpAddr>)>;

/// A generation that changes with the resolutions, and the resolutions.
type Published = Mutex<(u64, Resolutions)>;

/// Resolutions published by a background resolver: each name with its addresses, and
/// a generation that changes when they do.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    inner: Arc<Published>,
}

impl Resolved {
    /// The current generation and resolutions.
    pub fn get(&self) -> (u64, Resolutions) {
        self.inner.lock().map(|g| g.clone()).unwrap_or_default()
    }

    fn set(inner: &Published, all: Resolutions) {
        if let Ok(mut g) = inner.lock()
            && g.1 != all
        {
            g.0 += 1;
            g.1 = all;
        }
    }

    /// Resolves `names` now, then every [`REFRESH`] on a thread of its own, which ends
    /// once every clone of the returned value is dropped.
    pub fn start(names: Vec<String>) -> Resolved {
        let resolved = Resolved::default();
        let names: Vec<Arc<str>> = names.into_iter().take(MAX_NAMES).map(Arc::from).collect();
        let resolve_all =
            move |names: &[Arc<str>]| names.iter().map(|n| (n.clone(), resolve(n))).collect();
        Resolved::set(&resolved.inner, resolve_all(&names));
        let publish = Arc::downgrade(&resolved.inner);
        let _ = std::thread::Builder::new()
            .name("dns".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(REFRESH);
                    let Some(inner) = publish.upgrade() else {
                        return;
                    };
                    Resolved::set(&inner, resolve_all(&names));
                }
            });
        resolved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_resolves_and_nonsense_does_not() {
        assert!(resolve("localhost").contains(&IpAddr::from([127, 0, 0, 1])));
        assert!(resolve("no-such-name.invalid").is_empty());
        let r = Resolved::start(vec!["localhost".into(), "no-such-name.invalid".into()]);
        let (generation, all) = r.get();
        assert_eq!(generation, 1);
        assert_eq!(all.len(), 2);
        assert!(all[1].1.is_empty());
    }
}
