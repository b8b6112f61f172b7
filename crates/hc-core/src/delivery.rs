//! From status changes to sent alerts, with nothing lost and nothing sent twice.
//!
//! healthchecks marks a flip processed and then sends, so a daemon that dies in
//! between loses the alert. hc turns each flip into one `pending` notification per
//! channel in the same transaction that marks it processed (a unique index on
//! flip and channel makes a second copy impossible), and then delivers notifications:
//! a daemon claims one with a conditional update and a lease, sends, and records the
//! outcome. A daemon killed mid-send leaves a claim that runs out, and another daemon
//! (or its restart) sends it: only a send in flight at the kill may repeat.

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
        let pending: Vec<Flip> = flips::table
            .filter(flips::processed.is_null())
            .order(flips::id)
            .limit(FLIP_BATCH)
            .select(Flip::as_select())
            .load(conn)?;
        if pending.is_empty() {
            return Ok(taken);
        }
        for flip in &pending {
            if queue_flip(conn, flip, now, is_noop)? {
                taken += 1;
            }
        }
    }
}

/// Marks one flip processed and queues its notifications, atomically. False when
/// another daemon took it first.
fn queue_flip(conn: &mut DbConn, flip: &Flip, now: DateTime<Utc>, is_noop: IsNoop) -> Result<bool> {
    conn.write_tx(|conn| {
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
        let silent =
            flip.new_status == "up" && matches!(flip.old_status.as_str(), "new" | "paused");
        let alerting = matches!(flip.new_status.as_str(), "up" | "down");
        if silent || !alerting {
            return Ok(true);
        }
        let channels: Vec<(i64, String, String)> = channel_checks::table
            .inner_join(channels::table)
            .filter(channel_checks::check_id.eq(flip.check_id))
            .filter(channels::disabled.eq(false))
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
    })
}

/// Notifications a daemon may claim at `now`: waiting and due, or claimed by a
/// daemon whose lease ran out.
fn due(
    now: chrono::NaiveDateTime,
) -> Box<
    dyn BoxableExpression<
        notifications::table,
        <DbConn as diesel::Connection>::Backend,
        SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
    >,
> {
    Box::new(
        notifications::status
            .eq("pending")
            .and(
                notifications::next_attempt
                    .is_null()
                    .or(notifications::next_attempt.le(now)),
            )
            .or(notifications::status
                .eq("sending")
                .and(notifications::claimed_until.lt(now))),
    )
}

/// A claimed notification with what sending it needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub notification: Notification,
    pub channel: Channel,
    pub check: Check,
}

/// Claims the oldest notification waiting to be sent (or whose sender's claim ran
/// out), for `LEASE`. `None` when there is nothing to send.
pub fn claim(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Option<Claimed>> {
    let naive_now = now.naive_utc();
    loop {
        let candidates: Vec<i64> = notifications::table
            .filter(due(naive_now))
            .order(notifications::id)
            .limit(10)
            .select(notifications::id)
            .load(conn)?;
        if candidates.is_empty() {
            return Ok(None);
        }
        for id in candidates {
            let claimable = notifications::table.find(id).filter(due(naive_now));
            let n = diesel::update(claimable)
                .set((
                    notifications::status.eq("sending"),
                    notifications::claimed_until.eq(Some((now + LEASE).naive_utc())),
                    notifications::attempts.eq(notifications::attempts + 1),
                ))
                .execute(conn)?;
            if n != 1 {
                continue; // another daemon claimed it
            }
            let notification: Notification = notifications::table
                .find(id)
                .select(Notification::as_select())
                .first(conn)?;
            let channel: Channel = channels::table
                .find(notification.channel_id)
                .select(Channel::as_select())
                .first(conn)?;
            let Some(check_id) = notification.check_id else {
                finish(
                    conn,
                    &notification,
                    &channel,
                    Outcome::Failed {
                        error: "the check does not exist any more".into(),
                        retry: false,
                        disable: false,
                    },
                    Duration::zero(),
                    now,
                )?;
                continue;
            };
            let check: Check = checks::table
                .find(check_id)
                .select(Check::as_select())
                .first(conn)?;
            return Ok(Some(Claimed {
                notification,
                channel,
                check,
            }));
        }
    }
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

/// Records how a send went, on the notification and on its channel: sent, failed for
/// good, or back in the queue for a later try.
pub fn finish(
    conn: &mut DbConn,
    notification: &Notification,
    channel: &Channel,
    outcome: Outcome,
    took: Duration,
    now: DateTime<Utc>,
) -> Result<()> {
    let (status, error, next_attempt, disable) = match outcome {
        Outcome::Sent => ("sent", String::new(), None, false),
        Outcome::Failed {
            error,
            retry,
            disable,
        } => {
            let error: String = error.chars().take(200).collect();
            // `attempts` already counts this try (it is raised when claimed).
            if retry && !disable && notification.attempts < MAX_ATTEMPTS {
                let at = now + backoff(notification.attempts);
                ("pending", error, Some(at.naive_utc()), false)
            } else {
                ("failed", error, None, disable)
            }
        }
    };
    conn.write_tx(|conn| {
        diesel::update(notifications::table.find(notification.id))
            .set((
                notifications::status.eq(status),
                notifications::error.eq(&error),
                notifications::next_attempt.eq(next_attempt),
                notifications::claimed_until.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(conn)?;
        diesel::update(channels::table.find(channel.id))
            .set((
                channels::last_notify.eq(Some(now.naive_utc())),
                channels::last_notify_duration.eq(took.num_microseconds()),
                channels::last_error.eq(&error),
            ))
            .execute(conn)?;
        if disable {
            diesel::update(channels::table.find(channel.id))
                .set(channels::disabled.eq(true))
                .execute(conn)?;
        }
        Ok(())
    })
}
