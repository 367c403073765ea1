//! Flag parsing as pflag does it, and static pod discovery with clear errors.

use kubeward_controlplane::flags::{Component, Flags, FlagsError, load_manifests};
use kubeward_manifest::Limits;
use kubeward_report::Hint as _;

fn parse(words: &[&str]) -> Flags {
    Flags::parse(words.iter().map(|w| (*w, None)))
}

#[test]
fn both_forms_last_wins_and_bare_booleans() {
    let f = parse(&[
        "kube-apiserver",
        "--secure-port=6443",
        "--etcd-prefix",
        "/custom",
        "--profiling",
        "--secure-port",
        "7443",
        "--v=2",
    ]);
    assert_eq!(f.value("secure-port"), Some("7443"));
    assert_eq!(f.value("etcd-prefix"), Some("/custom"));
    assert_eq!(f.bool("profiling"), Some(Ok(true)));
    assert_eq!(f.value("v"), Some("2"));
    assert!(f.stray.is_empty());
    assert!(!f.is_set("client-ca-file"));
}

#[test]
fn flag_names_are_tokens_not_substrings() {
    let f = parse(&[
        "x",
        "--requestheader-client-ca-file=/a",
        "--contention-profiling",
    ]);
    assert_eq!(f.value("client-ca-file"), None);
    assert_eq!(f.value("profiling"), None);
}

#[test]
fn booleans_never_take_the_next_word() {
    let f = parse(&["etcd", "--client-cert-auth", "false", "--name", "n1"]);
    assert_eq!(f.bool("client-cert-auth"), Some(Ok(true)));
    assert_eq!(f.stray, vec!["false".to_owned()]);
    assert_eq!(f.value("name"), Some("n1"));
    let f = parse(&["etcd", "--client-cert-auth=F", "--auto-tls=yes"]);
    assert_eq!(f.bool("client-cert-auth"), Some(Ok(false)));
    assert_eq!(f.bool("auto-tls"), Some(Err("yes".to_owned())));
}

#[test]
fn unknown_flags_without_value_do_not_swallow_the_next_flag() {
    let f = parse(&["x", "--some-new-bool", "--other=1", "--v", "-1"]);
    assert_eq!(f.value("some-new-bool"), Some("true"));
    assert_eq!(f.value("other"), Some("1"));
    // pflag gives a non-boolean flag the next word even when it starts with a dash.
    assert_eq!(f.value("v"), Some("-1"));
}

#[test]
fn lists_accumulate_and_feature_gates_merge() {
    let f = parse(&[
        "x",
        "--enable-admission-plugins=NodeRestriction, AlwaysPullImages",
        "--enable-admission-plugins",
        "EventRateLimit,,",
        "--feature-gates=A=true,B=false",
        "--feature-gates=A=false",
    ]);
    assert_eq!(
        f.list("enable-admission-plugins").unwrap(),
        ["NodeRestriction", "AlwaysPullImages", "EventRateLimit"]
    );
    assert_eq!(f.list("authorization-mode"), None);
    assert_eq!(f.feature_gate("A"), Some(Ok(false)));
    assert_eq!(f.feature_gate("B"), Some(Ok(false)));
    assert_eq!(f.feature_gate("C"), None);
}

#[test]
fn double_dash_ends_flags() {
    let f = parse(&["x", "--a=1", "--", "--b=2"]);
    assert!(f.is_set("a") && !f.is_set("b"));
    assert_eq!(f.stray, vec!["--b=2".to_owned()]);
}

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(d.path().join(name), text).unwrap();
    }
    d
}

const APISERVER: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: k\n    command: [kube-apiserver, --etcd-servers=https://127.0.0.1:2379]\n    args: [--profiling, \"false\"]\n";

#[test]
fn command_and_args_are_both_read_with_positions() {
    let d = dir_with(&[("kube-apiserver.yaml", APISERVER)]);
    let m = load_manifests(d.path(), &Limits::default()).unwrap();
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let pod = m.get(Component::KubeApiserver).unwrap();
    assert_eq!(
        pod.flags.value("etcd-servers"),
        Some("https://127.0.0.1:2379")
    );
    assert_eq!(pod.flags.bool("profiling"), Some(Ok(true)));
    assert_eq!(pod.flags.pos("etcd-servers").map(|p| p.line), Some(8));
    assert!(m.get(Component::Etcd).is_none());
}

#[test]
fn pods_are_found_by_container_name_when_the_file_is_named_otherwise() {
    let text = APISERVER
        .replace("name: kube-apiserver", "name: api")
        .replace("- name: api", "- name: kube-apiserver");
    let d = dir_with(&[
        ("api.yml", &text),
        (
            "notes.json",
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"}",
        ),
    ]);
    let m = load_manifests(d.path(), &Limits::default()).unwrap();
    assert!(m.get(Component::KubeApiserver).is_some());
}

#[test]
fn a_manifest_without_a_command_names_file_and_field() {
    let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: etcd\n    image: etcd\n";
    let d = dir_with(&[("etcd.yaml", text)]);
    let m = load_manifests(d.path(), &Limits::default()).unwrap();
    assert!(m.get(Component::Etcd).is_none());
    let e = m.errors.first().expect("an error");
    let s = e.to_string();
    assert!(
        s.contains("etcd.yaml:5") && s.contains("spec.containers[0].command"),
        "{s}"
    );
    assert!(e.hint().contains("command"));
}

#[test]
fn broken_files_are_errors_and_the_rest_still_loads() {
    let d = dir_with(&[
        ("kube-apiserver.yaml", APISERVER),
        ("etcd.yaml", "apiVersion: v1\nkind: Pod\nspec: [\n"),
        (
            "kube-scheduler.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers: 3\n",
        ),
    ]);
    let m = load_manifests(d.path(), &Limits::default()).unwrap();
    assert!(m.get(Component::KubeApiserver).is_some());
    let all: Vec<String> = m.errors.iter().map(ToString::to_string).collect();
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(
        all.iter()
            .any(|e| e.contains("etcd.yaml") && e.contains("invalid YAML")),
        "{all:?}"
    );
    assert!(
        all.iter()
            .any(|e| e.contains("kube-scheduler.yaml") && e.contains("spec")),
        "{all:?}"
    );
}

#[test]
fn a_missing_or_non_directory_path_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    let missing = d.path().join("nope");
    let e = load_manifests(&missing, &Limits::default()).unwrap_err();
    assert!(matches!(e, FlagsError::Dir { .. }));
    assert!(e.to_string().contains("nope: no such directory"), "{e}");
    let file = d.path().join("f.yaml");
    std::fs::write(&file, "a: 1").unwrap();
    let e = load_manifests(&file, &Limits::default()).unwrap_err();
    assert!(e.to_string().contains("not a directory"), "{e}");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let d = tempfile::tempdir().unwrap();
    for (i, text) in [
        "\u{0}\u{1}",
        "- - - [",
        "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - command: [1, {a: b}]\n",
        "apiVersion: v1\nkind: Pod\nspec: {containers: []}\n",
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(d.path().join(format!("kube-apiserver{i}.yaml")), text).unwrap();
    }
    let m = load_manifests(d.path(), &Limits::default()).unwrap();
    assert!(!m.errors.is_empty());
}
