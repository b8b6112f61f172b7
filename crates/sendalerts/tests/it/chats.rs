//! Chat integrations (Telegram, Microsoft Teams, Rocket.Chat, Matrix, ntfy, Gotify,
//! Zulip, Signal) against real servers on loopback: the exact request each kind
//! makes when a check goes down, and what a provider's refusal does to the channel.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use diesel::prelude::*;
use hc_core::models::Check;
use hc_core::schema::{channels, flips, notifications};
use hc_test::{HttpSink, Recorded, TestDb};
use serde_json::{json, Value};

use crate::integrations::{
    check_with_channel, cloaked, db_with_sink, flip_again, form_fields, reply_with,
    sendalerts_once, the_channel, the_notification,
};

const REASON: &str = "success signal did not arrive on time, grace time passed";

/// The one request the sink received.
fn only_request(sink: &HttpSink) -> Recorded {
    let requests = sink.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    requests.into_iter().next().unwrap()
}

/// The overdue check's message in Markdown (ntfy, Gotify, Zulip).
fn markdown(check: &Check) -> String {
    format!(
        "\u{1f534} **My First Check** is **DOWN** ({REASON}).\n\
         \n\
         - **Project:** ops@example.org\n\
         - **Period:** 1 day\n\
         - **Total pings:** 0\n\
         - **Last ping:** Never\n\
         \n\
         [View on Mychecks]({})",
        cloaked(check)
    )
}

/// The overdue check's message in plain text (Matrix, Signal).
fn plain(check: &Check) -> String {
    format!(
        "\u{1f534} \u{201c}My First Check\u{201d} is DOWN ({REASON}).\n\
         \n\
         Project: ops@example.org\n\
         Period: 1 day\n\
         Total pings: 0\n\
         Last ping: Never\n\
         \n\
         View on Mychecks: {}",
        cloaked(check)
    )
}

#[test]
fn telegram_sends_html_to_the_chat_and_a_blocked_bot_disables_the_channel() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let value = json!({"id": -1001234, "type": "supergroup", "name": "Ops", "thread_id": 7});
    let check = check_with_channel(conn, "telegram", &value.to_string());
    let env = [
        ("HC_TELEGRAM_URL", sink.url("")),
        ("TELEGRAM_TOKEN", "123456:ABC-def".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sendalerts_once(&db, &env);
    let r = only_request(&sink);
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/bot123456:ABC-def/sendMessage")
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({
            "chat_id": -1001234,
            "message_thread_id": 7,
            "text": format!(
                "\u{1f534} <b>My First Check</b> is <b>DOWN</b> ({REASON}).\n\
                 \n\
                 <b>Project:</b> ops@example.org\n\
                 <b>Period:</b> 1 day\n\
                 <b>Total pings:</b> 0\n\
                 <b>Last ping:</b> Never\n\
                 \n\
                 <a href=\"{}\">View on Mychecks</a>",
                cloaked(&check)
            ),
            "parse_mode": "html",
        })
    );
    assert_eq!(the_notification(conn).status, "sent");

    // The user blocked the bot: Telegram says so, and hc stops trying.
    sink.reply(reply_with(
        403,
        r#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#,
    ));
    diesel::delete(notifications::table).execute(conn).unwrap();
    flip_again(conn, &check);
    sendalerts_once(&db, &env);
    let expected =
        "Received status code 403 with a message: \"Forbidden: bot was blocked by the user\"";
    let n = the_notification(conn);
    assert_eq!((n.status.as_str(), n.error.as_str()), ("failed", expected));
    let channel = the_channel(conn);
    assert!(channel.disabled);
    assert_eq!(channel.last_error, expected);
}

