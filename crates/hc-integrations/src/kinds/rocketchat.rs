//! Rocket.Chat (spec §6.2 `rocketchat`): an incoming-webhook message whose text
//! links the check, with one coloured attachment of fields.

use serde_json::{json, Value};

use crate::chat::{escape_markdown, BODY_MAX};
use crate::context::{Alert, Period};
use crate::failure::Failure;
use crate::outbound::Outbound;

/// The site's logo, as Slack's payload uses it.
pub fn avatar_url(config: &hc_core::config::Config) -> String {
    config
        .site_logo_url
        .clone()
        .unwrap_or_else(|| format!("{}/static/img/logo.png", config.site_root))
}

pub fn payload(alert: &Alert, avatar: &str) -> Value {
    let mut fields = Vec::new();
    let mut field = |title: &str, value: String, short: bool| {
        let mut f = json!({"title": title, "value": value});
        if short {
            f["short"] = Value::Bool(true);
        }
        fields.push(f);
    };
    if !alert.check.description.is_empty() {
        field("Description", alert.check.description.clone(), false);
    }
    if !alert.project_name.is_empty() {
        field("Project", alert.project_name.clone(), true);
    }
    let tags = alert.tags();
    if !tags.is_empty() {
        let quoted: Vec<String> = tags.iter().map(|t| format!("`{t}`")).collect();
        field("Tags", quoted.join(" "), true);
    }
    match alert.period() {
        Period::Every(words) => field("Period", words, true),
        Period::Schedule { expression, tz } => {
            // Keep `*` from turning into bold or italics.
            field("Schedule", expression.replace('*', "*\u{034f}"), true);
            field("Time Zone", tz, true);
        }
    }
    field("Total Pings", alert.check.n_pings.to_string(), true);
    field("Last Ping", alert.last_ping_words(), true);
    if let Some(body) = alert.last_body(BODY_MAX) {
        if !body.contains("```") {
            field("Last Ping Body", format!("```\n{body}\n```"), false);
        }
    }
    let mut text = format!(
        "[{}]({}) is {}{}.",
        escape_markdown(alert.name()),
        alert.details_url(),
        alert.status_upper(),
        alert.reason_brief()
    );
    if !alert.is_down() {
        if let Some(sentence) = alert.reason_sentence() {
            text = format!("{text} {sentence}");
        }
    }
    json!({
        "alias": alert.site_name,
        "avatar": avatar,
        "text": text,
        "attachments": [{
            "color": if alert.is_down() { "#d9534f" } else { "#5cb85c" },
            "fields": fields,
        }],
    })
}

pub async fn send(
    http: &Outbound,
    alert: &Alert,
    config: &hc_core::config::Config,
) -> Result<(), Failure> {
    if !config.integrations.rocketchat_enabled {
        return Err(Failure::fail("Rocket.Chat notifications are not enabled."));
    }
    http.post_json_to_hook(
        &alert.channel.value,
        "Rocket.Chat",
        payload(alert, &avatar_url(config)),
    )
    .await
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::context::sample;

    #[test]
    fn a_linked_headline_and_coloured_fields() {
        let alert = sample();
        assert_eq!(
            payload(&alert, "https://hc.example.org/logo.png"),
            json!({
                "alias": "Mychecks",
                "avatar": "https://hc.example.org/logo.png",
                "text": format!(
                    "[Backups]({}) is DOWN (success signal did not arrive on time, grace time passed).",
                    alert.details_url()
                ),
                "attachments": [{
                    "color": "#d9534f",
                    "fields": [
                        {"title": "Project", "value": "Ops", "short": true},
                        {"title": "Tags", "value": "`prod` `www`", "short": true},
                        {"title": "Period", "value": "1 day", "short": true},
                        {"title": "Total Pings", "value": "42", "short": true},
                        {"title": "Last Ping", "value": "Success, 1 day ago", "short": true},
                        {"title": "Last Ping Body", "value": "```\nall \"good\" ünïcode\n```"},
                    ],
                }],
            })
        );
    }

    #[test]
    fn up_messages_are_green_and_say_how_long() {
        let mut alert = sample();
        alert.status = "up".into();
        alert.downtime = Some(Duration::hours(2));
        alert.check.name = "db_[nightly]".into();
        let message = payload(&alert, "x");
        assert_eq!(
            message["text"],
            format!(
                "[db\\_\\[nightly\\]]({}) is UP. The downtime lasted 2 hours.",
                alert.details_url()
            )
        );
        assert_eq!(message["attachments"][0]["color"], "#5cb85c");
    }
}
