//! Sending one alert through its channel: which kinds exist, which statuses each one
//! stays silent for, and the e-mail alert's text.

use std::sync::Arc;

use hc_core::config::Config;
use hc_core::db::Pool;
use serde_json::Value;

use crate::context::Alert;
use crate::email::Mailer;
use crate::failure::Failure;
use crate::kinds::{
    apprise, email_alert, github, googlechat, gotify, group, matrix, msteams, ntfy, opsgenie,
    pagerduty, pagertree, pushbullet, pushover, rocketchat, shell, signal, slack, spike, telegram,
    trello, twilio, victorops, webhook, zulip,
};
use crate::outbound::Outbound;

/// What sending needs, built once per daemon.
#[derive(Clone)]
pub struct Senders {
    pub http: Outbound,
    pub mailer: Option<Arc<Mailer>>,
    pub pool: Pool,
    pub config: Arc<Config>,
}

impl Senders {
    pub fn new(config: Arc<Config>, pool: Pool) -> Result<Senders, Failure> {
        let mailer = match Mailer::from_config(&config) {
            Ok(mailer) => Some(Arc::new(mailer)),
            Err(e) => {
                tracing::warn!(error = %e, "e-mail alerts cannot be sent");
                None
            }
        };
        Ok(Senders {
            http: Outbound::new(config.integrations.allow_private_ips)?,
            mailer,
            pool,
            config,
        })
    }

    fn icon_url(&self) -> String {
        self.config
            .site_logo_url
            .clone()
            .unwrap_or_else(|| format!("{}/static/img/logo.png", self.config.site_root))
    }
}

/// Kinds that stay silent for some statuses (spec §6.2): nothing is queued for them.
pub fn is_noop(kind: &str, value: &str, status: &str) -> bool {
    match kind {
        "email" => email_recipient(value, status).is_none(),
        "webhook" => webhook::is_noop(value, status),
        "po" => pushover::is_noop(value, status),
        "ntfy" => ntfy::is_noop(value, status),
        "gotify" => gotify::is_noop(value, status),
        "signal" => signal::is_noop(value, status),
        "shell" => shell::is_noop(value, status),
        "trello" => trello::is_noop(status),
        "github" => github::is_noop(status),
        "sms" | "whatsapp" | "call" => twilio::is_noop(kind, value, status),
        _ => false,
    }
}

/// Sends the alert. `Err` says why it was not delivered and what to do next.
pub async fn send(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    let kind = alert.channel.kind.as_str();
    if let Some(key) = rate_key(kind, &alert.channel.value) {
        if !take_token(senders, key).await? {
            // healthchecks drops such an alert; hc tries again after a backoff.
            return Err(Failure::retry("Rate limit exceeded"));
        }
    }
    match kind {
        "email" => send_email(senders, alert).await,
        "webhook" => webhook::send(&senders.http, alert).await,
        "slack" => {
            slack::send(
                &senders.http,
                alert,
                slack::Flavour::Slack,
                &senders.icon_url(),
            )
            .await
        }
        "mattermost" => {
            slack::send(
                &senders.http,
                alert,
                slack::Flavour::Mattermost,
                &senders.icon_url(),
            )
            .await
        }
        "discord" => {
            slack::send(
                &senders.http,
                alert,
                slack::Flavour::Discord,
                &senders.icon_url(),
            )
            .await
        }
        "pd" => pagerduty::send(&senders.http, alert, &senders.config).await,
        "po" => pushover::send(&senders.http, alert, &senders.config).await,
        "pushbullet" => pushbullet::send(&senders.http, alert, &senders.config).await,
        "victorops" => victorops::send(&senders.http, alert, &senders.config).await,
        "opsgenie" => opsgenie::send(&senders.http, alert, &senders.config).await,
        "telegram" => telegram::send(senders, alert).await,
        "msteamsw" => msteams::send(&senders.http, alert, &senders.config).await,
        "rocketchat" => rocketchat::send(&senders.http, alert, &senders.config).await,
        "matrix" => matrix::send(&senders.http, alert, &senders.config).await,
        "ntfy" => ntfy::send(&senders.http, alert, &senders.config).await,
        "gotify" => gotify::send(&senders.http, alert, &senders.config).await,
        "zulip" => zulip::send(&senders.http, alert, &senders.config).await,
        "signal" => signal::send(senders, alert).await,
        "googlechat" => googlechat::send(senders, alert).await,
        "pagertree" => pagertree::send(senders, alert).await,
        "spike" => spike::send(senders, alert).await,
        "sms" | "whatsapp" | "call" => twilio::send(senders, alert).await,
        "shell" => shell::send(senders, alert).await,
        "group" => group::send(senders, alert).await,
        "trello" => trello::send(senders, alert).await,
        "apprise" => apprise::send(senders, alert).await,
        "github" => github::send(senders, alert).await,
        other => Err(Failure::fail(format!(
            "{other} notifications are not supported by this version of hc yet"
        ))),
    }
}