/// A group upgraded to a supergroup has a new chat id: Telegram refuses and names
/// it, and hc stores it in the channel and sends again, to the new chat.
#[test]
fn telegram_follows_a_group_to_its_supergroup() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let value = json!({"id": -4242, "type": "group", "name": "Ops", "thread_id": null});
    check_with_channel(conn, "telegram", &value.to_string());
    sink.replies(vec![
        reply_with(400, r#"{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1009876543210}}"#),
        reply_with(200, r#"{"ok":true,"result":{"message_id":1}}"#),
    ]);
    let env = [
        ("HC_TELEGRAM_URL", sink.url("")),
        ("TELEGRAM_TOKEN", "123456:ABC-def".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sendalerts_once(&db, &env);
    let requests = sink.requests();
    let chats: Vec<Value> = requests
        .iter()
        .map(|r| r.json()["chat_id"].clone())
        .collect();
    assert_eq!(
        chats,
        [json!(-4242), json!(-1009876543210_i64)],
        "old chat, then new"
    );
    assert!(requests
        .iter()
        .all(|r| r.target == "/bot123456:ABC-def/sendMessage"));
    assert_eq!(requests[0].json()["text"], requests[1].json()["text"]);
    let channel = the_channel(conn);
    assert_eq!(
        serde_json::from_str::<Value>(&channel.value).unwrap(),
        json!({"id": -1009876543210_i64, "type": "group", "name": "Ops", "thread_id": null}),
        "the new id stored, the other fields kept"
    );
    assert!(!channel.disabled);
    let n = the_notification(conn);
    assert_eq!((n.status.as_str(), n.error.as_str()), ("sent", ""));
}

#[test]
fn microsoft_teams_gets_one_adaptive_card() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(
        conn,
        "msteamsw",
        &sink.url("/workflows/abc/triggers/manual"),
    );
    sendalerts_once(&db, &[]);
    let r = only_request(&sink);
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/workflows/abc/triggers/manual")
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.2",
                    "fallbackText": "\u{201c}My First Check\u{201d} is DOWN.",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": format!("\u{1f534} \u{201c}My First Check\u{201d} is DOWN ({REASON})."),
                            "weight": "bolder",
                            "size": "medium",
                            "wrap": true,
                            "style": "heading",
                        },
                        {"type": "FactSet", "facts": [
                            {"title": "Project", "value": "ops@example.org"},
                            {"title": "Period", "value": "1 day"},
                            {"title": "Total Pings", "value": "0"},
                            {"title": "Last Ping", "value": "Never"},
                        ]},
                    ],
                    "actions": [{
                        "type": "Action.OpenUrl",
                        "title": "View in Mychecks",
                        "url": cloaked(&check),
                    }],
                },
            }],
        })
    );
    assert_eq!(the_notification(conn).status, "sent");
}

#[test]
fn rocketchat_gets_a_linked_headline_and_fields() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "rocketchat", &sink.url("/hooks/abc/xyz"));
    sendalerts_once(&db, &[]);
    let r = only_request(&sink);
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/hooks/abc/xyz")
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({
            "alias": "Mychecks",
            "avatar": "https://hc.example.org/static/img/logo.png",
            "text": format!("[My First Check]({}) is DOWN ({REASON}).", cloaked(&check)),
            "attachments": [{
                "color": "#d9534f",
                "fields": [
                    {"title": "Project", "value": "ops@example.org", "short": true},
                    {"title": "Period", "value": "1 day", "short": true},
                    {"title": "Total Pings", "value": "0", "short": true},
                    {"title": "Last Ping", "value": "Never", "short": true},
                ],
            }],
        })
    );
    assert_eq!(the_notification(conn).status, "sent");
}

