use serde_json::json;

use super::*;
use crate::context::sample;

#[test]
fn a_down_alert_triggers_an_incident() {
    let alert = sample();
    assert_eq!(
        payload(&alert, "abc123"),
        json!({
            "service_key": "abc123",
            "incident_key": alert.check.unique_key(),
            "event_type": "trigger",
            "description": "Backups is DOWN (success signal did not arrive on time, grace time passed).",
            "client": "Mychecks",
            "client_url": alert.details_url(),
            "details": {
                "Project": "Ops",
                "Total pings": 42,
                "Last ping": "Success, 1 day ago",
                "Tags": "prod, www",
                "Period": "1 day",
            },
        })
    );
}

#[test]
fn an_up_alert_resolves_it() {
    let mut alert = sample();
    alert.status = "up".into();
    alert.reason = String::new();
    alert.check.tags = String::new();
    alert.check.description = "Nightly dump".into();
    alert.check.kind = "cron".into();
    alert.check.schedule = "0 3 * * *".into();
    alert.check.tz = "Europe/Riga".into();
    let sent = payload(&alert, "abc123");
    assert_eq!(sent["event_type"], "resolve");
    assert_eq!(sent["description"], "Backups received a ping and is now UP");
    assert_eq!(
        sent["details"],
        json!({
            "Project": "Ops",
            "Total pings": 42,
            "Last ping": "Success, 1 day ago",
            "Description": "Nightly dump",
            "Schedule": "0 3 * * *",
            "Time zone": "Europe/Riga",
        })
    );
}

#[test]
fn a_check_without_a_name_goes_by_its_uuid() {
    let mut alert = sample();
    alert.check.name = String::new();
    alert.reason = "fail".into();
    assert_eq!(
        payload(&alert, "k")["description"],
        "7918b17b-a745-4db1-8575-9d2e07c97f79 is DOWN (received a failure signal)."
    );
}

#[test]
fn service_keys_in_json_or_bare() {
    assert_eq!(
        service_key(r#"{"service_key": "abc", "account": "acme"}"#).as_deref(),
        Some("abc")
    );
    assert_eq!(service_key(" abc \n").as_deref(), Some("abc"));
    assert_eq!(service_key(""), None);
    assert_eq!(service_key(r#"{"account": "acme"}"#), None);
    assert_eq!(service_key(r#"{"service_key": ""}"#), None);
}
