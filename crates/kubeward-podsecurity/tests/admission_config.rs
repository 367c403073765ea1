//! The PodSecurity plugin's configuration as kube-apiserver reads it: the documented shapes
//! (an AdmissionConfiguration with the configuration inline or by path, or the
//! PodSecurityConfiguration alone, at v1, v1beta1 and v1alpha1), upstream's field errors,
//! and namespace resolution with configured defaults.

use std::collections::HashMap;
use std::path::Path;

use kubeward_podsecurity::standards::config::{self, Defaults, PodSecurityConfiguration};
use kubeward_podsecurity::standards::namespace::{self, PREFIX, Policy};
use kubeward_podsecurity::standards::{Level, PolicyVersion};

fn pss(version: &str, body: &str) -> String {
    format!(
        "apiVersion: pod-security.admission.config.k8s.io/{version}\nkind: PodSecurityConfiguration\n{body}"
    )
}

const BODY: &str = "defaults:
  enforce: baseline
  enforce-version: v1.29
  audit: restricted
  warn: restricted
  warn-version: latest
exemptions:
  usernames: [system:serviceaccount:kube-system:replicaset-controller]
  runtimeClasses: [gvisor, kata.containers]
  namespaces: [kube-system]
";

fn parse(text: &str) -> Result<PodSecurityConfiguration, config::ConfigError> {
    config::parse(Path::new("admission.yaml"), text)
}

fn policy(level: Level, version: PolicyVersion) -> Policy {
    Policy { level, version }
}

#[test]
fn every_version_and_both_shapes_read_the_same_configuration() {
    let expected = parse(&pss("v1", BODY)).expect("valid");
    assert_eq!(
        expected.defaults.enforce,
        policy(Level::Baseline, PolicyVersion::V1(29))
    );
    assert_eq!(
        expected.defaults.audit,
        policy(Level::Restricted, PolicyVersion::Latest)
    );
    assert!(expected.exemptions.namespaces.contains("kube-system"));
    assert!(
        expected
            .exemptions
            .runtime_classes
            .contains("kata.containers")
    );
    for version in ["v1beta1", "v1alpha1"] {
        assert_eq!(
            parse(&pss(version, BODY)).ok(),
            Some(expected.clone()),
            "{version}"
        );
    }
    let indented: String = pss("v1", BODY)
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect();
    let admission = format!(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n\
         - name: EventRateLimit\n  path: eventconfig.yaml\n- name: PodSecurity\n  configuration:\n{indented}"
    );
    assert_eq!(parse(&admission).ok(), Some(expected.clone()));
    // By path, relative to the AdmissionConfiguration's directory.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("pss")).expect("mkdir");
    std::fs::write(
        dir.path().join("pss/podsecurity.yaml"),
        pss("v1beta1", BODY),
    )
    .expect("write");
    let by_path = "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n\
                   plugins:\n- name: PodSecurity\n  path: pss/podsecurity.yaml\n";
    std::fs::write(dir.path().join("admission.yaml"), by_path).expect("write");
    assert_eq!(
        config::load(&dir.path().join("admission.yaml")).ok(),
        Some(expected)
    );
}

#[test]
fn unset_fields_and_a_missing_plugin_entry_take_the_built_in_defaults() {
    let empty = parse(&pss("v1", "defaults: {enforce: restricted}\n")).expect("valid");
    assert_eq!(
        empty.defaults.enforce,
        policy(Level::Restricted, PolicyVersion::Latest)
    );
    assert_eq!(empty.defaults.warn, Defaults::default().warn);
    let none = "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n\
                plugins:\n- name: EventRateLimit\n  path: x.yaml\n";
    assert_eq!(parse(none).ok(), Some(PodSecurityConfiguration::default()));
}

