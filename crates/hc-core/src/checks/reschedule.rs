//! A schedule changed in the dashboard's dialogs (spec §7.3 `/checks/<uuid>/timeout/`):
//! applied the way the API applies a new period or expression, and a check that is up
//! but already past its new deadline put down at once, quietly (spec §3.7: the flip is
//! stored processed, so nobody is alerted about a change they just made themselves),
//! with the reminders of the project's people brought up to date.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::{lock, save, By, CheckUpdate};
use crate::db::DbConn;
use crate::models::{Check, Flip};
use crate::schedule::dialog::ScheduleChange;
use crate::schema::flips;
use crate::status::StoredStatus;

/// The API's update that carries the same change (period or expression, zone, grace).
pub fn update_of(change: &ScheduleChange) -> CheckUpdate {
    match change {
        ScheduleChange::Simple { timeout, grace } => CheckUpdate {
            timeout: Some(*timeout),
            grace: Some(*grace),
            ..CheckUpdate::default()
        },
        ScheduleChange::Cron {
            schedule,
            tz,
            grace,
        }
        | ScheduleChange::OnCalendar {
            schedule,
            tz,
            grace,
        } => CheckUpdate {
            schedule: Some(schedule.clone()),
            tz: Some(tz.clone()),
            grace: Some(*grace),
            ..CheckUpdate::default()
        },
    }
}

/// Applies `change` to `check` and recomputes `alert_after`. When the check is up and
/// the new deadline has already passed, it goes down here, as `sendalerts` would put
/// it, and the returned flip (already processed) records that.
pub fn apply(check: &mut Check, change: &ScheduleChange, now: DateTime<Utc>) -> Option<Flip> {
    update_of(change).apply(check, false);
    // The API derives the kind from the expression; the dialog says which it is, and
    // its validation makes the two agree (five cron fields, at most four OnCalendar).
    check.kind = change.kind().as_str().to_owned();
    let overdue = check.alert_after.is_some_and(|at| at < now.naive_utc());
    if check.stored_status() != StoredStatus::Up || !overdue {
        return None;
    }
    let flip = Flip {
        id: 0,
        check_id: check.id,
        created: now.naive_utc(),
        processed: Some(now.naive_utc()),
        old_status: check.status.clone(),
        new_status: StoredStatus::Down.as_str().to_owned(),
        reason: String::new(),
    };
    check.status = StoredStatus::Down.as_str().to_owned();
    check.alert_after = None;
    Some(flip)
}

/// Changes a check's schedule in one write transaction on its locked row. `None` when
/// the check is gone.
pub fn reschedule(
    conn: &mut DbConn,
    check_id: i64,
    change: &ScheduleChange,
    now: DateTime<Utc>,
) -> QueryResult<Option<Check>> {
    conn.write_tx(|conn| {
        let Some(mut check) = lock(conn, By::Id(check_id))? else {
            return Ok(None);
        };
        let flip = apply(&mut check, change, now);
        save(conn, &check)?;
        if let Some(flip) = flip {
            diesel::insert_into(flips::table)
                .values(&flip)
                .execute(conn)?;
            if let Some(project_id) = check.project_id {
                crate::nags::update_for_project(conn, project_id, now)?;
            }
        }
        Ok(Some(check))
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 26, 12, 0, 0).unwrap()
    }

    /// An up check pinged two hours ago, period 1 day, grace 1 hour.
    fn up_check() -> Check {
        let mut check = Check::new(Some(1), (now() - Duration::days(10)).naive_utc());
        check.id = 7;
        check.status = "up".into();
        check.last_ping = Some((now() - Duration::hours(2)).naive_utc());
        check.alert_after = check.going_down_after().unwrap().map(|t| t.naive_utc());
        check
    }

    fn simple(timeout: i64, grace: i64) -> ScheduleChange {
        ScheduleChange::Simple { timeout, grace }
    }

    #[test]
    fn a_later_deadline_keeps_the_check_up() {
        let mut check = up_check();
        assert_eq!(apply(&mut check, &simple(3 * 3600, 60), now()), None);
        assert_eq!(check.status, "up");
        assert_eq!(check.timeout, 3 * 3600);
        assert_eq!(check.grace, 60);
        assert_eq!(
            check.alert_after,
            Some((now() + Duration::hours(1) + Duration::minutes(1)).naive_utc())
        );
    }

    #[test]
    fn a_deadline_already_past_puts_the_check_down_quietly() {
        let mut check = up_check();
        let flip = apply(&mut check, &simple(3600, 60), now()).unwrap();
        assert_eq!(check.status, "down");
        assert_eq!(check.alert_after, None);
        assert_eq!(
            (
                flip.check_id,
                flip.old_status.as_str(),
                flip.new_status.as_str()
            ),
            (7, "up", "down")
        );
        assert_eq!(flip.processed, Some(now().naive_utc()), "no alert is sent");
        assert_eq!(flip.reason, "");
    }

    #[test]
    fn only_up_checks_flip() {
        for status in ["new", "down", "paused"] {
            let mut check = up_check();
            check.status = status.into();
            assert_eq!(apply(&mut check, &simple(60, 60), now()), None, "{status}");
            assert_eq!(check.status, status);
        }
    }

    #[test]
    fn expressions_set_kind_schedule_and_zone_but_keep_the_period() {
        let mut check = up_check();
        let change = ScheduleChange::Cron {
            schedule: "0 3 * * 1-5".into(),
            tz: "Europe/Riga".into(),
            grace: 600,
        };
        assert_eq!(apply(&mut check, &change, now()), None);
        assert_eq!(
            (
                check.kind.as_str(),
                check.schedule.as_str(),
                check.tz.as_str()
            ),
            ("cron", "0 3 * * 1-5", "Europe/Riga")
        );
        assert_eq!((check.timeout, check.grace), (86_400, 600));
        // Friday 03:00 in Riga (EET, UTC+2) plus 10 minutes of grace.
        assert_eq!(
            check.alert_after,
            Some(
                Utc.with_ymd_and_hms(2026, 3, 27, 1, 10, 0)
                    .unwrap()
                    .naive_utc()
            )
        );
        let change = ScheduleChange::OnCalendar {
            schedule: "Mon..Fri 09:00\nSat 12:00".into(),
            tz: "UTC".into(),
            grace: 60,
        };
        apply(&mut check, &change, now());
        assert_eq!(check.kind, "oncalendar");
        assert_eq!(check.schedule, "Mon..Fri 09:00\nSat 12:00");
        let back = simple(7200, 120);
        apply(&mut check, &back, now());
        assert_eq!((check.kind.as_str(), check.timeout), ("simple", 7200));
        assert_eq!(
            check.schedule, "Mon..Fri 09:00\nSat 12:00",
            "kept for later"
        );
    }
}
