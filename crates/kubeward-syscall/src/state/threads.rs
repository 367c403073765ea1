//! The thread table, as libsinsp's thread manager keeps it: one entry per thread id,
//! with what clone copies and exec replaces. Strings are shared (`Arc`) so a fork
//! copies pointers, not text. Bounded: past [`ThreadTable::max`] entries, exited threads
//! go first, then the least recently active (counted as evictions).

use foldhash::HashMap;
use std::sync::Arc;

/// One thread (the process's values live on every thread of the group; `cwd` and the fd
/// table are the group's, kept on the leader and in the fd tables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// Thread id, in the host's pid namespace.
    pub tid: i64,
    /// Thread group id.
    pub pid: i64,
    /// Parent process id (libsinsp's `m_ptid`).
    pub ptid: i64,
    /// The process name (`proc.name`).
    pub comm: Arc<str>,
    /// argv[0].
    pub exe: Arc<str>,
    /// The executable's full path, from the kernel (`proc.exepath`).
    pub exepath: Arc<str>,
    /// argv[1..].
    pub args: Arc<[Arc<str>]>,
    /// `comm` and the args, space-separated (`proc.cmdline`), kept ready.
    pub cmdline: Arc<str>,
    /// The args, space-separated (`proc.args`).
    pub args_joined: Arc<str>,
    /// The environment, `NAME=value` entries NUL-separated as the kernel keeps them
    /// (`proc.env`).
    pub env: Arc<str>,
    /// Current working directory (`proc.cwd`).
    pub cwd: Arc<str>,
    /// Controlling terminal's device number (0: none).
    pub tty: u32,
    /// Audit login uid (`u32::MAX`: unset).
    pub loginuid: u32,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Inheritable capability set (bit n: capability n).
    pub cap_inheritable: u64,
    /// Permitted capability set (bit n: capability n).
    pub cap_permitted: u64,
    /// Effective capability set (bit n: capability n).
    pub cap_effective: u64,
    /// `PPM_EXE_*`.
    pub exe_flags: u32,
    /// The executable's inode number.
    pub exe_ino: u64,
    /// The executable inode's change time, epoch ns.
    pub exe_ctime: u64,
    /// The executable inode's modification time, epoch ns.
    pub exe_mtime: u64,
    /// When the thread was created, epoch ns (0: unknown).
    pub clone_ts: u64,
    /// Thread id in the thread's pid namespace.
    pub vtid: i64,
    /// Process id in the process's pid namespace.
    pub vpid: i64,
    /// Session id.
    pub sid: i64,
    /// Process group id in the process's pid namespace.
    pub vpgid: i64,
    /// Start of the pid namespace's init, epoch ns (0: unknown).
    pub pidns_init_start: u64,
    /// The cgroup path the container id is read from.
    pub cgroup: Arc<str>,
    /// `""` on the host.
    pub container_id: Arc<str>,
    /// The path the last exec was asked for.
    pub filename: Arc<str>,
    /// The thread's exit event was seen; it is removed once that event has been evaluated.
    pub exited: bool,
    /// Last event time (eviction order).
    pub last_ts: u64,
}

impl Thread {
    /// A thread known only by its ids.
    pub fn new(tid: i64, pid: i64) -> Thread {
        let empty: Arc<str> = Arc::from("");
        Thread {
            tid,
            pid,
            ptid: 0,
            comm: empty.clone(),
            exe: empty.clone(),
            exepath: empty.clone(),
            args: Arc::from(Vec::new()),
            cmdline: empty.clone(),
            args_joined: empty.clone(),
            env: empty.clone(),
            cwd: Arc::from("/"),
            tty: 0,
            loginuid: u32::MAX,
            uid: 0,
            gid: 0,
            cap_inheritable: 0,
            cap_permitted: 0,
            cap_effective: 0,
            exe_flags: 0,
            exe_ino: 0,
            exe_ctime: 0,
            exe_mtime: 0,
            clone_ts: 0,
            vtid: tid,
            vpid: pid,
            sid: 0,
            vpgid: 0,
            pidns_init_start: 0,
            cgroup: empty.clone(),
            container_id: empty.clone(),
            filename: empty,
            exited: false,
            last_ts: 0,
        }
    }

    /// Whether this is its process's main thread (tid equals pid).
    pub fn is_main(&self) -> bool {
        self.tid == self.pid
    }

    /// Sets comm and args and derives `cmdline` / `args_joined` (libsinsp's
    /// `populate_cmdline`: comm, then each arg after a space).
    pub fn set_cmd(&mut self, comm: Arc<str>, args: Vec<Arc<str>>) {
        let mut joined = String::new();
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                joined.push(' ');
            }
            joined.push_str(a);
        }
        let mut cmdline = String::with_capacity(comm.len() + 1 + joined.len());
        cmdline.push_str(&comm);
        if !args.is_empty() {
            cmdline.push(' ');
            cmdline.push_str(&joined);
        }
        self.comm = comm;
        self.args = Arc::from(args);
        self.args_joined = Arc::from(joined);
        self.cmdline = Arc::from(cmdline);
    }
}

/// Threads by id, bounded.
#[derive(Debug, Clone)]
pub struct ThreadTable {
    map: HashMap<i64, Thread>,
    max: usize,
    /// Entries removed to stay within bounds.
    pub evicted: u64,
}

