//! Periodic e-mail reports (healthchecks' `sendreports`, spec §3.9 and §3.10): when
//! each person's next daily, weekly or monthly report is due, which two periods it
//! covers in their time zone, how long each check they can see was down in those
//! periods, and claiming a due report so that two daemons never send it twice.
//! The signed unsubscribe link the report carries is in [`unsubscribe`].

pub mod unsubscribe;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
pub use chrono_tz::Tz;
use diesel::prelude::*;
use rand::Rng;

use crate::checks::downtime::{self, Downtime};
use crate::checks::listing::{self, Listed};
use crate::db::DbConn;
use crate::models::{Check, User};
use crate::schema::{checks, profiles, users};
use crate::status::Status;
use crate::Result;

/// How often a person gets a report (`profiles.reports`, other than `off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Daily,
    Weekly,
    Monthly,
}

impl Period {
    /// The profile's `reports` value; `None` for `off` (and anything hc never writes).
    pub fn parse(value: &str) -> Option<Period> {
        match value {
            "daily" => Some(Period::Daily),
            "weekly" => Some(Period::Weekly),
            "monthly" => Some(Period::Monthly),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Daily => "daily",
            Period::Weekly => "weekly",
            Period::Monthly => "monthly",
        }
    }

    /// The e-mail's subject.
    pub fn subject(self) -> &'static str {
        match self {
            Period::Daily => "Daily Report",
            Period::Weekly => "Weekly Report",
            Period::Monthly => "Monthly Report",
        }
    }

    /// "day", "week", "month".
    pub fn noun(self) -> &'static str {
        match self {
            Period::Daily => "day",
            Period::Weekly => "week",
            Period::Monthly => "month",
        }
    }

    /// Is `day` one a report of this period goes out on?
    fn is_report_day(self, day: NaiveDate) -> bool {
        match self {
            Period::Daily => true,
            Period::Weekly => day.weekday() == Weekday::Mon,
            Period::Monthly => day.day() == 1,
        }
    }
}

/// The widest spread of send times, so that reports do not all leave at 09:00.
pub const SPREAD_MINUTES: u32 = 120;

/// A report is only worth sending to someone whose checks got a ping this recently.
pub const ACTIVE_WITHIN: Duration = Duration::days(180);

/// A random offset from 09:00, in minutes: 0 to [`SPREAD_MINUTES`] − 1.
pub fn random_offset() -> u32 {
    rand::thread_rng().gen_range(0..SPREAD_MINUTES)
}

/// healthchecks' `choose_next_report_date`: 09:00 plus `offset_minutes` in `tz`, on
/// the next day (daily), the next Monday (weekly) or the next 1st of a month
/// (monthly) after today in `tz`. Never today, so a report sent late on its day is
/// not followed by a second one the same day.
pub fn choose_next_report_date(
    period: Period,
    tz: Tz,
    now: DateTime<Utc>,
    offset_minutes: u32,
) -> DateTime<Utc> {
    let mut day = now.with_timezone(&tz).date_naive();
    loop {
        let Some(next) = day.succ_opt() else {
            // The end of chrono's calendar: nothing sensible is left to schedule.
            return DateTime::<Utc>::MAX_UTC;
        };
        day = next;
        if period.is_report_day(day) {
            break;
        }
    }
    let nine = day.and_hms_opt(9, 0, 0).unwrap_or_default();
    local_time(tz, nine + Duration::minutes(i64::from(offset_minutes)))
}

/// A wall-clock time in `tz` as an instant: the earlier one when the clock shows it
/// twice, and for a time a clock change skips, the same wall time an hour on (as
/// Python's `zoneinfo` reads it).
fn local_time(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => tz
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc)),
    }
}

