//! Files: referenced files that are missing, and modes that let others read secrets.

use kubeward_report::{RuleMeta, Severity};

use super::*;

/// KC011.
pub(crate) const MISSING_FILE: RuleMeta = RuleMeta {
    id: "KC011",
    title: "referenced-file-missing",
    severity: Severity::High,
    fix: "fix the path (relative paths resolve against the kubeconfig's directory) or embed the content with `kubectl config set-credentials --embed-certs`",
};

/// KC012.
pub(crate) const SECRET_READABLE: RuleMeta = RuleMeta {
    id: "KC012",
    title: "secret-readable-by-others",
    severity: Severity::High,
    fix: "restrict the file to its owner: `chmod 600 FILE`",
};

/// KC013.
pub(crate) const WORLD_READABLE: RuleMeta = RuleMeta {
    id: "KC013",
    title: "file-world-readable",
    severity: Severity::Low,
    fix: "remove the read bit for others: `chmod o-r FILE`",
};

impl Checker {
    pub fn missing<T>(&mut self, entry: &Named<T>, section: &str, source: &Source) {
        if let Source::File { field, path, .. } = source {
            let m = format!("{} names {}, which does not exist", field, path.display());
            self.push(MISSING_FILE, entry, section, field, m);
        }
    }

    /// `secret`: the file holds a key or token, so group-readable is already too wide.
    pub fn permissions<T>(
        &mut self,
        entry: &Named<T>,
        section: &str,
        source: &Source,
        secret: bool,
    ) {
        let Source::File {
            field,
            path,
            mode: Some(mode),
        } = source
        else {
            return;
        };
        if secret && mode & 0o044 != 0 {
            let m = format!(
                "{} holds a secret and is readable by others (mode {mode:04o})",
                path.display()
            );
            self.push(SECRET_READABLE, entry, section, field, m);
        } else if mode & 0o004 != 0 {
            let m = format!(
                "{} is readable by every user (mode {mode:04o})",
                path.display()
            );
            self.push(WORLD_READABLE, entry, section, field, m);
        }
    }

    /// The kubeconfig itself: a secret store when it embeds keys, tokens or passwords.
    pub fn kubeconfig_file(&mut self, cfg: &Kubeconfig, path: &Path, mode: Option<u32>) {
        let Some(mode) = mode else { return };
        let embeds_secret = cfg.users.iter().any(|u| {
            let v = &u.value;
            &*u.origin == path
                && [&v.client_key_data, &v.token, &v.password]
                    .iter()
                    .any(|s| s.as_deref().is_some_and(|s| !s.is_empty()))
        });
        let (rule, m) = if embeds_secret && mode & 0o044 != 0 {
            let m = format!(
                "{} embeds keys, tokens or passwords and is readable by others (mode {mode:04o})",
                path.display()
            );
            (SECRET_READABLE, m)
        } else if mode & 0o004 != 0 {
            (
                WORLD_READABLE,
                format!(
                    "{} is readable by every user (mode {mode:04o})",
                    path.display()
                ),
            )
        } else {
            return;
        };
        self.findings.push(Finding::new(
            rule,
            m,
            PathBuf::from(path),
            None,
            "(file)".to_owned(),
        ));
    }
}
