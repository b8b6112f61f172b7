//! SMS, WhatsApp and phone calls through Twilio, against a real HTTP server on
//! loopback playing Twilio's REST API: the exact form each posts with the site's
//! account, the statuses each stays silent for, the monthly quotas on the project
//! owner's profile, and Twilio's "invalid number" answer.

use chrono::Duration;
use diesel::prelude::*;
use hc_core::accounts::{self, NewUser};
use hc_core::db::DbConn;
use hc_core::models::{Check, Email, Profile};
use hc_core::schema::{channels, checks, emails, members, notifications, profiles, projects};
use hc_core::time;
use hc_test::{Recorded, Reply, TestDb};

use crate::integrations::{
    all_notifications, check_with_channel, comes_back_up, db_with_sink, form_fields, pairs,
    reply_status, reply_with, sendalerts_once, the_channel, the_notification,
};

const FORM: &str = "application/x-www-form-urlencoded";
/// `AC123:tok` in base64.
const BASIC: &str = "Basic QUMxMjM6dG9r";
const MESSAGES: &str = "/2010-04-01/Accounts/AC123/Messages.json";
const CALLS: &str = "/2010-04-01/Accounts/AC123/Calls.json";
const PHONE: &str = r#"{"value": "+15550100", "up": true, "down": true}"#;

/// What Twilio answers when it accepts a message or call.
fn accepted() -> Reply {
    reply_with(201, r#"{"sid": "SM0123", "status": "queued"}"#)
}

/// The site's Twilio settings, with the API at `base`.
fn twilio_env(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("HC_TWILIO_URL", base.to_owned()),
        ("TWILIO_ACCOUNT", "AC123".into()),
        ("TWILIO_AUTH", "tok".into()),
        ("TWILIO_FROM", "+15550001".into()),
    ]
}

fn run(db: &TestDb, env: &[(&'static str, String)]) {
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sendalerts_once(db, &pairs);
}

fn owner_profile(conn: &mut DbConn, check: &Check) -> Profile {
    let owner: i64 = projects::table
        .find(check.project_id.unwrap())
        .select(projects::owner_id)
        .first(conn)
        .unwrap();
    profiles::table
        .filter(profiles::user_id.eq(owner))
        .select(Profile::as_select())
        .first(conn)
        .unwrap()
}

fn assert_twilio_request(r: &Recorded, path: &str) {
    assert_eq!((r.method.as_str(), r.target.as_str()), ("POST", path));
    assert_eq!(r.header("authorization"), Some(BASIC));
    assert_eq!(r.header("content-type"), Some(FORM));
}

#[test]
fn an_sms_goes_out_for_down_and_up_and_counts_against_the_quota() {
    let (db, pool, sink) = db_with_sink();
    sink.reply(accepted());
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "sms", PHONE);
    let env = twilio_env(&sink.url(""));
    run(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    assert_twilio_request(&requests[0], MESSAGES);
    assert_eq!(
        form_fields(&requests[0]),
        pairs(&[
            ("To", "+15550100"),
            (
                "Body",
                "Mychecks: The check \"My First Check\" is DOWN (success signal did not arrive on time, grace time passed)."
            ),
            ("RiskCheck", "disable"),
            ("From", "+15550001"),
        ])
    );
    let n = the_notification(conn);
    assert_eq!((n.status.as_str(), n.error.as_str()), ("sent", ""));

    comes_back_up(conn, &check);
    run(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 2);
    assert_twilio_request(&requests[1], MESSAGES);
    let up = form_fields(&requests[1]);
    assert_eq!(
        up[1],
        (
            "Body".to_owned(),
            "Mychecks: The check \"My First Check\" is UP.".to_owned()
        )
    );
    let all = all_notifications(conn);
    assert_eq!(
        all.iter()
            .map(|n| (n.check_status.as_str(), n.status.as_str()))
            .collect::<Vec<_>>(),
        [("down", "sent"), ("up", "sent")]
    );
    let profile = owner_profile(conn, &check);
    assert_eq!(profile.sms_sent, 2, "both messages counted");
    assert!(profile.last_sms_date.is_some());
    assert_eq!(profile.calls_sent, 0);
}

#[test]
fn a_messaging_service_replaces_the_sender_number() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    // A bare number, as older versions stored it.
    check_with_channel(conn, "sms", "+15550100");
    let mut env = twilio_env(&sink.url(""));
    env.push(("TWILIO_MESSAGING_SERVICE_SID", "MG77".into()));
    run(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    let fields = form_fields(&requests[0]);
    assert_eq!(fields[0], ("To".to_owned(), "+15550100".to_owned()));
    assert_eq!(
        fields.last(),
        Some(&("MessagingServiceSid".to_owned(), "MG77".to_owned()))
    );
    assert!(fields.iter().all(|(k, _)| k != "From"));
}

#[test]
fn a_status_switched_off_sends_nothing_and_queues_nothing() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(
        conn,
        "sms",
        r#"{"value": "+15550100", "up": false, "down": true}"#,
    );
    let env = twilio_env(&sink.url(""));
    run(&db, &env);
    assert_eq!(sink.requests().len(), 1);
    comes_back_up(conn, &check);
    run(&db, &env);
    assert_eq!(sink.requests().len(), 1, "nothing sent for up");
    assert_eq!(all_notifications(conn).len(), 1, "nothing queued for up");
    assert_eq!(owner_profile(conn, &check).sms_sent, 1);
}

#[test]
fn whatsapp_sends_the_operators_template_for_each_status() {
    let (db, pool, sink) = db_with_sink();
    sink.reply(accepted());
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "whatsapp", PHONE);
    diesel::update(checks::table.find(check.id))
        .set(checks::name.eq("Backups \u{2013} nightly"))
        .execute(conn)
        .unwrap();
    let mut env = twilio_env(&sink.url(""));
    env.extend([
        ("TWILIO_USE_WHATSAPP", "True".to_owned()),
        ("WHATSAPP_DOWN_CONTENT_SID", "HXdown".to_owned()),
        ("WHATSAPP_UP_CONTENT_SID", "HXup".to_owned()),
    ]);
    run(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    assert_twilio_request(&requests[0], MESSAGES);
    assert_eq!(
        form_fields(&requests[0]),
        pairs(&[
            ("To", "whatsapp:+15550100"),
            ("From", "whatsapp:+15550001"),
            ("ContentSid", "HXdown"),
            ("ContentVariables", r#"{"1": "Backups \u2013 nightly"}"#),
        ])
    );
    assert_eq!(the_notification(conn).status, "sent");

    comes_back_up(conn, &check);
    run(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        form_fields(&requests[1])[2],
        ("ContentSid".to_owned(), "HXup".to_owned())
    );
    assert_eq!(
        owner_profile(conn, &check).sms_sent,
        2,
        "shares the SMS quota"
    );
}

#[test]
fn whatsapp_without_its_settings_is_refused() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    check_with_channel(conn, "whatsapp", PHONE);
    // Twilio is set up, but WhatsApp is not switched on.
    run(&db, &twilio_env(&sink.url("")));
    assert!(sink.requests().is_empty());
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "WhatsApp notifications are not enabled")
    );
}

