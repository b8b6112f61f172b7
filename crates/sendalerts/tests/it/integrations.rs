//! Webhook and chat integrations against a real HTTP server on loopback: the exact
//! request each makes, and what happens when the provider fails.

use std::process::Command;
use std::time::Duration;

use diesel::prelude::*;
use hc_core::db::{DbConn, Pool};
use hc_core::models::{Channel, Check, Flip, Notification};
use hc_core::schema::{channels, checks, flips, notifications};
use hc_test::{HttpSink, Recorded, Reply, TestDb};

use crate::notify::overdue_check;

/// Runs `sendalerts --once` with `extra` settings, and asserts that it succeeded.
pub(crate) fn sendalerts_once(db: &TestDb, extra: &[(&str, &str)]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_sendalerts"))
        .env_clear()
        .env("SECRET_KEY", "test")
        .env("SITE_ROOT", "https://hc.example.org")
        .env("INTEGRATIONS_ALLOW_PRIVATE_IPS", "True")
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
    out
}

/// A migrated test database, its pool, and an HTTP sink on loopback.
pub(crate) fn db_with_sink() -> (TestDb, Pool, HttpSink) {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    (db, pool, HttpSink::start())
}

/// An overdue check whose only channel is of `kind` with `value`.
pub(crate) fn check_with_channel(conn: &mut DbConn, kind: &str, value: &str) -> Check {
    let check = overdue_check(conn, "ops@example.org");
    diesel::update(channels::table)
        .set((channels::kind.eq(kind), channels::value.eq(value)))
        .execute(conn)
        .unwrap();
    check
}

/// The first notification (for tests that queue one).
pub(crate) fn the_notification(conn: &mut DbConn) -> Notification {
    notifications::table
        .select(Notification::as_select())
        .first(conn)
        .unwrap()
}

/// A url-encoded request body as its fields, in order.
pub(crate) fn form_fields(request: &Recorded) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

/// The newest notification.
pub(crate) fn latest_notification(conn: &mut DbConn) -> Notification {
    notifications::table
        .order(notifications::id.desc())
        .select(Notification::as_select())
        .first(conn)
        .unwrap()
}

/// Every notification, oldest first.
pub(crate) fn all_notifications(conn: &mut DbConn) -> Vec<Notification> {
    notifications::table
        .order(notifications::id)
        .select(Notification::as_select())
        .load(conn)
        .unwrap()
}

/// The only channel (the first, if there are more), as it is now.
pub(crate) fn the_channel(conn: &mut DbConn) -> Channel {
    channels::table
        .order(channels::id)
        .select(Channel::as_select())
        .first(conn)
        .unwrap()
}

/// The check's public ("cloaked") details URL on the test site.
pub(crate) fn cloaked(check: &Check) -> String {
    format!("https://hc.example.org/cloaked/{}/", check.unique_key())
}

/// Borrowed field pairs as owned ones, to compare with [`form_fields`].
pub(crate) fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// An HTTP answer with `status` and the default body ("OK").
pub(crate) fn reply_status(status: u16) -> Reply {
    Reply {
        status,
        ..Reply::default()
    }
}

/// An HTTP answer with `status` and `body`.
pub(crate) fn reply_with(status: u16, body: &str) -> Reply {
    Reply {
        status,
        body: body.into(),
        ..Reply::default()
    }
}

/// The check pings again: a down → up flip for `sendalerts` to announce.
pub(crate) fn comes_back_up(conn: &mut DbConn, check: &Check) {
    let now = hc_core::time::now().naive_utc();
    diesel::update(checks::table.find(check.id))
        .set((
            checks::status.eq("up"),
            checks::last_ping.eq(Some(now)),
            checks::alert_after.eq(Some(now + chrono::Duration::hours(25))),
        ))
        .execute(conn)
        .unwrap();
    diesel::insert_into(flips::table)
        .values(&Flip {
            id: 0,
            check_id: check.id,
            created: now,
            processed: None,
            old_status: "down".into(),
            new_status: "up".into(),
            reason: String::new(),
        })
        .execute(conn)
        .unwrap();
}

#[test]
fn a_webhook_sends_the_configured_request_with_placeholders() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let value = serde_json::json!({
        "method_down": "POST",
        "url_down": sink.url("/hook/$CODE/$STATUS?name=$NAME"),
        "body_down": "{\"check\": $NAME_JSON, \"tags\": \"$TAGS\"}",
        "headers_down": {"Content-Type": "application/json", "X-Check": "$NAME"},
        "method_up": "GET",
        "url_up": "",
    });
    let check = check_with_channel(conn, "webhook", &value.to_string());
    sendalerts_once(&db, &[]);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.target,
        format!("/hook/{}/down?name=My%20First%20Check", check.code)
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-check"), Some("My First Check"));
    assert_eq!(r.header("user-agent"), Some("healthchecks.io"));
    assert_eq!(r.text(), r#"{"check": "My First Check", "tags": ""}"#);
    assert_eq!(the_notification(conn).status, "sent");
}

