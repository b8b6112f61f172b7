//! Pushover (spec §6.2 `po`): a form post to the Messages API, with a priority per
//! status. Emergency-priority (2) alerts repeat on the user's device until
//! acknowledged, so when a check comes back up its emergency alert is cancelled by
//! tag (the check's unique key) first.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::context::{Alert, OtherChecks};
use crate::failure::Failure;
use crate::outbound::{Answer, Body, Outbound};

/// The priority that sends nothing.
pub const DISABLED: i32 = -3;
/// The priority that repeats until acknowledged.
pub const EMERGENCY: i32 = 2;

/// A channel's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub user_key: String,
    pub priority_down: i32,
    pub priority_up: i32,
}

impl Settings {
    pub fn priority(&self, status: &str) -> i32 {
        if status == "down" {
            self.priority_down
        } else {
            self.priority_up
        }
    }
}

/// healthchecks' `user_key|prio|prio_up`, or the older `user_key|prio` (one priority
/// for both statuses). Priorities run from -3 (disabled) to 2 (emergency).
pub fn settings(value: &str) -> Option<Settings> {
    let parts: Vec<&str> = value.trim().split('|').map(str::trim).collect();
    let priority = |text: &str| {
        text.parse::<i32>()
            .ok()
            .filter(|p| (DISABLED..=EMERGENCY).contains(p))
    };
    let (user_key, priority_down, priority_up) = match parts.as_slice() {
        [user, down] => (*user, priority(down)?, priority(down)?),
        [user, down, up] => (*user, priority(down)?, priority(up)?),
        _ => return None,
    };
    (!user_key.is_empty()).then(|| Settings {
        user_key: user_key.to_owned(),
        priority_down,
        priority_up,
    })
}

/// Nothing is sent for a status whose priority is -3.
pub fn is_noop(value: &str, status: &str) -> bool {
    settings(value).is_some_and(|s| s.priority(status) == DISABLED)
}

/// The message's fields, in the order Pushover documents them.
pub fn form(
    alert: &Alert,
    settings: &Settings,
    token: &str,
    config: &hc_core::config::Config,
) -> Vec<(String, String)> {
    let priority = settings.priority(&alert.status);
    let icon = if alert.is_down() {
        "\u{1f534}"
    } else {
        "\u{1f7e2}"
    };
    let mut fields = vec![
        ("token", token.to_owned()),
        ("user", settings.user_key.clone()),
        ("message", message(alert)),
        (
            "title",
            format!("{icon} {} is {}", alert.name(), alert.status_upper()),
        ),
        ("html", "1".to_owned()),
        ("priority", priority.to_string()),
        ("tags", alert.check.unique_key()),
        ("url", alert.details_url()),
        ("url_title", format!("View on {}", alert.site_name)),
    ];
    if priority == EMERGENCY {
        let integrations = &config.integrations;
        fields.push((
            "retry",
            integrations.pushover_emergency_retry_delay.to_string(),
        ));
        fields.push((
            "expire",
            integrations.pushover_emergency_expiration.to_string(),
        ));
    }
    fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The message text, in the little HTML Pushover shows (`<b>` and line breaks).
pub fn message(alert: &Alert) -> String {
    let mut lines = vec![format!(
        "The check <b>{}</b> is {}.",
        escape(alert.name()),
        alert.status_upper()
    )];
    if let Some(reason) = alert.reason_sentence() {
        lines.push(escape(&reason));
    }
    lines.push(String::new());
    for (label, value) in crate::chat::facts(alert) {
        lines.push(format!("<b>{label}:</b> {}", escape(&value)));
    }
    match &alert.others {
        OtherChecks::None => {}
        OtherChecks::AllUp => {
            lines.push(String::new());
            lines.push("All the other checks are up.".into());
        }
        OtherChecks::Down(names) => {
            lines.push(String::new());
            lines.push("<b>Also down:</b>".into());
            lines.extend(names.iter().map(|n| format!("• {}", escape(n))));
        }
        OtherChecks::ManyDown(n) => {
            lines.push(String::new());
            lines.push(format!("<b>{n} other checks are also down.</b>"));
        }
    }
    lines.join("\n")
}

/// `<`, `>`, `&` and quotes as HTML entities: names are the user's text.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

/// The cancel-by-tag URL beside the messages URL
/// (`…/1/messages.json` → `…/1/receipts/cancel_by_tag/<tag>.json`).
pub fn cancel_url(messages_url: &str, tag: &str) -> String {
    let base = messages_url
        .rsplit_once('/')
        .map_or(messages_url, |(base, _)| base);
    format!("{base}/receipts/cancel_by_tag/{tag}.json")
}

/// Pushover answers 400 with `"user": "invalid"` when the user key no longer exists:
/// the channel can never work again and is disabled, as healthchecks does.
pub fn failure(answer: &Answer) -> Failure {
    let invalid_user = answer.status == StatusCode::BAD_REQUEST
        && serde_json::from_str::<Value>(&answer.body)
            .ok()
            .and_then(|doc| doc.get("user")?.as_str().map(|u| u == "invalid"))
            .unwrap_or(false);
    if invalid_user {
        Failure::disable(format!("{} (invalid user)", answer.failure().message))
    } else {
        answer.failure()
    }
}

pub async fn send(
    http: &Outbound,
    alert: &Alert,
    config: &hc_core::config::Config,
) -> Result<(), Failure> {
    let Some(token) = &config.integrations.pushover_api_token else {
        return Err(Failure::fail("Pushover notifications are not enabled."));
    };
    let Some(settings) = settings(&alert.channel.value) else {
        return Err(Failure::fail("Invalid Pushover user key or priority"));
    };
    if settings.priority(&alert.status) == DISABLED {
        return Ok(());
    }
    let messages_url = &config.integrations.endpoints.pushover;
    if !alert.is_down() && settings.priority_down == EMERGENCY {
        let cancel = cancel_url(messages_url, &alert.check.unique_key());
        let fields = vec![("token".to_owned(), token.expose().to_owned())];
        http.send(Method::POST, &cancel, &[], Body::Form(fields))
            .await?
            .ok()?;
    }
    let fields = form(alert, &settings, token.expose(), config);
    let answer = http
        .send(Method::POST, messages_url, &[], Body::Form(fields))
        .await?;
    if answer.delivered() {
        Ok(())
    } else {
        Err(failure(&answer))
    }
}

#[cfg(test)]
mod tests;
