//! Synthetic captures for replay tests: a recording built in memory from the records
//! the probe and `/proc` would produce (`Sim`), and its replay through the engine.
#![allow(dead_code)]

use std::sync::Arc;

use kubeward_rules::engine::{AlertOptions, Engine, MatchMode, RulesFile, Ruleset};
use kubeward_syscall::abi::{Hdr, Proc};
use kubeward_syscall::decode::build;
use kubeward_syscall::record::{Header, Writer};
use kubeward_syscall::replay;
use kubeward_syscall::state::threads::Thread;
use kubeward_syscall::state::{Limits, Snapshot};
use kubeward_syscall::users::UserDb;
use kubeward_syscall::{Fields, SyscallEvent};

/// 2023-11-14T22:13:20Z.
pub const EPOCH: u64 = 1_700_000_000_000_000_000;
/// Boot time used by the simulations: CLOCK_BOOTTIME 0 is `EPOCH - BOOT_UPTIME`.
pub const BOOT_UPTIME: u64 = 3_600_000_000_000;

pub const HOST_CGROUP: &str = "/user.slice/user-0.slice/session-1.scope";
pub const CID: &str = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e";

pub fn container_cgroup() -> String {
    format!(
        "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-{CID}.scope"
    )
}

pub const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n";
pub const GROUP: &str = "root:x:0:\ndaemon:x:1:\nwww-data:x:33:\nalice:x:1000:\n";

/// pts/0.
pub const TTY: u32 = 34816;

/// Builds a capture.
pub struct Sim {
    w: Writer<Vec<u8>>,
    /// CLOCK_BOOTTIME of the next record.
    pub now: u64,
}

impl Default for Sim {
    fn default() -> Self {
        Sim::new()
    }
}

/// A process as a test describes it.
#[derive(Clone)]
pub struct P {
    pub pid: i64,
    pub ppid: i64,
    pub comm: &'static str,
    pub exepath: &'static str,
    pub argv: Vec<&'static str>,
    pub cwd: &'static str,
    pub uid: u32,
    pub tty: u32,
    pub loginuid: u32,
    pub cgroup: String,
    pub caps: u64,
    pub exe_flags: u32,
    /// Seconds before the simulation started.
    pub started_ago: u64,
    /// Session id (0: the process's own pid).
    pub sid: i64,
    /// The environment the exec passes (`NAME=value`).
    pub env: Vec<&'static str>,
    /// The pid in the process's pid namespace (0: the same as `pid`).
    pub vpid: i64,
}

