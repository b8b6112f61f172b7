//! How long a check was down, month by month (spec §3.10), as the details page
//! summarises the last three months: total downtime and number of outages, worked
//! out from the check's flips in the viewer's time zone.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::QueryResult;

use crate::db::DbConn;
use crate::models::Check;
use crate::status::StoredStatus;
use crate::time::utc;

use super::history::{self, FlipRange};

/// One month of a check's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downtime {
    /// The month's first moment in the viewer's zone.
    pub start: DateTime<Utc>,
    pub duration: Duration,
    pub outages: u32,
    /// The check did not exist yet in this month.
    pub no_data: bool,
}

/// The first moments of the current month and the `n - 1` before it, oldest first.
pub fn month_starts(now: DateTime<Utc>, tz: Tz, n: usize) -> Vec<DateTime<Utc>> {
    let local = now.with_timezone(&tz);
    let (mut year, mut month) = (local.year(), local.month());
    let mut starts = Vec::with_capacity(n);
    for _ in 0..n {
        starts.push(local_month_start(tz, year, month));
        if month == 1 {
            year -= 1;
            month = 12;
        } else {
            month -= 1;
        }
    }
    starts.reverse();
    starts
}

/// Midnight of the 1st in `tz`.
fn local_month_start(tz: Tz, year: i32, month: u32) -> DateTime<Utc> {
    match NaiveDate::from_ymd_opt(year, month, 1) {
        Some(day) => local_midnight(tz, day),
        None => DateTime::<Utc>::MIN_UTC,
    }
}

/// The first moment of `day` in `tz`: the earlier instant when midnight happens
/// twice, the first moment of the day when a clock change skips midnight.
pub fn local_midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let Some(midnight) = day.and_hms_opt(0, 0, 0) else {
        return DateTime::<Utc>::MIN_UTC;
    };
    for step in 0..=24 {
        let local = midnight + Duration::minutes(15 * step);
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
    }
    Utc.from_utc_datetime(&midnight)
}

/// Sums the down time in each period that starts at one of `starts` (ascending; the
/// last runs until `now`). `flips` are `(created, old status)`; `status` is the
/// stored status now. Walking back from now, each flip tells the status before it;
/// a down stretch that crosses a period start counts in both periods, once each.
pub fn summarize(
    starts: &[DateTime<Utc>],
    flips: &[(DateTime<Utc>, StoredStatus)],
    status: StoredStatus,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Downtime> {
    let mut months: Vec<Downtime> = starts
        .iter()
        .enumerate()
        .map(|(i, start)| Downtime {
            start: *start,
            duration: Duration::zero(),
            outages: 0,
            no_data: starts.get(i + 1).is_some_and(|end| created >= *end),
        })
        .collect();
    // Newest first; a flip at the very moment a period starts is passed before the
    // period's start, so the stretch before it lands in the earlier period.
    let mut events: Vec<(DateTime<Utc>, Option<StoredStatus>)> = starts
        .iter()
        .map(|s| (*s, None))
        .chain(flips.iter().map(|(t, old)| (*t, Some(*old))))
        .collect();
    events.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| b.1.is_some().cmp(&a.1.is_some()))
    });
    let (mut until, mut current) = (now, status);
    for (at, old) in events {
        if current == StoredStatus::Down && until > at {
            if let Some(month) = months.iter_mut().rev().find(|m| at >= m.start) {
                month.duration += until - at;
                month.outages += 1;
            }
        }
        until = until.min(at);
        if let Some(old) = old {
            current = old;
        }
    }
    months
}

/// The last `n` calendar months of `check` in the zone named `tz` (UTC when the name
/// is not a zone), oldest first.
pub fn last_months(
    conn: &mut DbConn,
    check: &Check,
    tz: &str,
    now: DateTime<Utc>,
    n: usize,
) -> QueryResult<Vec<Downtime>> {
    let zone = crate::schedule::tz::zone(tz).unwrap_or(chrono_tz::UTC);
    over_periods(conn, check, &month_starts(now, zone, n), now)
}

