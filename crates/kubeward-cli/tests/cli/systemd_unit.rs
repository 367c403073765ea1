//! The shipped systemd unit runs a command line `kubeward` accepts: its `ExecStart`, with
//! the rules directory swapped for a missing one, fails on that directory, not on usage.

use std::path::Path;

use crate::common::kubeward;

#[test]
fn the_units_exec_start_is_a_command_line_kubeward_accepts() {
    let unit = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../packaging/systemd/kubeward-detect.service"
    ));
    let text = std::fs::read_to_string(unit).expect("the unit is shipped");
    // systemd joins lines that end with a backslash.
    let joined = text.replace("\\\n", " ");
    let exec = joined
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("an ExecStart line");
    let words: Vec<&str> = exec.split_whitespace().collect();
    assert_eq!(words[0], "/usr/local/bin/kubeward");
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("rules.d");
    let missing = missing.to_string_lossy();
    let args: Vec<&str> = words[1..]
        .iter()
        .map(|w| {
            if *w == "/etc/kubeward/rules.d" {
                &*missing
            } else {
                *w
            }
        })
        .collect();
    let out = kubeward().args(&args).output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        !err.contains("Usage:"),
        "the unit's arguments are not accepted: {err}"
    );
    assert!(err.contains("rules.d"), "{err}");
}