#[test]
fn a_call_is_made_only_when_a_check_goes_down() {
    let (db, pool, sink) = db_with_sink();
    sink.reply(accepted());
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "call", r#"{"value": "+15550100"}"#);
    let env = twilio_env(&sink.url(""));
    run(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    assert_twilio_request(&requests[0], CALLS);
    assert_eq!(
        form_fields(&requests[0]),
        pairs(&[
            ("To", "+15550100"),
            ("From", "+15550001"),
            (
                "Twiml",
                "<Response><Say>Hello! A message from Mychecks: The check \"My First Check\" is down.</Say></Response>"
            ),
        ])
    );
    assert_eq!(the_notification(conn).status, "sent");
    assert_eq!(owner_profile(conn, &check).calls_sent, 1);

    comes_back_up(conn, &check);
    run(&db, &env);
    assert_eq!(sink.requests().len(), 1, "no call for up");
    assert_eq!(all_notifications(conn).len(), 1);
}

/// Sets the owner's quota: `limit` a month, `sent` already this month.
fn set_sms_quota(
    conn: &mut DbConn,
    check: &Check,
    limit: i64,
    sent: i64,
    when: chrono::NaiveDateTime,
) {
    let owner = owner_profile(conn, check).user_id;
    diesel::update(profiles::table.filter(profiles::user_id.eq(owner)))
        .set((
            profiles::sms_limit.eq(limit),
            profiles::sms_sent.eq(sent),
            profiles::last_sms_date.eq(Some(when)),
        ))
        .execute(conn)
        .unwrap();
}

fn queued_emails(conn: &mut DbConn) -> Vec<Email> {
    emails::table
        .order(emails::id)
        .select(Email::as_select())
        .load(conn)
        .unwrap()
}

#[test]
fn the_monthly_sms_limit_holds_alerts_back_and_tells_the_team() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "sms", PHONE);
    // A team member of the project hears about it too.
    let member = accounts::create_user(
        conn,
        &NewUser {
            email: "member@example.org",
            ..NewUser::default()
        },
    )
    .unwrap();
    diesel::insert_into(members::table)
        .values((
            members::user_id.eq(member.id),
            members::project_id.eq(check.project_id.unwrap()),
            members::role.eq("w"),
        ))
        .execute(conn)
        .unwrap();
    set_sms_quota(conn, &check, 5, 5, time::now().naive_utc());
    let env = twilio_env(&sink.url(""));
    run(&db, &env);
    assert!(sink.requests().is_empty(), "nothing sent over the limit");
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Monthly SMS limit exceeded")
    );
    assert_eq!(the_channel(conn).last_error, "Monthly SMS limit exceeded");
    assert!(!the_channel(conn).disabled);
    assert_eq!(owner_profile(conn, &check).sms_sent, 5);
    let mail = queued_emails(conn);
    assert_eq!(
        mail.iter()
            .map(|m| (m.to_email.as_str(), m.subject.as_str(), m.status.as_str()))
            .collect::<Vec<_>>(),
        [
            ("ops@example.org", "Monthly SMS Limit Reached", "queued"),
            ("member@example.org", "Monthly SMS Limit Reached", "queued"),
        ]
    );
    assert!(
        mail[0]
            .body_text
            .contains("monthly limit of 5 SMS messages"),
        "{}",
        mail[0].body_text
    );
    assert!(mail[0]
        .body_text
        .contains("Mychecks: The check \"My First Check\" is DOWN"));

    // Last month's count does not hold this month's alerts back.
    let last_month = (time::now() - Duration::days(40)).naive_utc();
    set_sms_quota(conn, &check, 5, 5, last_month);
    diesel::delete(notifications::table).execute(conn).unwrap();
    crate::integrations::flip_again(conn, &check);
    run(&db, &env);
    assert_eq!(sink.requests().len(), 1);
    assert_eq!(the_notification(conn).status, "sent");
    let profile = owner_profile(conn, &check);
    assert_eq!(profile.sms_sent, 1, "the count starts again");
    assert!(profile.last_sms_date.unwrap() > last_month);
}

