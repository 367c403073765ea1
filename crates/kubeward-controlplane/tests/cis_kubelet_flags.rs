//! CIS 4.2 with the kubelet's command line: where it is found (a given file, a fake
//! `/proc`, the systemd drop-in with its environment files), how flags override the
//! configuration file, the legacy defaults without a file, 4.2.7, and broken inputs.

mod cis_support;

use cis_support::{Node, assert_status, find};
use kubeward_controlplane::cis::{KubeletOptions, Status};
use kubeward_controlplane::flags::FlagsError;
use kubeward_controlplane::flags::kubelet::{FlagsSource, split_words};

/// (id, flag that fails on the hardened file, flag that passes on the weakened file,
/// the text in the hardened file, its weakened replacement).
const CASES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "4.2.1",
        "--anonymous-auth=true",
        "--anonymous-auth=false",
        "anonymous:\n    enabled: false",
        "anonymous:\n    enabled: true",
    ),
    (
        "4.2.2",
        "--authorization-mode=AlwaysAllow",
        "--authorization-mode=Webhook",
        "mode: Webhook",
        "mode: AlwaysAllow",
    ),
    (
        "4.2.3",
        "--client-ca-file=",
        "--client-ca-file=/etc/kubernetes/pki/ca.crt",
        "  x509:\n    clientCAFile: CA_FILE\n",
        "",
    ),
    (
        "4.2.4",
        "--read-only-port=10255",
        "--read-only-port=0",
        "readOnlyPort: 0",
        "readOnlyPort: 10255",
    ),
    (
        "4.2.5",
        "--streaming-connection-idle-timeout=0s",
        "--streaming-connection-idle-timeout=5m",
        "streamingConnectionIdleTimeout: 5m0s",
        "streamingConnectionIdleTimeout: 0s",
    ),
    (
        "4.2.6",
        "--make-iptables-util-chains=false",
        "--make-iptables-util-chains",
        "makeIPTablesUtilChains: true",
        "makeIPTablesUtilChains: false",
    ),
    (
        "4.2.8",
        "--event-qps=-1",
        "--event-qps=5",
        "eventRecordQPS: 50",
        "eventRecordQPS: -1",
    ),
    (
        "4.2.9",
        "--rotate-server-certificates=false",
        "--rotate-server-certificates",
        "serverTLSBootstrap: true",
        "serverTLSBootstrap: false",
    ),
    (
        "4.2.10",
        "--rotate-certificates=false",
        "--rotate-certificates=true",
        "rotateCertificates: true",
        "rotateCertificates: false",
    ),
    (
        "4.2.11",
        "--feature-gates=RotateKubeletServerCertificate=false",
        "--feature-gates=RotateKubeletServerCertificate=true",
        "RotateKubeletServerCertificate: true",
        "RotateKubeletServerCertificate: false",
    ),
    (
        "4.2.12",
        "--tls-cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA",
        "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "tlsCipherSuites:\n- TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "tlsCipherSuites:\n- TLS_RSA_WITH_AES_128_CBC_SHA",
    ),
    (
        "4.2.13",
        "--pod-max-pids=-1",
        "--pod-max-pids=4096",
        "podPidsLimit: 4096",
        "podPidsLimit: -1",
    ),
    (
        "4.2.14",
        "--seccomp-default=false",
        "--seccomp-default",
        "seccompDefault: true",
        "seccompDefault: false",
    ),
];

fn with_kubelet(node: &Node, text: &str) {
    node.write(
        "kubelet/config.yaml",
        &text.replace("CA_FILE", &node.p("pki/ca.crt")),
        0o600,
    );
}

/// Writes a text command line to `flags.txt` and returns the options naming it.
fn given(node: &Node, text: &str) -> KubeletOptions {
    node.write("flags.txt", text, 0o600);
    KubeletOptions {
        flags_file: Some(node.root().join("flags.txt")),
        config_explicit: false,
    }
}

