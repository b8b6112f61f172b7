//! Spike (spec §6.2 `spike`): a JSON alert to the integration's webhook URL, keyed
//! by the check's unique key, with the status in words PagerTree's alerts use too.

use serde_json::{json, Value};

use crate::alert::Senders;
use crate::context::Alert;
use crate::failure::Failure;
use crate::kinds::pagertree::{description, title};

pub fn payload(alert: &Alert) -> Value {
    json!({
        "check_id": alert.check.unique_key(),
        "title": title(alert),
        "message": description(alert),
        "status": alert.status,
    })
}

pub async fn send(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    if !senders.config.integrations.spike_enabled {
        return Err(Failure::fail("Spike notifications are not enabled."));
    }
    senders
        .http
        .post_json_to_hook(&alert.channel.value, "Spike", payload(alert))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::sample;

    #[test]
    fn down_and_up() {
        let mut alert = sample();
        assert_eq!(
            payload(&alert),
            json!({
                "check_id": alert.check.unique_key(),
                "title": "Backups is DOWN (success signal did not arrive on time, grace time passed)",
                "message": "Backups is DOWN (success signal did not arrive on time, grace time passed).\nLast ping was 1 day ago.",
                "status": "down",
            })
        );
        alert.status = "up".into();
        alert.reason = String::new();
        alert.check.name = "Foo & Bar".into();
        assert_eq!(
            payload(&alert),
            json!({
                "check_id": alert.check.unique_key(),
                "title": "Foo & Bar is UP",
                "message": "Foo & Bar is UP.",
                "status": "up",
            })
        );
    }
}
