//! Pager and push integrations (PagerDuty, Pushover, Pushbullet, Splunk On-Call,
//! Opsgenie) against a real HTTP server on loopback: the exact request each kind
//! makes when a check goes down and, where it differs, when it comes back up.

use diesel::prelude::*;
use hc_core::models::{Channel, Notification};
use hc_core::schema::{channels, notifications};
use serde_json::json;

use crate::integrations::{
    check_with_channel, cloaked, comes_back_up, db_with_sink, form_fields, latest_notification,
    pairs, reply_with, sendalerts_once, the_notification,
};

const REASON: &str = "success signal did not arrive on time, grace time passed";
const FORM: &str = "application/x-www-form-urlencoded";

#[test]
fn pagerduty_triggers_an_incident_and_resolves_it() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let value = r#"{"service_key": "sk-123", "account": "acme"}"#;
    let check = check_with_channel(conn, "pd", value);
    let url = sink.url("/generic/2010-04-15/create_event.json");
    let env = [("HC_PAGERDUTY_URL", url.as_str())];
    sendalerts_once(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/generic/2010-04-15/create_event.json")
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({
            "service_key": "sk-123",
            "incident_key": check.unique_key(),
            "event_type": "trigger",
            "description": format!("My First Check is DOWN ({REASON})."),
            "client": "Mychecks",
            "client_url": cloaked(&check),
            "details": {
                "Project": "ops@example.org",
                "Total pings": 0,
                "Last ping": "Never",
                "Period": "1 day",
            },
        })
    );
    assert_eq!(the_notification(conn).status, "sent");

    comes_back_up(conn, &check);
    sendalerts_once(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 2);
    let resolve = requests[1].json();
    assert_eq!(resolve["event_type"], "resolve");
    assert_eq!(resolve["incident_key"], check.unique_key());
    assert_eq!(
        resolve["description"],
        "My First Check received a ping and is now UP"
    );
    assert_eq!(latest_notification(conn).status, "sent");
}

#[test]
fn pushover_posts_a_form_and_cancels_an_emergency_alert_on_recovery() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    // Emergency priority when down, normal when up.
    let check = check_with_channel(conn, "po", "ukey-1|2|0");
    let messages_url = sink.url("/1/messages.json");
    let env = [
        ("HC_PUSHOVER_URL", messages_url.as_str()),
        ("PUSHOVER_API_TOKEN", "app-token"),
    ];
    sendalerts_once(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/1/messages.json")
    );
    assert_eq!(r.header("content-type"), Some(FORM));
    let key = check.unique_key();
    let url = cloaked(&check);
    let message = format!(
        "The check <b>My First Check</b> is DOWN.\nReason: {REASON}.\n\n\
         <b>Project:</b> ops@example.org\n<b>Period:</b> 1 day\n\
         <b>Total pings:</b> 0\n<b>Last ping:</b> Never"
    );
    assert_eq!(
        form_fields(r),
        pairs(&[
            ("token", "app-token"),
            ("user", "ukey-1"),
            ("message", &message),
            ("title", "\u{1f534} My First Check is DOWN"),
            ("html", "1"),
            ("priority", "2"),
            ("tags", &key),
            ("url", &url),
            ("url_title", "View on Mychecks"),
            ("retry", "300"),
            ("expire", "86400"),
        ])
    );

    // Back up: the emergency alert is cancelled by tag, then the recovery is sent.
    comes_back_up(conn, &check);
    sendalerts_once(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 3);
    let cancel = &requests[1];
    assert_eq!(
        (cancel.method.as_str(), cancel.target.as_str()),
        (
            "POST",
            format!("/1/receipts/cancel_by_tag/{key}.json").as_str()
        )
    );
    assert_eq!(cancel.header("content-type"), Some(FORM));
    assert_eq!(form_fields(cancel), pairs(&[("token", "app-token")]));
    let up = form_fields(&requests[2]);
    assert_eq!(requests[2].target, "/1/messages.json");
    let get = |name: &str| up.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(get("title"), Some("\u{1f7e2} My First Check is UP"));
    assert_eq!(get("priority"), Some("0"));
    assert_eq!(get("tags"), Some(key.as_str()));
    assert_eq!((get("retry"), get("expire")), (None, None));
    assert!(get("message")
        .unwrap()
        .starts_with("The check <b>My First Check</b> is UP.\nThe downtime lasted "));
    assert_eq!(latest_notification(conn).status, "sent");
}

#[test]
fn pushover_stays_silent_for_a_disabled_priority() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    check_with_channel(conn, "po", "ukey-1|-3|0");
    let messages_url = sink.url("/1/messages.json");
    sendalerts_once(
        &db,
        &[
            ("HC_PUSHOVER_URL", messages_url.as_str()),
            ("PUSHOVER_API_TOKEN", "app-token"),
        ],
    );
    assert!(sink.requests().is_empty());
    let queued: i64 = notifications::table.count().get_result(conn).unwrap();
    assert_eq!(queued, 0);
}

#[test]
fn pushbullet_pushes_a_note_with_the_access_token() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "pushbullet", "o.pb-token");
    let url = sink.url("/v2/pushes");
    sendalerts_once(&db, &[("HC_PUSHBULLET_URL", url.as_str())]);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/v2/pushes")
    );
    assert_eq!(r.header("access-token"), Some("o.pb-token"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({
            "type": "note",
            "title": "Mychecks",
            "body": format!(
                "The check \"My First Check\" is DOWN ({REASON}).\n{}",
                cloaked(&check)
            ),
        })
    );
    assert_eq!(the_notification(conn).status, "sent");
}

