//! Between stored values and form fields: decoding a channel's `value`, masking
//! secrets for pages (and recognising a mask sent back unchanged), and the list's
//! one-line summary.

use hc_integrations::kinds::{opsgenie, pagerduty, slack, telegram, webhook};
use serde_json::{Map, Value};

use super::{Input, Spec, Values};
use crate::ui::Form;

fn on(flag: bool) -> String {
    if flag { "on" } else { "" }.to_owned()
}

/// A stored value as field values (secrets in full: for comparing, never for pages).
pub fn decode(kind: &str, name: &str, value: &str) -> Values {
    let json: Map<String, Value> = serde_json::from_str(value).unwrap_or_default();
    let text = |key: &str| match json.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let flag = |key: &str| json.get(key).and_then(Value::as_bool).unwrap_or(true);
    let mut v = Values::new();
    let mut put = |k: &str, val: String| {
        v.insert(k.to_owned(), val);
    };
    put("name", name.to_owned());
    match kind {
        "email" | "signal" | "sms" | "whatsapp" | "call" if !json.is_empty() => {
            put("value", text("value"));
            put("down", on(flag("down")));
            put("up", on(flag("up")));
        }
        "email" | "signal" | "sms" | "whatsapp" | "call" => {
            put("value", value.trim().to_owned());
            put("down", on(true));
            put("up", on(true));
        }
        "webhook" => {
            for status in ["down", "up"] {
                let spec = webhook::spec(value, status);
                put(&format!("method_{status}"), spec.method.to_uppercase());
                put(&format!("url_{status}"), spec.url);
                put(&format!("body_{status}"), spec.body);
                let lines: Vec<String> = spec
                    .headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect();
                put(&format!("headers_{status}"), lines.join("\n"));
            }
        }
        "ntfy" | "gotify" | "zulip" | "opsgenie" | "shell" | "trello" => {
            for (key, val) in &json {
                let shown = match val {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                put(key, shown);
            }
        }
        _ => put("value", value.to_owned()),
    }
    v
}

/// What a page shows of a secret: where it points, and its last few characters.
pub fn mask(secret: &str) -> String {
    let secret = secret.trim();
    if secret.is_empty() {
        return String::new();
    }
    let chars: Vec<char> = secret.chars().collect();
    let tail = |n: usize| -> String { chars[chars.len().saturating_sub(n)..].iter().collect() };
    if let Ok(url) = url::Url::parse(secret) {
        if let (Some(host), true) = (url.host_str(), matches!(url.scheme(), "http" | "https")) {
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            let origin = format!("{}://{host}{port}/", url.scheme());
            let rest = chars.len().saturating_sub(origin.chars().count());
            return if rest > 12 {
                format!("{origin}…{}", tail(4))
            } else {
                format!("{origin}…")
            };
        }
    }
    if chars.len() >= 12 {
        format!("…{}", tail(4))
    } else {
        "…".to_owned()
    }
}

/// Header names whose values are treated as secrets.
fn sensitive_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "auth",
        "token",
        "key",
        "secret",
        "cookie",
        "password",
        "signature",
    ]
    .iter()
    .any(|word| name.contains(word))
}

fn header_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.split_once(':') {
            Some((k, v)) => (k.trim().to_owned(), v.trim().to_owned()),
            None => (l.trim().to_owned(), String::new()),
        })
        .collect()
}

