//! Inputs read exactly once, and directory walks that lose nothing without saying so.
#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use crate::common::{Fixture, PRIVILEGED_POD, RESTRICTED_POD, kubeward, result, results, run};
use serde_json::{Value, json};

/// Generous: only a hang (a pipe opened a second time, a FIFO read in a walk) reaches it.
const HANG: Duration = Duration::from_secs(60);

/// A Namespace enforcing baseline, then a privileged Pod in it: the Pod's verdict shows
/// that the Namespace pre-pass and the scan both saw the one stream.
fn namespace_then_pod() -> String {
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    \
         pod-security.kubernetes.io/enforce: baseline\n---\n{PRIVILEGED_POD}"
    )
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `kubeward scan --format json TARGET` in `dir`, stopped at [`HANG`]: the exit code and
/// the document.
fn scan_json_in(dir: &Path, target: &str) -> (Option<i32>, Value) {
    let out = kubeward()
        .current_dir(dir)
        .args(["scan", "--format", "json", target])
        .timeout(HANG)
        .output()
        .expect("run");
    (out.status.code(), json(&out))
}

#[test]
fn dev_stdin_and_dev_fd_given_as_paths_read_the_pipe_once() {
    for path in ["/dev/stdin", "/dev/fd/0"] {
        let out = kubeward()
            .args(["scan", "--format", "json", path])
            .write_stdin(namespace_then_pod())
            .timeout(HANG)
            .output()
            .expect("run");
        let doc = json(&out);
        assert_eq!(out.status.code(), Some(1), "{path}: {doc:#}");
        assert_eq!(doc["summary"]["workloads"], 1, "{path}: {doc:#}");
        let pod = result(&doc, "bad");
        assert_eq!(pod["file"], path);
        assert_eq!(pod["policy"], "baseline:latest");
        assert_eq!(pod["allowed"], false);
    }
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn a_named_pipe_given_as_a_path_is_read_as_a_stream() {
    let f = Fixture::new(&[]);
    let fifo = f.path("pods.yaml");
    mkfifo(&fifo);
    let writer = {
        let fifo = fifo.clone();
        // Opening a FIFO for writing waits for its reader: kubeward.
        std::thread::spawn(move || std::fs::write(fifo, namespace_then_pod()))
    };
    let (code, doc) = scan_json_in(f.root(), "pods.yaml");
    writer.join().expect("writer").expect("write the FIFO");
    assert_eq!(code, Some(1), "{doc:#}");
    assert_eq!(result(&doc, "bad")["policy"], "baseline:latest");
}

#[test]
fn a_directory_walk_follows_symlinked_directories_and_reports_what_it_skips() {
    let f = Fixture::new(&[
        ("outside/priv.yaml", PRIVILEGED_POD),
        ("scan/good.yaml", RESTRICTED_POD),
    ]);
    let scan = f.path("scan");
    symlink(f.path("outside"), scan.join("linked")).expect("dir link");
    symlink(f.path("missing.yaml"), scan.join("dangling.yaml")).expect("dangling link");
    symlink(&scan, scan.join("loop")).expect("loop link");
    mkfifo(&scan.join("f.yaml"));
    // Not manifests by name: passed over without a word, as a README is.
    symlink(f.path("missing"), scan.join("notes")).expect("other link");

    let (code, doc) = scan_json_in(f.root(), "scan");
    assert_eq!(code, Some(2), "{doc:#}");
    let names: Vec<_> = results(&doc).iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, [json!("good"), json!("bad")], "{doc:#}");
    assert_eq!(result(&doc, "bad")["file"], "scan/linked/priv.yaml");
    let errors: Vec<(String, String)> = doc["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap_or("").to_owned(),
                e["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_eq!(errors[0].0, "scan/dangling.yaml");
    assert!(errors[0].1.contains("dangling symlink"), "{errors:#?}");
    assert_eq!(errors[1].0, "scan/f.yaml");
    assert!(errors[1].1.contains("named pipe"), "{errors:#?}");
    assert_eq!(errors[2].0, "scan/loop");
    assert!(errors[2].1.contains("symlink loop"), "{errors:#?}");
    assert_eq!(doc["summary"]["errors"], 3);

    // Text: one line on stderr for each, and the summary counts them.
    let text = run(f.root(), &["scan", "scan"]);
    text.code(2)
        .err_has("error: scan/dangling.yaml: skipped: dangling symlink")
        .err_has("error: scan/f.yaml: skipped: a named pipe (FIFO) in a directory is not read")
        .err_has("error: scan/loop: skipped: symlink loop: it leads back to scan")
        .out_has("scan/linked/priv.yaml:1 Pod apps/bad — DENIED")
        .out_has("3 errors in 2 files");
}

#[test]
fn an_empty_file_and_empty_standard_input_count_as_files_read() {
    let f = Fixture::new(&[("empty.yaml", ""), ("pod.yaml", PRIVILEGED_POD)]);
    let (code, doc) = crate::common::scan_json(f.root(), &["empty.yaml", "pod.yaml"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["summary"]["files"], 2, "{doc:#}");
    let out = kubeward()
        .args(["scan", "--format", "json", "-"])
        .write_stdin("")
        .output()
        .expect("run");
    assert_eq!(json(&out)["summary"]["files"], 1);
}

#[test]
fn a_large_file_is_scanned_piece_by_piece_with_its_own_line_numbers() {
    // Far more than one piece (64 KiB) of documents, a Namespace at the very end that
    // applies to a Pod at the start, and a syntax error after both that ends the file.
    let mut text = PRIVILEGED_POD.replace("name: bad", "name: first");
    for i in 0..1500 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  k: '{}'\n",
            "x".repeat(100)
        ));
    }
    text.push_str("---\n");
    let last_line = text.matches('\n').count() + 1;
    text.push_str(&PRIVILEGED_POD.replace("name: bad", "name: last"));
    text.push_str(
        "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    \
         pod-security.kubernetes.io/enforce: privileged\n---\nkind: [unclosed\n---\n",
    );
    text.push_str(&PRIVILEGED_POD.replace("name: bad", "name: unread"));
    assert!(text.len() > 3 * 64 * 1024);
    let f = Fixture::new(&[("big.yaml", &text)]);
    let (code, doc) = crate::common::scan_json(f.root(), &["big.yaml"]);
    assert_eq!(code, 2, "{doc:#}");
    // The Namespace has a record of its own (no NetworkPolicy in it); the pods are the
    // ones read before the error.
    let pods: Vec<_> = results(&doc)
        .iter()
        .filter(|r| r["kind"] == "Pod")
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(pods, [json!("first"), json!("last")], "{doc:#}");
    assert_eq!(result(&doc, "first")["policy"], "privileged:latest");
    assert_eq!(result(&doc, "last")["line"], last_line);
    assert_eq!(doc["summary"]["files"], 1);
    assert_eq!(doc["summary"]["resources"], 1503);
    assert_eq!(doc["errors"].as_array().map(Vec::len), Some(1), "{doc:#}");
}