/// The down time of `check` in each period that starts at one of `starts`
/// (ascending; the last runs until `now`), as [`summarize`] counts it.
pub fn over_periods(
    conn: &mut DbConn,
    check: &Check,
    starts: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> QueryResult<Vec<Downtime>> {
    let Some(first) = starts.first().copied() else {
        return Ok(Vec::new());
    };
    let flips = history::flips(
        conn,
        check.id,
        FlipRange {
            since: Some(first),
            until: None,
        },
    )?;
    let flips: Vec<(DateTime<Utc>, StoredStatus)> = flips
        .iter()
        // A status hc did not write counts as not down.
        .map(|f| {
            (
                utc(f.created),
                StoredStatus::parse(&f.old_status).unwrap_or(StoredStatus::New),
            )
        })
        .collect();
    Ok(summarize(
        starts,
        &flips,
        check.stored_status(),
        utc(check.created),
        now,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use StoredStatus::{Down, New, Up};

    fn t(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn summary(m: &[Downtime]) -> Vec<(i64, u32, bool)> {
        m.iter()
            .map(|d| (d.duration.num_minutes(), d.outages, d.no_data))
            .collect()
    }

    #[test]
    fn month_starts_follow_the_zone_and_its_clock_changes() {
        let utc_starts = month_starts(t(3, 10, 12), chrono_tz::UTC, 3);
        assert_eq!(utc_starts, [t(1, 1, 0), t(2, 1, 0), t(3, 1, 0)]);
        // New York: EST (−5) in February and March 1st, EDT (−4) on April 1st.
        let ny = month_starts(t(4, 10, 12), chrono_tz::America::New_York, 3);
        assert_eq!(ny, [t(2, 1, 5), t(3, 1, 5), t(4, 1, 4)]);
        // Across a new year, and where local time is ahead of UTC.
        let riga = month_starts(t(1, 15, 0), chrono_tz::Europe::Riga, 3);
        assert_eq!(
            riga,
            [
                Utc.with_ymd_and_hms(2025, 10, 31, 22, 0, 0)
                    .single()
                    .unwrap_or_default(),
                Utc.with_ymd_and_hms(2025, 11, 30, 22, 0, 0)
                    .single()
                    .unwrap_or_default(),
                Utc.with_ymd_and_hms(2025, 12, 31, 22, 0, 0)
                    .single()
                    .unwrap_or_default(),
            ]
        );
    }

    #[test]
    fn nothing_down_is_all_good() {
        let starts = month_starts(t(3, 10, 0), chrono_tz::UTC, 3);
        let m = summarize(&starts, &[(t(3, 2, 0), New)], Up, t(1, 1, 0), t(3, 10, 0));
        assert_eq!(summary(&m), [(0, 0, false), (0, 0, false), (0, 0, false)]);
    }

    #[test]
    fn an_outage_across_a_month_start_counts_in_both_months() {
        let starts = month_starts(t(3, 10, 0), chrono_tz::UTC, 3);
        let flips = [(t(1, 31, 22), Up), (t(2, 1, 2), Down)];
        let m = summarize(&starts, &flips, Up, t(1, 1, 0), t(3, 10, 0));
        assert_eq!(
            summary(&m),
            [(120, 1, false), (120, 1, false), (0, 0, false)]
        );
    }

    #[test]
    fn an_ongoing_outage_counts_until_now() {
        let starts = month_starts(t(3, 10, 0), chrono_tz::UTC, 3);
        let flips = [(t(2, 10, 0), Up), (t(2, 10, 1), Down), (t(3, 9, 0), Up)];
        let m = summarize(&starts, &flips, Down, t(1, 1, 0), t(3, 10, 0));
        assert_eq!(
            summary(&m),
            [(0, 0, false), (60, 1, false), (24 * 60, 1, false)]
        );
    }

    #[test]
    fn an_outage_ending_at_a_month_start_is_not_counted_in_the_new_month() {
        let starts = month_starts(t(3, 10, 0), chrono_tz::UTC, 3);
        let flips = [(t(1, 31, 23), Up), (t(2, 1, 0), Down)];
        let m = summarize(&starts, &flips, Up, t(1, 1, 0), t(3, 10, 0));
        assert_eq!(summary(&m), [(60, 1, false), (0, 0, false), (0, 0, false)]);
    }

    #[test]
    fn months_are_those_of_the_viewers_zone() {
        let riga = chrono_tz::Europe::Riga;
        let starts = month_starts(t(3, 10, 0), riga, 3);
        // 23:00–01:00 UTC on Feb 28/Mar 1 is 01:00–03:00 on March 1st in Riga.
        let flips = [(t(2, 28, 23), Up), (t(3, 1, 1), Down)];
        let m = summarize(&starts, &flips, Up, t(1, 1, 0), t(3, 10, 0));
        assert_eq!(summary(&m), [(0, 0, false), (0, 0, false), (120, 1, false)]);
    }

    #[test]
    fn months_before_the_check_existed_have_no_data() {
        let starts = month_starts(t(3, 10, 0), chrono_tz::UTC, 3);
        let m = summarize(&starts, &[], New, t(2, 15, 0), t(3, 10, 0));
        assert_eq!(summary(&m), [(0, 0, true), (0, 0, false), (0, 0, false)]);
        let m = summarize(&starts, &[], New, t(3, 1, 0), t(3, 10, 0));
        assert_eq!(summary(&m), [(0, 0, true), (0, 0, true), (0, 0, false)]);
    }

    #[test]
    fn stretches_before_the_first_month_are_left_out() {
        let starts = month_starts(t(3, 10, 0), chrono_tz::UTC, 3);
        // Down since December: January, February and March each count it once.
        let m = summarize(
            &starts,
            &[],
            Down,
            t(1, 1, 0) - Duration::days(40),
            t(3, 10, 0),
        );
        assert_eq!(
            summary(&m),
            [
                (31 * 24 * 60, 1, false),
                (28 * 24 * 60, 1, false),
                (9 * 24 * 60, 1, false)
            ]
        );
    }
}
