//! Path joining as libsinsp resolves a syscall's path argument (`concatenate_paths`):
//! a relative path is taken from the cwd or dir fd, then normalized lexically (`.`
//! dropped, `..` removes the previous component, repeated `/` collapsed, no trailing
//! `/`). Symlinks are not followed: the path is what the process asked for.

/// `base` + `path`, normalized. An absolute `path` ignores `base`; an empty one gives
/// `base` normalized.
pub fn join(base: &str, path: &str) -> String {
    let mut out = String::with_capacity(base.len() + path.len() + 1);
    if path.starts_with('/') {
        normalize_into(path, &mut out);
    } else {
        let mut joined = String::with_capacity(base.len() + path.len() + 1);
        joined.push_str(base);
        joined.push('/');
        joined.push_str(path);
        normalize_into(&joined, &mut out);
    }
    out
}

fn normalize_into(p: &str, out: &mut String) {
    out.clear();
    let mut parts: Vec<&str> = Vec::with_capacity(16);
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        out.push('/');
        return;
    }
    for c in parts {
        out.push('/');
        out.push_str(c);
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

/// Collapses repeated `/` (`fd.nameraw`'s only cleanup).
pub fn dedup_slashes(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut prev = false;
    for c in p.chars() {
        if c == '/' && prev {
            continue;
        }
        prev = c == '/';
        out.push(c);
    }
    out
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
    }

    #[test]
    fn directory_and_file_names() {
        assert_eq!(dirname("/etc/shadow"), "/etc");
        assert_eq!(dirname("/shadow"), "/");
        assert_eq!(dirname("relative"), "/");
        assert_eq!(basename("/etc/shadow"), "shadow");
        assert_eq!(basename("noslash"), "/");
        assert_eq!(dedup_slashes("/a//b///c"), "/a/b/c");
    }
}
