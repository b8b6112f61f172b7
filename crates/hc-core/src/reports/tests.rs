//! When reports go out and what they cover, in the reader's zone.

use chrono::{Duration, TimeZone, Utc};
use chrono_tz::America::New_York;
use chrono_tz::Europe::{Berlin, Riga};
use chrono_tz::UTC;

use super::*;
use crate::status::StoredStatus::{Down, Up};

fn t(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
        .single()
        .unwrap_or_default()
}

fn next(period: Period, tz: Tz, now: DateTime<Utc>, offset: u32) -> DateTime<Utc> {
    choose_next_report_date(period, tz, now, offset)
}

#[test]
fn periods_read_the_profile_field() {
    for p in [Period::Daily, Period::Weekly, Period::Monthly] {
        assert_eq!(Period::parse(p.as_str()), Some(p));
    }
    assert_eq!(Period::parse("off"), None);
    assert_eq!(Period::parse("yearly"), None);
    assert_eq!(Period::Monthly.subject(), "Monthly Report");
    assert_eq!(Period::Weekly.subject(), "Weekly Report");
    assert_eq!(Period::Daily.subject(), "Daily Report");
}

#[test]
fn daily_reports_come_the_next_morning_never_today() {
    // 2026-03-10 is a Tuesday.
    assert_eq!(
        next(Period::Daily, UTC, t(2026, 3, 10, 15, 0), 0),
        t(2026, 3, 11, 9, 0)
    );
    assert_eq!(
        next(Period::Daily, UTC, t(2026, 3, 10, 15, 0), 119),
        t(2026, 3, 11, 10, 59)
    );
    // Before nine in the morning it is still tomorrow's, not today's.
    assert_eq!(
        next(Period::Daily, UTC, t(2026, 3, 10, 5, 0), 30),
        t(2026, 3, 11, 9, 30)
    );
    // Across a year end.
    assert_eq!(
        next(Period::Daily, UTC, t(2026, 12, 31, 23, 59), 0),
        t(2027, 1, 1, 9, 0)
    );
}

#[test]
fn weekly_reports_come_on_the_next_monday() {
    assert_eq!(
        next(Period::Weekly, UTC, t(2026, 3, 10, 15, 0), 5),
        t(2026, 3, 16, 9, 5)
    );
    // On a Monday morning before nine: the Monday after.
    assert_eq!(
        next(Period::Weekly, UTC, t(2026, 3, 9, 8, 0), 0),
        t(2026, 3, 16, 9, 0)
    );
    // On a Sunday: the next day.
    assert_eq!(
        next(Period::Weekly, UTC, t(2026, 3, 15, 20, 0), 0),
        t(2026, 3, 16, 9, 0)
    );
}

#[test]
fn monthly_reports_come_on_the_next_first_across_month_and_year_ends() {
    let cases = [
        (t(2026, 1, 31, 12, 0), t(2026, 2, 1, 9, 0)),
        // February of a common year and of a leap year.
        (t(2026, 2, 28, 12, 0), t(2026, 3, 1, 9, 0)),
        (t(2028, 2, 28, 12, 0), t(2028, 3, 1, 9, 0)),
        (t(2028, 2, 29, 12, 0), t(2028, 3, 1, 9, 0)),
        // 30-day months, and on the 1st itself: the next month's.
        (t(2026, 4, 30, 23, 0), t(2026, 5, 1, 9, 0)),
        (t(2026, 3, 1, 8, 0), t(2026, 4, 1, 9, 0)),
        (t(2026, 12, 15, 0, 0), t(2027, 1, 1, 9, 0)),
    ];
    for (now, want) in cases {
        assert_eq!(next(Period::Monthly, UTC, now, 0), want, "from {now}");
    }
}

#[test]
fn the_date_is_the_readers_not_utcs() {
    // 23:30 UTC on January 31st is already 01:30 on February 1st in Riga (UTC+2):
    // the next daily report is on the 2nd, the next monthly one on March 1st,
    // each at nine in Riga.
    let now = t(2026, 1, 31, 23, 30);
    assert_eq!(next(Period::Daily, Riga, now, 0), t(2026, 2, 2, 7, 0));
    assert_eq!(next(Period::Monthly, Riga, now, 0), t(2026, 3, 1, 7, 0));
    // In UTC the same moment is still January: February 1st is next.
    assert_eq!(next(Period::Monthly, UTC, now, 0), t(2026, 2, 1, 9, 0));
    // New York (UTC−5): 02:00 UTC on Monday is still Sunday evening there.
    let sunday_evening = t(2026, 3, 16, 2, 0);
    assert_eq!(
        next(Period::Weekly, New_York, sunday_evening, 0),
        t(2026, 3, 16, 13, 0)
    );
}