#[test]
fn the_monthly_call_limit_holds_calls_back() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "call", r#"{"value": "+15550100"}"#);
    let owner = owner_profile(conn, &check).user_id;
    diesel::update(profiles::table.filter(profiles::user_id.eq(owner)))
        .set(profiles::call_limit.eq(0))
        .execute(conn)
        .unwrap();
    run(&db, &twilio_env(&sink.url("")));
    assert!(sink.requests().is_empty());
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Monthly phone call limit exceeded")
    );
    let mail = queued_emails(conn);
    assert_eq!(mail.len(), 1);
    assert_eq!(
        (mail[0].to_email.as_str(), mail[0].subject.as_str()),
        ("ops@example.org", "Monthly Phone Call Limit Reached")
    );
}

#[test]
fn an_invalid_number_disables_the_channel_without_retrying() {
    let (db, pool, sink) = db_with_sink();
    sink.reply(reply_with(400, r#"{"code": 21211, "message": "The 'To' number +15550100 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#));
    let conn = &mut pool.get().unwrap();
    check_with_channel(conn, "sms", PHONE);
    run(&db, &twilio_env(&sink.url("")));
    assert_eq!(sink.requests().len(), 1);
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Invalid phone number")
    );
    let channel = the_channel(conn);
    assert!(channel.disabled);
    assert_eq!(channel.last_error, "Invalid phone number");
}

#[test]
fn other_refusals_keep_the_status_code_and_server_errors_are_retried() {
    let (db, pool, sink) = db_with_sink();
    sink.reply(reply_with(400, r#"{"code": 21606, "message": "The From phone number is not a valid, SMS-capable inbound phone number.", "status": 400}"#));
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "sms", PHONE);
    let env = twilio_env(&sink.url(""));
    run(&db, &env);
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Received status code 400")
    );
    assert!(!the_channel(conn).disabled);

    sink.reply(reply_status(503));
    diesel::delete(notifications::table).execute(conn).unwrap();
    crate::integrations::flip_again(conn, &check);
    run(&db, &env);
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("pending", "Received status code 503")
    );
}

#[test]
fn without_twilio_settings_sms_and_calls_are_refused() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    check_with_channel(conn, "sms", PHONE);
    sendalerts_once(&db, &[]);
    let n = the_notification(conn);
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "SMS notifications are not enabled")
    );
    diesel::update(channels::table)
        .set((
            channels::kind.eq("call"),
            channels::value.eq(r#"{"value": "+15550100"}"#),
        ))
        .execute(conn)
        .unwrap();
    diesel::delete(notifications::table).execute(conn).unwrap();
    let check: Check = checks::table
        .select(Check::as_select())
        .first(conn)
        .unwrap();
    crate::integrations::flip_again(conn, &check);
    sendalerts_once(&db, &[("TWILIO_ACCOUNT", "AC123"), ("TWILIO_AUTH", "tok")]);
    assert_eq!(
        the_notification(conn).error,
        "Call notifications are not enabled",
        "calls need TWILIO_FROM"
    );
}
