//! `falco.yaml` as Falco reads it: defaults, errors in Falco's words, and a warning for
//! each key kubeward does not honour.

use kubeward_rules::Priority;
use kubeward_rules::engine::{JsonOptions, MatchMode};
use kubeward_rules::falco_config::{FalcoConfig, FileOutput, HttpOutput, ProgramOutput};

fn parse(text: &str) -> FalcoConfig {
    FalcoConfig::parse("falco.yaml", text).expect("parses")
}

fn error(text: &str) -> String {
    FalcoConfig::parse("falco.yaml", text)
        .expect_err("refused")
        .to_string()
}

#[test]
fn an_empty_file_is_every_default_with_no_output() {
    for text in ["", "# only a comment\n", "---\n", "~\n"] {
        let c = parse(text);
        assert_eq!(c.rules_files, None);
        assert!(!c.json_output);
        assert_eq!(c.json, JsonOptions::default());
        assert_eq!(c.priority, Priority::Debug);
        assert_eq!(c.rule_matching, MatchMode::First);
        assert!(!c.buffered_outputs && !c.time_format_iso_8601);
        // Falco enables no output for a key that is absent.
        assert!(!c.stdout && !c.syslog);
        assert!(c.file.is_none() && c.program.is_none() && c.http.is_none());
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }
}

#[test]
fn the_honoured_settings_are_read() {
    let c = parse(
        r#"
rules_files:
  - /etc/falco/falco_rules.yaml
  - /etc/falco/rules.d
json_output: yes
json_include_output_property: false
json_include_tags_property: Off
json_include_message_property: true
json_include_output_fields_property: FALSE
priority: WARNING
rule_matching: all
buffered_outputs: true
time_format_iso_8601: on
stdout_output:
  enabled: false
syslog_output: {enabled: true}
file_output:
  enabled: true
  keep_alive: true
  filename: ./events.txt
program_output:
  enabled: true
  keep_alive: false
  program: "jq '{text: .output}' | logger"
http_output:
  enabled: true
  url: "'https://sidekick:2801/'"
  user_agent: me/1
  insecure: false
  ca_cert: ""
  ca_bundle: /etc/ca.pem
  ca_path: /etc/ssl/certs
  mtls: true
  client_cert: /c.crt
  client_key: /c.key
  echo: false
  compress_uploads: false
  keep_alive: false
  max_consecutive_timeouts: 2
"#,
    );
    assert_eq!(
        c.rules_files.as_deref(),
        Some(
            &[
                "/etc/falco/falco_rules.yaml".to_owned(),
                "/etc/falco/rules.d".to_owned()
            ][..]
        )
    );
    assert!(c.json_output && c.buffered_outputs && c.time_format_iso_8601);
    assert_eq!(
        c.json,
        JsonOptions {
            output: false,
            tags: false,
            message: true,
            output_fields: false
        }
    );
    assert_eq!(c.priority, Priority::Warning);
    assert_eq!(c.rule_matching, MatchMode::All);
    assert!(!c.stdout && c.syslog);
    assert_eq!(
        c.file,
        Some(FileOutput {
            filename: "./events.txt".into(),
            keep_alive: true
        })
    );
    assert_eq!(
        c.program,
        Some(ProgramOutput {
            program: "jq '{text: .output}' | logger".into(),
            keep_alive: false
        })
    );
    assert_eq!(
        c.http,
        Some(HttpOutput {
            url: "https://sidekick:2801/".into(),
            user_agent: "me/1".into(),
            insecure: false,
            ca_file: Some("/etc/ca.pem".into()),
            ca_path: "/etc/ssl/certs".into(),
            client: Some(("/c.crt".into(), "/c.key".into())),
            max_consecutive_timeouts: 2,
        })
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn disabled_outputs_need_nothing_else() {
    let c = parse(
        "file_output: {enabled: false}\nprogram_output:\n  enabled: false\nhttp_output:\n  enabled: false\n  url: \"\"\n",
    );
    assert!(c.file.is_none() && c.program.is_none() && c.http.is_none());
}

#[test]
fn http_defaults_are_falcos() {
    let c = parse("http_output:\n  enabled: true\n  url: http://x/\n  client_cert: /ignored\n");
    let h = c.http.expect("enabled");
    assert_eq!(h.user_agent, "falcosecurity/falco");
    assert_eq!(h.ca_path, "/etc/ssl/certs");
    assert_eq!(h.ca_file, None);
    assert_eq!(h.client, None, "client_cert without mtls is not used");
    assert_eq!(h.max_consecutive_timeouts, 5);
    // ca_cert wins over ca_bundle.
    let c = parse("http_output: {enabled: true, url: http://x/, ca_cert: /a, ca_bundle: /b}\n");
    assert_eq!(c.http.expect("on").ca_file.as_deref(), Some("/a"));
}

#[test]
fn rules_file_is_the_deprecated_spelling_and_both_is_an_error() {
    // Warnings come in the file's order, the deprecation among the others.
    let c = parse("engine: {kind: kmod}\nrules_file: [a]\nwebserver: {}\n");
    let lines: Vec<u32> = c.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [1, 2, 3], "{:?}", c.warnings);
    let c = parse("rules_file: /etc/falco/falco_rules.yaml\n");
    assert_eq!(
        c.rules_files,
        Some(vec!["/etc/falco/falco_rules.yaml".to_owned()])
    );
    assert_eq!(c.warnings.len(), 1);
    assert!(
        c.warnings[0]
            .message
            .starts_with("Using deprecated config key 'rules_file'")
    );
    assert_eq!(
        error("rules_files: [a]\nrules_file: [b]\n"),
        "falco.yaml:2: both 'rules_files' and 'rules_file' keys set"
    );
}

#[test]
fn every_key_not_honoured_is_named_with_its_line() {
    let c = parse(
        "watch_config_files: true\nengine:\n  kind: modern_ebpf\nstdout_output:\n  enabled: true\n  colour: true\nhttp_output:\n  enabled: true\n  url: http://x/\n  echo: true\n  compress_uploads: yes\n",
    );
    let got: Vec<(u32, &str)> = c
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (1, "watch_config_files: not used by kubeward; ignored"),
            (2, "engine: not used by kubeward; ignored"),
            (
                6,
                "stdout_output.colour: not a setting kubeward knows; ignored"
            ),
            (
                10,
                "http_output.echo: ignored; the receiver's responses are not echoed"
            ),
            (
                11,
                "http_output.compress_uploads: ignored; uploads are not compressed"
            ),
        ]
    );
    assert!(c.stdout);
}

