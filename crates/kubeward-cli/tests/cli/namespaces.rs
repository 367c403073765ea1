//! Namespace labels in the scanned set choose the policy of the workloads in them.

use crate::common::{Fixture, checks, result, run, scan_json};
use kubeward_testkit::cli::args;
use serde_json::{Value, json};

fn namespace(name: &str, labels: &[(&str, &str)]) -> String {
    let mut s = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n");
    for (k, v) in labels {
        s.push_str(&format!("    pod-security.kubernetes.io/{k}: \"{v}\"\n"));
    }
    s
}

/// A Pod in `ns` that passes baseline but not restricted (it sets nothing), and uses
/// runAsUser 0, which restricted forbids only from v1.23.
fn pod(ns: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  namespace: {ns}\nspec:\n  \
         securityContext:\n    runAsUser: 0\n  containers:\n    - name: app\n      image: app:1\n"
    )
}

fn scan(files: &[(&str, &str)], args: &[&str]) -> (i32, Value) {
    let f = Fixture::new(files);
    let mut all = args.to_vec();
    all.push(".");
    scan_json(f.root(), &all)
}

#[test]
fn enforce_label_sets_the_level() {
    let ns = namespace("team", &[("enforce", "baseline")]);
    let (code, doc) = scan(&[("ns.yaml", &ns), ("pod.yaml", &pod("team"))], &[]);
    assert_eq!(code, 0, "{doc:#}");
    let r = result(&doc, "app");
    assert_eq!(r["policy"], "baseline:latest");
    assert_eq!(r["allowed"], true);
    // Warn inherits enforce when only enforce is labelled: nothing extra to report.
    assert!(r.get("warn").is_none(), "{r:#}");
}

#[test]
fn workloads_in_other_namespaces_get_the_defaults() {
    let ns = namespace("team", &[("enforce", "baseline")]);
    let (code, doc) = scan(&[("ns.yaml", &ns), ("pod.yaml", &pod("other"))], &[]);
    assert_eq!(code, 1);
    assert_eq!(result(&doc, "app")["policy"], "restricted:latest");
}

#[test]
fn enforce_version_label_sets_the_version() {
    let ns = namespace(
        "team",
        &[("enforce", "restricted"), ("enforce-version", "v1.22")],
    );
    let (_, doc) = scan(&[("all.yaml", &format!("{ns}---\n{}", pod("team")))], &[]);
    let r = result(&doc, "app");
    assert_eq!(r["policy"], "restricted:v1.22");
    assert!(!checks(r).contains(&"runAsUser"), "{r:#}");
}

#[test]
fn warn_and_audit_labels_are_evaluated_and_reported() {
    let ns = namespace(
        "team",
        &[
            ("enforce", "baseline"),
            ("warn", "restricted"),
            ("audit", "restricted"),
            ("audit-version", "v1.22"),
        ],
    );
    let (code, doc) = scan(&[("ns.yaml", &ns), ("pod.yaml", &pod("team"))], &[]);
    assert_eq!(code, 0, "allowed is the enforce decision only: {doc:#}");
    let r = result(&doc, "app");
    assert_eq!(r["allowed"], true);
    assert_eq!(r["warn"]["policy"], "restricted:latest");
    assert!(checks(&r["warn"]).contains(&"runAsUser"));
    assert_eq!(r["audit"]["policy"], "restricted:v1.22");
    assert!(!checks(&r["audit"]).contains(&"runAsUser"));

    let f = Fixture::new(&[("ns.yaml", &ns), ("pod.yaml", &pod("team"))]);
    run(f.root(), &["scan", "."])
        .code(0)
        .out_has("Pod team/app — allowed by baseline:latest")
        .out_has("warn: would violate PodSecurity \"restricted:latest\": ")
        .out_has("audit: would violate PodSecurity \"restricted:v1.22\": ");
}

