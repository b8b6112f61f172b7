//! Kinds that do their work on this machine or through other channels: shell
//! commands (run for real, writing to a temporary file), groups (their members'
//! notifications, once each, even when the group's delivery is repeated), and
//! Apprise (its real command-line tool posting to a loopback server).

use chrono::Duration;
use diesel::prelude::*;
use hc_core::db::DbConn;
use hc_core::models::{Channel, ChannelCheck, Check, Notification};
use hc_core::schema::{channel_checks, channels, checks, notifications};
use hc_core::{keys, time};
use hc_test::{HttpSink, TestDb};
use serde_json::json;

use crate::integrations::{
    all_notifications, check_with_channel, comes_back_up, reply_status, sendalerts_once,
    the_channel,
};

const REASON: &str = "Reason: success signal did not arrive on time, grace time passed.";

fn reload(conn: &mut DbConn, channel: &Channel) -> Channel {
    channels::table
        .find(channel.id)
        .select(Channel::as_select())
        .first(conn)
        .unwrap()
}

fn notifications_of(conn: &mut DbConn, channel: &Channel) -> Vec<Notification> {
    notifications::table
        .filter(notifications::channel_id.eq(channel.id))
        .order(notifications::id)
        .select(Notification::as_select())
        .load(conn)
        .unwrap()
}

/// A new channel of `project_id`, attached to no check.
fn new_channel(conn: &mut DbConn, project_id: i64, kind: &str, value: &str) -> Channel {
    let channel = Channel {
        id: 0,
        code: keys::new_uuid(),
        project_id,
        name: String::new(),
        kind: kind.into(),
        value: value.into(),
        email_verified: true,
        disabled: false,
        last_notify: None,
        last_notify_duration: None,
        last_error: String::new(),
        created: time::now().naive_utc(),
    };
    diesel::insert_into(channels::table)
        .values(&channel)
        .execute(conn)
        .unwrap();
    channels::table
        .filter(channels::code.eq(&channel.code))
        .select(Channel::as_select())
        .first(conn)
        .unwrap()
}

fn attach(conn: &mut DbConn, channel: &Channel, check: &Check) {
    diesel::insert_into(channel_checks::table)
        .values(ChannelCheck {
            channel_id: channel.id,
            check_id: check.id,
        })
        .execute(conn)
        .unwrap();
}

/// A webhook that POSTs `$STATUS` to `url` when a check goes down, and sends nothing
/// when it comes back up.
fn down_hook(url: &str) -> String {
    json!({"method_down": "POST", "url_down": url, "body_down": "$NAME is $STATUS", "url_up": ""})
        .to_string()
}

/// A file in the system's temporary directory, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new() -> TempFile {
        TempFile(std::env::temp_dir().join(format!("hc-shell-it-{}", keys::new_uuid())))
    }
    fn path(&self) -> String {
        self.0.display().to_string()
    }
    fn text(&self) -> String {
        std::fs::read_to_string(&self.0).unwrap_or_default()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn shell_commands_run_with_placeholders_for_down_and_up() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let out = TempFile::new();
    let value = json!({
        "cmd_down": format!("printf '%s|%s|%s|%s\\n' $STATUS $NAME $TAG1 $CODE >> {}", out.path()),
        "cmd_up": format!("echo \"up: \"$NAME >> {}", out.path()),
    });
    let check = check_with_channel(conn, "shell", &value.to_string());
    diesel::update(checks::table.find(check.id))
        .set(checks::tags.eq("db; nightly"))
        .execute(conn)
        .unwrap();
    let env = [("SHELL_ENABLED", "True")];
    sendalerts_once(&db, &env);
    assert_eq!(
        out.text(),
        format!("down|My First Check|db;|{}\n", check.code),
        "the name and tags are single words, whatever they contain"
    );
    let n = &all_notifications(conn)[0];
    assert_eq!(
        (n.status.as_str(), n.error.as_str(), n.check_status.as_str()),
        ("sent", "", "down")
    );

    comes_back_up(conn, &check);
    sendalerts_once(&db, &env);
    assert_eq!(
        out.text(),
        format!(
            "down|My First Check|db;|{}\nup: My First Check\n",
            check.code
        )
    );
    let all = all_notifications(conn);
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[1].status.as_str(), all[1].check_status.as_str()),
        ("sent", "up")
    );
}