#[test]
fn errors_carry_falcos_words_and_the_line() {
    assert_eq!(
        error("priority: loud\n"),
        "falco.yaml:1: Unknown priority \"loud\"--must be one of emergency, alert, critical, error, warning, notice, informational, debug"
    );
    assert_eq!(
        error("\nrule_matching: some\n"),
        "falco.yaml:2: Unknown rule matching strategy \"some\"--must be one of first, all"
    );
    assert_eq!(
        error("file_output:\n  enabled: true\n"),
        "falco.yaml:2: file output enabled but no filename in configuration block"
    );
    assert_eq!(
        error("program_output: {enabled: true, program: ''}\n"),
        "falco.yaml:1: program output enabled but no program in configuration block"
    );
    assert_eq!(
        error("http_output:\n  enabled: true\n"),
        "falco.yaml:2: http output enabled but no url in configuration block"
    );
    assert_eq!(
        error("json_output: maybe\n"),
        "falco.yaml:1: json_output: \"maybe\" is not a boolean (true or false)"
    );
    assert_eq!(
        error("stdout_output: true\n"),
        "falco.yaml:1: stdout_output must be a mapping (for example `stdout_output: {enabled: true}`)"
    );
    assert_eq!(
        error("- a\n- b\n"),
        "falco.yaml:1: the configuration is not a mapping of keys to settings"
    );
    assert_eq!(
        error("rules_files: {a: b}\n"),
        "falco.yaml:1: rules_files must be a list of files and directories"
    );
    assert_eq!(
        error("http_output: {enabled: true, url: x, max_consecutive_timeouts: 300}\n"),
        "falco.yaml:1: http_output.max_consecutive_timeouts: \"300\" is not a number from 0 to 255"
    );
    assert!(error("a: [\n").starts_with("falco.yaml:"));
}

#[test]
fn hostile_input_is_refused_or_read_without_panicking() {
    for text in [
        "a: &x [*x]\n",
        &"[".repeat(100_000),
        "\u{0}",
        "rules_files: [[a]]\n",
        "priority: [debug]\n",
        "http_output: {enabled: true, url: '\"'}\n",
    ] {
        let _ = FalcoConfig::parse("f", text);
    }
}
