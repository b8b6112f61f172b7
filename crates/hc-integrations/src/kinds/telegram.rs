//! Telegram (spec §6.2 `telegram`): the Bot API's `sendMessage` to the chat (and
//! forum topic) stored in the channel, the message in Telegram's HTML subset.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::chat::{self, Style};
use crate::context::Alert;
use crate::failure::Failure;
use crate::outbound::{Answer, Body, Outbound};

/// The chat, as stored when the bot was invited (`type` and `name` are for the
/// dashboard).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Chat {
    /// A number, or `@channelname` for public channels.
    pub id: Value,
    #[serde(default)]
    pub thread_id: Option<i64>,
}

pub fn chat(value: &str) -> Result<Chat, Failure> {
    serde_json::from_str::<Chat>(value)
        .ok()
        .filter(|c| c.id.is_i64() || c.id.as_str().is_some_and(|s| !s.is_empty()))
        .ok_or_else(|| Failure::fail("The Telegram chat is not configured"))
}

pub fn payload(alert: &Alert, chat: &Chat) -> Value {
    json!({
        "chat_id": chat.id,
        "message_thread_id": chat.thread_id,
        "text": chat::message(alert, Style::TelegramHtml),
        "parse_mode": "html",
    })
}

/// Answers that mean the bot can never post to this chat again: the channel is
/// disabled.
const GONE: [&str; 9] = [
    "Forbidden: bot was blocked by the user",
    "Forbidden: the group chat was deleted",
    "Forbidden: user is deactivated",
    "Forbidden: bot was kicked from the group chat",
    "Forbidden: bot was kicked from the supergroup chat",
    "Forbidden: bot is not a member of the channel chat",
    "Forbidden: bot is not a member of the supergroup chat",
    "Bad Request: chat not found",
    "Bad Request: message thread not found",
];

/// What Telegram's error answer means.
pub fn failure(answer: &Answer) -> Failure {
    let generic = answer.failure();
    let Ok(error) = serde_json::from_str::<Value>(&answer.body) else {
        return generic;
    };
    if let Some(new_id) = error
        .pointer("/parameters/migrate_to_chat_id")
        .filter(|id| !id.is_null())
    {
        // healthchecks stores the new id and sends again; a send here cannot
        // change the channel, so the user re-adds it.
        return Failure::fail(format!(
            "The Telegram group was upgraded to a supergroup (new chat id {new_id}); \
             hc cannot update the integration by itself, so please add it again"
        ));
    }
    let Some(description) = error.get("description").and_then(Value::as_str) else {
        return generic;
    };
    let message = format!("{} with a message: \"{description}\"", generic.message);
    if GONE.contains(&description) {
        Failure::disable(message)
    } else {
        Failure {
            message,
            then: generic.then,
        }
    }
}

pub async fn send(
    http: &Outbound,
    alert: &Alert,
    config: &hc_core::config::Config,
) -> Result<(), Failure> {
    let Some(token) = config.integrations.telegram_token.as_ref() else {
        return Err(Failure::fail("Telegram notifications are not enabled."));
    };
    let chat = chat(&alert.channel.value)?;
    let root = config.integrations.endpoints.telegram.trim_end_matches('/');
    let url = format!("{root}/bot{}/sendMessage", token.expose());
    let answer = http
        .send(Method::POST, &url, &[], Body::Json(payload(alert, &chat)))
        .await
        // The token is part of the URL: keep it out of recorded errors.
        .map_err(|f| Failure {
            message: f.message.replace(token.expose(), "***"),
            then: f.then,
        })?;
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

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
            body: body.into(),
        }
    }

    #[test]
    fn the_chat_and_topic_come_from_the_value() {
        let value = r#"{"id": -1001234, "type": "supergroup", "name": "Ops", "thread_id": 7}"#;
        let chat = chat(value).unwrap_or_else(|e| panic!("{e}"));
        let alert = sample();
        assert_eq!(
            payload(&alert, &chat),
            json!({
                "chat_id": -1001234,
                "message_thread_id": 7,
                "text": chat::message(&alert, Style::TelegramHtml),
                "parse_mode": "html",
            })
        );
        let private = super::chat(r#"{"id": 42, "type": "private", "name": "me"}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(payload(&alert, &private)["message_thread_id"], Value::Null);
        assert!(super::chat("").is_err());
        assert!(super::chat(r#"{"id": null}"#).is_err());
    }

    #[test]
    fn a_blocked_bot_disables_the_channel() {
        let blocked = failure(&answer(
            403,
            r#"{"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}"#,
        ));
        assert_eq!(blocked.then, Then::Disable);
        assert_eq!(
            blocked.message,
            "Received status code 403 with a message: \"Forbidden: bot was blocked by the user\""
        );
        let missing = failure(&answer(
            400,
            r#"{"ok": false, "description": "Bad Request: chat not found"}"#,
        ));
        assert_eq!(missing.then, Then::Disable);
        let busy = failure(&answer(
            429,
            r#"{"ok": false, "description": "Too Many Requests: retry after 5"}"#,
        ));
        assert_eq!(busy.then, Then::Retry);
        assert_eq!(
            failure(&answer(502, "<html>")),
            Failure::retry("Received status code 502")
        );
    }

    #[test]
    fn a_group_migration_is_reported_not_followed() {
        let moved = failure(&answer(
            400,
            r#"{"ok": false, "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": -100987}}"#,
        ));
        assert_eq!(moved.then, Then::Fail);
        assert!(moved.message.contains("-100987"), "{}", moved.message);
        assert!(moved.message.contains("add it again"), "{}", moved.message);
    }
}
