//! Builds, once, the ordered list of check implementations for every
//! (level, policy minor) pair, the way upstream's registry inflates versions:
//! baseline ids sorted byte-wise, then restricted ids sorted byte-wise, with the
//! baseline checks a restricted implementation overrides removed from restricted.

use std::sync::OnceLock;

use super::checks::{ALL, Check, CheckFn};
use super::{CheckInfo, Level, NEWEST_MINOR, PolicyVersion};

const MINORS: usize = NEWEST_MINOR as usize + 1;

struct Tables {
    baseline: Vec<Vec<CheckFn>>,
    restricted: Vec<Vec<CheckFn>>,
    infos: Vec<CheckInfo>,
}

/// The implementation of `check` in force at `minor`, if the check exists there.
fn at(check: &Check, minor: u32) -> Option<&'static super::checks::Versioned> {
    let versions: &'static [super::checks::Versioned] = check.versions;
    versions.iter().rev().find(|v| v.min <= minor)
}

fn build() -> Tables {
    let mut ordered: Vec<&'static Check> = ALL.to_vec();
    // Baseline before restricted, then ids byte-wise, as upstream's populate().
    ordered.sort_by(|a, b| {
        let rank = |c: &Check| u8::from(c.level == Level::Restricted);
        rank(a).cmp(&rank(b)).then(a.id.cmp(b.id))
    });
    let mut baseline = Vec::with_capacity(MINORS);
    let mut restricted = Vec::with_capacity(MINORS);
    for minor in 0..=NEWEST_MINOR {
        let overridden: Vec<&str> = ordered
            .iter()
            .filter(|c| c.level == Level::Restricted)
            .filter_map(|c| at(c, minor))
            .flat_map(|v| v.overrides.iter().copied())
            .collect();
        let mut b = Vec::new();
        let mut r = Vec::new();
        for check in &ordered {
            let Some(v) = at(check, minor) else { continue };
            if check.level == Level::Baseline {
                b.push(v.run);
                if !overridden.contains(&check.id) {
                    r.push(v.run);
                }
            } else {
                r.push(v.run);
            }
        }
        baseline.push(b);
        restricted.push(r);
    }
    let infos = ordered
        .iter()
        .map(|c| CheckInfo {
            id: c.id,
            level: c.level,
            minimum_versions: c.versions.iter().map(|v| v.min).collect(),
        })
        .collect();
    Tables {
        baseline,
        restricted,
        infos,
    }
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build)
}

/// `latest` and versions newer than the newest policy revision run the newest one.
pub(crate) fn clamp(version: PolicyVersion) -> u32 {
    match version {
        PolicyVersion::Latest => NEWEST_MINOR,
        PolicyVersion::V1(n) => n.min(NEWEST_MINOR),
    }
}

/// The check implementations to run for `level` at `version`, in run order.
pub(crate) fn checks_for(level: Level, version: PolicyVersion) -> &'static [CheckFn] {
    let t = tables();
    let minor = clamp(version) as usize;
    let table = match level {
        Level::Privileged => return &[],
        Level::Baseline => &t.baseline,
        Level::Restricted => &t.restricted,
    };
    table.get(minor).map(Vec::as_slice).unwrap_or_default()
}

/// Every check with its level and the minimum versions of its implementations.
pub(crate) fn infos() -> &'static [CheckInfo] {
    &tables().infos
}
