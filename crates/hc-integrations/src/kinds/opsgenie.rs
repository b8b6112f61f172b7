//! Opsgenie (spec §6.2 `opsgenie`): an alert created through the Alert API when a
//! check goes down, and closed by its alias (the check's unique key) when it comes
//! back up, in the account's region.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::context::{Alert, Period};
use crate::failure::Failure;
use crate::outbound::{Answer, Body, Outbound};

/// A channel's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Settings {
    /// The API integration's key.
    pub key: String,
    /// `us` or `eu`.
    #[serde(default = "us")]
    pub region: String,
}

fn us() -> String {
    "us".into()
}

/// healthchecks' JSON `{"key", "region"}`; a bare key (the form from before regions)
/// is a US key.
pub fn settings(value: &str) -> Option<Settings> {
    let value = value.trim();
    let settings = if value.starts_with('{') {
        serde_json::from_str::<Settings>(value).ok()?
    } else {
        Settings {
            key: value.to_owned(),
            region: us(),
        }
    };
    (!settings.key.trim().is_empty()).then_some(settings)
}

/// Where the request goes: the region's API root, then `/v2/alerts` to create, or
/// `/v2/alerts/<alias>/close?identifierType=alias` to close.
pub fn url(alert: &Alert, region: &str, config: &hc_core::config::Config) -> String {
    let endpoints = &config.integrations.endpoints;
    let root = if region == "eu" {
        &endpoints.opsgenie_eu
    } else {
        &endpoints.opsgenie_us
    };
    let root = root.trim_end_matches('/');
    if alert.is_down() {
        format!("{root}/v2/alerts")
    } else {
        format!(
            "{root}/v2/alerts/{}/close?identifierType=alias",
            alert.check.unique_key()
        )
    }
}

/// The request body: the whole alert when going down, only its alias and source
/// when closing it.
pub fn payload(alert: &Alert) -> Value {
    let mut payload = Map::new();
    payload.insert("alias".into(), alert.check.unique_key().into());
    payload.insert("source".into(), alert.site_name.clone().into());
    if !alert.is_down() {
        return Value::Object(payload);
    }
    // Opsgenie keeps details as text.
    let mut details = Map::new();
    details.insert("Project".into(), alert.project_name.clone().into());
    details.insert("Total pings".into(), alert.check.n_pings.to_string().into());
    details.insert("Last ping".into(), alert.last_ping_words().into());
    match alert.period() {
        Period::Every(words) => {
            details.insert("Period".into(), words.into());
        }
        Period::Schedule { expression, tz } => {
            details.insert("Schedule".into(), expression.into());
            details.insert("Time zone".into(), tz.into());
        }
    }
    details.insert("Full details".into(), alert.details_url().into());
    payload.insert("tags".into(), json!(alert.tags()));
    payload.insert(
        "message".into(),
        format!(
            "The check \"{}\" is DOWN{}.",
            alert.name(),
            alert.reason_brief()
        )
        .into(),
    );
    payload.insert("description".into(), alert.check.description.clone().into());
    payload.insert("details".into(), Value::Object(details));
    Value::Object(payload)
}

/// "Received status code N", with Opsgenie's own explanation when it gave one.
pub fn failure(answer: &Answer) -> Failure {
    let mut failure = answer.failure();
    #[derive(Deserialize)]
    struct Explained {
        message: String,
    }
    if let Ok(explained) = serde_json::from_str::<Explained>(&answer.body) {
        failure
            .message
            .push_str(&format!(" with a message: \"{}\"", explained.message));
    }
    failure
}

pub async fn send(
    http: &Outbound,
    alert: &Alert,
    config: &hc_core::config::Config,
) -> Result<(), Failure> {
    if !config.integrations.opsgenie_enabled {
        return Err(Failure::fail("Opsgenie notifications are not enabled."));
    }
    let Some(settings) = settings(&alert.channel.value) else {
        return Err(Failure::fail("The Opsgenie API key is missing"));
    };
    let answer = http
        .send(
            Method::POST,
            &url(alert, &settings.region, config),
            &[(
                "Authorization".to_owned(),
                format!("GenieKey {}", settings.key.trim()),
            )],
            Body::Json(payload(alert)),
        )
        .await?;
    if answer.delivered() {
        Ok(())
    } else {
        Err(failure(&answer))
    }
}

#[cfg(test)]
mod tests;
