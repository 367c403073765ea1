//! The default text report: grouped by resource, PSA's own words, colour only on request
//! or on a terminal.

use crate::common::{Fixture, PRIVILEGED_POD, RESTRICTED_POD, kubeward, run};
use kubeward_testkit::cli::args;

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      hostPID: true
      containers:
        - name: web
          image: web:1
";

#[test]
fn pods_print_the_forbidden_error_and_workloads_the_warning() {
    let f = Fixture::new(&[("pod.yaml", PRIVILEGED_POD), ("deploy.yaml", DEPLOYMENT)]);
    let r = run(
        f.root(),
        &args("scan --level baseline pod.yaml deploy.yaml"),
    );
    r.code(1)
        .out_has("pod.yaml:1 Pod apps/bad — DENIED by baseline:latest\n")
        .out_has("  pod.yaml:11  privileged  privileged (container \"app\" must not set securityContext.privileged=true)\n")
        .out_has("  pods \"bad\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"app\" must not set securityContext.privileged=true)\n")
        .out_has("deploy.yaml:1 Deployment shop/web — DENIED by baseline:latest\n")
        .out_has("  deploy.yaml:9  hostNamespaces  host namespaces (hostPID=true)\n")
        .out_has("  Warning: would violate PodSecurity \"baseline:latest\": host namespaces (hostPID=true)\n")
        .out_has("2 workloads: 0 allowed, 2 denied;");
    // Lints: `file:line  KWnnn  severity  message`.
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("  pod.yaml:") && l.contains("  KW1")),
        "{}",
        r.stdout
    );
}

#[test]
fn no_colour_when_not_a_terminal_unless_asked() {
    let f = Fixture::new(&[("pod.yaml", PRIVILEGED_POD), ("missing-dir/x", "")]);
    let plain = run(f.root(), &["scan", "pod.yaml", "nope.yaml"]);
    assert!(!plain.stdout.contains('\x1b'), "{}", plain.stdout);
    assert!(!plain.stderr.contains('\x1b'), "{}", plain.stderr);
    let never = run(f.root(), &args("scan --color never pod.yaml"));
    assert!(!never.stdout.contains('\x1b'));
    let always = run(f.root(), &args("scan --color always pod.yaml nope.yaml"));
    assert!(always.stdout.contains("\x1b["), "{}", always.stdout);
    assert!(always.stderr.contains("\x1b["), "{}", always.stderr);
    // The words are the same with or without colour.
    assert_eq!(strip(&always.stdout), plain.stdout);
}

#[test]
fn clicolor_force_colours_a_pipe_under_auto_and_no_color_wins_over_it() {
    let f = Fixture::new(&[("pod.yaml", PRIVILEGED_POD)]);
    let out = kubeward()
        .current_dir(f.root())
        .args(["scan", "pod.yaml"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b["));
    let out = kubeward()
        .current_dir(f.root())
        .args(["scan", "pod.yaml"])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
}

#[test]
fn quiet_prints_only_the_summary_and_errors() {
    let f = Fixture::new(&[("pod.yaml", PRIVILEGED_POD), ("good.yaml", RESTRICTED_POD)]);
    let r = run(f.root(), &args("scan --quiet pod.yaml good.yaml nope.yaml"));
    r.code(2).err_has("error: nope.yaml");
    assert_eq!(
        r.stdout,
        "2 workloads: 1 allowed, 1 denied; 3 findings; 1 error in 2 files\n"
            .replace("3 findings", &findings_of(f.root()))
    );
}

/// The summary's count of findings, which JSON keeps under its original key `lints`.
fn findings_of(root: &std::path::Path) -> String {
    let (_, doc) = crate::common::scan_json(root, &["pod.yaml", "good.yaml"]);
    let n = doc["summary"]["lints"].as_u64().expect("lints");
    assert!(n > 0, "{doc:#}");
    format!("{n} finding{}", if n == 1 { "" } else { "s" })
}

#[test]
fn skipped_kinds_are_summarised() {
    let f = Fixture::new(&[(
        "svc.yaml",
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: a\n---\n\
         apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: b\n---\n\
         apiVersion: v1\nkind: Service\nmetadata:\n  name: c\n---\n\
         apiVersion: apps/v1  before 1.9 use apps/v1beta2\nkind: Deployment\nmetadata:\n  name: e\n",
    )]);
    // A ClusterIP Service is judged (and passes), so it is not among the skipped; a
    // Deployment with prose pasted into its apiVersion is named with it.
    run(f.root(), &["scan", "svc.yaml"])
        .code(0)
        .out_has(
            "skipped 3 resources: 1 Deployment apps/v1  before 1.9 use apps/v1beta2, \
             2 PodDisruptionBudget (not workloads, and no RBAC, exposure, hygiene or secrets \
             check reads these kinds; a workload kind shown with its apiVersion is under a \
             group it is not served from)\n",
        )
        .out_has("0 workloads: 0 allowed, 0 denied; 0 findings; 0 errors in 1 file\n");
}

/// Removes ANSI escape sequences (`ESC [ ... letter`).
fn strip(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
