//! From status changes to sent alerts, with nothing lost and nothing sent twice.
//!
//! healthchecks marks a flip processed and then sends, so a daemon that dies in
//! between loses the alert. hc turns each flip into one `pending` notification per
//! channel in the same transaction that marks it processed (a unique index on
//! flip and channel makes a second copy impossible), and then delivers notifications:
//! a daemon claims one with a conditional update and a lease, sends, and records the
//! outcome. A daemon killed mid-send leaves a claim that runs out, and another daemon
//! (or its restart) sends it: only a send in flight at the kill may repeat.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::{Channel, Check, Flip, Notification};
use crate::schema::{channel_checks, channels, checks, flips, notifications};
use crate::{keys, Result};

/// How long a claimed notification stays with the daemon that claimed it.
pub const LEASE: Duration = Duration::minutes(2);
/// How long a group member's notification waits for its group's delivery to send
/// it before the ordinary loop does (see [`expand_groups`]).
pub const HOLD: Duration = Duration::minutes(15);
/// Flips turned into notifications per transaction: a few statements each, whatever
/// the number of flips and channels in it.
const FLIP_BATCH: i64 = 500;
/// Notification rows per multi-row insert (12 columns: well under every backend's
/// limit on bound parameters).
const INSERT_CHUNK: usize = 1000;

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
            let n = queue_batch(conn, &pending, now, is_noop)?;
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

/// Marks a batch of flips processed and queues their notifications, with one
/// statement for the marks, one for the channels and one insert per thousand
/// notifications, inside the caller's transaction. The flips were read under lock
/// (or in SQLite's single write transaction), so every mark must land; if one did
/// not, the batch is rolled back and taken again on the next pass.
fn queue_batch(
    conn: &mut DbConn,
    pending: &[Flip],
    now: DateTime<Utc>,
    is_noop: IsNoop,
) -> Result<usize> {
    if pending.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = pending.iter().map(|f| f.id).collect();
    let marked = diesel::update(
        flips::table
            .filter(flips::id.eq_any(&ids))
            .filter(flips::processed.is_null()),
    )
    .set(flips::processed.eq(Some(now.naive_utc())))
    .execute(conn)?;
    if marked != pending.len() {
        return Err(crate::Error::Conflict(format!(
            "{} of {} flips were taken by another daemon meanwhile",
            pending.len() - marked,
            pending.len()
        )));
    }
    let alerting: Vec<&Flip> = pending.iter().filter(|f| is_alerting(f)).collect();
    let check_ids: Vec<i64> = alerting.iter().map(|f| f.check_id).collect();
    let mut channels_of: HashMap<i64, Vec<(i64, String, String)>> = HashMap::new();
    if !check_ids.is_empty() {
        let rows: Vec<(i64, i64, String, String)> = channel_checks::table
            .inner_join(channels::table)
            .filter(channel_checks::check_id.eq_any(&check_ids))
            .filter(channels::disabled.eq(false))
            // An e-mail integration gets alerts only once its address is confirmed.
            .filter(
                channels::kind
                    .ne("email")
                    .or(channels::email_verified.eq(true)),
            )
            .order((channel_checks::check_id, channels::id))
            .select((
                channel_checks::check_id,
                channels::id,
                channels::kind,
                channels::value,
            ))
            .load(conn)?;
        for (check_id, channel_id, kind, value) in rows {
            channels_of
                .entry(check_id)
                .or_default()
                .push((channel_id, kind, value));
        }
    }
    let held = expand_groups(conn, &mut channels_of)?;
    let mut rows = Vec::new();
    for flip in alerting {
        for (channel_id, kind, value) in channels_of.get(&flip.check_id).into_iter().flatten() {
            if is_noop(kind, value, &flip.new_status) {
                continue;
            }
            rows.push(Notification {
                id: 0,
                code: keys::new_uuid(),
                check_id: Some(flip.check_id),
                channel_id: *channel_id,
                flip_id: Some(flip.id),
                check_status: flip.new_status.clone(),
                created: now.naive_utc(),
                status: if held.contains(&(flip.check_id, *channel_id)) {
                    "held"
                } else {
                    "pending"
                }
                .into(),
                attempts: 0,
                next_attempt: None,
                claimed_until: None,
                error: String::new(),
            });
        }
    }
    for chunk in rows.chunks(INSERT_CHUNK) {
        // Every backend has multi-row inserts, but the multi-connection does not offer them.
        let insert = diesel::insert_into(notifications::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
            DbConn::Mysql(c) => insert.execute(c)?,
        };
    }
    Ok(pending.len())
}

