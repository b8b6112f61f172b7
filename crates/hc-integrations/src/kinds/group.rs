//! Groups (spec §6.2 `group`): one channel that stands for several others of its
//! project, each of which gets its own notification; the group records "N out of M
//! notifications failed" when some did.
//!
//! For real alerts the members' notifications are queued with the group's, in the
//! transaction that takes the flip, those reached only through groups as `held`
//! (`hc_core::delivery` says why). The group's delivery claims its held members,
//! sends them side by side, records each outcome as the daemon does, and tallies
//! the members' notifications of the flip. Repeated after a crash, it finds nothing
//! left to claim and only tallies again. Test notifications have no flip and no
//! queue: the members are sent to at once, each recording its own test
//! notification, as healthchecks does.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use diesel::prelude::*;
use hc_core::delivery::{self, Finished, Outcome};
use hc_core::models::{Channel, Notification};
use hc_core::schema::notifications;

use crate::alert::Senders;
use crate::context::Alert;
use crate::failure::{Failure, Then};
use crate::trial;

/// How the members' notifications went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Every member channel, those silent for the status included (healthchecks'
    /// "M").
    pub members: usize,
    pub failed: usize,
}

impl Tally {
    /// The group's own outcome.
    pub fn outcome(&self) -> Result<(), Failure> {
        if self.failed == 0 {
            Ok(())
        } else {
            Err(Failure::fail(format!(
                "{} out of {} notifications failed",
                self.failed, self.members
            )))
        }
    }
}

fn db_failure(e: impl std::fmt::Display) -> Failure {
    Failure::retry(e.to_string())
}

/// A group's send, boxed: it reaches `alert::send` for each member, whose future
/// holds this one, and a future cannot contain itself unboxed.
pub fn send<'a>(
    senders: &'a Senders,
    alert: &'a Alert,
) -> Pin<Box<dyn Future<Output = Result<(), Failure>> + Send + 'a>> {
    Box::pin(deliver(senders, alert))
}

async fn deliver(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    // A test alert has no status change behind it (see `trial::alert`).
    let Some(flip_id) = alert.flip_id else {
        return test(senders, alert).await;
    };
    let pool = senders.pool.clone();
    let (project_id, value) = (alert.channel.project_id, alert.channel.value.clone());
    let (members, flip_id, claimed) = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(db_failure)?;
        let members = delivery::group_members(&mut conn, project_id, &value).map_err(db_failure)?;
        let ids: Vec<i64> = members.iter().map(|c| c.id).collect();
        let claimed = delivery::claim_held(&mut conn, flip_id, &ids, hc_core::time::now())
            .map_err(db_failure)?;
        Ok((members, flip_id, claimed))
    })
    .await
    .map_err(db_failure)??;
    let sends = claimed.into_iter().filter_map(|notification| {
        let member = members
            .iter()
            .find(|c| c.id == notification.channel_id)?
            .clone();
        Some(send_member(senders, alert, member, notification))
    });
    let done: Vec<Finished> = futures_util::future::join_all(sends).await;
    let pool = senders.pool.clone();
    let ids: Vec<i64> = members.iter().map(|c| c.id).collect();
    let rows = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(db_failure)?;
        let now = hc_core::time::now();
        delivery::finish_batch(&mut conn, &done, now).map_err(db_failure)?;
        notifications::table
            .filter(notifications::flip_id.eq(flip_id))
            .filter(notifications::channel_id.eq_any(&ids))
            .select((
                notifications::status,
                notifications::attempts,
                notifications::error,
            ))
            .load::<(String, i32, String)>(&mut conn)
            .map_err(db_failure)
    })
    .await
    .map_err(db_failure)??;
    count(members.len(), &rows).outcome()
}

/// Sends a claimed member notification, and says how it went as the daemon does.
async fn send_member(
    senders: &Senders,
    alert: &Alert,
    member: Channel,
    notification: Notification,
) -> Finished {
    let started = Instant::now();
    let member_alert = Alert {
        channel: member.clone(),
        ..alert.clone()
    };
    let outcome = match crate::alert::send(senders, &member_alert).await {
        Ok(()) => Outcome::Sent,
        Err(failure) => {
            tracing::warn!(channel.kind = %member.kind, error = %failure, "group member not notified");
            Outcome::Failed {
                error: failure.message,
                retry: failure.then == Then::Retry,
                disable: failure.then == Then::Disable,
            }
        }
    };
    Finished {
        notification,
        channel: member,
        outcome,
        took: chrono::Duration::from_std(started.elapsed()).unwrap_or_default(),
    }
}

/// Tallies member notifications `(status, attempts, error)`: failed for good, or
/// failed once and waiting to be tried again. Those still waiting for their first
/// try, or being sent by another daemon, are not counted.
pub fn count(members: usize, rows: &[(String, i32, String)]) -> Tally {
    let failed = rows
        .iter()
        .filter(|(status, attempts, error)| {
            status == "failed" || (status == "pending" && *attempts > 0 && !error.is_empty())
        })
        .count();
    Tally { members, failed }
}

/// Sends a test alert to every member now, each recorded as its own test
/// notification, and tallies them.
async fn test(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    let pool = senders.pool.clone();
    let (project_id, value) = (alert.channel.project_id, alert.channel.value.clone());
    let members: Vec<Channel> = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(db_failure)?;
        hc_core::delivery::group_members(&mut conn, project_id, &value).map_err(db_failure)
    })
    .await
    .map_err(db_failure)??;
    let status: &'static str = if alert.is_down() { "down" } else { "up" };
    let mut tally = Tally {
        members: members.len(),
        ..Tally::default()
    };
    for member in members {
        if member.disabled || crate::alert::is_noop(&member.kind, &member.value, status) {
            continue;
        }
        let started = Instant::now();
        let result = if member.kind == "email" && !member.email_verified {
            Err(Failure::fail("Email not verified"))
        } else {
            let member_alert = Alert {
                channel: member.clone(),
                ..alert.clone()
            };
            crate::alert::send(senders, &member_alert).await
        };
        tally.failed += usize::from(result.is_err());
        let outcome = trial::Outcome {
            status,
            result,
            took: chrono::Duration::from_std(started.elapsed()).unwrap_or_default(),
        };
        let pool = senders.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(db_failure)?;
            trial::record(&mut conn, &member, &outcome, hc_core::time::now()).map_err(db_failure)
        })
        .await
        .map_err(db_failure)??;
    }
    tally.outcome()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(status: &str, attempts: i32, error: &str) -> (String, i32, String) {
        (status.into(), attempts, error.into())
    }

    #[test]
    fn members_are_tallied_by_their_first_attempt() {
        let rows = [
            row("sent", 1, ""),
            row("failed", 1, "Received status code 400"),
            row("pending", 1, "Received status code 503"),
            row("pending", 0, ""),
            row("sending", 1, ""),
            row("held", 0, ""),
        ];
        assert_eq!(
            count(7, &rows),
            Tally {
                members: 7,
                failed: 2
            }
        );
        assert_eq!(
            count(3, &rows[..3]).outcome(),
            Err(Failure::fail("2 out of 3 notifications failed"))
        );
        assert_eq!(count(2, &[]).outcome(), Ok(()));
    }
}
