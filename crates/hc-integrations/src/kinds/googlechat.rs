//! Google Chat (spec §6.2 `googlechat`): a `cardsV2` card posted to the space's
//! incoming webhook URL: a headline paragraph with the reason or the downtime,
//! the check's facts as decorated texts, and a button to the check.

use serde_json::{json, Value};

use crate::alert::Senders;
use crate::chat;
use crate::context::{Alert, Period};
use crate::failure::Failure;

/// Card text is a little HTML (`<b>`, `<i>`, `<a>`, `<br>`), so the user's text
/// is escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// "🔴 The check <b>Backups</b> is <b>DOWN</b>." and the reason, or
/// "🟢 The check <b>Backups</b> is now <b>UP</b>." and the downtime.
pub fn headline(alert: &Alert) -> String {
    let name = escape(alert.name());
    let mut text = if alert.is_down() {
        format!(
            "{} The check <b>{name}</b> is <b>DOWN</b>.",
            chat::emoji(alert)
        )
    } else {
        format!(
            "{} The check <b>{name}</b> is now <b>UP</b>.",
            chat::emoji(alert)
        )
    };
    if let Some(sentence) = alert.reason_sentence() {
        text.push('\n');
        text.push_str(&sentence);
    }
    text
}

pub fn payload(alert: &Alert) -> Value {
    let mut widgets = vec![json!({"textParagraph": {"text": headline(alert)}})];
    let mut fact = |label: &str, value: &str| {
        widgets.push(json!({"decoratedText": {"topLabel": label, "text": escape(value)}}));
    };
    if !alert.project_name.is_empty() {
        fact("Project", &alert.project_name);
    }
    let tags = alert.tags();
    if !tags.is_empty() {
        fact("Tags", &tags.join(", "));
    }
    match alert.period() {
        Period::Every(words) => fact("Period", &words),
        Period::Schedule { expression, tz } => {
            fact("Schedule", &expression);
            fact("Time Zone", &tz);
        }
    }
    fact("Total Pings", &alert.check.n_pings.to_string());
    fact("Last Ping", &alert.last_ping_words());
    widgets.push(json!({
        "buttonList": {"buttons": [{
            "text": format!("View in {}", alert.site_name),
            "type": "FILLED",
            "onClick": {"openLink": {"url": alert.details_url()}},
        }]}
    }));
    json!({
        "cardsV2": [{
            "card": {
                "sections": [{
                    "collapsible": true,
                    "uncollapsibleWidgetsCount": 1,
                    "widgets": widgets,
                }],
            },
        }],
    })
}

pub async fn send(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    senders
        .http
        .post_json_to_hook(&alert.channel.value, "Google Chat", payload(alert))
        .await
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::context::sample;

    #[test]
    fn one_card_with_facts_and_a_button() {
        let alert = sample();
        assert_eq!(
            payload(&alert),
            json!({"cardsV2": [{"card": {"sections": [{
                "collapsible": true,
                "uncollapsibleWidgetsCount": 1,
                "widgets": [
                    {"textParagraph": {"text": "\u{1f534} The check <b>Backups</b> is <b>DOWN</b>.\nReason: success signal did not arrive on time, grace time passed."}},
                    {"decoratedText": {"topLabel": "Project", "text": "Ops"}},
                    {"decoratedText": {"topLabel": "Tags", "text": "prod, www"}},
                    {"decoratedText": {"topLabel": "Period", "text": "1 day"}},
                    {"decoratedText": {"topLabel": "Total Pings", "text": "42"}},
                    {"decoratedText": {"topLabel": "Last Ping", "text": "Success, 1 day ago"}},
                    {"buttonList": {"buttons": [{
                        "text": "View in Mychecks",
                        "type": "FILLED",
                        "onClick": {"openLink": {"url": alert.details_url()}},
                    }]}},
                ],
            }]}}]})
        );
    }

    #[test]
    fn up_with_the_downtime_a_schedule_and_escaped_text() {
        let mut alert = sample();
        alert.status = "up".into();
        alert.downtime = Some(Duration::seconds(7_380));
        alert.check.name = "<b>Sneaky</b> & co".into();
        alert.check.kind = "cron".into();
        alert.check.schedule = "*/5 * * * *".into();
        alert.check.tz = "Europe/Riga".into();
        alert.project_name = "R&D".into();
        let sent = payload(&alert);
        let widgets = &sent["cardsV2"][0]["card"]["sections"][0]["widgets"];
        assert_eq!(
            widgets[0]["textParagraph"]["text"],
            "\u{1f7e2} The check <b>&lt;b&gt;Sneaky&lt;/b&gt; &amp; co</b> is now <b>UP</b>.\nThe downtime lasted 2 hours, 3 minutes."
        );
        assert_eq!(widgets[1]["decoratedText"]["text"], "R&amp;D");
        assert_eq!(widgets[3]["decoratedText"]["topLabel"], "Schedule");
        assert_eq!(widgets[3]["decoratedText"]["text"], "*/5 * * * *");
        assert_eq!(widgets[4]["decoratedText"]["topLabel"], "Time Zone");
        assert_eq!(widgets[4]["decoratedText"]["text"], "Europe/Riga");
    }
}
