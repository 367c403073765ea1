//! `--format json` is a stable contract: field names, types, nulls and the summary.

use crate::common::{Fixture, PRIVILEGED_POD, RESTRICTED_POD, result, results, scan_json};
use kubeward_testkit::cli::args;
use serde_json::{Value, json};

const CRONJOB: &str = "\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
  namespace: ops
spec:
  schedule: '0 3 * * *'
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          securityContext:
            runAsNonRoot: true
            seccompProfile:
              type: RuntimeDefault
          containers:
            - name: backup
              image: backup:1
              securityContext:
                privileged: true
                readOnlyRootFilesystem: true
                capabilities:
                  drop: [ALL]
";

/// `kubeward scan --format json ARGS NAME` over a fixture holding `text` as `name`.
fn scan_one(name: &str, text: &str, args: &[&str]) -> (i32, Value) {
    let f = Fixture::new(&[(name, text)]);
    let mut all = args.to_vec();
    all.push(name);
    scan_json(f.root(), &all)
}

#[test]
fn every_field_of_a_result_has_its_documented_type() {
    let (code, doc) = scan_one("bad.yaml", PRIVILEGED_POD, &[]);
    assert_eq!(code, 1);
    let r = result(&doc, "bad");
    let keys: Vec<&str> = r
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "file",
        "line",
        "apiVersion",
        "kind",
        "namespace",
        "name",
        "policy",
        "allowed",
        "violations",
        "lints",
    ] {
        assert!(keys.contains(&key), "{key} missing: {keys:?}");
    }
    assert!(
        !keys.contains(&"warn") && !keys.contains(&"audit"),
        "{keys:?}"
    );
    assert_eq!(r["file"], "bad.yaml");
    assert_eq!(r["line"], 1);
    assert_eq!(r["apiVersion"], "v1");
    assert_eq!(r["kind"], "Pod");
    assert_eq!(r["namespace"], "apps");
    assert_eq!(r["policy"], "restricted:latest");
    assert_eq!(r["allowed"], false);
    let privileged = &r["violations"][0];
    assert_eq!(
        privileged,
        &json!({
            "check": "privileged",
            "reason": "privileged",
            "detail": "container \"app\" must not set securityContext.privileged=true",
            "path": "spec.containers[0].securityContext.privileged",
            "line": 11,
        })
    );
    for lint in r["lints"].as_array().expect("lints") {
        assert!(lint["id"].as_str().is_some_and(|id| {
            kubeward_cluster_ids().any(|p| id.starts_with(p)) && id.len() == 5
        }));
        assert!(
            ["error", "warning", "info"].contains(&lint["severity"].as_str().expect("severity"))
        );
        assert!(lint["message"].is_string() && lint["path"].is_string());
        assert!(lint["line"].is_u64());
    }
}

#[test]
fn a_workload_without_namespace_or_name_reports_null() {
    let pod = PRIVILEGED_POD
        .replace("  namespace: apps\n", "")
        .replace("  name: bad\n", "  labels: {app: x}\n");
    let (_, doc) = scan_one("p.yaml", &pod, &[]);
    let r = &results(&doc)[0];
    assert!(r["namespace"].is_null(), "{r:#}");
    assert!(r["name"].is_null(), "{r:#}");
}

#[test]
fn summary_counts_files_resources_workloads_and_skipped_kinds() {
    let extra = "\
apiVersion: v1
kind: Service
metadata:
  name: svc
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
---
apiVersion: v1
kind: Service
metadata:
  name: svc2
";
    let f = Fixture::new(&[
        ("a.yaml", RESTRICTED_POD),
        ("b.yaml", PRIVILEGED_POD),
        ("c.yaml", extra),
    ]);
    let (code, doc) = scan_json(f.root(), &["a.yaml", "b.yaml", "c.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(
        doc["summary"],
        json!({
            "files": 3,
            "resources": 5,
            "workloads": 2,
            "allowed": 1,
            "denied": 1,
            // ConfigMaps and Services are judged (secrets, exposure), not skipped.
            "skipped": {},
            "lints": results(&doc)
                .iter()
                .map(|r| r["lints"].as_array().expect("lints").len())
                .sum::<usize>(),
            "errors": 0,
        })
    );
    assert_eq!(doc["errors"], json!([]));
    // Input order, whatever the parallelism.
    let names: Vec<_> = results(&doc).iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, [json!("good"), json!("bad")]);
}

#[test]
fn no_lint_reports_no_lints() {
    let (_, doc) = scan_one("b.yaml", PRIVILEGED_POD, &["--no-lint"]);
    assert_eq!(result(&doc, "bad")["lints"], json!([]));
    assert_eq!(doc["summary"]["lints"], 0);
}

#[test]
fn cronjob_findings_carry_full_paths_and_their_lines() {
    let (code, doc) = scan_one("cron.yaml", CRONJOB, &[]);
    assert_eq!(code, 1);
    let r = result(&doc, "backup");
    assert_eq!(r["kind"], "CronJob");
    assert_eq!(r["violations"].as_array().map(Vec::len), Some(2), "{r:#}");
    let sc = "spec.jobTemplate.spec.template.spec.containers[0].securityContext";
    let want = [
        ("privileged", format!("{sc}.privileged"), 21),
        // Not set at all: named where it should be, located at the deepest existing parent.
        (
            "allowPrivilegeEscalation",
            format!("{sc}.allowPrivilegeEscalation"),
            20,
        ),
    ];
    for (i, (check, path, line)) in want.into_iter().enumerate() {
        let v = &r["violations"][i];
        assert_eq!(v["check"], check, "{v}");
        assert_eq!(v["path"], path.as_str(), "{v}");
        assert_eq!(v["line"], line, "{v}");
    }
    for lint in r["lints"].as_array().expect("lints") {
        // Template findings carry the template's prefix; namespace findings are the
        // object's own.
        let path = lint["path"].as_str().expect("path");
        assert!(
            path.starts_with("spec.jobTemplate.spec.template.") || path == "metadata.namespace",
            "{path}"
        );
    }
}

#[test]
fn pods_get_api_server_defaults_but_templates_do_not() {
    // hostNetwork defaults hostPort=containerPort on Pods only (templates since 1.28).
    let pod = "\
apiVersion: v1
kind: Pod
metadata:
  name: net
spec:
  hostNetwork: true
  containers:
    - name: app
      image: app:1
      ports:
        - containerPort: 8080
";
    // The same pod spec as a template, in flow style.
    let deployment = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: net}
spec:
  template:
    spec: {hostNetwork: true, containers: [{name: app, image: 'app:1', ports: [{containerPort: 8080}]}]}
";
    let f = Fixture::new(&[("pod.yaml", pod), ("deploy.yaml", deployment)]);
    let (_, doc) = scan_json(f.root(), &args("--level baseline pod.yaml deploy.yaml"));
    assert_eq!(
        crate::common::checks(&results(&doc)[0]),
        ["hostNamespaces", "hostPorts"]
    );
    assert_eq!(crate::common::checks(&results(&doc)[1]), ["hostNamespaces"]);
}

#[test]
fn the_output_is_one_json_document_even_with_nothing_to_report() {
    let (code, doc) = scan_one("empty.yaml", "# nothing here\n", &[]);
    assert_eq!(code, 0);
    assert_eq!(doc["results"], json!([]));
    assert_eq!(doc["summary"]["files"], 1);
    assert_eq!(doc["summary"]["workloads"], 0);
}

/// The id prefixes of every family a scan reports.
fn kubeward_cluster_ids() -> impl Iterator<Item = &'static str> {
    ["KW", "WH", "EX", "RB", "SE"].into_iter()
}
