//! The words the check pages use: the status sentence, ping kinds, where a ping came
//! from, the schedule, integration names, and times in the viewer's zone.

use chrono::{DateTime, Duration, Utc};
use hc_core::models::{Channel, Check, Flip};
use hc_core::schedule::tz;
use hc_core::status::{Status, StoredStatus};
use hc_core::time::utc;
use hc_integrations::context::{age_in_words, ago_in_words, duration_in_words};

/// `t` in the zone named `zone` (UTC if unknown), e.g. `2026-03-05 14:03:22 EET`.
pub fn local_time(t: DateTime<Utc>, zone: &str) -> String {
    const FORMAT: &str = "%Y-%m-%d %H:%M:%S %Z";
    match tz::zone(zone) {
        Some(tz) => t.with_timezone(&tz).format(FORMAT).to_string(),
        None => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    }
}

/// The month `t` falls in, in the zone named `zone`: `March 2026`.
pub fn local_month(t: DateTime<Utc>, zone: &str) -> String {
    match tz::zone(zone) {
        Some(tz) => t.with_timezone(&tz).format("%B %Y").to_string(),
        None => t.format("%B %Y").to_string(),
    }
}

/// A ping's kind for the filters: `success`, `fail`, `start`, `log` or `ign`.
pub fn ping_class(kind: Option<&str>) -> &'static str {
    match kind {
        None => "success",
        Some("fail") => "fail",
        Some("start") => "start",
        Some("log") => "log",
        Some(_) => "ign",
    }
}

/// A ping's kind in words (spec §1.7): "Exit status 3" for a failure with a code.
pub fn ping_kind(kind: Option<&str>, exitstatus: Option<i32>) -> String {
    match kind {
        None => "Success".into(),
        Some("fail") => match exitstatus {
            Some(code) if code != 0 => format!("Exit status {code}"),
            _ => "Failure".into(),
        },
        Some("start") => "Start".into(),
        Some("log") => "Log".into(),
        Some(_) => "Ignored".into(),
    }
}

/// Where a ping came from: `HTTPS POST from 203.0.113.5`, or `Email`.
pub fn source(scheme: &str, method: &str, remote_addr: Option<&str>) -> String {
    if scheme == "email" {
        return "Email".into();
    }
    let mut words = scheme.to_uppercase();
    if !method.is_empty() {
        words.push(' ');
        words.push_str(method);
    }
    if let Some(addr) = remote_addr.filter(|a| !a.is_empty()) {
        words.push_str(" from ");
        words.push_str(addr);
    }
    words
}

/// A flip in words: `up → down`, with the reason when it has one.
pub fn flip(flip: &Flip) -> (String, String) {
    let change = format!(
        "Status: {} → {}",
        label(&flip.old_status),
        label(&flip.new_status)
    );
    let reason = match flip.reason.as_str() {
        "timeout" => "success signal did not arrive on time, grace time passed",
        "fail" => "received a failure signal",
        _ => "",
    };
    (change, reason.to_owned())
}

/// What the dashboard calls a status (grace is "late").
pub fn label(status: &str) -> &str {
    match status {
        "grace" => "late",
        other => other,
    }
}

