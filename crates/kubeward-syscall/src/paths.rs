//! Path joining as libsinsp resolves a syscall's path argument (`concatenate_paths`):
//! a relative path is taken from the cwd or dir fd, then normalized lexically (`.`
//! dropped, `..` removes the previous component, repeated `/` collapsed, no trailing
//! `/`). Symlinks are not followed: the path is what the process asked for.

/// `base` + `path`, normalized. An absolute `path` ignores `base`; an empty one gives
/// `base` normalized.
pub fn join(base: &str, path: &str) -> String {
    let mut out = String::with_capacity(base.len() + path.len() + 1);
    join_into(base, path, &mut out);
    out
}

/// [`join`] into `out` (cleared first).
pub fn join_into(base: &str, path: &str, out: &mut String) {
    out.clear();
    if !path.starts_with('/') {
        push_components(base, out);
    }
    push_components(path, out);
    if out.is_empty() {
        out.push('/');
    }
}

/// Appends `p`'s components to `out` (`/c1/c2`, no trailing `/`): `.` and empty ones
/// skipped, `..` removing the last one.
fn push_components(p: &str, out: &mut String) {
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                let cut = out.rfind('/').unwrap_or(0);
                out.truncate(cut);
            }
            c => {
                out.push('/');
                out.push_str(c);
            }
        }
    }
}

/// `fd.directory`: everything before the last `/`, or `/` when that is the first one.
pub fn dirname(name: &str) -> &str {
    match name.rfind('/') {
        Some(0) | None => "/",
        Some(i) if i + 1 < name.len() => name.get(..i).unwrap_or("/"),
        Some(_) => name,
    }
}

/// `fd.filename`: everything after the last `/`, or `/` when there is none.
pub fn basename(name: &str) -> &str {
    match name.rfind('/') {
        Some(i) if i + 1 < name.len() => name.get(i + 1..).unwrap_or(name),
        Some(_) => name,
        None => "/",
    }
}

/// Collapses repeated `/` (`fd.nameraw`'s only cleanup); borrows when there are none.
pub fn dedup_slashes(p: &str) -> std::borrow::Cow<'_, str> {
    if !p.contains("//") {
        return std::borrow::Cow::Borrowed(p);
    }
    let mut out = String::with_capacity(p.len());
    let mut prev = false;
    for c in p.chars() {
        if c == '/' && prev {
            continue;
        }
        prev = c == '/';
        out.push(c);
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_normalizes() {
        assert_eq!(join("/root", "a/b"), "/root/a/b");
        assert_eq!(join("/root/", "../etc//shadow"), "/etc/shadow");
        assert_eq!(join("/tmp", "/etc/./passwd"), "/etc/passwd");
        assert_eq!(join("/a/b", "../../../../x"), "/x");
        assert_eq!(join("/", "."), "/");
        assert_eq!(join("/var/log", ""), "/var/log");
        assert_eq!(join("/var/log/", "x/"), "/var/log/x");
        assert_eq!(join("/a", "b/../../.."), "/");
        assert_eq!(join("", "x"), "/x");
        assert_eq!(join("/a/b", "..c/d"), "/a/b/..c/d");
    }

    #[test]
    fn directory_and_file_names() {
        assert_eq!(dirname("/etc/shadow"), "/etc");
        assert_eq!(dirname("/shadow"), "/");
        assert_eq!(dirname("relative"), "/");
        assert_eq!(basename("/etc/shadow"), "shadow");
        assert_eq!(basename("noslash"), "/");
        assert_eq!(dedup_slashes("/a//b///c"), "/a/b/c");
        assert!(matches!(
            dedup_slashes("/a/b"),
            std::borrow::Cow::Borrowed("/a/b")
        ));
    }
}
