//! Prints a capture's records: `cargo run -p kubeward-syscall --example dump -- FILE [TID]`.

use kubeward_syscall::decode::{self, Body};
use kubeward_syscall::record::{Item, Reader};
use kubeward_syscall::state::Snapshot;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: dump FILE [TID]");
        std::process::exit(2);
    };
    let only: Option<u32> = args.next().and_then(|s| s.parse().ok());
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        eprintln!("error: {path}: {e}");
        std::process::exit(2)
    });
    let mut r = Reader::new(file).unwrap_or_else(|e| {
        eprintln!("error: {path}: {e}");
        std::process::exit(2)
    });
    println!("header: {:?}", r.header);
    loop {
        let at = r.offset();
        let item = match r.next_item() {
            Ok(Some(i)) => i,
            Ok(None) => break,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1)
            }
        };
        match item {
            Item::Kernel(raw) => match decode::decode(raw) {
                Ok(rec) => {
                    let h = &rec.hdr;
                    if only.is_some_and(|t| t != h.tid && t != h.tgid && h.args[0] != u64::from(t))
                    {
                        continue;
                    }
                    let what = match &rec.body {
                        Body::Syscall(d) => d.syscall.name.to_string(),
                        Body::Exec(e) => format!("exec {}", String::from_utf8_lossy(e.exepath)),
                        Body::Fork(_) => format!("fork from {}/{}", h.args[0], h.args[1]),
                        Body::Exit => format!("exit group_dead={}", h.args[0]),
                    };
                    println!(
                        "{at}: ts={} cpu={} {}/{} res={} {what}",
                        h.ts, h.cpu, h.tgid, h.tid, h.res
                    );
                }
                Err(e) => println!("{at}: undecodable record: {e}"),
            },
            Item::Snapshot(Snapshot::Thread(t)) => {
                if only.is_none_or(|x| i64::from(x) == t.tid) {
                    println!("{at}: thread {}/{} {}", t.pid, t.tid, t.comm);
                }
            }
            Item::Snapshot(Snapshot::Missing { tid }) => {
                if only.is_none_or(|x| i64::from(x) == tid) {
                    println!("{at}: missing {tid}");
                }
            }
            Item::Snapshot(_) => {}
            Item::Drops(n) => println!("{at}: {n} dropped"),
        }
    }
}