#[test]
fn each_flag_overrides_the_config_file_both_ways() {
    for (id, weakening, hardening, from, to) in CASES {
        // Hardened file, weakening flag: the flag wins, so the check fails.
        let node = Node::hardened();
        let line = format!("/usr/bin/kubelet --config=/kubelet/config.yaml {weakening}\n");
        let (f, _) = node.run_with(&given(&node, &line));
        let got = find(&f, id);
        assert_eq!(got.status, Status::Fail, "{id} with {weakening}: {got:#?}");
        assert!(
            got.found.contains("(command line)"),
            "{id}: the finding names the command line: {got:#?}"
        );
        assert!(
            got.file.as_deref().unwrap_or("").ends_with("flags.txt:1"),
            "{id}: {got:#?}"
        );

        // Weakened file, hardening flag: the flag wins, so the check passes.
        let node = Node::hardened();
        assert!(Node::KUBELET_HARDENED.contains(from), "{id}");
        with_kubelet(&node, &Node::KUBELET_HARDENED.replace(from, to));
        let line = format!("/usr/bin/kubelet --config=/kubelet/config.yaml {hardening}\n");
        let (f, _) = node.run_with(&given(&node, &line));
        let got = find(&f, id);
        assert_eq!(got.status, Status::Pass, "{id} with {hardening}: {got:#?}");
        // Without the flag the weakened file fails, so the flag is what passed it.
        let (f, _) = node.run_with(&given(&node, "kubelet --config=/kubelet/config.yaml"));
        assert_status(&f, id, Status::Fail);
    }
}

#[test]
fn findings_show_whether_the_value_is_a_flag_or_a_field() {
    let node = Node::hardened();
    with_kubelet(
        &node,
        &Node::KUBELET_HARDENED.replace("readOnlyPort: 0", "readOnlyPort: 10255"),
    );
    let (f, k) = node.run_with(&given(
        &node,
        "# copied from ps\n/usr/bin/kubelet \\\n  --config=/kubelet/config.yaml \\\n  --read-only-port=0\n",
    ));
    assert!(matches!(
        k.flags.as_ref().unwrap().source,
        FlagsSource::Given(_)
    ));
    let ro = find(&f, "4.2.4");
    assert_eq!(ro.status, Status::Pass);
    assert_eq!(ro.found, "--read-only-port=0 (command line)");
    assert!(
        ro.file.as_deref().unwrap().ends_with("flags.txt:4"),
        "{ro:#?}"
    );
    // A field no flag touches is still read from the file, with its line.
    let anon = find(&f, "4.2.1");
    assert_eq!(anon.found, "authentication.anonymous.enabled: false");
    assert!(
        anon.file.as_deref().unwrap().ends_with("config.yaml:5"),
        "{anon:#?}"
    );
}

#[test]
fn without_a_config_file_the_legacy_flag_defaults_fail() {
    let node = Node::hardened();
    let (f, k) = node.run_with(&given(&node, "/usr/bin/kubelet --v=2\n"));
    assert!(k.flags_only);
    for id in ["4.2.1", "4.2.2", "4.2.4"] {
        assert_status(&f, id, Status::Fail);
    }
    assert_eq!(
        find(&f, "4.2.1").found,
        "--anonymous-auth not set (no config file, so the legacy flag default true applies)"
    );
    assert_eq!(
        find(&f, "4.2.2").found,
        "--authorization-mode not set (no config file, so the legacy flag default AlwaysAllow applies)"
    );
    assert_eq!(
        find(&f, "4.2.4").found,
        "--read-only-port not set (no config file, so the legacy flag default 10255 applies)"
    );
    // The other defaults are the usual ones.
    assert_status(&f, "4.2.5", Status::Pass);
    assert_eq!(
        find(&f, "4.2.5").found,
        "--streaming-connection-idle-timeout not set (4h)"
    );
    assert_status(&f, "4.2.14", Status::Fail);
    assert!(
        find(&f, "4.2.1")
            .file
            .as_deref()
            .unwrap()
            .ends_with("flags.txt")
    );
    // The file checks have no configuration file to look at.
    assert_status(&f, "4.1.9", Status::Skip);

    // Flags alone can pass them.
    let (f, _) = node.run_with(&given(
        &node,
        "kubelet --anonymous-auth=false --authorization-mode Webhook --read-only-port 0 \
         --client-ca-file=/etc/kubernetes/pki/ca.crt",
    ));
    for id in ["4.2.1", "4.2.2", "4.2.3", "4.2.4"] {
        assert_status(&f, id, Status::Pass);
    }
    assert_eq!(
        find(&f, "4.2.2").found,
        "--authorization-mode=Webhook (command line)"
    );
}