/// Header lines as sent back: a masked value that was not changed is the stored one.
fn unmask_headers(submitted: &str, old: &str) -> String {
    let old = header_lines(old);
    submitted
        .lines()
        .map(|line| {
            let Some((k, v)) = line.split_once(':') else {
                return line.to_owned();
            };
            let (k, v) = (k.trim(), v.trim());
            match old
                .iter()
                .find(|(ok, ov)| ok == k && !ov.is_empty() && mask(ov) == v)
            {
                Some((_, ov)) => format!("{k}: {ov}"),
                None => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The submitted values of a kind's form; with `old` (editing), unchanged masked
/// secrets become the stored ones again.
pub fn read(specs: &[Spec], form: &Form, old: Option<&Values>) -> Values {
    let mut values = Values::new();
    for spec in specs {
        let value = match spec.input {
            Input::Check => on(!form.get(spec.name).is_empty()),
            Input::Channels => super::local::read_picks(form.names()),
            Input::Area | Input::Headers => form.get(spec.name).replace("\r\n", "\n"),
            _ => form.trimmed(spec.name).to_owned(),
        };
        let stored = old.and_then(|o| o.get(spec.name)).filter(|s| !s.is_empty());
        let value = match (stored, spec.input) {
            (Some(stored), Input::Headers) => unmask_headers(&value, stored),
            (Some(stored), _) if spec.secret && value == mask(stored) => stored.clone(),
            _ => value,
        };
        values.insert(spec.name.to_owned(), value);
    }
    values
}

/// Values for a page: secrets that are the stored ones are masked.
pub fn shown(specs: &[Spec], values: &Values, old: Option<&Values>) -> Values {
    let mut out = values.clone();
    let Some(old) = old else {
        return out;
    };
    for spec in specs {
        let (Some(value), Some(stored)) = (values.get(spec.name), old.get(spec.name)) else {
            continue;
        };
        if spec.input == Input::Headers {
            let masked = header_lines(value)
                .into_iter()
                .map(|(k, v)| {
                    let kept = header_lines(stored)
                        .iter()
                        .any(|(ok, ov)| *ok == k && *ov == v);
                    if kept && sensitive_header(&k) {
                        format!("{k}: {}", mask(&v))
                    } else {
                        format!("{k}: {v}")
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.insert(spec.name.to_owned(), masked);
        } else if spec.secret && value == stored {
            out.insert(spec.name.to_owned(), mask(stored));
        }
    }
    out
}

/// A short description of a channel's configuration for the list, secrets masked.
pub fn summary(kind: &str, value: &str) -> String {
    let v = decode(kind, "", value);
    let get = |k: &str| v.get(k).cloned().unwrap_or_default();
    let statuses = || match (get("down") == "on", get("up") == "on") {
        (true, true) => "down and up",
        (true, false) => "down only",
        (false, true) => "up only",
        (false, false) => "nothing",
    };
    match kind {
        "email" | "signal" | "sms" | "whatsapp" => {
            format!("{}, alerts for {}", get("value"), statuses())
        }
        "call" => format!("{}, calls when a check goes down", get("value")),
        "webhook" => ["down", "up"]
            .iter()
            .filter(|s| !get(&format!("url_{s}")).is_empty())
            .map(|s| {
                format!(
                    "{s}: {} {}",
                    get(&format!("method_{s}")),
                    mask(&get(&format!("url_{s}")))
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        "slack" | "mattermost" | "discord" | "msteamsw" | "rocketchat" | "victorops"
        | "googlechat" | "pagertree" | "spike" => {
            // Discord's OAuth answer keeps its URL under `webhook`, Slack's under
            // `incoming_webhook`; the others are bare URLs either reads.
            let flavour = if kind == "discord" {
                slack::Flavour::Discord
            } else {
                slack::Flavour::Slack
            };
            match slack::webhook_url(value, flavour) {
                Some(url) => mask(&url),
                None => String::new(),
            }
        }
        "pd" => pagerduty::service_key(value)
            .map(|k| format!("key {}", mask(&k)))
            .unwrap_or_default(),
        "opsgenie" => opsgenie::settings(value)
            .map(|s| format!("key {}, {} region", mask(&s.key), s.region.to_uppercase()))
            .unwrap_or_default(),
        "pushbullet" => format!("token {}", mask(value)),
        "po" => match hc_integrations::kinds::pushover::settings(value) {
            Some(s) => format!(
                "user key {}, priority {} down / {} up",
                mask(&s.user_key),
                s.priority_down,
                s.priority_up
            ),
            None => String::new(),
        },
        "telegram" => format!("chat {}", chat_id(value)),
        "matrix" => value.trim().to_owned(),
        "zulip" => format!("{} on {}", get("to"), get("site")),
        "ntfy" => format!("topic {} on {}", get("topic"), get("url")),
        "gotify" => mask(&get("url")),
        "shell" | "trello" | "apprise" | "group" => super::local::summary(kind, value),
        _ => String::new(),
    }
}

fn chat_id(value: &str) -> String {
    telegram::chat(value)
        .map(|c| match c.id {
            Value::String(s) => s,
            other => other.to_string(),
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn oauth_answers_are_summarised_by_their_webhook_urls() {
        let discord = r#"{"webhook": {"url": "https://discord.com/api/webhooks/1/secret-token"}}"#;
        let slack = r##"{"incoming_webhook": {"url": "https://hooks.slack.com/services/T/B/secret-token", "channel": "#ops"}}"##;
        for (kind, value) in [("discord", discord), ("slack", slack)] {
            let shown = summary(kind, value);
            assert!(shown.starts_with("https://"), "{kind}: {shown:?}");
            assert!(!shown.contains("secret-token"), "{kind}: {shown:?}");
        }
    }
}
