//! `--format sarif`: valid SARIF 2.1.0 (checked against the vendored OASIS schema) with the
//! structure code-scanning services read.

use kubeward_testkit::has;
use std::collections::BTreeSet;
use std::path::Path;

use crate::common::{Fixture, PRIVILEGED_POD, RESTRICTED_POD, kubeward};
use serde_json::Value;

fn sarif(cwd: &Path, args: &[&str]) -> (i32, Value) {
    let out = kubeward()
        .current_dir(cwd)
        .args(["scan", "--format", "sarif"])
        .args(args)
        .output()
        .expect("run");
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().expect("exit code"), doc)
}

fn assert_schema_valid(doc: &Value) {
    let schema: Value = serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json"))
        .expect("schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_examples_give_schema_valid_sarif() {
    let examples = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples"));
    let (code, doc) = sarif(examples, &["."]);
    assert_eq!(code, 1);
    assert_schema_valid(&doc);
}

#[test]
fn sarif_has_the_structure_code_scanning_reads() {
    let f = Fixture::new(&[
        ("dir with space/bad.yaml", PRIVILEGED_POD),
        ("good.yaml", RESTRICTED_POD),
        ("broken.yaml", "- not\n- an object\n"),
    ]);
    // Pod Security and the securityContext lints only; the other families have a test below.
    let (code, doc) = sarif(
        f.root(),
        &[
            "--enable",
            "lint",
            "dir with space/bad.yaml",
            "good.yaml",
            "broken.yaml",
        ],
    );
    assert_eq!(code, 2);
    assert_schema_valid(&doc);

    assert_eq!(
        doc["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "kubeward");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver["informationUri"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://"))
    );

    let rules = driver["rules"].as_array().expect("rules");
    let rule_ids: BTreeSet<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    for rule in rules {
        let id = rule["id"].as_str().expect("id");
        assert!(
            rule["shortDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let help = rule["helpUri"].as_str().expect("helpUri");
        if id.starts_with("KW") {
            assert!(
                help.ends_with(&format!("docs/lints.md#{}", id.to_lowercase())),
                "{help}"
            );
        } else if let Some(family) = [
            ("RB", "rbac"),
            ("WH", "hygiene"),
            ("EX", "exposure"),
            ("SE", "secrets"),
        ]
        .iter()
        .find_map(|(p, f)| id.starts_with(p).then_some(f))
        {
            assert!(
                help.ends_with(&format!("docs/{family}.md#{}", id.to_lowercase())),
                "{help}"
            );
        } else {
            has(help, "pod-security-standards");
        }
    }

    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty());
    let used: BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert_eq!(used, rule_ids, "rules are exactly the ones used");
    assert!(used.contains("privileged"));
    for r in results {
        let id = r["ruleId"].as_str().expect("ruleId");
        let level = r["level"].as_str().expect("level");
        if id.starts_with("KW") {
            assert!(["error", "warning", "note"].contains(&level));
        } else {
            assert_eq!(level, "error");
        }
        assert!(
            r["message"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("Pod apps/bad"))
        );
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(
            loc["artifactLocation"]["uri"],
            "dir%20with%20space/bad.yaml"
        );
        assert!(loc["region"]["startLine"].as_u64().is_some_and(|l| l >= 1));
        assert!(
            loc["region"]["startColumn"]
                .as_u64()
                .is_some_and(|c| c >= 1)
        );
    }
    let privileged = results
        .iter()
        .find(|r| r["ruleId"] == "privileged")
        .expect("privileged result");
    assert_eq!(
        privileged["locations"][0]["physicalLocation"]["region"]["startLine"],
        11
    );

    // Unreadable input is a tool notification with its location.
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["level"], "error");
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "broken.yaml"
    );
}

#[test]
fn cluster_findings_link_their_family_page_and_map_severity_to_level() {
    let f = Fixture::new(&[(
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n\
         spec: {type: LoadBalancer, externalIPs: [203.0.113.7], ports: [{port: 80}]}\n",
    )]);
    let (code, doc) = sarif(f.root(), &["svc.yaml"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_schema_valid(&doc);
    let run = &doc["runs"][0];
    let levels: BTreeSet<(&str, &str)> = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| Some((r["ruleId"].as_str()?, r["level"].as_str()?)))
        .collect();
    // EX002 is medium, EX003 high.
    assert_eq!(
        levels,
        BTreeSet::from([("EX002", "warning"), ("EX003", "error")]),
        "{doc:#}"
    );
    for rule in run["tool"]["driver"]["rules"].as_array().expect("rules") {
        let id = rule["id"].as_str().expect("id");
        let help = rule["helpUri"].as_str().expect("helpUri");
        assert!(
            help.ends_with(&format!("docs/exposure.md#{}", id.to_lowercase())),
            "{help}"
        );
    }
}

#[test]
fn a_clean_scan_gives_an_empty_successful_run() {
    let f = Fixture::new(&[("good.yaml", RESTRICTED_POD)]);
    let (code, doc) = sarif(f.root(), &["--enable", "lint", "good.yaml"]);
    assert_eq!(code, 0);
    assert_schema_valid(&doc);
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        doc["runs"][0]["tool"]["driver"]["rules"],
        serde_json::json!([])
    );
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}
