//! Zulip (spec §6.2 `zulip`): a form post to the organisation's messages API as the
//! user's bot, to a stream topic or a private conversation, in Markdown.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use crate::chat::{self, Style};
use crate::context::Alert;
use crate::failure::Failure;
use crate::outbound::{Answer, Body, Outbound};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Settings {
    pub bot_email: String,
    pub api_key: String,
    /// `stream` or `private`.
    pub mtype: String,
    pub to: String,
    pub site: String,
    #[serde(default)]
    pub topic: String,
}

impl Settings {
    pub fn parse(value: &str) -> Result<Settings, Failure> {
        serde_json::from_str::<Settings>(value)
            .ok()
            .filter(|s| !s.site.is_empty() && !s.bot_email.is_empty())
            .ok_or_else(|| Failure::fail("The Zulip integration is not configured"))
    }
}

/// The form fields: `type`, `to`, `topic`, `content`.
pub fn form(alert: &Alert, settings: &Settings) -> Vec<(String, String)> {
    // Zulip takes numeric user ids only as a JSON list.
    let to = if settings.mtype == "private"
        && !settings.to.is_empty()
        && settings.to.bytes().all(|b| b.is_ascii_digit())
    {
        format!("[{}]", settings.to)
    } else {
        settings.to.clone()
    };
    let topic = if settings.topic.is_empty() {
        chat::title(alert)
    } else {
        settings.topic.clone()
    };
    vec![
        ("type".into(), settings.mtype.clone()),
        ("to".into(), to),
        ("topic".into(), topic),
        ("content".into(), chat::message(alert, Style::Markdown)),
    ]
}

/// `Authorization` for HTTP basic authentication.
pub fn basic_auth(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// The status code, with Zulip's own explanation when it gave one.
pub fn failure(answer: &Answer) -> Failure {
    let failure = answer.failure();
    match serde_json::from_str::<Value>(&answer.body)
        .ok()
        .as_ref()
        .and_then(|v| v.get("msg"))
        .and_then(Value::as_str)
    {
        Some(msg) => Failure {
            message: format!("{} with a message: \"{msg}\"", failure.message),
            then: failure.then,
        },
        None => failure,
    }
}

pub async fn send(
    http: &Outbound,
    alert: &Alert,
    config: &hc_core::config::Config,
) -> Result<(), Failure> {
    if !config.integrations.zulip_enabled {
        return Err(Failure::fail("Zulip notifications are not enabled."));
    }
    let settings = Settings::parse(&alert.channel.value)?;
    let url = format!("{}/api/v1/messages", settings.site.trim_end_matches('/'));
    let headers = [(
        "Authorization".to_owned(),
        basic_auth(&settings.bot_email, &settings.api_key),
    )];
    let answer = http
        .send(
            Method::POST,
            &url,
            &headers,
            Body::Form(form(alert, &settings)),
        )
        .await?;
    if answer.delivered() {
        Ok(())
    } else {
        Err(failure(&answer))
    }
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;

    use super::*;
    use crate::context::sample;
    use crate::failure::Then;

    fn settings(value: &str) -> Settings {
        Settings::parse(value).unwrap_or_else(|e| panic!("{e}"))
    }

    fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_stream_message_with_the_default_topic() {
        let alert = sample();
        let s = settings(
            r#"{"bot_email": "hc-bot@zulip.example.org", "api_key": "k3y", "mtype": "stream",
                "to": "ops", "site": "https://zulip.example.org", "topic": ""}"#,
        );
        let content = chat::message(&alert, Style::Markdown);
        assert_eq!(
            form(&alert, &s),
            owned(&[
                ("type", "stream"),
                ("to", "ops"),
                ("topic", "Backups is DOWN"),
                ("content", &content),
            ])
        );
    }

    #[test]
    fn private_messages_to_user_ids_and_own_topics() {
        let alert = sample();
        let s = settings(
            r#"{"bot_email": "b@z.org", "api_key": "k", "mtype": "private", "to": "42",
                "site": "https://z.org", "topic": "hc"}"#,
        );
        let fields = form(&alert, &s);
        assert_eq!(fields[1], ("to".to_owned(), "[42]".to_owned()));
        assert_eq!(fields[2], ("topic".to_owned(), "hc".to_owned()));
        let by_email = Settings {
            to: "alice@z.org".into(),
            ..s
        };
        assert_eq!(form(&alert, &by_email)[1].1, "alice@z.org");
        assert!(Settings::parse("{}").is_err());
    }

    #[test]
    fn basic_authentication() {
        assert_eq!(
            basic_auth("hc-bot@z.org", "k3y"),
            "Basic aGMtYm90QHoub3JnOmszeQ=="
        );
    }

    #[test]
    fn errors_carry_zulips_message() {
        let answer = Answer {
            status: StatusCode::BAD_REQUEST,
            body: r#"{"result": "error", "msg": "Stream 'ops' does not exist", "code": "STREAM_DOES_NOT_EXIST"}"#.into(),
        };
        assert_eq!(
            failure(&answer),
            Failure {
                message: "Received status code 400 with a message: \"Stream 'ops' does not exist\""
                    .into(),
                then: Then::Fail,
            }
        );
        let plain = Answer {
            status: StatusCode::BAD_GATEWAY,
            body: "<html>".into(),
        };
        assert_eq!(failure(&plain), Failure::retry("Received status code 502"));
    }
}