#[test]
fn shell_failures_report_the_wait_status_and_empty_commands_send_nothing() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let out = TempFile::new();
    let value = json!({"cmd_down": format!("echo ran > {}; exit 1", out.path()), "cmd_up": ""});
    let check = check_with_channel(conn, "shell", &value.to_string());
    sendalerts_once(&db, &[("SHELL_ENABLED", "True")]);
    assert_eq!(out.text(), "ran\n");
    let n = &all_notifications(conn)[0];
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Command returned exit code 256")
    );
    let channel = the_channel(conn);
    assert_eq!(channel.last_error, "Command returned exit code 256");
    assert!(!channel.disabled);

    // No command for "up": nothing is queued.
    comes_back_up(conn, &check);
    sendalerts_once(&db, &[("SHELL_ENABLED", "True")]);
    assert_eq!(all_notifications(conn).len(), 1);
}

#[test]
fn shell_commands_do_not_run_unless_the_operator_enables_them() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let out = TempFile::new();
    let value = json!({"cmd_down": format!("echo ran > {}", out.path()), "cmd_up": ""});
    check_with_channel(conn, "shell", &value.to_string());
    sendalerts_once(&db, &[]);
    assert!(!out.0.exists(), "the command did not run");
    let n = &all_notifications(conn)[0];
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Shell commands are not enabled")
    );
}

/// A group on the check's only channel, and its would-be members: two webhooks, one
/// silent when checks go down, and a webhook of another project.
struct Grouped {
    check: Check,
    group: Channel,
    ok: Channel,
    refused: Channel,
    silent: Channel,
    stranger: Channel,
}

fn grouped(conn: &mut DbConn, good: &HttpSink, bad: &HttpSink) -> Grouped {
    let check = check_with_channel(conn, "group", "");
    let project_id = check.project_id.unwrap();
    let ok = new_channel(
        conn,
        project_id,
        "webhook",
        &down_hook(&good.url("/ok/$STATUS")),
    );
    let refused = new_channel(conn, project_id, "webhook", &down_hook(&bad.url("/bad")));
    let silent = new_channel(
        conn,
        project_id,
        "webhook",
        &json!({"url_down": "", "url_up": good.url("/silent")}).to_string(),
    );
    let other = crate::notify::overdue_check(conn, "someone@example.org");
    let stranger = new_channel(
        conn,
        other.project_id.unwrap(),
        "webhook",
        &down_hook(&good.url("/stranger")),
    );
    let value = [
        ok.code.as_str(),
        refused.code.as_str(),
        silent.code.as_str(),
        stranger.code.as_str(),
        "5bb3ad4f-0000-4000-8000-000000000000",
    ]
    .join(",");
    let group = the_channel(conn);
    diesel::update(channels::table.find(group.id))
        .set(channels::value.eq(&value))
        .execute(conn)
        .unwrap();
    // The other project's check and its e-mail channel: out of the way.
    diesel::delete(channels::table.filter(channels::kind.eq("email")))
        .execute(conn)
        .unwrap();
    diesel::update(checks::table.find(other.id))
        .set(checks::status.eq("paused"))
        .execute(conn)
        .unwrap();
    Grouped {
        check,
        group: reload(conn, &group),
        ok,
        refused,
        silent,
        stranger,
    }
}

