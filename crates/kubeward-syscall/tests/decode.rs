//! Decoding and the capture format on any input: no panic, no unbounded allocation;
//! records round-trip; damaged captures stop with an error naming where.

use std::sync::Arc;

use kubeward_syscall::abi::{Hdr, Proc, Sock};
use kubeward_syscall::decode::{self, Body, DecodeError, build};
use kubeward_syscall::record::{self, Header, Item, Reader, RecordError, Writer};
use kubeward_syscall::replay;
use kubeward_syscall::state::fds::{FdInfo, FdKind, L4, Role, Tuple};
use kubeward_syscall::state::threads::Thread;
use kubeward_syscall::state::{Limits, Snapshot};
use kubeward_syscall::users::UserDb;
use proptest::prelude::*;

fn hdr(nr: u16) -> Hdr {
    Hdr {
        ts: 42,
        nr,
        tgid: 7,
        tid: 8,
        res: -2,
        args: [1, 2, 3, 4, 5, 6],
        cpu: 1,
        ..Hdr::default()
    }
}

#[test]
fn records_round_trip() {
    let raw = build::syscall(hdr(257), &[&build::cstr("/etc/shadow")]);
    let r = decode::decode(&raw).expect("openat decodes");
    assert_eq!(r.hdr.res, -2);
    assert_eq!(r.hdr.args, [1, 2, 3, 4, 5, 6]);
    let Body::Syscall(d) = &r.body else {
        panic!("syscall body")
    };
    assert_eq!(d.syscall.name, "openat");
    assert_eq!(d.str(1), Some(&b"/etc/shadow"[..]));
    assert_eq!(d.str(0), None);

    let s = Sock {
        family: 2,
        sock_type: 1,
        protocol: 6,
        sport: 1,
        dport: 2,
        pad: 0,
        saddr: [9; 16],
        daddr: [8; 16],
    };
    let raw = build::syscall(
        hdr(42),
        &[&[2, 0, 0, 80, 1, 2, 3, 4], &build::sock_bytes(&s)],
    );
    let Body::Syscall(d) = decode::decode(&raw).expect("connect").body else {
        panic!("syscall body")
    };
    assert_eq!(d.sock, Some(s));
    assert_eq!(d.addr, Some(&[2u8, 0, 0, 80, 1, 2, 3, 4][..]));

    let p = Proc {
        ppid: 1,
        uid: 2,
        cap_effective: 3,
        pidns_init_start: 4,
        ..Proc::default()
    };
    let raw = build::exec(
        hdr(59),
        &p,
        &build::ExecImage {
            filename: "/bin/ls",
            exepath: "/usr/bin/ls",
            argv: &["ls", "-l"],
            comm: "ls",
            cgroup: "/x",
            env: &["HOME=/root", "LANG=C"],
        },
    );
    let Body::Exec(e) = decode::decode(&raw).expect("exec").body else {
        panic!("exec body")
    };
    assert_eq!(e.proc, p);
    assert_eq!(e.args, b"ls\0-l\0");
    assert_eq!(e.env, b"HOME=/root\0LANG=C\0");
    assert_eq!(
        (e.exepath, e.comm, e.cgroup),
        (&b"/usr/bin/ls"[..], &b"ls"[..], &b"/x"[..])
    );
    let raw = build::fork(hdr(0), &p, "sh");
    assert!(matches!(
        decode::decode(&raw).expect("fork").body,
        Body::Fork(_)
    ));
    let raw = build::exit(hdr(0));
    assert!(matches!(
        decode::decode(&raw).expect("exit").body,
        Body::Exit
    ));
}

#[test]
fn malformed_records_are_errors() {
    let good = build::syscall(hdr(257), &[&build::cstr("/x")]);
    assert_eq!(decode::decode(&good[..10]), Err(DecodeError::Short(10)));
    let mut long = good.clone();
    long.push(0);
    assert!(matches!(
        decode::decode(&long),
        Err(DecodeError::Length { .. })
    ));
    // Unknown syscall id, unknown kind.
    let raw = build::syscall(hdr(9), &[]);
    assert_eq!(decode::decode(&raw), Err(DecodeError::Syscall(9)));
    let mut raw = build::exit(hdr(0));
    raw[12] = 99;
    assert_eq!(decode::decode(&raw), Err(DecodeError::Kind(99)));
    // Wrong field count for the syscall's spec.
    let raw = build::syscall(hdr(257), &[]);
    assert!(matches!(
        decode::decode(&raw),
        Err(DecodeError::FieldCount { .. })
    ));
    // A field longer than the record.
    let mut raw = build::syscall(hdr(257), &[&build::cstr("/x")]);
    let at = kubeward_syscall::abi::HDR_SIZE;
    raw[at] = 200;
    assert_eq!(decode::decode(&raw), Err(DecodeError::Field(0)));
    // A socket field of the wrong size.
    let raw = build::syscall(hdr(41), &[&[1, 2, 3]]);
    assert_eq!(decode::decode(&raw), Err(DecodeError::Sock(3)));
}