#[test]
fn invalid_values_give_upstreams_field_errors() {
    let one = parse(&pss("v1", "defaults: {enforce: strict}\n")).expect_err("invalid");
    assert_eq!(
        one.message,
        "defaults.enforce: Invalid value: \"strict\": must be one of privileged, baseline, restricted"
    );
    assert_eq!(one.line, Some(1));
    let many = parse(&pss(
        "v1",
        "defaults: {warn-version: '1.29', audit: all}\n\
         exemptions: {namespaces: [Kube_System, ok, ok], runtimeClasses: [-bad], usernames: ['', a, a]}\n",
    ))
    .expect_err("invalid");
    assert_eq!(
        many.message,
        "[defaults.warn-version: Invalid value: \"1.29\": must be \"latest\" or \"v1.x\", \
         defaults.audit: Invalid value: \"all\": must be one of privileged, baseline, restricted, \
         exemptions.namespaces[0]: Invalid value: \"Kube_System\": a lowercase RFC 1123 label must \
         consist of lower case alphanumeric characters or '-', and must start and end with an \
         alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is \
         '[a-z0-9]([-a-z0-9]*[a-z0-9])?'), \
         exemptions.namespaces[2]: Duplicate value: \"ok\", \
         exemptions.runtimeClasses[0]: Invalid value: \"-bad\": a lowercase RFC 1123 subdomain must \
         consist of lower case alphanumeric characters, '-' or '.', and must start and end with an \
         alphanumeric character (e.g. 'example.com', regex used for validation is \
         '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), \
         exemptions.usernames[0]: Required value, \
         exemptions.usernames[2]: Duplicate value: \"a\"]"
    );
    let long = "X".repeat(64);
    let too_long = parse(&pss(
        "v1",
        &format!("exemptions: {{namespaces: [{long}]}}\n"),
    ))
    .expect_err("invalid");
    assert!(
        too_long
            .message
            .contains("must be no more than 63 characters, a lowercase"),
        "{}",
        too_long.message
    );
}

#[test]
fn other_objects_and_broken_files_are_refused() {
    for (text, said) in [
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
            "neither an AdmissionConfiguration",
        ),
        (
            "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n\
             - name: PodSecurity\n  configuration: {defaults: {enforce: baseline}}\n",
            "must be a PodSecurityConfiguration",
        ),
        (
            &pss("v2", ""),
            "v1, v1beta1 or v1alpha1, not \"pod-security.admission.config.k8s.io/v2\"",
        ),
        ("kind: [\n", "invalid YAML"),
        ("", "holds no object"),
        (
            &pss("v1", "defaults: {enforce: [baseline]}\n"),
            "defaults.enforce: must be a string",
        ),
    ] {
        let e = parse(text).expect_err(text);
        assert!(e.to_string().contains(said), "{text:?}: {e}");
    }
    // A path that names another AdmissionConfiguration is not followed a second time.
    let dir = tempfile::tempdir().expect("tempdir");
    let loop_ = "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n\
                 plugins:\n- name: PodSecurity\n  path: admission.yaml\n";
    std::fs::write(dir.path().join("admission.yaml"), loop_).expect("write");
    let e = config::load(&dir.path().join("admission.yaml")).expect_err("a loop");
    assert!(
        e.message.contains("must be a PodSecurityConfiguration"),
        "{e}"
    );
}

fn resolve(defaults: &Defaults, labels: &[(&str, &str)]) -> namespace::NamespacePolicy {
    let map: HashMap<String, String> = labels
        .iter()
        .map(|(k, v)| (format!("{PREFIX}{k}"), (*v).to_owned()))
        .collect();
    namespace::resolve_with(Some(defaults), |k| map.get(k).cloned()).0
}

#[test]
fn an_unlabelled_namespace_takes_the_configured_defaults() {
    let defaults = parse(&pss("v1", BODY)).expect("valid").defaults;
    let p = resolve(&defaults, &[]);
    assert_eq!(p.enforce(), policy(Level::Baseline, PolicyVersion::V1(29)));
    assert_eq!(
        p.warn,
        Some(policy(Level::Restricted, PolicyVersion::Latest))
    );
    assert_eq!(
        p.audit,
        Some(policy(Level::Restricted, PolicyVersion::Latest))
    );
    // A label overrides its own field only.
    let p = resolve(&defaults, &[("enforce-version", "v1.30")]);
    assert_eq!(p.enforce(), policy(Level::Baseline, PolicyVersion::V1(30)));
    // Warn inherits an enforce label only when it is stricter than the default warn level.
    let lax = Defaults {
        warn: policy(Level::Baseline, PolicyVersion::V1(25)),
        ..Defaults::default()
    };
    let p = resolve(
        &lax,
        &[("enforce", "restricted"), ("enforce-version", "v1.28")],
    );
    assert_eq!(
        p.warn,
        Some(policy(Level::Restricted, PolicyVersion::V1(28)))
    );
    let p = resolve(&lax, &[("enforce", "baseline")]);
    assert_eq!(p.warn, Some(policy(Level::Baseline, PolicyVersion::V1(25))));
}
