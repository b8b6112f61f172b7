//! `sendtestemail` through a real SMTP server on loopback.

use diesel::prelude::*;
use hc_core::models::Email;
use hc_core::schema::emails;
use hc_test::{SmtpSink, TestDb};

use super::{stderr, stdout};

fn run(db: &TestDb, smtp_port: Option<u16>, args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hc-admin"));
    cmd.env_clear()
        .env("SECRET_KEY", "test-secret")
        .env("DEFAULT_FROM_EMAIL", "hc@example.org")
        .envs(db.env());
    if let Some(port) = smtp_port {
        cmd.env("EMAIL_HOST", "127.0.0.1")
            .env("EMAIL_PORT", port.to_string())
            .env("EMAIL_USE_TLS", "False");
    }
    cmd.args(args).output().unwrap()
}

#[test]
fn a_test_email_arrives_and_is_recorded() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let out = run(&db, Some(sink.port), &["sendtestemail", "Ops@Example.org"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("Sent a test e-mail to ops@example.org"));
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert!(message.contains("From: hc@example.org"), "{message}");
    assert!(message.contains("To: ops@example.org"), "{message}");
    assert!(
        message.contains("Subject: Test e-mail from Mychecks"),
        "{message}"
    );
    assert!(
        message.contains("alerts and login links will too"),
        "{message}"
    );
    let record: Email = emails::table
        .select(Email::as_select())
        .first(&mut pool.get().unwrap())
        .unwrap();
    assert_eq!(
        (
            record.to_email.as_str(),
            record.status.as_str(),
            record.attempts
        ),
        ("ops@example.org", "sent", 1)
    );
    assert!(record.sent.is_some());
}

#[test]
fn without_email_host_it_says_what_to_set() {
    let db = TestDb::new();
    drop(db.migrated_pool());
    let out = run(&db, None, &["sendtestemail", "ops@example.org"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("set EMAIL_HOST"), "{}", stderr(&out));
}

#[test]
fn an_unreachable_server_is_reported_and_recorded_as_failed() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let out = run(
        &db,
        Some(hc_test::free_port()),
        &["sendtestemail", "ops@example.org"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the SMTP server refused or failed"),
        "{}",
        stderr(&out)
    );
    let record: Email = emails::table
        .select(Email::as_select())
        .first(&mut pool.get().unwrap())
        .unwrap();
    assert_eq!(record.status, "failed");
    assert!(!record.error.is_empty());
}
