//! Time as hc stores it: UTC, microsecond precision (the finest all three databases
//! keep), so a value read back equals the value written.

use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeZone, Utc};

/// The current time, cut to microseconds.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A stored (naive, UTC) timestamp as an aware one.
pub fn utc(naive: NaiveDateTime) -> DateTime<Utc> {
    Utc.from_utc_datetime(&naive)
}

/// ISO 8601 in UTC without fractional seconds and with `+00:00`, as healthchecks
/// writes check and flip times in its API.
pub fn isoformat_seconds(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// Python's `isoformat()` of a UTC time: microseconds only when non-zero.
pub fn isoformat(t: DateTime<Utc>) -> String {
    if t.timestamp_subsec_micros() == 0 {
        isoformat_seconds(t)
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_formats_match_python() {
        let t = Utc.with_ymd_and_hms(2020, 6, 9, 14, 51, 6).unwrap();
        assert_eq!(isoformat(t), "2020-06-09T14:51:06+00:00");
        let t = t + chrono::Duration::microseconds(113_073);
        assert_eq!(isoformat(t), "2020-06-09T14:51:06.113073+00:00");
        assert_eq!(isoformat_seconds(t), "2020-06-09T14:51:06+00:00");
    }

    #[test]
    fn now_has_microsecond_precision() {
        assert_eq!(now().timestamp_subsec_nanos() % 1000, 0);
    }
}