fn capture_with_everything() -> Vec<u8> {
    let h = Header {
        boot_epoch_ns: 123,
        flags: 0,
        local_ips: vec!["10.0.0.5".parse().expect("ip"), "::1".parse().expect("ip")],
    };
    let mut w = Writer::new(Vec::new(), &h).expect("header");
    let mut t = Thread::new(10, 10);
    t.ptid = 1;
    t.set_cmd(Arc::from("bash"), vec![Arc::from("-c"), Arc::from("ls")]);
    t.exe = Arc::from("bash");
    t.exepath = Arc::from("/usr/bin/bash");
    t.cwd = Arc::from("/root");
    t.cgroup =
        Arc::from("/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    t.cap_effective = 5;
    t.env = Arc::from("A=1\0B=2");
    w.snapshot(&Snapshot::Thread(Box::new(t))).expect("thread");
    let mut info = FdInfo::new(FdKind::Ipv4, "1.2.3.4:5->6.7.8.9:10");
    info.l4 = L4::Tcp;
    info.role = Role::Client;
    info.connected = true;
    info.tuple = Some(Tuple {
        cip: "1.2.3.4".parse().expect("ip"),
        cport: 5,
        sip: "6.7.8.9".parse().expect("ip"),
        sport: 10,
    });
    w.snapshot(&Snapshot::Fd {
        pid: 10,
        fd: 3,
        info,
    })
    .expect("fd");
    w.snapshot(&Snapshot::Users {
        container: Arc::from(""),
        db: Arc::new(UserDb::parse("root:x:0:0::/root:/bin/sh\n", "root:x:0:\n")),
    })
    .expect("users");
    w.snapshot(&Snapshot::Missing { tid: 99 }).expect("missing");
    w.snapshot(&Snapshot::Container(Arc::new(container_meta())))
        .expect("container");
    w.snapshot(&Snapshot::Dns {
        name: Arc::from("api.example"),
        addrs: vec![
            "10.96.0.1".parse().expect("ip"),
            "fd00::1".parse().expect("ip"),
        ],
    })
    .expect("dns");
    w.kernel(&build::syscall(hdr(257), &[&build::cstr("/etc/shadow")]))
        .expect("kernel");
    w.drops(7).expect("drops");
    w.into_inner()
}

fn container_meta() -> kubeward_syscall::meta::ContainerMeta {
    kubeward_syscall::meta::ContainerMeta {
        id: "0123456789ab".into(),
        name: "web".into(),
        image: "nginx:1.25".into(),
        image_id: "docker.io/library/nginx@sha256:ab".into(),
        privileged: true,
        host_network: true,
        pod_name: "web-1".into(),
        pod_namespace: "shop".into(),
        pod_uid: "u-1".into(),
        pod_ip: "10.1.2.3".into(),
        pod_labels: vec![
            ("app".into(), "web".into()),
            ("tier".into(), "front".into()),
        ],
        ..Default::default()
    }
}

#[test]
fn captures_round_trip() {
    let bytes = capture_with_everything();
    let mut r = Reader::new(&bytes[..]).expect("reader");
    assert_eq!(r.header.boot_epoch_ns, 123);
    assert_eq!(r.header.local_ips.len(), 2);
    let mut kinds = Vec::new();
    while let Some(item) = r.next_item().expect("item") {
        kinds.push(match item {
            Item::Kernel(k) => {
                assert!(decode::decode(k).is_ok());
                "kernel"
            }
            Item::Snapshot(Snapshot::Thread(t)) => {
                assert_eq!(&*t.cmdline, "bash -c ls");
                assert_eq!(&*t.container_id, "0123456789ab");
                assert_eq!(t.cap_effective, 5);
                assert_eq!(&*t.env, "A=1\0B=2");
                "thread"
            }
            Item::Snapshot(Snapshot::Fd { fd, info, .. }) => {
                assert_eq!(fd, 3);
                assert_eq!(info.tuple.map(|t| t.sport), Some(10));
                assert!(info.connected);
                "fd"
            }
            Item::Snapshot(Snapshot::Users { db, .. }) => {
                assert_eq!(&*db.users[&0].name, "root");
                "users"
            }
            Item::Snapshot(Snapshot::Missing { tid }) => {
                assert_eq!(tid, 99);
                "missing"
            }
            Item::Snapshot(Snapshot::Container(m)) => {
                assert_eq!(*m, container_meta());
                "container"
            }
            Item::Snapshot(Snapshot::Dns { name, addrs }) => {
                assert_eq!((&*name, addrs.len()), ("api.example", 2));
                "dns"
            }
            Item::Drops(n) => {
                assert_eq!(n, 7);
                "drops"
            }
        });
    }
    assert_eq!(
        kinds,
        [
            "thread",
            "fd",
            "users",
            "missing",
            "container",
            "dns",
            "kernel",
            "drops"
        ]
    );
    let p = replay::replay(&bytes[..], Limits::default(), |_| {}).expect("replay");
    assert_eq!(p.stats.kernel_drops, 7);
    assert_eq!(p.stats.events, 1);
    assert_eq!(p.state.counters.missing_threads, 1);
}

#[test]
fn damaged_captures_are_errors() {
    let bytes = capture_with_everything();
    assert!(matches!(
        Reader::new(&b"NOTACAPT\x01\x00\x00\x00"[..]),
        Err(RecordError::Magic)
    ));
    let mut v4 = bytes.clone();
    v4[8] = 4;
    assert!(matches!(Reader::new(&v4[..]), Err(RecordError::Version(4))));
    // Version 1 (no container records) is still read.
    let mut v1 = bytes.clone();
    v1[8] = 1;
    assert!(Reader::new(&v1[..]).is_ok());
    // Cut inside the last record.
    let cut = &bytes[..bytes.len() - 3];
    let err = replay::replay(cut, Limits::default(), |_| {}).err();
    assert!(
        matches!(err, Some(RecordError::Truncated { .. })),
        "{err:?}"
    );
    // A record claiming more than the limit is refused before any allocation.
    let hl = u16::from_le_bytes([bytes[10], bytes[11]]) as usize;
    let mut huge = bytes[..12 + hl].to_vec();
    huge.extend_from_slice(&[record::KIND_KERNEL, 0, 0, 0]);
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    let mut r = Reader::new(&huge[..]).expect("header");
    assert!(matches!(r.next_item(), Err(RecordError::TooLarge { .. })));
    // An unknown kind, and a snapshot that does not parse.
    let mut odd = bytes[..12 + hl].to_vec();
    odd.extend_from_slice(&[77, 0, 0, 0, 0, 0, 0, 0]);
    let mut r = Reader::new(&odd[..]).expect("header");
    assert!(matches!(
        r.next_item(),
        Err(RecordError::Kind { kind: 77, .. })
    ));
    let mut bad = bytes[..12 + hl].to_vec();
    bad.extend_from_slice(&[record::KIND_FD, 0, 0, 0, 2, 0, 0, 0, 1, 2]);
    let mut r = Reader::new(&bad[..]).expect("header");
    assert!(matches!(r.next_item(), Err(RecordError::Malformed { .. })));
}

proptest! {
    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = decode::decode(&bytes);
    }

    #[test]
    fn decode_never_panics_on_plausible_headers(
        kind in 0u16..6,
        nr in prop_oneof![Just(2u16), Just(42), Just(46), Just(59), Just(126), Just(257), Just(437), any::<u16>()],
        nvar in 0u16..12,
        tail in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let mut raw = build::exit(hdr(0));
        raw.extend_from_slice(&tail);
        let len = raw.len() as u32;
        raw[8..12].copy_from_slice(&len.to_le_bytes());
        raw[12..14].copy_from_slice(&kind.to_le_bytes());
        raw[14..16].copy_from_slice(&nr.to_le_bytes());
        raw[80..82].copy_from_slice(&nvar.to_le_bytes());
        if let Ok(rec) = decode::decode(&raw) {
            // Whatever decodes, the state can apply and the fields can read.
            let mut st = kubeward_syscall::state::State::new(Limits::default(), 0);
            let _ = st.apply(&rec);
            st.finish();
        }
    }

    #[test]
    fn capture_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut v = capture_with_everything()[..12].to_vec();
        v.extend_from_slice(&bytes);
        if let Ok(mut r) = Reader::new(&v[..]) {
            for _ in 0..64 {
                match r.next_item() {
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
        }
    }
}
