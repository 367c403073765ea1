//! The real probe on the real kernel (root, or CAP_BPF+CAP_PERFMON, and kernel BTF;
//! otherwise skipped with the reason printed): triggers modelled on
//! falcosecurity/event-generator's `events/syscall` actions run as child processes,
//! and Falco's stable ruleset (../shared/upstream-rules) must fire on each.
//!
//! The main test loads the probe once and runs every trigger while it is attached; a
//! second one checks the exit-time fallback with the entry tracepoints off.

mod common;

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Fired, upstream};
use kubeward_rules::engine::{AlertOptions, MatchMode, Ruleset, SourceId};
use kubeward_syscall::capture::{CaptureError, Config, DRAIN_INTERVAL};
use kubeward_syscall::live::Live;
use kubeward_syscall::state::Limits;

fn can_run() -> Result<(), String> {
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        return Err("no kernel BTF at /sys/kernel/btf/vmlinux".into());
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err("not root (the probe needs root, or CAP_BPF with CAP_PERFMON)".into());
    }
    Ok(())
}

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd} >/dev/null 2>&1"))
        .status()
        .is_ok_and(|s| s.success())
}

fn run(cmd: &str, args: &[&str]) {
    let mut c = Command::new(cmd);
    c.args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if let Ok(mut child) = spawn(&mut c) {
        let _ = child.wait();
    }
}

