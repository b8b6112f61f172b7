use serde_json::json;

use super::*;
use crate::context::sample;
use crate::failure::Then;

#[test]
fn down_is_critical() {
    let alert = sample();
    assert_eq!(
        payload(&alert),
        json!({
            "entity_id": alert.check.unique_key(),
            "message_type": "CRITICAL",
            "entity_display_name": "Backups",
            "state_message": format!(
                "Backups is DOWN (success signal did not arrive on time, grace time passed).\n{}",
                alert.details_url()
            ),
            "monitoring_tool": "Mychecks",
        })
    );
}

#[test]
fn up_is_a_recovery() {
    let mut alert = sample();
    alert.status = "up".into();
    let sent = payload(&alert);
    assert_eq!(sent["message_type"], "RECOVERY");
    assert_eq!(
        sent["state_message"],
        format!("Backups is UP.\n{}", alert.details_url())
    );
    assert_eq!(sent["entity_id"], alert.check.unique_key());
}

#[test]
fn a_removed_endpoint_disables_the_channel() {
    let answer = |status: u16| Answer {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
        body: String::new(),
    };
    let gone = failure(&answer(404));
    assert_eq!(
        (gone.message.as_str(), gone.then),
        ("Received status code 404", Then::Disable)
    );
    assert_eq!(failure(&answer(400)).then, Then::Fail);
    assert_eq!(failure(&answer(503)).then, Then::Retry);
}
