//! The message the chat-style kinds send (Telegram, Matrix, ntfy, Gotify, Zulip,
//! Signal): one set of ingredients (spec §6.1) — headline with the reason, the
//! downtime, the check's facts, its last ping body, the other down checks and the
//! link — rendered in the markup each service reads, with that markup's escaping.

use crate::context::{Alert, OtherChecks, Period};

/// Most of the last ping's body a message quotes, as healthchecks does.
pub const BODY_MAX: usize = 1000;

/// The markup a service renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Telegram's HTML subset: `<b>`, `<a>`, `<pre>`; lines end with newlines.
    TelegramHtml,
    /// Matrix's `org.matrix.custom.html`: paragraphs, `<br>` between lines.
    MatrixHtml,
    /// Markdown as ntfy, Gotify and Zulip render it.
    Markdown,
    Plain,
}

/// 🔴 for down, 🟢 for up.
pub fn emoji(alert: &Alert) -> &'static str {
    if alert.is_down() {
        "\u{1f534}"
    } else {
        "\u{1f7e2}"
    }
}

/// "Backups is DOWN": the short title ntfy, Gotify and Zulip show above a message.
pub fn title(alert: &Alert) -> String {
    format!("{} is {}", alert.name(), alert.status_upper())
}

/// The check's facts as label and value (unescaped): project, tags, period or
/// schedule and time zone, total pings, last ping.
pub fn facts(alert: &Alert) -> Vec<(&'static str, String)> {
    let mut facts = Vec::new();
    if !alert.project_name.is_empty() {
        facts.push(("Project", alert.project_name.clone()));
    }
    let tags = alert.tags();
    if !tags.is_empty() {
        facts.push(("Tags", tags.join(", ")));
    }
    match alert.period() {
        Period::Every(words) => facts.push(("Period", words)),
        Period::Schedule { expression, tz } => {
            facts.push(("Schedule", expression));
            facts.push(("Time zone", tz));
        }
    }
    facts.push(("Total pings", alert.check.n_pings.to_string()));
    facts.push(("Last ping", alert.last_ping_words()));
    facts
}

/// The sentence about the project's other checks, names escaped by `escape`; none
/// when the project has no other checks.
pub fn others(alert: &Alert, escape: impl Fn(&str) -> String) -> Option<String> {
    match &alert.others {
        OtherChecks::None => None,
        OtherChecks::AllUp => Some("All the other checks are up.".into()),
        OtherChecks::Down(names) => {
            let names: Vec<String> = names.iter().map(|n| escape(n)).collect();
            Some(format!("Also down: {}.", names.join(", ")))
        }
        OtherChecks::ManyDown(n) => Some(format!("{n} other checks are also down.")),
    }
}

/// One part of a message.
enum Block {
    /// A line of text, already escaped.
    Line(String),
    /// Label and value pairs, already escaped.
    Facts(Vec<(&'static str, String)>),
    /// The last ping's body, unescaped.
    Code(String),
}

/// The whole message in `style`.
pub fn message(alert: &Alert, style: Style) -> String {
    let esc = |text: &str| escape(text, style);
    let strong = |text: String| match style {
        Style::TelegramHtml | Style::MatrixHtml => format!("<b>{text}</b>"),
        Style::Markdown => format!("**{text}**"),
        Style::Plain => text,
    };
    let name = match style {
        Style::Plain => format!("\u{201c}{}\u{201d}", alert.name()),
        _ => strong(esc(alert.name())),
    };
    let mut blocks = vec![Block::Line(format!(
        "{} {name} is {}{}.",
        emoji(alert),
        strong(alert.status_upper()),
        esc(alert.reason_brief())
    ))];
    // Down alerts carry their reason in the headline; up alerts say how long.
    if !alert.is_down() {
        if let Some(sentence) = alert.reason_sentence() {
            blocks.push(Block::Line(esc(&sentence)));
        }
    }
    blocks.push(Block::Facts(
        facts(alert)
            .into_iter()
            .map(|(label, value)| (label, esc(&value)))
            .collect(),
    ));
    if let Some(body) = alert.last_body(BODY_MAX) {
        // A Markdown fence cannot hold a fence.
        if style != Style::Markdown || !body.contains("```") {
            blocks.push(Block::Code(body));
        }
    }
    if let Some(sentence) = others(alert, esc) {
        blocks.push(Block::Line(sentence));
    }
    let url = alert.details_url();
    let site = esc(&alert.site_name);
    blocks.push(Block::Line(match style {
        Style::TelegramHtml | Style::MatrixHtml => {
            format!("<a href=\"{}\">View on {site}</a>", esc(&url))
        }
        Style::Markdown => format!("[View on {site}]({url})"),
        Style::Plain => format!("View on {site}: {url}"),
    }));
    let rendered: Vec<String> = blocks.iter().map(|b| render(b, style)).collect();
    rendered.join(if style == Style::MatrixHtml {
        "\n"
    } else {
        "\n\n"
    })
}

fn render(block: &Block, style: Style) -> String {
    match (block, style) {
        (Block::Line(text), Style::MatrixHtml) => format!("<p>{text}</p>"),
        (Block::Line(text), _) => text.clone(),
        (Block::Facts(facts), _) => {
            let lines: Vec<String> = facts
                .iter()
                .map(|(label, value)| match style {
                    Style::TelegramHtml | Style::MatrixHtml => {
                        format!("<b>{label}:</b> {value}")
                    }
                    Style::Markdown => format!("- **{label}:** {value}"),
                    Style::Plain => format!("{label}: {value}"),
                })
                .collect();
            match style {
                Style::MatrixHtml => format!("<p>{}</p>", lines.join("<br>\n")),
                _ => lines.join("\n"),
            }
        }
        (Block::Code(body), Style::TelegramHtml) => {
            format!("<b>Last ping body:</b>\n<pre>{}</pre>", escape_html(body))
        }
        (Block::Code(body), Style::MatrixHtml) => format!(
            "<p><b>Last ping body:</b></p>\n<pre><code>{}</code></pre>",
            escape_html(body)
        ),
        (Block::Code(body), Style::Markdown) => {
            format!("**Last ping body:**\n```\n{body}\n```")
        }
        (Block::Code(body), Style::Plain) => format!("Last ping body:\n{body}"),
    }
}

/// `text` made safe for `style`.
pub fn escape(text: &str, style: Style) -> String {
    match style {
        Style::TelegramHtml | Style::MatrixHtml => escape_html(text),
        Style::Markdown => escape_markdown(text),
        Style::Plain => text.to_owned(),
    }
}

/// The four characters that matter in HTML text and attribute values (the only
/// entities Telegram understands).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Backslashes before the characters that start emphasis, code or links in the
/// middle of a line. Kept to those every Markdown flavour here (CommonMark for ntfy
/// and Gotify, Zulip's Python-Markdown) unescapes, so no stray `\` shows.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