/// The first moments, in `tz`, of the period `now` is in and of the two before it,
/// oldest first: days start at midnight, weeks on Monday, months on the 1st.
pub fn period_starts(period: Period, tz: Tz, now: DateTime<Utc>) -> [DateTime<Utc>; 3] {
    let today = now.with_timezone(&tz).date_naive();
    let day_start = |date: NaiveDate| downtime::local_midnight(tz, date);
    match period {
        Period::Daily => [2, 1, 0].map(|n| day_start(today - Duration::days(n))),
        Period::Weekly => {
            let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
            [14, 7, 0].map(|n| day_start(monday - Duration::days(n)))
        }
        Period::Monthly => {
            let starts = downtime::month_starts(now, tz, 3);
            [0, 1, 2].map(|i| starts.get(i).copied().unwrap_or(now))
        }
    }
}

/// A stretch of time a report covers: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The two whole periods before the one `now` is in, oldest first: what a report
/// sent at `now` is about.
pub fn previous_periods(period: Period, tz: Tz, now: DateTime<Utc>) -> [Span; 2] {
    let [a, b, c] = period_starts(period, tz, now);
    [Span { start: a, end: b }, Span { start: b, end: c }]
}

/// One check in a report.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSummary {
    pub check: Check,
    /// The status as the dashboard shows it at the time of the report.
    pub status: Status,
    /// The two previous periods, oldest first.
    pub downtimes: Vec<Downtime>,
}

impl CheckSummary {
    /// The name, or the UUID of an unnamed check (as the dashboard shows it).
    pub fn display_name(&self) -> &str {
        if self.check.name.is_empty() {
            &self.check.code
        } else {
            &self.check.name
        }
    }
}

impl Listed for CheckSummary {
    fn name(&self) -> &str {
        &self.check.name
    }
    fn slug(&self) -> &str {
        &self.check.slug
    }
    fn code(&self) -> &str {
        &self.check.code
    }
    fn tags(&self) -> Vec<&str> {
        self.check.tags_list()
    }
    fn status(&self) -> Status {
        self.status
    }
    fn started(&self) -> bool {
        self.check.last_start.is_some()
    }
    fn created(&self) -> NaiveDateTime {
        self.check.created
    }
    fn last_ping(&self) -> Option<NaiveDateTime> {
        self.check.last_ping
    }
}

/// One project's checks in a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectSummary {
    /// The project's name, or the owner's address for an unnamed one.
    pub name: String,
    pub checks: Vec<CheckSummary>,
}

/// A report to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub user_id: i64,
    pub username: String,
    pub email: String,
    /// The reader's zone, which the periods are in (UTC when theirs is unknown).
    pub zone: Tz,
    pub period: Period,
    /// The two periods covered, oldest first.
    pub spans: [Span; 2],
    pub projects: Vec<ProjectSummary>,
}

/// What happened in one period, over every check of a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub checks: usize,
    /// Checks that were down at some time in the period.
    pub checks_down: usize,
    pub outages: u32,
    pub duration: Duration,
}

impl Report {
    pub fn checks(&self) -> impl Iterator<Item = &CheckSummary> {
        self.projects.iter().flat_map(|p| p.checks.iter())
    }

    /// The totals of period `index` (0 or 1: the older or the newer of the two).
    pub fn totals(&self, index: usize) -> Totals {
        let mut totals = Totals::default();
        for d in self.checks().filter_map(|c| c.downtimes.get(index)) {
            if d.no_data {
                continue;
            }
            totals.checks += 1;
            if d.outages > 0 {
                totals.checks_down += 1;
                totals.outages += d.outages;
                totals.duration += d.duration;
            }
        }
        totals
    }

    /// How many checks are down at the time of the report.
    pub fn down_now(&self) -> usize {
        self.checks().filter(|c| c.status == Status::Down).count()
    }
}

/// A profile due for a report, as read before claiming it.
type DueRow = (i64, i64, String, Option<NaiveDateTime>, String);

