//! Seccomp profile checks: each finding fires on a profile made for it and stays quiet
//! on a near miss; unreadable profiles name the line or field.

use std::path::Path;

use kubeward_controlplane::seccomp::{FINDINGS, check, localhost_path, security_context_yaml};

/// A deny-by-default profile that allows a few harmless calls and filters clone.
const GOOD: &str = r#"{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [
    {"names": ["read", "write", "exit_group", "futex", "openat", "close"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
    {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}
  ]
}"#;

fn ids(text: &str) -> Vec<(String, String)> {
    let (_, f) = check(text).unwrap();
    f.into_iter().map(|f| (f.id.to_string(), f.field)).collect()
}

fn only(text: &str, id: &str) -> Vec<String> {
    ids(text)
        .into_iter()
        .filter(|(i, _)| i == id)
        .map(|(_, f)| f)
        .collect()
}

fn good_with(extra_rule: &str) -> String {
    GOOD.replacen(
        "\"syscalls\": [",
        &format!("\"syscalls\": [\n    {extra_rule},"),
        1,
    )
}

#[test]
fn good_profile_is_clean() {
    assert_eq!(ids(GOOD), vec![]);
}

#[test]
fn sc001_allow_by_default() {
    let p = r#"{"defaultAction": "SCMP_ACT_LOG", "syscalls": [
      {"names": ["mount","umount2","ptrace","bpf","kexec_load","unshare","setns","keyctl","add_key","request_key",
                 "init_module","finit_module","delete_module","open_by_handle_at","perf_event_open","userfaultfd",
                 "kexec_file_load","clone","clone3","fsopen","move_mount","open_tree","fsmount","fsconfig","mount_setattr",
                 "pivot_root","process_vm_readv","process_vm_writev","name_to_handle_at","reboot","swapon","swapoff",
                 "settimeofday","clock_settime","clock_adjtime","adjtimex","stime","acct","iopl","ioperm",
                 "lookup_dcookie","quotactl","syslog","uselib","create_module","kcmp","vm86","vm86old","nfsservctl","umount"],
       "action": "SCMP_ACT_ERRNO"}]}"#;
    assert_eq!(
        ids(p),
        vec![("SC001".to_string(), "defaultAction".to_string())]
    );
    assert_eq!(only(GOOD, "SC001"), Vec::<String>::new());
}

#[test]
fn sc002_dangerous_allowed() {
    let p = good_with(r#"{"names": ["ptrace", "getpid", "bpf"], "action": "SCMP_ACT_ALLOW"}"#);
    assert_eq!(
        only(&p, "SC002"),
        vec!["syscalls[0].names[0]", "syscalls[0].names[2]"]
    );
    // Allowed by default and not blocked: reported against defaultAction.
    let p = r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}]}"#;
    let sc002 = only(p, "SC002");
    assert!(
        sc002.iter().all(|f| f == "defaultAction") && sc002.len() > 10,
        "{sc002:?}"
    );
    let (_, f) = check(p).unwrap();
    assert!(
        !f.iter()
            .any(|f| f.id == "SC002" && f.message.starts_with("ptrace "))
    );
    // Argument-filtered and capability-gated rules are not unconditional allows.
    let p = good_with(
        r#"{"names": ["personality", "ptrace"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]}"#,
    );
    assert_eq!(only(&p, "SC002"), Vec::<String>::new());
}

