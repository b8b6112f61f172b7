//! Pushbullet (spec §6.2 `pushbullet`): a "note" push to the user whose OAuth access
//! token is the channel's value.

use reqwest::Method;
use serde_json::{json, Value};

use crate::context::Alert;
use crate::failure::Failure;
use crate::outbound::{Body, Outbound};

/// The push. Notes have no link field, so the link to the check ends the body.
pub fn payload(alert: &Alert) -> Value {
    json!({
        "type": "note",
        "title": alert.site_name,
        "body": format!(
            "The check \"{}\" is {}{}.\n{}",
            alert.name(),
            alert.status_upper(),
            alert.reason_brief(),
            alert.details_url()
        ),
    })
}

pub async fn send(
    http: &Outbound,
    alert: &Alert,
    config: &hc_core::config::Config,
) -> Result<(), Failure> {
    let token = alert.channel.value.trim();
    if token.is_empty() {
        return Err(Failure::fail("The Pushbullet access token is missing"));
    }
    http.send(
        Method::POST,
        &config.integrations.endpoints.pushbullet,
        &[("Access-Token".to_owned(), token.to_owned())],
        Body::Json(payload(alert)),
    )
    .await?
    .ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::context::sample;

    #[test]
    fn a_note_with_the_name_status_reason_and_link() {
        let mut alert = sample();
        assert_eq!(
            payload(&alert),
            json!({
                "type": "note",
                "title": "Mychecks",
                "body": format!(
                    "The check \"Backups\" is DOWN (success signal did not arrive on time, grace time passed).\n{}",
                    alert.details_url()
                ),
            })
        );
        alert.status = "up".into();
        assert_eq!(
            payload(&alert)["body"],
            format!("The check \"Backups\" is UP.\n{}", alert.details_url())
        );
    }
}
