use reqwest::StatusCode;
use serde_json::json;

use super::*;
use crate::context::sample;
use crate::failure::Then;

fn config() -> hc_core::config::Config {
    let vars = [
        ("SECRET_KEY", "test"),
        ("HC_OPSGENIE_URL", "https://us.example/"),
        ("HC_OPSGENIE_EU_URL", "https://eu.example"),
    ];
    let env = hc_core::config::Env::new(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    });
    hc_core::config::Config::from(&env).unwrap_or_else(|e| panic!("test config: {e}"))
}

#[test]
fn a_down_alert_is_created_with_everything_it_says() {
    let alert = sample();
    assert_eq!(
        payload(&alert),
        json!({
            "alias": alert.check.unique_key(),
            "source": "Mychecks",
            "tags": ["prod", "www"],
            "message": "The check \"Backups\" is DOWN (success signal did not arrive on time, grace time passed).",
            "description": "",
            "details": {
                "Project": "Ops",
                "Total pings": "42",
                "Last ping": "Success, 1 day ago",
                "Period": "1 day",
                "Full details": alert.details_url(),
            },
        })
    );
    assert_eq!(url(&alert, "us", &config()), "https://us.example/v2/alerts");
    assert_eq!(url(&alert, "eu", &config()), "https://eu.example/v2/alerts");
}

#[test]
fn an_up_alert_closes_it_by_alias() {
    let mut alert = sample();
    alert.status = "up".into();
    let key = alert.check.unique_key();
    assert_eq!(payload(&alert), json!({"alias": key, "source": "Mychecks"}));
    assert_eq!(
        url(&alert, "eu", &config()),
        format!("https://eu.example/v2/alerts/{key}/close?identifierType=alias")
    );
}

#[test]
fn schedules_show_with_their_time_zone() {
    let mut alert = sample();
    alert.check.kind = "oncalendar".into();
    alert.check.schedule = "Mon 02:00".into();
    alert.check.tz = "Asia/Tokyo".into();
    let details = &payload(&alert)["details"];
    assert_eq!(details["Schedule"], "Mon 02:00");
    assert_eq!(details["Time zone"], "Asia/Tokyo");
    assert!(details.get("Period").is_none());
}

#[test]
fn settings_in_json_or_a_bare_key() {
    assert_eq!(
        settings(r#"{"key": "k1", "region": "eu"}"#),
        Some(Settings {
            key: "k1".into(),
            region: "eu".into()
        })
    );
    assert_eq!(
        settings(r#"{"key": "k1"}"#).map(|s| s.region),
        Some("us".into())
    );
    assert_eq!(
        settings("k2").map(|s| (s.key, s.region)),
        Some(("k2".into(), "us".into()))
    );
    assert_eq!(settings(""), None);
    assert_eq!(settings(r#"{"region": "eu"}"#), None);
}

#[test]
fn errors_carry_opsgenies_message() {
    let answer = Answer {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        body: r#"{"message": "Key format is not valid!", "took": 0.001}"#.into(),
    };
    let failure = failure(&answer);
    assert_eq!(
        failure.message,
        "Received status code 422 with a message: \"Key format is not valid!\""
    );
    assert_eq!(failure.then, Then::Fail);
    let busy = Answer {
        status: StatusCode::SERVICE_UNAVAILABLE,
        body: "<html>".into(),
    };
    assert_eq!(
        super::failure(&busy),
        Failure::retry("Received status code 503")
    );
}
