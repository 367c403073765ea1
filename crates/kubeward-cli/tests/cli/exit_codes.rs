//! Exit status: 0 clean, 1 any workload denied, 2 unusable input or arguments.

use crate::common::{Fixture, PRIVILEGED_POD, RESTRICTED_POD, checks, result, run, scan_json};
use kubeward_testkit::cli::args;

#[test]
fn allowed_workloads_exit_0() {
    let f = Fixture::new(&[("good.yaml", RESTRICTED_POD)]);
    run(f.root(), &["scan", "good.yaml"])
        .code(0)
        .out_has("1 workload: 1 allowed, 0 denied; ")
        .out_has("0 errors in 1 file");
}

#[test]
fn a_denied_workload_exits_1() {
    let f = Fixture::new(&[("good.yaml", RESTRICTED_POD), ("bad.yaml", PRIVILEGED_POD)]);
    run(f.root(), &["scan", "good.yaml", "bad.yaml"])
        .code(1)
        .out_has("2 workloads: 1 allowed, 1 denied;");
}

#[test]
fn lints_alone_do_not_fail_the_scan() {
    // Allowed at privileged, but the lints still fire: `allowed` is PSA's decision only.
    let f = Fixture::new(&[("bad.yaml", PRIVILEGED_POD)]);
    let (code, doc) = scan_json(f.root(), &["--level", "privileged", "bad.yaml"]);
    assert_eq!(code, 0);
    let r = result(&doc, "bad");
    assert_eq!(r["allowed"], true);
    assert!(!r["lints"].as_array().expect("lints").is_empty(), "{r:#}");
}

#[test]
fn a_missing_path_exits_2_and_the_rest_is_still_scanned() {
    let f = Fixture::new(&[("bad.yaml", PRIVILEGED_POD)]);
    run(f.root(), &["scan", "missing.yaml", "bad.yaml"])
        .code(2)
        .err_has("error: missing.yaml")
        .err_has("hint: check that the path exists")
        .out_has("bad.yaml:1 Pod apps/bad — DENIED by restricted:latest")
        .out_has("1 workload: 0 allowed, 1 denied;")
        .out_has("1 error in 1 file");
}

#[test]
fn bad_arguments_exit_2() {
    let cwd = std::env::temp_dir();
    run(&cwd, &["scan"]).code(2).err_has("PATH");
    run(&cwd, &args("scan --level strict x.yaml"))
        .code(2)
        .err_has("possible values: privileged, baseline, restricted");
    run(&cwd, &args("scan --format xml x.yaml")).code(2);
    run(&cwd, &args("scan --color sometimes x.yaml")).code(2);
    run(&cwd, &args("scan --max-file-size lots x.yaml")).code(2);
    run(&cwd, &["frobnicate"]).code(2);
}

#[test]
fn pss_version_is_validated_with_the_admission_controllers_words() {
    let cwd = std::env::temp_dir();
    for bad in ["v2.0", "v1.05", "1.30", "v1.x"] {
        run(&cwd, &["scan", "--pss-version", bad, "x.yaml"])
            .code(2)
            .err_has(&format!(
                "invalid value '{bad}' for '--pss-version <VERSION>': must be \"latest\" or \"v1.x\""
            ));
    }
}

#[test]
fn pss_version_selects_the_policy_version() {
    // runAsUser=0 is a restricted check only from v1.23.
    let pod = RESTRICTED_POD.replace("runAsNonRoot: true", "runAsNonRoot: true\n    runAsUser: 0");
    let f = Fixture::new(&[("pod.yaml", &pod)]);
    let (code, doc) = scan_json(f.root(), &["--pss-version", "v1.22", "pod.yaml"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["results"][0]["policy"], "restricted:v1.22");
    let (code, doc) = scan_json(f.root(), &["--pss-version", "v1.23", "pod.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(checks(&doc["results"][0]), ["runAsUser"]);
}

#[test]
fn the_shipped_examples_exit_1_with_a_readable_report() {
    let examples = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples"));
    run(examples, &["scan", "."])
        .code(1)
        .out_has("Deployment shop/web — allowed by restricted:latest")
        .out_has("Deployment monitoring/node-agent — DENIED by restricted:latest")
        .out_has("CronJob ops/nightly-backup — DENIED by restricted:latest")
        .out_has("Deployment payments/api — allowed by baseline:v1.30")
        .out_has("warn: would violate PodSecurity \"restricted:latest\"")
        .out_has("pods \"debug\" is forbidden: violates PodSecurity \"baseline:v1.30\": host namespaces (hostNetwork=true), hostPort (container \"shell\" uses hostPort 8080)")
        .out_has("DaemonSet logging/log-shipper — DENIED by restricted:latest")
        .out_has("Warning: would violate PodSecurity \"restricted:latest\":")
        .out_has("EX004")
        .out_has("0 errors in 5 files");
}

#[test]
fn the_insecure_example_shows_every_check_and_the_advertised_lints() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let (code, doc) = scan_json(
        std::path::Path::new(examples),
        &["deployment-insecure.yaml"],
    );
    assert_eq!(code, 1);
    let r = result(&doc, "node-agent");
    // Every restricted check but the Windows-only one; the overridden baseline checks
    // (capabilities, hostPath, procMount, seccomp) show under their restricted names.
    assert_eq!(
        checks(r),
        [
            "appArmorProfile",
            "hostNamespaces",
            "hostPorts",
            "hostProbesAndHostLifecycle",
            "privileged",
            "sysctls",
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "procMount_restricted",
            "restrictedVolumes",
            "runAsNonRoot",
            "runAsUser",
            "seccompProfile_restricted",
        ]
    );
    let (_, baseline) = scan_json(
        std::path::Path::new(examples),
        &["--level", "baseline", "deployment-insecure.yaml"],
    );
    let found = checks(result(&baseline, "node-agent"));
    for check in [
        "capabilities_baseline",
        "hostPathVolumes",
        "procMount",
        "seccompProfile_baseline",
    ] {
        assert!(found.contains(&check), "{check} missing from {found:?}");
    }
    let lints: Vec<&str> = r["lints"]
        .as_array()
        .expect("lints")
        .iter()
        .map(|l| l["id"].as_str().expect("id"))
        .collect();
    for id in [
        "KW101", "KW102", "KW125", "KW126", "KW132", "KW133", "KW141", "KW142",
    ] {
        assert!(lints.contains(&id), "{id} missing from {lints:?}");
    }
    let (_, doc) = scan_json(
        std::path::Path::new(examples),
        &["deployment-restricted.yaml"],
    );
    let r = result(&doc, "web");
    let kw = r["lints"].as_array().map(|l| {
        l.iter()
            .filter(|l| l["id"].as_str().is_some_and(|id| id.starts_with("KW")))
            .count()
    });
    assert_eq!((r["allowed"].as_bool(), kw), (Some(true), Some(0)), "{r:#}");
}
