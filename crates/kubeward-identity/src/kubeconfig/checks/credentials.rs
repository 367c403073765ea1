//! The user entry's credentials: tokens, passwords and exec plugins.

use kubeward_report::{RuleMeta, Severity};

use super::*;

/// KC008.
pub(crate) const STATIC_TOKEN: RuleMeta = RuleMeta {
    id: "KC008",
    title: "static-token",
    severity: Severity::Medium,
    fix: "prefer short-lived credentials: an exec plugin or OIDC, or `kubectl create token` with a short --duration; if a token must stay, keep the file mode 0600",
};

/// KC009.
pub(crate) const BASIC_AUTH: RuleMeta = RuleMeta {
    id: "KC009",
    title: "basic-auth-password",
    severity: Severity::Medium,
    fix: "remove `username`/`password`: the API server dropped basic authentication in 1.19; use certificates, tokens or OIDC",
};

/// KC010.
pub(crate) const EXEC_PLUGIN: RuleMeta = RuleMeta {
    id: "KC010",
    title: "exec-plugin",
    severity: Severity::Low,
    fix: "check that the command is the credential plugin you expect; never use a kubeconfig with an exec plugin from an untrusted source",
};

impl Checker {
    pub fn user_credentials(&mut self, u: &Named<AuthInfo>) {
        let v = &u.value;
        if v.token.as_deref().is_some_and(|t| !t.is_empty()) {
            let m = format!(
                "user {} has a bearer token stored in the kubeconfig",
                u.name
            );
            self.push(STATIC_TOKEN, u, "users", "token", m);
        }
        if v.password.as_deref().is_some_and(|p| !p.is_empty()) {
            let m = format!(
                "user {} has a basic-auth password stored in the kubeconfig",
                u.name
            );
            self.push(BASIC_AUTH, u, "users", "password", m);
        }
        if let Some(exec) = &v.exec {
            let m = format!(
                "user {} runs `{}` to get credentials every time this kubeconfig is used",
                u.name, exec.command
            );
            self.push(EXEC_PLUGIN, u, "users", "exec", m);
            // clientcmd resolves a command with a path separator against the file's directory.
            if exec.command.contains('/') && !u.resolve(&exec.command).exists() {
                let p = u.resolve(&exec.command);
                let m = format!(
                    "user {}: exec command {} does not exist",
                    u.name,
                    p.display()
                );
                self.push(super::files::MISSING_FILE, u, "users", "exec", m);
            }
        }
    }
}
