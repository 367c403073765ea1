//! File owners as names, read from `/etc/passwd` and `/etc/group` (no NSS lookups, so
//! LDAP or systemd-homed users show as numbers).

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Largest account database read; larger ones are read up to this size.
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Numeric ids to names.
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
}

impl Names {
    /// Reads both files; a missing or unreadable one leaves ids numeric.
    pub fn load(passwd: &Path, group: &Path) -> Names {
        Names {
            users: parse(&read(passwd)),
            groups: parse(&read(group)),
        }
    }

    /// `user:group`, each a name when known, else the number. Id 0 is root even
    /// without the files, as on every Unix.
    pub fn owner(&self, uid: u32, gid: u32) -> String {
        let name = |map: &HashMap<u32, String>, id: u32| match map.get(&id) {
            Some(n) => n.clone(),
            None if id == 0 => "root".to_owned(),
            None => id.to_string(),
        };
        format!("{}:{}", name(&self.users, uid), name(&self.groups, gid))
    }
}

fn read(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(f) = File::open(path) {
        // Not UTF-8 or unreadable: leave ids numeric rather than fail the check.
        let _ = f.take(MAX_BYTES).read_to_string(&mut text);
    }
    text
}

/// `name:password:id:…` lines; the first line for an id wins, as getpwuid does.
pub(crate) fn parse(text: &str) -> HashMap<u32, String> {
    let mut map = HashMap::new();
    for line in text.lines() {
        let mut fields = line.split(':');
        let (Some(name), Some(_), Some(id)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        if let Ok(id) = id.trim().parse::<u32>()
            && !name.is_empty()
        {
            map.entry(id).or_insert_with(|| name.to_owned());
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_entry_wins_and_junk_is_skipped() {
        let m = parse(
            "root:x:0:0::/root:/bin/sh\ntoor:x:0:0\n#comment\nbad\netcd:x:not\netcd:x:998:998\n",
        );
        assert_eq!(m.get(&0).map(String::as_str), Some("root"));
        assert_eq!(m.get(&998).map(String::as_str), Some("etcd"));
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn unknown_ids_stay_numeric_but_zero_is_root() {
        let n = Names::default();
        assert_eq!(n.owner(0, 0), "root:root");
        assert_eq!(n.owner(1000, 5), "1000:5");
    }
}
