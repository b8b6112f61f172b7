//! From status changes to sent alerts, with nothing lost and nothing sent twice.
//!
//! healthchecks marks a flip processed and then sends, so a daemon that dies in
//! between loses the alert. hc turns each flip into one `pending` notification per
//! channel in the same transaction that marks it processed (a unique index on
//! flip and channel makes a second copy impossible), and then delivers notifications:
//! a daemon claims one with a conditional update and a lease, sends, and records the
//! outcome. A daemon killed mid-send leaves a claim that runs out, and another daemon
//! (or its restart) sends it: only a send in flight at the kill may repeat.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::{Channel, Check, Flip, Notification};
use crate::schema::{channel_checks, channels, checks, flips, notifications};
use crate::{keys, Result};

/// How long a claimed notification stays with the daemon that claimed it.
pub const LEASE: Duration = Duration::minutes(2);
/// Flips turned into notifications per query.
const FLIP_BATCH: i64 = 100;

/// Tries per notification before a transient failure becomes final.
pub const MAX_ATTEMPTS: i32 = 5;

/// How long to wait before try number `attempts + 1`, after `attempts` failed.
pub fn backoff(attempts: i32) -> Duration {
    match attempts {
        ..=1 => Duration::seconds(30),
        2 => Duration::minutes(2),
        3 => Duration::minutes(10),
        _ => Duration::minutes(30),
    }
}

/// Says whether a channel stays silent for a status (its kind, value and the status);
/// such channels get no notification, as in healthchecks.
pub type IsNoop<'a> = &'a dyn Fn(&str, &str, &str) -> bool;

/// Queues notifications for every unprocessed flip; returns how many flips it took.
pub fn queue_flips(conn: &mut DbConn, now: DateTime<Utc>, is_noop: IsNoop) -> Result<usize> {
    let mut taken = 0;
    loop {
        // One transaction per batch, on flips locked as they are read (`SKIP LOCKED`:
        // another daemon's batch is left to it; SQLite admits one writer anyway). A
        // flip's notifications and its "processed" mark commit together.
        let n = conn.write_tx(|conn| -> Result<usize> {
            macro_rules! pending {
                () => {
                    flips::table
                        .filter(flips::processed.is_null())
                        .order(flips::id)
                        .limit(FLIP_BATCH)
                        .select(Flip::as_select())
                };
            }
            let pending: Vec<Flip> = match conn {
                DbConn::Sqlite(c) => pending!().load(c)?,
                DbConn::Postgres(c) => pending!().for_update().skip_locked().load(c)?,
                DbConn::Mysql(c) => pending!().for_update().skip_locked().load(c)?,
            };
            let mut n = 0;
            for flip in &pending {
                n += usize::from(queue_flip(conn, flip, now, is_noop)?);
            }
            // Reminders start and stop with the statuses of the checks people can
            // see: once per project in the batch, not once per flip.
            let check_ids: Vec<i64> = pending.iter().map(|f| f.check_id).collect();
            let mut project_ids: Vec<i64> = checks::table
                .filter(checks::id.eq_any(&check_ids))
                .select(checks::project_id)
                .load::<Option<i64>>(conn)?
                .into_iter()
                .flatten()
                .collect();
            project_ids.sort_unstable();
            project_ids.dedup();
            for project_id in project_ids {
                crate::nags::update_for_project(conn, project_id, now)?;
            }
            Ok(n)
        })?;
        if n == 0 {
            return Ok(taken);
        }
        taken += n;
    }
}