pub fn p(
    pid: i64,
    ppid: i64,
    comm: &'static str,
    exepath: &'static str,
    argv: &[&'static str],
) -> P {
    P {
        pid,
        ppid,
        comm,
        exepath,
        argv: argv.to_vec(),
        cwd: "/root",
        uid: 0,
        tty: 0,
        loginuid: u32::MAX,
        cgroup: HOST_CGROUP.into(),
        caps: 0x1ff_ffff_ffff,
        exe_flags: 0,
        started_ago: 3600,
        sid: 0,
        env: Vec::new(),
        vpid: 0,
    }
}

impl Sim {
    pub fn new() -> Sim {
        let h = Header {
            boot_epoch_ns: EPOCH - BOOT_UPTIME,
            flags: 0,
            local_ips: vec!["10.0.0.5".parse().expect("ip")],
        };
        let mut sim = Sim {
            w: Writer::new(Vec::new(), &h).expect("header"),
            now: BOOT_UPTIME,
        };
        sim.users("", PASSWD, GROUP);
        sim
    }

    pub fn snapshot(&mut self, s: Snapshot) {
        self.w.snapshot(&s).expect("write");
    }

    pub fn users(&mut self, container: &str, passwd: &str, group: &str) {
        self.snapshot(Snapshot::Users {
            container: Arc::from(container),
            db: Arc::new(UserDb::parse(passwd, group)),
        });
    }

    /// A process already running when the capture started (read from /proc).
    pub fn existing(&mut self, pr: &P) {
        let mut t = Thread::new(pr.pid, pr.pid);
        t.ptid = pr.ppid;
        let mut argv: Vec<Arc<str>> = pr.argv.iter().map(|a| Arc::from(*a)).collect();
        t.exe = if argv.is_empty() {
            Arc::from("")
        } else {
            argv.remove(0)
        };
        t.set_cmd(Arc::from(pr.comm), argv);
        t.exepath = Arc::from(pr.exepath);
        t.cwd = Arc::from(pr.cwd);
        t.uid = pr.uid;
        t.gid = pr.uid;
        t.tty = pr.tty;
        t.loginuid = pr.loginuid;
        t.cap_effective = pr.caps;
        t.cap_permitted = pr.caps;
        t.exe_flags = pr.exe_flags;
        t.clone_ts = EPOCH - pr.started_ago * 1_000_000_000;
        t.vpid = pr.pid;
        t.vtid = pr.pid;
        t.sid = if pr.sid == 0 { pr.pid } else { pr.sid };
        t.vpgid = pr.pid;
        t.cgroup = Arc::from(pr.cgroup.as_str());
        t.container_id = Arc::from(kubeward_syscall::container::container_id(&pr.cgroup));
        self.snapshot(Snapshot::Thread(Box::new(t)));
    }

    fn hdr(&mut self, tgid: i64, tid: i64) -> Hdr {
        self.now += 1_000_000;
        Hdr {
            ts: self.now,
            tgid: tgid as u32,
            tid: tid as u32,
            ..Hdr::default()
        }
    }

    pub fn advance_secs(&mut self, s: u64) {
        self.now += s * 1_000_000_000;
    }

    fn proc_of(&self, pr: &P) -> Proc {
        Proc {
            ppid: pr.ppid as u32,
            uid: pr.uid,
            gid: pr.uid,
            euid: pr.uid,
            egid: pr.uid,
            loginuid: pr.loginuid,
            tty: pr.tty,
            exe_flags: pr.exe_flags,
            vpid: if pr.vpid == 0 { pr.pid } else { pr.vpid } as u32,
            vtid: if pr.vpid == 0 { pr.pid } else { pr.vpid } as u32,
            sid: if pr.sid == 0 { pr.pid } else { pr.sid } as u32,
            vpgid: pr.pid as u32,
            cap_inheritable: 0,
            cap_permitted: pr.caps,
            cap_effective: pr.caps,
            start_ts: self.now,
            ..Proc::default()
        }
    }

    /// `parent` forks `child` (a new process).
    pub fn fork(&mut self, parent: i64, child: &P) {
        let mut h = self.hdr(child.pid, child.pid);
        h.args[0] = parent as u64;
        h.args[1] = parent as u64;
        let pr = self.proc_of(child);
        let rec = build::fork(h, &pr, "parent");
        self.w.kernel(&rec).expect("write");
    }

    /// `pr` execs its image (execve unless `nr` says otherwise).
    pub fn exec(&mut self, pr: &P) {
        let mut h = self.hdr(pr.pid, pr.pid);
        h.nr = 59;
        h.args[0] = pr.pid as u64;
        let proc = self.proc_of(pr);
        let rec = build::exec(
            h,
            &proc,
            &build::ExecImage {
                filename: pr.exepath,
                exepath: pr.exepath,
                argv: &pr.argv,
                comm: pr.comm,
                cgroup: &pr.cgroup,
                env: &pr.env,
            },
        );
        self.w.kernel(&rec).expect("write");
    }

    /// `parent` forks `child`, which execs.
    pub fn spawn(&mut self, child: &P) {
        self.fork(child.ppid, child);
        self.exec(child);
    }

    /// A syscall exit of `pid` (main thread): id, return value, raw args, fields in the
    /// order the syscall's spec defines.
    pub fn syscall(&mut self, pid: i64, nr: u16, res: i64, args: &[u64], fields: &[&[u8]]) {
        let mut h = self.hdr(pid, pid);
        h.nr = nr;
        h.res = res;
        for (a, v) in h.args.iter_mut().zip(args) {
            *a = *v;
        }
        let rec = build::syscall(h, fields);
        self.w.kernel(&rec).expect("write");
    }

    pub fn exit(&mut self, pid: i64) {
        let mut h = self.hdr(pid, pid);
        h.args[0] = 1;
        let rec = build::exit(h);
        self.w.kernel(&rec).expect("write");
    }

    /// The capture's bytes.
    pub fn bytes(self) -> Vec<u8> {
        self.w.into_inner()
    }
}

pub fn cstr(s: &str) -> Vec<u8> {
    build::cstr(s)
}

/// An upstream ruleset, or `None` (with the reason printed) when ../shared is absent.
pub fn upstream(name: &str) -> Option<String> {
    kubeward_testkit::upstream::read(name)
}

pub fn engine() -> Engine {
    let mut e = Engine::new();
    e.add_source(Fields::new().spec());
    e
}

pub fn load(files: &[(&str, &str)]) -> Ruleset {
    let fs: Vec<RulesFile<'_>> = files.iter().map(|(n, t)| RulesFile::new(*n, t)).collect();
    let loaded = engine().load(&fs);
    for r in &loaded.reports {
        for e in &r.errors {
            eprintln!("{}", e.to_text());
        }
    }
    loaded.ruleset.expect("rules load")
}

/// One alert as a test compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    pub rule: String,
    pub priority: String,
    pub message: String,
}

/// Replays `capture` through `rules`; every alert, in order.
pub fn fire(rules: &Ruleset, capture: &[u8]) -> Vec<Fired> {
    let src = rules.source_id("syscall").expect("syscall source");
    let mut out = Vec::new();
    let mut hits = Vec::new();
    replay::replay(capture, Limits::default(), |ev: &SyscallEvent<'_>| {
        hits.clear();
        rules.evaluate(src, ev, MatchMode::All, &mut hits);
        for id in &hits {
            let a = rules
                .alert(*id, ev, &AlertOptions::default())
                .expect("alert");
            out.push(Fired {
                rule: a.rule.clone(),
                priority: a.priority.name().to_owned(),
                message: a.message.clone(),
            });
        }
    })
    .expect("replay");
    out
}
