//! The kinds a person can add from the dashboard: their labels, whether this site's
//! settings turn them on, and how a configured channel is named in lists (spec §1.9:
//! "Email to X", "Slack #channel", ... when the channel has no name of its own).

use hc_core::config::Config;
use hc_core::models::Channel;
use serde_json::Value;

/// One kind of integration as the dashboard offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// The `kind` column value.
    pub kind: &'static str,
    /// The part of the add page's URL after `add_` (healthchecks' names).
    pub slug: &'static str,
    pub label: &'static str,
    /// One line for the catalogue.
    pub blurb: &'static str,
}

const fn kind(
    kind: &'static str,
    slug: &'static str,
    label: &'static str,
    blurb: &'static str,
) -> Kind {
    Kind {
        kind,
        slug,
        label,
        blurb,
    }
}

/// Every kind hc can send, in the order the catalogue lists them. `prometheus` is not
/// a channel: its page explains the metrics endpoint.
pub const KINDS: [Kind; 30] = [
    kind(
        "email",
        "email",
        "Email",
        "Get an e-mail message when a check goes up or down.",
    ),
    kind(
        "webhook",
        "webhook",
        "Webhook",
        "Call your own HTTP endpoint, with the method, body and headers you choose.",
    ),
    kind(
        "slack",
        "slack",
        "Slack",
        "Post to a Slack channel through an incoming webhook.",
    ),
    kind(
        "mattermost",
        "mattermost",
        "Mattermost",
        "Post to a Mattermost channel through an incoming webhook.",
    ),
    kind(
        "discord",
        "discord",
        "Discord",
        "Post to a Discord channel through a channel webhook.",
    ),
    kind(
        "msteamsw",
        "msteams",
        "Microsoft Teams",
        "Post to a Teams channel through a Workflows webhook.",
    ),
    kind(
        "rocketchat",
        "rocketchat",
        "Rocket.Chat",
        "Post to a Rocket.Chat channel through an incoming webhook.",
    ),
    kind(
        "googlechat",
        "googlechat",
        "Google Chat",
        "Post a card to a Google Chat space through an incoming webhook.",
    ),
    kind(
        "telegram",
        "telegram",
        "Telegram",
        "Get a Telegram message from the site's bot, in a chat or group.",
    ),
    kind(
        "matrix",
        "matrix",
        "Matrix",
        "Post to a Matrix room as the site's Matrix user.",
    ),
    kind(
        "zulip",
        "zulip",
        "Zulip",
        "Post to a Zulip stream or a person, as your Zulip bot.",
    ),
    kind(
        "signal",
        "signal",
        "Signal",
        "Get a Signal message on your phone.",
    ),
    kind(
        "sms",
        "sms",
        "SMS",
        "Get a text message on your phone, sent through Twilio.",
    ),
    kind(
        "whatsapp",
        "whatsapp",
        "WhatsApp",
        "Get a WhatsApp message on your phone, sent through Twilio.",
    ),
    kind(
        "call",
        "call",
        "Phone Call",
        "Get a phone call when a check goes down, made through Twilio.",
    ),
    kind(
        "pd",
        "pd",
        "PagerDuty",
        "Open and resolve PagerDuty incidents.",
    ),
    kind(
        "opsgenie",
        "opsgenie",
        "Opsgenie",
        "Open and close Opsgenie alerts.",
    ),
    kind(
        "victorops",
        "victorops",
        "Splunk On-Call",
        "Raise and recover Splunk On-Call (VictorOps) incidents.",
    ),
    kind(
        "pagertree",
        "pagertree",
        "PagerTree",
        "Open and resolve PagerTree incidents.",
    ),
    kind(
        "spike",
        "spike",
        "Spike",
        "Raise and resolve Spike.sh incidents.",
    ),
    kind(
        "po",
        "pushover",
        "Pushover",
        "Get push notifications on your phone through Pushover.",
    ),
    kind(
        "pushbullet",
        "pushbullet",
        "Pushbullet",
        "Get push notifications through Pushbullet.",
    ),
    kind(
        "ntfy",
        "ntfy",
        "ntfy",
        "Publish to an ntfy topic, on ntfy.sh or your own server.",
    ),
    kind(
        "gotify",
        "gotify",
        "Gotify",
        "Send messages to your Gotify server.",
    ),
    kind(
        "trello",
        "trello",
        "Trello",
        "Add a card to a Trello list when a check goes down.",
    ),
    kind(
        "github",
        "github",
        "GitHub",
        "Open an issue in a GitHub repository when a check goes down.",
    ),
    kind(
        "apprise",
        "apprise",
        "Apprise",
        "Reach any of the services Apprise supports with one URL.",
    ),
    kind(
        "shell",
        "shell",
        "Shell Command",
        "Run a command on the server when a check goes down or up.",
    ),
    kind(
        "group",
        "group",
        "Group",
        "Send one alert to several of the project's integrations.",
    ),
    kind(
        "prometheus",
        "prometheus",
        "Prometheus",
        "Scrape the project's check statuses as Prometheus metrics.",
    ),
];

