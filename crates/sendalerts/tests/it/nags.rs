//! Reminders while checks stay down, through a real SMTP server.

use chrono::Duration;
use diesel::prelude::*;
use hc_core::db::DbConn;
use hc_core::schema::{checks, profiles};
use hc_core::time;
use hc_test::{SmtpSink, TestDb};

use crate::notify::overdue_check;

fn sendalerts_once(db: &TestDb, sink: &SmtpSink) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sendalerts"))
        .env_clear()
        .env("SECRET_KEY", "test")
        .env("EMAIL_HOST", "127.0.0.1")
        .env("EMAIL_PORT", sink.port.to_string())
        .env("EMAIL_USE_TLS", "False")
        .envs(db.env())
        .arg("--once")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn next_nag(conn: &mut DbConn) -> Option<chrono::NaiveDateTime> {
    profiles::table
        .select(profiles::next_nag_date)
        .first(conn)
        .unwrap()
}

fn make_nag_due(conn: &mut DbConn) {
    diesel::update(profiles::table)
        .set(profiles::next_nag_date.eq(Some((time::now() - Duration::minutes(1)).naive_utc())))
        .execute(conn)
        .unwrap();
}

#[test]
fn reminders_repeat_while_a_check_stays_down_and_stop_when_it_is_up() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    let check = overdue_check(conn, "nag@example.org");
    diesel::update(profiles::table)
        .set(profiles::nag_period.eq(3600))
        .execute(conn)
        .unwrap();

    // The check goes down: the alert goes out, and a reminder is scheduled an hour on.
    sendalerts_once(&db, &sink);
    assert_eq!(sink.messages().len(), 1);
    let scheduled = time::utc(next_nag(conn).unwrap()) - time::now();
    assert!(
        scheduled > Duration::minutes(59) && scheduled <= Duration::hours(1),
        "{scheduled}"
    );

    // An hour later: one reminder, and the next one an hour after that.
    make_nag_due(conn);
    sendalerts_once(&db, &sink);
    sendalerts_once(&db, &sink);
    let messages = sink.messages();
    assert_eq!(messages.len(), 2, "one alert, one reminder");
    let reminder = messages
        .iter()
        .find(|m| m.contains("Subject: Reminder"))
        .unwrap();
    assert!(
        reminder.contains("Subject: Reminder: 1 check still down"),
        "{reminder}"
    );
    assert!(
        reminder.contains("- My First Check (last ping 2 days ago)"),
        "{reminder}"
    );
    assert!(next_nag(conn).is_some_and(|t| time::utc(t) > time::now()));

    // Back up: the reminder due finds nothing down, sends nothing and stops.
    diesel::update(checks::table.find(check.id))
        .set((
            checks::status.eq("up"),
            checks::last_ping.eq(Some(time::now().naive_utc())),
            checks::alert_after.eq(Some((time::now() + Duration::days(1)).naive_utc())),
        ))
        .execute(conn)
        .unwrap();
    make_nag_due(conn);
    sendalerts_once(&db, &sink);
    assert_eq!(sink.messages().len(), 2);
    assert_eq!(next_nag(conn), None);
}

#[test]
fn no_reminders_without_a_nag_period() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    overdue_check(conn, "quiet@example.org");
    sendalerts_once(&db, &sink);
    assert_eq!(next_nag(conn), None);
    assert_eq!(sink.messages().len(), 1, "the alert only");
}
