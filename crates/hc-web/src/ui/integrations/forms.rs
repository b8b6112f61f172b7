//! The add and edit forms of each kind: their fields, how a stored `value` turns into
//! field values and back, and the checks on every field. Each built value is read
//! back with the parser `sendalerts` uses for that kind, so what a form saves is
//! exactly what can be sent.
//!
//! Secrets (tokens, keys, webhook URLs) are never put back into a page once saved:
//! an edit form shows them masked, and a masked value sent back unchanged means
//! "keep what is stored".

use std::collections::BTreeMap;

use serde::Serialize;

mod build;
pub mod local;
mod phone;
mod values;

pub use build::{build, sendable};
pub use values::{decode, read, shown, summary};

/// Field values by name; checkboxes are `"on"` or `""`.
pub type Values = BTreeMap<String, String>;
/// Error messages by field name.
pub type Errors = BTreeMap<String, String>;

/// Longest URL, body, header name and header value (spec §6.4).
pub const MAX_URL: usize = 1000;
/// Longest integration name (the column's size).
pub const MAX_NAME: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Text,
    Url,
    Email,
    Area,
    /// Webhook headers, `Name: value` per line.
    Headers,
    Select(&'static [(&'static str, &'static str)]),
    Check,
    /// A group's members: a checkbox per integration of the project.
    Channels,
}

/// One field of a form.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub required: bool,
    /// Longest value in characters.
    pub max: usize,
    /// Masked when shown again after saving.
    pub secret: bool,
    pub help: &'static str,
    /// A heading above this field, starting a group.
    pub section: &'static str,
}

const fn field(name: &'static str, label: &'static str, input: Input) -> Spec {
    Spec {
        name,
        label,
        input,
        required: false,
        max: 200,
        secret: false,
        help: "",
        section: "",
    }
}

impl Spec {
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn max(mut self, max: usize) -> Self {
        self.max = max;
        self
    }
    const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
    const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }
    const fn section(mut self, section: &'static str) -> Self {
        self.section = section;
        self
    }
}

const METHODS: &[(&str, &str)] = &[("GET", "GET"), ("POST", "POST"), ("PUT", "PUT")];
const REGIONS: &[(&str, &str)] = &[
    ("us", "US (api.opsgenie.com)"),
    ("eu", "EU (api.eu.opsgenie.com)"),
];
const MTYPES: &[(&str, &str)] = &[("stream", "Stream"), ("private", "Private message")];
const NTFY_PRIORITIES: &[(&str, &str)] = &[
    ("5", "Max"),
    ("4", "High"),
    ("3", "Default"),
    ("2", "Low"),
    ("1", "Min"),
    ("0", "Disabled (send nothing)"),
];
const GOTIFY_PRIORITIES: &[(&str, &str)] = &[
    ("9", "High"),
    ("5", "Normal"),
    ("2", "Low"),
    ("0", "Disabled (send nothing)"),
];
/// Pushover's priorities; -3 is hc's and healthchecks' "send nothing".
pub const PUSHOVER_PRIORITIES: &[(&str, &str)] = &[
    ("2", "Emergency (repeats until acknowledged)"),
    ("1", "High"),
    ("0", "Normal"),
    ("-1", "Quiet"),
    ("-2", "Lowest"),
    ("-3", "Disabled (send nothing)"),
];

const NAME: Spec = field("name", "Name (optional)", Input::Text)
    .max(MAX_NAME)
    .help("Shown in the list of integrations instead of the description.");

fn webhook_url_field(label: &'static str, help: &'static str) -> Spec {
    field("value", label, Input::Url)
        .required()
        .max(MAX_URL)
        .secret()
        .help(help)
}