#[test]
fn slack_gets_an_attachment_and_a_removed_webhook_disables_the_channel() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "slack", &sink.url("/services/T0/B0/x"));
    sendalerts_once(&db, &[]);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].target.as_str()),
        ("POST", "/services/T0/B0/x")
    );
    let payload = requests[0].json();
    let attachment = &payload["attachments"][0];
    assert_eq!(attachment["color"], "danger");
    assert_eq!(
        attachment["title"],
        "\u{201c}My First Check\u{201d} is DOWN."
    );
    assert_eq!(
        attachment["fallback"],
        "The check \"My First Check\" is DOWN."
    );
    assert_eq!(
        attachment["text"],
        "Reason: success signal did not arrive on time, grace time passed."
    );
    assert_eq!(attachment["title_link"], cloaked(&check).as_str());
    let titles: Vec<&str> = attachment["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Project", "Period", "Total Pings", "Last Ping"]);
    assert_eq!(payload["username"], "Mychecks");

    // The workspace removed the webhook: Slack answers 404, and hc stops trying.
    sink.reply(reply_with(404, "no_service"));
    diesel::delete(notifications::table).execute(conn).unwrap();
    flip_again(conn, &check);
    sendalerts_once(&db, &[]);
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Received status code 404")
    );
    let channel = the_channel(conn);
    assert!(channel.disabled);
    assert_eq!(channel.last_error, "Received status code 404");
}

/// Makes the check go down again (up, then overdue).
pub(crate) fn flip_again(conn: &mut DbConn, check: &Check) {
    let last = (hc_core::time::now() - chrono::Duration::days(2)).naive_utc();
    diesel::update(checks::table.find(check.id))
        .set((
            checks::status.eq("up"),
            checks::last_ping.eq(Some(last)),
            checks::alert_after.eq(Some(last + chrono::Duration::hours(25))),
        ))
        .execute(conn)
        .unwrap();
}

#[test]
fn server_errors_are_retried_later_and_client_errors_are_final() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    check_with_channel(conn, "webhook", &sink.url("/down\n"));
    sink.reply(reply_status(503));
    sendalerts_once(&db, &[]);
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str(), n.attempts),
        ("pending", "Received status code 503", 1)
    );
    let wait = n.next_attempt.unwrap() - hc_core::time::now().naive_utc();
    assert!(wait > chrono::Duration::seconds(20), "backs off: {wait}");
    // Not due yet: nothing is sent.
    sendalerts_once(&db, &[]);
    assert_eq!(sink.requests().len(), 1);
    // Due now; the provider has recovered.
    diesel::update(notifications::table)
        .set(notifications::next_attempt.eq(Some(hc_core::time::now().naive_utc())))
        .execute(conn)
        .unwrap();
    sink.reply(Reply::default());
    sendalerts_once(&db, &[]);
    let n = the_notification(conn);
    assert_eq!((n.status.as_str(), n.attempts), ("sent", 2));
    assert_eq!(sink.requests().len(), 2);
}

#[test]
fn private_addresses_are_refused_unless_allowed() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    check_with_channel(conn, "webhook", &sink.url("/down\n"));
    sendalerts_once(&db, &[("INTEGRATIONS_ALLOW_PRIVATE_IPS", "False")]);
    assert!(sink.requests().is_empty());
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        (
            "failed",
            "Connections to private IP addresses are not allowed"
        )
    );
    // By name too: "localhost" resolves to loopback.
    diesel::delete(notifications::table).execute(conn).unwrap();
    let check: Check = hc_core::schema::checks::table
        .select(Check::as_select())
        .first(conn)
        .unwrap();
    flip_again(conn, &check);
    diesel::update(channels::table)
        .set(channels::value.eq(format!("http://localhost:{}/down\n", sink.port)))
        .execute(conn)
        .unwrap();
    sendalerts_once(&db, &[("INTEGRATIONS_ALLOW_PRIVATE_IPS", "False")]);
    assert!(sink.requests().is_empty());
    assert_eq!(
        the_notification(conn).error,
        "Connections to private IP addresses are not allowed"
    );
}

#[test]
fn a_slow_provider_does_not_hold_up_the_others() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let slow = HttpSink::start();
    let fast = HttpSink::start();
    slow.reply(Reply {
        delay: Duration::from_secs(4),
        ..Reply::default()
    });
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "webhook", &slow.url("/slow\n"));
    // A second channel on the same check, to the fast provider.
    let project_id: i64 = channels::table
        .select(channels::project_id)
        .first(conn)
        .unwrap();
    let second = Channel {
        id: 0,
        code: hc_core::keys::new_uuid(),
        project_id,
        name: "fast".into(),
        kind: "webhook".into(),
        value: fast.url("/fast\n"),
        email_verified: true,
        disabled: false,
        last_notify: None,
        last_notify_duration: None,
        last_error: String::new(),
        created: hc_core::time::now().naive_utc(),
    };
    diesel::insert_into(channels::table)
        .values(&second)
        .execute(conn)
        .unwrap();
    let second_id: i64 = channels::table
        .filter(channels::code.eq(&second.code))
        .select(channels::id)
        .first(conn)
        .unwrap();
    let first_id: i64 = channels::table
        .select(channels::id)
        .order(channels::id)
        .first(conn)
        .unwrap();
    hc_core::checks::set_channels(conn, check.id, &[first_id, second_id]).unwrap();
    let started = std::time::Instant::now();
    let child = std::thread::spawn({
        let env = db.env();
        move || {
            Command::new(env!("CARGO_BIN_EXE_sendalerts"))
                .env_clear()
                .env("SECRET_KEY", "test")
                .env("INTEGRATIONS_ALLOW_PRIVATE_IPS", "True")
                .envs(env)
                .arg("--once")
                .output()
                .unwrap()
        }
    });
    let fast_seen = fast.wait_for(1, Duration::from_secs(10));
    let fast_after = started.elapsed();
    assert_eq!(fast_seen.len(), 1);
    assert!(child.join().unwrap().status.success());
    assert_eq!(slow.requests().len(), 1);
    assert!(
        fast_after < Duration::from_secs(3),
        "the fast provider waited for the slow one: {fast_after:?}"
    );
}
