//! Receiver heartbeats on the backend under test: compaction merges old sessions
//! without changing what they say about hc's own outages.

use chrono::{DateTime, Duration, TimeZone, Utc};
use diesel::prelude::*;
use hc_core::db::DbConn;
use hc_core::outage::{self, Liveness};
use hc_core::schema::receiver_heartbeats;

/// A fixed "now", in whole seconds so every backend stores it exactly.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

/// A receiver session from `from` to `to` before now, written as hc-ping writes
/// it (a first beat at its start, then one at its end).
fn session(conn: &mut DbConn, code: &str, from: Duration, to: Duration) {
    let started = now() - from;
    outage::beat(conn, code, started, started).unwrap();
    outage::beat(conn, code, started, now() - to).unwrap();
}

/// Every row: (id, code, started, last_seen), by id.
fn rows(conn: &mut DbConn) -> Vec<(i64, String, DateTime<Utc>, DateTime<Utc>)> {
    receiver_heartbeats::table
        .order(receiver_heartbeats::id)
        .select((
            receiver_heartbeats::id,
            receiver_heartbeats::code,
            receiver_heartbeats::started,
            receiver_heartbeats::last_seen,
        ))
        .load::<(i64, String, chrono::NaiveDateTime, chrono::NaiveDateTime)>(conn)
        .unwrap()
        .into_iter()
        .map(|(id, code, s, l)| (id, code, hc_core::time::utc(s), hc_core::time::utc(l)))
        .collect()
}

fn days(d: i64) -> Duration {
    Duration::days(d)
}

fn hours(h: i64) -> Duration {
    Duration::hours(h)
}

#[test]
fn old_sessions_become_their_alive_periods_and_recent_ones_stay() {
    let (_db, pool) = crate::migrated();
    let conn = &mut pool.get().unwrap();
    // Ten days ago: three overlapping restarts, then a gap. Five days ago: two
    // more, back to back within the tolerance. Then the recent ones: one that
    // ended two hours ago, and the one running now.
    session(conn, "a", days(10), days(9));
    session(conn, "b", days(9) + hours(1), days(8));
    session(conn, "c", days(8) + hours(2), days(7));
    session(conn, "d", days(5), days(4));
    session(
        conn,
        "e",
        days(4) - outage::tolerance(),
        days(3) + Duration::seconds(1),
    );
    session(conn, "recent", days(3), hours(2));
    session(conn, "now", hours(1), Duration::zero());
    let before = Liveness::load(conn).unwrap();
    assert!(before.is_some());
    let recent: Vec<_> = rows(conn)
        .into_iter()
        .filter(|r| r.1 == "recent" || r.1 == "now")
        .collect();

    assert_eq!(
        outage::compact(conn, now()).unwrap(),
        3,
        "five rows became two"
    );
    assert_eq!(Liveness::load(conn).unwrap(), before);
    let after = rows(conn);
    assert_eq!(after.len(), 4);
    let merged: Vec<_> = after
        .iter()
        .filter(|r| !["recent", "now"].contains(&r.1.as_str()))
        .map(|r| (r.2, r.3))
        .collect();
    assert_eq!(
        merged,
        vec![
            (now() - days(10), now() - days(7)),
            (now() - days(5), now() - days(3) - Duration::seconds(1)),
        ]
    );
    // Recent sessions are untouched: same rows, same codes, same times.
    let kept: Vec<_> = after
        .iter()
        .filter(|r| r.1 == "recent" || r.1 == "now")
        .cloned()
        .collect();
    assert_eq!(kept, recent);

    // Nothing more to do: nothing is written.
    assert_eq!(outage::compact(conn, now()).unwrap(), 0);
    assert_eq!(rows(conn), after);
    // The running receiver's heartbeats still land on its own row.
    outage::beat(conn, "now", now() - hours(1), now() + Duration::seconds(5)).unwrap();
    assert_eq!(rows(conn).len(), 4);

    // A day later the "recent" session is old too, and joins the period it
    // overlaps; the first heartbeat ever is still ten days before.
    let later = now() + days(1);
    assert_eq!(outage::compact(conn, later).unwrap(), 1);
    let live = Liveness::load(conn).unwrap().unwrap();
    assert_eq!(
        live.outage_between(now() - days(11), now() - days(9)),
        Duration::zero(),
        "nothing known before the first heartbeat; alive after it"
    );
    assert_eq!(
        live.outage_between(now() - days(7), now() - days(5)),
        days(2) - outage::tolerance()
    );
    assert_eq!(rows(conn).len(), 3);
}

/// Two daemons compacting at once: nothing is lost, at worst a merged row is
/// written twice, and the next run merges the copies.
#[test]
fn two_daemons_compacting_at_once_change_nothing_that_matters() {
    let (_db, pool) = crate::migrated();
    let conn = &mut pool.get().unwrap();
    // Sixty old restarts in three outage-free stretches, and one recent session.
    for i in 0..60 {
        let stretch = i / 20;
        let from = days(30 - 5 * stretch) - hours(i % 20);
        session(conn, &format!("old-{i}"), from, from - hours(2));
    }
    session(conn, "now", hours(1), Duration::zero());
    let before = Liveness::load(conn).unwrap();
    let barrier = std::sync::Barrier::new(2);
    std::thread::scope(|s| {
        for _ in 0..2 {
            let (pool, barrier) = (pool.clone(), &barrier);
            s.spawn(move || {
                let conn = &mut pool.get().unwrap();
                barrier.wait();
                outage::compact(conn, now()).unwrap();
            });
        }
    });
    assert_eq!(Liveness::load(conn).unwrap(), before);
    let n = rows(conn).len();
    assert!(
        (4..=7).contains(&n),
        "three merged rows (maybe twice) and the recent one: {n}"
    );
    outage::compact(conn, now()).unwrap();
    assert_eq!(Liveness::load(conn).unwrap(), before);
    assert_eq!(rows(conn).len(), 4);
}
