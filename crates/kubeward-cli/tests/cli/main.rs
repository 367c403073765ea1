//! kubeward's end-to-end tests: the binary run as a user runs it. One test binary (one
//! link) with a module per command or theme, as ruff and ripgrep do; the helpers live in
//! kubeward-testkit's `cli` module, bound here to this crate's binary.

mod admission_config;
mod audit_policy;
mod broken_pipe;
mod checkov;
mod conformance_k8saudit;
mod control_chars;
mod controlplane;
mod defaults;
mod detect;
mod detect_live;
mod detect_server;
mod duplicate_keys;
mod etcd_real;
mod exit_codes;
mod falco_yaml;
mod file_limit;
mod inputs;
mod json_contract;
mod kubeconfig;
mod namespaces;
mod psp;
mod psp_scan;
mod rbac;
mod read_once;
mod sarif;
mod scan_config;
mod seccomp;
mod snapshots;
mod systemd_unit;
mod text;
mod webhook;
mod webhook_serve;

/// The kit's runner bound to the binary under test (`CARGO_BIN_EXE_kubeward` exists only
/// in this crate's tests).
mod common {
    use std::path::Path;

    pub use kubeward_testkit::cli::{
        Bin, Fixture, PRIVILEGED_POD, RESTRICTED_POD, Run, checks, result, results,
    };
    use serde_json::Value;

    pub const KUBEWARD: Bin = Bin(env!("CARGO_BIN_EXE_kubeward"));

    pub fn kubeward() -> assert_cmd::Command {
        KUBEWARD.command()
    }

    pub fn run(cwd: impl AsRef<Path>, args: &[&str]) -> Run {
        KUBEWARD.run(cwd, args)
    }

    pub fn run_stdin(args: &[&str], stdin: &str) -> Run {
        KUBEWARD.run_stdin(args, stdin)
    }

    /// The documents of printed manifests (`file` names them in errors), read back by the
    /// manifest loader as `scan` reads them.
    pub fn documents(file: &str, yaml: &str) -> Vec<Value> {
        let file: std::sync::Arc<str> = std::sync::Arc::from(file);
        kubeward_manifest::parse_documents(&file, yaml, &kubeward_manifest::Limits::default())
            .into_iter()
            .map(|r| r.expect("document parses").node.to_json())
            .collect()
    }

    pub fn scan_json(cwd: &Path, args: &[&str]) -> (i32, Value) {
        KUBEWARD.scan_json(cwd, args)
    }

    /// kubeward's own JSON documents are pretty-printed with camelCase keys (Falco-shaped
    /// documents keep Falco's keys and are not checked with this).
    pub fn assert_camel_case_document(stdout: &str) -> Value {
        assert!(
            stdout.starts_with("{\n") || stdout.starts_with("[\n"),
            "not pretty: {stdout}"
        );
        let doc: Value = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        fn walk(v: &Value, at: &str) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        let camel = k.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                            && k.chars().all(|c| c.is_ascii_alphanumeric());
                        assert!(camel, "key {k:?} at {at} is not camelCase");
                        walk(v, &format!("{at}/{k}"));
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, at)),
                _ => {}
            }
        }
        walk(&doc, "");
        doc
    }
}