/// Whether a flip is news for the channels. The first ping, and resuming by
/// pinging, are not (spec §3.7); only up and down alert.
fn is_alerting(flip: &Flip) -> bool {
    let silent = flip.new_status == "up" && matches!(flip.old_status.as_str(), "new" | "paused");
    let alerting = matches!(flip.new_status.as_str(), "up" | "down");
    alerting && !silent
}

/// A group channel stands for its members (spec §6.2 `group`): each member gets a
/// notification of its own, queued here as if it were attached to the check (so a
/// disabled member, or an e-mail member not yet confirmed, gets none), and at most
/// one per flip even when it is also attached directly or through a second group.
///
/// Queued in the transaction that marks the flip processed, each member is sent
/// once, even across crashes: healthchecks' way, sending members from inside the
/// group's own delivery, would send them all again whenever that delivery was
/// retried. A member reached only through groups is queued `held`: the ordinary
/// loop leaves it to the group's delivery, which claims it ([`claim_held`]), sends
/// it and records it like any other, and so can tell how many of its members
/// failed. A held notification whose group never came for it (the group was
/// deleted, say) is sent by the ordinary loop after [`HOLD`].
///
/// Returns the (check, channel) pairs to hold.
fn expand_groups(
    conn: &mut DbConn,
    channels_of: &mut HashMap<i64, Vec<(i64, String, String)>>,
) -> Result<HashSet<(i64, i64)>> {
    let mut held = HashSet::new();
    let mut group_ids: Vec<i64> = channels_of
        .values()
        .flatten()
        .filter(|(_, kind, _)| kind == "group")
        .map(|(id, _, _)| *id)
        .collect();
    if group_ids.is_empty() {
        return Ok(held);
    }
    group_ids.sort_unstable();
    group_ids.dedup();
    let groups: Vec<(i64, i64, String)> = channels::table
        .filter(channels::id.eq_any(&group_ids))
        .select((channels::id, channels::project_id, channels::value))
        .load(conn)?;
    let mut members_of: HashMap<i64, Vec<(i64, String, String)>> = HashMap::new();
    for (group_id, project_id, value) in groups {
        let members = group_members(conn, project_id, &value)?
            .into_iter()
            .filter(|c| !c.disabled && (c.kind != "email" || c.email_verified))
            .map(|c| (c.id, c.kind, c.value))
            .collect();
        members_of.insert(group_id, members);
    }
    for (check_id, list) in channels_of.iter_mut() {
        let (groups, mut targets): (Vec<_>, Vec<_>) = std::mem::take(list)
            .into_iter()
            .partition(|(_, kind, _)| kind == "group");
        for (group_id, _, _) in &groups {
            for member in members_of.get(group_id).into_iter().flatten() {
                if !targets.iter().any(|(id, _, _)| *id == member.0) {
                    held.insert((*check_id, member.0));
                    targets.push(member.clone());
                }
            }
        }
        targets.extend(groups);
        *list = targets;
    }
    Ok(held)
}

