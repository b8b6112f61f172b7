//! Microsoft Teams through a Workflows webhook (spec §6.2 `msteamsw`): a message
//! holding one Adaptive Card 1.2 with a headline, the check's facts, the last ping
//! body and a button to the check.

use serde_json::{json, Value};

use crate::chat::{self, BODY_MAX};
use crate::context::{Alert, Period};
use crate::failure::Failure;
use crate::outbound::Outbound;

/// Teams reads `*` in card text as Markdown; a combining grapheme joiner after each
/// one keeps cron expressions as written.
fn fix_asterisks(text: &str) -> String {
    text.replace('*', "*\u{034f}")
}

pub fn payload(alert: &Alert) -> Value {
    let name = alert.name();
    let status = alert.status_upper();
    let mut facts = Vec::new();
    let mut fact = |title: &str, value: String| facts.push(json!({"title": title, "value": value}));
    if !alert.check.description.is_empty() {
        // A single newline does not break a line in card Markdown.
        fact("Description", alert.check.description.replace('\n', "\n\n"));
    }
    if !alert.project_name.is_empty() {
        fact("Project", alert.project_name.clone());
    }
    let tags = alert.tags();
    if !tags.is_empty() {
        fact("Tags", tags.join(" "));
    }
    match alert.period() {
        Period::Every(words) => fact("Period", words),
        Period::Schedule { expression, tz } => {
            fact("Schedule", fix_asterisks(&expression));
            fact("Time Zone", tz);
        }
    }
    fact("Total Pings", alert.check.n_pings.to_string());
    fact("Last Ping", alert.last_ping_words());

    let mut body = vec![json!({
        "type": "TextBlock",
        "text": format!(
            "{} \u{201c}{name}\u{201d} is {status}{}.",
            chat::emoji(alert),
            alert.reason_brief()
        ),
        "weight": "bolder",
        "size": "medium",
        "wrap": true,
        "style": "heading",
    })];
    if !alert.is_down() {
        if let Some(sentence) = alert.reason_sentence() {
            body.push(json!({"type": "TextBlock", "text": sentence, "wrap": true}));
        }
    }
    body.push(json!({"type": "FactSet", "facts": facts}));
    if let Some(text) = alert.last_body(BODY_MAX) {
        body.push(json!({"type": "TextBlock", "text": "Last Ping Body:", "weight": "bolder"}));
        body.push(json!({"type": "CodeBlock", "codeSnippet": text, "language": "PlainText"}));
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.2",
                "fallbackText": format!("\u{201c}{name}\u{201d} is {status}."),
                "body": body,
                "actions": [{
                    "type": "Action.OpenUrl",
                    "title": format!("View in {}", alert.site_name),
                    "url": alert.details_url(),
                }],
            },
        }],
    })
}

pub async fn send(
    http: &Outbound,
    alert: &Alert,
    config: &hc_core::config::Config,
) -> Result<(), Failure> {
    if !config.integrations.msteams_enabled {
        return Err(Failure::fail("MS Teams notifications are not enabled."));
    }
    http.post_json_to_hook(&alert.channel.value, "Microsoft Teams", payload(alert))
        .await
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::context::sample;

    #[test]
    fn one_adaptive_card() {
        let alert = sample();
        assert_eq!(
            payload(&alert),
            json!({
                "type": "message",
                "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": null,
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.2",
                        "fallbackText": "\u{201c}Backups\u{201d} is DOWN.",
                        "body": [
                            {
                                "type": "TextBlock",
                                "text": "\u{1f534} \u{201c}Backups\u{201d} is DOWN (success signal did not arrive on time, grace time passed).",
                                "weight": "bolder",
                                "size": "medium",
                                "wrap": true,
                                "style": "heading",
                            },
                            {"type": "FactSet", "facts": [
                                {"title": "Project", "value": "Ops"},
                                {"title": "Tags", "value": "prod www"},
                                {"title": "Period", "value": "1 day"},
                                {"title": "Total Pings", "value": "42"},
                                {"title": "Last Ping", "value": "Success, 1 day ago"},
                            ]},
                            {"type": "TextBlock", "text": "Last Ping Body:", "weight": "bolder"},
                            {"type": "CodeBlock", "codeSnippet": "all \"good\" ünïcode", "language": "PlainText"},
                        ],
                        "actions": [{
                            "type": "Action.OpenUrl",
                            "title": "View in Mychecks",
                            "url": alert.details_url(),
                        }],
                    },
                }],
            })
        );
    }

    #[test]
    fn up_cards_say_how_long_and_schedules_keep_their_asterisks() {
        let mut alert = sample();
        alert.status = "up".into();
        alert.downtime = Some(Duration::minutes(3));
        alert.last_ping = None;
        alert.check.kind = "cron".into();
        alert.check.schedule = "*/5 * * * *".into();
        alert.check.tz = "Europe/Riga".into();
        alert.check.description = "line one\nline two".into();
        let card = payload(&alert);
        let body = &card["attachments"][0]["content"]["body"];
        assert_eq!(body[0]["text"], "\u{1f7e2} \u{201c}Backups\u{201d} is UP.");
        assert_eq!(
            body[1],
            json!({"type": "TextBlock", "text": "The downtime lasted 3 minutes.", "wrap": true})
        );
        assert_eq!(
            body[2]["facts"],
            json!([
                {"title": "Description", "value": "line one\n\nline two"},
                {"title": "Project", "value": "Ops"},
                {"title": "Tags", "value": "prod www"},
                {"title": "Schedule", "value": "*\u{34f}/5 *\u{34f} *\u{34f} *\u{34f} *\u{34f}"},
                {"title": "Time Zone", "value": "Europe/Riga"},
                {"title": "Total Pings", "value": "42"},
                {"title": "Last Ping", "value": "Never"},
            ])
        );
        assert_eq!(body.as_array().map(Vec::len), Some(3));
    }
}
