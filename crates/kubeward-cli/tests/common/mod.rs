//! Helpers shared by the end-to-end tests: fixture directories and JSON runs.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

pub fn kubeward() -> Command {
    let mut cmd = assert_cmd::cargo_bin_cmd!("kubeward");
    // Tests read plain bytes, whatever the developer's terminal settings.
    cmd.env_remove("CLICOLOR_FORCE").env_remove("CLICOLOR");
    cmd
}

/// A temporary directory of manifests, removed when dropped.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(path, text).expect("write fixture");
        }
        Fixture { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// Runs `kubeward scan --format json ARGS` in `cwd` and returns (exit code, document).
pub fn scan_json(cwd: &Path, args: &[&str]) -> (i32, Value) {
    let out = kubeward()
        .current_dir(cwd)
        .args(["scan", "--format", "json"])
        .args(args)
        .output()
        .expect("run kubeward");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("exit code"), doc)
}

/// The results of a JSON run.
pub fn results(doc: &Value) -> &Vec<Value> {
    doc["results"].as_array().expect("results array")
}

/// The result for the object named `name`.
pub fn result<'a>(doc: &'a Value, name: &str) -> &'a Value {
    results(doc)
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no result named {name} in {doc:#}"))
}

/// The check ids of a result's violations, in order.
pub fn checks(result: &Value) -> Vec<&str> {
    result["violations"]
        .as_array()
        .expect("violations array")
        .iter()
        .map(|v| v["check"].as_str().expect("check id"))
        .collect()
}

/// A Pod that passes restricted:latest with no lints.
pub const RESTRICTED_POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: good
  namespace: apps
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: app
      image: app:1
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: [ALL]
";

/// A Pod that runs privileged: denied at baseline and restricted, allowed at privileged.
pub const PRIVILEGED_POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: bad
  namespace: apps
spec:
  containers:
    - name: app
      image: app:1
      securityContext:
        privileged: true
";

/// What one run printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn out_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn err_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}\nstdout:\n{}",
            self.stderr,
            self.stdout
        );
        self
    }

    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `kubeward ARGS` in `cwd`.
pub fn run(cwd: &Path, args: &[&str]) -> Run {
    let out = kubeward()
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("run kubeward");
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