#[test]
fn hostname_override_is_judged_on_the_command_line() {
    let node = Node::hardened();
    let (f, _) = node.run_with(&given(
        &node,
        "kubelet --config=/kubelet/config.yaml\n--hostname-override=node-a\n",
    ));
    let h = find(&f, "4.2.7");
    assert_eq!(h.status, Status::Fail);
    assert_eq!(h.found, "--hostname-override=node-a (command line)");
    assert!(
        h.file.as_deref().unwrap().ends_with("flags.txt:2"),
        "{h:#?}"
    );

    let (f, _) = node.run_with(&given(&node, "kubelet --config=/kubelet/config.yaml"));
    assert_status(&f, "4.2.7", Status::Pass);

    // No command line anywhere: skipped, with the places looked at.
    std::fs::remove_file(node.root().join("kubelet.service")).unwrap();
    let f = node.run();
    let h = find(&f, "4.2.7");
    assert_eq!(h.status, Status::Skip);
    assert!(
        h.found.contains("no kubelet command line was found"),
        "{h:#?}"
    );
    // The file is still judged on its own, with the default path.
    assert_status(&f, "4.2.1", Status::Pass);
}

#[test]
fn the_systemd_dropin_expands_its_environment_files() {
    let node = Node::hardened();
    node.write(
        "kubelet.service",
        "# kubeadm's drop-in\n\
         [Service]\n\
         Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\n\
         Environment=\"KUBELET_CONFIG_ARGS=--config=/kubelet/config.yaml\"\n\
         EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n\
         EnvironmentFile=-/etc/default/kubelet\n\
         EnvironmentFile=-/etc/missing/is-fine\n\
         ExecStart=\n\
         ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS \\\n  \
           $KUBELET_EXTRA_ARGS --node-labels=${ROLE}\n",
        0o600,
    );
    node.write(
        "var/lib/kubelet/kubeadm-flags.env",
        "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10\"\n",
        0o644,
    );
    node.write(
        "etc/default/kubelet",
        "# extra\nKUBELET_EXTRA_ARGS='--read-only-port=10255 --hostname-override=worker-1'\nROLE=worker\n",
        0o644,
    );
    let (f, k) = node.run_with(&KubeletOptions::default());
    let flags = k.flags.as_ref().expect("flags from the drop-in");
    assert!(matches!(flags.source, FlagsSource::Systemd(_)));
    assert_eq!(flags.config_file(), Some("/kubelet/config.yaml"));
    assert_eq!(
        flags.flags.value("container-runtime-endpoint"),
        Some("unix:///run/containerd/containerd.sock")
    );
    assert_eq!(flags.flags.value("node-labels"), Some("worker"));
    assert_eq!(
        flags.flags.value("kubeconfig"),
        Some("/etc/kubernetes/kubelet.conf")
    );
    let ro = find(&f, "4.2.4");
    assert_eq!(ro.status, Status::Fail);
    assert_eq!(ro.found, "--read-only-port=10255 (systemd drop-in)");
    // The value is placed where its variable is set.
    assert!(
        ro.file
            .as_deref()
            .unwrap()
            .ends_with("etc/default/kubelet:2"),
        "{ro:#?}"
    );
    assert_status(&f, "4.2.7", Status::Fail);
    // The file named by --config is judged for the rest.
    assert_status(&f, "4.2.1", Status::Pass);
    assert!(k.errors.is_empty(), "{:?}", k.errors);
}

