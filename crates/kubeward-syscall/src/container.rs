//! `container.id` from a cgroup path, as Falco's container plugin (0.4) matches it:
//! its engines in their order (podman, docker, CRI: containerd and CRI-O, plain
//! containerd namespaces), each a list of `<prefix><id><suffix>` layouts tried on the
//! end of the path. A full 64-hex id is reported by its first 12 characters; no match
//! means the host (`""` here, `host` in the field).
//!
//! The lxc, libvirt-lxc and bpm engines are not reproduced (their processes report
//! `host`).

const ID_LEN: usize = 64;
const SHORT_LEN: usize = 12;

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

/// The plugin's `match_one_container_id`, quirks included (the hex check measures the
/// position of the first non-hex character from the start of the path).
fn match_one(cgroup: &str, prefix: &str, suffix: &str, containerd: bool) -> Option<String> {
    let start = cgroup.rfind(prefix)? + prefix.len();
    let end = cgroup.rfind(suffix)?;
    let len = end.checked_sub(start);
    let b = cgroup.as_bytes();
    if len == Some(ID_LEN) {
        let first_non_hex = b
            .iter()
            .enumerate()
            .skip(start)
            .find(|(_, c)| !is_hex(**c))
            .map_or(usize::MAX, |(i, _)| i);
        if first_non_hex >= ID_LEN {
            return cgroup.get(start..start + SHORT_LEN).map(str::to_owned);
        }
    }
    let len = len?;
    if len > ID_LEN || len == 0 {
        return None;
    }
    if containerd
        && !cgroup.ends_with(".service")
        && !cgroup.ends_with(".slice")
        && !cgroup.ends_with(".scope")
    {
        return cgroup
            .get(start..start + len.min(SHORT_LEN))
            .map(str::to_owned);
    }
    None
}

fn layouts(cgroup: &str, layout: &[(&str, &str)]) -> Option<String> {
    layout
        .iter()
        .find_map(|(p, s)| match_one(cgroup, p, s, false))
}

const PODMAN: &[(&str, &str)] = &[
    ("/libpod-", ".scope"),
    ("/libpod-", ".scope/container"),
    ("/libpod-", ""),
];
const DOCKER: &[(&str, &str)] = &[("/", ""), ("/docker-", ".scope")];
const CRI: &[(&str, &str)] = &[
    ("/", ""),
    ("/crio-", ""),
    ("/cri-containerd-", ".scope"),
    ("/crio-", ".scope"),
    (":cri-containerd:", ""),
    ("/docker-", ".scope"),
];

/// The first `/<name>/` where name is `[A-Za-z0-9]+([._-][A-Za-z0-9]+)*` (the plugin's
/// containerd namespace pattern), slashes included.
fn containerd_namespace(cgroup: &str) -> Option<&str> {
    let b = cgroup.as_bytes();
    let alnum = |i: usize| b.get(i).is_some_and(u8::is_ascii_alphanumeric);
    for (start, _) in b.iter().enumerate().filter(|(_, c)| **c == b'/') {
        let mut i = start + 1;
        if !alnum(i) {
            continue;
        }
        while alnum(i) {
            i += 1;
        }
        loop {
            if matches!(b.get(i), Some(b'.' | b'_' | b'-')) && alnum(i + 1) {
                i += 1;
                while alnum(i) {
                    i += 1;
                }
            } else {
                break;
            }
        }
        if b.get(i) == Some(&b'/') {
            return cgroup.get(start..=i);
        }
    }
    None
}

/// The container id for a process in `cgroup`, or `""` for the host.
pub fn container_id(cgroup: &str) -> String {
    if cgroup.is_empty() {
        return String::new();
    }
    layouts(cgroup, PODMAN)
        .or_else(|| layouts(cgroup, DOCKER))
        .or_else(|| layouts(cgroup, CRI))
        .or_else(|| {
            let ns = containerd_namespace(cgroup)?;
            match_one(cgroup, ns, "", true)
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::container_id;

    const ID: &str = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e";

    #[test]
    fn runtime_layouts() {
        for cg in [
            format!("/docker/{ID}"),
            format!("/system.slice/docker-{ID}.scope"),
            format!("/kubepods/besteffort/pod1f2e/{ID}"),
            format!(
                "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-{ID}.scope"
            ),
            format!("/kubepods.slice/kubepods-pod1.slice/crio-{ID}.scope"),
            format!("/kubepods/pod1/crio-{ID}"),
            format!("/machine.slice/libpod-{ID}.scope"),
            format!("/machine.slice/libpod-{ID}.scope/container"),
            format!("/system.slice/containerd.service/kubepods-pod1.slice:cri-containerd:{ID}"),
        ] {
            assert_eq!(container_id(&cg), "3ad7b26ded6d", "{cg}");
        }
    }

    #[test]
    fn host_paths() {
        for cg in [
            "",
            "/",
            "/user.slice/user-0.slice/session-1.scope",
            "/system.slice/sshd.service",
            "/init.scope",
        ] {
            assert_eq!(container_id(cg), "", "{cg}");
        }
        // 65 characters are too many for every engine.
        assert_eq!(container_id(&format!("/docker/{ID}a")), "");
    }

    #[test]
    fn short_ids_fall_through_to_containerd() {
        // 63 hex characters are not a docker id, but the containerd engine takes any
        // `/<namespace>/<name>` that is not a systemd unit (the plugin does the same).
        assert_eq!(
            container_id(&format!("/docker/{}", &ID[1..])),
            "ad7b26ded6d8"
        );
        assert_eq!(
            container_id("/process_api/f55b65c76c05d2b2918caefef02b8590"),
            "f55b65c76c05"
        );
    }

    #[test]
    fn containerd_namespaces_take_short_ids() {
        assert_eq!(container_id("/default/mycontainer"), "mycontainer");
        assert_eq!(container_id("/k8s.io/abcdef0123456789xyz"), "abcdef012345");
        // systemd units are not containerd containers
        assert_eq!(container_id("/system.slice/foo.service"), "");
    }
}
