//! The going-down pass of `sendalerts` (spec §3.6): checks whose `alert_after` has
//! passed are looked at again; those now down are marked down and get a `timeout`
//! flip, which is what later becomes a notification.
//!
//! Checks are examined in batches, each in one transaction on rows read again and
//! locked (`FOR UPDATE SKIP LOCKED`; SQLite's write transaction admits one writer),
//! so several daemons can run side by side without waiting for each other, and a
//! ping that arrives in between (it always moves `alert_after`) wins over the daemon.
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
        let due: Vec<i64> = checks::table
            .filter(checks::alert_after.lt(now.naive_utc()))
            .filter(checks::status.ne(StoredStatus::Down.as_str()))
            .order(checks::alert_after.asc())
            .limit(BATCH)
            .select(checks::id)
            .load(conn)?;
        if due.is_empty() {
            return Ok(report);
        }
        // Every check examined leaves the query's result: it goes down or gets a
        // later alert_after. Checks another daemon holds right now are skipped; when
        // a whole batch is held elsewhere, that daemon is on it, and this pass ends.
        if !examine_batch(conn, &due, now, liveness, &mut report)? {
            return Ok(report);
        }
    }
}

/// What becomes of one overdue check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    /// Down; the flip is dated at this moment (its deadline, moved on by outages).
    Down(DateTime<Utc>),
    /// Not down yet: look again at this moment (or never).
    Reschedule(Option<DateTime<Utc>>),
    /// Past its deadline, but no receiver was alive for part of the wait.
    HoldBack(DateTime<Utc>),
}

fn decide(check: &Check, now: DateTime<Utc>, liveness: Option<&Liveness>) -> Decision {
    let schedule = match check.parsed_schedule() {
        Ok(schedule) => schedule,
        Err(e) => {
            // A schedule that cannot be evaluated must not stop alerts for everyone
            // else: look at this one again in an hour.
            tracing::error!(check.code = %check.code, error = %e, "cannot evaluate schedule");
            return Decision::Reschedule(Some(now + Duration::hours(1)));
        }
    };
    let timing = check.timing(&schedule);
    let deadline = timing.going_down_after();
    if timing.status(now, false) != Status::Down {
        return Decision::Reschedule(deadline);
    }
    let mut flip_time = deadline.unwrap_or(now);
    let waiting_since = check.last_ping.max(check.last_start).map(crate::time::utc);
    if let (Some(live), Some(since)) = (liveness, waiting_since) {
        let lost = live.outage_between(since, now);
        if lost > Duration::zero() {
            flip_time += lost;
            if flip_time > now {
                tracing::info!(check.code = %check.code, lost_s = lost.num_seconds(), "deadline moved on: no ping receiver was alive for part of the wait");
                return Decision::HoldBack(flip_time);
            }
        }
    }
    Decision::Down(flip_time)
}

/// Examines a batch of overdue checks in one transaction, on rows locked as they are
/// read (`FOR UPDATE SKIP LOCKED`; SQLite's write transaction admits one writer), so
/// that a ping or another daemon can never interleave, and nothing waits for a lock
/// another daemon holds. False when every check was held elsewhere.
fn examine_batch(
    conn: &mut DbConn,
    ids: &[i64],
    now: DateTime<Utc>,
    liveness: Option<&Liveness>,
    report: &mut PassReport,
) -> Result<bool> {
    conn.write_tx(|conn| {
        macro_rules! due {
            () => {
                checks::table
                    .filter(checks::id.eq_any(ids))
                    .order(checks::id)
                    .select(Check::as_select())
            };
        }
        let locked: Vec<Check> = match conn {
            DbConn::Sqlite(c) => due!().load(c)?,
            DbConn::Postgres(c) => due!().for_update().skip_locked().load(c)?,
            DbConn::Mysql(c) => due!().for_update().skip_locked().load(c)?,
        };
        if locked.is_empty() {
            return Ok(false);
        }
        let mut down = Vec::new();
        for check in &locked {
            // Read again under the lock: a ping may have come in since.
            let still_due = check.stored_status() != StoredStatus::Down
                && check.alert_after.is_some_and(|at| at < now.naive_utc());
            if !still_due {
                continue;
            }
            let set_alert_after = |conn: &mut DbConn, at: Option<DateTime<Utc>>| {
                diesel::update(checks::table.find(check.id))
                    .set(checks::alert_after.eq(at.map(|t| t.naive_utc())))
                    .execute(conn)
            };
            match decide(check, now, liveness) {
                Decision::Reschedule(at) => {
                    set_alert_after(conn, at)?;
                    report.rescheduled += 1;
                }
                Decision::HoldBack(at) => {
                    set_alert_after(conn, Some(at))?;
                    report.held_back += 1;
                }
                Decision::Down(at) => {
                    tracing::info!(check.code = %check.code, "check goes down");
                    down.push(Flip {
                        id: 0,
                        check_id: check.id,
                        created: at.naive_utc(),
                        processed: None,
                        old_status: check.status.clone(),
                        new_status: StoredStatus::Down.as_str().to_owned(),
                        reason: "timeout".to_owned(),
                    });
                }
            }
        }
        if !down.is_empty() {
            let down_ids: Vec<i64> = down.iter().map(|f| f.check_id).collect();
            diesel::update(checks::table.filter(checks::id.eq_any(&down_ids)))
                .set((
                    checks::status.eq(StoredStatus::Down.as_str()),
                    checks::alert_after.eq(None::<chrono::NaiveDateTime>),
                ))
                .execute(conn)?;
            let insert = diesel::insert_into(flips::table).values(&down);
            match conn {
                DbConn::Sqlite(c) => insert.execute(c)?,
                DbConn::Postgres(c) => insert.execute(c)?,
                DbConn::Mysql(c) => insert.execute(c)?,
            };
            report.went_down += down.len();
        }
        Ok(true)
    })
}
