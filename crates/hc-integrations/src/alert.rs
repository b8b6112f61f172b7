//! Sending one notification through its channel. E-mail is delivered today; other
//! kinds are recorded as failed with a message saying so, never silently dropped.

use hc_core::config::Config;
use hc_core::db::DbConn;
use hc_core::delivery::Claimed;
use hc_core::models::Check;

use crate::email::{Mailer, Outgoing};

/// Sends `claimed`; `Err` carries the text recorded on the notification and channel.
pub fn send(
    conn: &mut DbConn,
    config: &Config,
    mailer: Option<&Mailer>,
    claimed: &Claimed,
) -> Result<(), String> {
    match claimed.channel.kind.as_str() {
        "email" => {
            let Some(mailer) = mailer else {
                return Err("e-mail is not set up on this server (EMAIL_HOST is empty)".into());
            };
            let message = email_alert(
                config,
                &claimed.check,
                &claimed.notification.check_status,
                &claimed.channel.value,
            );
            mailer
                .send_recorded(conn, &message)
                .map_err(|e| e.to_string())
        }
        other => Err(format!(
            "{other} notifications are not supported by this version of hc yet"
        )),
    }
}

/// The e-mail for a check that went `status` (healthchecks' subject, our own words).
pub fn email_alert(config: &Config, check: &Check, status: &str, to: &str) -> Outgoing {
    let name = if check.name.is_empty() {
        check.code.clone()
    } else {
        check.name.clone()
    };
    let verb = if status == "down" {
        "gone down"
    } else {
        "come back up"
    };
    let schedule = match check.kind.as_str() {
        "simple" => format!(
            "every {}, grace {}",
            seconds_in_words(check.timeout),
            seconds_in_words(check.grace)
        ),
        _ => format!(
            "{} ({}), grace {}",
            check.schedule,
            check.tz,
            seconds_in_words(check.grace)
        ),
    };
    let last_ping = check
        .last_ping
        .map(|t| format!("{} UTC", t.format("%Y-%m-%d %H:%M:%S")))
        .unwrap_or_else(|| "never".into());
    let mut text = format!("The check \"{name}\" has {verb}.\n\n");
    text.push_str(&format!(
        "Details: {}/checks/{}/details/\n",
        config.site_root, check.code
    ));
    if !check.description.is_empty() {
        text.push_str(&format!("Description: {}\n", check.description));
    }
    if !check.tags.trim().is_empty() {
        text.push_str(&format!("Tags: {}\n", check.tags.trim()));
    }
    text.push_str(&format!("Schedule: {schedule}\n"));
    text.push_str(&format!("Total pings: {}\n", check.n_pings));
    text.push_str(&format!("Last ping: {last_ping}\n"));
    text.push_str(&format!("\n-- \n{}\n", config.site_name));
    Outgoing {
        to: to.to_owned(),
        subject: format!("{} | {name}", status.to_uppercase()),
        text,
        html: None,
    }
}

fn seconds_in_words(seconds: i64) -> String {
    const UNITS: [(i64, &str); 4] = [
        (604_800, "week"),
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
    ];
    for (size, unit) in UNITS {
        if seconds >= size && seconds % size == 0 {
            let n = seconds / size;
            return format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
        }
    }
    format!("{seconds} seconds")
}

#[cfg(test)]
mod tests {
    #[test]
    fn periods_read_as_words() {
        assert_eq!(super::seconds_in_words(86_400), "1 day");
        assert_eq!(super::seconds_in_words(7_200), "2 hours");
        assert_eq!(super::seconds_in_words(1_209_600), "2 weeks");
        assert_eq!(super::seconds_in_words(90), "90 seconds");
    }
}
