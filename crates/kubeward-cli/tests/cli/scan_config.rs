//! `.kubeward.yaml`: found upwards from the first scanned path, its settings replaced
//! field by field by the command line, its mistakes reported with file, line and a hint.

use kubeward_testkit::cli::args;
use serde_json::Value;

use crate::common::{Fixture, kubeward, run, scan_json};

/// A Service that raises EX001 (medium) and EX003 (high).
const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n\
spec: {type: NodePort, externalIPs: [203.0.113.7], ports: [{port: 80}]}\n";

fn config(fields: &str) -> String {
    format!("apiVersion: kubeward.io/v1alpha1\nkind: ScanConfiguration\n{fields}")
}

fn ids(doc: &Value) -> Vec<String> {
    let mut ids: Vec<String> = doc["results"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["lints"].as_array().into_iter().flatten())
        .filter_map(|l| l["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

#[test]
fn the_nearest_config_above_the_scanned_path_selects_rules_and_fails_the_scan() {
    let f = Fixture::new(&[
        (
            ".kubeward.yaml",
            &config("disable: [EX001]\nfailOn: high\n"),
        ),
        ("deploy/svc.yaml", SERVICE),
    ]);
    let (code, doc) = scan_json(f.root(), &["deploy"]);
    assert_eq!(ids(&doc), ["EX003"], "{doc:#}");
    assert_eq!(code, 1, "EX003 is high: {doc:#}");
    assert_eq!(doc["summary"]["failing"], 1);
    // A nearer one wins, whole: this one disables nothing and fails on nothing.
    std::fs::write(
        f.root().join("deploy/.kubeward.yaml"),
        config("enable: exposure\n"),
    )
    .expect("write");
    let (code, doc) = scan_json(f.root(), &["deploy/svc.yaml"]);
    assert_eq!(ids(&doc), ["EX001", "EX003"], "{doc:#}");
    assert_eq!(code, 0, "{doc:#}");
}

#[test]
fn command_line_options_replace_the_fields_they_name() {
    let f = Fixture::new(&[
        (
            ".kubeward.yaml",
            &config("enable: [EX001]\nfailOn: medium\n"),
        ),
        ("svc.yaml", SERVICE),
    ]);
    let (code, doc) = scan_json(f.root(), &["svc.yaml"]);
    assert_eq!((code, ids(&doc)), (1, vec!["EX001".to_owned()]), "{doc:#}");
    let (code, doc) = scan_json(
        f.root(),
        &["--enable", "EX003", "--fail-on", "critical", "svc.yaml"],
    );
    assert_eq!((code, ids(&doc)), (0, vec!["EX003".to_owned()]), "{doc:#}");
    let (code, doc) = scan_json(f.root(), &["--no-config", "svc.yaml"]);
    assert_eq!(
        (code, ids(&doc)),
        (0, vec!["EX001".to_owned(), "EX003".to_owned()]),
        "{doc:#}"
    );
}

#[test]
fn an_explicit_config_is_used_wherever_it_is() {
    let f = Fixture::new(&[
        ("settings/strict.yaml", &config("failOn: low\n")),
        ("svc.yaml", SERVICE),
    ]);
    let (code, doc) = scan_json(f.root(), &["--config", "settings/strict.yaml", "svc.yaml"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["summary"]["failing"], 2);
}

#[test]
fn standard_input_uses_the_working_directorys_config() {
    let f = Fixture::new(&[(".kubeward.yaml", &config("enable: [EX003]\n"))]);
    let out = kubeward()
        .current_dir(f.root())
        .args(["scan", "--format", "json", "-"])
        .write_stdin(SERVICE)
        .output()
        .expect("run");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(ids(&doc), ["EX003"], "{doc:#}");
}

#[test]
fn a_directory_walk_does_not_read_the_config_as_a_manifest() {
    let f = Fixture::new(&[(".kubeward.yaml", &config("")), ("svc.yaml", SERVICE)]);
    let (_, doc) = scan_json(f.root(), &["."]);
    assert_eq!(doc["summary"]["files"], 1, "{doc:#}");
    assert_eq!(doc["summary"]["skipped"], serde_json::json!({}), "{doc:#}");
}

#[test]
fn mistakes_in_the_config_are_unusable_input_with_the_place_and_a_hint() {
    for (text, said) in [
        (
            config("failon: high\n"),
            ".kubeward.yaml:3: unknown field \"failon\"",
        ),
        (
            config("failOn: severe\n"),
            ".kubeward.yaml:3: failOn \"severe\" is not info",
        ),
        (
            config("enable: {rbac: true}\n"),
            ".kubeward.yaml:3: expected a list of rule names",
        ),
        (
            config("enable: [RBAC, 7]\n"),
            ".kubeward.yaml:3: a rule name must be a string",
        ),
        (config("failOn: high\nfailOn: low\n"), ".kubeward.yaml:4"),
        (
            "apiVersion: v1\nkind: ConfigMap\n".to_owned(),
            "are not kubeward.io/v1alpha1 ScanConfiguration",
        ),
        (config("---\n") + &config(""), "more than one YAML document"),
        ("kind: [\n".to_owned(), "invalid YAML"),
        (String::new(), "the file is empty"),
    ] {
        let f = Fixture::new(&[(".kubeward.yaml", &text), ("svc.yaml", SERVICE)]);
        let r = run(f.root(), &args("scan svc.yaml"));
        r.code(2)
            .err_has(said)
            .err_has("hint: a .kubeward.yaml holds");
        assert!(r.stdout.is_empty(), "{text:?}: {}", r.stdout);
    }
    // A rule name the file gives wrong is traced to the file.
    let f = Fixture::new(&[
        (".kubeward.yaml", &config("disable: [XX9]\n")),
        ("svc.yaml", SERVICE),
    ]);
    run(f.root(), &args("scan svc.yaml"))
        .code(2)
        .err_has(".kubeward.yaml: unknown rule or family \"XX9\"");
    run(f.root(), &args("scan --no-config svc.yaml")).code(0);
    run(f.root(), &args("scan --config missing.yaml svc.yaml"))
        .code(2)
        .err_has("missing.yaml: no such file or directory");
}
