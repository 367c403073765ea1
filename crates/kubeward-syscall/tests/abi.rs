//! The committed probe object against its Rust mirror, without root: the record
//! layouts in the object's BTF have the sizes and member offsets of `abi.rs`, the
//! programs sit in the sections the loader attaches, the maps and globals it writes
//! exist. A change to `bpf/event.h` not mirrored in `src/abi.rs` (or the reverse)
//! fails here.

use std::collections::HashMap;
use std::mem::{offset_of, size_of};

use kubeward_syscall::abi::{self, Hdr, Proc, Sock, Spec};
use object::{Object, ObjectSection, ObjectSymbol};

/// A struct in BTF: size, and member name → byte offset.
#[derive(Debug)]
struct BtfStruct {
    size: u32,
    members: HashMap<String, u32>,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let s = &b[at..at + 4];
    u32::from_le_bytes([s[0], s[1], s[2], s[3]])
}

/// The structs of a .BTF section (a minimal reader of the format: header, type
/// records, string table).
fn btf_structs(btf: &[u8]) -> HashMap<String, BtfStruct> {
    assert_eq!(&btf[..2], &[0x9f, 0xeb], "BTF magic");
    let hdr_len = u32_at(btf, 4) as usize;
    let type_off = u32_at(btf, 8) as usize;
    let type_len = u32_at(btf, 12) as usize;
    let str_off = u32_at(btf, 16) as usize;
    let types = &btf[hdr_len + type_off..hdr_len + type_off + type_len];
    let strings = &btf[hdr_len + str_off..];
    let name = |off: u32| -> String {
        let s = &strings[off as usize..];
        let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
        String::from_utf8_lossy(&s[..end]).into_owned()
    };
    let mut out = HashMap::new();
    let mut pos = 0;
    while pos < types.len() {
        let name_off = u32_at(types, pos);
        let info = u32_at(types, pos + 4);
        let size = u32_at(types, pos + 8);
        let kind = (info >> 24) & 0x1f;
        let vlen = (info & 0xffff) as usize;
        let kflag = info >> 31;
        pos += 12;
        match kind {
            4 | 5 => {
                let mut members = HashMap::new();
                for i in 0..vlen {
                    let m = pos + i * 12;
                    let off = u32_at(types, m + 8);
                    let bits = if kflag == 1 { off & 0xffffff } else { off };
                    members.insert(name(u32_at(types, m)), bits / 8);
                }
                if kind == 4 {
                    out.insert(name(name_off), BtfStruct { size, members });
                }
                pos += vlen * 12;
            }
            1 | 14 | 17 => pos += 4,
            3 => pos += 12,
            6 | 13 => pos += vlen * 8,
            15 | 19 => pos += vlen * 12,
            _ => {}
        }
    }
    out
}

/// The names that could be read, of sections or symbols.
fn readable<'a>(names: impl Iterator<Item = object::Result<&'a str>>) -> Vec<String> {
    names.filter_map(|n| n.ok().map(str::to_owned)).collect()
}

fn object() -> object::File<'static> {
    object::File::parse(abi::PROBE_OBJECT).expect("the probe object is ELF")
}

fn structs() -> HashMap<String, BtfStruct> {
    let obj = object();
    let sec = obj.section_by_name(".BTF").expect(".BTF section");
    btf_structs(sec.data().expect("BTF data"))
}

macro_rules! check_members {
    ($s:expr, $ty:ty, [$($f:ident),* $(,)?]) => {{
        let s = $s;
        assert_eq!(s.size as usize, size_of::<$ty>(), "size of {}", stringify!($ty));
        $(
            let name = match stringify!($f) { "sock_type" => "type", n => n };
            assert_eq!(
                s.members.get(name).copied(),
                Some(offset_of!($ty, $f) as u32),
                "offset of {}.{}",
                stringify!($ty),
                name
            );
        )*
        let mirrored = [$(stringify!($f)),*].len();
        assert_eq!(s.members.len(), mirrored, "every member of {} is mirrored", stringify!($ty));
    }};
}

#[test]
fn record_layouts_match_the_object_btf() {
    let st = structs();
    check_members!(
        &st["kw_hdr"],
        Hdr,
        [ts, len, kind, nr, tgid, tid, res, args, nvar, flags, cpu]
    );
    check_members!(
        &st["kw_proc"],
        Proc,
        [
            ppid,
            uid,
            gid,
            euid,
            egid,
            loginuid,
            tty,
            exe_flags,
            vpid,
            vtid,
            sid,
            vpgid,
            cap_inheritable,
            cap_permitted,
            cap_effective,
            exe_ino,
            exe_ctime,
            exe_mtime,
            start_ts,
            pidns_init_start
        ]
    );
    check_members!(
        &st["kw_sock"],
        Sock,
        [family, sock_type, protocol, sport, dport, pad, saddr, daddr]
    );
    check_members!(
        &st["kw_spec"],
        Spec,
        [
            flags,
            str_mask,
            enter_arg,
            addr_arg,
            addr_len_arg,
            blob_arg,
            blob_len
        ]
    );
    assert_eq!(st["kw_stats"].size as usize, 8 * abi::stat::COUNT);
}

#[test]
fn a_changed_layout_is_caught() {
    // The reader itself: a struct with a member at the wrong offset does not pass.
    let st = structs();
    let hdr = &st["kw_hdr"];
    assert_ne!(hdr.members["len"], offset_of!(Hdr, kind) as u32);
    assert!(!hdr.members.contains_key("no_such_member"));
}

/// Each probe program: the section the loader attaches it by, and its symbol.
const PROGRAMS: [(&str, &str); 9] = [
    ("tp_btf/sys_exit", "kw_sys_exit"),
    ("tp_btf/sched_process_exec", "kw_exec"),
    ("tp_btf/sched_process_fork", "kw_fork"),
    ("tp_btf/sched_process_exit", "kw_exit"),
    ("tracepoint/syscalls/sys_enter_open", "kw_enter_open"),
    ("tracepoint/syscalls/sys_enter_openat", "kw_enter_openat"),
    ("tracepoint/syscalls/sys_enter_openat2", "kw_enter_openat2"),
    ("tracepoint/syscalls/sys_enter_creat", "kw_enter_creat"),
    ("tracepoint/syscalls/sys_enter_connect", "kw_enter_connect"),
];

#[test]
fn programs_maps_and_globals_are_where_the_loader_looks() {
    let obj = object();
    let sections = readable(obj.sections().map(|s| s.name()));
    let other_sections = [".maps", ".rodata", ".BTF", ".BTF.ext", "license"];
    for want in PROGRAMS.iter().map(|p| p.0).chain(other_sections) {
        assert!(sections.iter().any(|s| s == want), "section {want}");
    }
    assert!(
        !sections.iter().any(|s| s.starts_with(".debug")),
        "DWARF is stripped"
    );
    let symbols = readable(obj.symbols().map(|s| s.name()));
    let maps_and_globals = [
        "kw_events",
        "kw_specs",
        "kw_stats",
        "kw_ignore_tgid",
        "kw_rb_flags",
    ];
    for want in PROGRAMS.iter().map(|p| p.1).chain(maps_and_globals) {
        assert!(symbols.iter().any(|s| s == want), "symbol {want}");
    }
}
