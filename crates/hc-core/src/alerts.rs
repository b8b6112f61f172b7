//! The going-down pass of `sendalerts` (spec §3.6): checks whose `alert_after` has
//! passed are looked at again; those now down are marked down and get a `timeout`
//! flip, which is what later becomes a notification.
//!
//! Each change is conditional on the row still holding what was read (status and
//! `alert_after`), so several daemons can run side by side, and a ping that arrives
//! in between (it always moves `alert_after`) wins over the daemon.
//!
//! Time in which no ping receiver was alive (see [`crate::outage`]) does not count
//! against a check: its deadline moves on by that much instead of alerting.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::{Check, Flip};
use crate::outage::Liveness;
use crate::schema::{checks, flips};
use crate::status::{Status, StoredStatus};
use crate::Result;

/// How many overdue checks one query fetches.
const BATCH: i64 = 100;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    /// Checks marked down (each with a new flip).
    pub went_down: usize,
    /// Checks not down yet, whose `alert_after` moved on.
    pub rescheduled: usize,
    /// Checks past their deadline that are not alerted because no receiver was
    /// alive for part of the time their ping was due; their deadline moved on.
    pub held_back: usize,
}

/// Marks every overdue check down or reschedules it, until none is left.
/// `liveness` is when receivers were alive (`None`: unknown, or protection off).
pub fn going_down_pass(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    liveness: Option<&Liveness>,
) -> Result<PassReport> {
    let mut report = PassReport::default();
    loop {
        let due: Vec<Check> = checks::table
            .filter(checks::alert_after.lt(now.naive_utc()))
            .filter(checks::status.ne(StoredStatus::Down.as_str()))
            .order(checks::alert_after.asc())
            .limit(BATCH)
            .select(Check::as_select())
            .load(conn)?;
        if due.is_empty() {
            return Ok(report);
        }
        // Every check examined leaves the query's result: it goes down, gets a later
        // alert_after, or was changed by someone else first.
        // On SQLite, one transaction per batch: ten thousand checks going down at
        // once cost a hundred commits, not ten thousand (and SQLite has one writer at
        // a time anyway). Server databases keep one small transaction per check, so
        // that daemons side by side never deadlock on each other's batches.
        let batched = matches!(conn, DbConn::Sqlite(_));
        let mut examine_all = |conn: &mut DbConn| -> Result<()> {
            for check in &due {
                match examine(conn, check, now, liveness)? {
                    Outcome::WentDown => report.went_down += 1,
                    Outcome::Rescheduled => report.rescheduled += 1,
                    Outcome::HeldBack => report.held_back += 1,
                    Outcome::Raced => {}
                }
            }
            Ok(())
        };
        if batched {
            conn.write_tx(examine_all)?;
        } else {
            examine_all(conn)?;
        }
    }
}

enum Outcome {
    WentDown,
    Rescheduled,
    HeldBack,
    Raced,
}

fn examine(
    conn: &mut DbConn,
    check: &Check,
    now: DateTime<Utc>,
    liveness: Option<&Liveness>,
) -> Result<Outcome> {
    let unchanged = checks::table
        .filter(checks::id.eq(check.id))
        .filter(checks::status.eq(&check.status))
        .filter(checks::alert_after.eq(check.alert_after));
    let schedule = match check.parsed_schedule() {
        Ok(schedule) => schedule,
        Err(e) => {
            // A schedule that cannot be evaluated must not stop alerts for everyone
            // else: look at this one again in an hour.
            tracing::error!(check.code = %check.code, error = %e, "cannot evaluate schedule");
            let later = (now + Duration::hours(1)).naive_utc();
            let n = diesel::update(unchanged)
                .set(checks::alert_after.eq(later))
                .execute(conn)?;
            return Ok(if n == 1 {
                Outcome::Rescheduled
            } else {
                Outcome::Raced
            });
        }
    };
    let timing = check.timing(&schedule);
    let deadline = timing.going_down_after();
    if timing.status(now, false) != Status::Down {
        let n = diesel::update(unchanged)
            .set(checks::alert_after.eq(deadline.map(|d| d.naive_utc())))
            .execute(conn)?;
        return Ok(if n == 1 {
            Outcome::Rescheduled
        } else {
            Outcome::Raced
        });
    }
    let mut flip_time = deadline.unwrap_or(now);
    let waiting_since = check.last_ping.max(check.last_start).map(crate::time::utc);
    if let (Some(live), Some(since)) = (liveness, waiting_since) {
        let lost = live.outage_between(since, now);
        if lost > Duration::zero() {
            flip_time += lost;
            if flip_time > now {
                tracing::info!(check.code = %check.code, lost_s = lost.num_seconds(), "deadline moved on: no ping receiver was alive for part of the wait");
                let n = diesel::update(unchanged)
                    .set(checks::alert_after.eq(Some(flip_time.naive_utc())))
                    .execute(conn)?;
                return Ok(if n == 1 {
                    Outcome::HeldBack
                } else {
                    Outcome::Raced
                });
            }
        }
    }
    conn.write_tx(|conn| {
        let n = diesel::update(unchanged)
            .set((
                checks::status.eq(StoredStatus::Down.as_str()),
                checks::alert_after.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(conn)?;
        if n != 1 {
            return Ok(Outcome::Raced);
        }
        let flip = Flip {
            id: 0,
            check_id: check.id,
            created: flip_time.naive_utc(),
            processed: None,
            old_status: check.status.clone(),
            new_status: StoredStatus::Down.as_str().to_owned(),
            reason: "timeout".to_owned(),
        };
        diesel::insert_into(flips::table)
            .values(&flip)
            .execute(conn)?;
        tracing::info!(check.code = %check.code, "check goes down");
        Ok(Outcome::WentDown)
    })
}