#[test]
fn nine_oclock_follows_clock_changes() {
    // New York moves to summer time on 2026-03-08: nine is 14:00 UTC the day
    // before, 13:00 UTC that day.
    assert_eq!(
        next(Period::Daily, New_York, t(2026, 3, 6, 18, 0), 0),
        t(2026, 3, 7, 14, 0)
    );
    assert_eq!(
        next(Period::Daily, New_York, t(2026, 3, 7, 18, 0), 0),
        t(2026, 3, 8, 13, 0)
    );
    // Berlin changes on 2026-03-29: the Monday after is on summer time (UTC+2).
    assert_eq!(
        next(Period::Weekly, Berlin, t(2026, 3, 25, 12, 0), 0),
        t(2026, 3, 30, 7, 0)
    );
    // And back on 2026-10-25: November 1st is on winter time (UTC+1).
    assert_eq!(
        next(Period::Monthly, Berlin, t(2026, 10, 20, 12, 0), 0),
        t(2026, 11, 1, 8, 0)
    );
}

#[test]
fn wall_times_a_clock_change_skips_or_repeats_are_still_times() {
    let skipped = chrono::NaiveDate::from_ymd_opt(2026, 3, 8)
        .and_then(|d| d.and_hms_opt(2, 30, 0))
        .unwrap_or_default();
    // 02:30 does not exist in New York that night; 03:30 EDT does.
    assert_eq!(local_time(New_York, skipped), t(2026, 3, 8, 7, 30));
    let repeated = chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
        .and_then(|d| d.and_hms_opt(1, 30, 0))
        .unwrap_or_default();
    // 01:30 happens twice; the first (EDT) counts.
    assert_eq!(local_time(New_York, repeated), t(2026, 11, 1, 5, 30));
}

#[test]
fn send_times_spread_over_two_hours() {
    let offsets: Vec<u32> = (0..2000).map(|_| random_offset()).collect();
    assert!(offsets.iter().all(|m| *m < SPREAD_MINUTES));
    // Both ends of the range are reachable (2000 draws out of 120 values).
    assert!(offsets.iter().any(|m| *m < 10) && offsets.iter().any(|m| *m >= 110));
}

#[test]
fn the_two_previous_days_weeks_and_months() {
    let now = t(2026, 3, 10, 15, 0); // a Tuesday
    let spans = |p| previous_periods(p, UTC, now).map(|s| (s.start, s.end));
    assert_eq!(
        spans(Period::Daily),
        [
            (t(2026, 3, 8, 0, 0), t(2026, 3, 9, 0, 0)),
            (t(2026, 3, 9, 0, 0), t(2026, 3, 10, 0, 0))
        ]
    );
    assert_eq!(
        spans(Period::Weekly),
        [
            (t(2026, 2, 23, 0, 0), t(2026, 3, 2, 0, 0)),
            (t(2026, 3, 2, 0, 0), t(2026, 3, 9, 0, 0))
        ]
    );
    assert_eq!(
        spans(Period::Monthly),
        [
            (t(2026, 1, 1, 0, 0), t(2026, 2, 1, 0, 0)),
            (t(2026, 2, 1, 0, 0), t(2026, 3, 1, 0, 0))
        ]
    );
    // A monthly report sent on January 1st covers November and December.
    let jan = previous_periods(Period::Monthly, UTC, t(2027, 1, 1, 9, 0));
    assert_eq!(jan[0].start, t(2026, 11, 1, 0, 0));
    assert_eq!(jan[1].end, t(2027, 1, 1, 0, 0));
}

#[test]
fn periods_are_the_readers_days_with_their_clock_changes() {
    // 23:30 UTC on March 9th is March 10th in Riga: the days before are the 8th
    // and the 9th, starting at 22:00 UTC the evening before.
    let riga = previous_periods(Period::Daily, Riga, t(2026, 3, 9, 23, 30));
    assert_eq!(riga[0].start, t(2026, 3, 7, 22, 0));
    assert_eq!(riga[1].end, t(2026, 3, 9, 22, 0));
    // New York's March 8th has 23 hours.
    let ny = previous_periods(Period::Daily, New_York, t(2026, 3, 9, 16, 0));
    assert_eq!(ny[0].end - ny[0].start, Duration::hours(24));
    assert_eq!(ny[1].end - ny[1].start, Duration::hours(23));
    assert_eq!(ny[1].start, t(2026, 3, 8, 5, 0));
    // Berlin's week of March 23rd has 167 hours; weeks start on Monday there.
    let berlin = previous_periods(Period::Weekly, Berlin, t(2026, 3, 31, 10, 0));
    assert_eq!(berlin[0].start, t(2026, 3, 15, 23, 0));
    assert_eq!(berlin[1].start, t(2026, 3, 22, 23, 0));
    assert_eq!(berlin[1].end, t(2026, 3, 29, 22, 0));
    // A monthly report in Riga on March 1st covers January and February there.
    let months = previous_periods(Period::Monthly, Riga, t(2026, 3, 1, 7, 30));
    assert_eq!(months[0].start, t(2025, 12, 31, 22, 0));
    assert_eq!(months[1].end, t(2026, 2, 28, 22, 0));
}

