//! Slack, Mattermost and Discord: one "attachment" payload (spec §6.5) posted to the
//! channel's incoming-webhook URL.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::context::{Alert, Period};
use crate::failure::Failure;
use crate::outbound::{Body, Outbound};

/// Which of the three services, for the few places where they differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Slack,
    Mattermost,
    Discord,
}

/// The incoming-webhook URL in a channel's value: a bare URL, or the JSON of the
/// service's OAuth answer.
pub fn webhook_url(value: &str, flavour: Flavour) -> Option<String> {
    let url = match serde_json::from_str::<Value>(value) {
        Ok(Value::Object(obj)) => {
            let key = if flavour == Flavour::Discord {
                "webhook"
            } else {
                "incoming_webhook"
            };
            obj.get(key)?.get("url")?.as_str()?.to_owned()
        }
        _ => value.trim().to_owned(),
    };
    if url.is_empty() {
        return None;
    }
    Some(match flavour {
        Flavour::Discord => {
            format!(
                "{}/slack",
                url.replacen("https://discordapp.com/", "https://discord.com/", 1)
            )
        }
        _ => url,
    })
}

/// The attachment payload.
pub fn payload(alert: &Alert, flavour: Flavour, icon_url: &str) -> Value {
    let name = alert.name();
    let down = alert.is_down();
    let mut fields = Vec::new();
    if !alert.check.description.is_empty() {
        fields.push(json!({"title": "Description", "value": alert.check.description}));
    }
    if !alert.project_name.is_empty() {
        fields.push(json!({"title": "Project", "value": alert.project_name, "short": true}));
    }
    let tags = alert.tags();
    if !tags.is_empty() {
        let value: Vec<String> = tags.iter().map(|t| format!("`{t}`")).collect();
        fields.push(json!({"title": "Tags", "value": value.join(" "), "short": true}));
    }
    match alert.period() {
        Period::Every(words) => {
            fields.push(json!({"title": "Period", "value": words, "short": true}))
        }
        Period::Schedule { expression, tz } => {
            // Keep `*` from turning into bold or italics.
            let escaped = match flavour {
                Flavour::Discord => expression.replace('*', "\\*"),
                _ => expression.replace('*', "*\u{034f}"),
            };
            fields.push(json!({"title": "Schedule", "value": escaped, "short": true}));
            fields.push(json!({"title": "Time Zone", "value": tz, "short": true}));
        }
    }
    fields.push(
        json!({"title": "Total Pings", "value": alert.check.n_pings.to_string(), "short": true}),
    );
    fields.push(json!({"title": "Last Ping", "value": alert.last_ping_words(), "short": true}));
    if let Some(body) = alert.last_body(1000) {
        if !body.contains("```") {
            fields.push(json!({"title": "Last Ping Body", "value": format!("```\n{body}\n```")}));
        }
    }
    json!({
        "username": alert.site_name,
        "icon_url": icon_url,
        "attachments": [{
            "color": if down { "danger" } else { "good" },
            "fallback": format!("The check \"{name}\" is {}.", alert.status_upper()),
            "mrkdwn_in": ["fields"],
            "title": format!("\u{201c}{name}\u{201d} is {}.", alert.status_upper()),
            "title_link": alert.details_url(),
            "text": alert.reason_sentence(),
            "fields": fields,
        }],
    })
}

pub async fn send(
    http: &Outbound,
    alert: &Alert,
    flavour: Flavour,
    icon_url: &str,
) -> Result<(), Failure> {
    let Some(url) = webhook_url(&alert.channel.value, flavour) else {
        return Err(Failure::fail("Empty webhook URL"));
    };
    let answer = http
        .send(
            Method::POST,
            &url,
            &[],
            Body::Json(payload(alert, flavour, icon_url)),
        )
        .await?;
    if answer.delivered() {
        return Ok(());
    }
    // The webhook was removed on the service's side: it will never work again.
    let gone = answer.status == StatusCode::NOT_FOUND
        || (flavour == Flavour::Slack
            && answer.status == StatusCode::BAD_REQUEST
            && answer.body.trim() == "invalid_token");
    if gone && flavour != Flavour::Mattermost {
        return Err(Failure::disable(answer.failure().message));
    }
    Err(answer.failure())
}
