//! Telegram (spec §6.2 `telegram`): the Bot API's `sendMessage` to the chat (and
//! forum topic) stored in the channel, the message in Telegram's HTML subset. A
//! group upgraded to a supergroup gets a new chat id: Telegram's refusal names it,
//! and the channel is updated and the message sent again, as healthchecks does.

use diesel::prelude::*;
use hc_core::schema::channels;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::alert::Senders;
use crate::chat::{self, Style};
use crate::context::Alert;
use crate::failure::Failure;
use crate::outbound::{Answer, Body};

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
    let Some(description) = serde_json::from_str::<Value>(&answer.body)
        .ok()
        .and_then(|error| {
            error
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
    else {
        return generic;
    };
    let message = format!("{} with a message: \"{description}\"", generic.message);
    if GONE.contains(&description.as_str()) {
        Failure::disable(message)
    } else {
        Failure {
            message,
            then: generic.then,
        }
    }
}

/// The chat id a group moved to, when Telegram refused because the group was
/// upgraded to a supergroup (`parameters.migrate_to_chat_id`).
pub fn migrated_to(answer: &Answer) -> Option<Value> {
    if answer.delivered() {
        return None;
    }
    serde_json::from_str::<Value>(&answer.body)
        .ok()?
        .pointer("/parameters/migrate_to_chat_id")
        .filter(|id| id.is_i64())
        .cloned()
}

/// The channel's value with the chat id replaced, its other fields kept.
pub fn with_chat_id(value: &str, id: &Value) -> Option<String> {
    let mut doc = serde_json::from_str::<serde_json::Map<String, Value>>(value).ok()?;
    doc.insert("id".to_owned(), id.clone());
    Some(Value::Object(doc).to_string())
}

pub async fn send(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    let config = &senders.config;
    let Some(token) = config.integrations.telegram_token.as_ref() else {
        return Err(Failure::fail("Telegram notifications are not enabled."));
    };
    let mut chat = chat(&alert.channel.value)?;
    let root = config.integrations.endpoints.telegram.trim_end_matches('/');
    let url = format!("{root}/bot{}/sendMessage", token.expose());
    let post = |chat: Chat| {
        let url = &url;
        async move {
            senders
                .http
                .send(Method::POST, url, &[], Body::Json(payload(alert, &chat)))
                .await
                // The token is part of the URL: keep it out of recorded errors.
                .map_err(|f| Failure {
                    message: f.message.replace(token.expose(), "***"),
                    then: f.then,
                })
        }
    };
    let mut answer = post(chat.clone()).await?;
    if let Some(new_id) = migrated_to(&answer) {
        // Once only: a second move in the same moment is not something to chase.
        store_chat_id(senders, alert.channel.id, &new_id).await?;
        tracing::info!(
            channel.code = %alert.channel.code,
            "the Telegram group became a supergroup; chat id updated"
        );
        chat.id = new_id;
        answer = post(chat).await?;
    }
    if answer.delivered() {
        Ok(())
    } else {
        Err(failure(&answer))
    }
}

/// Writes the new chat id into the channel's value, read afresh so that nothing
/// else changed meanwhile is lost.
async fn store_chat_id(senders: &Senders, channel_id: i64, new_id: &Value) -> Result<(), Failure> {
    let pool = senders.pool.clone();
    let new_id = new_id.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(|e| Failure::retry(e.to_string()))?;
        conn.write_tx(|conn| {
            let value: String = channels::table
                .find(channel_id)
                .select(channels::value)
                .first(conn)?;
            if let Some(updated) = with_chat_id(&value, &new_id) {
                diesel::update(channels::table.find(channel_id))
                    .set(channels::value.eq(updated))
                    .execute(conn)?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .map_err(|e| Failure::retry(format!("cannot store the new Telegram chat id: {e}")))
    })
    .await
    .map_err(|e| Failure::retry(e.to_string()))?
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
    fn a_group_migration_names_the_new_chat() {
        let moved = answer(
            400,
            r#"{"ok": false, "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": -100987}}"#,
        );
        assert_eq!(migrated_to(&moved), Some(json!(-100987)));
        assert_eq!(migrated_to(&answer(400, r#"{"ok": false}"#)), None);
        assert_eq!(migrated_to(&answer(502, "<html>")), None);
        let value = r#"{"id": -42, "type": "group", "name": "Ops", "thread_id": null}"#;
        let updated = with_chat_id(value, &json!(-100987)).unwrap_or_default();
        assert_eq!(
            serde_json::from_str::<Value>(&updated).ok(),
            Some(json!({"id": -100987, "type": "group", "name": "Ops", "thread_id": null}))
        );
        assert_eq!(with_chat_id("-42", &json!(1)), None);
        // Moved twice in a row: an ordinary failure with Telegram's words.
        assert_eq!(
            failure(&moved),
            Failure::fail(
                "Received status code 400 with a message: \
                 \"Bad Request: group chat was upgraded to a supergroup chat\""
            )
        );
    }
}