#[test]
fn dropin_rules_follow_systemd() {
    let node = Node::hardened();
    // Environment= is overridden by EnvironmentFile=; the last ExecStart wins; an empty
    // ExecStart= resets; a required EnvironmentFile= that is missing is an error.
    node.write(
        "kubelet.service",
        "[Unit]\nExecStart=/not/the/service --read-only-port=1\n[Service]\n\
         Environment=EXTRA=--read-only-port=7 \"CFG=--config=/kubelet/config.yaml\"\n\
         EnvironmentFile=/env\n\
         ExecStart=/usr/bin/kubelet --hostname-override=old\n\
         ExecStart=\n\
         ExecStart=-/usr/bin/kubelet $CFG $EXTRA $UNSET --v=${UNSET}2 --x=$$HOME --y=a$EXTRA\n",
        0o600,
    );
    node.write("env", "EXTRA=--read-only-port=0\n", 0o600);
    let (f, k) = node.run_with(&KubeletOptions::default());
    let flags = k.flags.as_ref().unwrap();
    assert_eq!(flags.flags.value("read-only-port"), Some("0"));
    // $$ is a dollar; $NAME inside a word is left alone; unset variables are empty.
    assert_eq!(flags.flags.value("x"), Some("$HOME"));
    assert_eq!(flags.flags.value("y"), Some("a$EXTRA"));
    assert_eq!(flags.flags.value("v"), Some("2"));
    assert!(flags.flags.stray.is_empty(), "{:?}", flags.flags.stray);
    assert_status(&f, "4.2.4", Status::Pass);
    assert_status(&f, "4.2.7", Status::Pass);

    std::fs::remove_file(node.root().join("env")).unwrap();
    let (f, k) = node.run_with(&KubeletOptions::default());
    assert_eq!(k.errors.len(), 1, "{:?}", k.errors);
    let e = k.errors[0].to_string();
    assert!(
        e.contains("kubelet.service:5") && e.contains("EnvironmentFile=/env"),
        "{e}"
    );
    assert!(matches!(k.errors[0], FlagsError::Kubelet { .. }));
    let h = find(&f, "4.2.7");
    assert_eq!(h.status, Status::Skip);
    assert!(h.found.contains("unusable"), "{h:#?}");
}