/// Marks one flip processed and queues its notifications; runs inside the caller's
/// transaction. False when another daemon took it first.
fn queue_flip(conn: &mut DbConn, flip: &Flip, now: DateTime<Utc>, is_noop: IsNoop) -> Result<bool> {
    let n = diesel::update(
        flips::table
            .find(flip.id)
            .filter(flips::processed.is_null()),
    )
    .set(flips::processed.eq(Some(now.naive_utc())))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    // The first ping, and resuming by pinging, are not news (spec §3.7).
    let silent = flip.new_status == "up" && matches!(flip.old_status.as_str(), "new" | "paused");
    let alerting = matches!(flip.new_status.as_str(), "up" | "down");
    if silent || !alerting {
        return Ok(true);
    }
    let channels: Vec<(i64, String, String)> = channel_checks::table
        .inner_join(channels::table)
        .filter(channel_checks::check_id.eq(flip.check_id))
        .filter(channels::disabled.eq(false))
        // An e-mail integration gets alerts only once its address is confirmed.
        .filter(
            channels::kind
                .ne("email")
                .or(channels::email_verified.eq(true)),
        )
        .select((channels::id, channels::kind, channels::value))
        .load(conn)?;
    for (channel_id, kind, value) in channels {
        if is_noop(&kind, &value, &flip.new_status) {
            continue;
        }
        let notification = Notification {
            id: 0,
            code: keys::new_uuid(),
            check_id: Some(flip.check_id),
            channel_id,
            flip_id: Some(flip.id),
            check_status: flip.new_status.clone(),
            created: now.naive_utc(),
            status: "pending".into(),
            attempts: 0,
            next_attempt: None,
            claimed_until: None,
            error: String::new(),
        };
        diesel::insert_into(notifications::table)
            .values(&notification)
            .execute(conn)?;
    }
    Ok(true)
}

/// Notifications a daemon may claim at `now`: waiting and due, or claimed by a
/// daemon whose lease ran out. A macro, so that each backend gets the expression.
macro_rules! due {
    ($now:expr) => {
        notifications::status
            .eq("pending")
            .and(
                notifications::next_attempt
                    .is_null()
                    .or(notifications::next_attempt.le($now)),
            )
            .or(notifications::status
                .eq("sending")
                .and(notifications::claimed_until.lt($now)))
    };
}

/// A claimed notification with what sending it needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub notification: Notification,
    pub channel: Channel,
    pub check: Check,
}

/// Claims up to `n` of the oldest notifications waiting to be sent (or whose
/// sender's claim ran out), for `LEASE`, in one transaction. Rows another daemon is
/// claiming at the same moment are skipped (`SKIP LOCKED`; SQLite's write
/// transaction admits one daemon at a time). Empty when there is nothing to send.
pub fn claim_batch(conn: &mut DbConn, now: DateTime<Utc>, n: usize) -> Result<Vec<Claimed>> {
    let naive_now = now.naive_utc();
    let limit = i64::try_from(n).unwrap_or(i64::MAX);
    let (claimed, orphans) = conn.write_tx(|conn| -> Result<(Vec<Claimed>, Vec<Claimed>)> {
        let candidates = notifications::table
            .filter(due!(naive_now))
            .order(notifications::id)
            .limit(limit)
            .select(notifications::id);
        let ids: Vec<i64> = match conn {
            DbConn::Sqlite(c) => candidates.load(c)?,
            DbConn::Postgres(c) => candidates.for_update().skip_locked().load(c)?,
            DbConn::Mysql(c) => candidates.for_update().skip_locked().load(c)?,
        };
        if ids.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        diesel::update(notifications::table.filter(notifications::id.eq_any(&ids)))
            .set((
                notifications::status.eq("sending"),
                notifications::claimed_until.eq(Some((now + LEASE).naive_utc())),
                notifications::attempts.eq(notifications::attempts + 1),
            ))
            .execute(conn)?;
        let taken: Vec<Notification> = notifications::table
            .filter(notifications::id.eq_any(&ids))
            .order(notifications::id)
            .select(Notification::as_select())
            .load(conn)?;
        let channel_ids: Vec<i64> = taken.iter().map(|n| n.channel_id).collect();
        let check_ids: Vec<i64> = taken.iter().filter_map(|n| n.check_id).collect();
        let channels: HashMap<i64, Channel> = channels::table
            .filter(channels::id.eq_any(&channel_ids))
            .select(Channel::as_select())
            .load(conn)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let checks: HashMap<i64, Check> = checks::table
            .filter(checks::id.eq_any(&check_ids))
            .select(Check::as_select())
            .load(conn)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let mut claimed = Vec::with_capacity(taken.len());
        let mut orphans = Vec::new();
        for notification in taken {
            let Some(channel) = channels.get(&notification.channel_id).cloned() else {
                continue; // the channel was deleted, and its notifications with it
            };
            match notification
                .check_id
                .and_then(|id| checks.get(&id))
                .cloned()
            {
                Some(check) => claimed.push(Claimed {
                    notification,
                    channel,
                    check,
                }),
                None => orphans.push(Claimed {
                    notification,
                    channel,
                    check: Check::new(None, naive_now),
                }),
            }
        }
        Ok((claimed, orphans))
    })?;
    if !orphans.is_empty() {
        let done: Vec<Finished> = orphans
            .into_iter()
            .map(|c| Finished {
                notification: c.notification,
                channel: c.channel,
                outcome: Outcome::Failed {
                    error: "the check does not exist any more".into(),
                    retry: false,
                    disable: false,
                },
                took: Duration::zero(),
            })
            .collect();
        finish_batch(conn, &done, now)?;
    }
    Ok(claimed)
}

