//! hc's own outage: while no ping receiver was alive, missed pings are not the jobs'
//! fault. Receiver heartbeats are written as `hc-ping` writes them, at chosen times.

use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use hc_core::db::DbConn;
use hc_core::models::Check;
use hc_core::schema::{checks, flips, notifications, operator_notices};
use hc_core::{outage, time};
use hc_test::{SmtpSink, TestDb};

use crate::notify::overdue_check;

fn sendalerts_once(db: &TestDb, sink: &SmtpSink, extra: &[(&str, &str)]) {
    let out = Command::new(env!("CARGO_BIN_EXE_sendalerts"))
        .env_clear()
        .env("SECRET_KEY", "test")
        .env("EMAIL_HOST", "127.0.0.1")
        .env("EMAIL_PORT", sink.port.to_string())
        .env("EMAIL_USE_TLS", "False")
        .env("ADMINS", "ops@example.org,oncall@example.org")
        .envs(db.env())
        .envs(extra.iter().copied())
        .arg("--once")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A receiver that ran from `from` to `to` (relative to now).
fn receiver(conn: &mut DbConn, from: Duration, to: Duration) {
    let now = time::now();
    let code = hc_core::keys::new_uuid();
    outage::beat(conn, &code, now + from, now + from).unwrap();
    outage::beat(conn, &code, now + from, now + to).unwrap();
}

/// The user's check: period 1 hour, grace 5 minutes, last pinged `ago`.
fn hourly_check(conn: &mut DbConn, ago: Duration) -> Check {
    let check = overdue_check(conn, "owner@example.org");
    let last = (time::now() - ago).naive_utc();
    diesel::update(checks::table.find(check.id))
        .set((
            checks::timeout.eq(3600),
            checks::grace.eq(300),
            checks::last_ping.eq(Some(last)),
            checks::alert_after.eq(Some(last + Duration::minutes(65))),
        ))
        .execute(conn)
        .unwrap();
    check
}

fn alert_after(conn: &mut DbConn, check: &Check) -> Option<DateTime<Utc>> {
    checks::table
        .find(check.id)
        .select(checks::alert_after)
        .first::<Option<chrono::NaiveDateTime>>(conn)
        .unwrap()
        .map(time::utc)
}

fn status(conn: &mut DbConn, check: &Check) -> String {
    checks::table
        .find(check.id)
        .select(checks::status)
        .first(conn)
        .unwrap()
}

#[test]
fn after_an_outage_longer_than_period_and_grace_nothing_is_alerted_until_the_deadline_passes_again()
{
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    // Pinged 3 hours ago; every receiver stopped soon after and came back a minute ago.
    let check = hourly_check(conn, Duration::hours(3));
    receiver(conn, Duration::hours(-5), Duration::minutes(-179));
    receiver(conn, Duration::minutes(-1), Duration::zero());
    sendalerts_once(&db, &sink, &[]);
    assert_eq!(status(conn, &check), "up", "held back");
    assert!(
        sink.messages().is_empty(),
        "no alert and no operator notice: receivers are back"
    );
    // The deadline moved on by the outage (about 2 h 58 min): about an hour from now.
    let deadline = alert_after(conn, &check).unwrap();
    let from_now = deadline - time::now();
    assert!(
        from_now > Duration::minutes(55) && from_now < Duration::minutes(70),
        "{from_now}"
    );

    // The same check with the protection switched off is alerted at once.
    sendalerts_once(&db, &sink, &[("HC_OUTAGE_PROTECTION", "False")]);
    // (its alert_after is in the future now, so make it due again)
    diesel::update(checks::table.find(check.id))
        .set(checks::alert_after.eq(Some((time::now() - Duration::minutes(1)).naive_utc())))
        .execute(conn)
        .unwrap();
    sendalerts_once(&db, &sink, &[("HC_OUTAGE_PROTECTION", "False")]);
    assert_eq!(status(conn, &check), "down");
    assert_eq!(sink.messages().len(), 1);
}

#[test]
fn a_check_that_stays_silent_after_the_outage_is_alerted() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    // Pinged 6 hours ago; receivers down for one hour (6 h to 5 h ago), since then up.
    let check = hourly_check(conn, Duration::hours(6));
    receiver(conn, Duration::hours(-8), Duration::hours(-6));
    receiver(conn, Duration::hours(-5), Duration::zero());
    sendalerts_once(&db, &sink, &[]);
    assert_eq!(status(conn, &check), "down");
    let flip_time: chrono::NaiveDateTime = flips::table.select(flips::created).first(conn).unwrap();
    // Due 4 h 55 min ago, plus the hour the receivers were away.
    let late_by = time::now() - time::utc(flip_time);
    assert!(
        late_by > Duration::minutes(230) && late_by < Duration::minutes(240),
        "{late_by}"
    );
    let n: i64 = notifications::table.count().get_result(conn).unwrap();
    assert_eq!(n, 1);
}

#[test]
fn while_no_receiver_is_alive_the_operators_hear_once_and_owners_not_at_all() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    let check = hourly_check(conn, Duration::hours(2));
    // The last receiver stopped 110 minutes ago.
    receiver(conn, Duration::hours(-3), Duration::minutes(-110));
    for _ in 0..3 {
        sendalerts_once(&db, &sink, &[]);
    }
    assert_eq!(status(conn, &check), "up");
    let messages = sink.messages();
    assert_eq!(messages.len(), 2, "one notice to each of the two ADMINS");
    assert!(messages.iter().any(|m| m.contains("To: ops@example.org")));
    assert!(
        messages
            .iter()
            .all(|m| m.contains("no ping receiver is running")),
        "{messages:?}"
    );
    let notices: i64 = operator_notices::table.count().get_result(conn).unwrap();
    assert_eq!(notices, 1);
}

#[test]
fn sessions_that_ended_days_ago_are_merged_and_read_the_same() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    // Three restarts ten days ago, back to back; the receiver running now.
    receiver(conn, Duration::days(-10), Duration::days(-9));
    receiver(conn, Duration::days(-9), Duration::days(-8));
    receiver(conn, Duration::days(-8), Duration::days(-7));
    receiver(conn, Duration::minutes(-1), Duration::zero());
    let before = outage::Liveness::load(conn).unwrap();
    sendalerts_once(&db, &sink, &[]);
    let rows: i64 = hc_core::schema::receiver_heartbeats::table
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(rows, 2, "the old three are one now");
    assert_eq!(outage::Liveness::load(conn).unwrap(), before);
}