/// The kind whose add page is `add_<slug>`.
pub fn by_slug(slug: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.slug == slug)
}

/// The catalogue entry of a `kind` column value.
pub fn by_kind(kind: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.kind == kind)
}

/// A kind's label; kinds hc cannot send (rows made by healthchecks) show as stored.
pub fn label(kind: &str) -> String {
    by_kind(kind).map_or_else(|| kind.to_owned(), |k| k.label.to_owned())
}

/// Whether this site's settings let people add (and send through) `kind`: kinds that
/// need an operator's key or socket appear only when it is configured, the others
/// unless switched off.
pub fn enabled(config: &Config, kind: &str) -> bool {
    let i = &config.integrations;
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    match kind {
        "email" | "ntfy" | "gotify" | "discord" | "pushbullet" => true,
        "webhook" => i.webhooks_enabled,
        "slack" => i.slack_enabled,
        "mattermost" => i.mattermost_enabled,
        "msteamsw" => i.msteams_enabled,
        "rocketchat" => i.rocketchat_enabled,
        "telegram" => i.telegram_token.is_some(),
        "matrix" => set(&i.matrix_homeserver) && i.matrix_access_token.is_some(),
        "zulip" => i.zulip_enabled,
        "signal" => set(&i.signal_cli_socket),
        "pd" => i.pd_enabled,
        "opsgenie" => i.opsgenie_enabled,
        "victorops" => i.victorops_enabled,
        "googlechat" => true,
        "pagertree" => i.pagertree_enabled,
        "spike" => i.spike_enabled,
        "sms" => i.twilio.can_message(),
        "whatsapp" => i.twilio.can_whatsapp(),
        "call" => i.twilio.can_call(),
        "po" => i.pushover_api_token.is_some() && set(&i.pushover_subscription_url),
        "prometheus" => i.prometheus_enabled,
        "trello" => i.trello_app_key.is_some(),
        // Sent when configured, but hc has no page yet that walks users through
        // installing the GitHub App and picking a repository.
        "github" => false,
        "apprise" => i.apprise_enabled,
        "shell" => i.shell_enabled,
        "group" => true,
        _ => false,
    }
}

/// The kinds this site offers, in catalogue order.
pub fn offered(config: &Config) -> Vec<&'static Kind> {
    KINDS.iter().filter(|k| enabled(config, k.kind)).collect()
}

/// What a list calls a channel: its name, else a description from its configuration.
pub fn display_name(channel: &Channel) -> String {
    if !channel.name.trim().is_empty() {
        return channel.name.clone();
    }
    describe(&channel.kind, &channel.value)
}

