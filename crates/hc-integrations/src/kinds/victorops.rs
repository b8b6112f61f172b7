//! Splunk On-Call, formerly VictorOps (spec §6.2 `victorops`): a JSON alert to the
//! REST endpoint URL the user pasted, CRITICAL when a check goes down and RECOVERY
//! when it comes back, keyed by the check's unique key.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::context::Alert;
use crate::failure::Failure;
use crate::outbound::{Answer, Body, Outbound};

/// The alert. The service shows `state_message` as the alert's text, so it also
/// carries the link to the check.
pub fn payload(alert: &Alert) -> Value {
    let name = alert.name();
    let (message_type, headline) = if alert.is_down() {
        (
            "CRITICAL",
            format!("{name} is DOWN{}.", alert.reason_brief()),
        )
    } else {
        ("RECOVERY", format!("{name} is UP."))
    };
    json!({
        "entity_id": alert.check.unique_key(),
        "message_type": message_type,
        "entity_display_name": name,
        "state_message": format!("{headline}\n{}", alert.details_url()),
        "monitoring_tool": alert.site_name,
    })
}

/// A 404 means the routing key or integration was removed: the URL will never work
/// again, so the channel is disabled, as healthchecks does.
pub fn failure(answer: &Answer) -> Failure {
    let failure = answer.failure();
    if answer.status == StatusCode::NOT_FOUND {
        Failure::disable(failure.message)
    } else {
        failure
    }
}

pub async fn send(
    http: &Outbound,
    alert: &Alert,
    config: &hc_core::config::Config,
) -> Result<(), Failure> {
    if !config.integrations.victorops_enabled {
        return Err(Failure::fail(
            "Splunk On-Call notifications are not enabled.",
        ));
    }
    let url = alert.channel.value.trim();
    if url.is_empty() {
        return Err(Failure::fail("Empty Splunk On-Call REST endpoint URL"));
    }
    let answer = http
        .send(Method::POST, url, &[], Body::Json(payload(alert)))
        .await?;
    if answer.delivered() {
        Ok(())
    } else {
        Err(failure(&answer))
    }
}

#[cfg(test)]
mod tests;