#[test]
fn matrix_puts_an_event_into_the_room_with_the_bot_token() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "matrix", "!OpsRoom:example.org");
    let homeserver = sink.url("");
    sendalerts_once(
        &db,
        &[
            ("MATRIX_HOMESERVER", homeserver.as_str()),
            ("MATRIX_ACCESS_TOKEN", "syt_bot_token"),
        ],
    );
    let r = only_request(&sink);
    assert_eq!(r.method, "PUT");
    let prefix = "/_matrix/client/v3/rooms/%21OpsRoom%3Aexample.org/send/m.room.message/";
    let txn = r
        .target
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{}", r.target));
    assert_eq!(txn.len(), 36, "a fresh UUID per event: {txn}");
    assert_eq!(txn.matches('-').count(), 4, "{txn}");
    assert_eq!(r.header("authorization"), Some("Bearer syt_bot_token"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let url = cloaked(&check);
    assert_eq!(
        r.json(),
        json!({
            "msgtype": "m.text",
            "body": plain(&check),
            "format": "org.matrix.custom.html",
            "formatted_body": format!(
                "<p>\u{1f534} <b>My First Check</b> is <b>DOWN</b> ({REASON}).</p>\n\
                 <p><b>Project:</b> ops@example.org<br>\n\
                 <b>Period:</b> 1 day<br>\n\
                 <b>Total pings:</b> 0<br>\n\
                 <b>Last ping:</b> Never</p>\n\
                 <p><a href=\"{url}\">View on Mychecks</a></p>"
            ),
        })
    );
    assert_eq!(the_notification(conn).status, "sent");
}

#[test]
fn ntfy_publishes_to_the_topic_with_the_channel_token() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let value = json!({
        "topic": "hc-alerts", "url": sink.url(""), "priority": 5, "priority_up": 0,
        "token": "tk_abc",
    });
    let check = check_with_channel(conn, "ntfy", &value.to_string());
    sendalerts_once(&db, &[]);
    let r = only_request(&sink);
    assert_eq!((r.method.as_str(), r.target.as_str()), ("POST", "/"));
    assert_eq!(r.header("authorization"), Some("Bearer tk_abc"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({
            "topic": "hc-alerts",
            "priority": 5,
            "title": "My First Check is DOWN",
            "message": markdown(&check),
            "markdown": true,
            "tags": ["red_circle"],
            "actions": [{
                "action": "view",
                "label": "View on Mychecks",
                "url": cloaked(&check),
            }],
        })
    );
    assert_eq!(the_notification(conn).status, "sent");
}

#[test]
fn gotify_posts_markdown_and_priority_zero_sends_nothing() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let value = json!({
        "url": sink.url("/gotify/"), "token": "AbC.123", "priority": 9, "priority_up": 2,
    });
    let check = check_with_channel(conn, "gotify", &value.to_string());
    sendalerts_once(&db, &[]);
    let r = only_request(&sink);
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/gotify/message?token=AbC.123")
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({
            "title": "My First Check is DOWN",
            "message": markdown(&check),
            "extras": {"client::display": {"contentType": "text/markdown"}},
            "priority": 9,
        })
    );
    assert_eq!(the_notification(conn).status, "sent");

    // Down alerts switched off: nothing is queued, nothing is sent.
    let silent = json!({"url": sink.url("/gotify"), "token": "t", "priority": 0, "priority_up": 2});
    diesel::update(channels::table)
        .set(channels::value.eq(silent.to_string()))
        .execute(conn)
        .unwrap();
    diesel::delete(notifications::table).execute(conn).unwrap();
    flip_again(conn, &check);
    sendalerts_once(&db, &[]);
    let processed: i64 = flips::table
        .filter(flips::processed.is_not_null())
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(processed, 2, "the check went down a second time");
    assert_eq!(sink.requests().len(), 1);
    let queued: i64 = notifications::table.count().get_result(conn).unwrap();
    assert_eq!(queued, 0);
}

#[test]
fn zulip_posts_a_form_as_the_bot_and_reports_zulips_error() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let value = json!({
        "bot_email": "hc-bot@zulip.example.org", "api_key": "k3y", "mtype": "stream",
        "to": "ops", "site": sink.url(""), "topic": "",
    });
    let check = check_with_channel(conn, "zulip", &value.to_string());
    sendalerts_once(&db, &[]);
    let r = only_request(&sink);
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/api/v1/messages")
    );
    // base64("hc-bot@zulip.example.org:k3y")
    assert_eq!(
        r.header("authorization"),
        Some("Basic aGMtYm90QHp1bGlwLmV4YW1wbGUub3JnOmszeQ==")
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let expected: Vec<(String, String)> = [
        ("type", "stream".to_owned()),
        ("to", "ops".to_owned()),
        ("topic", "My First Check is DOWN".to_owned()),
        ("content", markdown(&check)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(form_fields(&r), expected);
    assert_eq!(the_notification(conn).status, "sent");

    sink.reply(reply_with(
        400,
        r#"{"result":"error","msg":"Stream 'ops' does not exist","code":"STREAM_DOES_NOT_EXIST"}"#,
    ));
    diesel::delete(notifications::table).execute(conn).unwrap();
    flip_again(conn, &check);
    sendalerts_once(&db, &[]);
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        (
            "failed",
            "Received status code 400 with a message: \"Stream 'ops' does not exist\""
        )
    );
    assert!(!the_channel(conn).disabled);
}

/// A stand-in for signal-cli's JSON-RPC daemon on loopback TCP: each connection's
/// first line is passed on, and answered with an empty result for its id.
fn signal_cli_stub() -> (u16, mpsc::Receiver<String>) {
    signal_cli_answering(|_| None)
}

/// [`signal_cli_stub`] answering call `n` (from 0) with `error(n)` when it is some.
fn signal_cli_answering(
    error: impl Fn(usize) -> Option<Value> + Send + 'static,
) -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().flatten().enumerate() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let id = serde_json::from_str::<Value>(&line)
                .ok()
                .and_then(|v| v.get("id").cloned())
                .unwrap_or(Value::Null);
            let answer = match error(n) {
                Some(error) => json!({"jsonrpc": "2.0", "error": error, "id": id}),
                None => json!({"jsonrpc": "2.0", "result": {}, "id": id}),
            };
            let _ = writeln!(&stream, "{answer}");
            let _ = tx.send(line);
        }
    });
    (port, rx)
}

