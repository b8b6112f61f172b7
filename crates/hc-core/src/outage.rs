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
    pub fn from_sessions(mut sessions: Vec<Session>) -> Option<Liveness> {
        sessions.sort();
        let first = sessions.first()?.0;
        Some(Liveness {
            first,
            alive: alive_periods(sessions)
                .into_iter()
                .map(|p| (p.start, p.end))
                .collect(),
        })
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

/// Sorted sessions as the periods in which some receiver was alive: each session
/// counts until `tolerance()` after its last heartbeat, and sessions that overlap
/// or touch are one period. Each period comes with its latest heartbeat.
fn alive_periods(sorted: Vec<Session>) -> Vec<Period> {
    let mut alive: Vec<Period> = Vec::new();
    for (start, last_seen) in sorted {
        // A clock stepped back can leave a last heartbeat before the start: such a
        // session is a moment, not a period that ends before it begins (which
        // would make the periods depend on how sessions were merged before).
        let end = (last_seen + tolerance()).max(start);
        match alive.last_mut() {
            Some(last) if start <= last.end => {
                last.end = last.end.max(end);
                last.last_seen = last.last_seen.max(last_seen);
            }
            _ => alive.push(Period {
                start,
                end,
                last_seen,
            }),
        }
    }
    alive
}

/// A period in which some receiver was alive, and its latest heartbeat.
struct Period {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    last_seen: DateTime<Utc>,
}

/// A receiver session: when it started, and its last heartbeat.
pub type Session = (DateTime<Utc>, DateTime<Utc>);

/// Sessions whose last heartbeat is older than this are merged by [`compact`].
pub fn compact_after() -> Duration {
    Duration::days(1)
}

/// Sessions as the fewest sessions that [`Liveness::from_sessions`] reads the same:
/// one per alive period, from its start to its latest heartbeat. (A period ends
/// `tolerance()` after that heartbeat, or is a moment at its start, whichever is
/// later; see `alive_periods`.) No merged session ends later than the latest of
/// the sessions it replaces.
pub fn merge_sessions(mut sessions: Vec<Session>) -> Vec<Session> {
    sessions.sort();
    alive_periods(sessions)
        .into_iter()
        .map(|p| (p.start, p.last_seen))
        .collect()
}

/// Every hc-ping start adds a session, and [`Liveness::load`] reads them all: this
/// replaces the sessions that ended over a day ago by their merged alive periods
/// (see [`merge_sessions`]), leaving recent ones alone, so that the table holds one
/// row per old outage-free stretch instead of one per restart. Returns by how many
/// rows the table shrank. Liveness reads the same before and after.
///
/// Two daemons may run it at once: each deletes only rows it read and merged, so
/// nothing is lost; the worst case is two copies of a merged row, which read the
/// same as one and which the next run merges.
pub fn compact(conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<usize> {
    let cutoff = (now - compact_after()).naive_utc();
    // Looked at outside a write transaction first: usually there is nothing to
    // merge, and SQLite's write lock would hold up the receivers' heartbeats.
    if OldSessions::load(conn, cutoff)?.merged_already() {
        return Ok(0);
    }
    conn.write_tx(|conn| {
        let old = OldSessions::load(conn, cutoff)?;
        if old.merged_already() {
            return Ok(0);
        }
        let mut removed = 0;
        for chunk in old.ids.chunks(500) {
            // A session that beat again since it was read is no longer old: its
            // row stays (the merged row covers what it was).
            removed += diesel::delete(
                receiver_heartbeats::table
                    .filter(receiver_heartbeats::id.eq_any(chunk))
                    .filter(receiver_heartbeats::last_seen.lt(cutoff)),
            )
            .execute(conn)?;
        }
        for &(started, last_seen) in &old.merged {
            diesel::insert_into(receiver_heartbeats::table)
                .values((
                    receiver_heartbeats::code.eq(crate::keys::new_uuid()),
                    receiver_heartbeats::started.eq(started.naive_utc()),
                    receiver_heartbeats::last_seen.eq(last_seen.naive_utc()),
                ))
                .execute(conn)?;
        }
        Ok(removed.saturating_sub(old.merged.len()))
    })
}

/// The rows of the sessions whose last heartbeat is before a cut-off, and what
/// they merge into.
struct OldSessions {
    ids: Vec<i64>,
    merged: Vec<Session>,
}

impl OldSessions {
    fn load(conn: &mut DbConn, cutoff: chrono::NaiveDateTime) -> QueryResult<OldSessions> {
        let rows: Vec<(i64, chrono::NaiveDateTime, chrono::NaiveDateTime)> =
            receiver_heartbeats::table
                .filter(receiver_heartbeats::last_seen.lt(cutoff))
                .select((
                    receiver_heartbeats::id,
                    receiver_heartbeats::started,
                    receiver_heartbeats::last_seen,
                ))
                .load(conn)?;
        Ok(OldSessions {
            ids: rows.iter().map(|&(id, _, _)| id).collect(),
            merged: merge_sessions(rows.iter().map(|&(_, s, l)| (utc(s), utc(l))).collect()),
        })
    }

    /// Whether the rows are their own merge (merging never adds rows, and rows it
    /// cannot merge come out as they were).
    fn merged_already(&self) -> bool {
        self.merged.len() == self.ids.len()
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

    #[test]
    fn merging_keeps_one_session_per_alive_period() {
        let tol = tolerance();
        // 0-20 and 10-30 overlap; 30-31 starts within the tolerance after 30; 90-100
        // is apart; a duplicate of 90-100 adds nothing.
        let sessions = vec![
            (at(90), at(100)),
            (at(0), at(20)),
            (at(10), at(30)),
            (at(30) + tol, at(31)),
            (at(90), at(100)),
        ];
        let merged = merge_sessions(sessions.clone());
        assert_eq!(merged, vec![(at(0), at(31)), (at(90), at(100))]);
        assert_eq!(
            Liveness::from_sessions(merged.clone()),
            Liveness::from_sessions(sessions)
        );
        // Merged sessions are merged already.
        assert_eq!(merge_sessions(merged.clone()), merged);
        // One second past the tolerance is a gap of its own.
        let apart = vec![
            (at(0), at(10)),
            (at(10) + tol + Duration::seconds(1), at(12)),
        ];
        assert_eq!(merge_sessions(apart.clone()), apart);
        assert_eq!(merge_sessions(vec![]), vec![]);
    }

    mod compaction {
        use proptest::prelude::*;

        use super::*;

        fn second(s: i64) -> DateTime<Utc> {
            at(0) + Duration::seconds(s)
        }

        /// Sessions in seconds: a start and a length, some negative (a clock that
        /// stepped back between two heartbeats).
        fn sessions() -> impl Strategy<Value = Vec<Session>> {
            prop::collection::vec((0i64..3000, -40i64..400), 0..40).prop_map(|v| {
                v.into_iter()
                    .map(|(start, len)| (second(start), second(start + len)))
                    .collect()
            })
        }

        proptest! {
            /// Replacing the sessions that ended before any cut-off by their merge
            /// (once, twice, or by two daemons at once) reads the same, `first`
            /// heartbeat included.
            #[test]
            fn liveness_is_the_same_after_compaction(
                sessions in sessions(),
                cutoff in 0i64..3500,
                probes in prop::collection::vec(-100i64..3600, 1..8),
            ) {
                let (old, recent): (Vec<Session>, Vec<Session>) =
                    sessions.iter().partition(|s| s.1 < second(cutoff));
                let merged = merge_sessions(old.clone());
                prop_assert!(merged.len() <= old.len());
                prop_assert_eq!(merge_sessions(merged.clone()), merged.clone());
                prop_assert!(merged.iter().all(|s| s.1 < second(cutoff)), "merged rows stay old");
                let before = Liveness::from_sessions(sessions.clone());
                let once = [merged.clone(), recent.clone()].concat();
                let twice = [merged.clone(), merged.clone(), recent.clone()].concat();
                prop_assert_eq!(&Liveness::from_sessions(once), &before);
                prop_assert_eq!(&Liveness::from_sessions(twice), &before);
                // And so does everything read from it.
                let after = Liveness::from_sessions([merged, recent].concat());
                if let (Some(b), Some(a)) = (&before, &after) {
                    for &p in &probes {
                        prop_assert_eq!(b.alive_at(second(p)), a.alive_at(second(p)));
                        prop_assert_eq!(b.down_since(second(p)), a.down_since(second(p)));
                        prop_assert_eq!(
                            b.outage_between(second(p), second(p + 500)),
                            a.outage_between(second(p), second(p + 500))
                        );
                    }
                }
            }
        }
    }
}