#[test]
fn warn_inherits_the_enforce_level_when_unlabelled() {
    // enforce restricted:v1.22 and only a warn-version: warn is restricted (inherited) at
    // latest (its own label). A Pod allowed at v1.22 but running as root is then warned.
    let ns = namespace(
        "team",
        &[
            ("enforce", "restricted"),
            ("enforce-version", "v1.22"),
            ("warn-version", "latest"),
        ],
    );
    let pod = crate::common::RESTRICTED_POD
        .replace("namespace: apps", "namespace: team")
        .replace("runAsNonRoot: true", "runAsNonRoot: true\n    runAsUser: 0");
    let (code, doc) = scan(&[("ns.yaml", &ns), ("pod.yaml", &pod)], &[]);
    assert_eq!(code, 0, "{doc:#}");
    let r = result(&doc, "good");
    assert_eq!(r["policy"], "restricted:v1.22");
    assert_eq!(r["warn"]["policy"], "restricted:latest");
    assert_eq!(checks(&r["warn"]), ["runAsUser"]);

    // Denied by enforce: PSA suppresses the warning.
    let denied = pod.replace(
        "allowPrivilegeEscalation: false",
        "allowPrivilegeEscalation: true",
    );
    let (code, doc) = scan(&[("ns.yaml", &ns), ("pod.yaml", &denied)], &[]);
    let r = result(&doc, "good");
    assert_eq!((code, &r["allowed"]), (1, &json!(false)));
    assert!(r.get("warn").is_none(), "{r:#}");
}

#[test]
fn bad_labels_fall_back_and_are_errors_on_their_line() {
    let ns = namespace(
        "team",
        &[
            ("enforce", "strict"),
            ("warn", "loud"),
            ("enforce-version", "1.30"),
        ],
    );
    let (code, doc) = scan(&[("ns.yaml", &ns), ("pod.yaml", &pod("team"))], &[]);
    assert_eq!(code, 2);
    // Bad enforce level fails closed (restricted), bad version means latest.
    let r = result(&doc, "app");
    assert_eq!(r["policy"], "restricted:latest");
    assert_eq!(r["allowed"], false);
    // A bad warn level fails open (privileged): nothing is warned.
    assert!(r.get("warn").is_none(), "{r:#}");
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_eq!(errors[0]["file"], "./ns.yaml");
    assert_eq!(errors[0]["line"], 6);
    assert_eq!(
        errors[0]["message"],
        "namespace \"team\": metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted (evaluated as restricted)"
    );
    let messages: Vec<&str> = errors
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("warn]: Invalid value: \"loud\"")
                && m.ends_with("(evaluated as privileged)"))
    );
    assert!(messages.iter().any(|m| m.contains("enforce-version]: Invalid value: \"1.30\": must be \"latest\" or \"v1.x\" (evaluated as latest)")));
    assert_eq!(doc["summary"]["errors"], 3);

    let f = Fixture::new(&[("ns.yaml", &ns)]);
    run(f.root(), &["scan", "ns.yaml"])
        .code(2)
        .err_has("error: ns.yaml:6: namespace \"team\"")
        .err_has("hint: use one of privileged, baseline, restricted")
        .err_has("hint: use \"latest\" or \"v1.N\"");
}

#[test]
fn level_and_version_flags_override_labels() {
    let ns = namespace("team", &[("enforce", "privileged"), ("warn", "restricted")]);
    let files = [("ns.yaml", ns.as_str()), ("pod.yaml", &pod("team"))];
    let (code, doc) = scan(&files, &[]);
    assert_eq!(
        (code, &result(&doc, "app")["policy"]),
        (0, &json!("privileged:latest"))
    );
    assert!(result(&doc, "app").get("warn").is_some());

    let (code, doc) = scan(&files, &["--level", "baseline"]);
    let r = result(&doc, "app");
    assert_eq!((code, &r["policy"]), (0, &json!("baseline:latest")));
    assert!(
        r.get("warn").is_none(),
        "--level asks for one answer: {r:#}"
    );

    let (code, doc) = scan(&files, &args("--level restricted --pss-version v1.22"));
    let r = result(&doc, "app");
    assert_eq!((code, &r["policy"]), (1, &json!("restricted:v1.22")));
}