#[test]
fn signal_calls_send_over_the_signal_cli_socket() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let (port, lines) = signal_cli_stub();
    let value = json!({"value": "+15550001111", "up": true, "down": true});
    let check = check_with_channel(conn, "signal", &value.to_string());
    let socket = format!("127.0.0.1:{port}");
    sendalerts_once(&db, &[("SIGNAL_CLI_SOCKET", socket.as_str())]);
    let line = lines.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(line.ends_with('\n'), "one JSON line: {line:?}");
    let request: Value = serde_json::from_str(&line).unwrap();
    let id = request["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(id.len(), 36, "a fresh UUID per call: {id}");
    assert_eq!(
        request,
        json!({
            "jsonrpc": "2.0",
            "method": "send",
            "params": {
                "recipient": ["+15550001111"],
                "message": plain(&check),
                "textStyle": ["4:14:BOLD", "23:4:BOLD"],
            },
            "id": id,
        })
    );
    assert!(lines.try_recv().is_err(), "one call only");
    assert_eq!(the_notification(conn).status, "sent");
}

/// signal-cli's answer when Signal wants a CAPTCHA solved before it takes more.
fn rate_limited(token: &str) -> Value {
    json!({
        "code": -5,
        "message": "Failed to send message due to rate limiting",
        "data": {"response": {"timestamp": 1, "results": [{
            "recipientAddress": {"uuid": null, "number": "+15550001111"},
            "type": "RATE_LIMIT_FAILURE",
            "token": token,
            "retryAfterSeconds": 86400,
        }]}},
    })
}

/// Signal's CAPTCHA: the alert waits for a retry, and the operators (ADMINS) get
/// one e-mail per challenge, with the token and what to do with it.
#[test]
fn a_signal_captcha_challenge_is_mailed_to_the_operators_once() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let smtp = hc_test::SmtpSink::start();
    // Calls 0 and 1 meet one challenge, call 2 (a later alert) another.
    let (port, lines) = signal_cli_answering(|n| {
        Some(rate_limited(if n < 2 {
            "challenge-one"
        } else {
            "challenge-two"
        }))
    });
    let value = json!({"value": "+15550001111", "up": true, "down": true});
    let check = check_with_channel(conn, "signal", &value.to_string());
    let socket = format!("127.0.0.1:{port}");
    let smtp_port = smtp.port.to_string();
    let env = [
        ("SIGNAL_CLI_SOCKET", socket.as_str()),
        ("EMAIL_HOST", "127.0.0.1"),
        ("EMAIL_PORT", smtp_port.as_str()),
        ("EMAIL_USE_TLS", "False"),
        ("ADMINS", "ops@example.org,oncall@example.org"),
    ];
    sendalerts_once(&db, &env);
    lines.recv_timeout(Duration::from_secs(10)).unwrap();
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str(), n.attempts),
        (
            "pending",
            "signal-cli was rate limited (Signal asks the operator to solve a CAPTCHA)",
            1
        )
    );
    let mails = smtp.messages();
    assert_eq!(mails.len(), 2, "one per operator: {mails:#?}");
    for to in ["ops@example.org", "oncall@example.org"] {
        let mail = mails
            .iter()
            .find(|m| m.contains(&format!("To: {to}")))
            .unwrap_or_else(|| panic!("no notice to {to}: {mails:#?}"));
        assert!(
            mail.contains("Subject: Mychecks: Signal asks for a CAPTCHA"),
            "{mail}"
        );
        assert!(mail.contains("Challenge token: challenge-one"), "{mail}");
        assert!(
            mail.contains("submitRateLimitChallenge --challenge challenge-one"),
            "{mail}"
        );
        assert!(
            mail.contains(&format!("SIGNAL_CLI_SOCKET = {socket}")),
            "{mail}"
        );
    }
    let recorded: i64 = hc_core::schema::emails::table
        .filter(hc_core::schema::emails::status.eq("sent"))
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(recorded, 2, "recorded like every mail hc sends");

    // The retry meets the same challenge: no second notice.
    diesel::update(notifications::table)
        .set(notifications::next_attempt.eq(Some(hc_core::time::now().naive_utc())))
        .execute(conn)
        .unwrap();
    sendalerts_once(&db, &env);
    lines.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(the_notification(conn).attempts, 2);
    assert_eq!(smtp.messages().len(), 2);

    // A later alert meets a new challenge: the operators hear of it.
    diesel::delete(notifications::table).execute(conn).unwrap();
    flip_again(conn, &check);
    sendalerts_once(&db, &env);
    lines.recv_timeout(Duration::from_secs(10)).unwrap();
    let mails = smtp.messages();
    assert_eq!(mails.len(), 4, "{mails:#?}");
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.contains("Challenge token: challenge-two"))
            .count(),
        2
    );
}
