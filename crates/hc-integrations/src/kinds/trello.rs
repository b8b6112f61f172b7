//! Trello (spec §6.2 `trello`): a card on the chosen list when a check goes down;
//! nothing when it comes back up. The card's fields travel in the query string, as
//! Trello's API takes them, signed with the site's app key and the user's token.

use reqwest::Method;
use serde::Deserialize;

use crate::alert::Senders;
use crate::context::{Alert, Period};
use crate::failure::Failure;
use crate::outbound::Body;

/// A channel's configuration, as healthchecks stores it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Settings {
    pub token: String,
    pub list_id: String,
    #[serde(default)]
    pub board_name: String,
    #[serde(default)]
    pub list_name: String,
}

impl Settings {
    pub fn parse(value: &str) -> Result<Settings, Failure> {
        let settings: Settings = serde_json::from_str(value)
            .map_err(|_| Failure::fail("The Trello settings are not readable"))?;
        if settings.token.is_empty() || settings.list_id.is_empty() {
            return Err(Failure::fail("The Trello token or list is missing"));
        }
        Ok(settings)
    }
}

/// Cards are made for down alerts only.
pub fn is_noop(status: &str) -> bool {
    status != "down"
}

/// The card's title.
pub fn name(alert: &Alert) -> String {
    format!("Down: {}", alert.name())
}

/// The card's description, in Trello's Markdown.
pub fn description(alert: &Alert) -> String {
    let mut parts = Vec::new();
    if !alert.check.description.trim().is_empty() {
        parts.push(alert.check.description.clone());
    }
    match alert.period() {
        Period::Every(words) => parts.push(format!("**Period:** {words}")),
        Period::Schedule { expression, tz } => {
            parts.push(format!("**Schedule:** `{expression}`"));
            parts.push(format!("**Time Zone:** {tz}"));
        }
    }
    let last = match &alert.last_ping {
        Some(ping) => format!(
            "{} ago",
            crate::context::age_in_words(
                (alert.flip_time - ping.created).max(chrono::Duration::zero())
            )
        ),
        None => "never".into(),
    };
    parts.push(format!("**Last Ping:** {last}"));
    parts.push(format!(
        "[Full Details @ {}]({})",
        alert.site_name,
        alert.details_url()
    ));
    parts.join("\n\n")
}

/// The query string's fields, in healthchecks' order.
pub fn params(alert: &Alert, settings: &Settings, app_key: &str) -> Vec<(String, String)> {
    vec![
        ("idList".into(), settings.list_id.clone()),
        ("name".into(), name(alert)),
        ("desc".into(), description(alert)),
        ("key".into(), app_key.to_owned()),
        ("token".into(), settings.token.clone()),
    ]
}

pub async fn send(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    let i = &senders.config.integrations;
    let Some(app_key) = i.trello_app_key.as_ref().filter(|k| !k.expose().is_empty()) else {
        return Err(Failure::fail("Trello notifications are not enabled."));
    };
    if is_noop(&alert.status) {
        return Ok(());
    }
    let settings = Settings::parse(&alert.channel.value)?;
    let url = reqwest::Url::parse_with_params(
        &i.endpoints.trello,
        params(alert, &settings, app_key.expose()),
    )
    .map_err(|_| Failure::fail("HC_TRELLO_URL is not a URL"))?;
    senders
        .http
        .send(Method::POST, url.as_str(), &[], Body::None)
        .await?
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::sample;

    #[test]
    fn a_card_per_down_alert() {
        let mut alert = sample();
        alert.check.description = "Nightly *backups*".into();
        let settings = Settings::parse(
            r#"{"token": "tok", "list_id": "abcdef0123456789", "board_name": "B", "list_name": "L"}"#,
        )
        .unwrap_or_default();
        let url = alert.details_url();
        assert_eq!(
            params(&alert, &settings, "app"),
            [
                ("idList", "abcdef0123456789"),
                ("name", "Down: Backups"),
                (
                    "desc",
                    &format!(
                        "Nightly *backups*\n\n**Period:** 1 day\n\n**Last Ping:** 1 day ago\n\n\
                         [Full Details @ Mychecks]({url})"
                    )
                ),
                ("key", "app"),
                ("token", "tok"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert!(is_noop("up") && !is_noop("down"));
    }

    #[test]
    fn schedules_and_missing_pings_are_described() {
        let mut alert = sample();
        alert.check.kind = "cron".into();
        alert.check.schedule = "0 3 * * *".into();
        alert.check.tz = "Europe/Riga".into();
        alert.check.name = "Foo & Bar".into();
        alert.last_ping = None;
        assert_eq!(name(&alert), "Down: Foo & Bar");
        let desc = description(&alert);
        assert!(desc.starts_with(
            "**Schedule:** `0 3 * * *`\n\n**Time Zone:** Europe/Riga\n\n**Last Ping:** never\n\n"
        ));
        assert!(Settings::parse(r#"{"token": "", "list_id": "x"}"#).is_err());
        assert!(Settings::parse("nonsense").is_err());
    }
}