/// The fields of a kind's form (the optional name first), or `None` for kinds
/// without one (Pushover signs up through its own page; Prometheus is no channel).
pub fn specs(kind: &str) -> Option<Vec<Spec>> {
    let fields = match kind {
        "email" => vec![
            field("value", "E-mail address", Input::Email).required().max(254),
            field("down", "Send a message when a check goes down", Input::Check),
            field("up", "Send a message when a check comes back up", Input::Check),
        ],
        "webhook" => {
            let mut all = Vec::new();
            for (status, section) in [
                ("down", "When a check goes down"),
                ("up", "When a check comes back up"),
            ] {
                let (method, url, body, headers) = match status {
                    "down" => ("method_down", "url_down", "body_down", "headers_down"),
                    _ => ("method_up", "url_up", "body_up", "headers_up"),
                };
                all.push(field(method, "Method", Input::Select(METHODS)).section(section));
                all.push(
                    field(url, "URL", Input::Url)
                        .max(MAX_URL)
                        .secret()
                        .help("Leave it empty to send nothing for this status. Placeholders such as $NAME, $STATUS and $CODE are filled in."),
                );
                all.push(
                    field(body, "Request body", Input::Area)
                        .max(MAX_URL)
                        .help("Sent with POST and PUT only. $BODY and $JSON are allowed here."),
                );
                all.push(
                    field(headers, "Request headers", Input::Headers)
                        .max(10 * MAX_URL)
                        .help("One per line, like Content-Type: application/json."),
                );
            }
            all
        }
        "slack" => vec![webhook_url_field(
            "Incoming webhook URL",
            "In Slack: Apps → Incoming WebHooks → Add to Slack, pick a channel, and copy the Webhook URL.",
        )],
        "mattermost" => vec![webhook_url_field(
            "Incoming webhook URL",
            "In Mattermost: Integrations → Incoming Webhooks → Add Incoming Webhook.",
        )],
        "discord" => vec![webhook_url_field(
            "Channel webhook URL",
            "In Discord: channel settings → Integrations → Webhooks → New Webhook → Copy Webhook URL.",
        )],
        "msteamsw" => vec![webhook_url_field(
            "Workflows webhook URL",
            "In Teams: the channel's Workflows → \"Post to a channel when a webhook request is received\".",
        )],
        "rocketchat" => vec![webhook_url_field(
            "Incoming webhook URL",
            "In Rocket.Chat: Administration → Integrations → New → Incoming.",
        )],
        "googlechat" => vec![webhook_url_field(
            "Incoming webhook URL",
            "In Google Chat: the space's menu → Apps & integrations → Webhooks → Add webhook, then copy its URL.",
        )],
        "pagertree" => vec![webhook_url_field(
            "Integration URL",
            "In PagerTree: Integrations → Create Integration → Healthchecks.io, then copy the endpoint URL.",
        )],
        "spike" => vec![webhook_url_field(
            "Webhook URL",
            "In Spike: Integrations → Add integration → Healthchecks.io, then copy the webhook URL.",
        )],
        "sms" | "whatsapp" => vec![
            field("value", "Phone number", Input::Text)
                .required()
                .max(30)
                .help("In international format, like +15550100."),
            field("down", "Send a message when a check goes down", Input::Check),
            field("up", "Send a message when a check comes back up", Input::Check),
        ],
        "call" => vec![field("value", "Phone number", Input::Text)
            .required()
            .max(30)
            .help("In international format, like +15550100. Calls are made only when a check goes down.")],
        "victorops" => vec![webhook_url_field(
            "REST endpoint URL",
            "In Splunk On-Call: Integrations → REST Endpoint; replace $routing_key with your routing key.",
        )],
        "pd" => vec![field("service_key", "Integration key", Input::Text)
            .required()
            .max(100)
            .secret()
            .help("In PagerDuty: your service → Integrations → Add integration → \"Events API V1\" (or V2), then copy the Integration Key.")],
        "opsgenie" => vec![
            field("key", "API key", Input::Text)
                .required()
                .max(100)
                .secret()
                .help("In Opsgenie: Teams → your team → Integrations → Add integration → API."),
            field("region", "Region", Input::Select(REGIONS)),
        ],
        "pushbullet" => vec![field("value", "Access token", Input::Text)
            .required()
            .max(100)
            .secret()
            .help("In Pushbullet: Settings → Account → Create Access Token.")],
        "telegram" => vec![
            field("id", "Chat ID", Input::Text)
                .required()
                .max(100)
                .help("A number (negative for groups), or @name for a public channel."),
            field("thread_id", "Topic ID (optional)", Input::Text)
                .max(20)
                .help("For a topic of a forum group: the number in the topic's link."),
            field("chat_name", "Chat name (optional)", Input::Text)
                .max(MAX_NAME)
                .help("How the list of integrations describes this chat."),
        ],
        "matrix" => vec![field("value", "Room ID or alias", Input::Text)
            .required()
            .max(255)
            .help("Like !AbCdEf:example.org or #ops:example.org.")],
        "zulip" => vec![
            field("bot_email", "Bot e-mail address", Input::Email)
                .required()
                .max(254),
            field("api_key", "Bot API key", Input::Text)
                .required()
                .max(100)
                .secret(),
            field("site", "Zulip site URL", Input::Url)
                .required()
                .max(MAX_URL)
                .help("Like https://example.zulipchat.com."),
            field("mtype", "Post to", Input::Select(MTYPES)),
            field("to", "Stream name, or the person's e-mail address or user ID", Input::Text)
                .required()
                .max(MAX_NAME),
            field("topic", "Topic (optional)", Input::Text)
                .max(60)
                .help("Empty: each message gets a topic like \"Backups is DOWN\"."),
        ],
        "signal" => vec![
            field("value", "Phone number or Signal username", Input::Text)
                .required()
                .max(100)
                .help("A number in international format (+15550100) or a username (name.01)."),
            field("down", "Send a message when a check goes down", Input::Check),
            field("up", "Send a message when a check comes back up", Input::Check),
        ],
        "ntfy" => vec![
            field("url", "Server URL", Input::Url).required().max(MAX_URL),
            field("topic", "Topic", Input::Text)
                .required()
                .max(64)
                .help("Letters, digits, - and _."),
            field("priority", "Priority when a check goes down", Input::Select(NTFY_PRIORITIES)),
            field("priority_up", "Priority when a check comes back up", Input::Select(NTFY_PRIORITIES)),
            field("token", "Access token (optional)", Input::Text)
                .max(100)
                .secret()
                .help("For topics that need a login."),
        ],
        "gotify" => vec![
            field("url", "Server URL", Input::Url).required().max(MAX_URL),
            field("token", "Application token", Input::Text)
                .required()
                .max(100)
                .secret(),
            field("priority", "Priority when a check goes down", Input::Select(GOTIFY_PRIORITIES)),
            field("priority_up", "Priority when a check comes back up", Input::Select(GOTIFY_PRIORITIES)),
        ],
        _ => local::specs(kind)?,
    };
    Some(std::iter::once(NAME).chain(fields).collect())
}