/// The sentence under the check's name, e.g. "This check is up. Last ping 3 minutes
/// ago." `last_flip` is the newest flip, which tells why and since when a stored-down
/// check is down.
pub fn status_sentence(
    check: &Check,
    status: Status,
    now: DateTime<Utc>,
    last_flip: Option<&Flip>,
) -> String {
    let ago = |t: DateTime<Utc>| ago_in_words(now - t);
    let last_ping = check.last_ping.map(utc);
    let last_start = check.last_start.map(utc);
    let grace = Duration::seconds(check.grace);
    match status {
        Status::Paused if check.manual_resume => {
            "This check is paused. It ignores pings until it is resumed.".into()
        }
        Status::Paused => "This check is paused. The next ping resumes it.".into(),
        Status::Down => {
            if let Some(start) = last_start.filter(|s| now >= *s + grace) {
                return format!(
                    "This check is down. A run started {} and did not finish within the grace time.",
                    ago(start)
                );
            }
            let down_flip = last_flip
                .filter(|f| f.new_status == "down" && check.stored_status() == StoredStatus::Down);
            if let Some(f) = down_flip.filter(|f| f.reason == "fail") {
                return format!(
                    "This check is down. It received a failure signal {}.",
                    ago(utc(f.created))
                );
            }
            let ended = match down_flip {
                Some(f) => Some(utc(f.created)),
                None => check.going_down_after().ok().flatten(),
            };
            match (last_ping, ended) {
                (Some(ping), Some(ended)) => format!(
                    "This check is down. The last ping was {}; the grace period ended {}.",
                    ago(ping),
                    ago(ended)
                ),
                (Some(ping), None) => {
                    format!("This check is down. The last ping was {}.", ago(ping))
                }
                (None, _) => "This check is down. It has not received a ping yet.".into(),
            }
        }
        _ if last_start.is_some() => {
            let started = last_start.map(ago).unwrap_or_default();
            format!("This check is running: the current run started {started}.")
        }
        Status::New | Status::Started => {
            "This check is new. It is waiting for its first ping.".into()
        }
        Status::Up => match last_ping {
            Some(ping) => format!("This check is up. Last ping {}.", ago(ping)),
            None => "This check is up.".into(),
        },
        Status::Grace => {
            let deadline = check.going_down_after().ok().flatten();
            match (last_ping, deadline) {
                (Some(ping), Some(deadline)) => format!(
                    "This check is late. Last ping {}; it goes down in {} unless a ping arrives.",
                    ago(ping),
                    age_in_words(deadline - now)
                ),
                (Some(ping), None) => format!("This check is late. Last ping {}.", ago(ping)),
                (None, _) => "This check is late.".into(),
            }
        }
    }
}

/// A check's schedule for the page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScheduleWords {
    pub kind: String,
    /// Simple checks: the period in words.
    pub period: String,
    /// Cron and OnCalendar checks: the expression.
    pub expression: String,
    pub tz: String,
    pub grace: String,
}

pub fn schedule(check: &Check) -> ScheduleWords {
    let simple = check.kind == "simple";
    ScheduleWords {
        kind: match check.kind.as_str() {
            "cron" => "Cron expression".into(),
            "oncalendar" => "OnCalendar expression".into(),
            _ => "Period".into(),
        },
        period: if simple {
            duration_in_words(Duration::seconds(check.timeout))
        } else {
            String::new()
        },
        expression: if simple {
            String::new()
        } else {
            check.schedule.clone()
        },
        tz: check.tz.clone(),
        grace: duration_in_words(Duration::seconds(check.grace)),
    }
}

/// An integration's name: its own, else what it delivers to (spec §1.9).
pub fn channel_label(channel: &Channel) -> String {
    if !channel.name.is_empty() {
        return channel.name.clone();
    }
    // Some kinds keep their target in a JSON object's "value".
    let target = serde_json::from_str::<serde_json::Value>(&channel.value)
        .ok()
        .and_then(|v| v.get("value").and_then(|v| v.as_str()).map(str::to_owned))
        .unwrap_or_else(|| channel.value.clone());
    match channel.kind.as_str() {
        "email" => format!("Email to {target}"),
        "sms" => format!("SMS to {target}"),
        "whatsapp" => format!("WhatsApp to {target}"),
        "call" => format!("Phone call to {target}"),
        "signal" => format!("Signal to {target}"),
        other => kind_label(other).to_owned(),
    }
}

