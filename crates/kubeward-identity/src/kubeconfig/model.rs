//! The kubeconfig schema (`apiVersion: v1`, `kind: Config`), with clientcmd's field names.
//!
//! Unknown fields are ignored, as clientcmd ignores them. `*-data` fields stay strings
//! here: decoding them is [`super::material`]'s job, so that a bad one spoils one
//! certificate, not the whole file.

use serde::{Deserialize, Serialize};

/// A `clusters[].cluster` entry: how to reach and trust one API server.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
pub struct Cluster {
    /// `server`: the API server's URL, e.g. `https://10.0.0.1:6443`.
    #[serde(default)]
    pub server: String,
    /// `certificate-authority`: path of a PEM file of CA certificates to verify the server with.
    pub certificate_authority: Option<String>,
    /// `certificate-authority-data`: base64 of PEM CA certificates; takes precedence over `certificate-authority`.
    pub certificate_authority_data: Option<String>,
    /// `insecure-skip-tls-verify`: the server's certificate is not verified at all.
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
    /// `tls-server-name`: the name to verify the server's certificate against, instead of the URL's host.
    pub tls_server_name: Option<String>,
    /// `proxy-url`: an HTTP(S) or SOCKS5 proxy for requests to this cluster.
    pub proxy_url: Option<String>,
}

/// A `users[].user` entry: the credentials of one user.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
pub struct AuthInfo {
    /// `client-certificate`: path of a PEM client certificate for TLS client authentication.
    pub client_certificate: Option<String>,
    /// `client-certificate-data`: base64 of a PEM client certificate; takes precedence over `client-certificate`.
    pub client_certificate_data: Option<String>,
    /// `client-key`: path of the PEM private key of the client certificate.
    pub client_key: Option<String>,
    /// `client-key-data`: base64 of the PEM private key; takes precedence over `client-key`.
    pub client_key_data: Option<String>,
    /// `token`: a bearer token, in clear text.
    pub token: Option<String>,
    /// The one camelCase field of the schema, as in clientcmd.
    #[serde(rename = "tokenFile")]
    pub token_file: Option<String>,
    /// `username`: for HTTP basic authentication (removed from Kubernetes in 1.19).
    pub username: Option<String>,
    /// `password`: for HTTP basic authentication, in clear text.
    pub password: Option<String>,
    /// `as`: the user name to impersonate.
    #[serde(rename = "as")]
    pub impersonate: Option<String>,
    /// `as-groups`: the groups to impersonate.
    #[serde(rename = "as-groups")]
    pub impersonate_groups: Option<Vec<String>>,
    /// `auth-provider`: a legacy authentication plugin (`gcp`, `azure`, `oidc`).
    pub auth_provider: Option<AuthProvider>,
    /// `exec`: a credential plugin run to get a token or certificate.
    pub exec: Option<ExecConfig>,
}

/// `auth-provider` of a user.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct AuthProvider {
    /// `name`: the plugin's name, e.g. `oidc`.
    #[serde(default)]
    pub name: String,
}

/// `exec` of a user: a client-go credential plugin.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExecConfig {
    /// `command`: the program to run (a path, or a name looked up in `PATH`).
    #[serde(default)]
    pub command: String,
    /// `args`: its arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// `env`: extra environment variables for it.
    #[serde(default)]
    pub env: Vec<ExecEnv>,
    /// `apiVersion`: the ExecCredential version it speaks, e.g. `client.authentication.k8s.io/v1`.
    #[serde(default)]
    pub api_version: String,
    /// `provideClusterInfo`: the cluster's details are passed to the plugin in `KUBERNETES_EXEC_INFO`.
    #[serde(default)]
    pub provide_cluster_info: bool,
    /// `interactiveMode`: `Never`, `IfAvailable` or `Always`; `None` when not written.
    pub interactive_mode: Option<String>,
}

/// One `exec.env` entry.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ExecEnv {
    /// `name`: the variable's name.
    #[serde(default)]
    pub name: String,
    /// `value`: its value.
    #[serde(default)]
    pub value: String,
}

/// A `contexts[].context` entry: a cluster, a user and a default namespace.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Context {
    /// `cluster`: the name of a `clusters` entry.
    #[serde(default)]
    pub cluster: String,
    /// `user`: the name of a `users` entry.
    #[serde(default)]
    pub user: String,
    /// `namespace`: the default namespace; `None` means `default`.
    pub namespace: Option<String>,
}
