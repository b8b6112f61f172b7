use reqwest::StatusCode;

use super::*;
use crate::context::sample;
use crate::failure::Then;

fn config() -> hc_core::config::Config {
    let vars = [
        ("SECRET_KEY", "test"),
        ("PUSHOVER_EMERGENCY_RETRY_DELAY", "60"),
        ("PUSHOVER_EMERGENCY_EXPIRATION", "3600"),
    ];
    let env = hc_core::config::Env::new(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    });
    hc_core::config::Config::from(&env).unwrap_or_else(|e| panic!("test config: {e}"))
}

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn a_down_alert_is_a_form_with_every_field() {
    let alert = sample();
    let settings = Settings {
        user_key: "u123".into(),
        priority_down: 1,
        priority_up: -1,
    };
    let text = "The check <b>Backups</b> is DOWN.\n\
        Reason: success signal did not arrive on time, grace time passed.\n\
        \n\
        <b>Project:</b> Ops\n\
        <b>Tags:</b> prod, www\n\
        <b>Period:</b> 1 day\n\
        <b>Total pings:</b> 42\n\
        <b>Last ping:</b> Success, 1 day ago\n\
        \n\
        All the other checks are up.";
    let key = alert.check.unique_key();
    let url = alert.details_url();
    assert_eq!(
        form(&alert, &settings, "tok", &config()),
        owned(&[
            ("token", "tok"),
            ("user", "u123"),
            ("message", text),
            ("title", "\u{1f534} Backups is DOWN"),
            ("html", "1"),
            ("priority", "1"),
            ("tags", &key),
            ("url", &url),
            ("url_title", "View on Mychecks"),
        ])
    );
}

#[test]
fn emergency_priority_adds_retry_and_expire() {
    let mut alert = sample();
    alert.status = "up".into();
    let settings = Settings {
        user_key: "u".into(),
        priority_down: 0,
        priority_up: 2,
    };
    let fields = form(&alert, &settings, "tok", &config());
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("title"), Some("\u{1f7e2} Backups is UP"));
    assert_eq!(get("priority"), Some("2"));
    assert_eq!(get("retry"), Some("60"));
    assert_eq!(get("expire"), Some("3600"));
    let down = form(&sample(), &settings, "tok", &config());
    assert!(!down.iter().any(|(k, _)| k == "retry" || k == "expire"));
}

#[test]
fn messages_escape_names_and_list_other_down_checks() {
    let mut alert = sample();
    alert.check.name = "a<b> & \"c\"".into();
    alert.status = "up".into();
    alert.downtime = Some(chrono::Duration::seconds(7_380));
    alert.others = OtherChecks::Down(vec!["db <main>".into(), "web".into()]);
    let text = message(&alert);
    assert!(
        text.starts_with(
            "The check <b>a&lt;b&gt; &amp; &quot;c&quot;</b> is UP.\n\
             The downtime lasted 2 hours, 3 minutes.\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("<b>Also down:</b>\n• db &lt;main&gt;\n• web"),
        "{text}"
    );
    alert.others = OtherChecks::ManyDown(12);
    assert!(message(&alert).ends_with("<b>12 other checks are also down.</b>"));
}

#[test]
fn settings_in_the_current_and_the_legacy_form() {
    assert_eq!(
        settings("u1|2|-1"),
        Some(Settings {
            user_key: "u1".into(),
            priority_down: 2,
            priority_up: -1
        })
    );
    assert_eq!(
        settings("u1|0"),
        Some(Settings {
            user_key: "u1".into(),
            priority_down: 0,
            priority_up: 0
        })
    );
    for bad in ["", "u1", "u1|x", "u1|3", "u1|0|-4", "|0", "u1|0|0|0"] {
        assert_eq!(settings(bad), None, "{bad}");
    }
}

#[test]
fn priority_minus_three_is_silent_for_its_status() {
    assert!(is_noop("u|-3|0", "down"));
    assert!(!is_noop("u|-3|0", "up"));
    assert!(is_noop("u|0|-3", "up"));
    assert!(!is_noop("u|0|-3", "down"));
    assert!(is_noop("u|-3", "up"));
    assert!(is_noop("u|-3", "down"));
    assert!(!is_noop("u|2", "up"));
    // Unreadable values are sent (and fail with a reason) rather than dropped.
    assert!(!is_noop("garbage", "down"));
}

#[test]
fn cancelling_goes_beside_the_messages_url() {
    assert_eq!(
        cancel_url("https://api.pushover.net/1/messages.json", "abc"),
        "https://api.pushover.net/1/receipts/cancel_by_tag/abc.json"
    );
}

#[test]
fn an_invalid_user_disables_the_channel() {
    let answer = |status: StatusCode, body: &str| Answer {
        status,
        body: body.into(),
    };
    let invalid = failure(&answer(
        StatusCode::BAD_REQUEST,
        r#"{"user": "invalid", "errors": ["user identifier is invalid"], "status": 0}"#,
    ));
    assert_eq!(
        (invalid.message.as_str(), invalid.then),
        ("Received status code 400 (invalid user)", Then::Disable)
    );
    let other = failure(&answer(
        StatusCode::BAD_REQUEST,
        r#"{"message": "cannot be blank", "status": 0}"#,
    ));
    assert_eq!(other, Failure::fail("Received status code 400"));
    assert_eq!(
        failure(&answer(StatusCode::TOO_MANY_REQUESTS, "")).then,
        Then::Retry
    );
}
