//! Checking a form's fields and building the `value` to store, read back with
//! each kind's sender-side parser before it is accepted.

use hc_integrations::kinds::{
    gotify, ntfy, opsgenie, pagerduty, signal, slack, telegram, webhook, zulip,
};
use serde_json::{json, Map, Value};

use super::{Errors, Input, Spec, Values, MAX_URL};

/// An http(s) URL with a host, or why not.
pub fn check_url(url: &str) -> Result<(), String> {
    let bad = || "Enter a valid URL starting with http:// or https://.".to_owned();
    if url.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let parsed = url::Url::parse(url).map_err(|_| bad())?;
    if matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some_and(|h| !h.is_empty())
    {
        Ok(())
    } else {
        Err(bad())
    }
}

/// A token of printable ASCII without spaces (what providers issue).
fn check_token(token: &str) -> Result<(), String> {
    if token.chars().all(|c| c.is_ascii_graphic()) {
        Ok(())
    } else {
        Err("Tokens have no spaces or special characters; paste it again.".into())
    }
}

/// HTTP header names: RFC 9110 token characters.
fn header_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

fn parse_headers(text: &str) -> Result<Map<String, Value>, String> {
    let mut headers = Map::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!(
                "Use one header per line, like Content-Type: application/json (\"{}\" has no colon).",
                line.chars().take(40).collect::<String>()
            ));
        };
        let (name, value) = (name.trim(), value.trim());
        if name.chars().count() > MAX_URL || value.chars().count() > MAX_URL {
            return Err(format!(
                "Header names and values can be at most {MAX_URL} characters."
            ));
        }
        if !header_name_ok(name) {
            return Err("Header names can hold letters, digits and - only.".into());
        }
        if value.chars().any(char::is_control) {
            return Err("Header values cannot hold control characters.".into());
        }
        headers.insert(name.to_owned(), Value::String(value.to_owned()));
    }
    Ok(headers)
}

/// What a valid form stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub name: String,
    pub value: String,
    /// E-mail channels: the address, for verification.
    pub address: Option<String>,
}

