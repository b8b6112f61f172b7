//! Apprise (spec §6.2 `apprise`): one URL in Apprise's notation reaches any of the
//! services Apprise knows. healthchecks calls the Python library in-process; hc runs
//! Apprise's command-line tool (`apprise`, found on `PATH`) with the same title,
//! body and notification type, when the operator sets `APPRISE_ENABLED`.
//!
//! Apprise makes its own connections, so `INTEGRATIONS_ALLOW_PRIVATE_IPS` does not
//! apply to them: an operator who enables Apprise trusts its users with that.

use crate::alert::Senders;
use crate::context::Alert;
use crate::failure::Failure;
use crate::kinds::shell::{run, RunError, TIMEOUT};

const DISABLED: &str = "Apprise is disabled and/or not installed";

/// The notification's title: "Backups is DOWN".
pub fn title(alert: &Alert) -> String {
    format!("{} is {}", alert.name(), alert.status_upper())
}

/// The body: the headline, then why the check went down (or how long it was
/// down), and when a down check last pinged.
pub fn body(alert: &Alert) -> String {
    let mut lines = vec![format!("{} is {}.", alert.name(), alert.status_upper())];
    lines.extend(alert.reason_sentence());
    if alert.is_down() {
        if let Some(ping) = &alert.last_ping {
            let age = (alert.flip_time - ping.created).max(chrono::Duration::zero());
            lines.push(format!(
                "Last ping was {} ago.",
                crate::context::age_in_words(age)
            ));
        }
    }
    lines.join("\n")
}

/// The arguments of `apprise`. The URL comes after `--`, so that a URL starting
/// with a dash can never be read as an option.
pub fn arguments(alert: &Alert) -> Vec<String> {
    let kind = if alert.is_down() {
        "failure"
    } else {
        "success"
    };
    vec![
        "--notification-type".into(),
        kind.into(),
        "--title".into(),
        title(alert),
        "--body".into(),
        body(alert),
        "--".into(),
        alert.channel.value.trim().to_owned(),
    ]
}

pub async fn send(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    if !senders.config.integrations.apprise_enabled {
        return Err(Failure::fail(DISABLED));
    }
    if alert.channel.value.trim().is_empty() {
        return Err(Failure::fail("Empty Apprise URL"));
    }
    let args = arguments(alert);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run("apprise", &args, TIMEOUT).await {
        Ok(status) if status.success() => Ok(()),
        // Apprise says why on its own error output, which goes to the daemon's log.
        Ok(_) => Err(Failure::fail("Failed")),
        Err(RunError::Spawn(e)) => {
            tracing::error!(error = %e, "cannot run apprise; is it installed?");
            Err(Failure::fail(DISABLED))
        }
        Err(RunError::TimedOut) => Err(Failure::retry(format!(
            "Apprise timed out after {} seconds",
            TIMEOUT.as_secs()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::sample;

    #[test]
    fn title_body_and_type_follow_the_status() {
        let mut alert = sample();
        alert.channel.value = " json://hooks.example.org/x ".into();
        assert_eq!(
            arguments(&alert),
            [
                "--notification-type",
                "failure",
                "--title",
                "Backups is DOWN",
                "--body",
                "Backups is DOWN.\n\
                 Reason: success signal did not arrive on time, grace time passed.\n\
                 Last ping was 1 day ago.",
                "--",
                "json://hooks.example.org/x",
            ]
        );
        alert.status = "up".into();
        alert.downtime = Some(chrono::Duration::minutes(90));
        assert_eq!(title(&alert), "Backups is UP");
        assert_eq!(
            body(&alert),
            "Backups is UP.\nThe downtime lasted 1 hour, 30 minutes."
        );
        assert_eq!(arguments(&alert)[1], "success");
    }
}
