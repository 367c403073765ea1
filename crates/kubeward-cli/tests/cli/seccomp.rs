//! End-to-end `kubeward seccomp check`.

use crate::common::{Fixture, run};
use kubeward_testkit::cli::args;
use kubeward_testkit::has;
use serde_json::Value;

const STRICT: &str = r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
  "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}]}"#;
const LOOSE: &str = r#"{"defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [{"names": ["read", "ptrace", "raed"], "action": "SCMP_ACT_ALLOW"}]}"#;

#[test]
fn clean_profile_prints_where_the_kubelet_reads_it() {
    let fx = Fixture::new(&[("strict.json", STRICT)]);
    let (code, out, _) = run(fx.root(), &["seccomp", "check", "strict.json"]).parts();
    assert_eq!(code, 0, "{out}");
    has(&out, "strict.json: 0 finding(s)");
    has(
        &out,
        "the kubelet reads /var/lib/kubelet/seccomp/strict.json",
    );
    has(
        &out,
        "    type: Localhost\n      localhostProfile: \"strict.json\"",
    );
    let command = "seccomp check strict.json --kubelet-root-dir /data/kubelet --localhost-profile team/strict.json --format json";
    let (code, out, _) = run(fx.root(), &args(command)).parts();
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let p = &v["profiles"][0];
    assert_eq!(
        p["localhost"]["path"],
        "/data/kubelet/seccomp/team/strict.json"
    );
    assert_eq!(
        p["localhost"]["securityContext"]["seccompProfile"]["localhostProfile"],
        "team/strict.json"
    );
    assert_eq!(p["findings"], serde_json::json!([]));
}

#[test]
fn findings_and_fail_on() {
    let fx = Fixture::new(&[("loose.json", LOOSE), ("strict.json", STRICT)]);
    let (code, out, _) = run(fx.root(), &args("seccomp check strict.json loose.json")).parts();
    assert_eq!(code, 1);
    has(
        &out,
        "loose.json: syscalls[0].names[1]: high SC002 dangerous system call allowed: ptrace is allowed",
    );
    has(&out, "loose.json: syscalls[0].names[2]: medium SC004");
    let (code, out, _) = run(
        fx.root(),
        &args("seccomp check loose.json --fail-on critical --format json"),
    )
    .parts();
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = v["profiles"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["SC002", "SC004"]);
}

#[test]
fn unusable_profiles_exit_2_naming_file_and_line() {
    let fx = Fixture::new(&[
        ("bad.json", "{\n  \"defaultAction\": \n}"),
        ("strict.json", STRICT),
        (
            "typed.json",
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": {"names": []}}"#,
        ),
    ]);
    let (code, out, err) = run(
        fx.root(),
        &args("seccomp check bad.json typed.json strict.json"),
    )
    .parts();
    assert_eq!(code, 2);
    has(&err, "error: bad.json: line 3, column 1: not valid JSON");
    has(
        &err,
        "error: typed.json: syscalls: expected a list, found an object",
    );
    has(&out, "strict.json: 0 finding(s)");
    let (code, _, err) = run(
        fx.root(),
        &args("seccomp check strict.json bad.json --localhost-profile x.json"),
    )
    .parts();
    assert_eq!(code, 2);
    has(&err, "--localhost-profile names one profile");
    let (code, out, _) = run(
        fx.root(),
        &args("seccomp check strict.json --localhost-profile ../x.json"),
    )
    .parts();
    assert_eq!(code, 0);
    has(&out, "localhostProfile \"../x.json\" must not contain '..'");
}

#[test]
fn an_unusable_profile_carries_its_error_and_fix_apart() {
    let fx = Fixture::new(&[
        ("bad.json", "{\n  \"defaultAction\": \n}"),
        ("strict.json", STRICT),
    ]);
    let (code, out, _) = run(
        fx.root(),
        &args("seccomp check bad.json missing.json strict.json --format json"),
    )
    .parts();
    assert_eq!(code, 2);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let profiles = doc["profiles"].as_array().unwrap();
    let bad = &profiles[0];
    assert_eq!(
        bad["error"],
        "bad.json: line 3, column 1: not valid JSON: expected value at line 3 column 1"
    );
    assert_eq!(
        bad["hint"],
        "the runtime cannot load this profile; correct it"
    );
    let missing = &profiles[1];
    assert!(
        missing["error"]
            .as_str()
            .unwrap()
            .starts_with("reading missing.json"),
        "{missing}"
    );
    assert_eq!(missing["hint"], "check the path and that it is UTF-8 text");
    assert!(profiles[2]["error"].is_null() && profiles[2]["hint"].is_null());
    // Text output puts the fix on its own line.
    let (_, _, err) = run(fx.root(), &args("seccomp check missing.json")).parts();
    has(&err, "error: reading missing.json");
    has(&err, "\n  hint: check the path and that it is UTF-8 text");
}
