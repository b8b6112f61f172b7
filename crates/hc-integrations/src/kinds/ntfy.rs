//! ntfy (spec §6.2 `ntfy`): a JSON publish to the server's root naming the topic,
//! with a priority per status (0 = nothing is sent), a Markdown message and a
//! button to the check.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::chat::{self, Style};
use crate::context::Alert;
use crate::failure::Failure;
use crate::outbound::{Body, Outbound};

/// The public server, for which the operator may hold a token (`NTFY_SH_TOKEN`).
const NTFY_SH: &str = "https://ntfy.sh";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Settings {
    pub topic: String,
    pub url: String,
    /// 1 (min) to 5 (max); 0 sends nothing; none is ntfy's default, 3.
    #[serde(default)]
    pub priority: Option<u8>,
    #[serde(default)]
    pub priority_up: Option<u8>,
    #[serde(default)]
    pub token: Option<String>,
}

/// ntfy's own default.
const DEFAULT_PRIORITY: u8 = 3;

impl Settings {
    pub fn parse(value: &str) -> Result<Settings, Failure> {
        serde_json::from_str::<Settings>(value)
            .ok()
            .filter(|s| !s.topic.is_empty() && !s.url.is_empty())
            .ok_or_else(|| Failure::fail("The ntfy server or topic is not configured"))
    }

    pub fn priority(&self, status: &str) -> u8 {
        if status == "up" {
            self.priority_up
        } else {
            self.priority
        }
        .unwrap_or(DEFAULT_PRIORITY)
    }
}

/// Statuses this channel stays silent for.
pub fn is_noop(value: &str, status: &str) -> bool {
    Settings::parse(value).is_ok_and(|s| s.priority(status) == 0)
}

pub fn payload(alert: &Alert, settings: &Settings) -> Value {
    json!({
        "topic": settings.topic,
        "priority": settings.priority(&alert.status),
        "title": chat::title(alert),
        "message": chat::message(alert, Style::Markdown),
        "markdown": true,
        "tags": [if alert.is_down() { "red_circle" } else { "green_circle" }],
        "actions": [{
            "action": "view",
            "label": format!("View on {}", alert.site_name),
            "url": alert.details_url(),
        }],
    })
}

/// The channel's own token, else the operator's for ntfy.sh.
pub fn bearer(settings: &Settings, config: &hc_core::config::Config) -> Option<String> {
    match settings.token.as_deref().filter(|t| !t.is_empty()) {
        Some(token) => Some(token.to_owned()),
        None if settings.url.trim_end_matches('/') == NTFY_SH => config
            .integrations
            .ntfy_sh_token
            .as_ref()
            .map(|t| t.expose().to_owned()),
        None => None,
    }
}

pub async fn send(
    http: &Outbound,
    alert: &Alert,
    config: &hc_core::config::Config,
) -> Result<(), Failure> {
    let settings = Settings::parse(&alert.channel.value)?;
    let headers: Vec<(String, String)> = bearer(&settings, config)
        .map(|token| ("Authorization".to_owned(), format!("Bearer {token}")))
        .into_iter()
        .collect();
    http.send(
        Method::POST,
        &settings.url,
        &headers,
        Body::Json(payload(alert, &settings)),
    )
    .await?
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::sample;

    fn config(vars: &'static [(&'static str, &'static str)]) -> hc_core::config::Config {
        let env = hc_core::config::Env::new(move |name| {
            vars.iter()
                .chain(&[("SECRET_KEY", "test")])
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        });
        hc_core::config::Config::from(&env).unwrap_or_else(|e| panic!("test config: {e}"))
    }

    fn settings(value: &str) -> Settings {
        Settings::parse(value).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_markdown_message_with_a_view_button() {
        let alert = sample();
        let s = settings(
            r#"{"topic": "ops", "url": "https://ntfy.example.org", "priority": 5, "priority_up": 1, "token": null}"#,
        );
        assert_eq!(
            payload(&alert, &s),
            json!({
                "topic": "ops",
                "priority": 5,
                "title": "Backups is DOWN",
                "message": chat::message(&alert, Style::Markdown),
                "markdown": true,
                "tags": ["red_circle"],
                "actions": [{
                    "action": "view",
                    "label": "View on Mychecks",
                    "url": alert.details_url(),
                }],
            })
        );
        let mut up = sample();
        up.status = "up".into();
        let message = payload(&up, &s);
        assert_eq!(
            (&message["priority"], &message["tags"], &message["title"]),
            (&json!(1), &json!(["green_circle"]), &json!("Backups is UP"))
        );
    }

    #[test]
    fn priority_zero_sends_nothing() {
        let value = r#"{"topic": "t", "url": "https://ntfy.sh", "priority": 4, "priority_up": 0}"#;
        assert!(is_noop(value, "up"));
        assert!(!is_noop(value, "down"));
        // Unreadable settings are not silent: the send reports them.
        assert!(!is_noop("nonsense", "down"));
        assert!(Settings::parse("nonsense").is_err());
        assert!(Settings::parse(r#"{"topic": "", "url": "https://ntfy.sh"}"#).is_err());
        let defaults = settings(r#"{"topic": "t", "url": "https://ntfy.sh", "priority": null}"#);
        assert_eq!((defaults.priority("down"), defaults.priority("up")), (3, 3));
    }

    #[test]
    fn the_operator_token_is_only_for_ntfy_sh() {
        let with_sh_token = config(&[("NTFY_SH_TOKEN", "tk_operator")]);
        let public = settings(
            r#"{"topic": "t", "url": "https://ntfy.sh/", "priority": 3, "priority_up": 3}"#,
        );
        assert_eq!(
            bearer(&public, &with_sh_token).as_deref(),
            Some("tk_operator")
        );
        let own = settings(
            r#"{"topic": "t", "url": "https://ntfy.sh", "priority": 3, "priority_up": 3, "token": "tk_user"}"#,
        );
        assert_eq!(bearer(&own, &with_sh_token).as_deref(), Some("tk_user"));
        let private = settings(
            r#"{"topic": "t", "url": "https://ntfy.example.org", "priority": 3, "priority_up": 3}"#,
        );
        assert_eq!(bearer(&private, &with_sh_token), None);
        assert_eq!(bearer(&public, &config(&[])), None);
    }
}
