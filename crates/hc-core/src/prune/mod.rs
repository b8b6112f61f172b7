//! Keeping the database small. This module keeps one check's history bounded (spec
//! §1.7): its newest `limit` pings, the notifications since its oldest kept ping, and
//! flips back to the earlier of that ping and 93 days ago (the dashboard's downtime
//! summary needs three months). [`bulk`] holds the operator's prune commands.

pub mod bulk;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::schema::{checks, flips, notifications, pings, profiles, projects};
use crate::Result;

/// Pings kept per check when the owner has no profile.
pub const DEFAULT_PING_LIMIT: i64 = 100;

/// The owner's `ping_log_limit` for a check (demo checks without a project get the default).
pub fn ping_limit(conn: &mut DbConn, check_id: i64) -> Result<i64> {
    let limit: Option<i64> = checks::table
        .inner_join(projects::table)
        .inner_join(profiles::table.on(profiles::user_id.eq(projects::owner_id)))
        .filter(checks::id.eq(check_id))
        .select(profiles::ping_log_limit)
        .first(conn)
        .optional()?;
    Ok(limit.unwrap_or(DEFAULT_PING_LIMIT))
}

/// What was removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub pings: usize,
    pub notifications: usize,
    pub flips: usize,
}

/// Prunes one check whose counter stands at `n_pings`, keeping exactly `limit` pings.
pub fn prune_check(
    conn: &mut DbConn,
    check_id: i64,
    n_pings: i64,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Pruned> {
    let mut pruned = Pruned {
        pings: diesel::delete(
            pings::table
                .filter(pings::check_id.eq(check_id))
                .filter(pings::n.le(n_pings - limit)),
        )
        .execute(conn)?,
        ..Pruned::default()
    };
    let oldest: Option<chrono::NaiveDateTime> = pings::table
        .filter(pings::check_id.eq(check_id))
        .select(diesel::dsl::min(pings::created))
        .first(conn)?;
    if let Some(oldest) = oldest {
        pruned.notifications = diesel::delete(
            notifications::table
                .filter(notifications::check_id.eq(check_id))
                .filter(notifications::created.lt(oldest)),
        )
        .execute(conn)?;
        let flips_before = oldest.min((now - Duration::days(93)).naive_utc());
        pruned.flips = diesel::delete(
            flips::table
                .filter(flips::check_id.eq(check_id))
                .filter(flips::created.lt(flips_before))
                // An old flip still waiting for its alert is not history yet.
                .filter(flips::processed.is_not_null()),
        )
        .execute(conn)?;
    }
    Ok(pruned)
}
