//! Google Chat, PagerTree and Spike: JSON posted to the webhook URL the user
//! pasted, against a real HTTP server on loopback, for a check going down and
//! coming back up, and the settings that switch them off.

use chrono::Duration;
use diesel::prelude::*;
use hc_core::db::DbConn;
use hc_core::models::Check;
use hc_core::schema::checks;
use hc_core::time;
use hc_test::{HttpSink, Recorded, TestDb};
use serde_json::json;

use crate::integrations::{
    check_with_channel, cloaked, comes_back_up, db_with_sink, latest_notification, reply_with,
    sendalerts_once, the_notification,
};

const REASON: &str = "success signal did not arrive on time, grace time passed";

fn assert_json_post(r: &Recorded, path: &str) {
    assert_eq!((r.method.as_str(), r.target.as_str()), ("POST", path));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("user-agent"), Some("healthchecks.io"));
}

/// Gives the check tags, so that the payloads carry them.
fn tag(conn: &mut DbConn, check: &Check, tags: &str) {
    diesel::update(checks::table.find(check.id))
        .set(checks::tags.eq(tags))
        .execute(conn)
        .unwrap();
}

#[test]
fn google_chat_gets_a_card_for_down_and_up() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(
        conn,
        "googlechat",
        &sink.url("/v1/spaces/AAA/messages?key=k"),
    );
    tag(conn, &check, "prod db");
    sendalerts_once(&db, &[]);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    assert_json_post(&requests[0], "/v1/spaces/AAA/messages?key=k");
    let button = json!({"buttonList": {"buttons": [{
        "text": "View in Mychecks",
        "type": "FILLED",
        "onClick": {"openLink": {"url": cloaked(&check)}},
    }]}});
    assert_eq!(
        requests[0].json(),
        json!({"cardsV2": [{"card": {"sections": [{
            "collapsible": true,
            "uncollapsibleWidgetsCount": 1,
            "widgets": [
                {"textParagraph": {"text": format!(
                    "\u{1f534} The check <b>My First Check</b> is <b>DOWN</b>.\nReason: {REASON}."
                )}},
                {"decoratedText": {"topLabel": "Project", "text": "ops@example.org"}},
                {"decoratedText": {"topLabel": "Tags", "text": "prod, db"}},
                {"decoratedText": {"topLabel": "Period", "text": "1 day"}},
                {"decoratedText": {"topLabel": "Total Pings", "text": "0"}},
                {"decoratedText": {"topLabel": "Last Ping", "text": "Never"}},
                button,
            ],
        }]}}]})
    );
    assert_eq!(the_notification(conn).status, "sent");

    comes_back_up(conn, &check);
    sendalerts_once(&db, &[]);
    let requests = sink.requests();
    assert_eq!(requests.len(), 2);
    let up = requests[1].json();
    let headline = up["cardsV2"][0]["card"]["sections"][0]["widgets"][0]["textParagraph"]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        headline.starts_with(
            "\u{1f7e2} The check <b>My First Check</b> is now <b>UP</b>.\nThe downtime lasted "
        ),
        "{headline}"
    );
    assert_eq!(latest_notification(conn).status, "sent");
}

#[test]
fn google_chat_refusals_keep_the_status_code() {
    let (db, pool, sink) = db_with_sink();
    sink.reply(reply_with(
        404,
        r#"{"error": {"code": 404, "status": "NOT_FOUND"}}"#,
    ));
    let conn = &mut pool.get().unwrap();
    check_with_channel(conn, "googlechat", &sink.url("/v1/spaces/gone/messages"));
    sendalerts_once(&db, &[]);
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Received status code 404")
    );
}

#[test]
fn pagertree_triggers_and_resolves_an_incident_by_unique_key() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "pagertree", &sink.url("/integration/int_xyz"));
    tag(conn, &check, "prod db");
    sendalerts_once(&db, &[]);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    assert_json_post(&requests[0], "/integration/int_xyz");
    assert_eq!(
        requests[0].json(),
        json!({
            "incident_key": check.unique_key(),
            "event_type": "trigger",
            "title": format!("My First Check is DOWN ({REASON})"),
            "description": format!("My First Check is DOWN ({REASON})."),
            "client": "Mychecks",
            "client_url": "https://hc.example.org",
            "tags": "prod db",
        })
    );
    assert_eq!(the_notification(conn).status, "sent");

    comes_back_up(conn, &check);
    sendalerts_once(&db, &[]);
    let requests = sink.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].json(),
        json!({
            "incident_key": check.unique_key(),
            "event_type": "resolve",
            "title": "My First Check is UP",
            "description": "My First Check is UP.",
            "client": "Mychecks",
            "client_url": "https://hc.example.org",
            "tags": "prod db",
        })
    );
}

#[test]
fn spike_gets_the_check_its_status_and_the_last_ping() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "spike", &sink.url("/v1/incoming/webhook/hc/abc"));
    // A ping an hour before the check went down.
    let went_down =
        (time::now() - Duration::days(2) + Duration::days(1) + Duration::hours(1)).naive_utc();
    diesel::insert_into(hc_core::schema::pings::table)
        .values((
            hc_core::schema::pings::check_id.eq(check.id),
            hc_core::schema::pings::n.eq(Some(1)),
            hc_core::schema::pings::created.eq(went_down - Duration::minutes(61)),
        ))
        .execute(conn)
        .unwrap();
    sendalerts_once(&db, &[]);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    assert_json_post(&requests[0], "/v1/incoming/webhook/hc/abc");
    let sent = requests[0].json();
    assert_eq!(sent["check_id"], check.unique_key());
    assert_eq!(sent["status"], "down");
    assert_eq!(sent["title"], format!("My First Check is DOWN ({REASON})"));
    let message = sent["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "My First Check is DOWN ({REASON}).\nLast ping was 1 hour ago."
        )),
        "{message}"
    );

    comes_back_up(conn, &check);
    sendalerts_once(&db, &[]);
    let requests = sink.requests();
    assert_eq!(
        requests[1].json(),
        json!({
            "check_id": check.unique_key(),
            "title": "My First Check is UP",
            "message": "My First Check is UP.",
            "status": "up",
        })
    );
    assert_eq!(latest_notification(conn).status, "sent");
}

#[test]
fn pagertree_and_spike_can_be_switched_off() {
    for (kind, setting, error) in [
        (
            "pagertree",
            "PAGERTREE_ENABLED",
            "PagerTree notifications are not enabled.",
        ),
        (
            "spike",
            "SPIKE_ENABLED",
            "Spike notifications are not enabled.",
        ),
    ] {
        let db = TestDb::new();
        let pool = db.migrated_pool();
        let sink = HttpSink::start();
        let conn = &mut pool.get().unwrap();
        check_with_channel(conn, kind, &sink.url("/hook"));
        sendalerts_once(&db, &[(setting, "False")]);
        assert!(sink.requests().is_empty(), "{kind}");
        let n = the_notification(conn);
        assert_eq!((n.status.as_str(), n.error.as_str()), ("failed", error));
    }
}