/// Providers that accept six messages a minute per destination (spec §6.2): the
/// bucket an alert through this channel draws from.
pub fn rate_key(kind: &str, value: &str) -> Option<String> {
    let json = || serde_json::from_str::<Value>(value).ok();
    let field = |v: &Value, name: &str| {
        v.get(name)
            .map(|f| f.as_str().map_or_else(|| f.to_string(), str::to_owned))
    };
    match kind {
        "po" => value.split('|').next().map(|user| format!("po-{user}")),
        "telegram" => json()
            .and_then(|v| field(&v, "id"))
            .map(|id| format!("tg-{id}")),
        "ntfy" => json().map(|v| {
            format!(
                "ntfy-{}/{}",
                field(&v, "url").unwrap_or_default(),
                field(&v, "topic").unwrap_or_default()
            )
        }),
        "signal" => json()
            .and_then(|v| field(&v, "value"))
            .map(|to| format!("signal-{to}")),
        _ => None,
    }
}

/// Takes one of the six uses a minute of `key`, in the database so that every
/// daemon shares the bucket.
async fn take_token(senders: &Senders, key: String) -> Result<bool, Failure> {
    let pool = senders.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(|e| Failure::retry(e.to_string()))?;
        hc_core::ratelimit::authorize(
            &mut conn,
            &key,
            6,
            chrono::Duration::minutes(1),
            hc_core::time::now(),
        )
        .map_err(|e| Failure::retry(e.to_string()))
    })
    .await
    .map_err(|e| Failure::retry(e.to_string()))?
}

/// The address an e-mail channel sends `status` alerts to: healthchecks' JSON
/// (`{"value", "up", "down"}`) or a bare address (both statuses).
pub fn email_recipient(value: &str, status: &str) -> Option<String> {
    match serde_json::from_str::<Value>(value) {
        Ok(Value::Object(obj)) => {
            let wanted = obj.get(status).and_then(Value::as_bool).unwrap_or(true);
            let to = obj.get("value").and_then(Value::as_str).unwrap_or_default();
            (wanted && !to.is_empty()).then(|| to.to_owned())
        }
        _ => (!value.trim().is_empty()).then(|| value.trim().to_owned()),
    }
}

async fn send_email(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    let Some(mailer) = senders.mailer.clone() else {
        return Err(Failure::fail(
            "e-mail is not set up on this server (EMAIL_HOST is empty)",
        ));
    };
    let Some(to) = email_recipient(&alert.channel.value, &alert.status) else {
        return Ok(());
    };
    let message = email_alert::message(&senders.config, alert, &to);
    let pool = senders.pool.clone();
    // lettre's SMTP transport blocks, and the message is recorded in the database.
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(|e| Failure::retry(e.to_string()))?;
        mailer
            .send_recorded(&mut conn, &message)
            .map_err(|e| Failure::retry(e.to_string()))
    })
    .await
    .map_err(|e| Failure::retry(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limited_kinds_have_one_bucket_per_destination() {
        assert_eq!(rate_key("po", "ukey|0|-3").as_deref(), Some("po-ukey"));
        assert_eq!(
            rate_key("telegram", r#"{"id": -100123, "type": "group"}"#).as_deref(),
            Some("tg--100123")
        );
        assert_eq!(
            rate_key("ntfy", r#"{"url": "https://ntfy.sh", "topic": "ops"}"#).as_deref(),
            Some("ntfy-https://ntfy.sh/ops")
        );
        assert_eq!(
            rate_key("signal", r#"{"value": "+15550100", "up": true}"#).as_deref(),
            Some("signal-+15550100")
        );
        assert_eq!(rate_key("webhook", "https://x"), None);
    }

    #[test]
    fn email_channels_choose_their_statuses() {
        assert_eq!(
            email_recipient("a@x.org", "down").as_deref(),
            Some("a@x.org")
        );
        let json = r#"{"value": "a@x.org", "up": false, "down": true}"#;
        assert_eq!(email_recipient(json, "down").as_deref(), Some("a@x.org"));
        assert_eq!(email_recipient(json, "up"), None);
        assert!(is_noop("email", json, "up"));
        assert!(!is_noop("email", json, "down"));
    }
}