#[test]
fn a_group_notifies_each_member_once_and_counts_the_failures() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let (good, bad) = (HttpSink::start(), HttpSink::start());
    bad.reply(reply_status(400));
    let g = grouped(conn, &good, &bad);
    // Also attached directly: still one notification, one request.
    attach(conn, &g.ok, &g.check);
    sendalerts_once(&db, &[]);

    let targets: Vec<String> = good.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets, ["/ok/down"]);
    assert_eq!(good.requests()[0].text(), "My First Check is down");
    assert_eq!(bad.requests().len(), 1);
    let ok = notifications_of(conn, &g.ok);
    assert_eq!(ok.len(), 1);
    assert_eq!((ok[0].status.as_str(), ok[0].error.as_str()), ("sent", ""));
    let refused = notifications_of(conn, &g.refused);
    assert_eq!(
        (refused[0].status.as_str(), refused[0].error.as_str()),
        ("failed", "Received status code 400")
    );
    assert!(notifications_of(conn, &g.silent).is_empty());
    assert!(notifications_of(conn, &g.stranger).is_empty());
    // The group's own record, claimed after its members, says how they went: one of
    // the three members of its project failed.
    let group = notifications_of(conn, &g.group);
    assert_eq!(group.len(), 1);
    assert_eq!(
        (group[0].status.as_str(), group[0].error.as_str()),
        ("failed", "1 out of 3 notifications failed")
    );
    assert!(group[0].id > ok[0].id && group[0].id > refused[0].id);
    assert_eq!(
        reload(conn, &g.group).last_error,
        "1 out of 3 notifications failed"
    );
    assert_eq!(all_notifications(conn).len(), 3);
}

#[test]
fn a_repeated_group_delivery_reports_again_without_sending_again() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let (good, bad) = (HttpSink::start(), HttpSink::start());
    let g = grouped(conn, &good, &bad);
    sendalerts_once(&db, &[]);
    assert_eq!((good.requests().len(), bad.requests().len()), (1, 1));
    let group = &notifications_of(conn, &g.group)[0];
    assert_eq!((group.status.as_str(), group.error.as_str()), ("sent", ""));

    // A daemon died while delivering the group: its claim ran out.
    let expired = (time::now() - Duration::minutes(5)).naive_utc();
    diesel::update(notifications::table.find(group.id))
        .set((
            notifications::status.eq("sending"),
            notifications::claimed_until.eq(Some(expired)),
        ))
        .execute(conn)
        .unwrap();
    sendalerts_once(&db, &[]);
    let group = &notifications_of(conn, &g.group)[0];
    assert_eq!((group.status.as_str(), group.attempts), ("sent", 2));
    assert_eq!(
        (good.requests().len(), bad.requests().len()),
        (1, 1),
        "the members were not sent to again"
    );
    assert_eq!(all_notifications(conn).len(), 3);

    // Back up: the members are silent for "up" but one, and only the group hears.
    comes_back_up(conn, &g.check);
    sendalerts_once(&db, &[]);
    let targets: Vec<String> = good.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets, ["/ok/down", "/silent"]);
    let silent = notifications_of(conn, &g.silent);
    assert_eq!((silent.len(), silent[0].check_status.as_str()), (1, "up"));
    let group = notifications_of(conn, &g.group);
    assert_eq!(
        (
            group.len(),
            group[1].status.as_str(),
            group[1].check_status.as_str()
        ),
        (2, "sent", "up")
    );
}

#[test]
fn held_members_whose_group_is_gone_are_sent_by_the_ordinary_loop() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let (good, bad) = (HttpSink::start(), HttpSink::start());
    let g = grouped(conn, &good, &bad);
    // Queue the flip's notifications, as a daemon does before delivering them.
    hc_core::alerts::going_down_pass(conn, time::now(), None).unwrap();
    hc_core::delivery::queue_flips(conn, time::now(), &hc_integrations::alert::is_noop).unwrap();
    let held = notifications_of(conn, &g.ok);
    assert_eq!(held[0].status, "held", "left to the group");
    assert_eq!(notifications_of(conn, &g.group)[0].status, "pending");
    // The group is deleted before its delivery: its members wait, then go out anyway.
    diesel::delete(channels::table.find(g.group.id))
        .execute(conn)
        .unwrap();
    sendalerts_once(&db, &[]);
    assert!(good.requests().is_empty(), "held for a while");
    let long_ago = (time::now() - hc_core::delivery::HOLD - Duration::minutes(1)).naive_utc();
    diesel::update(notifications::table)
        .set(notifications::created.eq(long_ago))
        .execute(conn)
        .unwrap();
    sendalerts_once(&db, &[]);
    assert_eq!(good.requests().len(), 1);
    assert_eq!(bad.requests().len(), 1);
    assert_eq!(notifications_of(conn, &g.ok)[0].status, "sent");
}