/// A fake `/proc` under the node's root with a few processes.
fn fake_proc(node: &Node, procs: &[(u32, &str, &[&str])]) {
    for (pid, comm, argv) in procs {
        let dir = node.root().join(format!("proc/{pid}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("comm"), format!("{comm}\n")).unwrap();
        let mut cmdline = Vec::new();
        for a in *argv {
            cmdline.extend_from_slice(a.as_bytes());
            cmdline.push(0);
        }
        std::fs::write(dir.join("cmdline"), cmdline).unwrap();
    }
    std::fs::create_dir_all(node.root().join("proc/self")).unwrap();
    std::fs::write(node.root().join("proc/uptime"), "1 1\n").unwrap();
}

#[test]
fn the_running_kubelet_is_found_in_proc_before_the_dropin() {
    let node = Node::hardened();
    fake_proc(
        &node,
        &[
            (1, "systemd", &["/sbin/init"]),
            (40, "kthreadd", &[]),
            (
                812,
                "kubelet",
                &[
                    "/usr/bin/kubelet",
                    "--config=/kubelet/config.yaml",
                    "--read-only-port",
                    "10255",
                ],
            ),
            (900, "sh", &["sh", "-c", "echo kubelet"]),
        ],
    );
    let (f, k) = node.run_with(&KubeletOptions::default());
    let flags = k.flags.as_ref().unwrap();
    assert_eq!(
        flags.source,
        FlagsSource::Process {
            pid: 812,
            path: node.root().join("proc/812/cmdline")
        }
    );
    let ro = find(&f, "4.2.4");
    assert_eq!(ro.status, Status::Fail);
    assert_eq!(ro.found, "--read-only-port=10255 (command line)");
    assert!(
        ro.file.as_deref().unwrap().ends_with("proc/812/cmdline"),
        "{ro:#?}"
    );

    // Matched by the program when comm says otherwise (a renamed thread).
    let node = Node::hardened();
    fake_proc(
        &node,
        &[(
            7,
            "kubelet-main",
            &["/opt/bin/kubelet", "--hostname-override=x"],
        )],
    );
    let (f, _) = node.run_with(&KubeletOptions::default());
    assert_status(&f, "4.2.7", Status::Fail);

    // A given file wins over the process.
    let (f, k) = node.run_with(&given(&node, "kubelet --config=/kubelet/config.yaml"));
    assert!(matches!(k.flags.unwrap().source, FlagsSource::Given(_)));
    assert_status(&f, "4.2.7", Status::Pass);
}

#[test]
fn a_given_file_may_be_a_nul_separated_cmdline_copy() {
    let node = Node::hardened();
    std::fs::write(
        node.root().join("cmdline"),
        b"/usr/bin/kubelet\0--config=/kubelet/config.yaml\0--anonymous-auth\0--hostname-override=a b\0",
    )
    .unwrap();
    let options = KubeletOptions {
        flags_file: Some(node.root().join("cmdline")),
        config_explicit: false,
    };
    let (f, k) = node.run_with(&options);
    let flags = k.flags.as_ref().unwrap();
    assert_eq!(flags.flags.value("hostname-override"), Some("a b"));
    let anon = find(&f, "4.2.1");
    assert_eq!(anon.status, Status::Fail);
    assert_eq!(anon.found, "--anonymous-auth=true (command line)");
    assert!(
        anon.file.as_deref().unwrap().ends_with("/cmdline"),
        "{anon:#?}"
    );
}

#[test]
fn config_on_the_command_line_names_the_file_unless_one_is_given() {
    let node = Node::hardened();
    node.write(
        "other.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\n",
        0o600,
    );
    let (f, k) = node.run_with(&given(&node, "kubelet --config /other.yaml"));
    assert!(k.config.as_ref().unwrap().path.ends_with("other.yaml"));
    assert_status(&f, "4.2.4", Status::Fail);

    // An explicit --kubelet-config (Paths::kubelet_config) wins over the command line's.
    let mut options = given(&node, "kubelet --config /other.yaml");
    options.config_explicit = true;
    let (f, k) = node.run_with(&options);
    assert!(
        k.config
            .as_ref()
            .unwrap()
            .path
            .ends_with("kubelet/config.yaml")
    );
    assert_status(&f, "4.2.4", Status::Pass);

    // A --config that is not here: the file's checks are skipped, 4.2.7 is still judged.
    let (f, k) = node.run_with(&given(&node, "kubelet --config=/gone.yaml"));
    assert!(k.errors.is_empty());
    let s = find(&f, "4.2.1");
    assert_eq!(s.status, Status::Skip);
    assert!(
        s.found.contains("gone.yaml") && s.found.contains("--kubelet-config"),
        "{s:#?}"
    );
    assert_status(&f, "4.2.7", Status::Pass);
}

#[test]
fn feature_gates_merge_with_the_file_per_gate() {
    let node = Node::hardened();
    let (f, _) = node.run_with(&given(
        &node,
        "kubelet --config=/kubelet/config.yaml --feature-gates=Foo=true",
    ));
    // The flag says nothing about the gate, so the file's true stands.
    assert_status(&f, "4.2.11", Status::Pass);
    let g = find(&f, "4.2.11");
    assert_eq!(g.found, "featureGates RotateKubeletServerCertificate=true");
    assert!(
        g.file.as_deref().unwrap().ends_with("config.yaml:19"),
        "{g:#?}"
    );
    let (f, _) = node.run_with(&given(
        &node,
        "kubelet --config=/kubelet/config.yaml --feature-gates=RotateKubeletServerCertificate=false --feature-gates=Foo=true",
    ));
    assert_status(&f, "4.2.11", Status::Fail);
    assert_eq!(
        find(&f, "4.2.11").found,
        "--feature-gates RotateKubeletServerCertificate=false (command line)"
    );
}

#[test]
fn the_client_ca_file_checks_follow_the_flag() {
    let node = Node::hardened();
    node.write("pki/other-ca.crt", "placeholder\n", 0o666);
    let line = format!(
        "kubelet --config=/kubelet/config.yaml --client-ca-file={}",
        node.p("pki/other-ca.crt")
    );
    let (f, _) = node.run_with(&given(&node, &line));
    let m = find(&f, "4.1.7");
    assert_eq!(m.status, Status::Fail, "{m:#?}");
    assert!(m.found.contains("other-ca.crt"), "{m:#?}");
}

#[test]
fn broken_command_lines_are_errors_naming_the_file() {
    let node = Node::hardened();
    let (f, k) = node.run_with(&given(
        &node,
        "kubelet --config=/kubelet/config.yaml\n--node-labels='a=b\n",
    ));
    assert_eq!(k.errors.len(), 1);
    let e = k.errors[0].to_string();
    assert!(
        e.contains("flags.txt:2:15") && e.contains("unterminated single quote"),
        "{e}"
    );
    assert_status(&f, "4.2.7", Status::Skip);
    // The file is judged on its own meanwhile.
    assert_status(&f, "4.2.1", Status::Pass);

    let options = KubeletOptions {
        flags_file: Some(node.root().join("missing.txt")),
        config_explicit: false,
    };
    let (_, k) = node.run_with(&options);
    assert!(
        k.errors[0]
            .to_string()
            .contains("missing.txt: no such file"),
        "{:?}",
        k.errors
    );
    let options = KubeletOptions {
        flags_file: Some(node.root().join("pki")),
        config_explicit: false,
    };
    let (_, k) = node.run_with(&options);
    assert!(
        k.errors[0].to_string().contains("is a directory"),
        "{:?}",
        k.errors
    );
    let (_, k) = node.run_with(&given(&node, "  \n# nothing\n"));
    assert!(k.errors[0].to_string().contains("empty"), "{:?}", k.errors);
    // A file that is not a command line (here a config file passed by mistake): the
    // kubelet refuses words that are not flags.
    let (f, k) = node.run_with(&given(
        &node,
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
    ));
    assert!(
        k.errors[0]
            .to_string()
            .contains("\"kubelet.config.k8s.io/v1beta1\" is not a flag"),
        "{:?}",
        k.errors
    );
    assert_status(&f, "4.2.7", Status::Skip);

    node.write(
        "kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet \"--x\n",
        0o600,
    );
    let (_, k) = node.run_with(&KubeletOptions::default());
    let e = k.errors[0].to_string();
    assert!(
        e.contains("kubelet.service:2") && e.contains("unterminated double quote"),
        "{e}"
    );
}

#[test]
fn words_split_like_a_shell() {
    let words = |t: &str| -> Vec<String> {
        split_words(t, true)
            .unwrap()
            .into_iter()
            .map(|(w, _)| w)
            .collect()
    };
    assert_eq!(
        words("a 'b c' \"d \\\"e\\\" $f\" g\\ h i\\\nj # comment\nk#l"),
        ["a", "b c", "d \"e\" $f", "g h", "ij", "k#l"]
    );
    assert_eq!(words("--x=''"), ["--x="]);
    assert_eq!(words(""), Vec::<String>::new());
    let located = split_words("a\n  b", false).unwrap();
    assert_eq!((located[1].1.line, located[1].1.col), (2, 3));
    let e = split_words("ok \"never", false).unwrap_err();
    assert_eq!((e.pos.line, e.pos.col), (1, 4));
}
