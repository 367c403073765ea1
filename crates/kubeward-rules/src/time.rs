//! Civil time formatting without a time-zone database (the caller supplies any offset).

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `YYYY-MM-DD` of `ns` since the epoch.
pub(crate) fn date(ns: i64) -> String {
    let (y, m, d) = civil(ns.div_euclid(1_000_000_000).div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `HH:MM:SS.nnnnnnnnn` (or without the fraction).
pub(crate) fn clock(ns: i64, frac: bool) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let sub = ns.rem_euclid(1_000_000_000);
    let day = secs.rem_euclid(86_400);
    let (h, m, s) = (day / 3600, day % 3600 / 60, day % 60);
    if frac {
        format!("{h:02}:{m:02}:{s:02}.{sub:09}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn` + `zone` (`Z` or `+0000`), UTC.
pub(crate) fn iso8601(ns: i64, zone: &str) -> String {
    format!("{}T{}{zone}", date(ns), clock(ns, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        // 2024-02-29T13:05:09.000000042Z
        let ns = 1_709_211_909_000_000_042;
        assert_eq!(iso8601(ns, "Z"), "2024-02-29T13:05:09.000000042Z");
        assert_eq!(clock(ns, false), "13:05:09");
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(iso8601(-1, "Z"), "1969-12-31T23:59:59.999999999Z");
    }
}
