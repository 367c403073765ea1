//! End-to-end: `kubeward rbac who-can` on RBAC manifests (the matrix of the authorizer's
//! rules is in kubeward-identity's `tests/rbac_who_can.rs`; here the command: target
//! parsing, tables, JSON, notes and errors).

use std::path::PathBuf;

use crate::common::run;
use kubeward_testkit::has;
use serde_json::Value;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rbac/debuggers.yaml")
}

fn who_can(args: &[&str]) -> kubeward_testkit::cli::Run {
    let f = fixture();
    let mut all = vec!["rbac", "who-can"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-f", f.to_str().expect("utf-8 path")]);
    run(".", &all)
}

#[test]
fn tables_name_bindings_and_subjects() {
    let r = who_can(&["create", "pods", "--subresource", "exec", "-n", "dev"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "Group system:masters may do everything (the API server allows it before RBAC).\n\n\
         ROLEBINDING  NAMESPACE  SUBJECT  TYPE            SA-NAMESPACE\n\
         debuggers    dev        ci       ServiceAccount  dev\n\
         debuggers    dev        erin     User\n\n\
         CLUSTERROLEBINDING  SUBJECT  TYPE   SA-NAMESPACE\n\
         admins              ops      Group\n"
    );
    // The binding to `view`, which the manifests do not define, is said, not guessed.
    has(
        &r.stderr,
        "note: RoleBinding dev/viewers -> ClusterRole view: the role is not in the manifests given",
    );
    // Another namespace: only the cluster-wide grant.
    let r = who_can(&["create", "pods", "--subresource", "exec", "-n", "prod"]);
    has(&r.stdout, "No RoleBindings grant it.");
    has(&r.stdout, "admins              ops      Group");
}

#[test]
fn json_grants_and_non_resource_urls() {
    let r = who_can(&["get", "/healthz", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    let users: Vec<&str> = doc["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .filter_map(|g| g["username"].as_str())
        .collect();
    assert_eq!(users, ["system:masters", "ops"]);
    assert_eq!(doc["grants"][1]["roleKind"], "ClusterRole");
    assert_eq!(doc["grants"][1]["role"], "cluster-admin");
}

#[test]
fn targets_take_a_group_and_a_name() {
    // A qualified resource needs no table; a name narrows to resourceNames rules.
    let r = who_can(&["get", "widgets.example.com/w1", "--cluster"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    has(&r.stdout, "admins              ops      Group");
    let r = who_can(&["get", "widgets"]);
    assert_eq!(r.code, 2);
    has(
        &r.stderr,
        "`widgets` is not a built-in resource kubeward knows",
    );
    has(&r.stderr, "RESOURCE.GROUP");
    let r = who_can(&["get", ".apps"]);
    assert_eq!(r.code, 2);
    has(&r.stderr, "`.apps` names no resource");
}

#[test]
fn unreadable_manifests_are_unusable_input() {
    let r = run(
        ".",
        &["rbac", "who-can", "get", "pods", "-f", "/no/such/file.yaml"],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    has(&r.stderr, "/no/such/file.yaml");
}

#[test]
fn what_a_subject_can_do() {
    let f = fixture();
    let f = f.to_str().expect("utf-8 path");
    let r = run(
        ".",
        &["rbac", "can", "system:serviceaccount:dev:ci", "-f", f],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "system:serviceaccount:dev:ci (groups: system:serviceaccounts, system:serviceaccounts:dev, system:authenticated)\n\
         in dev: create resources pods/exec in API groups \"\" names - (via RoleBinding debuggers -> Role exec)\n"
    );
    // A group given on the command line counts; the anonymous user is unauthenticated.
    let r = run(
        ".",
        &[
            "rbac", "can", "bob", "--group", "ops", "-f", f, "--format", "json",
        ],
    );
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(
        doc["groups"],
        serde_json::json!(["ops", "system:authenticated"])
    );
    assert_eq!(doc["rules"][0]["role"], "cluster-admin");
    assert_eq!(
        doc["rules"][1]["rule"]["nonResourceURLs"],
        serde_json::json!(["*"])
    );
    let r = run(".", &["rbac", "can", "system:anonymous", "-f", f]);
    has(
        &r.stdout,
        "system:anonymous (groups: system:unauthenticated)\nNo binding gives it any rule.\n",
    );
}