/// How a send went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    Failed {
        error: String,
        /// Worth another try later (until [`MAX_ATTEMPTS`]).
        retry: bool,
        /// The channel can never work as configured: disable it.
        disable: bool,
    },
}

/// A send that has ended, to be recorded.
#[derive(Debug, Clone)]
pub struct Finished {
    pub notification: Notification,
    pub channel: Channel,
    pub outcome: Outcome,
    pub took: Duration,
}

/// Records how sends went, on each notification and its channel (sent, failed for
/// good, or back in the queue for a later try), in one transaction.
pub fn finish_batch(conn: &mut DbConn, done: &[Finished], now: DateTime<Utc>) -> Result<()> {
    if done.is_empty() {
        return Ok(());
    }
    // Rows are locked in one order (channel, then notification), so that daemons
    // finishing batches side by side cannot deadlock.
    let mut ordered: Vec<&Finished> = done.iter().collect();
    ordered.sort_by_key(|f| (f.channel.id, f.notification.id));
    conn.write_tx(|conn| {
        for item in ordered {
            record(conn, item, now)?;
        }
        Ok(())
    })
}

fn record(conn: &mut DbConn, item: &Finished, now: DateTime<Utc>) -> Result<()> {
    let (status, error, next_attempt, disable) = match &item.outcome {
        Outcome::Sent => ("sent", String::new(), None, false),
        Outcome::Failed {
            error,
            retry,
            disable,
        } => {
            let error: String = error.chars().take(200).collect();
            // `attempts` already counts this try (it is raised when claimed).
            let attempts = item.notification.attempts;
            if *retry && !disable && attempts < MAX_ATTEMPTS {
                let at = now + backoff(attempts);
                ("pending", error, Some(at.naive_utc()), false)
            } else {
                ("failed", error, None, *disable)
            }
        }
    };
    diesel::update(notifications::table.find(item.notification.id))
        .set((
            notifications::status.eq(status),
            notifications::error.eq(&error),
            notifications::next_attempt.eq(next_attempt),
            notifications::claimed_until.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)?;
    diesel::update(channels::table.find(item.channel.id))
        .set((
            channels::last_notify.eq(Some(now.naive_utc())),
            channels::last_notify_duration.eq(item.took.num_microseconds()),
            channels::last_error.eq(&error),
        ))
        .execute(conn)?;
    if disable {
        diesel::update(channels::table.find(item.channel.id))
            .set(channels::disabled.eq(true))
            .execute(conn)?;
    }
    Ok(())
}