/// Checks every field and builds the value to store, or says what is wrong with
/// which field.
pub fn build(kind: &str, specs: &[Spec], values: &Values) -> Result<Built, Errors> {
    let mut errors = Errors::new();
    let get = |name: &str| values.get(name).map(String::as_str).unwrap_or("");
    for spec in specs {
        let value = get(spec.name);
        let n = value.chars().count();
        if n > spec.max {
            errors.insert(
                spec.name.into(),
                format!("Enter at most {} characters (this has {n}).", spec.max),
            );
        } else if spec.required && value.is_empty() {
            errors.insert(spec.name.into(), "This field is required.".into());
        } else if value.is_empty() {
            continue;
        } else if let Input::Select(choices) = spec.input {
            if !choices.iter().any(|(v, _)| *v == value) {
                errors.insert(spec.name.into(), "Select one of the choices.".into());
            }
        } else if spec.input == Input::Url {
            if let Err(e) = check_url(value) {
                errors.insert(spec.name.into(), e);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut error = |field: &str, message: &str| {
        errors.insert(field.to_owned(), message.to_owned());
    };
    let flag = |name: &str| get(name) == "on";
    let int = |name: &str| get(name).parse::<i64>().unwrap_or(0);
    let mut address = None;
    let value: String = match kind {
        "email" => {
            match hc_core::accounts::normalize_email(get("value")) {
                Ok(addr) => address = Some(addr),
                Err(_) => error("value", "Enter a valid e-mail address."),
            }
            if !flag("down") && !flag("up") {
                error("down", "Choose at least one of the two.");
            }
            json!({"value": address.clone().unwrap_or_default(), "up": flag("up"), "down": flag("down")})
                .to_string()
        }
        "signal" => {
            let to = get("value");
            let phone = to.len() >= 8
                && to.starts_with('+')
                && to[1..].chars().all(|c| c.is_ascii_digit())
                && to.len() <= 16;
            let username = to.split_once('.').is_some_and(|(name, digits)| {
                (3..=32).contains(&name.len())
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !name.starts_with(|c: char| c.is_ascii_digit())
                    && (2..=20).contains(&digits.len())
                    && digits.chars().all(|c| c.is_ascii_digit())
            });
            if !phone && !username {
                error(
                    "value",
                    "Enter a phone number like +15550100, or a username like name.01.",
                );
            }
            if !flag("down") && !flag("up") {
                error("down", "Choose at least one of the two.");
            }
            json!({"value": to, "up": flag("up"), "down": flag("down")}).to_string()
        }
        "webhook" => {
            let mut stored = Map::new();
            for status in ["down", "up"] {
                let method = match get(&format!("method_{status}")) {
                    "" => "GET",
                    m => m,
                };
                match parse_headers(get(&format!("headers_{status}"))) {
                    Ok(headers) => {
                        stored.insert(format!("headers_{status}"), Value::Object(headers));
                    }
                    Err(e) => error(&format!("headers_{status}"), &e),
                }
                stored.insert(format!("method_{status}"), method.into());
                stored.insert(
                    format!("url_{status}"),
                    get(&format!("url_{status}")).into(),
                );
                stored.insert(
                    format!("body_{status}"),
                    get(&format!("body_{status}")).into(),
                );
            }
            if get("url_down").is_empty() && get("url_up").is_empty() {
                error(
                    "url_down",
                    "Enter a URL for at least one of the two statuses.",
                );
            }
            Value::Object(stored).to_string()
        }
        "slack" | "mattermost" | "discord" | "msteamsw" | "rocketchat" | "victorops"
        | "googlechat" | "pagertree" | "spike" => get("value").to_owned(),
        "sms" | "whatsapp" | "call" => {
            let number = super::phone::normalize(get("value")).unwrap_or_else(|e| {
                error("value", &e);
                String::new()
            });
            if kind != "call" && !flag("down") && !flag("up") {
                error("down", "Choose at least one of the two.");
            }
            super::phone::value(kind, &number, flag("up"), flag("down"))
        }
        "pd" => {
            let key = get("service_key");
            if !key.chars().all(|c| c.is_ascii_alphanumeric()) {
                error("service_key", "The key holds letters and digits only.");
            }
            json!({"service_key": key, "account": ""}).to_string()
        }
        "opsgenie" => {
            let key = get("key");
            if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                error("key", "The key holds letters, digits and dashes only.");
            }
            let region = match get("region") {
                "" => "us",
                r => r,
            };
            json!({"key": key, "region": region}).to_string()
        }
        "pushbullet" => {
            if let Err(e) = check_token(get("value")) {
                error("value", &e);
            }
            get("value").to_owned()
        }
        "telegram" => {
            let id = get("id");
            let (id_json, kind_of_chat) = match id.parse::<i64>() {
                Ok(n) if n != 0 => (json!(n), if n > 0 { "private" } else { "group" }),
                _ if id.starts_with('@')
                    && id.len() >= 5
                    && id[1..]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    (json!(id), "channel")
                }
                _ => {
                    error(
                        "id",
                        "Enter the chat's number (like -1001234567890) or a channel's @name.",
                    );
                    (Value::Null, "")
                }
            };
            let thread = match get("thread_id") {
                "" => Value::Null,
                t => match t.parse::<i64>() {
                    Ok(n) if n > 0 => json!(n),
                    _ => {
                        error("thread_id", "Enter the topic's number, or leave it empty.");
                        Value::Null
                    }
                },
            };
            json!({"id": id_json, "type": kind_of_chat, "name": get("chat_name"), "thread_id": thread})
                .to_string()
        }
        "matrix" => {
            let room = get("value");
            let ok = (room.starts_with('!') || room.starts_with('#'))
                && room.len() > 3
                && room[1..].contains(':')
                && !room.chars().any(char::is_whitespace);
            if !ok {
                error(
                    "value",
                    "Enter a room ID like !AbCdEf:example.org or an alias like #ops:example.org.",
                );
            }
            room.to_owned()
        }
        "zulip" => {
            if hc_core::accounts::normalize_email(get("bot_email")).is_err() {
                error("bot_email", "Enter a valid e-mail address.");
            }
            if !get("api_key").chars().all(|c| c.is_ascii_alphanumeric()) {
                error("api_key", "The key holds letters and digits only.");
            }
            json!({
                "bot_email": get("bot_email"),
                "api_key": get("api_key"),
                "mtype": match get("mtype") { "" => "stream", m => m },
                "to": get("to"),
                "site": get("site").trim_end_matches('/'),
                "topic": get("topic"),
            })
            .to_string()
        }
        "ntfy" => {
            let topic = get("topic");
            if !topic
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                error("topic", "Topics hold letters, digits, - and _ only.");
            }
            let token = get("token");
            if let Err(e) = check_token(token) {
                error("token", &e);
            }
            json!({
                "topic": topic,
                "url": get("url").trim_end_matches('/'),
                "priority": int("priority"),
                "priority_up": int("priority_up"),
                "token": if token.is_empty() { Value::Null } else { token.into() },
            })
            .to_string()
        }
        "gotify" => {
            if let Err(e) = check_token(get("token")) {
                error("token", &e);
            }
            json!({
                "url": get("url"),
                "token": get("token"),
                "priority": int("priority"),
                "priority_up": int("priority_up"),
            })
            .to_string()
        }
        "shell" | "trello" | "apprise" | "group" => {
            match super::local::build(kind, &|name| get(name).to_owned()) {
                Ok(value) => value,
                Err((field, message)) => {
                    error(field, &message);
                    String::new()
                }
            }
        }
        _ => {
            error("name", "This kind of integration cannot be added here.");
            String::new()
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    if !sendable(kind, &value) {
        // A form that builds what its sender cannot read is a bug here, not the
        // user's: refuse it rather than store a channel that can never work.
        tracing::error!(
            channel.kind = kind,
            "an integration form built an unreadable value"
        );
        errors.insert(
            "name".into(),
            "hc could not save this integration; please report it.".into(),
        );
        return Err(errors);
    }
    Ok(Built {
        name: get("name").to_owned(),
        value,
        address,
    })
}

/// Whether the sender of `kind` reads `value` as a usable configuration.
pub fn sendable(kind: &str, value: &str) -> bool {
    use hc_integrations::alert::email_recipient;
    match kind {
        "email" => email_recipient(value, "down")
            .or_else(|| email_recipient(value, "up"))
            .is_some(),
        "webhook" => {
            !webhook::spec(value, "down").url.is_empty()
                || !webhook::spec(value, "up").url.is_empty()
        }
        "slack" => slack::webhook_url(value, slack::Flavour::Slack).is_some(),
        "mattermost" => slack::webhook_url(value, slack::Flavour::Mattermost).is_some(),
        "discord" => slack::webhook_url(value, slack::Flavour::Discord).is_some(),
        "msteamsw" | "rocketchat" | "victorops" | "pushbullet" | "matrix" | "googlechat"
        | "pagertree" | "spike" => !value.trim().is_empty(),
        "sms" | "whatsapp" | "call" => {
            hc_integrations::kinds::twilio::Phone::parse(value).is_some()
        }
        "pd" => pagerduty::service_key(value).is_some(),
        "opsgenie" => opsgenie::settings(value).is_some(),
        "telegram" => telegram::chat(value).is_ok(),
        "zulip" => zulip::Settings::parse(value).is_ok(),
        "signal" => signal::Settings::parse(value).is_ok(),
        "ntfy" => ntfy::Settings::parse(value).is_ok(),
        "gotify" => gotify::Settings::parse(value).is_ok(),
        "po" => hc_integrations::kinds::pushover::settings(value).is_some(),
        "shell" | "trello" | "apprise" | "group" => super::local::sendable(kind, value),
        _ => false,
    }
}
