//! The alert e-mail (spec §6.3): healthchecks' subject, our own words, a plain-text
//! part and an HTML part saying the same.

use hc_core::config::Config;

use crate::context::{Alert, OtherChecks, Period};
use crate::email::Outgoing;

/// Longest last-ping body quoted in the e-mail, in characters.
const MAX_BODY: usize = 10_000;

/// The lines of the alert, as (label, value); the same in both parts.
fn facts(config: &Config, alert: &Alert) -> Vec<(&'static str, String)> {
    let check = &alert.check;
    let mut facts = vec![(
        "Details",
        format!("{}/checks/{}/details/", config.site_root, check.code),
    )];
    if !check.description.is_empty() {
        facts.push(("Description", check.description.clone()));
    }
    if !alert.project_name.is_empty() {
        facts.push(("Project", alert.project_name.clone()));
    }
    if !check.tags.trim().is_empty() {
        facts.push(("Tags", check.tags.trim().to_owned()));
    }
    let grace = crate::context::duration_in_words(chrono::Duration::seconds(check.grace));
    match alert.period() {
        Period::Every(words) => facts.push(("Period", format!("{words}, grace {grace}"))),
        Period::Schedule { expression, tz } => {
            facts.push(("Schedule", format!("{expression} ({tz}), grace {grace}")))
        }
    }
    facts.push((
        "Total pings",
        format!(
            "{} (since {})",
            check.n_pings,
            check.created.format("%Y-%m-%d")
        ),
    ));
    let mut last = alert.last_ping_words();
    if let Some(addr) = alert
        .last_ping
        .as_ref()
        .and_then(|p| p.remote_addr.as_deref())
    {
        last.push_str(&format!(", from {addr}"));
    }
    facts.push(("Last ping", last));
    facts.push((
        "Status changed",
        format!(
            "{} at {}",
            alert.status,
            alert.flip_time.format("%a, %d %b %Y %H:%M:%S +0000")
        ),
    ));
    facts
}

fn others_sentence(alert: &Alert) -> Option<String> {
    match &alert.others {
        OtherChecks::None => None,
        OtherChecks::AllUp => Some("All the other checks are up.".into()),
        OtherChecks::Down(names) => Some(format!("Also down: {}.", names.join(", "))),
        OtherChecks::ManyDown(n) => Some(format!("{n} other checks are also down.")),
    }
}

/// The alert e-mail to `to`.
pub fn message(config: &Config, alert: &Alert, to: &str) -> Outgoing {
    let name = alert.name();
    let verb = if alert.is_down() {
        "gone down"
    } else {
        "come back up"
    };
    let headline = format!("The check \"{name}\" has {verb}.");
    let reason = alert.reason_sentence();
    let facts = facts(config, alert);
    let body = alert.last_body(MAX_BODY);
    let others = others_sentence(alert);

    let mut text = format!("{headline}\n");
    if let Some(reason) = &reason {
        text.push_str(&format!("{reason}\n"));
    }
    text.push('\n');
    for (label, value) in &facts {
        text.push_str(&format!("{label}: {value}\n"));
    }
    if let Some(body) = &body {
        text.push_str(&format!("\nLast ping body:\n{body}\n"));
    }
    if let Some(others) = &others {
        text.push_str(&format!("\n{others}\n"));
    }
    text.push_str(&format!("\n-- \n{}\n", config.site_name));

    let mut html = format!(
        "<!doctype html>\n<html><body>\n<p><strong>{}</strong></p>\n",
        escape(&headline)
    );
    if let Some(reason) = &reason {
        html.push_str(&format!("<p>{}</p>\n", escape(reason)));
    }
    html.push_str("<table>\n");
    for (label, value) in &facts {
        let value = if *label == "Details" {
            format!("<a href=\"{0}\">{0}</a>", escape(value))
        } else {
            escape(value)
        };
        html.push_str(&format!(
            "<tr><th align=\"left\">{}</th><td>{value}</td></tr>\n",
            escape(label)
        ));
    }
    html.push_str("</table>\n");
    if let Some(body) = &body {
        html.push_str(&format!(
            "<p>Last ping body:</p>\n<pre>{}</pre>\n",
            escape(body)
        ));
    }
    if let Some(others) = &others {
        html.push_str(&format!("<p>{}</p>\n", escape(others)));
    }
    html.push_str(&format!(
        "<p>-- <br>{}</p>\n</body></html>\n",
        escape(&config.site_name)
    ));

    Outgoing {
        to: to.to_owned(),
        subject: format!("{} | {name}", alert.status_upper()),
        text,
        html: Some(html),
    }
}

/// HTML-escapes text for element content and attribute values.
fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#x27;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::sample;

    fn config() -> Config {
        let env = hc_core::config::Env::new(|name| match name {
            "SECRET_KEY" => Some("k".to_owned()),
            "SITE_ROOT" => Some("https://hc.example.org".to_owned()),
            "DB" => Some("sqlite".to_owned()),
            "DB_NAME" => Some("/tmp/unused-hc.sqlite".to_owned()),
            _ => None,
        });
        Config::from(&env).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn both_parts_say_the_same_and_html_is_escaped() {
        let mut alert = sample();
        alert.check.name = "<b>Backups</b>".into();
        let m = message(&config(), &alert, "ops@example.org");
        assert_eq!(m.subject, "DOWN | <b>Backups</b>");
        assert!(m.text.starts_with("The check \"<b>Backups</b>\" has gone down.\nReason: success signal did not arrive on time, grace time passed.\n"), "{}", m.text);
        assert!(
            m.text.contains("Period: 1 day, grace 1 hour\n"),
            "{}",
            m.text
        );
        assert!(
            m.text
                .contains("Last ping: Success, 1 day ago, from 192.0.2.1\n"),
            "{}",
            m.text
        );
        assert!(
            m.text.contains("Last ping body:\nall \"good\" ünïcode\n"),
            "{}",
            m.text
        );
        assert!(m.text.contains("All the other checks are up."));
        let html = m.html.unwrap_or_default();
        assert!(html.contains("&lt;b&gt;Backups&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<b>Backups"));
        assert!(
            html.contains("<pre>all &quot;good&quot; ünïcode</pre>"),
            "{html}"
        );
    }
}
