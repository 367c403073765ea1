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

/// An instant as whole seconds since the epoch and the nanoseconds past them, shifted
/// by a UTC offset. Shifting in seconds, as Falco's `localtime_r` does, keeps every
/// instant an `i64` of nanoseconds can hold in range (an event time near the end of
/// that range plus a positive offset overflowed when shifted in nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    secs: i64,
    nanos: i64,
}

/// `ns` since the epoch, shifted by `offset_secs`.
pub(crate) fn local(ns: i64, offset_secs: i64) -> Civil {
    Civil {
        secs: ns.div_euclid(1_000_000_000).saturating_add(offset_secs),
        nanos: ns.rem_euclid(1_000_000_000),
    }
}

/// `YYYY-MM-DD`.
pub(crate) fn date(t: Civil) -> String {
    let (y, m, d) = civil(t.secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `HH:MM:SS.nnnnnnnnn` (or without the fraction).
pub(crate) fn clock(t: Civil, frac: bool) -> String {
    let day = t.secs.rem_euclid(86_400);
    let (h, m, s) = (day / 3600, day % 3600 / 60, day % 60);
    if frac {
        format!("{h:02}:{m:02}:{s:02}.{:09}", t.nanos)
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn` + `zone` (`Z` or `+0000`), UTC.
pub(crate) fn iso8601(ns: i64, zone: &str) -> String {
    let t = local(ns, 0);
    format!("{}T{}{zone}", date(t), clock(t, true))
}

/// `YYYY-MM-DDTHH:MM:SS.uuuuuuZ`, UTC: RFC 5424's TIMESTAMP, which allows six fraction
/// digits at most.
pub fn rfc5424(ns: i64) -> String {
    let t = local(ns, 0);
    let day = t.secs.rem_euclid(86_400);
    let (h, m, s) = (day / 3600, day % 3600 / 60, day % 60);
    format!("{}T{h:02}:{m:02}:{s:02}.{:06}Z", date(t), t.nanos / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5424_timestamps_have_microseconds_in_utc() {
        assert_eq!(rfc5424(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            rfc5424(1_733_390_100_123_456_789),
            "2024-12-05T09:15:00.123456Z"
        );
    }

    #[test]
    fn formats() {
        // 2024-02-29T13:05:09.000000042Z
        let ns = 1_709_211_909_000_000_042;
        assert_eq!(iso8601(ns, "Z"), "2024-02-29T13:05:09.000000042Z");
        assert_eq!(clock(local(ns, 0), false), "13:05:09");
        assert_eq!(date(local(0, 0)), "1970-01-01");
        assert_eq!(iso8601(-1, "Z"), "1969-12-31T23:59:59.999999999Z");
        assert_eq!(clock(local(ns, -3600), true), "12:05:09.000000042");
        assert_eq!(date(local(0, -1)), "1969-12-31");
    }

    #[test]
    fn the_last_instants_shift_without_overflow() {
        // 2262-04-11T23:47:16.854775807Z, the last instant an i64 of nanoseconds holds:
        // fourteen hours ahead is the next day's 13:47:16 (shifting in nanoseconds
        // overflowed), and the first instant shifts back as far.
        let t = local(i64::MAX, 14 * 3600);
        assert_eq!(
            format!("{} {}", date(t), clock(t, true)),
            "2262-04-12 13:47:16.854775807"
        );
        let t = local(i64::MIN, -12 * 3600);
        assert_eq!(
            format!("{} {}", date(t), clock(t, true)),
            "1677-09-20 12:12:43.145224192"
        );
        assert_eq!(iso8601(i64::MAX, "Z"), "2262-04-11T23:47:16.854775807Z");
    }
}
