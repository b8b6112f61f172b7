//! hc's own outages. When no ping receiver runs, cron jobs ping into the void, and
//! healthchecks alerts for every one of them once it is back (its issue #664). hc's
//! receivers record a heartbeat every few seconds; `sendalerts` counts the time in
//! which no receiver was alive as not having happened for a check's deadline, and
//! tells the operators, once, while no receiver is alive at all.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::schema::{operator_notices, receiver_heartbeats};
use crate::time::utc;

/// How often a receiver records that it is alive.
pub const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// A receiver counts as alive until this long after its last heartbeat (three missed
/// beats: a busy database may delay one).
pub fn tolerance() -> Duration {
    Duration::seconds(15)
}

/// Records that receiver `code` (started at `started`) is alive at `now`.
pub fn beat(
    conn: &mut DbConn,
    code: &str,
    started: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let n = diesel::update(receiver_heartbeats::table.filter(receiver_heartbeats::code.eq(code)))
        .set(receiver_heartbeats::last_seen.eq(now.naive_utc()))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(receiver_heartbeats::table)
            .values((
                receiver_heartbeats::code.eq(code),
                receiver_heartbeats::started.eq(started.naive_utc()),
                receiver_heartbeats::last_seen.eq(now.naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// When receivers were alive, as far as their heartbeats tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Liveness {
    /// Before the first heartbeat ever recorded nothing is known, so nothing counts
    /// as an outage (an upgrade from a version without heartbeats, say).
    first: DateTime<Utc>,
    /// Sorted, non-overlapping periods in which some receiver was alive.
    alive: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Liveness {
    /// Every receiver session's lifetime; `None` when no receiver ever recorded one.
    pub fn load(conn: &mut DbConn) -> QueryResult<Option<Liveness>> {
        let rows: Vec<(chrono::NaiveDateTime, chrono::NaiveDateTime)> = receiver_heartbeats::table
            .select((receiver_heartbeats::started, receiver_heartbeats::last_seen))
            .load(conn)?;
        Ok(Liveness::from_sessions(
            rows.into_iter().map(|(s, l)| (utc(s), utc(l))).collect(),
        ))
    }

    /// From receiver sessions (started, last heartbeat).
    pub fn from_sessions(mut sessions: Vec<(DateTime<Utc>, DateTime<Utc>)>) -> Option<Liveness> {
        sessions.sort();
        let first = sessions.first()?.0;
        let mut alive: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for (start, last_seen) in sessions {
            let end = last_seen + tolerance();
            match alive.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => alive.push((start, end)),
            }
        }
        Some(Liveness { first, alive })
    }

    /// How long, between `from` and `to`, no receiver was alive.
    pub fn outage_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let from = from.max(self.first);
        if to <= from {
            return Duration::zero();
        }
        let covered = self
            .alive
            .iter()
            .map(|&(start, end)| (end.min(to) - start.max(from)).max(Duration::zero()))
            .fold(Duration::zero(), |sum, d| sum + d);
        (to - from) - covered
    }

    /// Whether some receiver is alive at `t`.
    pub fn alive_at(&self, t: DateTime<Utc>) -> bool {
        self.alive.iter().any(|&(start, end)| start <= t && t < end)
    }

    /// Since when no receiver has been alive, if none is at `now`.
    pub fn down_since(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.alive_at(now) {
            return None;
        }
        Some(
            self.alive
                .iter()
                .map(|&(_, end)| end)
                .filter(|end| *end <= now)
                .max()
                .unwrap_or(self.first),
        )
    }
}

/// Records that the notice `kind` went out; false when some daemon already sent it.
pub fn claim_notice(conn: &mut DbConn, kind: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    conn.write_tx(|conn| {
        let exists: i64 = operator_notices::table
            .filter(operator_notices::kind.eq(kind))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Ok(false);
        }
        // The unique index decides between two daemons that both saw none.
        match diesel::insert_into(operator_notices::table)
            .values((
                operator_notices::kind.eq(kind),
                operator_notices::created.eq(now.naive_utc()),
            ))
            .execute(conn)
        {
            Ok(_) => Ok(true),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => Ok(false),
            Err(e) => Err(e),
        }
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default()
            + Duration::minutes(minutes)
    }

    #[test]
    fn outages_are_the_time_no_session_covers() {
        // Two receivers overlapping from 0 to 30; none from 30 to 90; one from 90 on.
        let live =
            Liveness::from_sessions(vec![(at(0), at(20)), (at(10), at(30)), (at(90), at(200))])
                .unwrap_or_else(|| unreachable!());
        let tol = tolerance();
        assert_eq!(live.outage_between(at(0), at(30)), Duration::zero());
        assert_eq!(
            live.outage_between(at(0), at(100)),
            Duration::minutes(60) - tol
        );
        assert_eq!(live.outage_between(at(40), at(50)), Duration::minutes(10));
        // Before the first heartbeat nothing is known.
        assert_eq!(live.outage_between(at(-100), at(5)), Duration::zero());
        // After the last heartbeat (plus tolerance), time counts as outage.
        assert_eq!(
            live.outage_between(at(190), at(230)),
            Duration::minutes(30) - tol
        );
        assert!(live.alive_at(at(100)));
        assert!(!live.alive_at(at(60)));
        assert_eq!(live.down_since(at(60)), Some(at(30) + tol));
        assert_eq!(live.down_since(at(100)), None);
        assert_eq!(Liveness::from_sessions(vec![]), None);
    }
}