impl ThreadTable {
    /// An empty table holding at most `max` threads.
    pub fn new(max: usize) -> ThreadTable {
        ThreadTable {
            map: HashMap::default(),
            max: max.max(16),
            evicted: 0,
        }
    }

    /// The most threads kept.
    pub fn max(&self) -> usize {
        self.max
    }

    /// How many threads are kept.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no thread is kept.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The thread `tid`.
    pub fn get(&self, tid: i64) -> Option<&Thread> {
        self.map.get(&tid)
    }

    /// The thread `tid`, for changing.
    pub fn get_mut(&mut self, tid: i64) -> Option<&mut Thread> {
        self.map.get_mut(&tid)
    }

    /// Removes the thread `tid` and returns it.
    pub fn remove(&mut self, tid: i64) -> Option<Thread> {
        self.map.remove(&tid)
    }

    /// Every thread, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Thread> {
        self.map.values()
    }

    /// Every thread, in no particular order, for changing.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Thread> {
        self.map.values_mut()
    }

    /// Inserts, making room first when full. Returns the entry it replaced.
    pub fn insert(&mut self, t: Thread) -> Option<Thread> {
        if !self.map.contains_key(&t.tid) && self.map.len() >= self.max {
            self.make_room();
        }
        self.map.insert(t.tid, t)
    }

    fn make_room(&mut self) {
        let before = self.map.len();
        self.map.retain(|_, t| !t.exited);
        if self.map.len() >= self.max {
            // Drop the least recently active eighth in one pass, so a flood of new
            // threads costs O(1) amortized per insert.
            let mut ts: Vec<u64> = self.map.values().map(|t| t.last_ts).collect();
            let k = (self.max / 8).max(1).min(ts.len().saturating_sub(1));
            ts.select_nth_unstable(k);
            let cut = ts.get(k).copied().unwrap_or(0);
            self.map.retain(|_, t| t.last_ts > cut);
        }
        self.evicted += (before - self.map.len()) as u64;
    }

    /// The thread's process leader (itself when it is one).
    pub fn main_of<'a>(&'a self, t: &'a Thread) -> Option<&'a Thread> {
        if t.is_main() {
            Some(t)
        } else {
            self.map.get(&t.pid)
        }
    }

    /// The parent process of `t`'s process.
    pub fn parent_of(&self, t: &Thread) -> Option<&Thread> {
        let main = self.main_of(t)?;
        if main.ptid <= 0 || main.ptid == main.tid {
            return None;
        }
        self.map.get(&main.ptid)
    }

    /// `t`'s process, then its ancestors, nearest first, at most `max` of them and
    /// stopping at a loop.
    pub fn lineage<'a>(&'a self, t: &'a Thread, max: usize) -> Lineage<'a> {
        Lineage {
            table: self,
            next: self.main_of(t),
            left: max,
        }
    }
}

/// See [`ThreadTable::lineage`].
pub struct Lineage<'a> {
    table: &'a ThreadTable,
    next: Option<&'a Thread>,
    left: usize,
}

impl<'a> Iterator for Lineage<'a> {
    type Item = &'a Thread;
    fn next(&mut self) -> Option<&'a Thread> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let cur = self.next?;
        self.next = self.table.parent_of(cur).filter(|p| p.tid != cur.tid);
        Some(cur)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(tid: i64, ptid: i64, comm: &str, ts: u64) -> Thread {
        let mut t = Thread::new(tid, tid);
        t.ptid = ptid;
        t.set_cmd(comm.into(), vec![]);
        t.last_ts = ts;
        t
    }

    #[test]
    fn lineage_walks_parents_and_stops_on_loops() {
        let mut tt = ThreadTable::new(100);
        tt.insert(t(1, 0, "init", 1));
        tt.insert(t(10, 1, "sshd", 1));
        tt.insert(t(20, 10, "bash", 1));
        tt.insert(t(30, 20, "cat", 1));
        let cat = tt.get(30).cloned().expect("cat");
        let names: Vec<String> = tt.lineage(&cat, 10).map(|x| x.comm.to_string()).collect();
        assert_eq!(names, ["cat", "bash", "sshd", "init"]);
        // a cycle (pid reuse gone wrong) ends after max steps
        tt.insert(t(40, 41, "a", 1));
        tt.insert(t(41, 40, "b", 1));
        let a = tt.get(40).cloned().expect("a");
        assert_eq!(tt.lineage(&a, 5).count(), 5);
    }

    #[test]
    fn bounded_with_eviction() {
        let mut tt = ThreadTable::new(64);
        for i in 0..1000 {
            let mut x = t(i, 1, "x", i as u64);
            x.exited = i % 3 == 0;
            tt.insert(x);
            assert!(tt.len() <= 64);
        }
        assert!(tt.evicted > 900);
        // the most recent survive
        assert!(tt.get(999).is_some());
    }

    #[test]
    fn cmdline_is_comm_and_args() {
        let mut x = Thread::new(1, 1);
        x.set_cmd("bash".into(), vec!["-c".into(), "ls /".into()]);
        assert_eq!(&*x.cmdline, "bash -c ls /");
        assert_eq!(&*x.args_joined, "-c ls /");
        x.set_cmd("ls".into(), vec![]);
        assert_eq!(&*x.cmdline, "ls");
    }
}