fn kind_label(kind: &str) -> &str {
    match kind {
        "webhook" => "Webhook",
        "slack" => "Slack",
        "mattermost" => "Mattermost",
        "msteams" => "Microsoft Teams",
        "discord" => "Discord",
        "telegram" => "Telegram",
        "pd" => "PagerDuty",
        "pagertree" => "PagerTree",
        "opsgenie" => "Opsgenie",
        "victorops" => "Splunk On-Call",
        "pushover" => "Pushover",
        "pushbullet" => "Pushbullet",
        "ntfy" => "ntfy",
        "gotify" => "Gotify",
        "zulip" => "Zulip",
        "matrix" => "Matrix",
        "rocketchat" => "Rocket.Chat",
        "googlechat" => "Google Chat",
        "spike" => "Spike",
        "trello" => "Trello",
        "github" => "GitHub",
        "apprise" => "Apprise",
        "shell" => "Shell command",
        "group" => "Group",
        "prometheus" => "Prometheus",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(minutes_ago: i64, now: DateTime<Utc>) -> Option<chrono::NaiveDateTime> {
        Some((now - Duration::minutes(minutes_ago)).naive_utc())
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn check(status: &str) -> Check {
        let mut check = Check::new(Some(1), (now() - Duration::days(30)).naive_utc());
        check.status = status.into();
        check
    }

    #[test]
    fn kinds_in_words() {
        assert_eq!(ping_kind(None, None), "Success");
        assert_eq!(ping_kind(Some("fail"), None), "Failure");
        assert_eq!(ping_kind(Some("fail"), Some(0)), "Failure");
        assert_eq!(ping_kind(Some("fail"), Some(3)), "Exit status 3");
        assert_eq!(ping_kind(Some("start"), None), "Start");
        assert_eq!(ping_kind(Some("log"), None), "Log");
        assert_eq!(ping_kind(Some("ign"), None), "Ignored");
        assert_eq!(
            source("https", "POST", Some("203.0.113.5")),
            "HTTPS POST from 203.0.113.5"
        );
        assert_eq!(source("email", "", None), "Email");
    }

    #[test]
    fn the_status_sentence_says_what_and_since_when() {
        let now = now();
        let mut up = check("up");
        up.last_ping = at(3, now);
        assert_eq!(
            status_sentence(&up, Status::Up, now, None),
            "This check is up. Last ping 3 minutes ago."
        );

        let mut down = check("down");
        down.last_ping = at(2 * 24 * 60, now);
        let flip = Flip {
            id: 1,
            check_id: 1,
            created: (now - Duration::days(1)).naive_utc(),
            processed: None,
            old_status: "up".into(),
            new_status: "down".into(),
            reason: "timeout".into(),
        };
        assert_eq!(
            status_sentence(&down, Status::Down, now, Some(&flip)),
            "This check is down. The last ping was 2 days ago; the grace period ended 1 day ago."
        );
        let failed = Flip {
            reason: "fail".into(),
            ..flip
        };
        assert_eq!(
            status_sentence(&down, Status::Down, now, Some(&failed)),
            "This check is down. It received a failure signal 1 day ago."
        );

        // Stored up, but overdue with no daemon running: the deadline is computed.
        let mut late = check("up");
        late.last_ping = at(25 * 60 + 30, now);
        assert_eq!(
            status_sentence(&late, Status::Down, now, None),
            "This check is down. The last ping was 1 day ago; the grace period ended 30 minutes ago."
        );
        late.last_ping = at(24 * 60 + 20, now);
        assert_eq!(
            status_sentence(&late, Status::Grace, now, None),
            "This check is late. Last ping 1 day ago; it goes down in 40 minutes unless a ping arrives."
        );

        assert_eq!(
            status_sentence(&check("new"), Status::New, now, None),
            "This check is new. It is waiting for its first ping."
        );
        assert_eq!(
            status_sentence(&check("paused"), Status::Paused, now, None),
            "This check is paused. The next ping resumes it."
        );
        let mut running = check("new");
        running.last_start = at(5, now);
        assert_eq!(
            status_sentence(&running, Status::New, now, None),
            "This check is running: the current run started 5 minutes ago."
        );
    }
}