/// Claims the held notifications of a flip for these member channels (see
/// [`expand_groups`]), for [`LEASE`], as [`claim_batch`] claims: each goes to one
/// claimer only, and one whose claimer dies is sent again by the ordinary loop.
pub fn claim_held(
    conn: &mut DbConn,
    flip_id: i64,
    channel_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<Vec<Notification>> {
    if channel_ids.is_empty() {
        return Ok(Vec::new());
    }
    conn.write_tx(|conn| {
        let candidates = notifications::table
            .filter(notifications::flip_id.eq(flip_id))
            .filter(notifications::channel_id.eq_any(channel_ids))
            .filter(notifications::status.eq("held"))
            .order(notifications::id)
            .select(notifications::id);
        let ids: Vec<i64> = match conn {
            DbConn::Sqlite(c) => candidates.load(c)?,
            DbConn::Postgres(c) => candidates.for_update().skip_locked().load(c)?,
            DbConn::Mysql(c) => candidates.for_update().skip_locked().load(c)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        take(conn, &ids, now)
    })
}

/// Marks notifications `sending` under this daemon's lease, counting the try, and
/// reads them back; inside the claimer's transaction, on rows it has locked.
fn take(conn: &mut DbConn, ids: &[i64], now: DateTime<Utc>) -> Result<Vec<Notification>> {
    diesel::update(notifications::table.filter(notifications::id.eq_any(ids)))
        .set((
            notifications::status.eq("sending"),
            notifications::claimed_until.eq(Some((now + LEASE).naive_utc())),
            notifications::attempts.eq(notifications::attempts + 1),
        ))
        .execute(conn)?;
    Ok(notifications::table
        .filter(notifications::id.eq_any(ids))
        .order(notifications::id)
        .select(Notification::as_select())
        .load(conn)?)
}

/// The channels a group stands for: those of its project whose codes its value
/// lists (comma-separated), in the order they were made. Other projects' channels
/// are ignored, as are groups, so groups never nest (and never loop).
pub fn group_members(conn: &mut DbConn, project_id: i64, value: &str) -> Result<Vec<Channel>> {
    let codes: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(channels::table
        .filter(channels::project_id.eq(project_id))
        .filter(channels::code.eq_any(&codes))
        .filter(channels::kind.ne("group"))
        .order(channels::id)
        .select(Channel::as_select())
        .load(conn)?)
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
            .or(notifications::status
                .eq("held")
                .and(notifications::created.lt($now - HOLD)))
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
        let taken = take(conn, &ids, now)?;
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
/// good, or back in the queue for a later try), in one transaction: one statement
/// per distinct outcome and one per channel, however many notifications ended.
pub fn finish_batch(conn: &mut DbConn, done: &[Finished], now: DateTime<Utc>) -> Result<()> {
    if done.is_empty() {
        return Ok(());
    }
    // Notifications that ended alike are updated together.
    let mut outcomes: HashMap<Recorded, Vec<i64>> = HashMap::new();
    // Each channel shows its latest send (the last to end in this batch).
    let mut latest: HashMap<i64, (&Finished, Recorded)> = HashMap::new();
    let mut disabled = Vec::new();
    for item in done {
        let recorded = Recorded::of(item, now);
        if recorded.disable {
            disabled.push(item.channel.id);
        }
        outcomes
            .entry(recorded.clone())
            .or_default()
            .push(item.notification.id);
        latest.insert(item.channel.id, (item, recorded));
    }
    // Rows are locked in one order (channels by id, then notifications by id), so
    // that daemons finishing batches side by side cannot deadlock.
    let mut channels_done: Vec<(&Finished, Recorded)> = latest.into_values().collect();
    channels_done.sort_by_key(|(item, _)| item.channel.id);
    let mut groups: Vec<(Recorded, Vec<i64>)> = outcomes.into_iter().collect();
    for (_, ids) in &mut groups {
        ids.sort_unstable();
    }
    groups.sort_by_key(|(_, ids)| ids[0]);
    conn.write_tx(|conn| {
        for (item, recorded) in &channels_done {
            diesel::update(channels::table.find(item.channel.id))
                .set((
                    channels::last_notify.eq(Some(now.naive_utc())),
                    channels::last_notify_duration.eq(item.took.num_microseconds()),
                    channels::last_error.eq(&recorded.error),
                ))
                .execute(conn)?;
        }
        if !disabled.is_empty() {
            diesel::update(channels::table.filter(channels::id.eq_any(&disabled)))
                .set(channels::disabled.eq(true))
                .execute(conn)?;
        }
        for (recorded, ids) in &groups {
            diesel::update(notifications::table.filter(notifications::id.eq_any(ids)))
                .set((
                    notifications::status.eq(recorded.status),
                    notifications::error.eq(&recorded.error),
                    notifications::next_attempt.eq(recorded.next_attempt),
                    notifications::claimed_until.eq(None::<chrono::NaiveDateTime>),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// What is written back for one ended send.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Recorded {
    status: &'static str,
    error: String,
    next_attempt: Option<chrono::NaiveDateTime>,
    disable: bool,
}

impl Recorded {
    fn of(item: &Finished, now: DateTime<Utc>) -> Recorded {
        match &item.outcome {
            Outcome::Sent => Recorded {
                status: "sent",
                error: String::new(),
                next_attempt: None,
                disable: false,
            },
            Outcome::Failed {
                error,
                retry,
                disable,
            } => {
                let error: String = error.chars().take(200).collect();
                // `attempts` already counts this try (it is raised when claimed).
                let attempts = item.notification.attempts;
                if *retry && !disable && attempts < MAX_ATTEMPTS {
                    Recorded {
                        status: "pending",
                        error,
                        next_attempt: Some((now + backoff(attempts)).naive_utc()),
                        disable: false,
                    }
                } else {
                    Recorded {
                        status: "failed",
                        error,
                        next_attempt: None,
                        disable: *disable,
                    }
                }
            }
        }
    }
}
