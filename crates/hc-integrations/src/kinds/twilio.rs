//! Scaffold: being written.

use crate::alert::Senders;
use crate::context::Alert;
use crate::failure::Failure;

pub async fn send(_senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    Err(Failure::fail(format!(
        "{} notifications are not supported by this version of hc yet",
        alert.channel.kind
    )))
}
