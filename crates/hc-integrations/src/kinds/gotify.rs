//! Gotify.

use crate::context::Alert;
use crate::failure::Failure;
use crate::outbound::Outbound;

pub async fn send(
    _http: &Outbound,
    _alert: &Alert,
    _config: &hc_core::config::Config,
) -> Result<(), Failure> {
    Err(Failure::fail(
        "Gotify notifications are not supported by this version of hc yet",
    ))
}

/// Statuses this channel stays silent for.
pub fn is_noop(_value: &str, _status: &str) -> bool {
    false
}