#[test]
fn disabled_members_and_unconfirmed_addresses_get_nothing() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let (good, bad) = (HttpSink::start(), HttpSink::start());
    let g = grouped(conn, &good, &bad);
    diesel::update(channels::table.filter(channels::id.eq_any([g.ok.id, g.refused.id])))
        .set(channels::disabled.eq(true))
        .execute(conn)
        .unwrap();
    let unconfirmed = new_channel(
        conn,
        g.group.project_id,
        "email",
        r#"{"value": "x@example.org", "up": true, "down": true}"#,
    );
    diesel::update(channels::table.find(unconfirmed.id))
        .set(channels::email_verified.eq(false))
        .execute(conn)
        .unwrap();
    diesel::update(channels::table.find(g.group.id))
        .set(channels::value.eq(format!("{},{}", g.group.value, unconfirmed.code)))
        .execute(conn)
        .unwrap();
    sendalerts_once(&db, &[]);
    assert!(good.requests().is_empty() && bad.requests().is_empty());
    let all = all_notifications(conn);
    assert_eq!(all.len(), 1, "only the group's own");
    assert_eq!(
        (all[0].channel_id, all[0].status.as_str()),
        (g.group.id, "sent")
    );
}

/// The environment for Apprise: its tool is found on `PATH`.
fn apprise_env() -> Vec<(&'static str, String)> {
    vec![
        ("APPRISE_ENABLED", "True".to_owned()),
        ("PATH", std::env::var("PATH").unwrap_or_default()),
    ]
}

fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn apprise_posts_through_its_own_tool_for_down_and_up() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let sink = HttpSink::start();
    let url = format!("json://127.0.0.1:{}/apprise/hook", sink.port);
    let check = check_with_channel(conn, "apprise", &url);
    let env = apprise_env();
    sendalerts_once(&db, &borrowed(&env));
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/apprise/hook")
    );
    assert_eq!(r.header("user-agent"), Some("Apprise"));
    let sent = r.json();
    assert_eq!(
        (&sent["title"], &sent["message"], &sent["type"]),
        (
            &json!("My First Check is DOWN"),
            &json!(format!("My First Check is DOWN.\n{REASON}")),
            &json!("failure")
        )
    );
    assert_eq!(the_channel(conn).last_error, "");
    assert_eq!(all_notifications(conn)[0].status, "sent");

    comes_back_up(conn, &check);
    sendalerts_once(&db, &borrowed(&env));
    let up = sink.requests()[1].json();
    assert_eq!(
        (&up["title"], &up["type"]),
        (&json!("My First Check is UP"), &json!("success"))
    );
    let message = up["message"].as_str().unwrap();
    assert!(
        message.starts_with("My First Check is UP.\nThe downtime lasted "),
        "{message}"
    );
}

#[test]
fn apprise_failures_and_the_setting_are_reported() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let sink = HttpSink::start();
    sink.reply(reply_status(500));
    let url = format!("json://127.0.0.1:{}/apprise/hook", sink.port);
    check_with_channel(conn, "apprise", &url);
    sendalerts_once(&db, &borrowed(&apprise_env()));
    assert_eq!(sink.requests().len(), 1, "Apprise tried");
    let n = &all_notifications(conn)[0];
    assert_eq!((n.status.as_str(), n.error.as_str()), ("failed", "Failed"));

    // Switched off: Apprise is not run at all.
    diesel::delete(notifications::table).execute(conn).unwrap();
    let check = check_of(conn);
    crate::integrations::flip_again(conn, &check);
    sendalerts_once(&db, &[("PATH", &std::env::var("PATH").unwrap_or_default())]);
    assert_eq!(sink.requests().len(), 1);
    let n = &all_notifications(conn)[0];
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Apprise is disabled and/or not installed")
    );
}

fn check_of(conn: &mut DbConn) -> Check {
    checks::table
        .order(checks::id)
        .select(Check::as_select())
        .first(conn)
        .unwrap()
}
