//! Flips become alerts: one e-mail per flip and channel, through a real SMTP server,
//! even with several daemons at once or after one died mid-send.

use std::process::Command;

use chrono::Duration;
use diesel::prelude::*;
use hc_core::accounts::{self, NewUser};
use hc_core::db::DbConn;
use hc_core::models::{Channel, Check, Flip, Notification};
use hc_core::schema::{channel_checks, channels, checks, flips, notifications, projects};
use hc_core::{keys, time};
use hc_test::{SmtpSink, TestDb};

use crate::integrations::all_notifications;

fn sendalerts_once(db: &TestDb, sink: &SmtpSink) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sendalerts"))
        .env_clear()
        .env("SECRET_KEY", "test")
        .env("SITE_ROOT", "https://hc.example.org")
        .env("EMAIL_HOST", "127.0.0.1")
        .env("EMAIL_PORT", sink.port.to_string())
        .env("EMAIL_USE_TLS", "False")
        .envs(db.env())
        .arg("--once")
        .output()
        .unwrap()
}

/// A user's first check (with its e-mail channel), up and overdue.
pub(crate) fn overdue_check(conn: &mut DbConn, email: &str) -> Check {
    let user = accounts::create_user(
        conn,
        &NewUser {
            email,
            with_first_project: true,
            ..NewUser::default()
        },
    )
    .unwrap();
    let project_id: i64 = projects::table
        .filter(projects::owner_id.eq(user.id))
        .select(projects::id)
        .first(conn)
        .unwrap();
    let last_ping = (time::now() - Duration::days(2)).naive_utc();
    diesel::update(checks::table.filter(checks::project_id.eq(project_id)))
        .set((
            checks::status.eq("up"),
            checks::last_ping.eq(Some(last_ping)),
            checks::alert_after.eq(Some(last_ping + Duration::days(1) + Duration::hours(1))),
        ))
        .execute(conn)
        .unwrap();
    checks::table
        .filter(checks::project_id.eq(project_id))
        .select(Check::as_select())
        .first(conn)
        .unwrap()
}

#[test]
fn a_late_check_sends_one_readable_down_email() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let check = overdue_check(&mut pool.get().unwrap(), "alice@example.org");

    let out = sendalerts_once(&db, &sink);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert!(m.contains("To: alice@example.org"), "{m}");
    assert!(m.contains("Subject: DOWN | My First Check"), "{m}");
    assert!(
        m.contains("The check \"My First Check\" has gone down."),
        "{m}"
    );
    assert!(
        m.contains(&format!(
            "https://hc.example.org/checks/{}/details/",
            check.code
        )),
        "{m}"
    );

    let conn = &mut pool.get().unwrap();
    let sent = all_notifications(conn);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (
            sent[0].status.as_str(),
            sent[0].check_status.as_str(),
            sent[0].error.as_str()
        ),
        ("sent", "down", "")
    );
    let channel: Channel = channels::table
        .find(sent[0].channel_id)
        .select(Channel::as_select())
        .first(conn)
        .unwrap();
    assert!(channel.last_notify.is_some());
    assert_eq!(channel.last_error, "");

    // Nothing is sent twice.
    assert!(sendalerts_once(&db, &sink).status.success());
    assert_eq!(sink.messages().len(), 1);
}

#[test]
fn the_first_ping_is_not_news_but_coming_back_up_is() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    let check = overdue_check(conn, "bob@example.org");
    diesel::update(checks::table.find(check.id))
        .set((
            checks::status.eq("down"),
            checks::alert_after.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)
        .unwrap();
    for (old, new) in [("new", "up"), ("down", "up")] {
        let flip = Flip {
            id: 0,
            check_id: check.id,
            created: time::now().naive_utc(),
            processed: None,
            old_status: old.into(),
            new_status: new.into(),
            reason: String::new(),
        };
        diesel::insert_into(flips::table)
            .values(&flip)
            .execute(conn)
            .unwrap();
    }
    assert!(sendalerts_once(&db, &sink).status.success());
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "only down -> up alerts");
    assert!(messages[0].contains("Subject: UP | My First Check"));
    let unprocessed: i64 = flips::table
        .filter(flips::processed.is_null())
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(unprocessed, 0);
}

