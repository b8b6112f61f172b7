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
    email_alert, gotify, matrix, msteams, ntfy, opsgenie, pagerduty, pushbullet, pushover,
    rocketchat, signal, slack, telegram, victorops, webhook, zulip,
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
        _ => false,
    }
}

/// Sends the alert. `Err` says why it was not delivered and what to do next.
pub async fn send(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    let kind = alert.channel.kind.as_str();
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
        "telegram" => telegram::send(&senders.http, alert, &senders.config).await,
        "msteamsw" => msteams::send(&senders.http, alert, &senders.config).await,
        "rocketchat" => rocketchat::send(&senders.http, alert, &senders.config).await,
        "matrix" => matrix::send(&senders.http, alert, &senders.config).await,
        "ntfy" => ntfy::send(&senders.http, alert, &senders.config).await,
        "gotify" => gotify::send(&senders.http, alert, &senders.config).await,
        "zulip" => zulip::send(&senders.http, alert, &senders.config).await,
        "signal" => signal::send(&senders.http, alert, &senders.config).await,
        other => Err(Failure::fail(format!(
            "{other} notifications are not supported by this version of hc yet"
        ))),
    }
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
