//! Running the kubeward binary end to end: the command, what one run printed, fixture
//! directories, and the scan JSON document's accessors.
//!
//! `CARGO_BIN_EXE_kubeward` exists only while kubeward-cli's own tests compile, so the
//! caller names the binary: `Bin(env!("CARGO_BIN_EXE_kubeward"))`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// The kubeward binary under test, by path.
#[derive(Clone, Copy, Debug)]
pub struct Bin(pub &'static str);

impl Bin {
    /// The binary's path, for tests that spawn it themselves (servers, closed pipes).
    pub fn path(self) -> &'static Path {
        Path::new(self.0)
    }

    /// A command for the binary with an environment that does not depend on the developer's:
    /// no colour variables, no KUBECONFIG or NODE_NAME, and a fixed Falco hostname.
    pub fn command(self) -> Command {
        let mut cmd = Command::new(self.0);
        cmd.env_remove("CLICOLOR_FORCE")
            .env_remove("CLICOLOR")
            .env_remove("NO_COLOR")
            .env_remove("KUBECONFIG")
            .env_remove("NODE_NAME")
            .env("FALCO_HOSTNAME", "h1");
        cmd
    }

    /// Runs `kubeward ARGS` in `cwd`.
    pub fn run(self, cwd: impl AsRef<Path>, args: &[&str]) -> Run {
        Run::of(self.command().current_dir(cwd.as_ref()).args(args))
    }

    /// Runs `kubeward ARGS` with `stdin` as its standard input.
    pub fn run_stdin(self, args: &[&str], stdin: &str) -> Run {
        Run::of(self.command().args(args).write_stdin(stdin))
    }

    /// Runs `kubeward scan --format json ARGS` in `cwd` and returns (exit code, document).
    pub fn scan_json(self, cwd: &Path, args: &[&str]) -> (i32, Value) {
        let run = Run::of(
            self.command()
                .current_dir(cwd)
                .args(["scan", "--format", "json"])
                .args(args),
        );
        let doc = run.json();
        (run.code, doc)
    }
}

/// A command line's words, split on white space, so a test writes the arguments as a
/// user types them: `run(dir, &args("scan --format json pod.yaml"))`.
pub fn args(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// What one run printed, and how it exited (-1 when a signal ended it).
#[derive(Debug)]
pub struct Run {
    /// The process's exit code, or -1 when a signal ended it.
    pub code: i32,
    /// Everything written to standard output, decoded as UTF-8 (invalid bytes replaced).
    pub stdout: String,
    /// Everything written to standard error, decoded as UTF-8 (invalid bytes replaced).
    pub stderr: String,
}

impl Run {
    /// Runs `cmd` to completion.
    pub fn of(cmd: &mut Command) -> Run {
        Run::from(cmd.output().expect("run kubeward"))
    }

    /// (exit code, stdout, stderr), for a test that reads the streams itself.
    pub fn parts(self) -> (i32, String, String) {
        (self.code, self.stdout, self.stderr)
    }

    /// Standard output as one JSON document.
    pub fn json(&self) -> Value {
        json_of(self.stdout.as_bytes(), &self.stderr)
    }

    /// The exit code and both streams as one text, for a snapshot of everything a user saw.
    pub fn transcript(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Asserts that standard output contains `needle`.
    #[track_caller]
    pub fn out_has(&self, needle: &str) -> &Self {
        stream_has(("stdout", &self.stdout), ("stderr", &self.stderr), needle);
        self
    }

    /// Asserts that standard error contains `needle`.
    #[track_caller]
    pub fn err_has(&self, needle: &str) -> &Self {
        stream_has(("stderr", &self.stderr), ("stdout", &self.stdout), needle);
        self
    }

    /// Asserts the exit code.
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Asserts that the stream `looked` (name, text) contains `needle`; a failure shows it and
/// the `other` stream.
#[track_caller]
fn stream_has(looked: (&str, &str), other: (&str, &str), needle: &str) {
    assert!(
        looked.1.contains(needle),
        "{} lacks {needle:?}:\n{}\n{}:\n{}",
        looked.0,
        looked.1,
        other.0,
        other.1
    );
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// `stdout` parsed as one JSON document; a failure shows both streams.
pub fn json_of(stdout: &[u8], stderr: impl std::fmt::Display) -> Value {
    serde_json::from_slice(stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{stderr}",
            String::from_utf8_lossy(stdout)
        )
    })
}

/// A temporary directory of files, removed when dropped.
pub struct Fixture {
    /// The temporary directory holding the files; deleted with the fixture.
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// Writes each `(relative path, text)`, creating parent directories.
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

    /// `name` inside the fixture.
    pub fn path(&self, name: impl AsRef<OsStr>) -> PathBuf {
        self.dir.path().join(name.as_ref())
    }

    /// The fixture's directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// The results of a scan's JSON document.
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
