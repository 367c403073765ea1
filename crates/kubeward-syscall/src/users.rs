//! User and group names from the `passwd` and `group` files of a process's root (the
//! host's `/etc`, or a container's root through `/proc/<pid>/root`), as libsinsp's
//! user/group manager keeps them per container. Bounded: at most [`MAX_ENTRIES`] users
//! and groups per database, files larger than [`MAX_FILE`] are read up to that size.

use std::collections::HashMap;
use std::sync::Arc;

/// The most users, and the most groups, kept per database.
pub const MAX_ENTRIES: usize = 65_536;
/// The most bytes read of a `passwd` or `group` file.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;

/// One `passwd` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user name.
    pub name: Arc<str>,
    /// The home directory.
    pub home: Arc<str>,
    /// The login shell.
    pub shell: Arc<str>,
}

/// One root's users and groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserDb {
    /// Users by uid.
    pub users: HashMap<u32, User>,
    /// Group names by gid.
    pub groups: HashMap<u32, Arc<str>>,
}

impl UserDb {
    /// Parses `passwd` and `group` text (getpwent's format: `name:pw:uid:gid:gecos:home:shell`
    /// and `name:pw:gid:members`). The first entry of an id wins, as getpwuid's scan does;
    /// malformed lines are skipped.
    pub fn parse(passwd: &str, group: &str) -> UserDb {
        let mut db = UserDb::default();
        for line in passwd.lines() {
            if db.users.len() >= MAX_ENTRIES {
                break;
            }
            let f: Vec<&str> = line.splitn(7, ':').collect();
            let (Some(name), Some(uid), Some(home), Some(shell)) =
                (f.first(), f.get(2), f.get(5), f.get(6))
            else {
                continue;
            };
            let Ok(uid) = uid.trim().parse::<u32>() else {
                continue;
            };
            if name.is_empty() || name.starts_with('#') {
                continue;
            }
            db.users.entry(uid).or_insert_with(|| User {
                name: (*name).into(),
                home: (*home).into(),
                shell: shell.trim_end().into(),
            });
        }
        for line in group.lines() {
            if db.groups.len() >= MAX_ENTRIES {
                break;
            }
            let f: Vec<&str> = line.splitn(4, ':').collect();
            let (Some(name), Some(gid)) = (f.first(), f.get(2)) else {
                continue;
            };
            let Ok(gid) = gid.trim().parse::<u32>() else {
                continue;
            };
            if name.is_empty() || name.starts_with('#') {
                continue;
            }
            db.groups.entry(gid).or_insert_with(|| (*name).into());
        }
        db
    }

    /// Reads `<root>/etc/passwd` and `<root>/etc/group` (missing files: no entries).
    pub fn load(root: &std::path::Path) -> UserDb {
        let read = |name: &str| -> String {
            use std::io::Read;
            let mut s = String::new();
            if let Ok(f) = std::fs::File::open(root.join("etc").join(name)) {
                let _ = f.take(MAX_FILE).read_to_string(&mut s);
            }
            s
        };
        UserDb::parse(&read("passwd"), &read("group"))
    }
}

#[cfg(test)]
mod tests {
    use super::UserDb;

    #[test]
    fn parses_entries_and_skips_garbage() {
        let db = UserDb::parse(
            "root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\nbin:x:1:1::/bin:/usr/sbin/nologin\nroot2:x:0:0::/r:/bin/sh\nneg:x:-1:0::/:/\n",
            "root:x:0:\nadm:x:4:syslog\nbad:x:notanumber:\n",
        );
        assert_eq!(&*db.users[&0].name, "root");
        assert_eq!(&*db.users[&0].home, "/root");
        assert_eq!(&*db.users[&1].shell, "/usr/sbin/nologin");
        assert_eq!(db.users.len(), 2);
        assert_eq!(&*db.groups[&4], "adm");
        assert_eq!(db.groups.len(), 2);
    }
}
