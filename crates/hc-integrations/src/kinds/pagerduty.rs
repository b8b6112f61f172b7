//! PagerDuty (Events API v1, as healthchecks).

use crate::context::Alert;
use crate::failure::Failure;
use crate::outbound::Outbound;

pub async fn send(
    _http: &Outbound,
    _alert: &Alert,
    _config: &hc_core::config::Config,
) -> Result<(), Failure> {
    Err(Failure::fail("PagerDuty (Events API v1, as healthchecks) notifications are not supported by this version of hc yet"))
}