/// Kinds whose configuration can be changed after adding (spec §6.2); the others
/// are removed and added again.
pub fn editable(kind: &str) -> bool {
    matches!(
        kind,
        "email" | "webhook" | "signal" | "ntfy" | "gotify" | "sms" | "whatsapp" | "group"
    )
}

/// The values a new form starts with.
pub fn defaults(kind: &str) -> Values {
    let pairs: &[(&str, &str)] = match kind {
        "email" | "signal" | "sms" | "whatsapp" => &[("down", "on"), ("up", "on")],
        "webhook" => &[("method_down", "GET"), ("method_up", "GET")],
        "opsgenie" => &[("region", "us")],
        "zulip" => &[("mtype", "stream")],
        "ntfy" => &[
            ("url", "https://ntfy.sh"),
            ("priority", "5"),
            ("priority_up", "3"),
        ],
        "gotify" => &[("priority", "5"), ("priority_up", "2")],
        _ => &[],
    };
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// One field as a page renders it.
#[derive(Debug, Serialize)]
pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `url`, `email`, `textarea`, `select` or `checkbox`.
    pub input: &'static str,
    pub value: String,
    pub checked: bool,
    pub options: Vec<Choice>,
    pub required: bool,
    pub maxlength: usize,
    pub secret: bool,
    pub help: &'static str,
    pub error: String,
    pub section: &'static str,
    /// A group's choice of integrations (see [`local::show_choices`]).
    pub picks: Vec<local::Pick>,
}

#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub fn views(specs: &[Spec], values: &Values, errors: &Errors) -> Vec<FieldView> {
    specs
        .iter()
        .map(|spec| {
            let value = values.get(spec.name).cloned().unwrap_or_default();
            let options = match spec.input {
                Input::Select(choices) => choices
                    .iter()
                    .map(|(v, l)| Choice {
                        value: v,
                        label: l,
                        selected: *v == value,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            FieldView {
                name: spec.name,
                label: spec.label,
                input: match spec.input {
                    Input::Text => "text",
                    Input::Url => "url",
                    Input::Email => "email",
                    Input::Area | Input::Headers => "textarea",
                    Input::Select(_) => "select",
                    Input::Check => "checkbox",
                    Input::Channels => "channels",
                },
                checked: value == "on",
                value,
                options,
                required: spec.required,
                maxlength: spec.max,
                secret: spec.secret,
                help: spec.help,
                error: errors.get(spec.name).cloned().unwrap_or_default(),
                section: spec.section,
                picks: Vec::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