/// The downtime of the two previous periods, as [`build`] works it out.
fn two(
    period: Period,
    tz: Tz,
    flips: &[(DateTime<Utc>, crate::status::StoredStatus)],
    status: crate::status::StoredStatus,
    now: DateTime<Utc>,
) -> Vec<(i64, u32, bool)> {
    let starts = period_starts(period, tz, now);
    let mut all = downtime::summarize(&starts, flips, status, t(2025, 1, 1, 0, 0), now);
    all.truncate(2);
    all.iter()
        .map(|d| (d.duration.num_minutes(), d.outages, d.no_data))
        .collect()
}

#[test]
fn downtime_is_counted_per_period_and_today_is_left_out() {
    let now = t(2026, 3, 10, 9, 30); // Tuesday
                                     // Down 23:00 Sunday → 01:00 Monday, then down again since 08:00 today.
    let flips = [
        (t(2026, 3, 8, 23, 0), Up),
        (t(2026, 3, 9, 1, 0), Down),
        (t(2026, 3, 10, 8, 0), Up),
    ];
    // By day: Sunday's hour and Monday's hour, one outage each; today's is left
    // out (the day is not over).
    assert_eq!(
        two(Period::Daily, UTC, &flips, Down, now),
        [(60, 1, false), (60, 1, false)]
    );
    // By week: Sunday's hour ends last week; Monday's belongs to this week.
    assert_eq!(
        two(Period::Weekly, UTC, &flips, Down, now),
        [(0, 0, false), (60, 1, false)]
    );
    // By month: all of it in March, the current month; January and February
    // were clean.
    assert_eq!(
        two(Period::Monthly, UTC, &flips, Down, now),
        [(0, 0, false), (0, 0, false)]
    );
    // In Riga (UTC+2) the first outage is 01:00–03:00 on Monday: this week.
    assert_eq!(
        two(Period::Weekly, Riga, &flips, Down, now),
        [(0, 0, false), (0, 0, false)]
    );
    // Back up at 09:30 tomorrow: a week later, the report covers both weeks
    // that saw outages.
    let mut flips = flips.to_vec();
    flips.push((t(2026, 3, 11, 9, 30), Down));
    let later = t(2026, 3, 17, 9, 30);
    assert_eq!(
        two(Period::Weekly, UTC, &flips, Up, later),
        [(60, 1, false), (60 + 25 * 60 + 30, 2, false)]
    );
}

#[test]
fn checks_made_during_a_period_have_no_data_before_it() {
    let now = t(2026, 3, 10, 9, 30);
    let starts = period_starts(Period::Daily, UTC, now);
    let d = downtime::summarize(&starts, &[], Up, t(2026, 3, 9, 12, 0), now);
    assert!(d[0].no_data && !d[1].no_data);
}

fn summary(name: &str, status: Status, downtimes: [(i64, u32, bool); 2]) -> CheckSummary {
    let mut check = Check::new(Some(1), t(2025, 1, 1, 0, 0).naive_utc());
    check.name = name.into();
    CheckSummary {
        check,
        status,
        downtimes: downtimes
            .iter()
            .map(|(minutes, outages, no_data)| Downtime {
                start: t(2026, 3, 1, 0, 0),
                duration: Duration::minutes(*minutes),
                outages: *outages,
                no_data: *no_data,
            })
            .collect(),
    }
}

#[test]
fn totals_add_up_the_checks_that_were_down() {
    let span = Span {
        start: t(2026, 3, 1, 0, 0),
        end: t(2026, 3, 2, 0, 0),
    };
    let report = Report {
        user_id: 1,
        username: "u".into(),
        email: "u@example.org".into(),
        zone: UTC,
        period: Period::Daily,
        spans: [span, span],
        projects: vec![
            ProjectSummary {
                name: "A".into(),
                checks: vec![
                    summary("backups", Status::Down, [(30, 2, false), (0, 0, false)]),
                    summary("web", Status::Up, [(0, 0, false), (90, 1, false)]),
                ],
            },
            ProjectSummary {
                name: "B".into(),
                checks: vec![summary("new", Status::New, [(0, 0, true), (5, 1, false)])],
            },
        ],
    };
    assert_eq!(
        report.totals(0),
        Totals {
            checks: 2,
            checks_down: 1,
            outages: 2,
            duration: Duration::minutes(30)
        }
    );
    assert_eq!(
        report.totals(1),
        Totals {
            checks: 3,
            checks_down: 2,
            outages: 2,
            duration: Duration::minutes(95)
        }
    );
    assert_eq!(report.down_now(), 1);
    assert_eq!(report.checks().count(), 3);
    let mut unnamed = summary("", Status::Up, [(0, 0, false), (0, 0, false)]);
    unnamed.check.code = "0f0f0f0f-aaaa-4bbb-8ccc-000000000000".into();
    assert_eq!(
        unnamed.display_name(),
        "0f0f0f0f-aaaa-4bbb-8ccc-000000000000"
    );
}
