//! Gotify (spec §6.2 `gotify`): a Markdown message to the server's `message`
//! endpoint with the application token, at the priority chosen per status (0 =
//! nothing is sent; none = the application's default).

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::chat::{self, Style};
use crate::context::Alert;
use crate::failure::Failure;
use crate::outbound::{Body, Outbound};

/// What Python's `urlencode` leaves alone in a query value.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Settings {
    pub url: String,
    pub token: String,
    #[serde(default)]
    pub priority: Option<i64>,
    #[serde(default)]
    pub priority_up: Option<i64>,
}

impl Settings {
    pub fn parse(value: &str) -> Result<Settings, Failure> {
        serde_json::from_str::<Settings>(value)
            .ok()
            .filter(|s| !s.url.is_empty() && !s.token.is_empty())
            .ok_or_else(|| Failure::fail("The Gotify server or token is not configured"))
    }

    pub fn priority(&self, status: &str) -> Option<i64> {
        if status == "up" {
            self.priority_up
        } else {
            self.priority
        }
    }
}

/// Statuses this channel stays silent for.
pub fn is_noop(value: &str, status: &str) -> bool {
    Settings::parse(value).is_ok_and(|s| s.priority(status) == Some(0))
}

/// `<url>/message?token=<token>`, whether or not the URL ends with a slash.
pub fn url(settings: &Settings) -> String {
    let base = settings.url.trim();
    let slash = if base.ends_with('/') { "" } else { "/" };
    format!(
        "{base}{slash}message?token={}",
        utf8_percent_encode(&settings.token, QUERY_VALUE)
    )
}

pub fn payload(alert: &Alert, settings: &Settings) -> Value {
    let mut payload = json!({
        "title": chat::title(alert),
        "message": chat::message(alert, Style::Markdown),
        "extras": {
            "client::display": {"contentType": "text/markdown"},
        },
    });
    if let Some(priority) = settings.priority(&alert.status) {
        payload["priority"] = priority.into();
    }
    payload
}

pub async fn send(
    http: &Outbound,
    alert: &Alert,
    _config: &hc_core::config::Config,
) -> Result<(), Failure> {
    let settings = Settings::parse(&alert.channel.value)?;
    http.send(
        Method::POST,
        &url(&settings),
        &[],
        Body::Json(payload(alert, &settings)),
    )
    .await?
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::sample;

    fn settings(value: &str) -> Settings {
        Settings::parse(value).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_markdown_message_at_the_status_priority() {
        let alert = sample();
        let s = settings(
            r#"{"url": "https://gotify.example.org/", "token": "A+b/c", "priority": 9, "priority_up": 2}"#,
        );
        assert_eq!(
            url(&s),
            "https://gotify.example.org/message?token=A%2Bb%2Fc"
        );
        assert_eq!(
            payload(&alert, &s),
            json!({
                "title": "Backups is DOWN",
                "message": chat::message(&alert, Style::Markdown),
                "extras": {"client::display": {"contentType": "text/markdown"}},
                "priority": 9,
            })
        );
        // Channels from before priorities leave it to the application.
        let old = settings(r#"{"url": "https://g.example.org/gotify", "token": "t"}"#);
        assert_eq!(url(&old), "https://g.example.org/gotify/message?token=t");
        assert_eq!(payload(&alert, &old).get("priority"), None);
    }

    #[test]
    fn priority_zero_sends_nothing() {
        let value =
            r#"{"url": "https://g.example.org", "token": "t", "priority": 0, "priority_up": null}"#;
        assert!(is_noop(value, "down"));
        assert!(!is_noop(value, "up"));
        assert!(!is_noop("{}", "down"));
        assert!(Settings::parse("{}").is_err());
    }
}