#[test]
fn three_daemons_send_each_alert_exactly_once() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let n_checks = 30;
    for i in 0..n_checks {
        overdue_check(&mut pool.get().unwrap(), &format!("user{i}@example.org"));
    }
    let outputs: Vec<std::process::Output> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| s.spawn(|| sendalerts_once(&db, &sink)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in &outputs {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Whatever one daemon left (it can finish before the others queued), a last run sends.
    assert!(sendalerts_once(&db, &sink).status.success());
    let messages = sink.messages();
    assert_eq!(messages.len(), n_checks);
    let mut recipients: Vec<String> = messages
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("To: ")).map(str::to_owned))
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(
        recipients.len(),
        n_checks,
        "each check's owner got exactly one"
    );
    let conn = &mut pool.get().unwrap();
    let sent = all_notifications(conn);
    assert_eq!(sent.len(), n_checks);
    assert!(sent.iter().all(|n| n.status == "sent" && n.attempts == 1));
}

#[test]
fn a_send_left_unfinished_by_a_dead_daemon_is_sent_by_the_next() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    let check = overdue_check(conn, "carol@example.org");
    let channel_id: i64 = channel_checks::table
        .filter(channel_checks::check_id.eq(check.id))
        .select(channel_checks::channel_id)
        .first(conn)
        .unwrap();
    // A daemon claimed this a while ago and died.
    let flip = Flip {
        id: 0,
        check_id: check.id,
        created: time::now().naive_utc(),
        processed: Some(time::now().naive_utc()),
        old_status: "up".into(),
        new_status: "down".into(),
        reason: "timeout".into(),
    };
    diesel::insert_into(flips::table)
        .values(&flip)
        .execute(conn)
        .unwrap();
    let flip_id: i64 = flips::table.select(flips::id).first(conn).unwrap();
    let stale = Notification {
        id: 0,
        code: keys::new_uuid(),
        check_id: Some(check.id),
        channel_id,
        flip_id: Some(flip_id),
        check_status: "down".into(),
        created: time::now().naive_utc(),
        status: "sending".into(),
        attempts: 1,
        next_attempt: None,
        claimed_until: Some((time::now() - Duration::seconds(1)).naive_utc()),
        error: String::new(),
    };
    diesel::insert_into(notifications::table)
        .values(&stale)
        .execute(conn)
        .unwrap();
    diesel::update(checks::table.find(check.id))
        .set((
            checks::status.eq("down"),
            checks::alert_after.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)
        .unwrap();

    assert!(sendalerts_once(&db, &sink).status.success());
    assert_eq!(sink.messages().len(), 1);
    let after = all_notifications(conn);
    assert_eq!(
        (after.len(), after[0].status.as_str(), after[0].attempts),
        (1, "sent", 2)
    );
}

#[test]
fn unknown_kinds_are_recorded_as_failed_with_a_reason() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    let check = overdue_check(conn, "dave@example.org");
    diesel::update(channels::table)
        .set(channels::kind.eq("hipchat"))
        .execute(conn)
        .unwrap();
    assert!(sendalerts_once(&db, &sink).status.success());
    let n = all_notifications(conn);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].status, "failed");
    assert!(
        n[0].error
            .contains("hipchat notifications are not supported"),
        "{}",
        n[0].error
    );
    let channel: Channel = channels::table
        .select(Channel::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(channel.last_error, n[0].error);
    assert_eq!(app_check_status(conn, &check), "down");
}

fn app_check_status(conn: &mut DbConn, check: &Check) -> String {
    checks::table
        .find(check.id)
        .select(checks::status)
        .first(conn)
        .unwrap()
}

#[test]
fn unconfirmed_email_integrations_get_no_alerts() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    let check = overdue_check(conn, "carol@example.org");
    diesel::update(channels::table)
        .set(channels::email_verified.eq(false))
        .execute(conn)
        .unwrap();

    let out = sendalerts_once(&db, &sink);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        app_check_status(conn, &check),
        "down",
        "the check still went down"
    );
    assert!(
        all_notifications(conn).is_empty(),
        "nothing queued for an unconfirmed address"
    );
    assert!(sink.messages().is_empty());
}
