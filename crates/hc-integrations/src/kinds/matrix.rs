//! Matrix (spec §6.2 `matrix`): an `m.text` event, plain and HTML, sent to the room
//! in the channel's value by the operator's bot account (`MATRIX_HOMESERVER`,
//! `MATRIX_ACCESS_TOKEN`).

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use serde_json::{json, Value};

use crate::chat::{self, Style};
use crate::context::Alert;
use crate::failure::Failure;
use crate::outbound::{Body, Outbound};

/// Room ids (`!abc:server`) and aliases (`#ops:server`) go into one path segment:
/// everything but unreserved characters is encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The URL of the send request. `txn_id` makes a retried request idempotent on the
/// homeserver's side.
pub fn url(homeserver: &str, room: &str, txn_id: &str) -> String {
    format!(
        "{}/_matrix/client/v3/rooms/{}/send/m.room.message/{txn_id}",
        homeserver.trim_end_matches('/'),
        utf8_percent_encode(room.trim(), SEGMENT)
    )
}

pub fn payload(alert: &Alert) -> Value {
    json!({
        "msgtype": "m.text",
        "body": chat::message(alert, Style::Plain),
        "format": "org.matrix.custom.html",
        "formatted_body": chat::message(alert, Style::MatrixHtml),
    })
}

pub async fn send(
    http: &Outbound,
    alert: &Alert,
    config: &hc_core::config::Config,
) -> Result<(), Failure> {
    let integrations = &config.integrations;
    let (Some(homeserver), Some(token)) = (
        integrations
            .matrix_homeserver
            .as_deref()
            .filter(|h| !h.is_empty()),
        integrations.matrix_access_token.as_ref(),
    ) else {
        return Err(Failure::fail(
            "Matrix notifications are not enabled (MATRIX_HOMESERVER and MATRIX_ACCESS_TOKEN must be set)",
        ));
    };
    let room = alert.channel.value.trim();
    if room.is_empty() {
        return Err(Failure::fail("The Matrix room is not configured"));
    }
    let url = url(homeserver, room, &hc_core::keys::new_uuid());
    let headers = [(
        "Authorization".to_owned(),
        format!("Bearer {}", token.expose()),
    )];
    http.send(Method::PUT, &url, &headers, Body::Json(payload(alert)))
        .await?
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::sample;

    #[test]
    fn the_room_is_one_encoded_path_segment() {
        assert_eq!(
            url("https://matrix.example.org/", "!AbC:example.org", "t1"),
            "https://matrix.example.org/_matrix/client/v3/rooms/%21AbC%3Aexample.org/send/m.room.message/t1"
        );
        assert_eq!(
            url("https://m.example.org", " #ops/x:example.org ", "t2"),
            "https://m.example.org/_matrix/client/v3/rooms/%23ops%2Fx%3Aexample.org/send/m.room.message/t2"
        );
    }

    #[test]
    fn plain_and_html_bodies() {
        let alert = sample();
        let url = alert.details_url();
        assert_eq!(
            payload(&alert),
            json!({
                "msgtype": "m.text",
                "body": format!(
                    "\u{1f534} \u{201c}Backups\u{201d} is DOWN (success signal did not arrive on time, grace time passed).\n\
                     \n\
                     Project: Ops\n\
                     Tags: prod, www\n\
                     Period: 1 day\n\
                     Total pings: 42\n\
                     Last ping: Success, 1 day ago\n\
                     \n\
                     Last ping body:\n\
                     all \"good\" ünïcode\n\
                     \n\
                     All the other checks are up.\n\
                     \n\
                     View on Mychecks: {url}"
                ),
                "format": "org.matrix.custom.html",
                "formatted_body": chat::message(&alert, Style::MatrixHtml),
            })
        );
    }
}