/// The next report that is due, claimed, or `Ok(None)` when none is. On the way it
/// schedules the first report of everyone who has none scheduled (no e-mail for
/// them this time), and moves on without a report the date of anyone whose checks
/// got no ping in [`ACTIVE_WITHIN`].
///
/// The claim is a conditional update of `next_report_date` from the value read to
/// the next date: of two daemons that read the same row, only one changes it.
pub fn next_due(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Option<Report>> {
    loop {
        let due: Option<DueRow> = profiles::table
            .filter(profiles::reports.eq_any(["daily", "weekly", "monthly"]))
            .filter(
                profiles::next_report_date
                    .is_null()
                    .or(profiles::next_report_date.lt(now.naive_utc())),
            )
            .order((profiles::next_report_date, profiles::id))
            .select((
                profiles::id,
                profiles::user_id,
                profiles::reports,
                profiles::next_report_date,
                profiles::tz,
            ))
            .first(conn)
            .optional()?;
        let Some((profile_id, user_id, reports, old, tz_name)) = due else {
            return Ok(None);
        };
        let Some(period) = Period::parse(&reports) else {
            continue; // cannot happen: the query asks for these three values
        };
        let tz = crate::schedule::tz::zone(&tz_name).unwrap_or(chrono_tz::UTC);
        let next = choose_next_report_date(period, tz, now, random_offset()).naive_utc();
        let target = profiles::table.find(profile_id);
        let claimed = match old {
            Some(old) => diesel::update(target.filter(profiles::next_report_date.eq(old)))
                .set(profiles::next_report_date.eq(Some(next)))
                .execute(conn)?,
            None => {
                // The first report is only scheduled.
                diesel::update(target.filter(profiles::next_report_date.is_null()))
                    .set(profiles::next_report_date.eq(Some(next)))
                    .execute(conn)?;
                continue;
            }
        };
        if claimed != 1 {
            continue; // another daemon took it
        }
        let Some(user) = users::table
            .find(user_id)
            .select(User::as_select())
            .first(conn)
            .optional()?
        else {
            continue;
        };
        if let Some(report) = build(conn, &user, period, tz, now)? {
            return Ok(Some(report));
        }
        tracing::debug!(user.id = user_id, "no report: no ping in 180 days");
    }
}

/// The report for `user`, or `None` when no check they can see got a ping in
/// [`ACTIVE_WITHIN`].
pub fn build(
    conn: &mut DbConn,
    user: &User,
    period: Period,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Option<Report>> {
    let projects = crate::access::projects_of(conn, user)?;
    let project_ids: Vec<i64> = projects.iter().map(|(p, _)| p.id).collect();
    let last_ping: Option<NaiveDateTime> = checks::table
        .filter(checks::project_id.eq_any(&project_ids))
        .select(diesel::dsl::max(checks::last_ping))
        .first(conn)?;
    if last_ping.is_none_or(|t| crate::time::utc(t) < now - ACTIVE_WITHIN) {
        return Ok(None);
    }
    let sort: String = profiles::table
        .filter(profiles::user_id.eq(user.id))
        .select(profiles::sort)
        .first(conn)
        .optional()?
        .unwrap_or_default();
    let starts = period_starts(period, tz, now);
    let mut summaries = Vec::new();
    for (project, _) in projects {
        let found: Vec<Check> = checks::table
            .filter(checks::project_id.eq(project.id))
            .order(checks::id)
            .select(Check::as_select())
            .load(conn)?;
        let mut checks = Vec::with_capacity(found.len());
        for check in found {
            let mut downtimes = downtime::over_periods(conn, &check, &starts, now)?;
            downtimes.truncate(2);
            checks.push(CheckSummary {
                status: check.status_or_stored(now, false),
                check,
                downtimes,
            });
        }
        if checks.is_empty() {
            continue;
        }
        listing::sort(&mut checks, &sort);
        summaries.push(ProjectSummary {
            name: if project.name.is_empty() {
                user.email.clone()
            } else {
                project.name
            },
            checks,
        });
    }
    Ok(Some(Report {
        user_id: user.id,
        username: user.username.clone(),
        email: user.email.clone(),
        zone: tz,
        period,
        spans: previous_periods(period, tz, now),
        projects: summaries,
    }))
}

#[cfg(test)]
mod tests;
