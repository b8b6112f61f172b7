//! PagerDuty (spec §6.2 `pd`): the Events API v1 `create_event.json`, as healthchecks
//! uses it. A check going down triggers an incident and coming back up resolves it;
//! both carry the check's unique key as `incident_key`, which is how PagerDuty pairs
//! them.

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::context::{Alert, Period};
use crate::failure::Failure;
use crate::outbound::{Body, Outbound};

/// The integration key in a channel's value: healthchecks' JSON
/// `{"service_key", "account"}`, or (before accounts were recorded) the bare key.
pub fn service_key(value: &str) -> Option<String> {
    let value = value.trim();
    let key = if value.starts_with('{') {
        serde_json::from_str::<Value>(value)
            .ok()?
            .get("service_key")?
            .as_str()?
            .trim()
            .to_owned()
    } else {
        value.to_owned()
    };
    (!key.is_empty()).then_some(key)
}

/// The event: "<name> is DOWN (reason)." triggers, "<name> received a ping and is now
/// UP" resolves.
pub fn payload(alert: &Alert, service_key: &str) -> Value {
    let name = alert.name();
    let (event_type, description) = if alert.is_down() {
        (
            "trigger",
            format!("{name} is DOWN{}.", alert.reason_brief()),
        )
    } else {
        ("resolve", format!("{name} received a ping and is now UP"))
    };
    let mut details = Map::new();
    details.insert("Project".into(), alert.project_name.clone().into());
    details.insert("Total pings".into(), alert.check.n_pings.into());
    details.insert("Last ping".into(), alert.last_ping_words().into());
    if !alert.check.description.is_empty() {
        details.insert("Description".into(), alert.check.description.clone().into());
    }
    let tags = alert.tags();
    if !tags.is_empty() {
        details.insert("Tags".into(), tags.join(", ").into());
    }
    match alert.period() {
        Period::Every(words) => {
            details.insert("Period".into(), words.into());
        }
        Period::Schedule { expression, tz } => {
            details.insert("Schedule".into(), expression.into());
            details.insert("Time zone".into(), tz.into());
        }
    }
    json!({
        "service_key": service_key,
        "incident_key": alert.check.unique_key(),
        "event_type": event_type,
        "description": description,
        "client": alert.site_name,
        "client_url": alert.details_url(),
        "details": details,
    })
}

pub async fn send(
    http: &Outbound,
    alert: &Alert,
    config: &hc_core::config::Config,
) -> Result<(), Failure> {
    if !config.integrations.pd_enabled {
        return Err(Failure::fail("PagerDuty notifications are not enabled."));
    }
    let Some(key) = service_key(&alert.channel.value) else {
        return Err(Failure::fail("The PagerDuty service key is missing"));
    };
    http.send(
        Method::POST,
        &config.integrations.endpoints.pagerduty,
        &[],
        Body::Json(payload(alert, &key)),
    )
    .await?
    .ok()
}

#[cfg(test)]
mod tests;
