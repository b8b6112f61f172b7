//! Test notifications (the Integrations page's "Test!" button, spec §6.1): a made-up
//! alert about a check named TEST goes through the channel at once, by the same
//! code `sendalerts` uses, and the outcome is recorded like any notification's —
//! with no check (`check_id` NULL), in a final state, so no daemon ever claims it.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use hc_core::config::Config;
use hc_core::db::DbConn;
use hc_core::models::{Channel, Check, Notification};
use hc_core::schema::{channels, notifications};

use crate::alert::{is_noop, send, Senders};
use crate::context::{Alert, LastPing, OtherChecks};
use crate::failure::{Failure, Then};

/// Longest error kept, as the columns hold it.
const MAX_ERROR: usize = 200;

/// The alert a test sends: check "TEST" with 42 pings, the last a day ago, gone
/// down because its ping did not arrive (or, for `up`, come back).
pub fn alert(
    config: &Config,
    channel: &Channel,
    project_name: &str,
    status: &str,
    now: DateTime<Utc>,
) -> Alert {
    let last_ping = now - Duration::days(1);
    let mut check = Check::new(
        Some(channel.project_id),
        (now - Duration::days(30)).naive_utc(),
    );
    check.name = "TEST".into();
    check.n_pings = 42;
    check.status = status.into();
    check.last_ping = Some(last_ping.naive_utc());
    let ctx = hc_core::checks::json::Context {
        site_root: &config.site_root,
        ping_endpoint: &config.ping_endpoint,
        version: "v3",
        with_started: false,
        now,
        read_only: false,
    };
    let check_json = hc_core::compat::python_json(&hc_core::checks::json::check(
        &check,
        channel.code.clone(),
        &ctx,
        &mut hc_core::checks::json::Schedules::default(),
    ));
    Alert {
        check,
        channel: channel.clone(),
        status: status.to_owned(),
        reason: if status == "down" { "timeout" } else { "" }.to_owned(),
        flip_id: None,
        flip_time: now,
        project_name: project_name.to_owned(),
        last_ping: Some(LastPing {
            created: last_ping,
            kind: None,
            body: None,
            exitstatus: None,
            remote_addr: None,
        }),
        downtime: None,
        others: OtherChecks::None,
        site_root: config.site_root.clone(),
        site_name: config.site_name.clone(),
        check_json,
    }
}

/// The status a test is about: `down`, or `up` for channels that stay silent for
/// down; `None` when the channel sends nothing either way.
pub fn status_for(channel: &Channel) -> Option<&'static str> {
    ["down", "up"]
        .into_iter()
        .find(|status| !is_noop(&channel.kind, &channel.value, status))
}

/// How a test went.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The status the test alert was about.
    pub status: &'static str,
    pub result: Result<(), Failure>,
    pub took: Duration,
}

/// Sends a test alert through `channel` now, giving up after `limit`.
pub async fn send_test(
    senders: &Senders,
    channel: &Channel,
    project_name: &str,
    limit: StdDuration,
) -> Outcome {
    let refused = |status, message: &str| Outcome {
        status,
        result: Err(Failure::fail(message)),
        took: Duration::zero(),
    };
    if channel.kind == "email" && !channel.email_verified {
        return refused("down", "Email not verified");
    }
    let Some(status) = status_for(channel) else {
        return refused(
            "down",
            "This integration is set to send nothing, up or down",
        );
    };
    let alert = alert(
        &senders.config,
        channel,
        project_name,
        status,
        hc_core::time::now(),
    );
    let started = Instant::now();
    let result = match tokio::time::timeout(limit, send(senders, &alert)).await {
        Ok(result) => result,
        Err(_) => Err(Failure::retry("Connection timed out")),
    };
    Outcome {
        status,
        result,
        took: Duration::from_std(started.elapsed()).unwrap_or_default(),
    }
}

/// Records a test: it replaces the channel's earlier test notifications, and the
/// channel's last delivery fields say how it went. A provider's answer that the
/// destination is gone disables the channel, as a real alert's would.
pub fn record(
    conn: &mut DbConn,
    channel: &Channel,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> QueryResult<Notification> {
    let error: String = match &outcome.result {
        Ok(()) => String::new(),
        Err(failure) => failure.message.chars().take(MAX_ERROR).collect(),
    };
    let disable = matches!(&outcome.result, Err(f) if f.then == Then::Disable);
    let notification = Notification {
        id: 0,
        code: hc_core::keys::new_uuid(),
        check_id: None,
        channel_id: channel.id,
        flip_id: None,
        check_status: outcome.status.to_owned(),
        created: now.naive_utc(),
        status: if outcome.result.is_ok() {
            "sent"
        } else {
            "failed"
        }
        .into(),
        attempts: 1,
        next_attempt: None,
        claimed_until: None,
        error: error.clone(),
    };
    conn.write_tx(|conn| {
        diesel::delete(
            notifications::table
                .filter(notifications::channel_id.eq(channel.id))
                .filter(notifications::check_id.is_null()),
        )
        .execute(conn)?;
        diesel::insert_into(notifications::table)
            .values(&notification)
            .execute(conn)?;
        diesel::update(channels::table.find(channel.id))
            .set((
                channels::last_notify.eq(Some(now.naive_utc())),
                channels::last_notify_duration.eq(outcome.took.num_microseconds()),
                channels::last_error.eq(&error),
            ))
            .execute(conn)?;
        if disable {
            diesel::update(channels::table.find(channel.id))
                .set(channels::disabled.eq(true))
                .execute(conn)?;
        }
        notifications::table
            .filter(notifications::code.eq(&notification.code))
            .select(Notification::as_select())
            .first(conn)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(kind: &str, value: &str) -> Channel {
        let mut channel = crate::context::sample().channel;
        channel.kind = kind.into();
        channel.value = value.into();
        channel
    }

    #[test]
    fn the_test_alert_is_about_a_check_named_test() {
        let env =
            hc_core::config::Env::new(|name| (name == "SECRET_KEY").then(|| "test".to_owned()));
        let config = Config::from(&env).unwrap_or_else(|e| panic!("{e}"));
        let now = hc_core::time::now();
        let ch = channel("webhook", r#"{"url_down": "https://x.org/d"}"#);
        let alert = alert(&config, &ch, "Ops", "down", now);
        assert_eq!(alert.name(), "TEST");
        assert_eq!(alert.check.n_pings, 42);
        assert_eq!(alert.last_ping_words(), "Success, 1 day ago");
        assert_eq!(
            alert.reason_sentence().as_deref(),
            Some("Reason: success signal did not arrive on time, grace time passed.")
        );
        assert!(
            alert.check_json.contains("\"name\": \"TEST\""),
            "{}",
            alert.check_json
        );
        assert!(
            alert.check_json.contains(&ch.code),
            "$JSON names the channel"
        );
        let up = super::alert(&config, &ch, "Ops", "up", now);
        assert_eq!(up.reason_sentence(), None);
    }

    #[test]
    fn channels_silent_for_down_are_tested_with_an_up_alert() {
        assert_eq!(
            status_for(&channel("webhook", r#"{"url_down": "https://x.org/d"}"#)),
            Some("down")
        );
        assert_eq!(
            status_for(&channel("webhook", r#"{"url_up": "https://x.org/u"}"#)),
            Some("up")
        );
        assert_eq!(status_for(&channel("po", "ukey|-3|0")), Some("up"));
        assert_eq!(status_for(&channel("po", "ukey|-3|-3")), None);
        assert_eq!(status_for(&channel("slack", "https://h")), Some("down"));
    }
}