/// The description of an unnamed channel.
pub fn describe(kind: &str, value: &str) -> String {
    let json = serde_json::from_str::<Value>(value).ok();
    let field = |name: &str| {
        json.as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let described = match kind {
        "email" => crate::alert::email_recipient(value, "down")
            .or_else(|| crate::alert::email_recipient(value, "up"))
            .map(|to| format!("Email to {to}")),
        "signal" => field("value").map(|to| format!("Signal to {to}")),
        "sms" | "whatsapp" | "call" => {
            crate::kinds::twilio::Phone::parse(value).map(|p| match kind {
                "sms" => format!("SMS to {}", p.number),
                "whatsapp" => format!("WhatsApp to {}", p.number),
                _ => format!("Phone call to {}", p.number),
            })
        }
        "slack" => json
            .as_ref()
            .and_then(|v| v.pointer("/incoming_webhook/channel"))
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(|c| format!("Slack {c}")),
        "telegram" => field("name").map(|name| format!("Telegram {name}")),
        "zulip" => field("to").map(|to| match field("mtype").as_deref() {
            Some("private") => format!("Zulip user {to}"),
            _ => format!("Zulip stream {to}"),
        }),
        "ntfy" => field("topic").map(|topic| format!("ntfy topic {topic}")),
        "matrix" => (!value.trim().is_empty()).then(|| format!("Matrix {}", value.trim())),
        "trello" => field("list_name").map(|list| match field("board_name") {
            Some(board) => format!("Trello {board}/{list}"),
            None => format!("Trello {list}"),
        }),
        "github" => field("repo").map(|repo| format!("GitHub {repo}")),
        _ => None,
    };
    described.unwrap_or_else(|| label(kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &'static [(&'static str, &'static str)]) -> Config {
        let env = hc_core::config::Env::new(move |name| {
            vars.iter()
                .chain(&[("SECRET_KEY", "test")])
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        });
        Config::from(&env).unwrap_or_else(|e| panic!("test config: {e}"))
    }

    #[test]
    fn kinds_needing_an_operator_key_appear_only_with_it() {
        let plain = config(&[]);
        let kinds: Vec<&str> = offered(&plain).iter().map(|k| k.kind).collect();
        assert!(kinds.contains(&"webhook") && kinds.contains(&"email"));
        for missing in ["po", "telegram", "matrix", "signal"] {
            assert!(!kinds.contains(&missing), "{missing} needs settings");
        }
        let keyed = config(&[
            ("PUSHOVER_API_TOKEN", "tok"),
            (
                "PUSHOVER_SUBSCRIPTION_URL",
                "https://pushover.net/subscribe/x",
            ),
            ("TELEGRAM_TOKEN", "t"),
            ("MATRIX_HOMESERVER", "https://m.example.org"),
            ("MATRIX_ACCESS_TOKEN", "m"),
            ("SIGNAL_CLI_SOCKET", "/run/signal.sock"),
            ("WEBHOOKS_ENABLED", "False"),
        ]);
        let kinds: Vec<&str> = offered(&keyed).iter().map(|k| k.kind).collect();
        for present in ["po", "telegram", "matrix", "signal"] {
            assert!(kinds.contains(&present), "{present} is configured");
        }
        assert!(!kinds.contains(&"webhook"), "switched off");
        // A token alone is not enough: the subscription page is where users sign up.
        let half = config(&[("PUSHOVER_API_TOKEN", "tok")]);
        assert!(!enabled(&half, "po"));
        assert!(
            !enabled(&plain, "hipchat"),
            "kinds hc cannot send are never offered"
        );
    }

    #[test]
    fn twilio_kinds_need_an_account_and_a_sender() {
        let plain = config(&[]);
        for kind in ["sms", "whatsapp", "call"] {
            assert!(!enabled(&plain, kind), "{kind}");
        }
        assert!(enabled(&plain, "googlechat") && enabled(&plain, "spike"));
        let twilio = config(&[
            ("TWILIO_ACCOUNT", "AC1"),
            ("TWILIO_AUTH", "secret"),
            ("TWILIO_FROM", "+15550001"),
            ("PAGERTREE_ENABLED", "False"),
        ]);
        assert!(enabled(&twilio, "sms") && enabled(&twilio, "call"));
        assert!(!enabled(&twilio, "whatsapp"), "needs TWILIO_USE_WHATSAPP");
        assert!(!enabled(&twilio, "pagertree"), "switched off");
    }

    #[test]
    fn local_kinds_follow_their_switches() {
        let plain = config(&[]);
        assert!(enabled(&plain, "group"));
        for kind in ["shell", "apprise", "trello", "github"] {
            assert!(!enabled(&plain, kind), "{kind}");
        }
        let on = config(&[
            ("SHELL_ENABLED", "True"),
            ("APPRISE_ENABLED", "True"),
            ("TRELLO_APP_KEY", "k"),
            ("GITHUB_CLIENT_ID", "Iv1.x"),
            ("GITHUB_PRIVATE_KEY", "pem"),
        ]);
        for kind in ["shell", "apprise", "trello"] {
            assert!(enabled(&on, kind), "{kind}");
        }
        assert!(!enabled(&on, "github"), "no add page yet");
        assert_eq!(label("github"), "GitHub");
        assert_eq!(
            describe("trello", r#"{"board_name": "Ops", "list_name": "Alerts"}"#),
            "Trello Ops/Alerts"
        );
        assert_eq!(
            describe("github", r#"{"repo": "alice/foo", "installation_id": 1}"#),
            "GitHub alice/foo"
        );
        assert_eq!(describe("shell", "{}"), "Shell Command");
    }

    #[test]
    fn slugs_and_kinds_map_both_ways() {
        assert_eq!(by_slug("pushover").map(|k| k.kind), Some("po"));
        assert_eq!(by_slug("msteams").map(|k| k.kind), Some("msteamsw"));
        assert_eq!(by_kind("po").map(|k| k.slug), Some("pushover"));
        assert_eq!(by_slug("nope"), None);
        assert_eq!(label("victorops"), "Splunk On-Call");
        assert_eq!(label("hipchat"), "hipchat");
    }

    #[test]
    fn unnamed_channels_are_described_by_their_configuration() {
        assert_eq!(
            describe(
                "email",
                r#"{"value": "a@x.org", "up": false, "down": true}"#
            ),
            "Email to a@x.org"
        );
        assert_eq!(describe("email", "b@x.org"), "Email to b@x.org");
        assert_eq!(
            describe(
                "slack",
                r##"{"incoming_webhook": {"url": "https://h", "channel": "#ops"}}"##
            ),
            "Slack #ops"
        );
        assert_eq!(describe("slack", "https://hooks.slack.com/x"), "Slack");
        assert_eq!(
            describe("telegram", r#"{"id": 1, "type": "private", "name": "Ann"}"#),
            "Telegram Ann"
        );
        assert_eq!(
            describe("zulip", r#"{"mtype": "private", "to": "ann@x.org"}"#),
            "Zulip user ann@x.org"
        );
        assert_eq!(
            describe("zulip", r#"{"mtype": "stream", "to": "ops"}"#),
            "Zulip stream ops"
        );
        assert_eq!(
            describe("signal", r#"{"value": "+15550100"}"#),
            "Signal to +15550100"
        );
        assert_eq!(describe("webhook", "{}"), "Webhook");
        assert_eq!(
            describe("sms", r#"{"value": "+15550100", "up": true, "down": true}"#),
            "SMS to +15550100"
        );
        assert_eq!(
            describe("whatsapp", r#"{"value": "+15550100"}"#),
            "WhatsApp to +15550100"
        );
        assert_eq!(
            describe("call", r#"{"value": "+15550100"}"#),
            "Phone call to +15550100"
        );
    }
}
