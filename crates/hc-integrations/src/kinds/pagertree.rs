//! PagerTree (spec §6.2 `pagertree`): a JSON event to the integration's webhook
//! URL that opens an incident when a check goes down and resolves it, by the
//! check's unique key, when it comes back up.

use serde_json::{json, Value};

use crate::alert::Senders;
use crate::context::{age_in_words, Alert};
use crate::failure::Failure;

/// "Backups is DOWN (reason)" / "Backups is UP": the incident's title (Spike's
/// too).
pub fn title(alert: &Alert) -> String {
    format!(
        "{} is {}{}",
        alert.name(),
        alert.status_upper(),
        alert.reason_brief()
    )
}

/// The title as a sentence and, for down alerts, how long ago the last ping came
/// (Spike's message too).
pub fn description(alert: &Alert) -> String {
    let mut text = format!("{}.", title(alert));
    if let (true, Some(ping)) = (alert.is_down(), &alert.last_ping) {
        let age = (alert.flip_time - ping.created).max(chrono::Duration::zero());
        text.push_str(&format!("\nLast ping was {} ago.", age_in_words(age)));
    }
    text
}

pub fn payload(alert: &Alert) -> Value {
    json!({
        "incident_key": alert.check.unique_key(),
        "event_type": if alert.is_down() { "trigger" } else { "resolve" },
        "title": title(alert),
        "description": description(alert),
        "client": alert.site_name,
        "client_url": alert.site_root,
        "tags": alert.tags().join(" "),
    })
}

pub async fn send(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    if !senders.config.integrations.pagertree_enabled {
        return Err(Failure::fail("PagerTree notifications are not enabled."));
    }
    senders
        .http
        .post_json_to_hook(&alert.channel.value, "PagerTree", payload(alert))
        .await
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::context::sample;

    #[test]
    fn down_triggers_an_incident_keyed_by_the_check() {
        let alert = sample();
        assert_eq!(
            payload(&alert),
            json!({
                "incident_key": alert.check.unique_key(),
                "event_type": "trigger",
                "title": "Backups is DOWN (success signal did not arrive on time, grace time passed)",
                "description": "Backups is DOWN (success signal did not arrive on time, grace time passed).\nLast ping was 1 day ago.",
                "client": "Mychecks",
                "client_url": "https://hc.example.org",
                "tags": "prod www",
            })
        );
    }

    #[test]
    fn up_resolves_it_and_names_are_not_escaped() {
        let mut alert = sample();
        alert.status = "up".into();
        alert.reason = String::new();
        alert.check.name = "Foo & <Bar>".into();
        alert.check.tags = String::new();
        alert.downtime = Some(Duration::minutes(5));
        let sent = payload(&alert);
        assert_eq!(sent["event_type"], "resolve");
        assert_eq!(sent["incident_key"], alert.check.unique_key());
        assert_eq!(sent["title"], "Foo & <Bar> is UP");
        assert_eq!(sent["description"], "Foo & <Bar> is UP.");
        assert_eq!(sent["tags"], "");
    }

    #[test]
    fn a_failure_signal_and_no_last_ping() {
        let mut alert = sample();
        alert.reason = "fail".into();
        alert.last_ping = None;
        assert_eq!(
            description(&alert),
            "Backups is DOWN (received a failure signal)."
        );
    }
}
