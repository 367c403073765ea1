//! `--max-file-size`: one option, one name, one default, on every command that reads
//! files, and every "too large" message names it.

use crate::common::{Fixture, run};
use kubeward_testkit::cli::args;

/// Every command that reads files, as its words on the command line.
const READERS: &[&[&str]] = &[
    &["scan"],
    &["psp", "admit"],
    &["psp", "migrate"],
    &["kubeconfig", "inspect"],
    &["kubeconfig", "extract"],
    &["controlplane", "check"],
    &["controlplane", "etcdctl"],
    &["audit-policy", "eval"],
    &["audit-policy", "lint"],
    &["audit-policy", "filter"],
    &["seccomp", "check"],
    &["detect"],
    &["detect", "serve"],
    &["detect", "webhook-config"],
    &["rules", "validate"],
    &["rules", "list"],
    &["webhook", "serve"],
];

#[test]
fn every_command_that_reads_files_takes_max_file_size_with_one_default() {
    let f = Fixture::new(&[]);
    for words in READERS {
        let mut args = words.to_vec();
        args.push("--help");
        let help = run(f.root(), &args);
        help.code(0);
        let at = help
            .stdout
            .find("--max-file-size <BYTES>")
            .unwrap_or_else(|| panic!("{words:?} has no --max-file-size:\n{}", help.stdout));
        // Its help, up to the next option: the one text and the one default.
        let rest = &help.stdout[at..];
        let entry = &rest[..rest[1..].find("\n  -").map_or(rest.len(), |i| i + 1)];
        let entry = entry.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            entry.contains(
                "Largest file to read, in bytes; larger files are reported as errors \
                 [default: 67108864]"
            ),
            "{words:?}: {entry}"
        );
    }
}

/// A file of `n` bytes of YAML comments.
fn big(n: usize) -> String {
    "# padding\n".repeat(n / 10 + 1)
}

#[test]
fn a_kubeconfig_over_the_limit_names_an_option_kubeconfig_inspect_has() {
    let f = Fixture::new(&[("config", &big(300))]);
    run(
        f.root(),
        &args("kubeconfig inspect --max-file-size 200 config"),
    )
    .code(2)
    .err_has("file is larger than 200 bytes; split it or raise --max-file-size");
    // Within a raised limit the same file is read (an empty kubeconfig: no contexts).
    run(
        f.root(),
        &args("kubeconfig inspect --max-file-size 400 config"),
    )
    .out_has("contexts");
}

#[test]
fn policy_profile_and_rules_files_over_the_limit_are_refused_naming_the_option() {
    let f = Fixture::new(&[
        ("policy.yaml", &big(300)),
        ("profile.json", &big(300)),
        ("rules.yaml", &big(300)),
        ("manifests/kube-apiserver.yaml", &big(300)),
    ]);
    let limit = ["--max-file-size", "200"];
    let cases: [&[&str]; 5] = [
        &["audit-policy", "lint", "policy.yaml"],
        &["seccomp", "check", "profile.json"],
        &args("rules validate -r rules.yaml"),
        &args("detect -r rules.yaml -"),
        &args("controlplane etcdctl --manifests manifests"),
    ];
    for case in cases {
        let args: Vec<&str> = case.iter().chain(&limit).copied().collect();
        let r = run(f.root(), &args);
        assert_eq!(r.code, 2, "{args:?}\n{}\n{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("larger than 200 bytes") && r.stderr.contains("--max-file-size"),
            "{args:?}: {}",
            r.stderr
        );
    }
}