#[test]
fn sc003_clone_unfiltered() {
    let p = GOOD.replace(
        r#"{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}"#,
        r#"{"names": ["clone3"], "action": "SCMP_ACT_ALLOW"}"#,
    );
    assert_eq!(only(&p, "SC003"), vec!["syscalls[2].names[0]"]);
    let p = good_with(r#"{"name": "clone", "action": "SCMP_ACT_ALLOW"}"#);
    assert_eq!(only(&p, "SC003"), vec!["syscalls[0].name"]);
}

#[test]
fn sc004_unknown_syscalls() {
    let p = good_with(
        r#"{"names": ["opne", "socketcall", "arm_fadvise64_64", "Read"], "action": "SCMP_ACT_ALLOW"}"#,
    );
    assert_eq!(
        only(&p, "SC004"),
        vec!["syscalls[0].names[0]", "syscalls[0].names[3]"]
    );
}

#[test]
fn sc005_to_sc011_structure() {
    let p = r#"{"defaultAction": "SCMP_ACT_DENY", "defaultErrnoRet": 1,
      "architectures": ["SCMP_ARCH_X86_64", "x86_64"],
      "archMap": [{"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM", "arm"]}],
      "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TURBO"],
      "defaultActon": "SCMP_ACT_ALLOW",
      "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_NOTIFY"},
        {"names": ["write"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1,
         "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 1, "op": "EQ"}]},
        {"names": [], "action": "SCMP_ACT_ERRNO", "includes": {"arches": ["amd64", "x86-64"]}}
      ]}"#;
    let got = ids(p);
    let want: Vec<(&str, &str)> = vec![
        ("SC005", "defaultAction"),
        ("SC006", "architectures[1]"),
        ("SC006", "archMap[0].subArchitectures[1]"),
        ("SC006", "syscalls[2]"),
        ("SC007", "syscalls[1].args[0].index"),
        ("SC007", "syscalls[1].args[1].op"),
        ("SC008", "listenerPath"),
        ("SC009", "flags[1]"),
        ("SC010", "syscalls[2]"),
        ("SC011", "syscalls[1].errnoRet"),
        ("SC011", "defaultErrnoRet"),
        ("SC011", "defaultActon"),
    ];
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let mut want_sorted: Vec<(String, String)> = want
        .into_iter()
        .map(|(a, b)| (a.into(), b.into()))
        .collect();
    want_sorted.sort();
    assert_eq!(got_sorted, want_sorted);
}

#[test]
fn keys_match_case_insensitively_like_go() {
    let p = r#"{"DefaultAction": "SCMP_ACT_ERRNO", "Syscalls": [{"Names": ["read"], "Action": "SCMP_ACT_ALLOW"}]}"#;
    assert_eq!(ids(p), vec![]);
}

#[test]
fn findings_are_sorted_by_severity_and_in_the_table() {
    let p = r#"{"defaultAction": "SCMP_ACT_ALLOW", "bogus": 1}"#;
    let (_, f) = check(p).unwrap();
    assert_eq!(f.first().map(|f| f.id), Some("SC001"));
    assert_eq!(f.last().map(|f| f.id), Some("SC011"));
    assert!(f.iter().all(|x| {
        FINDINGS
            .iter()
            .any(|d| d.id == x.id && d.severity == x.severity)
    }));
}

#[test]
fn unreadable_profiles_name_line_or_field() {
    let e = check("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [\n}")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("line 4, column 1: not valid JSON"), "{e}");
    let e = check(r#"{"syscalls": []}"#).unwrap_err().to_string();
    assert!(e.starts_with("defaultAction: missing"), "{e}");
    let e = check(r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": "read", "action": "SCMP_ACT_ALLOW"}]}"#).unwrap_err().to_string();
    assert_eq!(
        e,
        "syscalls[0].names: expected a list of strings, found a string"
    );
    let e = check(r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"]}]}"#)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("syscalls[0].action: missing"), "{e}");
    let e = check(r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": -1}]}]}"#).unwrap_err().to_string();
    assert!(
        e.starts_with("syscalls[0].args[0].index: expected a non-negative integer"),
        "{e}"
    );
    assert!(
        check("[]")
            .unwrap_err()
            .to_string()
            .starts_with("profile: expected an object")
    );
}

#[test]
fn localhost_paths() {
    let root = Path::new("/var/lib/kubelet");
    assert_eq!(
        localhost_path(root, "profiles/audit.json").unwrap(),
        Path::new("/var/lib/kubelet/seccomp/profiles/audit.json")
    );
    assert!(
        localhost_path(root, "../etc/x.json")
            .unwrap_err()
            .to_string()
            .contains("'..'")
    );
    assert!(localhost_path(root, "/etc/x.json").is_err());
    assert!(localhost_path(root, "").is_err());
    assert_eq!(
        security_context_yaml("my.json"),
        "securityContext:\n  seccompProfile:\n    type: Localhost\n    localhostProfile: \"my.json\"\n"
    );
}