#[test]
fn victorops_posts_to_the_rest_endpoint() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(
        conn,
        "victorops",
        &sink.url("/integrations/generic/20131114/alert/api-key/routing"),
    );
    sendalerts_once(&db, &[]);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        (
            "POST",
            "/integrations/generic/20131114/alert/api-key/routing"
        )
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({
            "entity_id": check.unique_key(),
            "message_type": "CRITICAL",
            "entity_display_name": "My First Check",
            "state_message": format!(
                "My First Check is DOWN ({REASON}).\n{}",
                cloaked(&check)
            ),
            "monitoring_tool": "Mychecks",
        })
    );

    comes_back_up(conn, &check);
    sendalerts_once(&db, &[]);
    let requests = sink.requests();
    assert_eq!(requests.len(), 2);
    let recovery = requests[1].json();
    assert_eq!(recovery["message_type"], "RECOVERY");
    assert_eq!(recovery["entity_id"], check.unique_key());
}

#[test]
fn a_removed_victorops_endpoint_disables_the_channel() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    check_with_channel(conn, "victorops", &sink.url("/alert/gone/routing"));
    sink.reply(reply_with(
        404,
        r#"{"result": "failure", "message": "Not Found"}"#,
    ));
    sendalerts_once(&db, &[]);
    assert_eq!(sink.requests().len(), 1, "not retried");
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Received status code 404")
    );
    let channel: Channel = channels::table
        .select(Channel::as_select())
        .first(conn)
        .unwrap();
    assert!(channel.disabled);
    assert_eq!(channel.last_error, "Received status code 404");
}

#[test]
fn opsgenie_creates_an_alert_and_closes_it_by_alias() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "opsgenie", r#"{"key": "gk-1", "region": "us"}"#);
    let root = sink.url("");
    let env = [("HC_OPSGENIE_URL", root.as_str())];
    sendalerts_once(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/v2/alerts")
    );
    assert_eq!(r.header("authorization"), Some("GenieKey gk-1"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let key = check.unique_key();
    assert_eq!(
        r.json(),
        json!({
            "alias": key,
            "source": "Mychecks",
            "tags": [],
            "message": format!("The check \"My First Check\" is DOWN ({REASON})."),
            "description": "",
            "details": {
                "Project": "ops@example.org",
                "Total pings": "0",
                "Last ping": "Never",
                "Period": "1 day",
                "Full details": cloaked(&check),
            },
        })
    );

    comes_back_up(conn, &check);
    sendalerts_once(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 2);
    let close = &requests[1];
    assert_eq!(
        (close.method.as_str(), close.target.as_str()),
        (
            "POST",
            format!("/v2/alerts/{key}/close?identifierType=alias").as_str()
        )
    );
    assert_eq!(close.header("authorization"), Some("GenieKey gk-1"));
    assert_eq!(close.json(), json!({"alias": key, "source": "Mychecks"}));
    assert_eq!(latest_notification(conn).status, "sent");
}

// The two tests below judge the provider's answer body, which `Outbound::send`
// currently loses: `chunk.get(..remaining)` is `None` for any chunk shorter than the
// 64 KiB still allowed, so every body reads as empty. They pass once that is fixed.

#[test]
fn opsgenie_refusals_keep_its_explanation() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    check_with_channel(conn, "opsgenie", r#"{"key": "bad key", "region": "us"}"#);
    sink.reply(reply_with(
        422,
        r#"{"message": "Key format is not valid!", "took": 0.001}"#,
    ));
    let root = sink.url("");
    sendalerts_once(&db, &[("HC_OPSGENIE_URL", root.as_str())]);
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        (
            "failed",
            "Received status code 422 with a message: \"Key format is not valid!\""
        )
    );
}

#[test]
fn an_invalid_pushover_user_disables_the_channel() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    check_with_channel(conn, "po", "gone-user|0|0");
    sink.reply(reply_with(
        400,
        r#"{"user": "invalid", "errors": ["user identifier is invalid"], "status": 0}"#,
    ));
    let messages_url = sink.url("/1/messages.json");
    sendalerts_once(
        &db,
        &[
            ("HC_PUSHOVER_URL", messages_url.as_str()),
            ("PUSHOVER_API_TOKEN", "app-token"),
        ],
    );
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Received status code 400 (invalid user)")
    );
    let channel: Channel = channels::table
        .select(Channel::as_select())
        .first(conn)
        .unwrap();
    assert!(channel.disabled);
}

#[test]
fn pushover_takes_six_messages_a_minute_per_user_and_keeps_the_rest_for_later() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    // Seven people's checks go down, all notifying one Pushover user.
    for i in 0..7 {
        crate::notify::overdue_check(conn, &format!("po{i}@example.org"));
    }
    diesel::update(channels::table)
        .set((channels::kind.eq("po"), channels::value.eq("shared-user|0")))
        .execute(conn)
        .unwrap();
    let messages_url = sink.url("/1/messages.json");
    sendalerts_once(
        &db,
        &[
            ("HC_PUSHOVER_URL", messages_url.as_str()),
            ("PUSHOVER_API_TOKEN", "app-token"),
        ],
    );
    assert_eq!(sink.requests().len(), 6);
    let all: Vec<Notification> = notifications::table
        .select(Notification::as_select())
        .load(conn)
        .unwrap();
    let waiting: Vec<&Notification> = all.iter().filter(|n| n.status == "pending").collect();
    assert_eq!(waiting.len(), 1, "{all:?}");
    assert_eq!(waiting[0].error, "Rate limit exceeded");
    assert!(
        waiting[0].next_attempt.is_some(),
        "tried again later, not dropped"
    );
}