/// Spawns `cmd`, retrying while its executable is busy: a file this process just wrote
/// (`renamed`) stays open for writing in any child another test thread forked meanwhile,
/// until that child execs, and exec of it fails with ETXTBSY until then.
fn spawn(cmd: &mut Command) -> std::io::Result<std::process::Child> {
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Copies `src` to `dir/name` (an executable under another name, so its comm is
/// `name`: how event-generator impersonates nginx or sshd).
fn renamed(dir: &Path, src: &str, name: &str) -> PathBuf {
    let dst = dir.join(name);
    install_executable(Path::new(src), &dst);
    dst
}

/// Copies an executable by a child `install`, so that the copy is never open for writing
/// in this process, where a child forked by another test thread could inherit it and make
/// executing the copy fail with ETXTBSY.
fn install_executable(src: &Path, dst: &Path) -> bool {
    Command::new("install")
        .args(["-m", "0755"])
        .arg(src)
        .arg(dst)
        .status()
        .is_ok_and(|s| s.success())
}

/// Falco's stable rules and their syscall source, or `None` (saying why) when this
/// machine cannot capture or the rules are absent.
fn stable_rules() -> Option<(Ruleset, SourceId)> {
    if let Err(why) = can_run() {
        println!("skipped: {why}");
        return None;
    }
    let text = upstream("falco_rules.yaml")?;
    let rules = common::load(&[("falco_rules.yaml", &text)]);
    let src = rules.source_id("syscall").expect("source");
    Some((rules, src))
}

/// A capture of the event types of Falco's stable rules (entry tracepoints on or off,
/// recording to `recording`), with the rules; `None` (saying why) when it cannot run.
fn start_stable(
    enter_capture: bool,
    recording: Option<Vec<u8>>,
) -> Option<(Ruleset, SourceId, Live<Vec<u8>>)> {
    let (rules, src) = stable_rules()?;
    let cfg = Config {
        event_types: rules.event_types(src),
        enter_capture,
        ..Config::default()
    };
    match Live::start(&cfg, Limits::default(), recording) {
        Ok(live) => Some((rules, src, live)),
        Err(CaptureError::Permission(e)) => {
            println!("skipped: {e}");
            None
        }
        Err(e) => panic!("the probe must load on this machine: {e}"),
    }
}

#[test]
fn stable_rules_fire_on_real_triggers() {
    let Some((rules, src, mut live)) = start_stable(true, Some(Vec::new())) else {
        return;
    };

    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let python = have("python3");

    // Records are taken as they come, while triggers run.
    let mut fired: Vec<(Fired, String)> = Vec::new();
    let mut collect = |ev: &kubeward_syscall::SyscallEvent<'_>| {
        let mut hits = Vec::new();
        rules.evaluate(src, ev, MatchMode::All, &mut hits);
        for id in hits {
            if let Some(a) = rules.alert(id, ev, &AlertOptions::default()) {
                let name = ev.thread().map(|t| t.comm.to_string()).unwrap_or_default();
                fired.push((
                    Fired {
                        rule: a.rule.clone(),
                        priority: a.priority.name().into(),
                        message: a.message.clone(),
                    },
                    name,
                ));
            }
        }
    };

    // event-generator syscall.ReadSensitiveFileTrustedAfterStartup: a server ("httpd")
    // reading /etc/shadow once it is more than 5 s old (its own redirection opens it).
    let httpd = renamed(d, "/bin/bash", "httpd");
    let mut trusted =
        spawn(Command::new(&httpd).args(["-c", "sleep 5.5; read x < /etc/shadow; true"]))
            .expect("httpd");

    // event-generator syscall.ReadSensitiveFileUntrusted
    run("cat", &["/etc/shadow"]);
    // syscall.CreateSymlinkOverSensitiveFiles / CreateHardlinkOverSensitiveFiles
    let link = d.join("shadow_link");
    run("ln", &["-s", "/etc/shadow", &link.to_string_lossy()]);
    run(
        "ln",
        &["/etc/shadow", &d.join("shadow_hard").to_string_lossy()],
    );
    // syscall.SearchPrivateKeysOrPasswords / FindAwsCredentials
    run("grep", &["-r", "BEGIN RSA PRIVATE", &d.to_string_lossy()]);
    run(
        "grep",
        &[
            "aws_secret_access_key",
            &d.join("credentials").to_string_lossy(),
        ],
    );
    // syscall.RemoveBulkDataFromDisk
    let victim = d.join("victim");
    let _ = std::fs::write(&victim, b"data");
    run("shred", &["-u", &victim.to_string_lossy()]);
    // syscall.ClearLogActivities
    let log = Path::new("/var/log/kubeward-live-test.log");
    let _ = std::fs::write(log, b"old entries\n");
    // A shell redirection opens with O_TRUNC (truncate(1) would use ftruncate).
    run("sh", &["-c", &format!(": > {}", log.display())]);
    // syscall.ExecutionFromDevShm
    let shm = Path::new("/dev/shm/kubeward-live-test");
    let shm_ok = install_executable(Path::new("/bin/true"), shm);
    if shm_ok {
        run(&shm.to_string_lossy(), &[]);
    }
    // syscall.RunShellUntrusted: a shell spawned below "nginx".
    let nginx = renamed(d, "/bin/bash", "nginx");
    run(&nginx.to_string_lossy(), &["-c", "sh -c true; true"]);
    // syscall.SystemUserInteractive: www-data below "sshd".
    let sshd = renamed(d, "/bin/bash", "sshd");
    if have("setpriv") {
        run(
            &sshd.to_string_lossy(),
            &[
                "-c",
                "setpriv --reuid=33 --regid=33 --clear-groups /bin/true; true",
            ],
        );
    }
    if python {
        // syscall.PtraceAntiDebugAttempt and PtraceAttachedToProcess.
        run(
            "python3",
            &[
                "-c",
                "import ctypes,os,time\nlibc=ctypes.CDLL(None,use_errno=True)\nlibc.ptrace(0,0,0,0)\npid=os.fork()\nif pid==0:\n    time.sleep(2)\n    os._exit(0)\nlibc.ptrace(16,pid,0,0)\ntime.sleep(0.1)\nlibc.ptrace(17,pid,0,0)\nos.kill(pid,9)\nos.waitpid(pid,0)\n",
            ],
        );
        // syscall.FilelessExecutionViaMemfdCreate
        run(
            "python3",
            &[
                "-c",
                "import os\nfd=os.memfd_create('program',0)\nos.write(fd,open('/bin/true','rb').read())\nos.execve(fd,['program'],{})\n",
            ],
        );
        // syscall.DirectoryTraversalMonitoredFileRead
        run("python3", &["-c", "open('/tmp/../../etc/passwd').read()"]);
    }

    // syscall.DisallowedSSHConnectionNonStandardPort: an "ssh" connecting out to port
    // 443 (TEST-NET-3, never answered; a non-blocking connect is in progress at once).
    // Only where the host has a route out.
    let ssh_out = have("perl")
        && Command::new("perl")
            .arg0("ssh")
            .args([
                "-MSocket",
                "-MFcntl",
                "-e",
                "socket(my $s, PF_INET, SOCK_STREAM, 0) or die; fcntl($s, F_SETFL, O_NONBLOCK); connect($s, pack_sockaddr_in(443, inet_aton('203.0.113.9'))); print $!+0",
            ])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "115");

    while trusted.try_wait().expect("httpd").is_none() {
        live.run_for(Duration::from_millis(100), DRAIN_INTERVAL, &mut collect);
    }
    live.run_for(Duration::from_millis(300), DRAIN_INTERVAL, &mut collect);
    let _ = std::fs::remove_file(log);
    let _ = std::fs::remove_file(shm);
    let ks = live.kernel_stats();
    eprintln!("kernel counters: {ks:?}");
    eprintln!("state counters: {:?}", live.processor.state.counters);
    for (f, comm) in &fired {
        eprintln!("{} [{}] ({comm}): {}", f.rule, f.priority, f.message);
    }
    assert_eq!(ks.dropped, 0, "no record lost");
    assert!(
        live.capture().enter_capture,
        "{:?}",
        live.capture().enter_capture_error
    );

    let expect = |rule: &str, priority: &str, process: &str, needle: &str| {
        let hit = fired.iter().any(|(f, _)| {
            f.rule == rule
                && f.priority == priority
                && f.message.contains(&format!("process={process} "))
                && f.message.contains(needle)
        });
        assert!(hit, "{rule} ({process}, {needle}) did not fire");
    };
    expect(
        "Read sensitive file untrusted",
        "Warning",
        "cat",
        "file=/etc/shadow ",
    );
    expect(
        "Read sensitive file trusted after startup",
        "Warning",
        "httpd",
        "file=/etc/shadow ",
    );
    if ssh_out {
        expect(
            "Disallowed SSH Connection Non Standard Port",
            "Notice",
            "perl",
            "rport=443 fd_type=ipv4 fd_proto=tcp evt_type=connect",
        );
    } else {
        println!("no route out: the non-standard SSH port trigger was not run");
    }
    expect(
        "Create Symlink Over Sensitive Files",
        "Warning",
        "ln",
        &format!("target=/etc/shadow linkpath={}", link.display()),
    );
    expect(
        "Create Hardlink Over Sensitive Files",
        "Warning",
        "ln",
        "target=/etc/shadow ",
    );
    expect(
        "Search Private Keys or Passwords",
        "Warning",
        "grep",
        "command=grep -r BEGIN RSA PRIVATE",
    );
    expect(
        "Find AWS Credentials",
        "Warning",
        "grep",
        "command=grep aws_secret_access_key",
    );
    expect(
        "Remove Bulk Data from Disk",
        "Warning",
        "shred",
        "command=shred -u ",
    );
    expect(
        "Clear Log Activities",
        "Warning",
        "sh",
        "file=/var/log/kubeward-live-test.log ",
    );
    if shm_ok {
        expect(
            "Execution from /dev/shm",
            "Warning",
            "kubeward-live-t",
            "proc_exepath=/dev/shm/kubeward-live-test ",
        );
    }
    expect(
        "Run shell untrusted",
        "Notice",
        "sh",
        "parent=nginx command=sh -c true",
    );
    if have("setpriv") {
        expect(
            "System user interactive",
            "Informational",
            "true",
            "user_uid=33 ",
        );
    }
    if python {
        expect(
            "PTRACE anti-debug attempt",
            "Notice",
            "python3",
            "evt_type=ptrace",
        );
        expect(
            "PTRACE attached to process",
            "Warning",
            "python3",
            "evt_type=ptrace",
        );
        // fexecve names the new image after the fd ("3") before Linux 6.14 and after
        // the file's dentry ("memfd:program") since.
        let comm = if fired.iter().any(|(_, c)| c == "memfd:program") {
            "memfd:program"
        } else {
            "3"
        };
        expect(
            "Fileless execution via memfd_create",
            "Critical",
            comm,
            "proc_exepath=memfd:program ",
        );
        expect(
            "Directory traversal monitored file read",
            "Warning",
            "python3",
            "file=/etc/passwd fileraw=/tmp/../../etc/passwd ",
        );
    } else {
        println!("python3 absent: ptrace, memfd and traversal triggers not run");
    }

    // The recording replays to the same alerts without the kernel.
    let capture = live.finish().expect("recording").expect("flushed");
    let replayed = common::fire(&rules, &capture);
    let live_alerts: Vec<Fired> = fired.into_iter().map(|(f, _)| f).collect();
    assert_eq!(replayed, live_alerts);
}

/// Without the entry tracepoints the open's path is read at exit, and the same rule
/// fires on the same trigger.
#[test]
fn paths_read_at_exit_without_entry_capture() {
    let Some((rules, src, mut live)) = start_stable(false, None) else {
        return;
    };
    assert!(!live.capture().enter_capture);
    run("cat", &["/etc/shadow"]);
    let mut fired = Vec::new();
    live.run_for(Duration::from_millis(300), DRAIN_INTERVAL, |ev| {
        let mut hits = Vec::new();
        rules.evaluate(src, ev, MatchMode::All, &mut hits);
        for id in hits {
            if let Some(a) = rules.alert(id, ev, &AlertOptions::default()) {
                fired.push((a.rule.clone(), a.message.clone()));
            }
        }
    });
    let ks = live.kernel_stats();
    assert_eq!((ks.enter_hit, ks.enter_miss), (0, 0), "{ks:?}");
    assert!(
        fired
            .iter()
            .any(|(r, m)| r == "Read sensitive file untrusted"
                && m.contains("file=/etc/shadow ")
                && m.contains("process=cat ")),
        "{fired:?}"
    );
}
